// A placed impact on a ball resting against a third (issue 13: billiards' rack, where the
// cue strikes ball1 whose speculative contacts with ball2 and ball3 are closed). Truth from
// outside the simulator: continuous-time bodies never overlap (the event-driven reference's
// run has no overlap), and the hand-solved impulse problem of three equal spheres in a row.
//
// a (v along x) meets b at s·dt into a step; c lies g = 0.1·v·dt beyond b (the rack's balls
// are 0.5 mm apart), so b's speculative contact with c is active in that step. The step
// solves both contacts in one impulse problem (simultaneous: sim/hard/README.md "Several
// impacts in one step"): with a/b bouncing (b − a = e·v after) and b/c closing by at most
// its gap (c − b = −G, G = g/dt), by hand
//   λ_ab = (2(1 + e)·v − G)·m/3,  λ_bc = (λ_ab − m·G)/2.
// The placement moves only a/b's impulse back by s·dt (position.ts placeImpacts): a by
// +P·dt and b by −P·dt, P = s·λ_ab/m, while b's push into c acts from the step's start. So
// the first-order a/b gap at the end of the step is γ = dt·(s·v + e·v − 2P), negative for
// s > e/(2λ_ab/(m·v) − 1) (≈ 0.61 here), where the position pass runs; without it the b/c
// gap ends at P·dt (b walked back: continuous time from the same velocities, the island's
// impulses all at s·dt, ends with a/b at (1 − s)·e·v·dt and b/c at s·g).
// The pass then counts the placement's motion twice (its bounds −γ/dt include the
// placement, and it starts from the placement's pseudo-velocity): it pushes a/b open to
// 2P·dt and b into c by |γ|/2. Continuous time has no overlap (the reference): that
// overlap is the measured discrepancy (1.67e-4 m at billiards' rack, step 237), stated
// here in closed form, not fixed (sim/hard/README.md, "What remains at billiards' rack").
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildModel, initialState } from '../../../sim/builder.ts';
import { createHardStepData, hardStep } from '../../../sim/hard/step.ts';
import { parseScene } from '../../../sim/scene.ts';
import { runReference } from '../../reference/event-driven/gradient.ts';
import type { RefSceneInput } from '../../reference/event-driven/scene.ts';

const r = 0.05,
  v = 2,
  dt = 0.001,
  /** the step (0-based) in which a meets b */
  IMPACT_STEP = 50,
  /** b/c gap, m */
  g = 0.1 * v * dt,
  G = g / dt;

type V3 = [number, number, number];

/** a meets b at s·dt into step 50; b touches c; `steps` steps (51: up to the end of the impact step) */
function row(e: number, s: number, steps = IMPACT_STEP + 1): RefSceneInput {
  const sphere = (name: string, position: V3, linearVelocity: V3 = [0, 0, 0]) => ({
    name,
    shape: { type: 'sphere' as const, radius: r },
    mass: 1,
    position,
    linearVelocity,
  });
  return {
    dt,
    steps,
    gravity: [0, 0, 0],
    contact: { mode: 'hard', friction: 0, restitution: e },
    bodies: [
      sphere('a', [-2 * r - v * (IMPACT_STEP + s) * dt, 0, 0], [v, 0, 0]),
      sphere('b', [0, 0, 0]),
      sphere('c', [2 * r + g, 0, 0]),
    ],
  };
}

/** the hard step's run: gaps a/b and b/c at the end, and whether the position pass ran in the impact step */
function stepRun(scene: RefSceneInput) {
  const sc = parseScene(scene);
  const model = buildModel(sc);
  const state = initialState(model, sc);
  const data = createHardStepData(model);
  let passRan = false;
  for (let t = 0; t < scene.steps; t++) {
    hardStep(model, data, state, null, state);
    if (t === IMPACT_STEP) passRan = data.stats.positionIterations > 0;
  }
  const x = (b: number) => state.bodyQ[7 * b];
  return { ab: x(1) - x(0) - 2 * r, bc: x(2) - x(1) - 2 * r, passRan };
}

/** the event-driven reference's gaps a/b and b/c at the end */
function referenceGaps(scene: RefSceneInput) {
  const ref = runReference(scene);
  expect(ref.outOfScope).toBeUndefined();
  const x = (b: number) => ref.final[b].x[0];
  return { ab: x(1) - x(0) - 2 * r, bc: x(2) - x(1) - 2 * r };
}

describe('a placed impact on a ball resting against a third (a → b | c)', () => {
  for (const e of [1, 0.9]) {
    const lamAb = (2 * (1 + e) * v - G) / 3; // per unit mass
    for (const s of [0.2, 0.5, 0.7, 0.9]) {
      it(`e = ${e}, s = ${s}: the gaps after the impact step in closed form; the pass runs iff γ < 0 and then pushes b into c by |γ|/2 (the reference: no overlap)`, () => {
        const scene = row(e, s);
        const ref = referenceGaps(scene);
        const got = stepRun(scene);
        // truth: continuous time never overlaps
        expect(Math.min(ref.ab, ref.bc)).toBeGreaterThanOrEqual(-1e-12);
        // the placement's over-correction, by hand: the pass runs exactly where γ < 0
        const P = s * lamAb;
        const gamma = dt * (s * v + e * v - 2 * P);
        expect(got.passRan).toBe(gamma < 0);
        if (gamma >= 0) {
          // no pass: a/b at γ, b/c at P·dt (b walked back), no overlap
          expect(got.ab).toBeCloseTo(gamma, 9);
          expect(got.bc).toBeCloseTo(P * dt, 9);
        } else {
          // the pass: a/b pushed open to 2P·dt, b pushed into c by |γ|/2 (the discrepancy)
          expect(got.ab).toBeCloseTo(2 * P * dt, 9);
          expect(got.bc).toBeCloseTo(gamma / 2, 9);
          expect(got.bc).toBeLessThan(-1e-4);
        }
      });
    }
  }
});

describe("billiards' rack (hard): the same mechanism, measured", () => {
  const raw = JSON.parse(readFileSync(new URL('../../../scenes/billiards.json', import.meta.url), 'utf8'));
  raw.contact = { ...raw.contact, mode: 'hard' };

  it('the pass runs at the cue impact (steps 237, 238) and pushes ball1 into ball2 by 1.67e-4 m (continuous time: none)', () => {
    const sc = parseScene({ ...raw, steps: 300 });
    const model = buildModel(sc);
    const state = initialState(model, sc);
    const data = createHardStepData(model);
    const radius = raw.bodies.find((b: { name: string }) => b.name === 'cue').shape.radius as number;
    const passSteps: number[] = [];
    let deepest = 0;
    let deepestAt = -1;
    const q = state.bodyQ;
    for (let t = 0; t < 300; t++) {
      hardStep(model, data, state, null, state);
      if (data.stats.positionIterations > 0) passSteps.push(t);
      for (let a = 0; a < model.nbody; a++)
        for (let b = a + 1; b < model.nbody; b++) {
          if (model.bodyStatic[a] || model.bodyStatic[b]) continue;
          const d = Math.hypot(q[7 * a] - q[7 * b], q[7 * a + 1] - q[7 * b + 1], q[7 * a + 2] - q[7 * b + 2]);
          if (2 * radius - d > deepest) [deepest, deepestAt] = [2 * radius - d, t];
        }
    }
    expect(passSteps).toEqual([237, 238]);
    expect(deepestAt).toBe(237);
    // the discrepancy (m): with the pass's bounds leaving the placement out it is 0 (README)
    expect(deepest).toBeGreaterThan(1.6e-4);
    expect(deepest).toBeLessThan(1.7e-4);
  });
});
