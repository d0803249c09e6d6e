/**
 * Primitives: vector-in, vector-out functions with their own derivative rules, recorded
 * as one tape entry (JAX's custom_vjp / custom_jvp shape; Warp's kernel-with-adjoint).
 *
 *   f    :: x: ℝⁿ -> y: ℝᵐ
 *   fwd  :: x -> (y, residuals)          runs once, on plain Float64Arrays
 *   bwd  :: (residuals, ȳ: ℝᵐ) -> x̄: ℝⁿ   x̄ = J(x)ᵀ ȳ, exactly one cotangent per input
 *   jvp  :: (x, ẋ) -> (y, ẏ)              optional; ẏ = J(x) ẋ (one-sided at kinks)
 *
 * The simulator's hot kernels (collision, contact forces, integration) are primitives:
 * their forward is a tight loop over typed arrays and their adjoint a hand-written loop,
 * so a whole kernel costs one tape entry rather than thousands of scalar entries.
 *
 * Without a `jvp` rule, forward mode builds ẏ from the backward rule (m pullbacks of unit
 * cotangents): correct but m times the cost; give `jvp` where forward mode matters.
 */
import {
  MODE_FORWARD,
  MODE_NONE,
  MODE_REVERSE,
  T,
  Var,
  defineOp,
  forwardNonFinite,
  tangentVar,
  recordKink,
  recordPrimitive,
  type Real,
} from './tape.ts';

/** Lets a primitive report its own non-smooth decisions (e.g. a contact inside its margin). */
export interface KinkSink {
  /** record a decision `margin` from its boundary; `jump` if the output value jumps there */
  kink(margin: number, label?: string, jump?: boolean): void;
}

export interface PrimitiveRule<R> {
  /** names the primitive in kink reports and errors */
  name: string;
  /** primal outputs and the residuals `bwd` needs */
  fwd: (x: Float64Array, kinks: KinkSink) => [Float64Array, R];
  /** x̄ = Jᵀ ȳ */
  bwd: (residuals: R, ybar: Float64Array) => Float64Array;
  /** ẏ = J ẋ, one-sided at kinks */
  jvp?: (x: Float64Array, xdot: Float64Array, kinks: KinkSink) => [Float64Array, Float64Array];
}

const silentSink: KinkSink = { kink() {} };

/**
 * Register a primitive. The returned function takes Reals (numbers where constant) and
 * returns one Real per output; with no traced input it just runs `fwd`.
 *
 * @example
 * const cube = ad.customVjp({
 *   name: 'cube',
 *   fwd: (x) => [Float64Array.of(x[0] ** 3), x[0]],
 *   bwd: (x0, ybar) => Float64Array.of(3 * x0 * x0 * ybar[0]),
 * });
 * ad.valueAndGrad(([x]) => cube([x])[0], [2]); // { value: 8, grad: [12] }
 */
export function customVjp<R>(rule: PrimitiveRule<R>): (x: readonly Real[]) => Real[] {
  const code = defineOp(rule.name);
  const sink: KinkSink = {
    kink(margin: number, label?: string, jump = false) {
      recordKink(code, margin, label ?? rule.name, jump);
    },
  };
  return (xs: readonly Real[]): Real[] => {
    const n = xs.length;
    const x = new Float64Array(n);
    let traced = false;
    for (let j = 0; j < n; j++) {
      const xj = xs[j];
      if (typeof xj === 'number') x[j] = xj;
      else {
        x[j] = xj.v;
        traced = true;
      }
    }
    if (!traced || T.mode === MODE_NONE) {
      if (traced) throw new Error(`ad: primitive '${rule.name}' got a traced Real outside its evaluation`);
      return Array.from(rule.fwd(x, silentSink)[0]);
    }
    if (T.mode === MODE_FORWARD) return forwardCall(rule, code, xs, x, sink);
    if (T.mode !== MODE_REVERSE) throw new Error('ad: unknown trace mode');
    const [y, res] = rule.fwd(x, sink);
    checkFinite(code, y);
    const inputs = new Int32Array(n);
    for (let j = 0; j < n; j++) {
      const xj = xs[j];
      inputs[j] = typeof xj === 'number' ? 0 : xj.i;
    }
    const first = recordPrimitive({
      name: rule.name,
      inputs,
      nOut: y.length,
      backward: (ybar) => rule.bwd(res, ybar),
    });
    const out: Real[] = new Array(y.length);
    for (let k = 0; k < y.length; k++) out[k] = new Var(first + k, y[k]);
    return out;
  };
}

function checkFinite(code: number, y: Float64Array): void {
  for (let k = 0; k < y.length; k++) {
    if (y[k] - y[k] !== 0) forwardNonFinite(code, y[k], `output ${k}`);
  }
}

function forwardCall<R>(
  rule: PrimitiveRule<R>,
  code: number,
  xs: readonly Real[],
  x: Float64Array,
  sink: KinkSink,
): Real[] {
  const n = xs.length;
  const xdot = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const xj = xs[j];
    xdot[j] = typeof xj === 'number' ? 0 : xj.t;
  }
  let y: Float64Array;
  let ydot: Float64Array;
  if (rule.jvp) {
    [y, ydot] = rule.jvp(x, xdot, sink);
  } else {
    // ẏ_k = (Jᵀ e_k) · ẋ: one pullback per output
    const [y0, res] = rule.fwd(x, sink);
    y = y0;
    ydot = new Float64Array(y.length);
    const e = new Float64Array(y.length);
    for (let k = 0; k < y.length; k++) {
      e.fill(0);
      e[k] = 1;
      const row = rule.bwd(res, e);
      let s = 0;
      for (let j = 0; j < n; j++) s += row[j] * xdot[j];
      ydot[k] = s;
    }
  }
  checkFinite(code, y);
  checkFinite(code, ydot);
  const out: Real[] = new Array(y.length);
  for (let k = 0; k < y.length; k++) out[k] = tangentVar(code, y[k], ydot[k]);
  return out;
}
