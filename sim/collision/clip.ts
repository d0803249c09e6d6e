/**
 * Sutherland–Hodgman clipping of a convex polygon by one axis-aligned half-space, the
 * step that cuts a box's incident face down to the reference face in box–box contacts.
 */

/**
 * m: a point this close to the clipping plane counts as on it — kept, and no edge through
 * it is cut. An edge of the incident face lying in a side plane of the reference face
 * (boxes with aligned edges, a stack placed square) then keeps its two ends; without it,
 * rounding puts the ends ±1e-17 m either side and the cut parameter t = d₁/(d₁ − d₂) is 0/0
 * (a point anywhere on the edge, with an unbounded derivative). 1 nm is far below any
 * feature size and far above the frame transforms' rounding (~1e-16 m at metre scale).
 */
export const CLIP_PLANE_TOLERANCE = 1e-9;

/** Signed distance outside the clipping plane, snapped to 0 within {@link CLIP_PLANE_TOLERANCE}. */
export function clipOutside(coordinate: number, sign: number, bound: number): number {
  const outside = sign * coordinate - bound;
  return Math.abs(outside) <= CLIP_PLANE_TOLERANCE ? 0 : outside;
}

/**
 * Clip the polygon of `count` points in `src` (packed x, y, z) to the half-space
 * sign·x[axis] ≤ bounds[axis] (sign ±1), writing the result to `dst`; returns its point
 * count (at most count + 1). Points created on the boundary get x[axis] = sign·bound
 * exactly, so they lie on the clipping plane without rounding. `dst` must not alias
 * `src`. (The bound comes in an array, not as a number, so that no double is boxed when
 * the call is not inlined; see `ContactRecord`.)
 *
 * @example
 * // keep the part of a quad inside the slab |x| ≤ half[0]
 * let n = clipPolygonToHalfSpace(quad, 4, tmp, 0, 1, half);
 * n = clipPolygonToHalfSpace(tmp, n, quad, 0, -1, half);
 */
export function clipPolygonToHalfSpace(
  src: Float64Array,
  count: number,
  dst: Float64Array,
  axis: number,
  sign: number,
  bounds: Float64Array,
): number {
  const bound = bounds[axis];
  let written = 0;
  for (let i = 0; i < count; i++) {
    const prev = i === 0 ? count - 1 : i - 1;
    // clipOutside, written out: a double returned from a call that is not inlined is boxed
    let outsidePrev = sign * src[3 * prev + axis] - bound;
    if (Math.abs(outsidePrev) <= CLIP_PLANE_TOLERANCE) outsidePrev = 0;
    let outsideCur = sign * src[3 * i + axis] - bound;
    if (Math.abs(outsideCur) <= CLIP_PLANE_TOLERANCE) outsideCur = 0;
    if ((outsidePrev > 0 && outsideCur < 0) || (outsidePrev < 0 && outsideCur > 0)) {
      // the edge crosses the plane strictly (an end on the plane is kept as a point
      // of its own, so no point is added twice)
      const t = outsidePrev / (outsidePrev - outsideCur);
      for (let c = 0; c < 3; c++) {
        const from = src[3 * prev + c];
        dst[3 * written + c] = from + t * (src[3 * i + c] - from);
      }
      dst[3 * written + axis] = sign * bound;
      written++;
    }
    if (outsideCur <= 0) {
      for (let c = 0; c < 3; c++) dst[3 * written + c] = src[3 * i + c];
      written++;
    }
  }
  return written;
}
