/**
 * Forward mode of a whole rollout: T steps of one contact mode's Stepper with its
 * `tangentForward`, carrying `dirs` tangent directions of the rollout inputs beside ONE
 * forward rollout. Collision, contact geometry and every decision are computed once per
 * step; only the linearized propagation is per direction. The decisions of every step go
 * to the sink with their margins' tangents (sim/validity.ts turns them into distances).
 *
 *   inputs   x (layout driver/inputs.ts `rolloutLayout`) and ẋ (dirs × L.size)
 *   outputs  the final state [q_T (7n) | qd_T (6n)] and its tangents (dirs × 13n):
 *            ẏ_j = J ẋ_j, the same J whose transpose the rollout primitive's backward
 *            pass applies (the branch the forward pass took at every kink)
 *
 * The forward values are bitwise the plain rollout's (the Stepper's forward kernels), and
 * the sanity monitor watches every step as in driver/rollout.ts.
 */
import type { KinkSink } from '../../ad/primitive.ts';
import { KINK_MARGIN, reportContactKink, reportRadius, type RadiusSink } from '../contact/kinks.ts';
import type { MarginTangentSink } from '../contact/wrenches-tangent.ts';
import { SanityMonitor } from '../sanity.ts';
import { allocState, STATE_FIELDS } from '../state.ts';
import type { RolloutConfig } from './config.ts';
import { FORCE_STEPPER } from './force-stepper.ts';
import { rolloutLayout, WRENCH_PER_BODY, type RolloutLayout } from './inputs.ts';
import { Controls, flat } from './rollout.ts';
import type { State } from '../state.ts';
import type { Stepper, StepperFactory, StepTangents } from './stepper.ts';

/** A margin-tangent sink told the step each decision belongs to (the validity log). */
export interface StepMarginSink extends MarginTangentSink {
  t: number;
}

/** The final state and its tangents. */
export interface RolloutTangents {
  /** [q_T (7n) | qd_T (6n)] */
  y: Float64Array;
  /** dirs × 13n: direction j's tangent of y at `j·13n` */
  ydot: Float64Array;
}

/** What watches the state and its tangents before each step (sim/validity/approach.ts). */
export interface StateTangentWatch {
  observe(t: number, state: State, stateDot: Float64Array): void;
}

/**
 * Tangents riding a forward pass: the input tangents ẋ (dirs × L.size) set up as the
 * state's and the controls' tangents, then carried step by step through the Stepper's
 * tangent-forward in place of its plain forward (the state it leaves is bitwise the plain
 * step's, and so is the step scratch a record is kept from). Used by {@link rolloutTangents}
 * and by the rollout primitive's own forward pass (driver/rollout.ts, `forwardTangents`:
 * the validity radius beside a gradient, one forward pass for both).
 */
export class TangentCarry {
  /** dirs × 13n: direction j's tangent of the current state at `j·13n` */
  readonly stateDot: Float64Array;
  private readonly controls: Controls;
  private readonly controlDot: Float64Array | null;
  private readonly inputsOf: Float64Array[];
  private readonly T: StepTangents;

  constructor(
    L: RolloutLayout,
    n: number,
    controlBodies: readonly number[],
    xdots: Float64Array,
    readonly dirs: number,
    private readonly kinks: StepMarginSink | null,
    /** measures the gaps of pairs outside the collision margin before each step (validity radius) */
    private readonly approach: StateTangentWatch | null = null,
  ) {
    if (xdots.length !== dirs * L.size)
      throw new RangeError(`rollout tangents: expected ${dirs}×${L.size} input tangents, got ${xdots.length}`);
    const stateSize = (STATE_FIELDS.bodyQ + STATE_FIELDS.bodyQd) * n;
    this.stateDot = new Float64Array(dirs * stateSize);
    for (let j = 0; j < dirs; j++)
      this.stateDot.set(xdots.subarray(j * L.size + L.q, j * L.size + L.q + stateSize), j * stateSize);
    this.controls = new Controls(controlBodies, L, n);
    this.controlDot = controlBodies.length > 0 ? new Float64Array(dirs * WRENCH_PER_BODY * n) : null;
    this.inputsOf = Array.from({ length: dirs }, (_, j) => xdots.subarray(j * L.size, (j + 1) * L.size));
    this.T = { dirs, state: this.stateDot, inputs: xdots, control: this.controlDot };
  }

