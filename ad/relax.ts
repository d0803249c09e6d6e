/**
 * Surrogates and relaxations: smooth stand-ins for the non-smooth ops, each with a
 * temperature τ > 0 (in the units of its input) and each converging to its hard op as
 * τ → 0, plus the straight-through estimator, which keeps the hard value and borrows the
 * identity's gradient.
 *
 * | relaxation          | definition                                   | τ → 0 limit | gap to the limit                   |
 * | ------------------- | -------------------------------------------- | ----------- | ---------------------------------- |
 * | softplus(x, τ)      | τ log(1 + e^{x/τ})                           | relu(x)     | 0 ≤ · − relu ≤ τ ln 2 (at x = 0)   |
 * | sigmoid(x, τ)       | 1 / (1 + e^{−x/τ})                           | step(x)     | |· − step| ≤ e^{−|x|/τ}, x ≠ 0     |
 * | smoothMax(a, b, τ)  | τ log(e^{a/τ} + e^{b/τ})                     | max(a, b)   | 0 ≤ · − max ≤ τ ln 2 (at a = b)    |
 * | smoothMin(a, b, τ)  | −τ log(e^{−a/τ} + e^{−b/τ})                  | min(a, b)   | 0 ≤ min − · ≤ τ ln 2               |
 * | smoothAbs(x, τ)     | τ log cosh(x/τ)                              | |x|         | 0 ≤ |x| − · ≤ τ ln 2 (as |x| → ∞)  |
 * | softClamp(x,l,h,τ)  | l + softplus(x − l, τ) − softplus(x − h, τ)  | clamp       | |· − clamp| ≤ τ ln 2; in [l, h]    |
 * | softmax(xs, τ)      | e^{x_i/τ} / Σ_j e^{x_j/τ}                    | one-hot     | 1 − y_max ≤ (n−1) e^{−gap/τ}       |
 *
 * Soft rank, soft top-k, soft sort and Gumbel-softmax are defined at their functions.
 *
 * Numerics: every formula is evaluated through exp(−|z|) with z = x/τ, never exp(+|z|),
 * so nothing overflows for any |x|/τ (softplus(1000, 1e-3) is 1000, its derivatives 1
 * and 0). Each scalar relaxation is ONE tape entry with its analytic partials, not a
 * chain of elementary ops; a tape entry has two parents, so an op with more traced
 * arguments takes one entry per extra parent (smoothMax with traced a, b and τ: two).
 *
 * The temperature is differentiable everywhere: pass it as a Real (e.g. the simulator's
 * contact temperature) and its partial is recorded. Its partial for the log-sum-exp family
 * is the Bernoulli entropy H(z) = log(1 + e^{−|z|}) + |z| σ(−|z|) ≥ 0, in nats.
 * τ must be positive and finite (a RangeError otherwise): at τ = 0 use the hard op, whose
 * kink conventions are documented in nonsmooth.ts.
 */
import { defineOp, finishOp, naryOp, recordKink, unaryOp, type Real, type Var } from './tape.ts';
import { abs } from './nonsmooth.ts';
import { add, mul, sub, sum, value, values } from './ops.ts';
import { customVjp } from './primitive.ts';
import type { Rng } from './random.ts';
import { argmax, topk, type SelectOptions } from './select.ts';

const OP_STE = defineOp('ste');
const OP_SOFTPLUS = defineOp('softplus');
const OP_SIGMOID = defineOp('sigmoid');
const OP_SMOOTH_MAX = defineOp('smoothMax');
const OP_SMOOTH_MIN = defineOp('smoothMin');
const OP_SMOOTH_ABS = defineOp('smoothAbs');
const OP_SOFT_CLAMP = defineOp('softClamp');
const OP_SOFT_TOPK = defineOp('softTopK');

// ---- scalar helpers -------------------------------------------------------------------

