/**
 * Discrete selection: which elements, as plain indices, and the values at those indices.
 *
 * An index has no derivative, so `argmax` and `topk` return plain numbers. They are
 * non-smooth decisions all the same: when given traced inputs they record a kink whose
 * margin is the value gap that decided them (top vs runner-up), with `jump: true`, since
 * the chosen index jumps when the gap closes. Gradients then flow through `gather`, which
 * returns the selected Reals themselves: a branch derivative of the executed selection.
 */
import { defineOp, recordKink, type Real } from './tape.ts';
import { value } from './ops.ts';

const OP_ARGMAX = defineOp('argmax');
const OP_TOPK = defineOp('topk');

/** Per-call options of a selection. */
export interface SelectOptions {
  /** names the decision in kink reports */
  label?: string;
}

function anyTraced(xs: readonly Real[]): boolean {
  for (const x of xs) if (typeof x !== 'number') return true;
  return false;
}

function finiteValues(xs: readonly Real[], op: string): number[] {
  return xs.map((x, i) => {
    const v = value(x);
    if (v !== v) throw new RangeError(`ad.${op}: NaN at index ${i}`);
    return v;
  });
}

/**
 * Index of the largest element; ties go to the lowest index. Records a kink with margin
 * (largest − second largest) when any input is traced.
 *
 * @example
 * argmax([0.2, 3, -1]); // 1
 */
export function argmax(xs: readonly Real[], opts?: SelectOptions): number {
  if (xs.length === 0) throw new RangeError('ad.argmax: empty input');
  const v = finiteValues(xs, 'argmax');
  let best = 0;
  let second = -Infinity;
  for (let i = 1; i < v.length; i++) {
    if (v[i] > v[best]) {
      second = v[best];
      best = i;
    } else if (v[i] > second) second = v[i];
  }
  if (v.length > 1 && anyTraced(xs)) recordKink(OP_ARGMAX, v[best] - second, opts?.label, true);
  return best;
}

/**
 * Indices of the `k` largest elements, largest first; equal values keep index order.
 * Records a kink with margin (k-th largest − (k+1)-th largest) when any input is traced
 * and 0 < k < n (the set itself is what can change).
 *
 * @example
 * topk([0.2, 3, -1, 5], 2); // [3, 1]
 */
export function topk(xs: readonly Real[], k: number, opts?: SelectOptions): number[] {
  const n = xs.length;
  if (!Number.isInteger(k) || k < 0 || k > n)
    throw new RangeError(`ad.topk: k must be an integer in [0, ${n}], got ${k}`);
  const v = finiteValues(xs, 'topk');
  const order = v.map((_, i) => i).sort((a, b) => v[b] - v[a] || a - b);
  if (k > 0 && k < n && anyTraced(xs)) recordKink(OP_TOPK, v[order[k - 1]] - v[order[k]], opts?.label, true);
  return order.slice(0, k);
}

/**
 * The elements of `xs` at `indices`, as the same Reals: gradients flow to the selected
 * inputs (and accumulate when an index repeats); unselected inputs get none.
 *
 * @example
 * const { grad } = valueAndGrad((x) => sum(gather(x, topk(x, 2))), [1, 5, 3]); // [0, 1, 1]
 */
export function gather(xs: readonly Real[], indices: readonly number[]): Real[] {
  return indices.map((i) => {
    if (!Number.isInteger(i) || i < 0 || i >= xs.length) {
      throw new RangeError(`ad.gather: index ${i} is out of range for length ${xs.length}`);
    }
    return xs[i];
  });
}

/**
 * The primal value of `x` as a plain number: a deliberate cut in the derivative graph.
 * Whatever is computed from the result is a constant to AD, so no gradient reaches `x`
 * along this path (other paths through `x` are unaffected). Use it for quantities that
 * should steer a computation without being optimised through, e.g. a normalising scale.
 *
 * @example
 * grad(([x]) => mul(x, stopGradient(x)), [3]); // [3], not 6
 */
export function stopGradient(x: Real): number {
  return value(x);
}
