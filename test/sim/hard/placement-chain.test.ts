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
// The placement moves every impulse of the island back by s·dt (placement-islands.ts), so
// each body moves s·dt with its free flight and (1 − s)·dt with its velocity after: the
// end-of-step gaps are those of continuous time from the same velocities,
//   a/b: s·v·dt − s·v·dt + (1 − s)·e·v·dt = (1 − s)·e·v·dt,   b/c: g − (1 − s)·g = s·g,
// both positive, so the position pass does not run.
// Before (the defect this file pinned as expected failures): only a/b's impulse was moved,
// a by +P·dt and b by −P·dt, P = s·λ_ab/m, while b's push into c acted from the step's
// start, so the a/b gap ended at γ = dt·(s·v + e·v − 2P), negative for s > ≈ 0.61; the
// position pass then counted the placement twice and pushed b into c by |γ|/2 (1.67e-4 m
// at billiards' rack, step 237). The tests below run on both sides of that s.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildModel, initialState } from '../../../sim/builder.ts';
import { DEFAULT_PENETRATION_TOLERANCE } from '../../../sim/hard/settings.ts';
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

/** Overlap the hard step may leave after its position pass (m): its penetration tolerance. */
const OVERLAP_TOL = DEFAULT_PENETRATION_TOLERANCE;

describe('a placed impact on a ball resting against a third (a → b | c)', () => {
  for (const e of [1, 0.9]) {
    const lamAb = (2 * (1 + e) * v - G) / 3; // per unit mass
    for (const s of [0.2, 0.5, 0.7, 0.9]) {
      // the old placement's gap, by hand (negative: where it over-corrected)
      const gammaOld = dt * (s * v + e * v - 2 * s * lamAb);
      it(`e = ${e}, s = ${s}: the end gaps are continuous time's from the step's velocities, (1 − s)·e·v·dt and s·g; no position pass (old γ = ${gammaOld.toExponential(2)} m)`, () => {
        const got = stepRun(row(e, s));
        expect(got.passRan).toBe(false);
        // the solve's tolerance (1e-6 m/s) times dt bounds what its velocities add (measured ≤ 1.7e-10 m)
        expect(Math.abs(got.ab - (1 - s) * e * v * dt)).toBeLessThan(1e-9);
        expect(Math.abs(got.bc - s * g)).toBeLessThan(1e-9);
      });
      it(`e = ${e}, s = ${s}: no overlap after the impact step, as in continuous time`, () => {
        const scene = row(e, s);
        const ref = referenceGaps(scene);
        expect(Math.min(ref.ab, ref.bc)).toBeGreaterThanOrEqual(-1e-12);
        const got = stepRun(scene);
        expect(Math.min(got.ab, got.bc)).toBeGreaterThanOrEqual(-OVERLAP_TOL);
      });
    }
  }
});

describe("billiards' rack (hard): the same mechanism", () => {
  const raw = JSON.parse(readFileSync(new URL('../../../scenes/billiards.json', import.meta.url), 'utf8'));
  raw.contact = { ...raw.contact, mode: 'hard' };

  // the defect fixed here pushed ball1 into ball2 by 1.67e-4 m at the cue's impact (step 237)
  it('no two balls overlap by more than the penetration tolerance over 300 steps (continuous time: none)', () => {
    const sc = parseScene({ ...raw, steps: 300 });
    const model = buildModel(sc);
    const state = initialState(model, sc);
    const data = createHardStepData(model);
    const radius = raw.bodies.find((b: { name: string }) => b.name === 'cue').shape.radius as number;
    let deepest = 0;
    const q = state.bodyQ;
    for (let t = 0; t < 300; t++) {
      hardStep(model, data, state, null, state);
      for (let a = 0; a < model.nbody; a++)
        for (let b = a + 1; b < model.nbody; b++) {
          if (model.bodyStatic[a] || model.bodyStatic[b]) continue;
          const d = Math.hypot(q[7 * a] - q[7 * b], q[7 * a + 1] - q[7 * b + 1], q[7 * a + 2] - q[7 * b + 2]);
          deepest = Math.max(deepest, 2 * radius - d);
        }
    }
    expect(deepest).toBeLessThanOrEqual(OVERLAP_TOL);
  });
});