function checkedTemperature(tau: Real, op: string): number {
  const t = value(tau);
  if (!(t > 0 && t < Infinity)) throw new RangeError(`ad.${op}: temperature must be positive and finite, got ${t}`);
  return t;
}

/** σ(z) from e = exp(−|z|): no overflow for any z. */
function logisticOf(z: number, e: number): number {
  return z >= 0 ? 1 / (1 + e) : e / (1 + e);
}

/** H(z) = log(1 + e^{−|z|}) + |z| σ(−|z|) from e = exp(−|z|); ∂/∂τ of τ·softplus(x/τ). */
function entropyOf(z: number, e: number): number {
  // at |z| = ∞ the second term is ∞·0; its limit is 0
  return e === 0 ? 0 : Math.log1p(e) + (Math.abs(z) * e) / (1 + e);
}

/**
 * Record value `v` with partials `dx`, `dy` as one tape entry whose parents are the
 * traced ones of `x`, `y`; null when both are constants.
 */
function pair(code: number, v: number, x: Real, dx: number, y: Real, dy: number): Var | null {
  if (typeof x === 'number') return typeof y === 'number' ? null : unaryOp(code, v, y, dy);
  return typeof y === 'number' ? unaryOp(code, v, x, dx) : finishOp(code, v, x, dx, y, dy);
}

// scratch for record4's fold (module-private, as three.js's `_vector`; nothing re-enters it)
const _args: Real[] = [0, 0, 0, 0];
const _partials = new Float64Array(4);

/** Record an op of up to four arguments through `naryOp`, without allocating. */
function record4(
  code: number,
  v: number,
  a: Real,
  da: number,
  b: Real,
  db: number,
  c: Real,
  dc: number,
  d: Real = 0,
  dd = 0,
): Real {
  _args[0] = a;
  _args[1] = b;
  _args[2] = c;
  _args[3] = d;
  _partials[0] = da;
  _partials[1] = db;
  _partials[2] = dc;
  _partials[3] = dd;
  const out = naryOp(code, v, _args, _partials);
  _args.fill(0); // drop the references: Vars must not outlive their trace here
  return out;
}

// ---- straight-through -----------------------------------------------------------------

/**
 * Straight-through estimator: the value of `op(x)`, the derivative of the identity
 * (∂/∂x = 1, forward tangent ẋ). `op` is any Real → Real function, typically a
 * piecewise-constant one (`round`, `step`, `sign`, `floor`) whose true derivative is 0
 * almost everywhere. `op` runs on the traced `x`, so its kinks are still reported;
 * whatever derivative `op` itself records is discarded.
 *
 * @example
 * valueAndGrad(([x]) => ste(round, x), [2.7]); // { value: 3, grad: [1], ... }
 */
export function ste(op: (x: Real) => Real, x: Real): Real {
  const hard = value(op(x));
  return typeof x === 'number' ? hard : unaryOp(OP_STE, hard, x, 1);
}

/** `hard` as the value, the derivative of `soft` as the derivative. */
function straightThrough(hard: number, soft: Real): Real {
  return typeof soft === 'number' ? hard : unaryOp(OP_STE, hard, soft, 1);
}

// ---- scalar relaxations ---------------------------------------------------------------

/**
 * softplus(x, τ) = τ log(1 + e^{x/τ}), evaluated as relu(x) + τ log1p(e^{−|x|/τ}).
 * → relu(x) as τ → 0, with 0 ≤ softplus − relu ≤ τ ln 2. ∂/∂x = sigmoid(x, τ);
 * ∂/∂τ = H(x/τ) (see the module comment).
 *
 * @example
 * softplus(0, 0.1); // 0.1·ln 2 ≈ 0.0693
 */
export function softplus(x: Real, tau: Real): Real {
  const xv = value(x);
  const t = checkedTemperature(tau, 'softplus');
  const z = xv / t;
  const e = Math.exp(-Math.abs(z));
  const v = (xv > 0 ? xv : 0) + t * Math.log1p(e);
  return pair(OP_SOFTPLUS, v, x, logisticOf(z, e), tau, entropyOf(z, e)) ?? v;
}

