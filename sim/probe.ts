/**
 * The local probe (docs/design.md "Sweeps and continuity", `diffcontact grad --probe R`): what
 * a gradient means at one point of a non-smooth program.
 *
 * 1. One-sided directional derivatives along ±each parameter, by second-order one-sided
 *    finite differences of the plain simulator with steps R·2^{−k} down to R·2^{−levels}
 *    (one-sided.ts), and a test of whether the value jumps (the difference quotients blow
 *    up as the step shrinks).
 *    Why not forward mode: the rollout primitive has no JVP rule, so `ad.jvp` through it
 *    builds the tangent from 13n pullbacks, and a pullback differentiates the branch the
 *    forward pass took (relu'(0) = 0 at a contact onset): it would return the same branch
 *    derivative as the gradient, not the two one-sided limits. The plain simulator costs
 *    ~1/4 of a gradient, so 2(levels+1) runs per parameter are cheap and give true
 *    one-sided slopes at resolution R·2^{−levels}.
 * 2. AD gradients at `samples` points drawn uniformly in the ball of radius R around the
 *    point (seeded, reproducible) plus the point itself; their componentwise [min, max]
 *    estimates the Clarke generalized gradient over the ball (the convex hull of nearby
 *    gradients: [−1, 1] for |x| at 0).
 * 3. A verdict: `discontinuous` if the value jumps along some ±direction, else `kink` if
 *    some parameter's one-sided derivatives differ by more than their error, else
 *    `smooth`; with the kink events `gradient()` recorded at the point (pair, kind, step).
 *    The verdict is about the point: a `smooth` one whose ball holds gradients spread
 *    wider than {@link ROUGH_SPREAD} of its slopes says so in its reason.
 * The radius is in each parameter's own unit (one ball for all parameters): probe
 * parameters of one kind together, or at a radius that is small for all of them.
 */
import { seededRng } from '../ad/random.ts';
import { oneSided, type OneSided } from './one-sided.ts';
import { sceneFunction, type Kink, type PointGradient } from './scene-function.ts';
import type { Scene } from './scene.ts';

/** Default number of gradient samples in the ball (each costs one gradient). */
export const DEFAULT_SAMPLES = 16;

/** Default halvings of the finite-difference step: the finest step is R/256. */
export const DEFAULT_PROBE_LEVELS = 8;

/**
 * Default noise floor of the value, in the quantity's unit (m, m/s, …): the rollout's
 * rounding error is ~1e-15 of the state's scale (metres, metres per second), far below
 * this, while physical jumps (an impact) are orders of magnitude above it.
 */
export const DEFAULT_VALUE_TOL = 1e-10;

/**
 * One-sided slopes that differ by less than this share of the larger one (plus their
 * error estimates and the value noise over the step) count as equal.
 */
export const KINK_RTOL = 1e-3;

/**
 * A smooth verdict adds a warning when the gradients sampled in the ball spread wider than
 * this share of the one-sided slopes at the point: a smooth function's gradient changes by
 * 2R·|f''| over the ball, far less at a radius small enough to probe with.
 */
export const ROUGH_SPREAD = 0.25;

/** What the probe concludes about the point. */
export type Verdict = 'smooth' | 'kink' | 'discontinuous';

/** Probe settings. */
export interface ProbeSettings {
  /** R, in the parameters' units: ball radius and largest finite-difference step */
  radius: number;
  /** gradient samples in the ball (default {@link DEFAULT_SAMPLES}) */
  samples?: number;
  /** seed of the sample points (default 1) */
  seed?: number;
  /** halvings of the step (default {@link DEFAULT_PROBE_LEVELS}, ≥ 2) */
  levels?: number;
  /** value noise floor (default {@link DEFAULT_VALUE_TOL}) */
  valueTol?: number;
}

/** The probe of a function of parameter vectors, per parameter index. */
export interface LocalProbe {
  verdict: Verdict;
  /** one line saying why */
  reason: string;
  /** value at the point */
  value: number;
  /** AD gradient at the point (the branch derivative when at a kink) */
  grad: number[];
  /** [right, left] derivative along each parameter, both as slopes along +x */
  directional: [number, number][];
  /** componentwise [min, max] of the AD gradients sampled in the ball */
  range: [number, number][];
  /** non-smooth decisions near their boundary at the point, nearest first */
  kinks: Kink[];
}

/** A function the probe can examine: plain value and AD gradient of a parameter vector. */
export interface ProbedFunction {
  value(x: readonly number[]): number;
  gradient(x: readonly number[]): PointGradient;
}

/** A point uniform in the ball of radius r around x (direction from normals, radius r·u^{1/n}). */
function pointInBall(x: readonly number[], r: number, rng: ReturnType<typeof seededRng>): number[] {
  const dir = x.map(() => rng.normal());
  const norm = Math.hypot(...dir);
  const scale = (r * rng.uniform() ** (1 / x.length)) / (norm > 0 ? norm : 1);
  return x.map((v, j) => v + scale * dir[j]);
}

function sidesDiffer(right: OneSided, left: OneSided, valueTol: number): boolean {
  const noise = (2 * valueTol) / right.step;
  const tol = KINK_RTOL * Math.max(Math.abs(right.slope), Math.abs(left.slope)) + 4 * (right.error + left.error) + noise;
  return Math.abs(right.slope - left.slope) > tol;
}

function fmt(v: number): string {
  return Number(v.toPrecision(4)).toString();
}

/**
 * Probe `f` at `x` (module comment): one-sided derivatives, the gradient range over the
 * ball of radius `radius`, and a verdict. `names` label the parameters in the reason.
 *
 * @example
 * const abs = { value: ([x]: readonly number[]) => Math.abs(x),
 *               gradient: ([x]: readonly number[]) => ({ value: Math.abs(x), grad: [Math.sign(x)], kinks: [] }) };
 * probeFunction(abs, [0], { radius: 1e-3 }); // verdict 'kink', directional [[1, −1]], range [[−1, 1]]
 */
