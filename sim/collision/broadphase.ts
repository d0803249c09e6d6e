/**
 * Broadphase: which body pairs are worth a narrowphase test. Sweep and prune on
 * axis-aligned bounding boxes (AABBs): sort the boxes by their lower bound along one
 * axis, then each box only meets the boxes that start before it ends. Planes are
 * unbounded, so each plane is paired with every non-plane body directly. Static–static
 * pairs are never reported.
 *
 * The sort is an insertion sort of the order left by the previous call: bodies move
 * little per step, so it costs O(n) in a running simulation (O(n²) the first time). Ties
 * go by body index and the sweep axis is computed in body order, so the pairs and their
 * order are a function of the poses alone, not of the previous call: a rollout's backward
 * pass that collides a kept state again finds the forward pass's contacts in the same order.
 */
import { SHAPE_ROWS, ShapeType } from '../shapes.ts';
import type { ShapeRow, SolidRow } from '../shapes/row.ts';
import type { CollisionInput } from './types.ts';

/**
 * Candidate pairs (a < b), in growable arrays: `a[p]`, `b[p]` for p < `count`. The arrays
 * grow by doubling when full, so a simulation allocates only while the pair count rises.
 */
export interface PairList {
  count: number;
  a: Int32Array;
  b: Int32Array;
}

/** The broadphase's workspace for one model: reused across calls, so a call allocates nothing. */
export interface Broadphase {
  /** bodies with bounds (all but planes), in sweep order after the last call */
  readonly order: Int32Array;
  /** the same bodies in index order */
  readonly bounded: Int32Array;
  /** the plane bodies */
  readonly planes: Int32Array;
  /** (nbody×3) AABB lower corner of each body after the last call, inflated by margin/2, m */
  readonly lower: Float64Array;
  /** (nbody×3) AABB upper corner, inflated by margin/2, m */
  readonly upper: Float64Array;
  /** sweep axis of the last call: the one along which the box centres spread most */
  axis: number;
  /** the pairs found by the last call */
  readonly pairs: PairList;
}

const _extent = new Float64Array(3);

/** Each shape type's `aabbHalfWidths`, by code (one load and a call in the hot loop; the plane's throws: planes are paired apart). */
const HALF_WIDTHS: readonly SolidRow['aabbHalfWidths'][] = SHAPE_ROWS.map(
  (row) =>
    (row as ShapeRow).solid?.aabbHalfWidths ??
    (() => {
      throw new Error(`broadphase: a ${row.name} has no bounding box`);
    }),
);

/**
 * Workspace for `broadphase` on `input`'s bodies.
 *
 * @example
 * const bp = createBroadphase(model);
 * const pairs = broadphase(model, state.bodyQ, 0.01, bp);
 */
export function createBroadphase(input: CollisionInput): Broadphase {
  let planeCount = 0;
  for (let i = 0; i < input.nbody; i++) if (input.geomType[i] === ShapeType.plane) planeCount++;
  const order = new Int32Array(input.nbody - planeCount);
  const planes = new Int32Array(planeCount);
  for (let i = 0, o = 0, p = 0; i < input.nbody; i++) {
    if (input.geomType[i] === ShapeType.plane) planes[p++] = i;
    else order[o++] = i;
  }
  const initialPairs = Math.max(16, 4 * input.nbody);
  return {
    order,
    bounded: order.slice(),
    planes,
    lower: new Float64Array(3 * input.nbody),
    upper: new Float64Array(3 * input.nbody),
    axis: 0,
    pairs: { count: 0, a: new Int32Array(initialPairs), b: new Int32Array(initialPairs) },
  };
}

function pushPair(pairs: PairList, i: number, j: number): void {
  if (pairs.count === pairs.a.length) {
    const a = new Int32Array(2 * pairs.a.length);
    const b = new Int32Array(2 * pairs.b.length);
    a.set(pairs.a);
    b.set(pairs.b);
    pairs.a = a;
    pairs.b = b;
  }
  pairs.a[pairs.count] = i < j ? i : j;
  pairs.b[pairs.count] = i < j ? j : i;
  pairs.count++;
}

/**
 * World AABB of (non-plane) body `i`, each side pushed out by margin/2 (m), into
 * `lower[3i..3i+2]` and `upper[3i..3i+2]`.
 */
