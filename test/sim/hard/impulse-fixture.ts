// The impulse solve's input θ and structure at a solved step, with random velocities,
// lever arms and slip targets (any values exercise the algebra) and the problem's own
// frames, friction, bounds and inertia: shared by the adjoint's and the tangent's tests.
import type { seededRng } from '../../../ad/random.ts';
import { impulseLayout } from '../../../sim/hard/impulse-adjoint.ts';
import {
  CONTACT_BOUND,
  CONTACT_MU,
  CONTACT_R_A,
  CONTACT_SLIP_TARGET,
  IMPULSE_CONTACT_WIDTH,
} from '../../../sim/hard/impulse-layout.ts';
import type { ContactProblem } from '../../../sim/hard/problem.ts';
import type { Model } from '../../../sim/model.ts';

export function randomImpulseInput(model: Model, p: ContactProblem, rng: ReturnType<typeof seededRng>) {
  const n = model.nbody;
  const c = p.count;
  const L = impulseLayout(n, c);
  const theta = new Float64Array(L.size);
  for (let j = 0; j < 6 * n; j++) theta[j] = rng.uniform() - 0.5;
  for (let k = 0; k < c; k++) {
    const o = L.contacts + IMPULSE_CONTACT_WIDTH * k;
    theta.set(p.dir.subarray(9 * k, 9 * k + 9), o);
    for (let i = 0; i < 6; i++) theta[o + CONTACT_R_A + i] = rng.uniform() - 0.5;
    theta[o + CONTACT_MU] = p.friction[k];
    theta[o + CONTACT_BOUND] = p.bound[k];
    for (let j = 0; j < 2; j++) theta[o + CONTACT_SLIP_TARGET + j] = 0.1 * (rng.uniform() - 0.5);
  }
  for (let b = 0; b < n; b++) {
    if (model.bodyStatic[b]) continue;
    theta[L.invMass + b] = model.bodyInvMass[b];
    theta.set(p.worldInvInertia.subarray(9 * b, 9 * b + 9), L.invInertia + 9 * b);
  }
  const structure = {
    nbody: n,
    count: c,
    bodyA: p.bodyA,
    bodyB: p.bodyB,
    isStatic: model.bodyStatic,
    lambda: p.impulse.slice(0, 3 * c),
  };
  return { L, theta, structure };
}
