/**
 * The viewer's gradient sweep: a final-state quantity and its AD gradient over a grid of
 * one parameter, per contact mode, and the grid intervals where the gradient jumps, each
 * labelled with the non-smooth decision that moved across it.
 *
 * Points are evaluated one at a time through the simulator's scene function
 * (sim/scene-function.ts: value, AD gradient and the kinks `gradient()` records), so the
 * page can spread them over a pool of workers and in any order: {@link refinementOrder}
 * gives the coarse curve first. Jump causes come from sim/sweep.ts's `jumpKinks`, the
 * rule the CLI's sweep uses; the CLI's bisection (`sweepFunction`) is not run here: a
 * band is one grid interval, which is the resolution the page claims.
 */
import type { ContactMode } from '../sim/model.ts';
import { sceneFunction, type Kink } from '../sim/scene-function.ts';
import type { Scene } from '../sim/scene.ts';
import { jumpKinks } from '../sim/sweep.ts';

/** What to sweep. */
export interface SweepSpec {
  /** quantity path with a component, e.g. `ball.position.z` */
  of: string;
  /** parameter path, e.g. `ball.linearVelocity.z` */
  wrt: string;
  /** first grid value (parameter units) */
  from: number;
  /** last grid value */
  to: number;
  /** grid points, ≥ 2 */
  n: number;
}

/** A gradient jump: one grid interval, its size and the decision that changed across it. */
export interface JumpBand {
  from: number;
  to: number;
  /** gradient after minus before */
  size: number;
  /** the decisions recorded at the interval's ends, those that moved across it first */
  kinks: Kink[];
  /** one line: the first moved decision (`step 299: ground/ball onset`), or why there is none */
  cause: string;
}

/** One mode's curves on the grid; a point not computed yet is null. */
export interface SweepCurve {
  mode: ContactMode;
  /** the grid */
  x: number[];
  value: (number | null)[];
  grad: (number | null)[];
  /** per grid point, the kinks `gradient()` recorded there */
  kinks: (Kink[] | null)[];
  /** jumps, found once every point is in */
  jumps: JumpBand[];
}

/** One evaluated grid point. */
export interface SweepPoint {
  value: number;
  grad: number;
  kinks: Kink[];
}

/** Evenly spaced grid from `from` to `to`, both included. */
export function sweepGrid(spec: Pick<SweepSpec, 'from' | 'to' | 'n'>): number[] {
  if (!Number.isInteger(spec.n) || spec.n < 2) throw new RangeError(`sweep: n must be an integer ≥ 2, got ${spec.n}`);
  if (!(Number.isFinite(spec.from) && Number.isFinite(spec.to) && spec.from !== spec.to)) {
    throw new RangeError(`sweep: from and to must be finite and differ, got ${spec.from}, ${spec.to}`);
  }
  return Array.from({ length: spec.n }, (_, i) => spec.from + ((spec.to - spec.from) * i) / (spec.n - 1));
}

/**
 * The grid indices 0 … n−1 coarse to fine: both ends, then the midpoint, then the
 * midpoints of the halves, level by level. Any prefix is a usable coarse curve, so the
 * page draws the curve's shape after a few points and refines it in place.
 *
 * @example
 * refinementOrder(5); // [0, 4, 2, 1, 3]
 */
export function refinementOrder(n: number): number[] {
  if (n <= 0) return [];
  if (n === 1) return [0];
  const order = [0, n - 1];
  let intervals: [number, number][] = [[0, n - 1]];
  while (intervals.length > 0) {
    const next: [number, number][] = [];
    for (const [a, b] of intervals) {
      if (b - a < 2) continue;
      const m = (a + b) >> 1;
      order.push(m);
      next.push([a, m], [m, b]);
    }
    intervals = next;
  }
  return order;
}

/**
 * The function a sweep evaluates in `mode`: grid value ↦ final `of`, its AD gradient with
 * respect to `wrt`, and the kinks recorded. Throws at once (a PathError, or the step's
 * error for a mode without gradients for a shape pair) rather than at the first point.
 *
 * @example
 * const f = sweepEvaluator(scene, spec, 'hard');
 * f(2.5); // { value, grad, kinks }
 */
export function sweepEvaluator(
  scene: Scene,
  spec: Pick<SweepSpec, 'of' | 'wrt'>,
  mode: ContactMode,
): (x: number) => SweepPoint {
  const f = sceneFunction({ ...scene, contact: { ...scene.contact, mode } }, spec.of, [spec.wrt]);
  return (x) => {
    const r = f.gradient([x]);
    return { value: r.value, grad: r.grad[0], kinks: r.kinks };
  };
}

/** Where a sweep's gradient holds around one point (the scene's own value of the parameter). */
export interface SweepValidity {
  /** the point, parameter units */
  x: number;
  value: number;
  grad: number;
  /**
   * how far the parameter can move either way before a decision of the rollout flips, to
   * first order, in the parameter's unit (sim/validity.ts `validWithin.byParameter`); null
   * when no recorded decision moves with it
   */
  radius: number | null;
  /** the decision that sets the radius (`step 199: ground/ball onset`), or null */
  decision: string | null;
  /** the nearest decisions along the parameter, nearest first: where each flips to first order */
  nearest: { label: string; distance: number; flipAt: number }[];
}

/** Decisions listed in a {@link SweepValidity}. */
export const NEAREST_DECISIONS_SHOWN = 3;

/**
 * The validity radius of the sweep's gradient at a point in `mode`: the AD gradient
 * (sceneFunction's) and the decisions nearest to flipping along `wrt` (sceneFunction's
 * `validity`: one plain rollout more than the point itself, for one parameter).
 *
 * @example
 * validityEvaluator(scene, spec, 'hard')(3); // { radius: 1.9e-5, decision: 'step 199: ground/ball onset', … }
 */
