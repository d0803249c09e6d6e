/**
 * The front door: valueAndGrad, grad, jvp, vjp, jacrev, jacfwd.
 *
 * Each transform runs the user's function once on a fresh trace and returns plain numbers,
 * with the kink report of the decisions executed on the way.
 */
import {
  MODE_FORWARD,
  MODE_REVERSE,
  Var,
  beginTrace,
  collectKinks,
  endTrace,
  leaf,
  locateReverseNonFinite,
  resetAdjoint,
  seedAdjoint,
  sweep,
  type Kink,
  type Real,
} from './tape.ts';

/** Default tolerance of the kink report: decisions at most this far from their boundary. */
export const DEFAULT_KINK_TOL = 1e-6;

export interface TraceOptions {
  /** report kinks whose margin is at most this (default 1e-6, in the input's units) */
  kinkTol?: number;
}

export interface ValueAndGrad {
  value: number;
  grad: number[];
  /** non-smooth decisions executed within `kinkTol` of their boundary, nearest first */
  kinks: Kink[];
}

/**
 * `f` must return one Real: an array (say, a whole state vector) would otherwise be read
 * as a Var with no tape index and give a gradient of zeros without a word.
 */
function assertScalarOutput(transform: string, y: unknown): void {
  if (typeof y === 'number' || y instanceof Var) return;
  const what = Array.isArray(y)
    ? `an array of length ${y.length} (use ad.vjp or ad.jacrev for vector outputs)`
    : y === null
      ? 'null'
      : typeof y;
  throw new TypeError(`ad.${transform}: f must return one Real (a number or ad.Var), got ${what}`);
}

/**
 * Value and gradient of a scalar function of a vector, by reverse mode.
 *
 * @example
 * const { value, grad, kinks } = ad.valueAndGrad(([x, y]) => ad.mul(x, ad.sin(y)), [2, 0.5]);
 */
export function valueAndGrad(f: (x: Real[]) => Real, x: readonly number[], opts: TraceOptions = {}): ValueAndGrad {
  beginTrace(MODE_REVERSE);
  try {
    const inputs: Var[] = new Array(x.length);
    for (let j = 0; j < x.length; j++) inputs[j] = leaf(x[j]);
    const y = f(inputs);
    assertScalarOutput('valueAndGrad', y);
    const grad = new Array<number>(x.length).fill(0);
    if (typeof y === 'number') {
      return { value: y, grad, kinks: collectKinks(opts.kinkTol ?? DEFAULT_KINK_TOL) };
    }
    const adj = resetAdjoint();
    seedAdjoint(y.i, 1);
    sweep();
    for (let j = 0; j < x.length; j++) {
      const g = adj[inputs[j].i];
      if (g - g !== 0) throw locateReverseNonFinite();
      grad[j] = g;
    }
    return { value: y.v, grad, kinks: collectKinks(opts.kinkTol ?? DEFAULT_KINK_TOL) };
  } finally {
    endTrace();
  }
}

/** Gradient only. */
export function grad(f: (x: Real[]) => Real, x: readonly number[], opts: TraceOptions = {}): number[] {
  return valueAndGrad(f, x, opts).grad;
}

export interface JvpResult {
  value: number;
  /** one-sided directional derivative of f at x along v */
  tangent: number;
  kinks: Kink[];
}

/**
 * Forward mode: f(x) and the directional derivative lim_{h→0+} (f(x + h v) − f(x)) / h.
 * Away from kinks this is ∇f·v; at a kink it is the one-sided derivative along v
 * (`abs` at 0 gives |v|, `max` at a tie the larger tangent).
 */
