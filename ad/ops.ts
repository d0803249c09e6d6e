/**
 * Smooth elementary ops on `Real`s. Each accepts numbers wherever a Real is; an op whose
 * arguments are all numbers returns a number and records nothing.
 *
 * Local partials are computed from the primal values and recorded as one tape entry.
 * The four arithmetic ops are written out flat, one branch per constant/traced pattern
 * (a constant argument makes a one-parent entry through the small, always-inlined
 * `unaryOp`), rather than through a shared helper: a helper that takes doubles and is too
 * large to inline boxes every partial, which measured 2× slower recording.
 */
import {
  binaryOp as tapeBinaryOp,
  defineOp,
  finishOp,
  forwardNonFinite,
  unaryOp as tapeUnaryOp,
  type Real,
  type Var,
} from './tape.ts';

// Module-local consts: TurboFan folds them into each call's target, while an imported
// binding is a cell it loads and checks for its dead zone and identity at every call.
const unaryOp = tapeUnaryOp;
const binaryOp = tapeBinaryOp;
// Math's functions the same way: a read of a module const is fewer bytecodes than `Math.sin`
// (a global load and a property load), and bytecode size is what the inlining budget counts
// (see unaryOp in tape.ts).
const {
  acos: mathAcos,
  asin: mathAsin,
  atan: mathAtan,
  atan2: mathAtan2,
  cos: mathCos,
  exp: mathExp,
  hypot: mathHypot,
  log: mathLog,
  log1p: mathLog1p,
  pow: mathPow,
  sin: mathSin,
  sqrt: mathSqrt,
  tan: mathTan,
  tanh: mathTanh,
} = Math;

const OP_ADD = defineOp('add');
const OP_SUB = defineOp('sub');
const OP_MUL = defineOp('mul');
const OP_DIV = defineOp('div');
const OP_NEG = defineOp('neg');
const OP_EXP = defineOp('exp');
const OP_LOG = defineOp('log');
const OP_SQRT = defineOp('sqrt');
const OP_POW = defineOp('pow');
const OP_SIN = defineOp('sin');
const OP_COS = defineOp('cos');
const OP_TAN = defineOp('tan');
const OP_TANH = defineOp('tanh');
const OP_ATAN2 = defineOp('atan2');
const OP_HYPOT = defineOp('hypot');
const OP_SQUARE = defineOp('square');
const OP_LOG1P = defineOp('log1p');
const OP_ASIN = defineOp('asin');
const OP_ACOS = defineOp('acos');
const OP_ATAN = defineOp('atan');

/** The primal value of a Real. */
export function value(x: Real): number {
  return typeof x === 'number' ? x : x.v;
}

/** Numbers in, numbers out: turn a `Real[]` into plain values. */
export function values(xs: readonly Real[]): number[] {
  return xs.map(value);
}

// Each arithmetic op is a small dispatcher on which arguments are traced, calling one
// small function per case: TurboFan's inlining budget (see unaryOp in tape.ts) is charged
// the dispatcher's whole bytecode but only the cases a program actually takes.

export function add(a: Real, b: Real): Real {
  if (typeof a === 'number') return typeof b === 'number' ? a + b : addConst(b, a);
  return typeof b === 'number' ? addConst(a, b) : addVars(a, b);
}

function addConst(x: Var, c: number): Var {
  return unaryOp(OP_ADD, x.v + c, x, 1);
}

function addVars(a: Var, b: Var): Var {
  return binaryOp(OP_ADD, a.v + b.v, a, 1, b, 1);
}

export function sub(a: Real, b: Real): Real {
  if (typeof a === 'number') return typeof b === 'number' ? a - b : constMinus(a, b);
  return typeof b === 'number' ? subConst(a, b) : subVars(a, b);
}

function subConst(x: Var, c: number): Var {
  return unaryOp(OP_SUB, x.v - c, x, 1);
}

function constMinus(c: number, x: Var): Var {
  return unaryOp(OP_SUB, c - x.v, x, -1);
}

function subVars(a: Var, b: Var): Var {
  return binaryOp(OP_SUB, a.v - b.v, a, 1, b, -1);
}

export function mul(a: Real, b: Real): Real {
  if (typeof a === 'number') return typeof b === 'number' ? a * b : mulConst(b, a);
  return typeof b === 'number' ? mulConst(a, b) : mulVars(a, b);
}

function mulConst(x: Var, c: number): Var {
  return unaryOp(OP_MUL, x.v * c, x, c);
}

function mulVars(a: Var, b: Var): Var {
  return binaryOp(OP_MUL, a.v * b.v, a, b.v, b, a.v);
}

export function div(a: Real, b: Real): Real {
  if (typeof b === 'number') return typeof a === 'number' ? a / b : divByConst(a, b);
  return typeof a === 'number' ? constOver(a, b) : divVars(a, b);
}

function divByConst(x: Var, c: number): Var {
  return unaryOp(OP_DIV, x.v / c, x, 1 / c);
}