export function validityEvaluator(
  scene: Scene,
  spec: Pick<SweepSpec, 'of' | 'wrt'>,
  mode: ContactMode,
): (x: number) => SweepValidity {
  const f = sceneFunction({ ...scene, contact: { ...scene.contact, mode } }, spec.of, [spec.wrt]);
  return (x) => {
    const r = f.gradient([x]);
    const v = f.validity([x]);
    const along = v.validWithin?.byParameter[spec.wrt];
    const radius = along !== undefined && Number.isFinite(along.distance) ? along.distance : null;
    const nearest = v.decisions
      .map((d) => ({
        label: d.label,
        distance: d.byParameter[spec.wrt] ?? Infinity,
        flipAt: d.flipAt[spec.wrt] ?? NaN,
      }))
      .filter((d) => Number.isFinite(d.distance) && Number.isFinite(d.flipAt))
      .sort((a, b) => a.distance - b.distance)
      .slice(0, NEAREST_DECISIONS_SHOWN);
    return {
      x,
      value: r.value,
      grad: r.grad[0],
      radius,
      decision: radius === null ? null : (along?.decision ?? null),
      nearest,
    };
  };
}

/**
 * The jump bands of a complete curve ({@link findJumps} on its grid), each with the
 * decisions recorded at its two ends (sim/sweep.ts `jumpKinks`) and the first of them as
 * its cause.
 */
export function labelJumps(curve: Pick<SweepCurve, 'x' | 'grad' | 'kinks'>): JumpBand[] {
  const grad = curve.grad.map((g) => g ?? NaN);
  return findJumps(curve.x, grad).map((j) => {
    const i = curve.x.indexOf(j.from);
    const kinks = jumpKinks(curve.kinks[i] ?? [], curve.kinks[i + 1] ?? []);
    const cause =
      kinks.length > 0
        ? kinks[0].label
        : 'no decision recorded near either end (a steep but smooth change, or one between the kept kinks)';
    return { ...j, kinks, cause };
  });
}

/**
 * A jump is an interval whose gradient change stands out from the curve's typical change
 * by this factor. On a smooth curve neighbouring changes are alike (≈ f''·h); across a
 * kink the change stays O(1) however fine the grid, so it is many typical changes.
 */
export const JUMP_FACTOR = 8;

/**
 * Grid intervals across which the gradient jumps: |g_{i+1} − g_i| above
 * {@link JUMP_FACTOR} × the median change and above `floor` (gradient units; default
 * 1e-9 × the largest |g|, so a flat curve has none). A display heuristic on one grid,
 * not a proof: refinement is what tells a discontinuity from steep curvature.
 *
 * @example
 * findJumps([0, 1, 2, 3], [1, 1, 5, 5]); // [{ from: 1, to: 2, size: 4 }]
 */
export function findJumps(
  x: readonly number[],
  grad: readonly number[],
  floor?: number,
): { from: number; to: number; size: number }[] {
  const changes: number[] = [];
  for (let i = 0; i + 1 < grad.length; i++) changes.push(Math.abs(grad[i + 1] - grad[i]));
  if (changes.length === 0) return [];
  const sorted = changes.filter(Number.isFinite).sort((a, b) => a - b);
  const median = sorted.length === 0 ? 0 : sorted[(sorted.length - 1) >> 1];
  const scale = Math.max(...grad.map((g) => (Number.isFinite(g) ? Math.abs(g) : 0)));
  const threshold = Math.max(JUMP_FACTOR * median, floor ?? 1e-9 * scale);
  const jumps: { from: number; to: number; size: number }[] = [];
  changes.forEach((c, i) => {
    if (c > threshold) jumps.push({ from: x[i], to: x[i + 1], size: grad[i + 1] - grad[i] });
  });
  return jumps;
}

/** Half width of the default sweep range, as a fraction of the parameter's value. */
const DEFAULT_RANGE_FRACTION = 0.5;
/** Smallest half width of the default range, parameter units (for values near 0). */
const MIN_HALF_RANGE = 0.5;
/** Grid points of the default sweep: enough to show jumps, ~1 s of work per mode on the ball scenes. */
export const DEFAULT_SWEEP_POINTS = 41;

/**
 * A sweep worth looking at for `scene`: the first dynamic body's final height against its
 * initial vertical velocity, over the velocity ± half its size (at least ± 0.5 m/s).
 * `value` reads the scene's current value of `wrt`.
 *
 * @example
 * defaultSweep(bounceScene, (p) => 3); // { of: 'ball.position.z', wrt: 'ball.linearVelocity.z', from: 1.5, to: 4.5, n: 41 }
 */
export function defaultSweep(scene: Scene, value: (wrt: string) => number): SweepSpec | null {
  const body = scene.bodies.find((b) => !b.static && b.shape.type !== 'plane');
  if (body === undefined) return null;
  const wrt = `${body.name}.linearVelocity.z`;
  return { of: `${body.name}.position.z`, wrt, ...sweepRangeAround(value(wrt)), n: DEFAULT_SWEEP_POINTS };
}

/**
 * The default range around a parameter value v: v ± max(|v|/2, 0.5) (parameter units).
 *
 * @example
 * sweepRangeAround(3); // { from: 1.5, to: 4.5 }
 */
export function sweepRangeAround(v: number): { from: number; to: number } {
  const half = Math.max(DEFAULT_RANGE_FRACTION * Math.abs(v), MIN_HALF_RANGE);
  return { from: v - half, to: v + half };
}
