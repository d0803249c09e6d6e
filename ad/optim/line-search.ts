/**
 * Line searches along a search direction d from x₀, for L-BFGS.
 *
 * - `strongWolfe`: Nocedal & Wright, Numerical Optimization (2nd ed.), Algorithms 3.5
 *   (bracketing) and 3.6 (zoom, safeguarded cubic interpolation). Accepts α with
 *   f(α) ≤ f₀ + c₁·α·f'₀ and |f'(α)| ≤ c₂·|f'₀|; the curvature condition guarantees sᵀy > 0
 *   on smooth objectives, so the quasi-Newton update stays positive definite.
 * - `backtracking`: Armijo backtracking along a possibly projected path x(α) with
 *   safeguarded quadratic interpolation; the sufficient-decrease test uses the predicted
 *   change g₀ᵀ(x(α) − x₀), which is what projected methods use (Bertsekas 1982).
 *
 * Both evaluate the objective through a caller-supplied `trial(α)`, so the searches know
 * nothing of bounds. On a non-smooth objective the strong-Wolfe search may fail to find
 * a point meeting the curvature condition; it then returns the best point meeting the
 * sufficient-decrease condition (`wolfe: false`), and the caller decides whether to
 * store the curvature pair.
 */

/** One evaluation of the objective along the search path. */
export interface Trial {
  alpha: number;
  x: number[];
  value: number;
  grad: readonly number[];
  /** directional derivative g(α)ᵀd (used by the strong-Wolfe search) */
  slope: number;
  /** predicted change g₀ᵀ(x(α) − x₀): α·f'₀ on a straight path */
  predicted: number;
  /** false if the value or a gradient component is NaN or infinite */
  finite: boolean;
}

/** Tuning of the line searches. */
export interface LineSearchOptions {
  /** sufficient-decrease constant, 0 < c1 < c2 (default 1e-4) */
  c1?: number;
  /** curvature constant of the strong-Wolfe search, c1 < c2 < 1 (default 0.9, for quasi-Newton) */
  c2?: number;
  /** evaluations allowed per search (default 20) */
  maxEvaluations?: number;
}

/** The line searches L-BFGS can use. */
export type LineSearchKind = 'weakWolfe' | 'strongWolfe' | 'backtracking';

export type LineSearchStatus = 'ok' | 'nonFinite' | 'failed';

export interface LineSearchResult {
  status: LineSearchStatus;
  /** the accepted point ('ok'), the offending point ('nonFinite'), or absent ('failed') */
  trial?: Trial;
  /** whether the accepted point also meets the strong-Wolfe curvature condition */
  wolfe: boolean;
  evaluations: number;
}

interface Settings {
  c1: number;
  c2: number;
  maxEvaluations: number;
}

/** Resolves defaults and checks 0 < c1 < c2 < 1. */
export function lineSearchSettings(opts: LineSearchOptions = {}): Settings {
  const c1 = opts.c1 ?? 1e-4;
  const c2 = opts.c2 ?? 0.9;
  const maxEvaluations = opts.maxEvaluations ?? 20;
  if (!(c1 > 0 && c1 < c2 && c2 < 1))
    throw new RangeError(`line search: need 0 < c1 < c2 < 1, got c1 = ${c1}, c2 = ${c2}`);
  if (!(maxEvaluations >= 1)) throw new RangeError(`line search: maxEvaluations must be ≥ 1, got ${maxEvaluations}`);
  return { c1, c2, maxEvaluations };
}

// fraction of a bracket kept clear of its ends, so interpolation cannot stall at an end
const SAFEGUARD = 0.1;
// growth of α while the bracketing phase is still going downhill
const EXPAND = 2;
// bracket width (relative to α) below which zooming further is pointless in float64
const MIN_RELATIVE_WIDTH = 1e-12;

/** Minimiser of the cubic through (a, fa, da) and (b, fb, db); NaN if it has none. */
function cubicMinimizer(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  const d1 = da + db - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - da * db;
  if (!(disc >= 0)) return NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  return b - ((b - a) * (db + d2 - d1)) / (db - da + 2 * d2);
}

