/** A rollout's static configuration (what is not differentiated) and its checkpoint schedule. */
import type { KinkSink } from '../../ad/primitive.ts';
import type { Model } from '../model.ts';
import type { State } from '../state.ts';
import type { Stepper } from './stepper.ts';

/**
 * Tangents that ride a rollout primitive's forward pass (driver/tangent-rollout.ts
 * `TangentCarry`): each step runs through the Stepper's tangent-forward instead of its
 * plain forward (same state, same records, same kink reports), carrying input tangents.
 */
export interface ForwardTangents {
  /** the directions carried */
  readonly dirs: number;
  /** dirs × 13n: direction j's tangent of the current state at `j·13n` (after the rollout: of its final state) */
  readonly stateDot: Float64Array;
  step<Rec, Snapshot>(
    stepper: Stepper<Rec, Snapshot>,
    state: State,
    control: Float64Array | null,
    t: number,
    also: KinkSink | null,
  ): void;
}

/**
 * Default budget for the step records a rollout's forward pass keeps, bytes. Within it the
 * backward pass reuses them instead of re-running each segment from its checkpoint (about
 * one forward rollout of time saved); past it the forward pass drops them and memory stays
 * at the checkpoints' O(√T) states. 16 MiB holds a 1,000-step rollout of a few dozen
 * bodies; the 10,000-step billiards of the memory figure (~40 MB of records) stays
 * checkpointed.
 */
export const DEFAULT_KEPT_RECORDS_BYTES = 16 * 1024 * 1024;

/**
 * Default budget for the values a Stepper keeps beside the records the forward pass keeps
 * (driver/force-stepper.ts: the integrator's and the contact forces' intermediates), bytes.
 * Only a rollout whose records fit {@link DEFAULT_KEPT_RECORDS_BYTES} keeps them: a long
 * rollout stays at its checkpoints' O(√T) states, and a replayed segment keeps its own
 * steps' values whatever the budget. Within it the pullback reads the values instead of
 * computing the forces and the integration again, about one forward pass of time for the
 * steps it covers: the billiards break (31 contacts a step) keeps all of them, and its steps' contacts (after
 * full force slots: driver/force-stepper.ts), in 16 MB;
 * the 1,000-step rollout of 100 boxes (~340 contacts a step: ~130 MB of them) keeps its
 * integrator's and, in compact slots past its first steps (contact/wrenches.ts
 * `CONTACT_KEPT_COMPACT`), three quarters of its steps' forces.
 */
export const DEFAULT_KEPT_INTERMEDIATES_BYTES = 48 * 1024 * 1024;

/** Static configuration of a rollout: what is not differentiated. */
export interface RolloutConfig {
  model: Model;
  steps: number;
  /** bodies that receive a per-step control wrench (force then torque, world), in this order */
  controlBodies?: readonly number[];
  /** checkpoint spacing in steps (default ⌈√steps⌉) */
  segment?: number;
  /**
   * bytes of per-step records (state, contacts, wrench or impulses) the forward pass may
   * keep so that the backward pass does not re-run the steps from the checkpoints
   * (default {@link DEFAULT_KEPT_RECORDS_BYTES}; 0: always replay)
   */
  keptRecordsBytes?: number;
  /**
   * bytes of intermediates (integrator, contact forces) the forward pass may keep beside
   * its kept records, so that the pullback reads rather than recomputes them (default
   * {@link DEFAULT_KEPT_INTERMEDIATES_BYTES}; 0: recompute)
   */
  keptIntermediatesBytes?: number;
  /** friction regularization velocity ε default, m/s */
  frictionVelocity?: number;
  /**
   * steps k (0 ≤ k ≤ steps) whose state (after k steps; 0 = the initial state) is also
   * output, after the final state, 13n values each: for losses over the trajectory
   */
  record?: readonly number[];
  /**
   * tangents carried through the forward pass beside the values (penalty and soft mode):
   * the validity radius of a gradient from the gradient's own forward pass (sim/gradient.ts)
   */
  forwardTangents?: ForwardTangents;
}

/** The checkpoint spacing (default ⌈√steps⌉) and the validated recorded steps of a rollout. */
export function rolloutSchedule(config: RolloutConfig): { segment: number; record: readonly number[] } {
  const steps = config.steps;
  const segment = Math.max(1, config.segment ?? Math.ceil(Math.sqrt(steps)));
  const record = config.record ?? [];
  for (const k of record) {
    if (!Number.isInteger(k) || k < 0 || k > steps)
      throw new RangeError(`rollout: record step ${k} is outside 0..${steps}`);
  }
  return { segment, record };
}
