/**
 * The viewer's gradient sweep: a final-state quantity and its AD gradient over a grid of
 * one parameter, per contact mode, and the grid intervals where the gradient jumps.
 *
 * A minimal grid loop over `gradient()` (sim/gradient.ts) for the page, written as a
 * generator yielding one point at a time so the worker can interleave jobs. The
 * simulator's own sweep and continuity report (grid refinement, kink links) are a
 * separate piece of work; this one only has to draw.
 */
import { gradient } from '../sim/gradient.ts';
import type { ContactMode } from '../sim/model.ts';
import { parseParamPath, pathBodies, writeParam } from '../sim/paths.ts';
import type { Scene } from '../sim/scene.ts';

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

/** One mode's curves. */
export interface SweepCurve {
  mode: ContactMode;
  x: number[];
  value: number[];
  grad: number[];
  /** grid intervals [x_i, x_{i+1}] across which the gradient jumps (see {@link findJumps}) */
  jumps: { from: number; to: number; size: number }[];
}

/** One evaluated grid point. */
export interface SweepPoint {
  mode: ContactMode;
  index: number;
  x: number;
  value: number;
  grad: number;
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
 * Evaluate the sweep for one mode, a point at a time: at each grid value the scene with
 * the parameter set (and `contact.mode` = `mode`) goes through `gradient(scene, of, [wrt])`.
 *
 * @example
 * for (const p of sweepMode(scene, spec, 'soft')) plot(p.x, p.value, p.grad);
 */
export function* sweepMode(scene: Scene, spec: SweepSpec, mode: ContactMode): Generator<SweepPoint, void, void> {
  const param = parseParamPath(spec.wrt, pathBodies(scene), 'sweep parameter');
  const base: Scene = { ...scene, contact: { ...scene.contact, mode } };
  const grid = sweepGrid(spec);
  for (let index = 0; index < grid.length; index++) {
    const x = grid[index];
    const r = gradient(writeParam(base, param, x), spec.of, [spec.wrt], { validity: false });
    yield { mode, index, x, value: r.value, grad: r.grad[spec.wrt] };
  }
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
export function findJumps(x: readonly number[], grad: readonly number[], floor?: number): SweepCurve['jumps'] {
  const changes: number[] = [];
  for (let i = 0; i + 1 < grad.length; i++) changes.push(Math.abs(grad[i + 1] - grad[i]));
  if (changes.length === 0) return [];
  const sorted = changes.filter(Number.isFinite).sort((a, b) => a - b);
  const median = sorted.length === 0 ? 0 : sorted[(sorted.length - 1) >> 1];
  const scale = Math.max(...grad.map((g) => (Number.isFinite(g) ? Math.abs(g) : 0)));
  const threshold = Math.max(JUMP_FACTOR * median, floor ?? 1e-9 * scale);
  const jumps: SweepCurve['jumps'] = [];
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
