/**
 * Small vector and quaternion helpers on Reals, for user code (objectives, controllers,
 * scene parameterisations). Vectors are `Real[]`; quaternions are `[w, x, y, z]`, scalar
 * first, as everywhere in diffcontact. The simulator's hot kernels do not use these: they
 * work on typed arrays inside primitives.
 *
 * `norm` is the one op here with a kink: at the zero vector the Euclidean norm has no
 * derivative (its subdifferential is the unit ball). The convention is the one `abs`
 * follows at 0: reverse mode uses the minimum-norm subgradient, 0; forward mode returns
 * the one-sided directional derivative ‖v̇‖; the kink is recorded with margin ‖v‖.
 * `normalize` and `quatNormalize` throw on the zero vector: it has no direction.
 */
import { defineOp, isForward, naryOp, recordKink, tangentVar, unaryOp, type Real, type Var } from './tape.ts';
import { add, div, mul, neg, sub, value } from './ops.ts';

const OP_NORM = defineOp('norm');

function checkLength(v: readonly Real[], n: number, what: string, op: string): void {
  if (v.length !== n) throw new RangeError(`ad.${op}: ${what} must have length ${n}, got ${v.length}`);
}

function checkSameLength(a: readonly Real[], b: readonly Real[], op: string): void {
  if (a.length !== b.length) throw new RangeError(`ad.${op}: lengths differ (${a.length} and ${b.length})`);
}

/**
 * a · b, for vectors of equal length.
 *
 * @example
 * dot([1, 2, 3], [4, 5, 6]); // 32
 */
export function dot(a: readonly Real[], b: readonly Real[]): Real {
  checkSameLength(a, b, 'dot');
  let s: Real = 0;
  for (let j = 0; j < a.length; j++) s = add(s, mul(a[j], b[j]));
  return s;
}

/**
 * a × b, for 3-vectors (right-handed).
 *
 * @example
 * cross([1, 0, 0], [0, 1, 0]); // [0, 0, 1]
 */
export function cross(a: readonly Real[], b: readonly Real[]): Real[] {
  checkLength(a, 3, 'a', 'cross');
  checkLength(b, 3, 'b', 'cross');
  return [
    sub(mul(a[1], b[2]), mul(a[2], b[1])),
    sub(mul(a[2], b[0]), mul(a[0], b[2])),
    sub(mul(a[0], b[1]), mul(a[1], b[0])),
  ];
}

/** s · v. */
export function scale(v: readonly Real[], s: Real): Real[] {
  return v.map((c) => mul(c, s));
}

/** a + b, componentwise. */
export function addVec(a: readonly Real[], b: readonly Real[]): Real[] {
  checkSameLength(a, b, 'addVec');
  return a.map((c, j) => add(c, b[j]));
}

/** a − b, componentwise. */
export function subVec(a: readonly Real[], b: readonly Real[]): Real[] {
  checkSameLength(a, b, 'subVec');
  return a.map((c, j) => sub(c, b[j]));
}

/** Per-call options of `norm`. */
export interface NormOptions {
  /** names the zero-vector decision in kink reports */
  label?: string;
}

/**
 * Euclidean norm ‖v‖, without overflow or underflow (Math.hypot), recorded as one tape
 * entry per pair of traced components rather than a chain of squares and a square root.
 * At the zero vector: value 0, reverse-mode gradient 0, forward-mode tangent ‖v̇‖ (see
 * the module comment); a kink with margin ‖v‖ is recorded on every traced call.
 *
 * @example
 * valueAndGrad((v) => norm(v), [3, 4, 0]); // { value: 5, grad: [0.6, 0.8, 0], ... }
 */
export function norm(v: readonly Real[], opts?: NormOptions): Real {
  const vals = v.map(value);
  const h = Math.hypot(...vals);
  let first = -1;
  for (let j = 0; j < v.length && first < 0; j++) if (typeof v[j] !== 'number') first = j;
  if (first < 0) return h;
  recordKink(OP_NORM, h, opts?.label, false);
  if (h === 0) {
    if (isForward()) return tangentVar(OP_NORM, 0, Math.hypot(...v.map((c) => (typeof c === 'number' ? 0 : c.t))));
    return unaryOp(OP_NORM, 0, v[first] as Var, 0);
  }
  return naryOp(
    OP_NORM,
    h,
    v,
    vals.map((c) => c / h),
  );
}

/**
 * v / ‖v‖. Throws a RangeError at the zero vector, which has no direction.
 *
 * @example
 * normalize([0, 3, 4]); // [0, 0.6, 0.8]
 */
export function normalize(v: readonly Real[]): Real[] {
  const n = norm(v);
  if (value(n) === 0) throw new RangeError('ad.normalize: the zero vector has no direction');
  return v.map((c) => div(c, n));
}

/**
 * Hamilton product p ⊗ q of quaternions [w, x, y, z]. Rotating by p ⊗ q is rotating by
 * q, then by p.
 *
 * @example
 * quatMul([0, 1, 0, 0], [0, 0, 1, 0]); // [0, 0, 0, 1]: i j = k
 */
export function quatMul(p: readonly Real[], q: readonly Real[]): Real[] {
  checkLength(p, 4, 'p', 'quatMul');
  checkLength(q, 4, 'q', 'quatMul');
  const [pw, px, py, pz] = p;
  const [qw, qx, qy, qz] = q;
  return [
    sub(sub(mul(pw, qw), mul(px, qx)), add(mul(py, qy), mul(pz, qz))),
    add(add(mul(pw, qx), mul(px, qw)), sub(mul(py, qz), mul(pz, qy))),
    add(sub(mul(pw, qy), mul(px, qz)), add(mul(py, qw), mul(pz, qx))),
    add(add(mul(pw, qz), mul(px, qy)), sub(mul(pz, qw), mul(py, qx))),
  ];
}

/** Conjugate [w, −x, −y, −z]; the inverse rotation for a unit quaternion. */
export function quatConj(q: readonly Real[]): Real[] {
  checkLength(q, 4, 'q', 'quatConj');
  return [q[0], neg(q[1]), neg(q[2]), neg(q[3])];
}

/**
 * Rotate the 3-vector `v` by the unit quaternion `q`: q ⊗ (0, v) ⊗ q*, evaluated as
 * v + w t + u × t with u = (x, y, z) and t = 2 u × v (fewer ops than two products).
 * `q` must be unit (see `quatNormalize`); it is not renormalised here.
 *
 * @example
 * const h = Math.SQRT1_2;
 * quatRotate([h, 0, 0, h], [1, 0, 0]); // ≈ [0, 1, 0]: 90° about z
 */
export function quatRotate(q: readonly Real[], v: readonly Real[]): Real[] {
  checkLength(q, 4, 'q', 'quatRotate');
  checkLength(v, 3, 'v', 'quatRotate');
  const u = [q[1], q[2], q[3]];
  const t = scale(cross(u, v), 2);
  return addVec(addVec(v, scale(t, q[0])), cross(u, t));
}

/** q / ‖q‖. Throws a RangeError at the zero quaternion. */
export function quatNormalize(q: readonly Real[]): Real[] {
  checkLength(q, 4, 'q', 'quatNormalize');
  return normalize(q);
}
