/**
 * A Stepper is one contact mode's step as the rollout driver (driver/rollout.ts) sees it:
 * forward a step and keep its record; pull a state cotangent back through a record;
 * optionally, carry state tangents forward through a step (tangent-forward, driven by
 * driver/tangent-rollout.ts). The
 * driver owns everything around the steps (layout, checkpoints, the record budget,
 * recorded outputs, controls, the sanity monitor, the kink summary), so a new contact mode
 * is a new Stepper, not a new rollout.
 *
 * The forward of every Stepper is the plain `step` (sim/step.ts) on the model with the
 * rollout's inputs: the simulator and the rollout run the same code.
 */
import type { KinkSink } from '../../ad/primitive.ts';
import type { Contacts } from '../collision/contacts.ts';
import type { MarginTangentSink } from '../contact/wrenches-tangent.ts';
import type { Model } from '../model.ts';
import type { State } from '../state.ts';
import type { RolloutConfig } from './config.ts';
import type { RolloutLayout } from './inputs.ts';

/**
 * The tangents a tangent-forward step carries: `dirs` directions, each direction's block
 * contiguous (direction-major).
 */
export interface StepTangents {
  readonly dirs: number;
  /** dirs × 13n: [q̇ (7n) | q̇d (6n)] of the state, advanced in place by the step */
  readonly state: Float64Array;
  /**
   * dirs × L.size: the tangents of the rollout inputs (layout of the rollout; the
   * parameters' part is what a step reads, constant over the rollout)
   */
  readonly inputs: Float64Array;
  /** dirs × nbody×6: the tangents of this step's control wrench, or null (no controls) */
  control: Float64Array | null;
}

export interface Stepper<Rec, Snapshot = null> {
  /** the model with the rollout inputs' values: what the steps and the sanity monitor read */
  readonly model: Model;
  /**
   * Advance `state` by one step in place. `control` (nbody×6: force then torque, world)
   * acts over the step, or null. Non-smooth decisions go to `kinks` when given.
   */
  forward(state: State, control: Float64Array | null, kinks: KinkSink | null): void;
  /**
   * The contacts the last step (forward or tangent-forward) found at the pose it started
   * from: what the sanity monitor's penetration bound reads. Valid until the next step.
   */
  contacts(): Contacts;
  /**
   * The record of the step just taken (what its pullback needs besides the state before
   * it), kept by the forward pass for the whole backward pass: it should hold no more
   * than it needs.
   */
  keep(): Rec;
  /** The record of the step just taken in a replayed segment, reusing `into` when given. */
  recordInto(into: Rec | undefined): Rec;
  /** bytes held by a kept record (for the driver's budget) */
  recordBytes(rec: Rec): number;
  /**
   * Optional: are the kept records still the Stepper's own? Records in arrays lent by the
   * record pool (driver/lease-pool.ts) may have been lent on to a later evaluation; then
   * the driver replays the steps from the checkpoints instead (absent: always).
   */
  recordsHeld?(): boolean;
  /** what a checkpoint needs besides the state to repeat the steps exactly (e.g. a warm start) */
  snapshot(): Snapshot;
  restore(snapshot: Snapshot): void;
  /**
   * Optional forward mode: advance `state` by one step in place exactly as `forward` does,
   * and carry every direction's state tangent through the step's linearization (the
   * contacts, features and decisions of the step itself, computed once for all
   * directions). Decisions go to `kinks` as `forward` reports them, each followed by its
   * margin's tangents.
   */
  tangentForward?(
    state: State,
    control: Float64Array | null,
    tangents: StepTangents,
    kinks: MarginTangentSink | null,
  ): void;
  /**
   * Pull the cotangent of the state after a step back through it. In: `lambda` (13n:
   * [q̄ | q̇̄]) of the state after; out: `lambda` of the state before (overwritten). The
   * state before the step is `states[offset..offset+13n]`; `control` is the step's control
   * (or null). Parameter cotangents are added into `xbar` (the rollout's layout); the
   * control's cotangent (nbody×6) is written to `controlBar`.
   */
  pullback(
    rec: Rec,
    states: Float64Array,
    offset: number,
    control: Float64Array | null,
    lambda: Float64Array,
    xbar: Float64Array,
    controlBar: Float64Array,
  ): void;
}

/** A contact mode for the driver: its name and how to make its Stepper for one evaluation. */
export interface StepperFactory<Rec, Snapshot> {
  /** names the rollout primitive (kink reports, errors) */
  readonly name: string;
  /**
   * its Stepper's tangent-forward is the J its pullback transposes, on every step (all three
   * modes): the carried tangents are a gradient's columns (driver/tangent-columns.ts).
   * Absent: not known to be, and a gradient keeps its reverse pass
   */
  readonly exactTangents?: boolean;
  /** the Stepper of one evaluation of the rollout at inputs `x` (layout `L`) */
  make(config: RolloutConfig, L: RolloutLayout, x: Float64Array): Stepper<Rec, Snapshot>;
}
