// The hand-composed adjoints of the hard step against their references on the trace:
// - sim/hard/step-adjoint.ts (the step's kernels' rules chained by hand) against one
//   reverse sweep of the step's trace (oracle/traced-step.ts), and
// - island-adjoint.ts (the implicit adjoint of each island in plain arithmetic) against
//   the nested-trace form in impulse-adjoint.ts,
// on every step with contacts of scenes that exercise each branch: resting and sliding box
// corners, a resting stack (redundant contacts: minimum-norm), spinning spheres rolling and
// colliding with restitution (impacts not placed, so the hand path covers them), a capsule,
// and a pushed box (controls). Cotangents are random (seeded), all components nonzero.
// The references are themselves checked against finite differences and closed forms in
// hard-gradient.test.ts. And the rollout's backward pass gives the same gradient bit for bit
// whether it reuses the forward pass's step records or replays the steps from checkpoints.
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../../ad/random.ts';
import {
  box,
  BOX_CORNERS,
  BOX_STACK,
  CAPSULE_AND_PUSHED_BOX,
  ground,
  randomImpulseInput,
  type HardStepScene,
  hardStepSetup,
  stepInputs,
} from './fixtures.ts';
import { buildModel, initialState } from '../../../sim/builder.ts';
import { impulseSolveRule } from '../../../sim/hard/impulse-adjoint.ts';
import { recordStep } from '../../../sim/hard/stepper.ts';
import { tracedPullback } from './oracle/traced-step.ts';
import { hardStepAdjoint, placesImpact } from '../../../sim/hard/step-adjoint.ts';
import { PlacedSplitter } from '../../../sim/hard/placed-split.ts';
import { placedStepPullback } from './oracle/placed-pullback.ts';
import { rolloutInputs } from '../../../sim/rollout.ts';
import { rolloutPrimitive } from '../../../sim/rollout.ts';
import { add } from '../../../ad/ops.ts';
import type { Real } from '../../../ad/tape.ts';
import { valueAndGrad } from '../../../ad/transforms.ts';
import { parseScene, type SceneInput } from '../../../sim/scene.ts';
import { createStepData, step } from '../../../sim/step.ts';

const SCENES: HardStepScene[] = [
  BOX_CORNERS,
  BOX_STACK,
  {
    name: 'spinning spheres rolling into each other (restitution, impacts not placed)',
    input: {
      dt: 1e-3,
      contact: { mode: 'hard', friction: 0.3, restitution: 0.6, timeOfImpact: false },
      bodies: [
        ground,
        {
          name: 's1',
          shape: { type: 'sphere', radius: 0.1 },
          mass: 1,
          position: [-0.5, 0, 0.1],
          linearVelocity: [2, 0.2, 0],
          angularVelocity: [0, 5, 1],
        },
        { name: 's2', shape: { type: 'sphere', radius: 0.12 }, mass: 2, position: [0, 0.05, 0.12] },
      ],
    },
    steps: 400,
  },
  CAPSULE_AND_PUSHED_BOX,
];

describe("the hand-composed step adjoint equals the pullback of the step's trace", () => {
  for (const scene of SCENES) {
    it(scene.name, () => {
      const { model, state, data, n, controlBodies, L1, hard, ctx } = hardStepSetup(
        scene.input,
        scene.control === undefined ? [] : [scene.control],
      );
      const rng = seededRng(7);
      const control = new Float64Array(6 * n);
      let compared = 0;
      let worst = 0;
      for (let t = 0; t < scene.steps; t++) {
        const xs = stepInputs(model, controlBodies, L1, state);
        for (const b of controlBodies) {
          const wrench = [3 * Math.sin(0.01 * t), 2, 0, 0, 0, 0.5];
          control.set(wrench, 6 * b);
          xs.set(wrench, L1.controls);
        }
        step(model, data, state, controlBodies.length > 0 ? control : null, state);
        const rec = recordStep(hard, undefined);
        if (rec.contacts.count === 0 || placesImpact(rec)) continue;
        const ybar = Float64Array.from({ length: 13 * n }, () => rng.uniform() - 0.5);
        const hand = hardStepAdjoint(ctx, rec, xs, ybar);
        const traced = tracedPullback(ctx, rec, xs, ybar);
        for (let i = 0; i < hand.length; i++)
          worst = Math.max(worst, Math.abs(hand[i] - traced[i]) / (1 + Math.abs(traced[i])));
        compared++;
      }
      expect(compared).toBeGreaterThan(scene.steps / 4);
      expect(worst).toBeLessThan(1e-9);
    });
  }
});

