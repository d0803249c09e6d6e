// Hard mode's tangent-forward over whole rollouts (sim/hard/stepper-tangent.ts driven by
// sim/driver/tangent-rollout.ts) against the rollout's reverse pass (J·v against vᵀJᵀ:
// two derivative codes of the same discrete map), with the forward values bit for bit the
// plain rollout's and the decisions the plain step's (same labels and margins, in order):
// ball-drop and billiards (impacts placed at their time, so the placed-step path runs),
// box-slide (sliding then sticking), and balls, a box and a capsule with controls.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as ad from '../../../ad/index.ts';
import type { KinkSink } from '../../../ad/primitive.ts';
import { buildModel, initialState } from '../../../sim/builder.ts';
import { modelWithInputs } from '../../../sim/driver/inputs.ts';
import { rolloutTangents } from '../../../sim/driver/tangent-rollout.ts';
import { Recorder } from './recorder.ts';
import { HARD_STEPPER } from '../../../sim/hard/stepper.ts';
import { rolloutInputs, rolloutLayout, rolloutPrimitive } from '../../../sim/rollout.ts';
import { parseScene, type SceneInput } from '../../../sim/scene.ts';
import { allocState, STATE_FIELDS } from '../../../sim/state.ts';
import { createStepData, step } from '../../../sim/step.ts';

function fromFile(name: string, steps: number) {
  const input = JSON.parse(
    readFileSync(new URL(`../../../scenes/${name}.json`, import.meta.url), 'utf8'),
  ) as SceneInput;
  return parseScene({ ...input, steps, contact: { ...(input.contact ?? {}), mode: 'hard' } } as SceneInput);
}

const mixed = (steps: number) =>
  parseScene({
    dt: 0.001,
    steps,
    contact: { mode: 'hard', friction: 0.5, restitution: 0.5 },
    bodies: [
      { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 }, restitution: 0.3 },
      {
        name: 'a',
        shape: { type: 'sphere', radius: 0.1 },
        mass: 1,
        restitution: 0.6,
        position: [0, 0, 0.1],
        linearVelocity: [1, 0, 0],
        angularVelocity: [0, 3, 1],
      },
      { name: 'b', shape: { type: 'sphere', radius: 0.1 }, mass: 2, restitution: 0.5, position: [0.25, 0.02, 0.1] },
      {
        name: 'box',
        shape: { type: 'box', halfExtents: [0.1, 0.08, 0.06] },
        mass: 1.5,
        position: [-0.5, 0, 0.07],
        orientation: [0.99, 0.05, 0.08, 0.02],
        linearVelocity: [0.5, 0.2, 0],
        angularVelocity: [0.3, -0.2, 2],
      },
      {
        name: 'rod',
        shape: { type: 'capsule', radius: 0.03, halfLength: 0.1 },
        mass: 0.5,
        position: [0.5, 0.5, 0.03],
        orientation: [0.7071067811865476, 0.7071067811865476, 0, 0],
        linearVelocity: [0, -0.4, 0],
      },
    ],
  });

const CASES = [
  { name: 'ball-drop (bounces placed at their time)', scene: fromFile('ball-drop', 1200), controls: false },
  { name: 'billiards (a break: impacts between balls)', scene: fromFile('billiards', 300), controls: false },
  { name: 'box-slide (sliding, then sticking)', scene: fromFile('box-slide', 600), controls: false },
  { name: 'balls, a landing box and a rolling capsule, a control on ball a', scene: mixed(200), controls: true },
];

/** Random directions over the dynamic bodies' state and parameters and the controls, scaled by each entry. */
function directions(
  model: ReturnType<typeof buildModel>,
  L: ReturnType<typeof rolloutLayout>,
  x: Float64Array,
  dirs: number,
  seed: number,
) {
  const rng = ad.seededRng(seed);
  const n = model.nbody;
  const xd = new Float64Array(dirs * L.size);
  const perBody: [number, number][] = [
    [L.q, 7],
    [L.qd, 6],
    [L.invMass, 1],
    [L.invInertia, 3],
    [L.friction, 1],
    [L.restitution, 1],
  ];
  for (let j = 0; j < dirs; j++) {
    for (let b = 0; b < n; b++) {
      if (model.bodyStatic[b]) continue;
      for (const [at, w] of perBody)
        for (let k = 0; k < w; k++) {
          const i = at + w * b + k;
          xd[j * L.size + i] = (rng.uniform() - 0.5) * Math.max(Math.abs(x[i]), 1e-2);
        }
    }
    for (let i = L.controls; i < L.size; i++) xd[j * L.size + i] = rng.uniform() - 0.5;
  }
  return xd;
}

