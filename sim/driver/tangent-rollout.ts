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
import type { MarginTangentSink } from '../contact/wrenches-tangent.ts';
import { SanityMonitor } from '../sanity.ts';
import { allocState, STATE_FIELDS } from '../state.ts';
import type { RolloutConfig } from './config.ts';
import { FORCE_STEPPER } from './force-stepper.ts';
import { rolloutLayout, WRENCH_PER_BODY } from './inputs.ts';
import { Controls, flat } from './rollout.ts';
import type { StepperFactory, StepTangents } from './stepper.ts';

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
): RolloutTangents {
  const { model, steps } = config;
  const n = model.nbody;
  const bodies = config.controlBodies ?? [];
  const L = rolloutLayout(n, steps, bodies.length);
  if (x.length !== L.size) throw new RangeError(`rollout tangents: expected ${L.size} inputs, got ${x.length}`);
  if (xdots.length !== dirs * L.size)
    throw new RangeError(`rollout tangents: expected ${dirs}×${L.size} input tangents, got ${xdots.length}`);
  const stepper = mode.make(config, L, x);
  if (stepper.tangentForward === undefined) {
    throw new Error(`rollout tangents: the ${model.contact.mode}-mode stepper has no tangent-forward`);
  }
  const stateSize = (STATE_FIELDS.bodyQ + STATE_FIELDS.bodyQd) * n;
  const state = allocState(n);
  const packed = flat(state);
  packed.set(x.subarray(L.q, L.q + stateSize));
  const stateDot = new Float64Array(dirs * stateSize);
  for (let j = 0; j < dirs; j++)
    stateDot.set(xdots.subarray(j * L.size + L.q, j * L.size + L.q + stateSize), j * stateSize);
  const controls = new Controls(bodies, L, n);
  const controlDot = bodies.length > 0 ? new Float64Array(dirs * WRENCH_PER_BODY * n) : null;
  const inputsOf = Array.from({ length: dirs }, (_, j) => xdots.subarray(j * L.size, (j + 1) * L.size));
  const T: StepTangents = { dirs, state: stateDot, inputs: xdots, control: controlDot };
  const monitor = new SanityMonitor(stepper.model, state.bodyQ, state.bodyQd);
  for (let t = 0; t < steps; t++) {
    if (kinks !== null) kinks.t = t;
    // the controls' tangents first: `at` returns one buffer, reused by every call
    if (controlDot !== null) {
      for (let j = 0; j < dirs; j++)
        controlDot.set(controls.at(inputsOf[j], t) as Float64Array, j * WRENCH_PER_BODY * n);
    }
    const control = controls.at(x, t);
    stepper.tangentForward(state, control, T, kinks);
    if (control !== null) monitor.addControlWork(state.bodyQd, control, 0, null);
    monitor.check(state.bodyQ, state.bodyQd, t + 1, stepper.contacts());
  }
  return { y: packed.slice(), ydot: stateDot };
}

/** {@link rolloutTangents} of a penalty- or soft-mode rollout (hard mode has no tangent-forward yet). */
export function forceRolloutTangents(
  config: RolloutConfig,
  x: Float64Array,
  xdots: Float64Array,
  dirs: number,
  kinks: StepMarginSink | null = null,
): RolloutTangents {
  return rolloutTangents(config, FORCE_STEPPER, x, xdots, dirs, kinks);
}