/** Minimiser of the quadratic through (a, fa) with slope da and through (b, fb); NaN if it has none. */
function quadraticMinimizer(a: number, fa: number, da: number, b: number, fb: number): number {
  const h = b - a;
  const curvature = fb - fa - da * h;
  if (!(curvature > 0)) return NaN;
  return a - (da * h * h) / (2 * curvature);
}

/**
 * Next trial of the zoom: of the cubic and quadratic interpolants' minimisers, the one
 * nearer `a` (the lower end), clamped into [lower, upper]; bisection if neither exists.
 * The quadratic ignores the slope at `b`, which matters on a non-smooth objective: a kink
 * between a and b makes that slope meaningless for the cubic, and the quadratic still
 * shrinks the step quickly towards a.
 */
function zoomPoint(
  a: number,
  fa: number,
  da: number,
  b: number,
  fb: number,
  db: number,
  lower: number,
  upper: number,
): number {
  const cubic = cubicMinimizer(a, fa, da, b, fb, db);
  const quadratic = quadraticMinimizer(a, fa, da, b, fb);
  let best = NaN;
  for (const candidate of [cubic, quadratic]) {
    if (candidate - candidate !== 0) continue;
    if (best !== best || Math.abs(candidate - a) < Math.abs(best - a)) best = candidate;
  }
  if (best !== best) return 0.5 * (a + b);
  return Math.min(Math.max(best, lower), upper);
}

/**
 * Strong-Wolfe line search on a straight path. `slope0 = g₀ᵀd` must be negative.
 */
export function strongWolfe(
  trial: (alpha: number) => Trial,
  value0: number,
  slope0: number,
  alpha0: number,
  settings: Settings,
): LineSearchResult {
  const { c1, c2, maxEvaluations } = settings;
  let evaluations = 0;
  const armijo = (t: Trial) => t.value <= value0 + c1 * t.alpha * slope0;
  const curvature = (t: Trial) => Math.abs(t.slope) <= -c2 * slope0;
  const fail = (best: Trial | null): LineSearchResult =>
    best ? { status: 'ok', trial: best, wolfe: false, evaluations } : { status: 'failed', wolfe: false, evaluations };

  // zoom: lo meets sufficient decrease and is the lowest seen; the minimiser lies between lo and hi
  const zoom = (lo: Trial | null, loAlpha: number, loValue: number, loSlope: number, hi: Trial): LineSearchResult => {
    let hiT = hi;
    for (;;) {
      if (evaluations >= maxEvaluations) return fail(lo);
      const a = loAlpha;
      const b = hiT.alpha;
      const width = Math.abs(b - a);
      if (width <= MIN_RELATIVE_WIDTH * Math.max(a, b)) return fail(lo);
      const lower = Math.min(a, b) + SAFEGUARD * width;
      const upper = Math.max(a, b) - SAFEGUARD * width;
      const alpha = zoomPoint(a, loValue, loSlope, b, hiT.value, hiT.slope, lower, upper);
      const t = trial(alpha);
      evaluations++;
      if (!t.finite) return { status: 'nonFinite', trial: t, wolfe: false, evaluations };
      if (!armijo(t) || t.value >= loValue) {
        hiT = t;
        continue;
      }
      if (curvature(t)) return { status: 'ok', trial: t, wolfe: true, evaluations };
      if (t.slope * (b - a) >= 0) {
        // the minimiser is on the other side of t: the old lo becomes hi
        if (lo) hiT = lo;
        else hiT = { ...t, alpha: a, value: loValue, slope: loSlope };
      }
      lo = t;
      loAlpha = t.alpha;
      loValue = t.value;
      loSlope = t.slope;
    }
  };

  let prev: Trial | null = null;
  let prevAlpha = 0;
  let prevValue = value0;
  let prevSlope = slope0;
  let alpha = alpha0;
  for (;;) {
    if (evaluations >= maxEvaluations) return fail(prev);
    const t = trial(alpha);
    evaluations++;
    if (!t.finite) return { status: 'nonFinite', trial: t, wolfe: false, evaluations };
    if (!armijo(t) || (prev && t.value >= prevValue)) return zoom(prev, prevAlpha, prevValue, prevSlope, t);
    if (curvature(t)) return { status: 'ok', trial: t, wolfe: true, evaluations };
    if (t.slope >= 0)
      return zoom(t, t.alpha, t.value, t.slope, prev ?? { ...t, alpha: 0, value: value0, slope: slope0 });
    prev = t;
    prevAlpha = t.alpha;
    prevValue = t.value;
    prevSlope = t.slope;
    alpha *= EXPAND;
  }
}