  /**
   * Step t of `stepper` with its control `control` (of the primal inputs), tangents carried
   * along. Decisions go to the carry's sink with their tangents and, when given, also to
   * `also` (the forward pass's own kink sink) as the plain step reports them: those within
   * its report radius, without tangents.
   */
  step<Rec, Snapshot>(
    stepper: Stepper<Rec, Snapshot>,
    state: State,
    control: Float64Array | null,
    t: number,
    also: KinkSink | null = null,
  ): void {
    if (stepper.tangentForward === undefined) {
      throw new Error(`rollout tangents: the ${stepper.model.contact.mode}-mode stepper has no tangent-forward`);
    }
    if (this.kinks !== null) this.kinks.t = t;
    this.approach?.observe(t, state, this.stateDot);
    const sink = also === null ? this.kinks : this.teeTo(also);
    // the controls' tangents first: `at` returns one buffer, reused by every call
    const controlDot = this.controlDot;
    if (controlDot !== null) {
      const n = controlDot.length / (WRENCH_PER_BODY * this.dirs);
      for (let j = 0; j < this.dirs; j++)
        controlDot.set(this.controls.at(this.inputsOf[j], t) as Float64Array, j * WRENCH_PER_BODY * n);
    }
    stepper.tangentForward(state, control, this.T, sink);
  }

  private tee: { to: KinkSink; sink: MarginTangentSink } | null = null;
  /** A sink reporting every decision to the carry's sink and those within its radius to `to`. */
  private teeTo(to: KinkSink): MarginTangentSink | null {
    const log = this.kinks;
    if (log === null) return null;
    if (this.tee?.to !== to) {
      const within = reportRadius(to);
      const sink: MarginTangentSink & RadiusSink = {
        radius: Math.max(reportRadius(log), within),
        kink(margin, label, jump) {
          log.kink(margin, label, jump);
          if (margin <= within) to.kink(margin, label, jump);
        },
        tangents(mdot) {
          log.tangents(mdot);
        },
      };
      const batched = log.contactDecisions?.bind(log);
      if (batched !== undefined) {
        sink.contactDecisions = (batch) => {
          batched(batch);
          for (let k = 0; k < batch.count; k++) {
            const margin = batch.margins[k];
            if (margin > within) continue;
            const kind = batch.kinds[k];
            // by key where the sink takes it so (the rollout's kink summary): no label string, no map lookup
            reportContactKink(to, margin, batch.bodyName, batch.a, batch.b, kind, kind === KINK_MARGIN);
          }
        };
      }
      this.tee = { to, sink };
    }
    return this.tee.sink;
  }
}

/**
 * The rollout of `config` at inputs `x` with the tangents `xdots` (dirs × L.size, one
 * block per direction) carried forward through the Steppers of `mode`; decisions (with
 * their margins' tangents) to `kinks`. Throws when the mode's Stepper has no
 * tangent-forward.
 *
 * @example
 * const { y, ydot } = rolloutTangents({ model, steps: 1000 }, FORCE_STEPPER, x, xdots, 8);
 */
export function rolloutTangents<Rec, Snapshot>(
  config: RolloutConfig,
  mode: StepperFactory<Rec, Snapshot>,
  x: Float64Array,
  xdots: Float64Array,
  dirs: number,
  kinks: StepMarginSink | null = null,
  approach: StateTangentWatch | null = null,
): RolloutTangents {
  const { model, steps } = config;
  const n = model.nbody;
  const bodies = config.controlBodies ?? [];
  const L = rolloutLayout(n, steps, bodies.length);
  if (x.length !== L.size) throw new RangeError(`rollout tangents: expected ${L.size} inputs, got ${x.length}`);
  const stepper = mode.make(config, L, x);
  if (stepper.tangentForward === undefined) {
    throw new Error(`rollout tangents: the ${model.contact.mode}-mode stepper has no tangent-forward`);
  }
  const carry = new TangentCarry(L, n, bodies, xdots, dirs, kinks, approach);
  const state = allocState(n);
  const packed = flat(state);
  packed.set(x.subarray(L.q, L.q + (STATE_FIELDS.bodyQ + STATE_FIELDS.bodyQd) * n));
  const controls = new Controls(bodies, L, n);
  const monitor = new SanityMonitor(stepper.model, state.bodyQ, state.bodyQd);
  for (let t = 0; t < steps; t++) {
    const control = controls.at(x, t);
    carry.step(stepper, state, control, t);
    if (control !== null) monitor.addControlWork(state.bodyQd, control, 0, null);
    monitor.check(state.bodyQ, state.bodyQd, t + 1, stepper.contacts());
  }
  return { y: packed.slice(), ydot: carry.stateDot };
}

/** {@link rolloutTangents} of a penalty- or soft-mode rollout (hard mode has no tangent-forward yet). */
export function forceRolloutTangents(
  config: RolloutConfig,
  x: Float64Array,
  xdots: Float64Array,
  dirs: number,
  kinks: StepMarginSink | null = null,
  approach: StateTangentWatch | null = null,
): RolloutTangents {
  return rolloutTangents(config, FORCE_STEPPER, x, xdots, dirs, kinks, approach);
}
