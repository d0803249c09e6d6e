/**
 * Forward mode for a scene function (sim/scene-function.ts): value, derivative along each
 * parameter and the kink report of a final-state number from ONE tangent rollout
 * (sim/driver/tangent-rollout.ts) that carries one direction per parameter beside the
 * forward pass. For a sweep (one parameter) that is about 1.5 plain rollouts, against
 * 3–4 for the reverse pass of sim/gradient.ts: the derivative is the same J the reverse
 * pass transposes (the branch the forward pass took at every kink), so the numbers agree
 * to rounding.
 *
 *   parameters θ  →  rollout inputs x(θ) and their tangents ∂x/∂θ_j (param-inputs.ts in
 *   forward mode, as the gradient writes them)  →  rolloutTangents  →  y_T, ẏ_T  →  the
 *   quantity's entry of each
 *
 * The kink report is the reverse pass's: each decision (pair and kind) at its nearest
 * step, `step t: <label>` (driver/records.ts `nearestPerDecision`), kept within `kinkTol`,
 * nearest first. The tangent step reports the plain step's decisions with the same
 * margins, in the same order.
 *
 * Only where the mode's Stepper has a tangent-forward (penalty and soft today):
 * {@link forwardGradientOf} says null otherwise and the caller uses the reverse pass.
 */
import { buildModel, initialState } from './builder.ts';
import type { RolloutConfig } from './driver/config.ts';
import { nearestPerDecision } from './driver/records.ts';
import { flat } from './driver/rollout.ts';
import { rolloutTangents, type StepMarginSink } from './driver/tangent-rollout.ts';
import { inputTangents } from './param-inputs.ts';
import { parseComponentPath, parseParamPath, pathBodies, readQuantity, type ParamPath } from './paths.ts';
import { rolloutInputs, rolloutLayout, stepperOfMode } from './rollout.ts';
import type { Kink, PointGradient } from './scene-function.ts';
import type { Scene } from './scene.ts';
import { allocState } from './state.ts';
import { sceneAt } from './validity.ts';
import { DEFAULT_KINK_TOL } from './gradient.ts';

/**
 * Whether the scene's contact mode has a tangent-forward step: asked of a one-step
 * Stepper of the scene itself, so a mode that gains one is used without a change here.
 */
export function hasTangentForward(scene: Scene): boolean {
  const model = buildModel(scene);
  const state0 = initialState(model, scene);
  const config = { model, steps: 1 };
  const x = rolloutInputs(config, state0.bodyQ, state0.bodyQd);
  return (
    stepperOfMode(scene.contact.mode).make(config, rolloutLayout(model.nbody, 1, 0), x).tangentForward !== undefined
  );
}

/**
 * `of` at the end of the scene's rollout and its derivatives along `wrt` (one tangent
 * direction per parameter), with the kink report, as a function of the parameters'
 * values; null when the scene's mode has no tangent-forward step. Paths are checked
 * here (a PathError names a bad one); `of` must name one component.
 *
 * @example
 * const f = forwardGradientOf(scene, 'ball.position.z', ['ball.linearVelocity.z']);
 * f?.([-1]); // { value, grad: [dz/dv_z], kinks }
 */
export function forwardGradientOf(
  scene: Scene,
  of: string,
  wrt: readonly string[],
  opts: { kinkTol?: number } = {},
): ((x: readonly number[]) => PointGradient) | null {
  const bodies = pathBodies(scene);
  const quantity = parseComponentPath(of, bodies, 'a forward gradient');
  const params: ParamPath[] = wrt.map((p) => parseParamPath(p, bodies, '--wrt'));
  if (!hasTangentForward(scene)) return null;
  const kinkTol = opts.kinkTol ?? DEFAULT_KINK_TOL;
  const factory = stepperOfMode(scene.contact.mode);
  return (theta) => {
    if (theta.length !== params.length)
      throw new RangeError(`expected ${params.length} parameter values, got ${theta.length}`);
    const s = sceneAt(scene, params, theta);
    const model = buildModel(s);
    const state0 = initialState(model, s);
    const config: RolloutConfig = { model, steps: s.steps };
    const L = rolloutLayout(model.nbody, s.steps, 0);
    const x = rolloutInputs(config, state0.bodyQ, state0.bodyQd);
    const P = params.length;
    // ∂x/∂θ_j: the parameters written into the inputs as the reverse pass writes them
    const xdots = inputTangents(x, L, s, model, params, theta);
    // the margins' tangents are the validity radius's business
    const nearest = nearestPerDecision();
    const sink: StepMarginSink = Object.assign(nearest, { tangents: () => {} });
    const { y, ydot } = rolloutTangents(config, factory, x, xdots, P, sink);
    const state = allocState(model.nbody);
    const packed = flat(state);
    packed.set(y);
    const value = readQuantity(state, quantity)[0];
    const grad = params.map((_, j) => {
      packed.set(ydot.subarray(j * y.length, (j + 1) * y.length));
      return readQuantity(state, quantity)[0];
    });
    const kinks: Kink[] = [];
    nearest.flush({
      kink(margin, label = 'contact') {
        if (margin <= kinkTol) kinks.push({ label, margin });
      },
    });
    kinks.sort((a, b) => a.margin - b.margin);
    return { value, grad, kinks };
  };
}
