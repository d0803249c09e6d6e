/**
 * Non-smooth ops. Each one, when a traced input reaches it, records its *margin* (the
 * distance of its input to the decision boundary) and an optional label in the kink log,
 * so a gradient comes back with a report of how close it was to a branch change.
 *
 * Conventions at the kink (reverse mode), each overridable per call with `{ atKink }`:
 *
 * | op            | boundary          | default at the boundary         | `atKink` means                 |
 * | ------------- | ----------------- | ------------------------------- | ------------------------------ |
 * | abs(x)        | x = 0             | slope 0                         | slope, in [-1, 1]              |
 * | relu(x)       | x = 0             | slope 0                         | slope, in [0, 1]               |
 * | max(a, b)     | a = b             | ½ to each                       | weight of `a`, in [0, 1]       |
 * | min(a, b)     | a = b             | ½ to each                       | weight of `a`, in [0, 1]       |
 * | clamp(x,l,h)  | x = l or x = h    | ½ to x, ½ to the bound          | weight of `x`, in [0, 1]       |
 * | sign(x)       | x = 0 (value jumps)| slope 0                        | surrogate slope, any real      |
 * | step(x)       | x = 0 (value jumps)| slope 0                        | surrogate slope, any real      |
 * | floor(x)      | integers (jumps)  | slope 0                         | surrogate slope, any real      |
 * | round(x)      | half-integers     | slope 0                         | surrogate slope, any real      |
 * | where(c,a,b)  | c = 0 (may jump)  | the `b` branch (c > 0 is false) | weight of `a`, in [0, 1]       |
 *
 * Away from its boundary every op has its ordinary derivative (0 for the piecewise-constant
 * ops: sign, step, floor, round). `step(x)` is 1 for x > 0 and 0 otherwise, like `where`.
 *
 * Forward mode (`jvp`) ignores `atKink` and returns the one-sided directional derivative
 * along the tangent: abs at 0 gives |ẋ|, relu at 0 gives max(0, ẋ), max at a tie gives
 * max(ȧ, ḃ), min at a tie min(ȧ, ḃ), clamp at a bound the clamped tangent. For the ops
 * whose *value* jumps (sign, step, floor, round, where with a ≠ b) there is no finite
 * directional derivative when the direction crosses the boundary; forward mode returns
 * the tangent of the branch the direction enters (0 for the piecewise-constant ops) and
 * the kink is reported with `jump: true`, so the caller can tell.
 */
import { MODE_NONE, T, defineOp, isForward, recordKink, tangentVar, unaryOp, finishOp, type Real } from './tape.ts';
import { value } from './ops.ts';

/** Per-call options of a non-smooth op. */
export interface KinkOptions {
  /** element of the (generalized) derivative used exactly at the boundary; see the table */
  atKink?: number;
  /** names the decision in kink reports, e.g. `contact ball/ground step 311` */
  label?: string;
}

const OP_ABS = defineOp('abs');
const OP_RELU = defineOp('relu');
const OP_MAX = defineOp('max');
const OP_MIN = defineOp('min');
const OP_CLAMP = defineOp('clamp');
const OP_SIGN = defineOp('sign');
const OP_STEP = defineOp('step');
const OP_FLOOR = defineOp('floor');
const OP_ROUND = defineOp('round');
const OP_WHERE = defineOp('where');

function checkedWeight(w: number, lo: number, hi: number, op: string): number {
  if (!(w >= lo && w <= hi)) {
    throw new RangeError(`ad.${op}: atKink ${w} is outside the subdifferential [${lo}, ${hi}]`);
  }
  return w;
}

function checkedSlope(s: number, op: string): number {
  if (s - s !== 0) throw new RangeError(`ad.${op}: atKink must be a finite number, got ${s}`);
  return s;
}

