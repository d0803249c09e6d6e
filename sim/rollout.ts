/**
 * The differentiable rollout: T steps of the simulator as ONE primitive on the AD tape,
 * in any contact mode. The rollout driver (sim/driver/rollout.ts) runs the mode's Stepper
 * (sim/driver/force-stepper.ts for penalty and soft, sim/hard/stepper.ts for hard); the
 * inputs are the groups of sim/driver/inputs.ts, then the controls:
 *
 *   inputs  [q₀ (7n) | qd₀ (6n) | invMass (n) | invInertia (3n) | geomSize (4n)
 *            | k, c, τ, ε | bodyFriction (n) | gravity (3) | bodyRestitution (n)
 *            | controls (T × nc × 6)]
 *   outputs [q_T (7n) | qd_T (6n) | (q, qd) after each step listed in `record`]
 */
import type { Real } from '../ad/tape.ts';
import type { RolloutConfig } from './driver/config.ts';
import { FORCE_STEPPER } from './driver/force-stepper.ts';
import type { StepperFactory } from './driver/stepper.ts';
import { inputsOfModel } from './driver/inputs.ts';
import { driveRollout } from './driver/rollout.ts';
import { rolloutColumns } from './driver/tangent-columns.ts';
import { HARD_STEPPER } from './hard/stepper.ts';

export { DEFAULT_KEPT_RECORDS_BYTES, type RolloutConfig } from './driver/config.ts';
export { rolloutLayout, type RolloutLayout } from './driver/inputs.ts';

/**
 * The rollout as a primitive: `(x: Real[]) => Real[]` with the layout of
 * {@link rolloutLayout}. Build the inputs with {@link rolloutInputs} and replace the
 * entries you differentiate with traced Reals.
 *
 * @example
 * const run = rolloutPrimitive({ model, steps: 1000 });
 * const { grad } = ad.valueAndGrad((v) => {
 *   const x: ad.Real[] = Array.from(rolloutInputs(cfg, q0, qd0));
 *   x[L.qd + 6 * ball] = v[0];        // ∂/∂ initial vx of the ball
 *   return run(x)[7 * ball + 2];      // final height
 * }, [1.0]);
 */
export function rolloutPrimitive(config: RolloutConfig): (x: readonly Real[]) => Real[] {
  return driveRollout(config, stepperOfMode(config.model.contact.mode));
}

/**
 * The rollout as a primitive of the parameters whose tangents ride its forward pass
 * (`config.forwardTangents`, one direction per parameter): the carried tangents are the
 * gradient's columns and there is no backward pass through the steps
 * (driver/tangent-columns.ts). Null where none ride or the mode's tangents are not the
 * exact J of its pullback (hard mode): use {@link rolloutPrimitive} then.
 */
export function rolloutColumnsPrimitive(
  config: RolloutConfig,
): ((params: readonly Real[], x: readonly Real[]) => Real[]) | null {
  const mode = stepperOfMode(config.model.contact.mode);
  return config.forwardTangents !== undefined && mode.exactTangents === true ? rolloutColumns(config, mode) : null;
}

/** The Stepper of a contact mode: impulses in hard mode, forces in penalty and soft. */
export function stepperOfMode(mode: 'hard' | 'penalty' | 'soft'): StepperFactory<unknown, unknown> {
  return (mode === 'hard' ? HARD_STEPPER : FORCE_STEPPER) as StepperFactory<unknown, unknown>;
}

/** The model's own values of every rollout input (controls zero), as plain numbers. */
export function rolloutInputs(config: RolloutConfig, q0: Float64Array, qd0: Float64Array): Float64Array {
  return inputsOfModel(config.model, config.steps, config.controlBodies?.length ?? 0, q0, qd0, config.frictionVelocity);
}
