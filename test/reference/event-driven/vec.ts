/**
 * The reference's own small math: 3-vectors, 3×3 matrices (row-major arrays of 9) and unit
 * quaternions (w, x, y, z), as plain immutable number tuples. Written here rather than
 * imported from sim/ or ad/ so the reference shares no code with what it checks; speed is
 * not a goal (it runs a handful of events per trajectory).
 */

export type V3 = readonly [number, number, number];
export type M3 = readonly number[];
export type Q = readonly [number, number, number, number];

export const ZERO: V3 = [0, 0, 0];

export const add = (a: V3, b: V3): V3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
export const sub = (a: V3, b: V3): V3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
export const scale = (a: V3, s: number): V3 => [a[0] * s, a[1] * s, a[2] * s];
/** a + s·b */
export const addScaled = (a: V3, b: V3, s: number): V3 => [a[0] + s * b[0], a[1] + s * b[1], a[2] + s * b[2]];
export const dot = (a: V3, b: V3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
export const cross = (a: V3, b: V3): V3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
export const norm = (a: V3): number => Math.sqrt(dot(a, a));
export const normalize = (a: V3): V3 => scale(a, 1 / norm(a));

export function matVec(m: M3, v: V3): V3 {
  return [
    m[0] * v[0] + m[1] * v[1] + m[2] * v[2],
    m[3] * v[0] + m[4] * v[1] + m[5] * v[2],
    m[6] * v[0] + m[7] * v[1] + m[8] * v[2],
  ];
}

export function matMul(a: M3, b: M3): M3 {
  const out: number[] = [];
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) out.push(a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j]);
  return out;
}

export const transpose = (m: M3): M3 => [m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8]];
export const diag = (d: V3): M3 => [d[0], 0, 0, 0, d[1], 0, 0, 0, d[2]];
export const identity: M3 = diag([1, 1, 1]);
export const matAdd = (a: M3, b: M3): M3 => a.map((x, k) => x + b[k]);
export const matScale = (a: M3, s: number): M3 => a.map((x) => x * s);
/** [r]× , the matrix of r × · */
export const skew = (r: V3): M3 => [0, -r[2], r[1], r[2], 0, -r[0], -r[1], r[0], 0];

/** Inverse of a 3×3 matrix by cofactors; throws on a singular one (no silent fallback). */
export function inverse(m: M3): M3 {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (!(Math.abs(det) > 1e-300)) throw new Error(`reference: singular 3x3 matrix (det ${det})`);
  const s = 1 / det;
  return [
    A * s,
    -(b * i - c * h) * s,
    (b * f - c * e) * s,
    B * s,
    (a * i - c * g) * s,
    -(a * f - c * d) * s,
    C * s,
    -(a * h - b * g) * s,
    (a * e - b * d) * s,
  ];
}

/** Hamilton product a ⊗ b. */
export function qMul(a: Q, b: Q): Q {
  return [
    a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3],
    a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2],
    a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1],
    a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0],
  ];
}

export function qNormalize(q: Q): Q {
  const n = Math.hypot(q[0], q[1], q[2], q[3]);
  return [q[0] / n, q[1] / n, q[2] / n, q[3] / n];
}

/** The rotation by angle |θ| about θ/|θ| (θ a rotation vector, rad). */
export function qFromRotationVector(theta: V3): Q {
  const a = norm(theta);
  if (a < 1e-12) return qNormalize([1, theta[0] / 2, theta[1] / 2, theta[2] / 2]);
  const s = Math.sin(a / 2) / a;
  return [Math.cos(a / 2), theta[0] * s, theta[1] * s, theta[2] * s];
}

/** Rotation matrix of a unit quaternion (body → world). */
export function qToMatrix(q: Q): M3 {
  const [w, x, y, z] = q;
  return [
    1 - 2 * (y * y + z * z),
    2 * (x * y - w * z),
    2 * (x * z + w * y),
    2 * (x * y + w * z),
    1 - 2 * (x * x + z * z),
    2 * (y * z - w * x),
    2 * (x * z - w * y),
    2 * (y * z + w * x),
    1 - 2 * (x * x + y * y),
  ];
}

/** Two unit tangents completing the unit vector n to a right-handed frame (n, t₁, t₂). */
export function tangentBasis(n: V3): [V3, V3] {
  const helper: V3 = Math.abs(n[0]) < 0.6 ? [1, 0, 0] : [0, 1, 0];
  const t1 = normalize(sub(helper, scale(n, dot(helper, n))));
  return [t1, cross(n, t1)];
}