/** c / x with x traced: ∂/∂x = −(c/x)/x. */
function constOver(c: number, x: Var): Var {
  const q = c / x.v;
  return unaryOp(OP_DIV, q, x, -q / x.v);
}

function divVars(a: Var, b: Var): Var {
  const q = a.v / b.v;
  return binaryOp(OP_DIV, q, a, 1 / b.v, b, -q / b.v);
}

export function neg(a: Real): Real {
  return typeof a === 'number' ? -a : unaryOp(OP_NEG, -a.v, a, -1);
}

export function square(a: Real): Real {
  return typeof a === 'number' ? a * a : unaryOp(OP_SQUARE, a.v * a.v, a, 2 * a.v);
}

export function exp(a: Real): Real {
  if (typeof a === 'number') return mathExp(a);
  const e = mathExp(a.v);
  return unaryOp(OP_EXP, e, a, e);
}

export function log(a: Real): Real {
  if (typeof a === 'number') return mathLog(a);
  return unaryOp(OP_LOG, mathLog(a.v), a, 1 / a.v);
}

export function log1p(a: Real): Real {
  if (typeof a === 'number') return mathLog1p(a);
  return unaryOp(OP_LOG1P, mathLog1p(a.v), a, 1 / (1 + a.v));
}

/** √a. Its derivative is infinite at 0: a gradient through sqrt(0) raises NonFiniteError. */
export function sqrt(a: Real): Real {
  if (typeof a === 'number') return mathSqrt(a);
  const s = mathSqrt(a.v);
  return unaryOp(OP_SQRT, s, a, 0.5 / s);
}

/**
 * a^b. With a constant exponent the base may be any real where a^b is defined; with a
 * traced exponent the base must be positive (∂/∂b = a^b ln a).
 */
export function pow(a: Real, b: Real): Real {
  if (typeof b === 'number') {
    if (typeof a === 'number') return mathPow(a, b);
    if (b === 0) return 1;
    const p = mathPow(a.v, b);
    return unaryOp(OP_POW, p, a, b === 1 ? 1 : b * mathPow(a.v, b - 1));
  }
  const av = value(a);
  const p = mathPow(av, b.v);
  const db = p * mathLog(av);
  if (typeof a === 'number') return unaryOp(OP_POW, p, b, db);
  return finishOp(OP_POW, p, a, b.v * mathPow(a.v, b.v - 1), b, db);
}

export function sin(a: Real): Real {
  if (typeof a === 'number') return mathSin(a);
  const x = a.v;
  return unaryOp(OP_SIN, mathSin(x), a, mathCos(x));
}

export function cos(a: Real): Real {
  if (typeof a === 'number') return mathCos(a);
  return unaryOp(OP_COS, mathCos(a.v), a, -mathSin(a.v));
}

export function tan(a: Real): Real {
  if (typeof a === 'number') return mathTan(a);
  const c = mathCos(a.v);
  return unaryOp(OP_TAN, mathTan(a.v), a, 1 / (c * c));
}

export function tanh(a: Real): Real {
  if (typeof a === 'number') return mathTanh(a);
  const y = mathTanh(a.v);
  return unaryOp(OP_TANH, y, a, 1 - y * y);
}

export function asin(a: Real): Real {
  if (typeof a === 'number') return mathAsin(a);
  return unaryOp(OP_ASIN, mathAsin(a.v), a, 1 / mathSqrt(1 - a.v * a.v));
}

export function acos(a: Real): Real {
  if (typeof a === 'number') return mathAcos(a);
  return unaryOp(OP_ACOS, mathAcos(a.v), a, -1 / mathSqrt(1 - a.v * a.v));
}

export function atan(a: Real): Real {
  if (typeof a === 'number') return mathAtan(a);
  return unaryOp(OP_ATAN, mathAtan(a.v), a, 1 / (1 + a.v * a.v));
}

/** atan2(y, x): the angle of (x, y). Its derivative is undefined at the origin. */
export function atan2(y: Real, x: Real): Real {
  const yv = value(y);
  const xv = value(x);
  const v = mathAtan2(yv, xv);
  if (typeof y === 'number' && typeof x === 'number') return v;
  const r2 = xv * xv + yv * yv;
  if (r2 === 0) forwardNonFinite(OP_ATAN2, NaN, 'atan2 derivative at the origin');
  return finishOp(OP_ATAN2, v, y, xv / r2, x, -yv / r2);
}

/** √(a² + b²) without overflow. Its derivative is undefined at the origin. */
export function hypot(a: Real, b: Real): Real {
  const av = value(a);
  const bv = value(b);
  const h = mathHypot(av, bv);
  if (typeof a === 'number' && typeof b === 'number') return h;
  if (h === 0) forwardNonFinite(OP_HYPOT, NaN, 'hypot derivative at the origin');
  return finishOp(OP_HYPOT, h, a, av / h, b, bv / h);
}

/** Σ xs, recorded as a chain of adds. */
export function sum(xs: readonly Real[]): Real {
  let s: Real = 0;
  for (const x of xs) s = add(s, x);
  return s;
}
