// Test fixtures for collision: hand-built scenes (no model builder), independent
// geometry of each shape (signed distance functions and support functions, written here
// from their definitions, not from sim/collision), rigid transforms, and fast-check
// arbitraries of random shapes and poses.
import fc from 'fast-check';
import { ShapeType } from '../../../sim/shapes.ts';
import type { CollisionInput } from '../../../sim/collision/types.ts';
import type { Contacts } from '../../../sim/collision/contacts.ts';

export type ShapeName = 'plane' | 'sphere' | 'box' | 'capsule';
export type V3 = [number, number, number];
export type Quat = [number, number, number, number];

/**
 * One body as a test describes it. `size`: sphere [r], box [hx, hy, hz], capsule
 * [r, halfLength], plane [nx, ny, nz, offset] (normal normalized by `makeScene`).
 */
export interface ShapeSpec {
  type: ShapeName;
  size: number[];
  position?: V3;
  /** w, x, y, z; need not be unit (normalized by `makeScene`) */
  quat?: Quat;
  static?: boolean;
}

/** A posed shape with every field filled in and normalized. */
export interface Posed {
  type: ShapeName;
  size: number[];
  position: V3;
  quat: Quat;
}

export function normalizeQuat(q: readonly number[]): Quat {
  const n = Math.hypot(q[0], q[1], q[2], q[3]);
  return [q[0] / n, q[1] / n, q[2] / n, q[3] / n];
}

export function posed(spec: ShapeSpec): Posed {
  let size = [...spec.size];
  if (spec.type === 'plane') {
    const n = Math.hypot(size[0], size[1], size[2]);
    size = [size[0] / n, size[1] / n, size[2] / n, size[3]];
  }
  return {
    type: spec.type,
    size,
    position: spec.position ?? [0, 0, 0],
    quat: normalizeQuat(spec.quat ?? [1, 0, 0, 0]),
  };
}

/** A minimal CollisionInput and State.bodyQ for the given bodies. */
export function makeScene(bodies: readonly ShapeSpec[]): {
  input: CollisionInput;
  bodyQ: Float64Array;
  posed: Posed[];
} {
  const n = bodies.length;
  const geomType = new Uint8Array(n);
  const geomSize = new Float64Array(4 * n);
  const bodyStatic = new Uint8Array(n);
  const bodyQ = new Float64Array(7 * n);
  const all = bodies.map(posed);
  all.forEach((body, i) => {
    geomType[i] = ShapeType[body.type];
    geomSize.set(body.size, 4 * i);
    bodyStatic[i] = body.type === 'plane' || bodies[i].static ? 1 : 0;
    bodyQ.set(body.position, 7 * i);
    bodyQ.set(body.quat, 7 * i + 3);
  });
  return { input: { nbody: n, geomType, geomSize, bodyStatic }, bodyQ, posed: all };
}

export interface ContactView {
  a: number;
  b: number;
  point: V3;
  normal: V3;
  dist: number;
  pair: number;
}

export function readContacts(c: Contacts, from = 0): ContactView[] {
  const list: ContactView[] = [];
  for (let k = from; k < c.count; k++) {
    list.push({
      a: c.bodyA[k],
      b: c.bodyB[k],
      point: [c.point[3 * k], c.point[3 * k + 1], c.point[3 * k + 2]],
      normal: [c.normal[3 * k], c.normal[3 * k + 1], c.normal[3 * k + 2]],
      dist: c.dist[k],
      pair: c.pair[k],
    });
  }
  return list;
}

// ---- small vector algebra on tuples (independent of sim/math) ----

export const add = (a: ArrayLike<number>, b: ArrayLike<number>): V3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
export const sub = (a: ArrayLike<number>, b: ArrayLike<number>): V3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
export const scale = (a: ArrayLike<number>, s: number): V3 => [a[0] * s, a[1] * s, a[2] * s];
export const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
export const norm = (a: ArrayLike<number>): number => Math.sqrt(dot(a, a));
export const cross = (a: ArrayLike<number>, b: ArrayLike<number>): V3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
export const unit = (a: ArrayLike<number>): V3 => scale(a, 1 / norm(a));

export function quatMul(a: ArrayLike<number>, b: ArrayLike<number>): Quat {
  return [
    a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3],
    a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2],
    a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1],
    a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0],
  ];
}

/** q v q* by two Hamilton products (the textbook definition). */
export function rotate(q: readonly number[], v: readonly number[]): V3 {
  const r = quatMul(quatMul(q, [0, v[0], v[1], v[2]]), [q[0], -q[1], -q[2], -q[3]]);
  return [r[1], r[2], r[3]];
}

