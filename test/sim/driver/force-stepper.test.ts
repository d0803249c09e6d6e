// The force stepper's kept contact intermediates (sim/driver/force-stepper.ts): a gradient
// reads the forces its forward pass kept, computes them again when they did not fit the
// record budget, and replays them from checkpoints past it; all three are the same
// gradient bit for bit (the kept numbers only save time). Also when a later evaluation
// was lent the pooled arrays an earlier one kept them in (sim/driver/lease-pool.ts).
import { describe, expect, it } from 'vitest';
import { keptGradientOf, type Budgets } from './kept-gradient.ts';
import { CONTACT_KEPT_PER_CONTACT } from '../../../sim/contact/wrenches.ts';
import { RECORD_POOL } from '../../../sim/driver/lease-pool.ts';
import { INTEGRATOR_KEPT_PER_BODY } from '../../../sim/integrator/semiImplicitEuler.ts';
import { parseScene, type Scene } from '../../../sim/scene.ts';

const STEPS = 200;

/** A ball and a box thrown onto the ground and into each other: friction, restitution, several contacts a step. */
function throwScene(mode: 'penalty' | 'soft'): Scene {
  return parseScene({
    dt: 0.001,
    steps: STEPS,
    contact: { mode, stiffness: 2e4, temperature: 0.002, friction: 0.4, restitution: 0.5 },
    bodies: [
      { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } },
      {
        name: 'ball',
        shape: { type: 'sphere', radius: 0.1 },
        mass: 1,
        position: [0, 0, 0.12],
        linearVelocity: [1.5, 0, -1],
        angularVelocity: [0, 3, 0],
      },
      {
        name: 'box',
        shape: { type: 'box', halfExtents: [0.1, 0.1, 0.1] },
        mass: 1,
        position: [0.3, 0, 0.101],
        orientation: [0.995, 0, 0, 0.0998],
      },
    ],
  });
}

/** Bytes of every step's integrator intermediates (the first thing the intermediates budget holds). */
function integratorBytes(nbody: number): number {
  return STEPS * INTEGRATOR_KEPT_PER_BODY * nbody * 8;
}

/** The gradient of `evaluations` rollouts of STEPS steps under `budgets` (kept-gradient.ts). */
function gradientOf(s: Scene, budgets: Budgets, evaluations = 1): number[] {
  return keptGradientOf(s, STEPS, budgets, evaluations);
}

describe('force stepper: kept contact intermediates', () => {
  for (const mode of ['penalty', 'soft'] as const) {
    it(`${mode}: kept intermediates, records without them (forces computed again), and replay give the same gradient bit for bit`, () => {
      const s = throwScene(mode);
      const kept = gradientOf(s, {});
      expect(kept.some((g) => g !== 0)).toBe(true);
      // the integrator's kept, the contacts' computed again
      expect(kept).toEqual(gradientOf(s, { intermediates: integratorBytes(3) }));
      // the integrator's and the first few dozen steps' contacts kept (a few contacts a
      // step), in compact slots (full ones for the whole rollout would not fit) but for the
      // contact-free first step, the later steps' computed again
      const someContacts = integratorBytes(3) + 60 * 2 * CONTACT_KEPT_PER_CONTACT * 8;
      expect(kept).toEqual(gradientOf(s, { intermediates: someContacts }));
      // no intermediates: integration and forces computed again
      expect(kept).toEqual(gradientOf(s, { intermediates: 0 }));
      // records over their budget: every segment replayed from its checkpoint
      expect(kept).toEqual(gradientOf(s, { records: 0 }));
    });
  }

  it('soft: more rollouts in one trace than the record pool keeps: the earliest, whose arrays were lent on, replay or compute their forces again', () => {
    // every rollout here keeps over 1 MiB (a 1 MiB chunk of contact intermediates, its
    // states, wrenches and integrator intermediates): past the pool's free numbers the
    // later rollouts are lent the earlier ones' arrays (lease-pool.ts), whose pullbacks
    // must not read them
    const rollouts = Math.ceil((RECORD_POOL.freeNumbers * 8) / (1024 * 1024)) + 8;
    const s = throwScene('soft');
    expect(gradientOf(s, {}, rollouts)).toEqual(gradientOf(s, { records: 0 }, rollouts));
  });
});