/**
 * sigmoid(x, τ) = 1 / (1 + e^{−x/τ}), the smooth step. → step(x) as τ → 0, with
 * |sigmoid − step| ≤ e^{−|x|/τ} for x ≠ 0 (½ at x = 0). ∂/∂x = σ(1 − σ)/τ,
 * ∂/∂τ = −σ(1 − σ) x/τ².
 *
 * @example
 * sigmoid(0.3, 0.1); // 1 / (1 + e^{-3}) ≈ 0.9526
 */
export function sigmoid(x: Real, tau: Real): Real {
  const xv = value(x);
  const t = checkedTemperature(tau, 'sigmoid');
  const z = xv / t;
  const e = Math.exp(-Math.abs(z));
  const s = logisticOf(z, e);
  // σ(z)σ(−z), the logistic density, from e alone
  const density = e / ((1 + e) * (1 + e));
  const dtau = density === 0 ? 0 : (-density * z) / t;
  return pair(OP_SIGMOID, s, x, density / t, tau, dtau) ?? s;
}

/**
 * smoothMax(a, b, τ) = τ log(e^{a/τ} + e^{b/τ}), evaluated as
 * max(a, b) + τ log1p(e^{−|a−b|/τ}). → max(a, b) as τ → 0 with 0 ≤ gap ≤ τ ln 2.
 * ∂/∂a = sigmoid(a − b, τ), ∂/∂b = sigmoid(b − a, τ), ∂/∂τ = H((a − b)/τ).
 *
 * @example
 * smoothMax(1, 1, 0.5); // 1 + 0.5·ln 2
 */
export function smoothMax(a: Real, b: Real, tau: Real): Real {
  const av = value(a);
  const bv = value(b);
  const t = checkedTemperature(tau, 'smoothMax');
  const z = (av - bv) / t;
  const e = Math.exp(-Math.abs(z));
  const v = (av > bv ? av : bv) + t * Math.log1p(e);
  return record4(OP_SMOOTH_MAX, v, a, logisticOf(z, e), b, logisticOf(-z, e), tau, entropyOf(z, e));
}

/**
 * smoothMin(a, b, τ) = −τ log(e^{−a/τ} + e^{−b/τ}) = −smoothMax(−a, −b, τ).
 * → min(a, b) as τ → 0 with 0 ≤ min − smoothMin ≤ τ ln 2.
 *
 * @example
 * smoothMin(0, 5, 0.01); // ≈ 0 (−0.01·e^{−500})
 */
export function smoothMin(a: Real, b: Real, tau: Real): Real {
  const av = value(a);
  const bv = value(b);
  const t = checkedTemperature(tau, 'smoothMin');
  const z = (av - bv) / t;
  const e = Math.exp(-Math.abs(z));
  const v = (av < bv ? av : bv) - t * Math.log1p(e);
  return record4(OP_SMOOTH_MIN, v, a, logisticOf(-z, e), b, logisticOf(z, e), tau, -entropyOf(z, e));
}

/**
 * smoothAbs(x, τ) = τ log cosh(x/τ), evaluated as |x| + τ (log1p(e^{−2|x|/τ}) − ln 2).
 * Zero at 0 like |x|, below |x| everywhere, → |x| as τ → 0 with 0 ≤ |x| − smoothAbs ≤ τ ln 2.
 * ∂/∂x = tanh(x/τ) (→ sign(x)); ∂/∂τ = log cosh z − z tanh z with z = x/τ.
 *
 * @example
 * smoothAbs(0, 1); // 0
 */
