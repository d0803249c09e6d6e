/**
 * Root finding for the gap functions of events: the closed-form first downward crossing of a
 * quadratic (sphere–plane, sphere–sphere), and a bracketing scan with bisection and a
 * golden-section refinement of local minima for the gaps of rotating features (box corners,
 * capsule ends). Times are absolute seconds; roots are found to ~1e-15 s (bisection to the
 * last representable bracket), well inside the brief's 1e-13 s.
 */

/** Relative tolerance below which a quadratic coefficient counts as zero (gravity off). */
const LINEAR_EPS = 1e-14;

/**
 * First τ in (0, τmax] where a τ² + b τ + c crosses zero going down (a root with negative
 * slope), or null. A root at τ = 0 with positive slope (the contact that just bounced) is
 * not a crossing.
 */
export function firstDownwardRootOfQuadratic(a: number, b: number, c: number, tauMax: number): number | null {
  const scale = Math.abs(b) + Math.sqrt(Math.abs(a * c)) + 1e-300;
  let root: number | null;
  if (Math.abs(a) * Math.max(tauMax, 1) <= LINEAR_EPS * scale) {
    root = b < 0 ? -c / b : null;
  } else {
    const disc = b * b - 4 * a * c;
    if (disc < 0) return null;
    // numerically stable pair of roots
    const s = -0.5 * (b + Math.sign(b || 1) * Math.sqrt(disc));
    const r1 = s / a;
    const r2 = s !== 0 ? c / s : r1;
    const [lo, hi] = r1 < r2 ? [r1, r2] : [r2, r1];
    // the downward crossing is the smaller root of an upward parabola, the larger of a downward one
    root = a > 0 ? lo : hi;
  }
  if (root === null || !(root > 0) || root > tauMax) return null;
  // slope 2aτ + b must be negative (not a root the gap leaves upward)
  return 2 * a * root + b < 0 ? root : null;
}

/** Bisection of f on [lo, hi] with f(lo) > 0 ≥ f(hi), to the last representable bracket. */
export function bisectDownward(f: (t: number) => number, lo: number, hi: number): number {
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if (f(mid) > 0) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Minimum of a unimodal f on [lo, hi] by golden section, to ~1e-12 s. */
export function goldenMinimum(f: (t: number) => number, lo: number, hi: number): { t: number; value: number } {
  const phi = (Math.sqrt(5) - 1) / 2;
  let a = lo;
  let b = hi;
  let c = b - phi * (b - a);
  let d = a + phi * (b - a);
  let fc = f(c);
  let fd = f(d);
  while (b - a > 1e-12) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - phi * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + phi * (b - a);
      fd = f(d);
    }
  }
  const t = 0.5 * (a + b);
  return { t, value: f(t) };
}

/** What a scan of a gap function over (t0, t1] found. */
export interface ScanResult {
  /** first downward zero crossing, or null */
  root: number | null;
  /** smallest positive local minimum of the gap before the root (or t1), and the gap at t1 if still closing; Infinity if none */
  nearest: number;
}

/**
 * Scan `gap` over (t0, t1] at `step`, bisect the first downward crossing, and refine every
 * sampled local minimum (a graze between samples that dips below zero is a crossing too).
 */
export function scanGap(gap: (t: number) => number, t0: number, t1: number, step: number): ScanResult {
  let nearest = Infinity;
  const n = Math.max(1, Math.ceil((t1 - t0) / step));
  const times: number[] = [t0];
  const gaps: number[] = [gap(t0)];
  for (let i = 1; i <= n; i++) {
    const t = i === n ? t1 : t0 + i * step;
    const g = gap(t);
    times.push(t);
    gaps.push(g);
    if (gaps[i - 1] > 0 && g <= 0) return { root: bisectDownward(gap, times[i - 1], t), nearest };
    // gaps[i-1] a sampled local minimum: refine it
    if (i >= 2 && gaps[i - 1] < gaps[i - 2] && gaps[i - 1] <= g) {
      const m = goldenMinimum(gap, times[i - 2], t);
      if (m.value <= 0 && gaps[i - 2] > 0) return { root: bisectDownward(gap, times[i - 2], m.t), nearest };
      if (m.value > 0) nearest = Math.min(nearest, m.value);
    }
  }
  if (gaps[n] < gaps[n - 1] && gaps[n] > 0) nearest = Math.min(nearest, gaps[n]);
  return { root: null, nearest };
}
