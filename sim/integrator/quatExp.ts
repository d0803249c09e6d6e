/**
 * The quaternion exponential of a pure quaternion u = (0, u), with its tangent and adjoint:
 *
 *   exp(u) = [cos a, (sin a / a) · u],   a = |u|,
 *
 * a unit quaternion rotating by 2a about û. The integrator uses u = ½·dt·ω, so exp(u) is
 * the exact rotation of one step at constant angular velocity ω.
 *
 * Both coefficients are written as functions of s = a² = u·u rather than of a:
 *
 *   C(s) = cos √s = Σ (−s)ⁿ / (2n)!,   S(s) = sin √s / √s = Σ (−s)ⁿ / (2n+1)!,
 *
 * so they and their derivatives are smooth at u = 0 (a = |u| is not). With dC/ds = −S/2
 * (exact everywhere) and dS/ds = (C − S) / (2s), the derivatives need no square root of
 * u·u and no division by |u|. Below `EXP_TAYLOR_MAX_S` the series are summed instead of
 * calling cos/sin: (C − S) / (2s) cancels catastrophically as s → 0 and 0/0 at s = 0, which
 * would make the gradient wrong or NaN exactly where bodies are at rest.
 */

/**
 * Largest s = |u|² (rad²) summed by the series. At s = 0.25 (a rotation of 1 rad per step,
 * far beyond any sensible step) the first dropped terms, s⁹/18! in C and 9s⁸/19! in dS/ds,
 * are below 10⁻²⁰, so the series are exact to rounding on the whole branch; above it the
 * cancellation in (C − S)/(2s) loses at most log₁₀(3/s) ≈ 1 digit.
 */
export const EXP_TAYLOR_MAX_S = 0.25;

/** Terms of each series (n = 0 … 8); see `EXP_TAYLOR_MAX_S` for the truncation error. */
const SERIES_TERMS = 9;

/** 1/(2n)! and 1/(2n+1)! with alternating signs: the series of C and S in s. */
export const COS_SERIES = new Float64Array(SERIES_TERMS);
export const SINC_SERIES = new Float64Array(SERIES_TERMS);
/** n·(−1)ⁿ/(2n+1)! for n = 1 … SERIES_TERMS: the series of dS/ds, in powers s^(n−1). */
const SINC_SLOPE_SERIES = new Float64Array(SERIES_TERMS);
{
  let factorial = 1; // (2n)!
  for (let n = 0; n < SERIES_TERMS; n++) {
    if (n > 0) factorial *= 2 * n * (2 * n - 1);
    const sign = n % 2 === 0 ? 1 : -1;
    COS_SERIES[n] = sign / factorial;
    SINC_SERIES[n] = sign / (factorial * (2 * n + 1));
  }
  for (let n = 1; n <= SERIES_TERMS; n++) {
    let f = 1;
    for (let k = 2; k <= 2 * n + 1; k++) f *= k;
    SINC_SLOPE_SERIES[n - 1] = ((n % 2 === 0 ? 1 : -1) * n) / f;
  }
}

/** [C, S, dS/ds, s] of the current call; module scratch, overwritten by every call. */
const _coef = new Float64Array(4);

/**
 * Write `[C(s), S(s), dS/ds]` (see the file header) to `out[0..2]`; dC/ds is −S/2.
 * Exact to rounding for every s ≥ 0, including s = 0 (C = 1, S = 1, dS/ds = −1/6).
 *
 * @example
 * expMapCoefficients(c, 0); // c = [1, 1, -1/6]
 */
export function expMapCoefficients(out: Float64Array, s: number): Float64Array {
  _coef[3] = s;
  fillCoefficients(_coef);
  out[0] = _coef[0];
  out[1] = _coef[1];
  out[2] = _coef[2];
  return out;
}

/**
 * `[C, S, dS/ds]` into `out[0..2]` for the argument s = `out[3]`: the argument travels in the
 * array, as a double argument of a call that is not inlined would be boxed (the tangent
 * and adjoint run this per body and direction). The same values as {@link expMapCoefficients}.
 *
 * @example
 * const c = Float64Array.of(0, 0, 0, 0.01);
 * expMapCoefficientsIn(c); // c[0..2] = [C(0.01), S(0.01), dS/ds(0.01)]
 */
export function expMapCoefficientsIn(out: Float64Array): Float64Array {
  return fillCoefficients(out);
}

/** {@link expMapCoefficientsIn}'s body (module-private: the name the module's own callers use). */
function fillCoefficients(out: Float64Array): Float64Array {
  const s = out[3];
  if (s < EXP_TAYLOR_MAX_S) {
    // Horner's scheme written out: a helper returning a double would box it on every call
    let c = COS_SERIES[COS_SERIES.length - 1];
    for (let k = COS_SERIES.length - 2; k >= 0; k--) c = c * s + COS_SERIES[k];
    out[0] = c;
    sincSeries(out);
  } else {
    const a = Math.sqrt(s);
    const c = Math.cos(a);
    const sinc = Math.sin(a) / a;
    out[0] = c;
    out[1] = sinc;
    out[2] = (c - sinc) / (2 * s);
  }
  return out;
}

