/**
 * The rollout as a primitive of the P parameters whose directions ride its forward pass
 * (config `forwardTangents`: the validity radius beside a gradient, sim/validity.ts
 * `validityRide`). That pass carries ẋ_j = ∂x/∂θ_j through every step, so it ends with
 * the final state's tangents ẏ_j = J ẋ_j: the P columns of dy/dθ. The backward pass is
 * then P dot products, θ̄_j = ȳ·ẏ_j, and the forward pass keeps no record for a pullback
 * (one checkpoint, no kept states or intermediates).
 *
 *   inputs   the P parameters θ (their values are not read: the rollout inputs x(θ) are
 *            passed beside them, as Reals of the caller's trace, and read by value)
 *   outputs  the final state [q_T (7n) | qd_T (6n)], as driver/rollout.ts's
 *
 * The forward pass is driver/rollout.ts's own (`rolloutRule`): the same values, kink
 * summary and sanity monitor. Only for a Stepper whose tangent-forward is the J its
 * pullback transposes (`exactTangents`: every mode — penalty and soft, whose tangent kernels
 * are the adjoints' transposes line by line, and hard, whose placed steps take their rows
 * from the hand pullback); there ȳ·ẏ_j equals the reverse pass's x̄·ẋ_j to rounding
 * (~1e-14 relative on the billiards break, 2.8e-13 on box-slide in hard mode: the sums run
 * in another order).
 */
import { value } from '../../ad/ops.ts';
import { customVjp } from '../../ad/primitive.ts';
import type { Real } from '../../ad/tape.ts';
import { STATE_FIELDS } from '../state.ts';
import type { RolloutConfig } from './config.ts';
import { rolloutRule } from './rollout.ts';
import type { StepperFactory } from './stepper.ts';

/**
 * `(θ, x) => y`: the rollout of `config` (whose `forwardTangents` carry one direction per
 * parameter, ẋ_j = ∂x/∂θ_j at the x given) over `mode`'s Stepper, as a primitive of θ.
 * One evaluation: the carried tangents advance in place and are read once.
 *
 * @example
 * const columns = rolloutColumns({ model, steps, forwardTangents: ride.forwardTangents }, FORCE_STEPPER);
 * ad.valueAndGrad((theta) => { const x = …; applyParams(x, …, theta); return columns(theta, x)[k]; }, theta0);
 */
export function rolloutColumns<Rec, Snapshot>(
  config: RolloutConfig,
  mode: StepperFactory<Rec, Snapshot>,
): (params: readonly Real[], x: readonly Real[]) => Real[] {
  const carry = config.forwardTangents;
  if (carry === undefined) throw new Error('rollout columns: the config carries no forward tangents');
  if (mode.exactTangents !== true)
    throw new Error(`rollout columns: the ${mode.name} Stepper's tangents are not exact`);
  if ((config.record ?? []).length > 0) throw new Error('rollout columns: recorded states carry no tangents');
  const stateSize = (STATE_FIELDS.bodyQ + STATE_FIELDS.bodyQd) * config.model.nbody;
  // no backward pass through the steps: one checkpoint, nothing kept for a pullback
  const rule = rolloutRule(
    { ...config, segment: Math.max(1, config.steps), keptRecordsBytes: 0, keptIntermediatesBytes: 0 },
    mode,
  );
  let inputs: Float64Array | null = null;
  let evaluated = false;
  const primitive = customVjp<Float64Array>({
    name: mode.name,
    fwd: (_params, kinks) => {
      if (inputs === null) throw new Error('rollout columns: called without its inputs');
      if (evaluated) throw new Error('rollout columns: one evaluation per carried set of tangents');
      evaluated = true;
      const [y] = rule.fwd(inputs, kinks);
      // direction j's tangent of the final state at j·13n: dy/dθ_j
      return [y, carry.stateDot];
    },
    bwd: (ydot, ybar) => {
      const P = carry.dirs;
      const paramBar = new Float64Array(P);
      for (let j = 0; j < P; j++) {
        let s = 0;
        for (let k = 0; k < stateSize; k++) s += ybar[k] * ydot[j * stateSize + k];
        paramBar[j] = s;
      }
      return paramBar;
    },
  });
  return (params, x) => {
    if (params.length !== carry.dirs)
      throw new RangeError(`rollout columns: ${carry.dirs} directions carried, ${params.length} parameters given`);
    inputs = Float64Array.from(x, value);
    try {
      return primitive(params);
    } finally {
      inputs = null;
    }
  };
}
