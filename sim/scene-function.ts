/**
 * A scene seen as a function of some of its parameters: x ↦ one final-state number, with
 * its plain value (the tape-free simulator, for finite differences) and its AD gradient
 * with the kink report (sim/gradient.ts). Sweeps and probes move parameters through this,
 * so both see exactly the scene the user wrote with the named numbers replaced.
 */
import { buildModel, initialState } from './builder.ts';
import { PathError } from './errors.ts';
import { forwardGradientOf } from './forward-gradient.ts';
import { gradient } from './gradient.ts';
import { parseComponentPath, parseParamPath, pathBodies, readParam, readQuantity, type ParamPath } from './paths.ts';
import type { Scene } from './scene.ts';
import { sceneAt, validity, type Validity } from './validity.ts';
import { createStepData, simulate } from './step.ts';

/**
 * Parameters up to which `gradient` runs in forward mode (where the mode has a tangent-forward
 * step): one direction per parameter beside the forward pass costs ~0.5 plain rollouts each,
 * the reverse pass ~2–3 whatever their number.
 */
export const FORWARD_MODE_MAX_PARAMS = 1;

/** A non-smooth decision near its boundary, as `gradient()` reports it. */
export interface Kink {
  /** which decision: step, pair and kind, e.g. `step 299: ground/ball onset` */
  label: string;
  /** distance of the decision's input to its boundary, in that input's unit (m, m/s) */
  margin: number;
}

/** Value, gradient (one entry per parameter) and kink report at one point. */
export interface PointGradient {
  value: number;
  grad: number[];
  kinks: Kink[];
}

/** A final-state number of a scene as a function of named parameters. */
export interface SceneFunction {
  /** the parameters as written, in order (duplicates removed) */
  readonly wrt: readonly string[];
  /** their values in the scene (defaults resolved as the builder resolves them) */
  readonly x0: readonly number[];
  /** the plain simulator's value at `x` */
  value(x: readonly number[]): number;
  /**
   * value, AD gradient and kinks at `x`: forward mode (one tangent rollout, sim/forward-gradient.ts)
   * for one parameter where the mode has a tangent-forward step, else the reverse pass (sim/gradient.ts)
   */
  gradient(x: readonly number[]): PointGradient;
  /** the decisions nearest to flipping at `x`, with their distances (sim/validity.ts: one tangent rollout, or P + 1 plain rollouts where none applies) */
  validity(x: readonly number[]): Validity;
}

/**
 * The scene as a function of `wrt`. Paths are checked here (a PathError names a bad one),
 * and so is the contact mode: a mode the step does not implement yet throws the step's
 * own error before any work. Each evaluation writes the parameters into a copy of the
 * scene and revalidates it, so a value outside a parameter's domain (a negative radius)
 * is a SceneError naming the field, not a silent NaN.
 *
 * @example
 * const f = sceneFunction(scene, 'ball.position.z', ['ball.linearVelocity.z']);
 * f.value([-1]);            // final height after launching downwards at 1 m/s
 * f.gradient([-1]).grad[0]; // its derivative, s
 */
export function sceneFunction(
  scene: Scene,
  of: string,
  wrt: readonly string[],
  opts: { kinkTol?: number } = {},
): SceneFunction {
  const bodies = pathBodies(scene);
  const quantity = parseComponentPath(of, bodies, 'a sweep or probe');
  const names = [...new Set(wrt)];
  if (names.length === 0) throw new PathError('--wrt', '', 'name at least one parameter', []);
  const params: ParamPath[] = names.map((p) => parseParamPath(p, bodies, '--wrt'));
  // the step's own error for a mode it does not implement, before any rollout
  createStepData(buildModel(scene));
  const at = (x: readonly number[]): Scene => {
    if (x.length !== params.length) throw new RangeError(`expected ${params.length} parameter values, got ${x.length}`);
    return sceneAt(scene, params, x);
  };
  const kinkTol = opts.kinkTol;
  // a sweep's one parameter: one tangent rollout (~1.5 plain rollouts) instead of the reverse pass (~3).
  // Not in hard mode yet: its tangent rollout (sim/hard/stepper-tangent.ts) is exact but
  // measured 2.2× the reverse pass's CPU time on billiards' 41 sweep points
  // (`npx tsx bench/hard-tangent-report.ts sweep-gradients`: the placed impacts' trace rows
  // and their margins' one-step differences); forwardGradientOf serves it on request
  const forward =
    names.length <= FORWARD_MODE_MAX_PARAMS && scene.contact.mode !== 'hard'
      ? forwardGradientOf(scene, of, names, { kinkTol })
      : null;
  return {
    wrt: names,
    x0: params.map((p) => readParam(scene, p)),
    value(x) {
      const s = at(x);
      const model = buildModel(s);
      const state = simulate(model, initialState(model, s), s.steps);
      return readQuantity(state, quantity)[0];
    },
    gradient(x) {
      if (forward !== null) return forward(x);
      const r = gradient(at(x), of, names, { kinkTol, validity: false });
      return { value: r.value, grad: names.map((p) => r.grad[p]), kinks: r.kinks };
    },
    validity(x) {
      return validity(at(x), names);
    },
  };
}
