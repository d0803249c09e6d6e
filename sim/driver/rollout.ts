/**
 * The rollout driver: T steps of one contact mode's {@link Stepper} as ONE primitive on
 * the AD tape, the same for every mode.
 *
 *   inputs  the groups of driver/inputs.ts (state, masses, sizes, contact scalars, …),
 *           then the controls (T × nc × 6)
 *   outputs [q_T (7n) | qd_T (6n) | (q, qd) after each step listed in `record`]
 *
 * Forward: the Stepper's forward (the plain `step`) on typed arrays, keeping every
 * `segment`-th state with the Stepper's snapshot (⌈√T⌉ by default: O(√T) memory), the
 * state before each step and its record while they fit the budget, watching every step
 * with the sanity monitor, and reporting each non-smooth decision once, at its nearest
 * step (`step t: <label>`).
 * Backward: segment by segment from the last, take the segment's states and records (kept,
 * or recomputed from its checkpoint), then walk its steps backwards through the Stepper's
 * pullback, accumulating the cotangents of every input. The collision pass is discrete:
 * each step's pullback uses the contacts the forward pass found, the branch executed.
 *
 * Why one primitive rather than one tape entry per stage per step: a per-step primitive
 * makes 13n Vars per step just to carry the state; here the state never leaves typed
 * arrays, so a gradient costs a small constant times the plain rollout (bench:
 * grad.*.overForward).
 */
import { customVjp, type PrimitiveRule } from '../../ad/primitive.ts';
import type { Real } from '../../ad/tape.ts';
import { SanityMonitor } from '../sanity.ts';
import { allocState, STATE_FIELDS, type State } from '../state.ts';
import { DEFAULT_KEPT_RECORDS_BYTES, rolloutSchedule, type RolloutConfig } from './config.ts';
import { rolloutLayout, WRENCH_PER_BODY, type RolloutLayout } from './inputs.ts';
import { addInto, copyInto, nearestPerDecision } from './records.ts';
import { RECORD_POOL, type Lease } from './lease-pool.ts';
import type { Stepper, StepperFactory } from './stepper.ts';

/** The state as one flat [q | qd] view (a State's arrays share one buffer, q first). */
export function flat(state: State): Float64Array {
  return new Float64Array(state.bodyQ.buffer, state.bodyQ.byteOffset, state.bodyQ.length + state.bodyQd.length);
}

/** Step t's control wrenches (nbody×6) from the flat controls of `x`; null without control bodies. */
export class Controls {
  private readonly full: Float64Array;
  constructor(
    private readonly bodies: readonly number[],
    private readonly L: RolloutLayout,
    nbody: number,
  ) {
    this.full = new Float64Array(WRENCH_PER_BODY * nbody);
  }

  /** Step t's controls spread over the bodies (a body listed twice gets the sum). */
  at(x: Float64Array, t: number): Float64Array | null {
    const bodies = this.bodies;
    if (bodies.length === 0) return null;
    const out = this.full;
    out.fill(0);
    const w = WRENCH_PER_BODY;
    const base = this.L.controls + w * bodies.length * t;
    for (let j = 0; j < bodies.length; j++) {
      for (let e = 0; e < w; e++) out[w * bodies[j] + e] += x[base + w * j + e];
    }
    return out;
  }

  /** x̄'s step-t controls += the cotangent of step t's spread controls. */
  addBar(xbar: Float64Array, t: number, controlBar: Float64Array): void {
    const bodies = this.bodies;
    const w = WRENCH_PER_BODY;
    const base = this.L.controls + w * bodies.length * t;
    for (let j = 0; j < bodies.length; j++) {
      for (let e = 0; e < w; e++) xbar[base + w * j + e] += controlBar[w * bodies[j] + e];
    }
  }
}

interface Checkpoint<Snapshot> {
  state: Float64Array;
  snapshot: Snapshot;
}

/** The forward pass's own records of every step, when they fit the budget. */
interface KeptSteps<Rec> {
  /** (steps × 13n) the state before each step, in `lease`'s array, lent to `owner` */
  states: Float64Array;
  lease: Lease;
  owner: number;
  records: Rec[];
}

interface Residuals<Rec, Snapshot> {
  x: Float64Array;
  stepper: Stepper<Rec, Snapshot>;
  checkpoints: Checkpoint<Snapshot>[];
  /** every step's state and record, or null (over budget: replay the segments) */
  kept: KeptSteps<Rec> | null;
}

/**
 * The rollout of `config` over the Steppers of contact mode `mode`, as a primitive
 * `(x: Real[]) => Real[]` (layout: driver/inputs.ts `rolloutLayout`).
 */
export function driveRollout<Rec, Snapshot>(
  config: RolloutConfig,
  mode: StepperFactory<Rec, Snapshot>,
): (x: readonly Real[]) => Real[] {
  return customVjp(rolloutRule(config, mode));
}

/**
 * The derivative rules of {@link driveRollout}'s primitive: its forward pass (also what
 * driver/tangent-columns.ts runs, without a backward pass) and its backward pass.
 */
