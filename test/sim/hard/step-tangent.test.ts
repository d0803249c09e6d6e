// The hard step's tangent (sim/hard/step-tangent.ts, step-tangent-placed.ts) is the
// transpose of its pullback: for random directions ẋ and cotangents ȳ,
// <ȳ, J ẋ> from the tangent equals <Jᵀȳ, ẋ> from hardStepAdjoint / the placed split's
// pullback (the trace's, test/sim/hard/oracle/), and a placed step's tangent (rows of the hand
// pullback) equals the trace's rows' (oracle/compact-trace.ts), on every step with contacts of scenes that exercise each branch (resting and
// sliding box corners, sticking and sliding friction, a resting stack with redundant
// contacts, restitution, billiards impacts, capsules, controls, placed impacts).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
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
  transposeMismatch,
  stepInputs,
} from './fixtures.ts';
import { buildModel, initialState } from '../../../sim/builder.ts';
import { recordStep } from '../../../sim/hard/stepper.ts';
import { placesImpact, hardStepAdjoint } from '../../../sim/hard/step-adjoint.ts';
import { hardStepTangent, PlacedImpactTangentError } from '../../../sim/hard/step-tangent.ts';
import { PlacedJacobianRows, placedStepTangent } from '../../../sim/hard/step-tangent-placed.ts';
import { PlacedSplitter } from '../../../sim/hard/placed-split.ts';
import { placedStepPullback } from './oracle/placed-pullback.ts';
import { setCompactTracedTangents } from './oracle/compact-trace.ts';
import { impulseSolveRule } from '../../../sim/hard/impulse-adjoint.ts';
import { impulseTangentInto } from '../../../sim/hard/impulse-tangent.ts';
import { parseScene, type SceneInput } from '../../../sim/scene.ts';
import { createStepData, step } from '../../../sim/step.ts';

function sceneFile(name: string, steps: number): SceneInput {
  const input = JSON.parse(
    readFileSync(new URL(`../../../scenes/${name}.json`, import.meta.url), 'utf8'),
  ) as SceneInput;
  return { ...input, steps, contact: { ...(input.contact ?? {}), mode: 'hard', timeOfImpact: false } } as SceneInput;
}

const SCENES: (HardStepScene & { every?: number })[] = [
  { name: 'ball-drop (restitution)', input: sceneFile('ball-drop', 3000), steps: 3000, every: 1 },
  { name: 'box-slide (sliding, then sticking)', input: sceneFile('box-slide', 700), steps: 700 },
  { name: 'billiards (impacts between balls, rolling on the cloth)', input: sceneFile('billiards', 400), steps: 400 },
  BOX_CORNERS,
  BOX_STACK,
  CAPSULE_AND_PUSHED_BOX,
];

const DIRS = 3;

describe('the hard step tangent is the transpose of the hand-composed adjoint', () => {
  for (const scene of SCENES) {
    it(scene.name, () => {
      const { model, state, data, n, controlBodies, L1, hard, ctx } = hardStepSetup(
        scene.input,
        scene.control === undefined ? [] : [scene.control],
      );
      const rng = seededRng(17);
      const control = new Float64Array(6 * n);
      const xdot = new Float64Array(DIRS * L1.size);
      const ydot = new Float64Array(DIRS * 13 * n);
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
        if (t % (scene.every ?? 3) !== 0) continue; // every third step with contacts keeps the test short
        for (let i = 0; i < xdot.length; i++) xdot[i] = rng.uniform() - 0.5;
        const ybar = Float64Array.from({ length: 13 * n }, () => rng.uniform() - 0.5);
        hardStepTangent(ctx, rec, xs, DIRS, xdot, ydot);
        const xbar = hardStepAdjoint(ctx, rec, xs, ybar);
        worst = Math.max(worst, dotMismatch(ybar, ydot, xbar, xdot, 13 * n, L1.size));
        compared++;
      }
      expect(compared).toBeGreaterThan(10);
      if (process.env.TANGENT_REPORT) console.log(scene.name, compared, worst);
      expect(worst).toBeLessThan(1e-10);
    });
  }
});

