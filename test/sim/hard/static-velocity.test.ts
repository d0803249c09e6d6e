// Hard mode does not differentiate static bodies' velocities (sim/hard/README.md, forward
// mode): a static body's velocity is no input of the physics (it stays put whatever its
// velocity), and a step with contacts drops its cotangent in the impulse solve's adjoint.
// A step without contacts goes through the integrator, which passes a static body's
// velocity through: it must drop it too, in the reverse pass and the tangent alike, or
// d(ground velocity at T)/d(ground velocity at 0) would be 1 or 0 depending on whether
// some step of the rollout had a contact.
import { describe, expect, it } from 'vitest';
import * as ad from '../../../ad/index.ts';
import { buildModel, initialState } from '../../../sim/builder.ts';
import { rolloutInputs, rolloutLayout, rolloutPrimitive } from '../../../sim/rollout.ts';
import { rolloutTangents } from '../../../sim/driver/tangent-rollout.ts';
import { HARD_STEPPER } from '../../../sim/hard/stepper.ts';
import { parseScene } from '../../../sim/scene.ts';
import { ground } from './fixtures.ts';

const STEPS = 60;
const R = 0.05;

/** A ball over the ground, `height` above touching it: far (no contact in the rollout), landing within it, or resting on it. */
function setup(height: number) {
  const scene = parseScene({
    dt: 0.002,
    steps: STEPS,
    contact: { mode: 'hard', friction: 0.5, restitution: 0 },
    bodies: [
      ground,
      {
        name: 'ball',
        shape: { type: 'sphere', radius: R },
        mass: 0.2,
        position: [0, 0, R + height],
        linearVelocity: [0.3, 0, 0],
      },
    ],
  });
  const model = buildModel(scene);
  const state = initialState(model, scene);
  const config = { model, steps: STEPS };
  const L = rolloutLayout(model.nbody, STEPS, 0);
  const x = rolloutInputs(config, state.bodyQ, state.bodyQd);
  return { config, L, x, ground: model.bodyName.indexOf('ground'), ball: model.bodyName.indexOf('ball') };
}

/** x̄ of the sum of every final state entry. */
function gradientOfSum(s: ReturnType<typeof setup>): number[] {
  const run = rolloutPrimitive(s.config);
  return ad.valueAndGrad((x) => run(x).reduce<ad.Real>((acc, y) => ad.add(acc, y), 0), Array.from(s.x)).grad;
}

const CASES = [
  { name: 'no contact in the rollout', height: 1 },
  { name: 'landing within the rollout', height: 0.01 },
  { name: 'resting on the ground', height: 0 },
];

describe('hard mode: static bodies’ velocities are not differentiated', () => {
  for (const { name, height } of CASES) {
    it(`reverse and tangent give the ground's velocity no derivative (${name})`, () => {
      const s = setup(height);
      const g = gradientOfSum(s);
      // the ground's initial velocity: no cotangent
      for (let k = 0; k < 6; k++) expect(g[s.L.qd + 6 * s.ground + k]).toBe(0);
      // while the ball's has one: d(x_T + v_x,T)/d v_x,0 = T·dt + 1 in free flight, less when rolling
      expect(g[s.L.qd + 6 * s.ball]).toBeGreaterThan(0.5);
      // the tangent along the ground's initial velocity: no change of any final entry
      const xdot = new Float64Array(s.L.size);
      for (let k = 0; k < 6; k++) xdot[s.L.qd + 6 * s.ground + k] = 1;
      const { ydot } = rolloutTangents(s.config, HARD_STEPPER, s.x, xdot, 1);
      for (let i = 0; i < ydot.length; i++) expect(ydot[i]).toBe(0);
    });
  }
});