/** |x|. Kink at 0: slope 0 by default (the minimum-norm subgradient). */
export function abs(x: Real, opts?: KinkOptions): Real {
  if (typeof x === 'number') return Math.abs(x);
  const xv = x.v;
  const v = Math.abs(xv);
  recordKink(OP_ABS, v, opts?.label, false);
  if (xv === 0) {
    if (isForward()) return tangentVar(OP_ABS, 0, Math.abs(x.t));
    return unaryOp(OP_ABS, 0, x, checkedWeight(opts?.atKink ?? 0, -1, 1, 'abs'));
  }
  return unaryOp(OP_ABS, v, x, xv > 0 ? 1 : -1);
}

/** max(x, 0). Kink at 0: slope 0 by default. */
export function relu(x: Real, opts?: KinkOptions): Real {
  if (typeof x === 'number') return x > 0 ? x : 0;
  const xv = x.v;
  recordKink(OP_RELU, Math.abs(xv), opts?.label, false);
  if (xv === 0) {
    if (isForward()) return tangentVar(OP_RELU, 0, Math.max(0, x.t));
    return unaryOp(OP_RELU, 0, x, checkedWeight(opts?.atKink ?? 0, 0, 1, 'relu'));
  }
  return xv > 0 ? unaryOp(OP_RELU, xv, x, 1) : unaryOp(OP_RELU, 0, x, 0);
}

function tangentOf(x: Real): number {
  return typeof x === 'number' ? 0 : x.t;
}

/** max(a, b). At a tie each argument gets ½ by default; `atKink` is the weight of `a`. */
export function max(a: Real, b: Real, opts?: KinkOptions): Real {
  return extremum(OP_MAX, 1, a, b, opts);
}

/** min(a, b). At a tie each argument gets ½ by default; `atKink` is the weight of `a`. */
export function min(a: Real, b: Real, opts?: KinkOptions): Real {
  return extremum(OP_MIN, -1, a, b, opts);
}

function extremum(code: number, sense: 1 | -1, a: Real, b: Real, opts?: KinkOptions): Real {
  const av = value(a);
  const bv = value(b);
  if (typeof a === 'number' && typeof b === 'number') return sense > 0 ? Math.max(av, bv) : Math.min(av, bv);
  recordKink(code, Math.abs(av - bv), opts?.label, false);
  if (av === bv) {
    if (isForward()) {
      const ta = tangentOf(a);
      const tb = tangentOf(b);
      return tangentVar(code, av, sense > 0 ? Math.max(ta, tb) : Math.min(ta, tb));
    }
    const w = checkedWeight(opts?.atKink ?? 0.5, 0, 1, sense > 0 ? 'max' : 'min');
    return finishOp(code, av, a, w, b, 1 - w);
  }
  const pickA = sense > 0 ? av > bv : av < bv;
  const picked = pickA ? a : b;
  if (typeof picked === 'number') return picked;
  return unaryOp(code, picked.v, picked, 1);
}

/**
 * clamp(x, lo, hi) = min(max(x, lo), hi), with lo ≤ hi. At a bound `x` gets weight ½ by
 * default and the bound the rest; `atKink` is the weight of `x`.
 */
export function clamp(x: Real, lo: Real, hi: Real, opts?: KinkOptions): Real {
  const xv = value(x);
  const lov = value(lo);
  const hiv = value(hi);
  if (!(lov <= hiv)) throw new RangeError(`ad.clamp: lower bound ${lov} exceeds upper bound ${hiv}`);
  if (typeof x === 'number' && typeof lo === 'number' && typeof hi === 'number') {
    return xv < lov ? lov : xv > hiv ? hiv : xv;
  }
  recordKink(OP_CLAMP, Math.min(Math.abs(xv - lov), Math.abs(xv - hiv)), opts?.label, false);
  const bound = xv <= lov ? lo : xv >= hiv ? hi : null;
  if (bound === null) return typeof x === 'number' ? x : unaryOp(OP_CLAMP, xv, x, 1);
  const bv = value(bound);
  if (xv !== bv) {
    // strictly outside: the bound's value and derivative
    return typeof bound === 'number' ? bound : unaryOp(OP_CLAMP, bv, bound, 1);
  }
  if (isForward()) {
    const tx = tangentOf(x);
    const tb = tangentOf(bound);
    // at lo the clamp is max(x, lo); at hi it is min(x, hi)
    return tangentVar(OP_CLAMP, bv, bound === lo ? Math.max(tx, tb) : Math.min(tx, tb));
  }
  const w = checkedWeight(opts?.atKink ?? 0.5, 0, 1, 'clamp');
  return finishOp(OP_CLAMP, bv, x, w, bound, 1 - w);
}

