// Fixtures shared by the hard step's adjoint and tangent tests: scenes that exercise each
// branch of the step (resting and sliding box corners, a redundant stack, a capsule and a
// pushed box), and the impulse solve's input θ and structure at a solved step, with random
// velocities, lever arms and slip targets (any values exercise the algebra) and the
// problem's own frames, friction, bounds and inertia.
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
import { parseScene, type Scene, type SceneInput } from '../../../sim/scene.ts';
import { expect } from 'vitest';
import { gradient } from '../../../sim/gradient.ts';
import { sceneFunction } from '../../../sim/scene-function.ts';
import { centralDerivative } from '../../helpers.ts';
import { buildModel, initialState } from '../../../sim/builder.ts';
import { RESTING_GAP_FACTOR } from '../../../sim/hard/stepper.ts';
import { tracedStepContext } from '../../../sim/hard/record.ts';
import { rolloutInputs, rolloutLayout, type RolloutLayout } from '../../../sim/rollout.ts';
import { createStepData } from '../../../sim/step.ts';

/** A hard-step test scene: its input, the steps to run and the body a control pushes, if any. */
export interface HardStepScene {
  name: string;
  input: SceneInput;
  steps: number;
  control?: string;
}

export const ground: SceneInput['bodies'][number] = {
  name: 'ground',
  shape: { type: 'plane', normal: [0, 0, 1], offset: 0 },
};
export const box = (
  name: string,
  z: number,
  extra: Partial<SceneInput['bodies'][number]> = {},
): SceneInput['bodies'][number] => ({
  name,
  shape: { type: 'box', halfExtents: [0.2, 0.15, 0.1] },
  mass: 1.5,
  position: [0, 0, z],
  ...extra,
});

/** The scenes both tests run: box corners resting and sliding, a redundant stack, a capsule and a pushed box (controls). */
export const BOX_CORNERS: HardStepScene = {
  name: 'a box sliding and turning to rest on its four corners',
  input: {
    dt: 1e-3,
    contact: { mode: 'hard', friction: 0.4 },
    bodies: [ground, box('box', 0.1, { linearVelocity: [1.2, 0.3, 0], angularVelocity: [0, 0, 2] })],
  },
  steps: 400,
};

export const BOX_STACK: HardStepScene = {
  name: 'a resting stack of three boxes (redundant contacts)',
  input: {
    dt: 1e-3,
    contact: { mode: 'hard', friction: 0.6 },
    bodies: [
      ground,
      box('a', 0.1),
      box('b', 0.3, { position: [0.03, 0.01, 0.3] }),
      box('c', 0.5, { position: [-0.02, 0.02, 0.5] }),
    ],
  },
  steps: 120,
};

export const CAPSULE_AND_PUSHED_BOX: HardStepScene = {
  name: 'a capsule rolling and a box pushed by a control force',
  input: {
    dt: 1e-3,
    contact: { mode: 'hard', friction: 0.5 },
    bodies: [
      ground,
      {
        name: 'cap',
        shape: { type: 'capsule', radius: 0.05, halfLength: 0.2 },
        mass: 1,
        position: [0, 1, 0.05],
        orientation: [0.7071067811865476, 0.7071067811865476, 0, 0],
        linearVelocity: [0.5, 0, 0],
        angularVelocity: [0, 4, 0],
      },
      box('pushed', 0.1, { position: [0, -1, 0.1] }),
    ],
  },
  steps: 300,
  control: 'pushed',
};

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

/**
 * A hard scene ready for a one-step adjoint or tangent test: its model, state and step
 * data, the bodies the named controls push, the one-step layout and the step context (sim/hard/record.ts).
 */
export function hardStepSetup(input: SceneInput, controls: readonly string[] = []) {
  const parsed = parseScene(input);
  const model = buildModel(parsed);
  const state = initialState(model, parsed);
  const data = createStepData(model);
  const n = model.nbody;
  const controlBodies = controls.map((name) => model.bodyName.indexOf(name));
  const L1 = rolloutLayout(n, 1, controlBodies.length);
  const hard = data.hard;
  if (hard === null || hard === undefined) throw new Error('expected a hard-mode scene');
  const ctx = tracedStepContext(model, L1, controlBodies, RESTING_GAP_FACTOR * hard.settings.penetrationTolerance);
  return { model, state, data, n, controlBodies, L1, hard, ctx };
}

/**
 * The one-step input x (layout `L1`) of the state before a step: its poses and velocities,
 * the controls' slots left at 0 for the caller to fill.
 */
export function stepInputs(
  model: Model,
  controlBodies: readonly number[],
  L1: RolloutLayout,
  state: { bodyQ: Float64Array; bodyQd: Float64Array },
): Float64Array {
  const xs = new Float64Array(L1.size);
  xs.set(rolloutInputs({ model, steps: 1, controlBodies }, state.bodyQ, state.bodyQd).subarray(0, L1.controls));
  return xs;
}

/**
 * Asserts the rollout gradient of each of `ofs` w.r.t. `wrt` equals central differences of
 * the plain simulator (step `h`) to `rel` × max(1, |difference|).
 */
export function expectGradientsMatchDifferences(
  scene: Scene,
  ofs: readonly string[],
  wrt: readonly string[],
  h: number,
  rel: number,
): void {
  for (const of of ofs) {
    const g = gradient(scene, of, wrt);
    const f = sceneFunction(scene, of, wrt);
    wrt.forEach((p, i) => {
      const cd = centralDerivative((x) => f.value(x), f.x0, i, h);
      expect(Math.abs(g.grad[p] - cd), `d ${of} / d ${p}: AD ${g.grad[p]}, CD ${cd}`).toBeLessThan(
        rel * Math.max(1, Math.abs(cd)),
      );
    });
  }
}

/**
 * The tangent against the transpose of the pullback, worst over `dirs` directions:
 * |⟨ȳ, ẏ_j⟩ − ⟨x̄, ẋ_j⟩| over the sum of the terms' magnitudes (ẏ_j at `ydot[j·ȳ.length ..]`,
 * ẋ_j at `xdot[j·x̄.length ..]`).
 */
export function transposeMismatch(
  ybar: Float64Array,
  ydot: Float64Array,
  xbar: Float64Array,
  xdot: Float64Array,
  dirs: number,
): number {
  let worst = 0;
  const ny = ybar.length,
    nx = xbar.length;
  for (let j = 0; j < dirs; j++) {
    let fwd = 0,
      rev = 0,
      scale = 0;
    for (let i = 0; i < ny; i++) {
      fwd += ybar[i] * ydot[j * ny + i];
      scale += Math.abs(ybar[i] * ydot[j * ny + i]);
    }
    for (let i = 0; i < nx; i++) {
      rev += xbar[i] * xdot[j * nx + i];
      scale += Math.abs(xbar[i] * xdot[j * nx + i]);
    }
    worst = Math.max(worst, Math.abs(fwd - rev) / scale);
  }
  return worst;
}