describe('a step with a placed impact: its tangent is the transpose of the split pullback', () => {
  it('balls dropping onto the ground and onto a box that carries a ball, beside a rolling pair', () => {
    const ball = (name: string, position: number[], extra: object = {}): SceneInput['bodies'][number] => ({
      name,
      shape: { type: 'sphere', radius: 0.05 },
      mass: 0.2,
      position: position as [number, number, number],
      ...extra,
    });
    const { model, state, data, n, controlBodies, L1, hard, ctx } = hardStepSetup(
      {
        dt: 1e-3,
        contact: { mode: 'hard', friction: 0.3, restitution: 0.7 },
        bodies: [
          ground,
          ball('dropped', [0, 0, 0.3], { linearVelocity: [0.2, 0, -1], angularVelocity: [0, 3, 0] }),
          ball('rolling', [-0.5, 0, 0.05], { linearVelocity: [1, 0, 0], angularVelocity: [0, 20, 0] }),
          ball('pushed', [-0.399, 0, 0.05]),
          box('stand', 0.1, { position: [1, 0, 0.1] }),
          ball('sitting', [1.1, 0, 0.25]),
          ball('falling', [0.92, 0, 0.4], { linearVelocity: [0, 0, -1] }),
        ],
      },
      ['falling'],
    );
    const control = new Float64Array(6 * n);
    const splitter = new PlacedSplitter(model.bodyStatic);
    const rng = seededRng(23);
    const xdot = new Float64Array(DIRS * L1.size);
    const ydot = new Float64Array(DIRS * 13 * n);
    const rows = new PlacedJacobianRows();
    let compared = 0,
      worst = 0,
      worstTrace = 0;
    for (let t = 0; t < 500; t++) {
      const xs = stepInputs(model, controlBodies, L1, state);
      const wrench = [0.1 * Math.sin(0.01 * t), 0.05, -0.2, 0.001, 0, 0.002];
      control.set(wrench, 6 * controlBodies[0]);
      xs.set(wrench, L1.controls);
      step(model, data, state, control, state);
      const rec = recordStep(hard, undefined);
      if (!placesImpact(rec)) continue;
      for (let i = 0; i < xdot.length; i++) xdot[i] = rng.uniform() - 0.5;
      const ybar = Float64Array.from({ length: 13 * n }, () => rng.uniform() - 0.5);
      expect(() => hardStepTangent(ctx, rec, xs, DIRS, xdot, ydot)).toThrow(PlacedImpactTangentError);
      placedStepTangent(ctx, splitter, rows, rec, xs, DIRS, xdot, ydot);
      const xbar = placedStepPullback(ctx, splitter, rec, xs, ybar, new Float64Array(L1.size));
      worst = Math.max(worst, dotMismatch(ybar, ydot, xbar, xdot, 13 * n, L1.size));
      // the placed bodies' rows against the trace's (the oracle's compact trace, one recording)
      const traced = ydot.slice();
      setCompactTracedTangents(ctx, splitter.split(rec).placed, xs, DIRS, xdot, traced);
      let scale = 0;
      for (let i = 0; i < ydot.length; i++) scale = Math.max(scale, Math.abs(traced[i]));
      for (let i = 0; i < ydot.length; i++) worstTrace = Math.max(worstTrace, Math.abs(ydot[i] - traced[i]) / scale);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(3);
    expect(worst).toBeLessThan(1e-10);
    expect(worstTrace).toBeLessThan(1e-12);
  });
});

describe('the impulse solve tangent is the transpose of the hand island adjoint', () => {
  it('on random θ (lever arms, slip targets, velocities) at the solves of the scenes above', () => {
    let compared = 0,
      worst = 0;
    for (const scene of SCENES.slice(1)) {
      const parsed = parseScene(scene.input);
      const model = buildModel(parsed);
      const state = initialState(model, parsed);
      const data = createStepData(model);
      const hard = data.hard;
      if (hard === null || hard === undefined) throw new Error('expected a hard-mode scene');
      const rng = seededRng(29);
      for (let t = 0; t < scene.steps; t += 11) {
        for (let s = 0; s < 11; s++) step(model, data, state, null, state);
        const p = hard.problem;
        const c = p.count;
        if (c === 0) continue;
        // θ from the assembled problem (sim/hard/problem.ts) and the solver's λ
        const { L, theta, structure } = randomImpulseInput(model, p, rng);
        const rule = impulseSolveRule(structure, 'hand');
        const y = rule.fwd(theta, { kink() {} })[0];
        const ybar = Float64Array.from({ length: y.length }, () => rng.uniform() - 0.5);
        const thbar = rule.bwd(theta, ybar);
        const thetaDot = Float64Array.from({ length: DIRS * L.size }, () => rng.uniform() - 0.5);
        const yDot = new Float64Array(DIRS * y.length);
        impulseTangentInto(structure, theta, y, DIRS, thetaDot, L.size, yDot, y.length);
        worst = Math.max(worst, dotMismatch(ybar, yDot, thbar, thetaDot, y.length, L.size));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(20);
    expect(worst).toBeLessThan(1e-10);
  });
});

/** fixtures.ts `transposeMismatch` on the first `ny` / `nx` entries of ȳ / x̄, over xdot.length / nx directions. */
function dotMismatch(
  ybar: Float64Array,
  ydot: Float64Array,
  xbar: Float64Array,
  xdot: Float64Array,
  ny: number,
  nx: number,
): number {
  return transposeMismatch(ybar.subarray(0, ny), ydot, xbar.subarray(0, nx), xdot, xdot.length / nx);
}