/** The series of S and dS/ds at s = `out[3]` (below `EXP_TAYLOR_MAX_S`) into `out[1..2]`. */
function sincSeries(out: Float64Array): void {
  const s = out[3];
  let sinc = SINC_SERIES[SINC_SERIES.length - 1];
  for (let k = SINC_SERIES.length - 2; k >= 0; k--) sinc = sinc * s + SINC_SERIES[k];
  let slope = SINC_SLOPE_SERIES[SINC_SLOPE_SERIES.length - 1];
  for (let k = SINC_SLOPE_SERIES.length - 2; k >= 0; k--) slope = slope * s + SINC_SLOPE_SERIES[k];
  out[1] = sinc;
  out[2] = slope;
}

/**
 * `[·, S, dS/ds]` into `out[1..2]` for s = `out[3]`, exactly as {@link fillCoefficients}
 * computes them but without C's series (the adjoint reads S and dS/ds only; on the
 * closed-form branch dS/ds needs C).
 */
function fillSincCoefficients(out: Float64Array): Float64Array {
  if (out[3] < EXP_TAYLOR_MAX_S) {
    sincSeries(out);
    return out;
  }
  return fillCoefficients(out);
}

/**
 * exp(u) of the pure quaternion u = `u[uOff..uOff+2]`: writes the unit quaternion
 * (w, x, y, z) to `out[outOff..outOff+3]` and returns `out`. Allocates nothing.
 *
 * @example
 * // the rotation of one step of length dt at world angular velocity w
 * quatExp(dq, 0, Float64Array.of(0.5 * dt * w[0], 0.5 * dt * w[1], 0.5 * dt * w[2]), 0);
 */
export function quatExp(out: Float64Array, outOff: number, u: Float64Array, uOff: number): Float64Array {
  const ux = u[uOff],
    uy = u[uOff + 1],
    uz = u[uOff + 2];
  _coef[3] = ux * ux + uy * uy + uz * uz;
  const c = fillCoefficients(_coef);
  const sinc = c[1];
  out[outOff] = c[0];
  out[outOff + 1] = sinc * ux;
  out[outOff + 2] = sinc * uy;
  out[outOff + 3] = sinc * uz;
  return out;
}

/**
 * Tangent of `quatExp`: d exp(u)[u̇] = [−½S·ṡ, dS/ds·ṡ·u + S·u̇] with ṡ = 2 u·u̇.
 * Writes the quaternion tangent to `out[outOff..outOff+3]`.
 */
export function quatExpTangent(
  out: Float64Array,
  outOff: number,
  u: Float64Array,
  uOff: number,
  uDot: Float64Array,
  uDotOff: number,
): Float64Array {
  const ux = u[uOff],
    uy = u[uOff + 1],
    uz = u[uOff + 2];
  _coef[3] = ux * ux + uy * uy + uz * uz;
  return quatExpTangentWith(out, outOff, u, uOff, uDot, uDotOff, fillCoefficients(_coef));
}

/**
 * {@link quatExpTangent} with exp's coefficients `coef` = [C, S, dS/ds] at |u|² given
 * ({@link expMapCoefficients}): for several tangents at one u, the coefficients once.
 */
export function quatExpTangentWith(
  out: Float64Array,
  outOff: number,
  u: Float64Array,
  uOff: number,
  uDot: Float64Array,
  uDotOff: number,
  coef: Float64Array,
): Float64Array {
  const ux = u[uOff],
    uy = u[uOff + 1],
    uz = u[uOff + 2];
  const dx = uDot[uDotOff],
    dy = uDot[uDotOff + 1],
    dz = uDot[uDotOff + 2];
  const sinc = coef[1],
    sincSlope = coef[2];
  const sDot = 2 * (ux * dx + uy * dy + uz * dz);
  out[outOff] = -0.5 * sinc * sDot;
  out[outOff + 1] = sincSlope * sDot * ux + sinc * dx;
  out[outOff + 2] = sincSlope * sDot * uy + sinc * dy;
  out[outOff + 3] = sincSlope * sDot * uz + sinc * dz;
  return out;
}

/**
 * Adjoint of `quatExp`: given the cotangent q̄ = (c̄, v̄) of exp(u), writes
 * ū = S·v̄ + 2u·(−½S·c̄ + dS/ds·(u·v̄)) to `out[outOff..outOff+2]` (overwrites, does not add).
 */
export function quatExpAdjoint(
  out: Float64Array,
  outOff: number,
  u: Float64Array,
  uOff: number,
  qBar: Float64Array,
  qBarOff: number,
): Float64Array {
  const ux = u[uOff],
    uy = u[uOff + 1],
    uz = u[uOff + 2];
  const cBar = qBar[qBarOff],
    vx = qBar[qBarOff + 1],
    vy = qBar[qBarOff + 2],
    vz = qBar[qBarOff + 3];
  _coef[3] = ux * ux + uy * uy + uz * uz;
  const c = fillSincCoefficients(_coef);
  const sinc = c[1],
    sincSlope = c[2];
  const sBar = -0.5 * sinc * cBar + sincSlope * (ux * vx + uy * vy + uz * vz);
  out[outOff] = sinc * vx + 2 * sBar * ux;
  out[outOff + 1] = sinc * vy + 2 * sBar * uy;
  out[outOff + 2] = sinc * vz + 2 * sBar * uz;
  return out;
}