export function inverseRotate(q: readonly number[], v: readonly number[]): V3 {
  return rotate([q[0], -q[1], -q[2], -q[3]], v);
}

/** Unit quaternion for a rotation by `angle` (rad) about `axis`. */
export function axisAngle(axis: readonly number[], angle: number): Quat {
  const u = unit(axis);
  const s = Math.sin(angle / 2);
  return [Math.cos(angle / 2), u[0] * s, u[1] * s, u[2] * s];
}

/** Apply the rigid motion x ↦ R x + t (R from unit quaternion `q`) to a posed shape. */
export function transformPosed(body: Posed, q: Quat, t: V3): Posed {
  if (body.type === 'plane') {
    const n = rotate(q, body.size);
    return { ...body, size: [n[0], n[1], n[2], body.size[3] + dot(n, t)] };
  }
  return { ...body, position: add(rotate(q, body.position), t), quat: normalizeQuat(quatMul(q, body.quat)) };
}

// ---- independent geometry ----

function capsuleEnds(body: Posed): [V3, V3] {
  const axis = rotate(body.quat, [0, 0, body.size[1]]);
  return [sub(body.position, axis), add(body.position, axis)];
}

function distanceToSegment(p: readonly number[], e0: readonly number[], e1: readonly number[]): number {
  const d = sub(e1, e0);
  const len2 = dot(d, d);
  const t = len2 === 0 ? 0 : Math.min(1, Math.max(0, dot(sub(p, e0), d) / len2));
  return norm(sub(p, add(e0, scale(d, t))));
}

/** Signed distance from world point p to the shape's surface (< 0 inside). */
export function sdf(body: Posed, p: readonly number[]): number {
  switch (body.type) {
    case 'plane':
      return dot(body.size, p) - body.size[3];
    case 'sphere':
      return norm(sub(p, body.position)) - body.size[0];
    case 'capsule': {
      const [e0, e1] = capsuleEnds(body);
      return distanceToSegment(p, e0, e1) - body.size[0];
    }
    case 'box': {
      const local = inverseRotate(body.quat, sub(p, body.position));
      const q = local.map((x, k) => Math.abs(x) - body.size[k]);
      const outside = Math.hypot(Math.max(q[0], 0), Math.max(q[1], 0), Math.max(q[2], 0));
      return outside + Math.min(Math.max(q[0], q[1], q[2]), 0);
    }
  }
}

/** Support function h(u) = max over the shape of u·x, with the shape's axes precomputed. */
export function makeSupport(body: Posed): (u: readonly number[]) => number {
  switch (body.type) {
    case 'plane':
      throw new Error('support: a plane is unbounded; use separationAlong');
    case 'sphere':
      return (u) => dot(u, body.position) + body.size[0] * norm(u);
    case 'capsule': {
      const [e0, e1] = capsuleEnds(body);
      return (u) => Math.max(dot(u, e0), dot(u, e1)) + body.size[0] * norm(u);
    }
    case 'box': {
      const axes = [0, 1, 2].map((k) =>
        scale(rotate(body.quat, [k === 0 ? 1 : 0, k === 1 ? 1 : 0, k === 2 ? 1 : 0]), body.size[k]),
      );
      return (u) =>
        dot(u, body.position) + Math.abs(dot(u, axes[0])) + Math.abs(dot(u, axes[1])) + Math.abs(dot(u, axes[2]));
    }
  }
}

type Separation = (u: readonly number[]) => number;

/**
 * Separation of A and B along unit u (from A to B), as a function of u: min over B of
 * u·x minus max over A of u·x. Positive: a gap of that width along u. A plane is
 * unbounded except along its normal, so with a plane only u = ±n is meaningful and the
 * function ignores u.
 */
export function makeSeparation(A: Posed, B: Posed): Separation {
  if (A.type === 'plane') {
    const hB = makeSupport(B);
    const minusN = scale(A.size, -1);
    return () => -hB(minusN) - A.size[3];
  }
  const hA = makeSupport(A);
  if (B.type === 'plane') return () => -hA(scale(B.size, -1)) - B.size[3];
  const hB = makeSupport(B);
  return (u) => -hA(u) - hB([-u[0], -u[1], -u[2]]);
}

/** makeSeparation(A, B)(u). */
export function separationAlong(A: Posed, B: Posed, u: readonly number[]): number {
  return makeSeparation(A, B)(u);
}

function fibonacciSphere(count: number): V3[] {
  const dirs: V3[] = [];
  const golden = Math.PI * (3 - Math.sqrt(5));
  for (let i = 0; i < count; i++) {
    const z = 1 - (2 * (i + 0.5)) / count;
    const r = Math.sqrt(1 - z * z);
    dirs.push([r * Math.cos(golden * i), r * Math.sin(golden * i), z]);
  }
  return dirs;
}