// backtracking keeps each new α within [SHRINK_MIN, SHRINK_MAX]·α of the last one
const SHRINK_MIN = 0.1;
const SHRINK_MAX = 0.5;

/**
 * Armijo backtracking on a straight or projected path: accepts the first α with
 * g₀ᵀ(x(α) − x₀) < 0 and f(α) ≤ f₀ + c1·g₀ᵀ(x(α) − x₀).
 */
export function backtracking(
  trial: (alpha: number) => Trial,
  value0: number,
  alpha0: number,
  settings: Settings,
): LineSearchResult {
  const { c1, maxEvaluations } = settings;
  let alpha = alpha0;
  for (let evaluations = 1; evaluations <= maxEvaluations; evaluations++) {
    const t = trial(alpha);
    if (!t.finite) return { status: 'nonFinite', trial: t, wolfe: false, evaluations };
    if (t.predicted < 0 && t.value <= value0 + c1 * t.predicted)
      return { status: 'ok', trial: t, wolfe: false, evaluations };
    // quadratic through f₀, the predicted slope and f(α); halve when that model is useless
    let next = 0.5 * alpha;
    if (t.predicted < 0) {
      const curvatureTerm = t.value - value0 - t.predicted;
      if (curvatureTerm > 0) next = (-t.predicted * alpha) / (2 * curvatureTerm);
    }
    alpha = Math.min(Math.max(next, SHRINK_MIN * alpha), SHRINK_MAX * alpha);
  }
  return { status: 'failed', wolfe: false, evaluations: maxEvaluations };
}

/**
 * Weak-Wolfe line search by bisection and doubling (Lewis & Overton, "Nonsmooth
 * optimization via quasi-Newton methods", Math. Program. 2013): accepts α with
 * f(α) ≤ f₀ + c₁·α·f'₀ and f'(α) ≥ c₂·f'₀. Unlike strong Wolfe it accepts a point just past
 * a kink, where the slope has jumped up, so the curvature pair records the kink as large
 * curvature instead of the search homing in on the kink itself.
 */
export function weakWolfe(
  trial: (alpha: number) => Trial,
  value0: number,
  slope0: number,
  alpha0: number,
  settings: Settings,
): LineSearchResult {
  const { c1, c2, maxEvaluations } = settings;
  let lo: Trial | null = null;
  let hiAlpha = Infinity;
  let alpha = alpha0;
  for (let evaluations = 1; evaluations <= maxEvaluations; evaluations++) {
    const t = trial(alpha);
    if (!t.finite) return { status: 'nonFinite', trial: t, wolfe: false, evaluations };
    if (t.value > value0 + c1 * alpha * slope0) {
      hiAlpha = alpha;
    } else if (t.slope < c2 * slope0) {
      lo = t;
    } else {
      return { status: 'ok', trial: t, wolfe: true, evaluations };
    }
    alpha = hiAlpha < Infinity ? 0.5 * ((lo?.alpha ?? 0) + hiAlpha) : EXPAND * alpha;
  }
  return lo
    ? { status: 'ok', trial: lo, wolfe: false, evaluations: maxEvaluations }
    : { status: 'failed', wolfe: false, evaluations: maxEvaluations };
}
