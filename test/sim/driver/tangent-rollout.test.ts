// The Stepper's tangent-forward (sim/driver/tangent-rollout.ts) against the rollout's
// reverse mode (J·v against vᵀJᵀ: the same discrete map, two independent derivative
// codes), against central differences of the plain rollout, and its margins' tangents
// against central differences of the plain step's decision reports (sim/step.ts), in
// soft and penalty mode through every kind of contact the scene makes.
import { describe, expect, it } from 'vitest';
import * as ad from '../../../ad/index.ts';
import type { KinkSink } from '../../../ad/primitive.ts';
import { buildModel, initialState } from '../../../sim/builder.ts';
import { forceRolloutTangents } from '../../../sim/driver/tangent-rollout.ts';
import { Recorder } from './recorder.ts';
import { rolloutInputs, rolloutLayout, rolloutPrimitive } from '../../../sim/rollout.ts';
import { parseScene } from '../../../sim/scene.ts';
import { allocState, STATE_FIELDS } from '../../../sim/state.ts';
import { createStepData, step } from '../../../sim/step.ts';
import { modelWithInputs } from '../../../sim/driver/inputs.ts';
import { contactKinkLabel } from '../../../sim/contact/kinks.ts';
import type { ContactDecisions } from '../../../sim/contact/wrenches-tangent.ts';

/**
 * Two balls that collide with each other and bounce on the ground, a tilted spinning box
 * landing on a corner and a capsule rolling on the ground: plane–sphere, sphere–sphere,
 * plane–box and plane–capsule contacts, friction and rotation, in `steps` steps. The
 * restitutions differ, so that no pair sits on the kink of max(e_A, e_B).
 */
function scene(mode: 'soft' | 'penalty', steps = 150) {
  return parseScene({
    dt: 0.001,
    steps,
    gravity: [0, 0, -9.81],
    contact: { mode, stiffness: 1e4, friction: 0.5, restitution: 0.5 },
    bodies: [
      { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 }, restitution: 0.3 },
      {
        name: 'a',
        shape: { type: 'sphere', radius: 0.1 },
        mass: 1,
        restitution: 0.6,
        position: [0, 0, 0.115],
        linearVelocity: [1, 0, -0.5],
        angularVelocity: [0, 3, 1],
      },
      {
        name: 'b',
        shape: { type: 'sphere', radius: 0.1 },
        mass: 2,
        restitution: 0.5,
        position: [0.25, 0.02, 0.0998],
        linearVelocity: [-0.3, 0, 0],
      },
      {
        name: 'box',
        shape: { type: 'box', halfExtents: [0.1, 0.08, 0.06] },
        mass: 1.5,
        restitution: 0.7,
        position: [-0.5, 0, 0.07],
        orientation: [0.99, 0.05, 0.08, 0.02],
        linearVelocity: [0.5, 0.2, 0],
        angularVelocity: [0.3, -0.2, 2],
      },
      {
        name: 'rod',
        shape: { type: 'capsule', radius: 0.03, halfLength: 0.1 },
        mass: 0.5,
        restitution: 0.4,
        position: [0.5, 0.5, 0.031],
        orientation: [0.9, 0.1, 0.3, 0.2],
        linearVelocity: [0, -0.4, 0],
      },
    ],
  });
}

/** The rollout of `s` with control forces on ball a for its first steps. */
function setup(mode: 'soft' | 'penalty', steps = 150) {
  const s = scene(mode, steps);
  const model = buildModel(s);
  const s0 = initialState(model, s);
  const config = { model, steps, controlBodies: [1] };
  const L = rolloutLayout(model.nbody, steps, 1);
  const x = rolloutInputs(config, s0.bodyQ, s0.bodyQd);
  for (let t = 0; t < 20; t++) x[L.controls + 6 * t] = 2;
  return { model, config, L, x, n: model.nbody };
}

/**
 * `dirs` random directions over every input that is a parameter of a dynamic body or of the
 * contact (not the static ground's pose or inverse masses, not the unused dashpot override),
 * the ground's offset, and the controls: each entry scaled by its own magnitude.
 */
function directions(L: ReturnType<typeof rolloutLayout>, x: Float64Array, dirs: number, seed: number): Float64Array {
  const rng = ad.seededRng(seed);
  const xd = new Float64Array(dirs * L.size);
  const skip = (i: number) =>
    (i >= L.q && i < L.q + 7) ||
    (i >= L.qd && i < L.qd + 6) ||
    i === L.invMass ||
    (i >= L.invInertia && i < L.invInertia + 3) ||
    (i >= L.geomSize && i < L.geomSize + 3) ||
    i === L.damping;
  for (let j = 0; j < dirs; j++) {
    for (let i = 0; i < L.size; i++) {
      if (!skip(i)) xd[j * L.size + i] = (rng.uniform() - 0.5) * Math.max(Math.abs(x[i]), 1e-2);
    }
  }
  return xd;
}