export function rolloutRule<Rec, Snapshot>(
  config: RolloutConfig,
  mode: StepperFactory<Rec, Snapshot>,
): PrimitiveRule<Residuals<Rec, Snapshot>> {
  const { model, steps } = config;
  const n = model.nbody;
  const { segment, record } = rolloutSchedule(config);
  const bodies = config.controlBodies ?? [];
  const L = rolloutLayout(n, steps, bodies.length);
  const stateSize = (STATE_FIELDS.bodyQ + STATE_FIELDS.bodyQd) * n;
  return {
    name: mode.name,
    fwd: (x, kinks) => {
      if (x.length !== L.size) throw new RangeError(`rollout: expected ${L.size} inputs, got ${x.length}`);
      const stepper = mode.make(config, L, x);
      const controls = new Controls(bodies, L, n);
      const state = allocState(n);
      const packed = flat(state);
      packed.set(x.subarray(L.q, L.q + stateSize));
      const sink = nearestPerDecision();
      const checkpoints: Checkpoint<Snapshot>[] = [];
      const y = new Float64Array(stateSize * (1 + record.length));
      const recordAt = (k: number) => {
        for (let j = 0; j < record.length; j++) if (record[j] === k) y.set(packed, stateSize * (1 + j));
      };
      recordAt(0);
      const monitor = new SanityMonitor(stepper.model, state.bodyQ, state.bodyQd);
      // keep every step's state and record while they fit the budget (checked before allocating)
      const budget = config.keptRecordsBytes ?? DEFAULT_KEPT_RECORDS_BYTES;
      let keptBytes = steps * stateSize * Float64Array.BYTES_PER_ELEMENT;
      // the states in an array of the record pool (reused across evaluations: lease-pool.ts)
      const owner = RECORD_POOL.newOwner();
      let kept: KeptSteps<Rec> | null = null;
      if (keptBytes <= budget) {
        const lease = RECORD_POOL.lend(owner, steps * stateSize);
        kept = { states: lease.array, lease, owner, records: [] };
      }
      const ride = config.forwardTangents;
      // steps to the next checkpoint (a countdown: an integer division per step costs more)
      let toCheckpoint = 0;
      for (let t = 0; t < steps; t++) {
        if (toCheckpoint-- === 0) {
          checkpoints.push({ state: packed.slice(), snapshot: stepper.snapshot() });
          toCheckpoint = segment - 1;
        }
        sink.t = t;
        // an element loop, not set(): a call per step costs more than copying a small state
        if (kept !== null) copyInto(kept.states, t * stateSize, packed, 0, stateSize);
        const control = controls.at(x, t);
        if (ride !== undefined) ride.step(stepper, state, control, t, sink);
        else stepper.forward(state, control, sink);
        if (control !== null) monitor.addControlWork(state.bodyQd, control, 0, null);
        if (kept !== null) {
          const rec = stepper.keep();
          kept.records.push(rec);
          keptBytes += stepper.recordBytes(rec);
          if (keptBytes > budget) kept = null;
        }
        monitor.check(state.bodyQ, state.bodyQd, t + 1, stepper.contacts());
        if (record.length > 0) recordAt(t + 1);
      }
      y.set(packed, 0);
      sink.flush(kinks);
      return [y, { x, stepper, checkpoints, kept }];
    },
    bwd: ({ x, stepper, checkpoints, kept: keptForward }, ybar) => {
      // the kept states and records, unless a later evaluation has been lent their arrays
      const kept =
        keptForward !== null &&
        RECORD_POOL.holds(keptForward.lease, keptForward.owner) &&
        (stepper.recordsHeld?.() ?? true)
          ? keptForward
          : null;
      const xbar = new Float64Array(L.size);
      const controls = new Controls(bodies, L, n);
      const controlBar = new Float64Array(WRENCH_PER_BODY * n);
      // λ: cotangent of the state after the current step ([q̄ | q̇̄]); recorded states add theirs
      const lambda = Float64Array.from(ybar.subarray(0, stateSize));
      const addRecorded = (k: number) => {
        for (let j = 0; j < record.length; j++)
          if (record[j] === k) addInto(lambda, 0, ybar, stateSize * (1 + j), stateSize);
      };
      addRecorded(steps);
      const segStates = kept === null ? new Float64Array(segment * stateSize) : kept.states;
      const records: Rec[] = [];
      const state = allocState(n);
      const packed = flat(state);
      for (let s = checkpoints.length - 1; s >= 0; s--) {
        const t0 = s * segment;
        const t1 = Math.min(steps, t0 + segment);
        // the segment's states (from `base` in segStates) and records: kept, or replayed
        let base = t0;
        if (kept !== null) {
          for (let t = t0; t < t1; t++) records[t - t0] = kept.records[t];
        } else {
          base = 0;
          packed.set(checkpoints[s].state);
          stepper.restore(checkpoints[s].snapshot);
          for (let t = t0; t < t1; t++) {
            copyInto(segStates, (t - t0) * stateSize, packed, 0, stateSize);
            stepper.forward(state, controls.at(x, t), null);
            records[t - t0] = stepper.recordInto(records[t - t0]);
          }
        }
        for (let t = t1 - 1; t >= t0; t--) {
          if (t + 1 < steps && record.length > 0) addRecorded(t + 1);
          const k = t - t0;
          stepper.pullback(records[k], segStates, (base + k) * stateSize, controls.at(x, t), lambda, xbar, controlBar);
          if (bodies.length > 0) controls.addBar(xbar, t, controlBar);
        }
      }
      addRecorded(0);
      addInto(xbar, L.q, lambda, 0, stateSize);
      return xbar;
    },
  };
}