/** Scenes whose steps place impacts (a bounce decided open, solved at its time of impact). */
const PLACED_SCENES: { name: string; input: SceneInput; steps: number; min: number; control?: string }[] = [
  {
    name: 'a spinning ball bouncing on the ground with friction (sliding and sticking impacts)',
    input: {
      dt: 1e-3,
      contact: { mode: 'hard', friction: 0.4, restitution: 0.8 },
      bodies: [
        ground,
        {
          name: 'ball',
          shape: { type: 'sphere', radius: 0.05 },
          mass: 0.2,
          position: [0, 0, 0.3],
          linearVelocity: [0.7, -0.2, -1.5],
          angularVelocity: [4, 25, -3],
        },
      ],
    },
    steps: 900,
    min: 3,
    control: 'ball',
  },
  {
    name: 'two spheres meeting obliquely in flight (a moving normal at the impact), spinning, with friction',
    input: {
      dt: 1e-3,
      gravity: [0, 0, -9.81],
      contact: { mode: 'hard', friction: 0.3, restitution: 0.9 },
      bodies: [
        {
          name: 'a',
          shape: { type: 'sphere', radius: 0.1 },
          mass: 1,
          position: [0, 0, 1],
          linearVelocity: [2, 0.3, 0.5],
          angularVelocity: [0, 0, 6],
        },
        {
          name: 'b',
          shape: { type: 'sphere', radius: 0.08 },
          mass: 0.6,
          position: [0.6, 0.1, 1.05],
          linearVelocity: [-1.5, 0, 0.3],
          angularVelocity: [3, 0, 0],
        },
      ],
    },
    steps: 400,
    min: 1,
  },
  {
    name: 'a tilted, spinning box landing on a corner (its inertia turned at the impact), then on its others',
    input: {
      dt: 1e-3,
      contact: { mode: 'hard', friction: 0.5, restitution: 0.5 },
      bodies: [
        ground,
        box('box', 0.4, {
          orientation: [0.9, 0.3, 0.2, 0.1],
          linearVelocity: [0.4, 0, -2],
          angularVelocity: [1, -2, 3],
        }),
      ],
    },
    steps: 500,
    min: 2,
  },
];

describe("the hand-composed adjoint of a step that places an impact equals its trace's pullback", () => {
  for (const scene of PLACED_SCENES) {
    it(scene.name, () => {
      const { model, state, data, n, controlBodies, L1, hard, ctx } = hardStepSetup(
        scene.input,
        scene.control === undefined ? [] : [scene.control],
      );
      const rng = seededRng(5);
      const control = new Float64Array(6 * n);
      let compared = 0,
        moved = 0,
        worst = 0;
      for (let t = 0; t < scene.steps; t++) {
        const xs = stepInputs(model, controlBodies, L1, state);
        for (const b of controlBodies) {
          const wrench = [0.2 * Math.sin(0.01 * t), 0.1, -0.3, 0.002, 0, 0.001];
          control.set(wrench, 6 * b);
          xs.set(wrench, L1.controls);
        }
        step(model, data, state, controlBodies.length > 0 ? control : null, state);
        const rec = recordStep(hard, undefined);
        if (!placesImpact(rec)) continue;
        const ybar = Float64Array.from({ length: 13 * n }, () => rng.uniform() - 0.5);
        const hand = hardStepAdjoint(ctx, rec, xs, ybar);
        const traced = tracedPullback(ctx, rec, xs, ybar);
        for (let i = 0; i < hand.length; i++)
          worst = Math.max(worst, Math.abs(hand[i] - traced[i]) / (1 + Math.abs(traced[i])));
        if (rec.moved) moved++;
        compared++;
      }
      expect(compared).toBeGreaterThanOrEqual(scene.min);
      expect(moved).toBeGreaterThanOrEqual(scene.min);
      expect(worst).toBeLessThan(1e-10);
    });
  }
});