export function bodyAabb(
  input: CollisionInput,
  bodyQ: Float64Array,
  i: number,
  margin: number,
  lower: Float64Array,
  upper: Float64Array,
): void {
  const pad = 0.5 * margin;
  // the shape's half widths along the world axes (its row's; planes never get here)
  HALF_WIDTHS[input.geomType[i]](input.geomSize, 4 * i, bodyQ, 7 * i + 3, _extent);
  const ex = _extent[0],
    ey = _extent[1],
    ez = _extent[2];
  const o = 7 * i;
  lower[3 * i] = bodyQ[o] - ex - pad;
  lower[3 * i + 1] = bodyQ[o + 1] - ey - pad;
  lower[3 * i + 2] = bodyQ[o + 2] - ez - pad;
  upper[3 * i] = bodyQ[o] + ex + pad;
  upper[3 * i + 1] = bodyQ[o + 1] + ey + pad;
  upper[3 * i + 2] = bodyQ[o + 2] + ez + pad;
}

/** The axis along which the AABB centres of the bodies in `order` spread most (largest variance). */
function widestAxis(bp: Broadphase): number {
  const n = bp.bounded.length;
  if (n < 2) return bp.axis;
  let best = 0;
  let bestVariance = -1;
  for (let axis = 0; axis < 3; axis++) {
    let sum = 0;
    let sumSq = 0;
    for (let o = 0; o < n; o++) {
      const i = bp.bounded[o];
      const centre = 0.5 * (bp.lower[3 * i + axis] + bp.upper[3 * i + axis]);
      sum += centre;
      sumSq += centre * centre;
    }
    const variance = sumSq / n - (sum / n) * (sum / n);
    if (variance > bestVariance) {
      bestVariance = variance;
      best = axis;
    }
  }
  return best;
}

/**
 * Candidate pairs for the narrowphase: every pair of bodies whose AABBs, each inflated
 * by margin/2 on every side, overlap (so their gap is ≤ margin along every axis), plus
 * every plane with every non-plane body, minus static–static pairs. Fills and returns
 * `bp.pairs`, each pair with a < b.
 *
 * @example
 * const pairs = broadphase(model, state.bodyQ, margin, bp);
 * for (let p = 0; p < pairs.count; p++) collidePair(model, state.bodyQ, pairs.a[p], pairs.b[p], margin, contacts);
 */
export function broadphase(input: CollisionInput, bodyQ: Float64Array, margin: number, bp: Broadphase): PairList {
  const { order, lower, upper, pairs } = bp;
  const stat = input.bodyStatic;
  const n = order.length;
  pairs.count = 0;
  for (let o = 0; o < n; o++) bodyAabb(input, bodyQ, order[o], margin, lower, upper);

  // sort by lower bound along the sweep axis, ties by body index (insertion sort: nearly
  // sorted already)
  const axis = (bp.axis = widestAxis(bp));
  for (let o = 1; o < n; o++) {
    const body = order[o];
    const key = lower[3 * body + axis];
    let p = o - 1;
    while (p >= 0 && (lower[3 * order[p] + axis] > key || (lower[3 * order[p] + axis] === key && order[p] > body))) {
      order[p + 1] = order[p];
      p--;
    }
    order[p + 1] = body;
  }

  // sweep: body i meets the bodies that start before it ends along the axis
  const axis1 = (axis + 1) % 3,
    axis2 = (axis + 2) % 3;
  for (let o = 0; o < n; o++) {
    const i = order[o];
    const end = upper[3 * i + axis];
    for (let p = o + 1; p < n; p++) {
      const j = order[p];
      if (lower[3 * j + axis] > end) break;
      if (stat[i] && stat[j]) continue;
      if (lower[3 * j + axis1] > upper[3 * i + axis1] || lower[3 * i + axis1] > upper[3 * j + axis1]) continue;
      if (lower[3 * j + axis2] > upper[3 * i + axis2] || lower[3 * i + axis2] > upper[3 * j + axis2]) continue;
      pushPair(pairs, i, j);
    }
  }

  // planes: unbounded, paired with every non-plane body that is not static with them
  for (let p = 0; p < bp.planes.length; p++) {
    const plane = bp.planes[p];
    for (let o = 0; o < n; o++) {
      const j = order[o];
      if (stat[plane] && stat[j]) continue;
      pushPair(pairs, plane, j);
    }
  }
  return pairs;
}