/** The plain step's decisions (sim/step.ts) over the rollout at inputs `x`, without controls. */
function plainDecisions(config: { model: ReturnType<typeof buildModel>; steps: number }, x: Float64Array): Recorder {
  const L = rolloutLayout(config.model.nbody, config.steps, 0);
  const model = modelWithInputs(config.model, L, x);
  const data = createStepData(model);
  const state = allocState(model.nbody);
  const size = (STATE_FIELDS.bodyQ + STATE_FIELDS.bodyQd) * model.nbody;
  new Float64Array(state.bodyQ.buffer, state.bodyQ.byteOffset, size).set(x.subarray(0, size));
  const rec = new Recorder();
  for (let t = 0; t < config.steps; t++) {
    rec.t = t;
    step(model, data, state, null, state, rec as KinkSink);
  }
  return rec;
}

describe('tangent-forward of the force rollout', () => {
  for (const mode of ['soft', 'penalty'] as const) {
    it(`${mode}: J·v agrees with vᵀJᵀ of the reverse pass to 1e-10 (every parameter group, controls)`, () => {
      const { config, L, x, n } = setup(mode);
      const dirs = 3;
      const xd = directions(L, x, dirs, 7);
      const rec = new Recorder();
      const { y, ydot } = forceRolloutTangents(config, x, xd, dirs, rec);
      const run = rolloutPrimitive(config);
      const r = ad.vjp((xs) => run(xs).slice(0, 13 * n), Array.from(x));
      // the same forward values, bit for bit, and contacts all along
      expect(Array.from(y)).toEqual(r.value);
      expect(rec.margins.length).toBeGreaterThan(3 * config.steps);
      const rng = ad.seededRng(11);
      let worst = 0;
      for (let trial = 0; trial < 3; trial++) {
        const u = Array.from({ length: 13 * n }, () => rng.uniform() - 0.5);
        const xbar = r.vjp(u);
        for (let j = 0; j < dirs; j++) {
          let forward = 0,
            scale = 0,
            reverse = 0;
          for (let i = 0; i < 13 * n; i++) {
            forward += u[i] * ydot[j * 13 * n + i];
            scale += Math.abs(u[i] * ydot[j * 13 * n + i]);
          }
          for (let i = 0; i < L.size; i++) reverse += xbar[i] * xd[j * L.size + i];
          worst = Math.max(worst, Math.abs(forward - reverse) / scale);
        }
      }
      if (process.env.TANGENT_FIGURES) console.log(`${mode}: worst relative |uᵀJv − (Jᵀu)ᵀv| = ${worst}`);
      expect(worst).toBeLessThan(1e-10);
    });
  }

  it('soft: the state tangent matches central differences of the plain rollout', () => {
    const { config, L, x, n } = setup('soft', 100);
    const xd = directions(L, x, 1, 3);
    const { ydot } = forceRolloutTangents(config, x, xd, 1);
    const run = rolloutPrimitive(config);
    const at = (h: number) => run(Array.from(x, (v, i) => v + h * xd[i])) as number[];
    const fd = (h: number) => {
      const plus = at(h),
        minus = at(-h);
      return plus.slice(0, 13 * n).map((v, i) => (v - minus[i]) / (2 * h));
    };
    const f6 = fd(1e-6),
      f5 = fd(1e-5);
    const norm = Math.max(...f6.map(Math.abs));
    // the differences agree across step sizes (no decision flips within them)
    for (let i = 0; i < 13 * n; i++) expect(Math.abs(f6[i] - f5[i])).toBeLessThan(1e-5 * norm);
    for (let i = 0; i < 13 * n; i++) expect(Math.abs(ydot[i] - f6[i])).toBeLessThan(1e-6 * norm);
  });

  for (const mode of ['soft', 'penalty'] as const) {
    it(`${mode}: the decisions are the plain step's, and their margins' tangents its central differences`, () => {
      const { model } = setup(mode);
      const config = { model, steps: 120 };
      const L = rolloutLayout(model.nbody, config.steps, 0);
      const s0 = initialState(model, scene(mode));
      const x = rolloutInputs(config, s0.bodyQ, s0.bodyQd);
      const v = directions(L, x, 1, 5);
      const rec = new Recorder();
      forceRolloutTangents(config, x, v, 1, rec);
      const plain = plainDecisions(config, x);
      expect(rec.labels).toEqual(plain.labels);
      expect(rec.margins).toEqual(plain.margins);
      const h = 1e-7;
      const plus = plainDecisions(
        config,
        x.map((xi, i) => xi + h * v[i]),
      );
      const minus = plainDecisions(
        config,
        x.map((xi, i) => xi - h * v[i]),
      );
      expect(plus.labels).toEqual(plain.labels);
      expect(minus.labels).toEqual(plain.labels);
      let compared = 0;
      for (let i = 0; i < plain.margins.length; i++) {
        const slope = rec.tangentsOf[i][0];
        // away from its own kink (|u| near 0) and where the difference resolves the slope
        if (plain.margins[i] < 1e3 * h * Math.abs(slope) || Math.abs(slope) < 1e-6) continue;
        const fd = (plus.margins[i] - minus.margins[i]) / (2 * h);
        expect(Math.abs(fd - slope), `${plain.labels[i]}: ${slope} vs ${fd}`).toBeLessThan(
          1e-5 * Math.abs(slope) + 1e-7,
        );
        compared++;
      }
      if (process.env.TANGENT_FIGURES)
        console.log(`${mode}: ${compared} margins' tangents against central differences`);
      expect(compared).toBeGreaterThan(100);
    });
  }
});