describe("a step with a placed impact: split by components, it equals its whole trace's pullback", () => {
  it('balls dropping onto the ground and onto a box that carries a ball, beside a rolling pair and a resting ball', () => {
    const ball = (name: string, position: number[], extra: object = {}): SceneInput['bodies'][number] => ({
      name,
      shape: { type: 'sphere', radius: 0.05 },
      mass: 0.2,
      position: position as [number, number, number],
      ...extra,
    });
    // a control on a ball of a placed component, one on a ball outside them
    const { model, state, data, n, controlBodies, L1, hard, ctx } = hardStepSetup(
      {
        dt: 1e-3,
        contact: { mode: 'hard', friction: 0.3, restitution: 0.7 },
        bodies: [
          ground,
          ball('dropped', [0, 0, 0.3], { linearVelocity: [0.2, 0, -1], angularVelocity: [0, 3, 0] }),
          ball('second', [0.5, 0, 0.2], { linearVelocity: [0, 0.1, -2] }),
          ball('rolling', [-0.5, 0, 0.05], { linearVelocity: [1, 0, 0], angularVelocity: [0, 20, 0] }),
          ball('pushed', [-0.399, 0, 0.05]),
          ball('resting', [0, 0.5, 0.05]),
          // the falling ball's impact on the box is in one component with the ball sitting on it
          box('stand', 0.1, { position: [1, 0, 0.1] }),
          ball('sitting', [1.1, 0, 0.25]),
          ball('falling', [0.92, 0, 0.4], { linearVelocity: [0, 0, -1] }),
        ],
      },
      ['falling', 'resting'],
    );
    const control = new Float64Array(6 * n);
    const splitter = new PlacedSplitter(model.bodyStatic);
    const rng = seededRng(11);
    let compared = 0,
      splitBoth = 0,
      carried = 0,
      worst = 0;
    const sitting = model.bodyName.indexOf('sitting');
    for (let t = 0; t < 600; t++) {
      const xs = stepInputs(model, controlBodies, L1, state);
      controlBodies.forEach((b, j) => {
        const wrench = [0.1 * Math.sin(0.01 * t), 0.05, -0.2, 0.001, 0, 0.002 * j];
        control.set(wrench, 6 * b);
        xs.set(wrench, L1.controls + 6 * j);
      });
      step(model, data, state, control, state);
      const rec = recordStep(hard, undefined);
      if (!placesImpact(rec)) continue;
      const ybar = Float64Array.from({ length: 13 * n }, () => rng.uniform() - 0.5);
      const whole = tracedPullback(ctx, rec, xs, ybar);
      const split = placedStepPullback(ctx, splitter, rec, xs, ybar, new Float64Array(L1.size));
      if (splitter.placed.contacts.count > 0 && splitter.rest.contacts.count > 0) splitBoth++;
      if (splitter.inPlaced[sitting]) carried++;
      for (let i = 0; i < whole.length; i++)
        worst = Math.max(worst, Math.abs(split[i] - whole[i]) / (1 + Math.abs(whole[i])));
      compared++;
    }
    // both balls bounce a few times, while the others keep their ground contacts
    expect(compared).toBeGreaterThanOrEqual(4);
    expect(splitBoth).toBe(compared);
    expect(carried).toBeGreaterThanOrEqual(1);
    expect(worst).toBeLessThan(1e-12);
  });
});

describe('the hand island adjoint equals the nested-trace reference', () => {
  it('on random cotangents of every impulse solve of the scenes above', () => {
    let compared = 0;
    let worst = 0;
    const kinds = new Set<string>();
    for (const scene of SCENES) {
      const parsed = parseScene(scene.input);
      const model = buildModel(parsed);
      const state = initialState(model, parsed);
      const data = createStepData(model);
      const hard = data.hard;
      if (hard === null || hard === undefined) throw new Error('expected a hard-mode scene');
      const n = model.nbody;
      const rng = seededRng(9);
      for (let t = 0; t < scene.steps; t += 7) {
        for (let s = 0; s < 7; s++) step(model, data, state, null, state);
        const p = hard.problem;
        const c = p.count;
        if (c === 0) continue;
        // θ from the assembled problem (sim/hard/problem.ts) and the solver's λ
        const { theta, structure } = randomImpulseInput(model, p, rng);
        const ybar = Float64Array.from({ length: 6 * n + 3 * c }, () => rng.uniform() - 0.5);
        const hand = impulseSolveRule(structure, 'hand');
        const trace = impulseSolveRule(structure, 'trace');
        const a = hand.bwd(hand.fwd(theta, { kink() {} })[1], ybar);
        const b = trace.bwd(trace.fwd(theta, { kink() {} })[1], ybar);
        for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
        for (let k = 0; k < c; k++) {
          const tangential = Math.hypot(p.impulse[3 * k + 1], p.impulse[3 * k + 2]);
          if (p.impulse[3 * k] > 0)
            kinds.add(
              p.friction[k] === 0
                ? 'frictionless'
                : tangential >= p.friction[k] * p.impulse[3 * k] * (1 - 1e-9)
                  ? 'on the circle'
                  : 'inside',
            );
        }
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(50);
    // both friction regimes occurred
    expect(kinds.has('inside') && kinds.has('on the circle')).toBe(true);
    expect(worst).toBeLessThan(1e-9);
  });
});

describe('kept step records vs replay from checkpoints', () => {
  it('the hard rollout gradient is the same bit for bit (budget 64 MiB vs 0)', () => {
    const scene = SCENES[2];
    const parsed = parseScene({ ...scene.input, steps: 300 });
    const model = buildModel(parsed);
    const state = initialState(model, parsed);
    const gradientWith = (keptRecordsBytes: number | undefined): number[] => {
      const config = { model, steps: 300, segment: 17, keptRecordsBytes };
      const base = rolloutInputs(config, state.bodyQ, state.bodyQd);
      const run = rolloutPrimitive(config);
      return valueAndGrad(
        (x: Real[]) => run(x).reduce<Real>((acc, y, i) => (i < 13 * model.nbody ? add(acc, y) : acc), 0),
        Array.from(base),
      ).grad;
    };
    const kept = gradientWith(undefined);
    const replayed = gradientWith(0);
    expect(kept.some((g) => g !== 0)).toBe(true);
    expect(kept).toEqual(replayed);
  });
});