/**
 * A piecewise-constant op: value `v`, margin to its nearest jump, surrogate slope at the
 * jump (`atKink`, default 0), slope 0 elsewhere.
 */
function piecewiseConstant(code: number, name: string, x: Real, v: number, margin: number, opts?: KinkOptions): Real {
  if (typeof x === 'number') return v;
  recordKink(code, margin, opts?.label, true);
  if (isForward()) return tangentVar(code, v, 0);
  const slope = margin === 0 ? checkedSlope(opts?.atKink ?? 0, name) : 0;
  return unaryOp(code, v, x, slope);
}

/** sign(x) ∈ {-1, 0, 1}. Jumps at 0; slope 0 (surrogate slope `atKink` at 0). */
export function sign(x: Real, opts?: KinkOptions): Real {
  const xv = value(x);
  return piecewiseConstant(OP_SIGN, 'sign', x, xv > 0 ? 1 : xv < 0 ? -1 : 0, Math.abs(xv), opts);
}

/** step(x) = 1 for x > 0, else 0. Jumps at 0; slope 0 (surrogate slope `atKink` at 0). */
export function step(x: Real, opts?: KinkOptions): Real {
  const xv = value(x);
  return piecewiseConstant(OP_STEP, 'step', x, xv > 0 ? 1 : 0, Math.abs(xv), opts);
}

/** ⌊x⌋. Jumps at integers; slope 0 (surrogate slope `atKink` at an integer). */
export function floor(x: Real, opts?: KinkOptions): Real {
  const xv = value(x);
  const f = Math.floor(xv);
  return piecewiseConstant(OP_FLOOR, 'floor', x, f, Math.min(xv - f, f + 1 - xv), opts);
}

/**
 * Nearest integer, halves rounded up (Math.round). Jumps at half-integers; slope 0
 * (surrogate slope `atKink` at a half-integer).
 */
export function round(x: Real, opts?: KinkOptions): Real {
  const xv = value(x);
  return piecewiseConstant(OP_ROUND, 'round', x, Math.round(xv), Math.abs(xv - (Math.floor(xv) + 0.5)), opts);
}

/**
 * `a` where `c > 0`, else `b`. Differentiates the taken branch (no gradient flows into
 * `c`) and records |c| as the margin. Branch on a signed real, not a boolean, so the tape
 * knows how close the decision was. At c = 0 exactly `atKink` is the weight of `a`
 * (default 0: the `b` branch, as c > 0 is false).
 */
export function where(c: Real, a: Real, b: Real, opts?: KinkOptions): Real {
  const cv = value(c);
  if (typeof c === 'number' || T.mode === MODE_NONE) return cv > 0 ? a : b;
  const av = value(a);
  const bv = value(b);
  recordKink(OP_WHERE, Math.abs(cv), opts?.label, av !== bv);
  if (cv === 0) {
    if (isForward()) {
      // the branch the direction enters
      const taken = c.t > 0 ? a : b;
      return typeof taken === 'number' ? taken : tangentVar(OP_WHERE, value(taken), taken.t);
    }
    const w = checkedWeight(opts?.atKink ?? 0, 0, 1, 'where');
    if (w === 0) return b;
    // the value is still the executed `b` branch; only the derivative is blended
    return finishOp(OP_WHERE, bv, a, w, b, 1 - w);
  }
  return cv > 0 ? a : b;
}