/** A random direction over the dynamic bodies' poses and velocities only (no parameter moves). */
function stateDirection(L: ReturnType<typeof rolloutLayout>, x: Float64Array, n: number, seed: number): Float64Array {
  const rng = ad.seededRng(seed);
  const xd = new Float64Array(L.size);
  for (let b = 1; b < n; b++) {
    for (let k = 0; k < 7; k++)
      xd[L.q + 7 * b + k] = (rng.uniform() - 0.5) * Math.max(Math.abs(x[L.q + 7 * b + k]), 1e-2);
    for (let k = 0; k < 6; k++) xd[L.qd + 6 * b + k] = rng.uniform() - 0.5;
  }
  return xd;
}

/** Whether two arrays hold the same numbers (=== entry by entry: a zero's sign aside, bit for bit). */
function sameNumbers(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!(a[i] === b[i])) return false;
  return true;
}

describe('tangent-forward: the parameter-free path and the batched decision report', () => {
  for (const mode of ['soft', 'penalty'] as const) {
    it(`${mode}: a direction moving no parameter gets the tangents of the full path, bit for bit`, () => {
      // the scene derives its dashpots from restitution, so the dashpot override is read by
      // nothing: a direction that also moves it takes the kernels' full path (some parameter
      // moves) and must give the very same numbers as the parameter-free path, which leaves
      // the parameters' terms out as exact zeros
      const { config, L, x, n } = setup(mode);
      const state = stateDirection(L, x, n, 17);
      const alsoOverride = Float64Array.from(state);
      alsoOverride[L.damping] = 1;
      const fast = new Recorder();
      const full = new Recorder();
      const a = forceRolloutTangents(config, x, state, 1, fast);
      const b = forceRolloutTangents(config, x, alsoOverride, 1, full);
      expect(sameNumbers(a.ydot, b.ydot)).toBe(true);
      expect(fast.labels).toEqual(full.labels);
      expect(sameNumbers(fast.tangentsOf.flat(), full.tangentsOf.flat())).toBe(true);
      // and the contacts carried tangents all along (not a vacuous comparison)
      expect(fast.tangentsOf.filter((m) => m[0] !== 0).length).toBeGreaterThan(config.steps);
    });

    it(`${mode}: tangents along a state direction and a parameter direction add up to their sum's`, () => {
      const { config, L, x, n } = setup(mode);
      const state = stateDirection(L, x, n, 23);
      const param = directions(L, x, 1, 29);
      for (let i = L.q; i < L.q + 13 * n; i++) param[i] = 0;
      const both = new Float64Array(3 * L.size);
      both.set(state, 0);
      both.set(param, L.size);
      for (let i = 0; i < L.size; i++) both[2 * L.size + i] = state[i] + param[i];
      const { ydot } = forceRolloutTangents(config, x, both, 3);
      const m = 13 * n;
      let worst = 0,
        scale = 0;
      for (let i = 0; i < m; i++) {
        worst = Math.max(worst, Math.abs(ydot[i] + ydot[m + i] - ydot[2 * m + i]));
        scale = Math.max(scale, Math.abs(ydot[2 * m + i]));
      }
      expect(worst).toBeLessThan(1e-9 * scale);
      // each direction as it is alone: the directions of one rollout do not see each other
      const alone = forceRolloutTangents(config, x, state, 1);
      expect(sameNumbers(alone.ydot, ydot.subarray(0, m))).toBe(true);
    });

    it(`${mode}: a sink taking a contact's decisions at once gets what kink and tangents report one by one`, () => {
      const { config, L, x } = setup(mode);
      const v = directions(L, x, 2, 31);
      const single = new Recorder();
      const batched = new (class extends Recorder {
        contactDecisions(batch: ContactDecisions): void {
          for (let k = 0; k < batch.count; k++) {
            this.kink(batch.margins[k], contactKinkLabel(batch.bodyName, batch.a, batch.b, batch.kinds[k]));
            this.tangents(batch.mdot.subarray(k * batch.dirs, (k + 1) * batch.dirs));
          }
        }
      })();
      forceRolloutTangents(config, x, v, 2, single);
      forceRolloutTangents(config, x, v, 2, batched);
      expect(batched.labels.length).toBeGreaterThan(config.steps);
      expect(batched.labels).toEqual(single.labels);
      expect(batched.margins).toEqual(single.margins);
      expect(batched.tangentsOf).toEqual(single.tangentsOf);
    });
  }
});
