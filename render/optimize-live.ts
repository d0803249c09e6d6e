/**
 * The viewer's live optimization: the scene's `objective` (minimise |final `of` − target|²
 * over `wrt`, within `bounds`; docs/scene-format.md) solved by Adam, one iteration at a
 * time, so the worker can send each iterate to the page as it comes.
 *
 * The loss gradient is assembled from `gradient()` (sim/gradient.ts), one rollout and
 * adjoint per component of `of`: ∇L = Σ_c 2 (q_c − t_c) ∇q_c.
 */
import { adam } from '../ad/optim/adam.ts';
import { cosineDecay } from '../ad/optim/schedule.ts';
import { gradient } from '../sim/gradient.ts';
import { parseParamPath, parseQuantityPath, pathBodies, readParam, writeParam } from '../sim/paths.ts';
import type { Scene } from '../sim/scene.ts';

/** The objective of a scene as numbers: start, bounds, and loss with gradient. */
export interface SceneObjective {
  /** parameter paths, in `objective.wrt` order */
  names: string[];
  /** the scene's values of the parameters */
  x0: number[];
  /** per-parameter box (±Infinity where the scene gives none) */
  lower: number[];
  upper: number[];
  /** the scene with the parameters set to `x` */
  sceneAt(x: readonly number[]): Scene;
  /** |final `of` − target|² at `x` (m² for a position) and its gradient */
  loss(x: readonly number[]): { value: number; grad: number[] };
}

/**
 * The objective of `scene`, or an Error naming what is missing.
 *
 * @example
 * const obj = sceneObjective(scene);
 * obj.loss(obj.x0).value; // squared distance to the target at the start
 */
export function sceneObjective(scene: Scene): SceneObjective {
  const spec = scene.objective;
  if (spec === undefined) throw new Error('this scene has no "objective" to optimize (bounce-to-target has one)');
  const bodies = pathBodies(scene);
  const params = spec.wrt.map((p) => parseParamPath(p, bodies, 'objective.wrt'));
  const quantity = parseQuantityPath(spec.of, bodies, 'objective.of');
  const componentNames = quantity.field === 'orientation' ? ['w', 'x', 'y', 'z'] : ['x', 'y', 'z'];
  const components = quantity.component === null ? componentNames.map((c) => `${spec.of}.${c}`) : [spec.of];
  const target = Array.isArray(spec.target) ? spec.target : [spec.target];
  const sceneAt = (x: readonly number[]): Scene => params.reduce((s, p, j) => writeParam(s, p, x[j]), scene);
  return {
    names: [...spec.wrt],
    x0: params.map((p) => readParam(scene, p)),
    lower: spec.wrt.map((p) => spec.bounds[p]?.[0] ?? -Infinity),
    upper: spec.wrt.map((p) => spec.bounds[p]?.[1] ?? Infinity),
    sceneAt,
    loss(x) {
      const s = sceneAt(x);
      let value = 0;
      const grad = new Array<number>(params.length).fill(0);
      components.forEach((of, c) => {
        const r = gradient(s, of, spec.wrt, { validity: false });
        const residual = r.value - target[c];
        value += residual * residual;
        spec.wrt.forEach((p, j) => (grad[j] += 2 * residual * r.grad[p]));
      });
      return { value, grad };
    },
  };
}

/** One iterate of {@link optimizeLive}. */
export interface OptimizeIterate {
  /** 0 for the starting point */
  iter: number;
  /** loss at `x` */
  loss: number;
  /** parameters, in `names` order */
  x: number[];
  names: string[];
  /** the scene with the parameters set to `x` (to draw the iterate's trajectory) */
  scene: Scene;
}

/** Options of {@link optimizeLive}. */
export interface OptimizeLiveOptions {
  /** Adam iterations (default 100) */
  iters?: number;
  /**
   * first learning rate, in parameter units per iteration (default: 0.5 % of the
   * narrowest bounded range's width, or 0.05 when unbounded), decaying to 0 by a cosine
   * schedule
   */
  lr?: number;
}

/**
 * Default fraction of the bounds' width Adam moves per early iteration. Small because
 * contact makes the loss rough: on bounce-to-target (range 10 m/s) 0.05 m/s per step
 * settles near the best point, 0.2 m/s keeps hopping between bounce timings.
 */
const LR_FRACTION_OF_RANGE = 0.005;
/** Default learning rate without bounds, in parameter units per iteration. */
const LR_UNBOUNDED = 0.05;

/**
 * Minimise the scene's objective with Adam (bounded, cosine-decayed rate), yielding the
 * start and every iterate. The iterate's loss is the loss at the point it names.
 *
 * @example
 * for (const it of optimizeLive(scene, { iters: 40 })) console.log(it.iter, it.loss);
 */
export function* optimizeLive(scene: Scene, opts: OptimizeLiveOptions = {}): Generator<OptimizeIterate, void, void> {
  const obj = sceneObjective(scene);
  const iters = opts.iters ?? 100;
  const widths = obj.lower.map((lo, j) => obj.upper[j] - lo).filter(Number.isFinite);
  const lr = opts.lr ?? (widths.length > 0 ? LR_FRACTION_OF_RANGE * Math.min(...widths) : LR_UNBOUNDED);
  const opt = adam({ lr: cosineDecay({ init: lr, steps: iters }), bounds: { lower: obj.lower, upper: obj.upper } });
  let x = obj.x0.slice();
  let state = opt.init(x);
  for (let iter = 0; ; iter++) {
    const { value, grad } = obj.loss(x);
    yield { iter, loss: value, x: x.slice(), names: obj.names, scene: obj.sceneAt(x) };
    if (iter === iters) return;
    ({ params: x, state } = opt.update(grad, state, x));
  }
}