export function probeFunction(f: ProbedFunction, x: readonly number[], opts: ProbeSettings, names?: readonly string[]): LocalProbe {
  const { radius } = opts;
  const samples = opts.samples ?? DEFAULT_SAMPLES;
  const levels = opts.levels ?? DEFAULT_PROBE_LEVELS;
  const valueTol = opts.valueTol ?? DEFAULT_VALUE_TOL;
  if (!(radius > 0) || !Number.isFinite(radius)) throw new RangeError(`probe: radius must be a finite number > 0, got ${radius}`);
  if (!Number.isInteger(samples) || samples < 0) throw new RangeError(`probe: samples must be a whole number >= 0, got ${samples}`);
  const label = (j: number) => names?.[j] ?? `x[${j}]`;

  const centre = f.gradient(x);
  const phi0 = f.value(x);
  // one-sided slopes and jump tests along ±each parameter
  const sides = x.map((_, j) => {
    const phi = (s: number) => f.value(x.map((v, i) => (i === j ? v + s : v)));
    return [oneSided(phi, phi0, 1, radius, levels, valueTol), oneSided(phi, phi0, -1, radius, levels, valueTol)] as const;
  });
  // gradients in the ball
  const rng = seededRng(opts.seed ?? 1);
  const range: [number, number][] = centre.grad.map((g) => [g, g]);
  for (let s = 0; s < samples; s++) {
    const g = f.gradient(pointInBall(x, radius, rng)).grad;
    g.forEach((v, j) => (range[j] = [Math.min(range[j][0], v), Math.max(range[j][1], v)]));
  }

  let verdict: Verdict = 'smooth';
  let reason = 'one-sided derivatives agree along every parameter and the value is continuous';
  const jumping = sides.flatMap(([right, left], j) =>
    [right, left].filter((side) => side.valueJump !== null).map((side) => ({ j, side, sign: side === right ? '+' : '−' })),
  );
  const differing = sides.findIndex(([right, left]) => sidesDiffer(right, left, valueTol));
  if (jumping.length > 0) {
    const { j, side, sign } = jumping[0];
    verdict = 'discontinuous';
    reason = `the value jumps by ${fmt(side.valueJump as number)} along ${sign}${label(j)} within ${fmt(side.step)}: difference quotients blow up as the step shrinks`;
  } else if (differing >= 0) {
    const [right, left] = sides[differing];
    verdict = 'kink';
    reason = `one-sided derivatives along ${label(differing)} differ: right ${fmt(right.slope)}, left ${fmt(left.slope)} (the value is continuous)`;
  } else {
    // smooth AT the point; say so when the ball around it is not (hard contact's staircase
    // of onsets: every sample may sit on a different branch)
    const rough = range.findIndex(([lo, hi], j) => hi - lo > ROUGH_SPREAD * Math.max(Math.abs(sides[j][0].slope), Math.abs(sides[j][1].slope)));
    if (rough >= 0) {
      const [lo, hi] = range[rough];
      reason += `, but AD gradients within ${fmt(radius)} span [${fmt(lo)}, ${fmt(hi)}] along ${label(rough)}: kinks or jumps lie inside the ball (a sweep locates them)`;
    }
  }
  return {
    verdict,
    reason,
    value: centre.value,
    grad: centre.grad,
    directional: sides.map(([right, left]) => [right.slope, left.slope]),
    range,
    kinks: centre.kinks,
  };
}

/** What to probe in a scene. */
export interface ProbeOptions extends ProbeSettings {
  /** final-state quantity, one component (e.g. `ball.position.z`) */
  of: string;
  /** parameters (e.g. `ball.position.z`, `contact.stiffness`) */
  wrt: readonly string[];
  /** kinks reported by `gradient()` within this margin (default 1e-3, see sim/gradient.ts) */
  kinkTol?: number;
}

/** The local probe (`LocalProbe`) of a scene, keyed by parameter path as written. */
export interface ProbeResult {
  verdict: Verdict;
  reason: string;
  value: number;
  grad: Record<string, number>;
  /** `[d+, d−]`: the right and left derivatives, both as slopes along +parameter */
  directional: Record<string, [number, number]>;
  /** [min, max] of each gradient component over the ball (a Clarke-gradient estimate) */
  range: Record<string, [number, number]>;
  kinks: Kink[];
}

/**
 * Probe the gradient of `of` w.r.t. `wrt` at the scene's own parameter values, within
 * radius R (module comment). The scene is not modified.
 *
 * @example
 * // a ball that touches the ground exactly at the last step, penalty contact
 * const p = probe(scene, { of: 'ball.linearVelocity.z', wrt: ['ball.position.z'], radius: 1e-4 });
 * p.verdict;                         // 'kink'
 * p.directional['ball.position.z'];  // [0, −k·dt/m]: out of contact above, in contact below
 */
export function probe(scene: Scene, opts: ProbeOptions): ProbeResult {
  const f = sceneFunction(scene, opts.of, opts.wrt, { kinkTol: opts.kinkTol });
  const local = probeFunction(f, f.x0, opts, f.wrt);
  const byPath = <T>(values: readonly T[]): Record<string, T> => Object.fromEntries(f.wrt.map((p, j) => [p, values[j]]));
  return {
    verdict: local.verdict,
    reason: local.reason,
    value: local.value,
    grad: byPath(local.grad),
    directional: byPath(local.directional),
    range: byPath(local.range),
    kinks: local.kinks,
  };
}