const SEARCH_DIRS = fibonacciSphere(600);

function perpendicularBasis(u: V3): [V3, V3] {
  const helper: V3 = Math.abs(u[0]) < 0.6 ? [1, 0, 0] : [0, 1, 0];
  const t1 = unit(cross(u, helper));
  return [t1, cross(u, t1)];
}

/**
 * Signed distance of two convex shapes from their support functions alone:
 * max over unit u of separationAlong(A, B, u). (Separated: the distance, by the
 * separating-hyperplane theorem; overlapping: minus the penetration depth, the least
 * translation that separates them.) Found by sampling 600 directions, then a pattern
 * search from the best few; the result is a lower bound, tight to ~1e-9 when the search
 * converges. A plane pair is closed-form (only its normal separates).
 */
export function signedDistanceBySupport(A: Posed, B: Posed): { value: number; u: V3 } {
  const separation = makeSeparation(A, B);
  if (A.type === 'plane') return { value: separation(A.size), u: [A.size[0], A.size[1], A.size[2]] };
  if (B.type === 'plane') {
    const u = scale(B.size, -1);
    return { value: separation(u), u };
  }
  const scored = SEARCH_DIRS.map((u) => ({ u, value: separation(u) }));
  scored.sort((x, y) => y.value - x.value);
  let best = scored[0];
  for (const start of scored.slice(0, 6)) {
    let u = start.u;
    let value = start.value;
    // pattern search: grow the step after a move, shrink it after a miss; bounded
    let step = 0.05;
    for (let iteration = 0; iteration < 400 && step > 1e-11; iteration++) {
      const [t1, t2] = perpendicularBasis(u);
      let moved = false;
      for (let k = 0; k < 24 && !moved; k++) {
        const angle = (2 * Math.PI * k) / 24;
        const candidate = unit(add(u, add(scale(t1, step * Math.cos(angle)), scale(t2, step * Math.sin(angle)))));
        const v = separation(candidate);
        if (v > value) {
          u = candidate;
          value = v;
          moved = true;
        }
      }
      step = moved ? Math.min(2 * step, 0.1) : step / 2;
    }
    if (value > best.value) best = { u, value };
  }
  return best;
}

// ---- fast-check arbitraries ----

// on a 1e-6 grid (a micron for positions): fast-check also draws subnormal and tiny
// numbers, which put shapes nanometres from a degenerate pose (crossing capsule axes),
// where a normal is only defined to ~1e-8 and exact comparisons would test rounding
const unitDouble = fc.double({ min: -1, max: 1, noNaN: true }).map((x) => Math.round(x * 1e6) / 1e6);

/** A unit quaternion (uniform enough for tests: four coordinates in [−1, 1], normalized). */
export const arbQuat: fc.Arbitrary<Quat> = fc
  .tuple(unitDouble, unitDouble, unitDouble, unitDouble)
  .filter((q) => Math.hypot(...q) > 0.1)
  .map(normalizeQuat);

export const arbVec = (extent: number): fc.Arbitrary<V3> =>
  fc.tuple(unitDouble, unitDouble, unitDouble).map(([x, y, z]) => [x * extent, y * extent, z * extent]);

const arbLength = fc.double({ min: 0.1, max: 0.8, noNaN: true });

/** A random posed shape of the given type near the origin (within `extent` m). */
export function arbShape(type: ShapeName, extent: number): fc.Arbitrary<Posed> {
  const pose = fc.tuple(arbVec(extent), arbQuat);
  switch (type) {
    case 'plane':
      return fc
        .tuple(
          arbVec(1).filter((n) => norm(n) > 0.1),
          fc.double({ min: -0.5, max: 0.5, noNaN: true }),
        )
        .map(([n, offset]) => posed({ type, size: [...n, offset] }));
    case 'sphere':
      return fc.tuple(arbLength, pose).map(([r, [p, q]]) => posed({ type, size: [r], position: p, quat: q }));
    case 'box':
      return fc
        .tuple(arbLength, arbLength, arbLength, pose)
        .map(([x, y, z, [p, q]]) => posed({ type, size: [x, y, z], position: p, quat: q }));
    case 'capsule':
      return fc
        .tuple(arbLength, arbLength, pose)
        .map(([r, l, [p, q]]) => posed({ type, size: [r, l], position: p, quat: q }));
  }
}

export function sceneOf(bodies: readonly Posed[]): { input: CollisionInput; bodyQ: Float64Array; posed: Posed[] } {
  return makeScene(bodies.map((b) => ({ type: b.type, size: b.size, position: b.position, quat: b.quat })));
}