describe('tangent-forward of the hard rollout', () => {
  for (const c of CASES) {
    it(`${c.name}: J·v agrees with vᵀJᵀ of the reverse pass to 1e-9, values and decisions the plain rollout's`, () => {
      const model = buildModel(c.scene);
      const s0 = initialState(model, c.scene);
      const steps = c.scene.steps;
      const controlBodies = c.controls ? [1] : [];
      const config = { model, steps, controlBodies };
      const L = rolloutLayout(model.nbody, steps, controlBodies.length);
      const x = rolloutInputs(config, s0.bodyQ, s0.bodyQd);
      if (c.controls) for (let t = 0; t < 30; t++) x[L.controls + 6 * t] = 2;
      const n = model.nbody;
      const dirs = 2;
      const xd = directions(model, L, x, dirs, 13);
      const rec = new Recorder();
      const { y, ydot } = rolloutTangents(config, HARD_STEPPER, x, xd, dirs, rec);
      const run = rolloutPrimitive(config);
      expect(Array.from(y)).toEqual((run(Array.from(x)) as number[]).slice(0, 13 * n));
      if (!c.controls) {
        // the plain step's decisions, labels and margins, in order
        const plain = new Recorder();
        const m = modelWithInputs(model, L, x);
        const data = createStepData(m);
        const state = allocState(n);
        const size = (STATE_FIELDS.bodyQ + STATE_FIELDS.bodyQd) * n;
        new Float64Array(state.bodyQ.buffer, state.bodyQ.byteOffset, size).set(x.subarray(0, size));
        for (let t = 0; t < steps; t++) {
          plain.t = t;
          step(m, data, state, null, state, plain as KinkSink);
        }
        expect(rec.labels).toEqual(plain.labels);
        expect(rec.margins).toEqual(plain.margins);
        expect(rec.tangentsOf.length).toBe(rec.margins.length);
      }
      const rng = ad.seededRng(5);
      let worst = 0;
      for (let trial = 0; trial < 2; trial++) {
        const u = Array.from({ length: 13 * n }, () => rng.uniform() - 0.5);
        // (Jᵀu) by one reverse pass of uᵀy
        const xbar = ad.grad((xs) => {
          const out = run(xs);
          let sum: ad.Real = 0;
          for (let i = 0; i < 13 * n; i++) sum = ad.add(sum, ad.mul(u[i], out[i]));
          return sum;
        }, Array.from(x));
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
      if (process.env.TANGENT_FIGURES) console.log(`${c.name}: worst relative |uᵀJv − (Jᵀu)ᵀv| = ${worst}`);
      expect(worst).toBeLessThan(1e-9);
    });
  }
});

/** The plain step's decisions over the rollout of `config` at inputs `x` (no controls). */
function plainDecisions(config: { model: ReturnType<typeof buildModel>; steps: number }, x: Float64Array): Recorder {
  const n = config.model.nbody;
  const L = rolloutLayout(n, config.steps, 0);
  const m = modelWithInputs(config.model, L, x);
  const data = createStepData(m);
  const state = allocState(n);
  const size = (STATE_FIELDS.bodyQ + STATE_FIELDS.bodyQd) * n;
  new Float64Array(state.bodyQ.buffer, state.bodyQ.byteOffset, size).set(x.subarray(0, size));
  const rec = new Recorder();
  for (let t = 0; t < config.steps; t++) {
    rec.t = t;
    step(m, data, state, null, state, rec as KinkSink);
  }
  return rec;
}

describe("hard margins' tangents against one-sided differences of the plain step's margins", () => {
  // Single contacts away from their kinks: a ball sliding on the ground (pressing onset
  // λ_n·W_nn, the slip), a ball falling to 19 µm above it (the approach switch). Not a box
  // on four corners (its impulses split by the minimum norm in the derivative and by the
  // solver's sweeps in the plain step) nor a sticking contact (‖λ_t‖ at the solver's
  // tolerance). h = 1e-6: the solver stops at 1e-6 m/s, which a smaller step would divide
  // into the difference.
  const ball = (position: [number, number, number], velocity: [number, number, number], steps: number) =>
    parseScene({
      dt: 0.001,
      steps,
      contact: { mode: 'hard', friction: 0.3, restitution: 0.5 },
      bodies: [
        { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } },
        { name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 1, position, linearVelocity: velocity },
      ],
    });
  const margins = [
    { name: 'a ball sliding on the ground (pressing onset, slip)', scene: ball([0, 0, 0.1], [2, 0.5, 0], 150) },
    { name: 'a ball falling to 19 µm above the ground (approach switch)', scene: ball([0, 0, 0.2972], [0, 0, 0], 200) },
  ];
  for (const c of margins) {
    it(c.name, () => {
      const model = buildModel(c.scene);
      const s0 = initialState(model, c.scene);
      const config = { model, steps: c.scene.steps };
      const L = rolloutLayout(model.nbody, config.steps, 0);
      const x = rolloutInputs(config, s0.bodyQ, s0.bodyQd);
      const v = directions(model, L, x, 1, 3);
      const rec = new Recorder();
      rolloutTangents(config, HARD_STEPPER, x, v, 1, rec);
      const plain = plainDecisions(config, x);
      expect(rec.margins).toEqual(plain.margins);
      const h = 1e-6;
      const plus = plainDecisions(
        config,
        x.map((xi, i) => xi + h * v[i]),
      );
      // match by label and occurrence
      const at = new Map<string, number[]>();
      plus.labels.forEach((l, i) => (at.get(l) ?? at.set(l, []).get(l)!).push(i));
      const seen = new Map<string, number>();
      let compared = 0,
        worst = 0;
      for (let i = 0; i < plain.margins.length; i++) {
        const label = plain.labels[i];
        const k = seen.get(label) ?? 0;
        seen.set(label, k + 1);
        const j = at.get(label)?.[k];
        const slope = rec.tangentsOf[i][0];
        // inside the validity radius (the margin far from 0 along h·v) and resolved by the difference
        if (j === undefined || plain.margins[i] < 1e3 * h * Math.abs(slope) || Math.abs(slope) < 1e-6) continue;
        const fd = (plus.margins[j] - plain.margins[i]) / h;
        worst = Math.max(worst, Math.abs(fd - slope) / Math.abs(slope));
        compared++;
      }
      if (process.env.TANGENT_FIGURES) console.log(`${c.name}: ${compared} margins, worst relative ${worst}`);
      expect(compared).toBeGreaterThanOrEqual(10);
      expect(worst).toBeLessThan(1e-3);
    });
  }
});