export function jvp(
  f: (x: Real[]) => Real,
  x: readonly number[],
  v: readonly number[],
  opts: TraceOptions = {},
): JvpResult {
  if (v.length !== x.length) throw new Error(`ad.jvp: tangent has length ${v.length}, input has ${x.length}`);
  beginTrace(MODE_FORWARD);
  try {
    const inputs = x.map((xj, j) => leaf(xj, v[j]));
    const y = f(inputs);
    assertScalarOutput('jvp', y);
    const kinks = collectKinks(opts.kinkTol ?? DEFAULT_KINK_TOL);
    if (typeof y === 'number') return { value: y, tangent: 0, kinks };
    if (y.t - y.t !== 0) throw new Error(`ad.jvp: non-finite tangent ${y.t}`);
    return { value: y.v, tangent: y.t, kinks };
  } finally {
    endTrace();
  }
}

export interface VjpResult {
  value: number[];
  /** cotangent ybar -> xbar; may be called repeatedly */
  vjp: (ybar: readonly number[]) => number[];
  kinks: Kink[];
}

/**
 * Vector-valued reverse mode: records f once, then pulls back any number of cotangents.
 * The returned `vjp` re-runs the sweep on a private copy of the tape arrays.
 */
export function vjp(f: (x: Real[]) => Real[], x: readonly number[], opts: TraceOptions = {}): VjpResult {
  beginTrace(MODE_REVERSE);
  try {
    const inputs = x.map((xj) => leaf(xj));
    const ys = f(inputs);
    const value = ys.map((y) => (typeof y === 'number' ? y : y.v));
    const kinks = collectKinks(opts.kinkTol ?? DEFAULT_KINK_TOL);
    const rows = ys.map((y) => {
      const adj = resetAdjoint();
      if (typeof y !== 'number') {
        seedAdjoint(y.i, 1);
        sweep();
      }
      return inputs.map((u) => {
        const g = typeof y === 'number' ? 0 : adj[u.i];
        if (g - g !== 0) throw locateReverseNonFinite();
        return g;
      });
    });
    const pullback = (ybar: readonly number[]): number[] => {
      if (ybar.length !== rows.length)
        throw new Error(`ad.vjp: cotangent has length ${ybar.length}, output has ${rows.length}`);
      const xbar = new Array<number>(x.length).fill(0);
      for (let k = 0; k < rows.length; k++) {
        const c = ybar[k];
        if (c === 0) continue;
        const row = rows[k];
        for (let j = 0; j < xbar.length; j++) xbar[j] += c * row[j];
      }
      return xbar;
    };
    return { value, vjp: pullback, kinks };
  } finally {
    endTrace();
  }
}

/** Jacobian by reverse mode: one sweep per output over a single recording. */
export function jacrev(f: (x: Real[]) => Real[], x: readonly number[]): number[][] {
  beginTrace(MODE_REVERSE);
  try {
    const inputs = x.map((xj) => leaf(xj));
    const ys = f(inputs);
    return ys.map((y) => {
      if (typeof y === 'number') return new Array<number>(x.length).fill(0);
      const adj = resetAdjoint();
      seedAdjoint(y.i, 1);
      sweep();
      return inputs.map((u) => {
        const g = adj[u.i];
        if (g - g !== 0) throw locateReverseNonFinite();
        return g;
      });
    });
  } finally {
    endTrace();
  }
}

/** Jacobian by forward mode: one pass per input (one-sided along +e_j at kinks). */
export function jacfwd(f: (x: Real[]) => Real[], x: readonly number[]): number[][] {
  const cols: number[][] = [];
  let nOut = 0;
  for (let j = 0; j < x.length; j++) {
    beginTrace(MODE_FORWARD);
    try {
      const inputs = x.map((xi, i) => leaf(xi, i === j ? 1 : 0));
      const ys = f(inputs);
      nOut = ys.length;
      cols.push(ys.map((y) => (typeof y === 'number' ? 0 : y.t)));
    } finally {
      endTrace();
    }
  }
  const jac: number[][] = [];
  for (let k = 0; k < nOut; k++) jac.push(cols.map((c) => c[k]));
  return jac;
}