export function smoothAbs(x: Real, tau: Real): Real {
  const xv = value(x);
  const t = checkedTemperature(tau, 'smoothAbs');
  const z = xv / t;
  const a2 = 2 * Math.abs(z);
  const e2 = Math.exp(-a2);
  const v = Math.abs(xv) + t * (Math.log1p(e2) - Math.LN2);
  // log cosh z − z tanh z = log1p(e^{−2|z|}) − ln 2 + 2|z| σ(−2|z|)
  const dtau = e2 === 0 ? -Math.LN2 : Math.log1p(e2) - Math.LN2 + (a2 * e2) / (1 + e2);
  return pair(OP_SMOOTH_ABS, v, x, Math.tanh(z), tau, dtau) ?? v;
}

/**
 * softClamp(x, lo, hi, τ) = lo + softplus(x − lo, τ) − softplus(x − hi, τ), lo ≤ hi:
 * the identity in the middle, lo and hi in the tails, always inside [lo, hi] (softplus is
 * increasing and 1-Lipschitz). → clamp(x, lo, hi) as τ → 0 with |softClamp − clamp| ≤ τ ln 2.
 * Differentiable in all four arguments.
 *
 * @example
 * softClamp(5, 0, 1, 0.01); // ≈ 1
 */
export function softClamp(x: Real, lo: Real, hi: Real, tau: Real): Real {
  const xv = value(x);
  const lov = value(lo);
  const hiv = value(hi);
  if (!(lov <= hiv)) throw new RangeError(`ad.softClamp: lower bound ${lov} exceeds upper bound ${hiv}`);
  const t = checkedTemperature(tau, 'softClamp');
  const zl = (xv - lov) / t;
  const zh = (xv - hiv) / t;
  const el = Math.exp(-Math.abs(zl));
  const eh = Math.exp(-Math.abs(zh));
  const hard = xv < lov ? lov : xv > hiv ? hiv : xv;
  const v = hard + t * (Math.log1p(el) - Math.log1p(eh));
  const sl = logisticOf(zl, el);
  const sh = logisticOf(zh, eh);
  const ql = logisticOf(-zl, el);
  const qh = logisticOf(-zh, eh);
  // σ(zl) − σ(zh) cancels when both are near 1 (x above hi): use 1 − σ's there
  const dx = zh >= 0 ? qh - ql : sl - sh;
  return record4(OP_SOFT_CLAMP, v, x, dx, lo, ql, hi, sh, tau, entropyOf(zl, el) - entropyOf(zh, eh));
}

// ---- softmax --------------------------------------------------------------------------

interface SoftmaxResiduals {
  x: Float64Array;
  y: Float64Array;
  tau: number;
  /** Σ y_i x_i, the softmax-weighted mean of the logits */
  mean: number;
}

function softmaxForward(x: Float64Array): [Float64Array, SoftmaxResiduals] {
  const n = x.length - 1;
  const tau = x[n];
  if (!(tau > 0 && tau < Infinity))
    throw new RangeError(`ad.softmax: temperature must be positive and finite, got ${tau}`);
  let m = -Infinity;
  for (let i = 0; i < n; i++) if (x[i] > m) m = x[i];
  // shift by the max: every exponent is ≤ 0, so nothing overflows
  const y = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    y[i] = Math.exp((x[i] - m) / tau);
    total += y[i];
  }
  let mean = 0;
  for (let i = 0; i < n; i++) {
    y[i] /= total;
    mean += y[i] * x[i];
  }
  return [y, { x, y, tau, mean }];
}

// ∂y_i/∂x_j = y_i (δ_ij − y_j)/τ,  ∂y_i/∂τ = −y_i (x_i − mean)/τ²
const softmaxPrimitive = customVjp<SoftmaxResiduals>({
  name: 'softmax',
  fwd: softmaxForward,
  bwd: ({ x, y, tau, mean }, ybar) => {
    const n = y.length;
    let s = 0;
    for (let i = 0; i < n; i++) s += ybar[i] * y[i];
    const xbar = new Float64Array(n + 1);
    let taubar = 0;
    for (let i = 0; i < n; i++) {
      xbar[i] = (y[i] * (ybar[i] - s)) / tau;
      taubar -= (ybar[i] * y[i] * (x[i] - mean)) / (tau * tau);
    }
    xbar[n] = taubar;
    return xbar;
  },
  jvp: (xin, xdot) => {
    const [y, { x, tau, mean }] = softmaxForward(xin);
    const n = y.length;
    let ybarDot = 0;
    for (let j = 0; j < n; j++) ybarDot += y[j] * xdot[j];
    const tauDot = xdot[n];
    const ydot = new Float64Array(n);
    for (let i = 0; i < n; i++) ydot[i] = y[i] * ((xdot[i] - ybarDot) / tau - ((x[i] - mean) * tauDot) / (tau * tau));
    return [y, ydot];
  },
});

