// The hard stepper's kept records (sim/hard/stepper.ts): a gradient reads the free flights
// (v*, gyroscopic steps, world inverse inertia) its forward pass kept, computes them again
// when they did not fit their budget, and replays the steps from checkpoints when the
// records did not fit theirs; all three are the same gradient bit for bit (the kept numbers
// only save time). Also when a later evaluation was lent the pooled arrays an earlier one
// kept its records in (sim/driver/lease-pool.ts).
import { describe, expect, it } from 'vitest';
import { keptGradientOf, type Budgets } from '../driver/kept-gradient.ts';
import { RECORD_POOL } from '../../../sim/driver/lease-pool.ts';
import { parseScene, type Scene } from '../../../sim/scene.ts';

const STEPS = 200;

/** A ball rolling into a resting ball and a spinning box landing beside them: bounces, friction, placed impacts. */
function scene(): Scene {
  return parseScene({
    dt: 0.002,
    steps: STEPS,
    contact: { mode: 'hard', friction: 0.3, restitution: 0.6 },
    bodies: [
      { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } },
      {
        name: 'cue',
        shape: { type: 'sphere', radius: 0.05 },
        mass: 0.2,
        position: [-0.3, 0, 0.05],
        linearVelocity: [2, 0, 0],
      },
      { name: 'ball', shape: { type: 'sphere', radius: 0.05 }, mass: 0.2, position: [0, 0.01, 0.05] },
      {
        name: 'box',
        shape: { type: 'box', halfExtents: [0.05, 0.05, 0.05] },
        mass: 0.5,
        position: [0.2, 0.3, 0.2],
        angularVelocity: [1, 4, 2],
      },
    ],
  });
}

/** The gradient of `evaluations` rollouts of STEPS steps under `budgets` (kept-gradient.ts). */
function gradientOf(s: Scene, budgets: Budgets, evaluations = 1): number[] {
  return keptGradientOf(s, STEPS, budgets, evaluations);
}

describe('hard stepper: kept records', () => {
  it('kept free flights, free flights computed again, and replay give the same gradient bit for bit', () => {
    const s = scene();
    const kept = gradientOf(s, {});
    expect(kept.some((g) => g !== 0)).toBe(true);
    expect(kept.every(Number.isFinite)).toBe(true);
    // no room for the free flights: the pullback runs the free flight and the inertia again
    expect(kept).toEqual(gradientOf(s, { intermediates: 0 }));
    // records over their budget: every segment replayed from its checkpoint (its steps keep their own)
    expect(kept).toEqual(gradientOf(s, { records: 0 }));
    // records that stop fitting midway: the driver replays, though the first steps kept theirs
    expect(kept).toEqual(gradientOf(s, { records: STEPS * 13 * 4 * 8 + 20_000 }));
  });

  it('more rollouts in one trace than the record pool keeps: the earliest, whose arrays were lent on, replay', () => {
    // every rollout keeps at least its arena's first chunks (32k doubles, 16k and 4k more),
    // its states and its free flights: past the pool's free numbers the later rollouts are
    // lent the earlier ones' arrays, whose pullbacks must not read them
    const perRollout = 32 * 1024 + 16 * 1024 + 4 * 1024;
    const rollouts = Math.ceil(RECORD_POOL.freeNumbers / perRollout) + 4;
    const s = scene();
    expect(gradientOf(s, {}, rollouts)).toEqual(gradientOf(s, { records: 0 }, rollouts));
  });
});
