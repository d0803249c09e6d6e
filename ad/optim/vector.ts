/**
 * Dense vector helpers of the optimizers (plain numbers, no AD types). Optimizer vectors
 * are short (one entry per parameter), so these allocate freely.
 */
import type { Vector } from './types.ts';

/** Inner product aᵀb. */
export function dot(a: Vector, b: Vector): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Euclidean norm ‖a‖₂, scaled so huge or tiny components neither overflow nor underflow. */
export function norm2(a: Vector): number {
  const big = normInf(a);
  if (big === 0 || big === Infinity || big !== big) return big;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const r = a[i] / big;
    s += r * r;
  }
  return big * Math.sqrt(s);
}

/** Max-norm ‖a‖∞ (NaN if any component is NaN). */
export function normInf(a: Vector): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m || v !== v) m = v;
    if (m !== m) return m;
  }
  return m;
}

/** Index of the first non-finite component, or -1. */
export function firstNonFinite(a: Vector): number {
  for (let i = 0; i < a.length; i++) if (a[i] - a[i] !== 0) return i;
  return -1;
}

/** Throws a RangeError naming the first non-finite component of `a`. */
export function assertFinite(a: Vector, what: string): void {
  const i = firstNonFinite(a);
  if (i >= 0) throw new RangeError(`${what}[${i}] is ${a[i]}; optimizers need finite values`);
}

/** Throws unless `a` has length `n`. */
export function assertLength(a: Vector, n: number, what: string): void {
  if (a.length !== n) throw new RangeError(`${what} has length ${a.length}, expected ${n}`);
}