/**
 * softmax(xs, τ)_i = e^{x_i/τ} / Σ_j e^{x_j/τ}, shifted by max(xs) so nothing overflows;
 * one tape entry for the whole vector. → the one-hot of argmax(xs) as τ → 0, with
 * 1 − y_max ≤ (n − 1) e^{−gap/τ} (gap: largest − second largest). Differentiable in xs and τ.
 *
 * @example
 * softmax([0, Math.log(3)], 1); // [0.25, 0.75]
 */
export function softmax(xs: readonly Real[], tau: Real): Real[] {
  if (xs.length === 0) throw new RangeError('ad.softmax: empty input');
  checkedTemperature(tau, 'softmax');
  return softmaxPrimitive([...xs, tau]);
}

// ---- soft rank, top-k, sort -----------------------------------------------------------

/**
 * Soft descending rank by pairwise sigmoids: rank_i = 1 + Σ_{j≠i} sigmoid(x_j − x_i, τ)
 * (the largest element has rank ≈ 1). Σ_i rank_i = n(n + 1)/2 exactly, at every τ.
 * → the hard rank 1 + #{j : x_j > x_i} as τ → 0, with |rank_i − hard_i| ≤ (n − 1) e^{−δ/τ},
 * δ the smallest gap between distinct inputs (ties count ½ each). O(n²) tape entries.
 *
 * @example
 * softRank([3, 1, 2], 0.01); // ≈ [1, 3, 2]
 */
export function softRank(xs: readonly Real[], tau: Real): Real[] {
  checkedTemperature(tau, 'softRank');
  const n = xs.length;
  const rank: Real[] = new Array<Real>(n).fill(1);
  // sigmoid(d) + sigmoid(−d) = 1: one sigmoid per unordered pair
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const jAbove = sigmoid(sub(xs[j], xs[i]), tau);
      rank[i] = add(rank[i], jAbove);
      rank[j] = add(rank[j], sub(1, jAbove));
    }
  }
  return rank;
}

/**
 * Soft top-k mask: mask_i = sigmoid(x_i − θ, τ) with the threshold θ halfway between the
 * k-th and (k+1)-th largest inputs. → the hard mask (1 on the k largest, 0 elsewhere) as
 * τ → 0, with |mask_i − hard_i| ≤ e^{−g/(2τ)}, g = (k-th − (k+1)-th largest). Gradients
 * flow through x_i and through the two inputs that set θ. The mask is continuous when
 * the k-th and (k+1)-th inputs swap (θ is symmetric in them) but its gradient is not:
 * that decision is recorded as a kink with margin g. The mask sums to k only as τ → 0.
 *
 * @example
 * softTopK([0.1, 2, 1], 1, 0.01); // ≈ [0, 1, 0]
 */
export function softTopK(xs: readonly Real[], k: number, tau: Real, opts?: SelectOptions): Real[] {
  const n = xs.length;
  if (!Number.isInteger(k) || k < 0 || k > n)
    throw new RangeError(`ad.softTopK: k must be an integer in [0, ${n}], got ${k}`);
  checkedTemperature(tau, 'softTopK');
  if (k === 0 || k === n) return new Array<Real>(n).fill(k === 0 ? 0 : 1);
  // order on plain values: this op records its own, continuous-valued kink below
  const order = topk(values(xs), k + 1);
  const above = xs[order[k - 1]];
  const below = xs[order[k]];
  if (xs.some((x) => typeof x !== 'number')) recordKink(OP_SOFT_TOPK, value(above) - value(below), opts?.label, false);
  const threshold = mul(0.5, add(above, below));
  return xs.map((x) => sigmoid(sub(x, threshold), tau));
}

