/**
 * The scene file's `objective` section as a differentiable loss: the squared distance of
 * a final-state quantity to its target,
 *
 *   L(θ) = Σ_c (q_c(T; θ) − target_c)²      (units of the quantity, squared: m², (m/s)², …)
 *
 * over the parameters named in `objective.wrt`, within `objective.bounds`. The parameters
 * are written into a copy of the scene (so a value outside a parameter's domain is a
 * SceneError naming the field, as in sweeps), the contact mode and temperature may be
 * overridden per evaluation (continuation anneals the temperature), and the gradient is
 * that of the loss written with ad ops on the final quantity, through one rollout
 * (`quantityLossGradient`, sim/gradient.ts).
 */
import type { Bounds } from '../ad/optim/types.ts';
import { buildModel, initialState } from './builder.ts';
import { SceneError } from './errors.ts';
import * as ad from '../ad/index.ts';
import { quantityLossGradient } from './gradient.ts';
import type { ContactMode } from './model.ts';
import { parseParamPath, parseQuantityPath, pathBodies, readParam, readQuantity, writeParam, type ParamPath } from './paths.ts';
import type { Kink } from './scene-function.ts';
import { parseScene, type Scene } from './scene.ts';
import type { State } from './state.ts';
import { simulate } from './step.ts';

/** Contact settings an evaluation runs under; absent fields keep the scene's. */
export interface ContactSetting {
  mode?: ContactMode;
  /** soft-contact temperature, m */
  temperature?: number;
}

/** A loss value with its AD gradient (one entry per parameter) and the kinks near it. */
export interface LossGradient {
  value: number;
  grad: number[];
  kinks: Kink[];
}

/** A scene's objective, ready for an optimizer. */
export interface SceneObjective {
  /** the quantity path (`objective.of`) */
  readonly of: string;
  /** the target, one number per component of `of` */
  readonly target: readonly number[];
  /** the parameters, as written in `objective.wrt` */
  readonly wrt: readonly string[];
  /** the parameters' values in the scene */
  readonly x0: readonly number[];
  /** `objective.bounds` as a box (±Infinity where a parameter is unbounded) */
  readonly bounds: Bounds;
  /** the scene with the parameters set to `x` and the setting applied, validated */
  sceneAt(x: readonly number[], setting?: ContactSetting): Scene;
  /** the quantity `of` in a state (e.g. the final state of a recorded rollout) */
  read(state: State): number[];
  /** the final quantity at `x`, from the plain (tape-free) simulator */
  final(x: readonly number[], setting?: ContactSetting): number[];
  /** the loss at `x` from the plain simulator (no tape): for verification and zeroth-order estimates */
  value(x: readonly number[], setting?: ContactSetting): number;
  /** the loss and its AD gradient at `x` */
  lossAndGrad(x: readonly number[], setting?: ContactSetting): LossGradient;
}

/** Squared distance Σ (a_c − b_c)². */
export function squaredDistance(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let c = 0; c < a.length; c++) s += (a[c] - b[c]) ** 2;
  return s;
}

/**
 * The objective of `scene` (which must have an `objective` section: a SceneError says so
 * otherwise).
 *
 * @example
 * const obj = sceneObjective(parseSceneText(readFileSync('scenes/bounce-to-target.json', 'utf8')));
 * const { value, grad } = obj.lossAndGrad(obj.x0, { mode: 'soft', temperature: 1e-3 });
 */
export function sceneObjective(scene: Scene): SceneObjective {
  const spec = scene.objective;
  if (spec === undefined) {
    throw new SceneError([{ path: 'objective', message: 'the scene has no objective: add one to optimize it (docs/scene-format.md)' }]);
  }
  const bodies = pathBodies(scene);
  const quantity = parseQuantityPath(spec.of, bodies, 'objective.of');
  const params: ParamPath[] = spec.wrt.map((p) => parseParamPath(p, bodies, 'objective.wrt'));
  const target = typeof spec.target === 'number' ? [spec.target] : [...spec.target];
  const bounds: Bounds = {
    lower: spec.wrt.map((p) => spec.bounds[p]?.[0] ?? -Infinity),
    upper: spec.wrt.map((p) => spec.bounds[p]?.[1] ?? Infinity),
  };
  const sceneAt = (x: readonly number[], setting: ContactSetting = {}): Scene => {
    if (x.length !== params.length) throw new RangeError(`expected ${params.length} parameter values, got ${x.length}`);
    let s = scene;
    params.forEach((p, j) => (s = writeParam(s, p, x[j])));
    s = structuredClone(s);
    if (setting.mode !== undefined) s.contact.mode = setting.mode;
    // the contact margin follows the temperature (sim/model.ts) unless the scene fixes it
    if (setting.temperature !== undefined) s.contact.temperature = setting.temperature;
    return parseScene(s);
  };
  const final = (x: readonly number[], setting?: ContactSetting): number[] => {
    const s = sceneAt(x, setting);
    const model = buildModel(s);
    const state = simulate(model, initialState(model, s), s.steps);
    return readQuantity(state, quantity);
  };
  return {
    of: spec.of,
    target,
    wrt: [...spec.wrt],
    x0: params.map((p) => readParam(scene, p)),
    bounds,
    sceneAt,
    read: (state) => readQuantity(state, quantity),
    final,
    value: (x, setting) => squaredDistance(final(x, setting), target),
    lossAndGrad(x, setting) {
      const s = sceneAt(x, setting);
      // Σ_c (q_c − target_c)² on the final quantity, all components from one rollout
      const r = quantityLossGradient(s, spec.of, spec.wrt, (q) => ad.sum(q.map((qc, c) => ad.square(ad.sub(qc, target[c])))));
      return { value: r.value, grad: spec.wrt.map((p) => r.grad[p]), kinks: r.kinks };
    },
  };
}