/**
 * NeuralSort's relaxed sorting matrix (Grover et al., ICLR 2019): row i (1-based) is
 * softmax(((n + 1 − 2i) x − A 1) / τ) with A_jk = |x_j − x_k|. Row i's logits peak at the
 * i-th largest input with a margin of at least δ (the smallest gap), so P̂ → the
 * permutation matrix that sorts descending as τ → 0, each row within (n − 1) e^{−δ/τ} of
 * its one-hot. Rows sum to 1. Ties are kinks of |x_j − x_k| (recorded by `abs`).
 *
 * @example
 * softPermutation([1, 3], 0.01); // ≈ [[0, 1], [1, 0]]
 */
export function softPermutation(xs: readonly Real[], tau: Real): Real[][] {
  checkedTemperature(tau, 'softPermutation');
  const n = xs.length;
  // (A 1)_j = Σ_k |x_j − x_k|, one abs per unordered pair
  const spread: Real[] = new Array<Real>(n).fill(0);
  for (let j = 0; j < n; j++) {
    for (let k = j + 1; k < n; k++) {
      const d = abs(sub(xs[j], xs[k]), { label: 'softSort tie' });
      spread[j] = add(spread[j], d);
      spread[k] = add(spread[k], d);
    }
  }
  const rows: Real[][] = [];
  for (let i = 1; i <= n; i++) {
    const weight = n + 1 - 2 * i;
    rows.push(
      softmax(
        xs.map((x, j) => sub(mul(weight, x), spread[j])),
        tau,
      ),
    );
  }
  return rows;
}

/**
 * Soft sort, descending: softPermutation(xs, τ) · xs. → the sorted inputs as τ → 0, with
 * |soft_i − sorted_i| ≤ (n − 1) e^{−δ/τ} (max − min).
 *
 * @example
 * softSort([1, 3, 2], 0.01); // ≈ [3, 2, 1]
 */
export function softSort(xs: readonly Real[], tau: Real): Real[] {
  return softPermutation(xs, tau).map((row) => sum(row.map((p, j) => mul(p, xs[j]))));
}

// ---- Gumbel-softmax -------------------------------------------------------------------

/** Options of `gumbelSoftmax`. */
export interface GumbelOptions {
  /** one-hot values with the soft sample's gradient (straight-through); default false */
  hard?: boolean;
  /** names the hard variant's argmax decision in kink reports */
  label?: string;
}

/**
 * Gumbel-softmax (Jang et al.; Maddison et al., 2017): softmax((logits + g) / τ) with
 * g_i i.i.d. standard Gumbel noise drawn from `rng`, one draw per logit in order, so a
 * seeded generator gives a reproducible sample. As τ → 0 the sample becomes the one-hot
 * of argmax(logits + g), which is distributed as softmax(logits) (the Gumbel-max trick).
 * With `hard: true` the values are that one-hot and the gradient is the soft sample's
 * (straight-through); its argmax is recorded as a kink. Differentiable in logits and τ.
 *
 * @example
 * const sample = gumbelSoftmax([0, 1, 2], 0.5, seededRng(1));
 */
export function gumbelSoftmax(logits: readonly Real[], tau: Real, rng: Rng, opts?: GumbelOptions): Real[] {
  const perturbed = logits.map((l) => add(l, rng.gumbel()));
  const soft = softmax(perturbed, tau);
  if (!opts?.hard) return soft;
  const winner = argmax(perturbed, { label: opts.label });
  return soft.map((y, i) => straightThrough(i === winner ? 1 : 0, y));
}
