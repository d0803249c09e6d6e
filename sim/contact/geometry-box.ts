/**
 * Contact geometry formulas for the box pairs: box–box (sim/collision/boxBox.ts) and
 * box–capsule (sim/collision/boxCapsule.ts), in the style of geometry-features.ts: for the
 * FIXED feature the narrowphase chose, its arithmetic repeated operation by operation with
 * ad ops on the 22 local inputs [pose A | pose B | size A | size B], so plain numbers give
 * the narrowphase's values bit for bit and traced inputs the exact derivative of the
 * executed branch.
 *
 * The feature ids do not say everything (a clipped face point's id is its index in the
 * clipped polygon, not where it came from), so each formula re-makes the narrowphase's
 * discrete choices from the plain values (`value(x)`): the incident face, which polygon
 * points each side plane cuts, which slab bound starts or ends a capsule's stretch, which
 * piece of the box–segment distance holds its minimum. Only the arithmetic after the
 * choices is differentiated, so a clipped point's derivative goes through the
 * intersection parameter of the incident edge with the side plane (both poses), and the
 * reference normal rotates with the reference box.
 *
 * Decisions (near ties of separating axes, clip boundaries, support edges, slab bounds,
 * segment clamps) go to the sink with the kinds of `GEOMETRY_DECISION_KINDS`. The margins
 * are computed only when a sink is given (they need the competing axes' separations).
 *
 * Imports run one way: geometry-features.ts dispatches here, and this file and it take
 * the shared pieces (layout, decision codes, small arithmetic, segment closest points)
 * from geometry-shared.ts. The thresholds (boxBox.ts CORNER_TOLERANCE, boxCapsule.ts
 * FLAT_TOLERANCE, sat.ts) are the narrowphase's own constants, imported, not copied.
 */
import { add, div, mul, neg, sqrt, sub, value } from '../../ad/ops.ts';
import type { Real } from '../../ad/tape.ts';
import { CORNER_TOLERANCE } from '../collision/boxBox.ts';
import { CLIP_PLANE_TOLERANCE, clipOutside } from '../collision/clip.ts';
import { FLAT_TOLERANCE } from '../collision/boxCapsule.ts';
import { EDGE_AXIS_MIN_SINE, EDGE_AXIS_TOLERANCE } from '../collision/sat.ts';
import {
  capsuleSegment,
  closestBetweenSegments,
  DECISION_BOX_REGION,
  DECISION_FACE_CLIP,
  DECISION_INCIDENT_FACE,
  DECISION_SEGMENT_CLAMP,
  DECISION_SEPARATING_AXIS,
  DECISION_SUPPORT_EDGE,
  dot3,
  emit,
  load3,
  LOCAL_POSE_A,
  LOCAL_POSE_B,
  LOCAL_SIZE_A,
  LOCAL_SIZE_B,
  rotation,
  sub3,
  type DecisionSink,
  type V3,
} from './geometry-shared.ts';

/** Feature ids of box–box: 8·face + i (faces 0–11) then 96 + 3i + j (edge pairs). */
export const BOX_BOX_FEATURES = 105;
/** Feature ids of box–capsule: 0, 1–2, 3 + 2·face + end (3–14), 15 + k (15–17). */
export const BOX_CAPSULE_FEATURES = 18;

// the first edge–edge id of box–box, and the box–capsule id ranges (boxBox.ts, boxCapsule.ts)
const BOX_EDGE_FEATURE = 96;
const CAPSULE_FACE_FEATURE = 3;
const CAPSULE_EDGE_FEATURE = 15;

// ---- small pieces ---------------------------------------------------------------------------

/** Math.abs on a Real (the branch taken by the value; no kink recorded: callers report). */
function absReal(x: Real): Real {
  return value(x) < 0 ? neg(x) : x;
}

/** `mat3MulVec3(out, m, v)`: m·v, m column-major. */
function rotate(m: readonly Real[], v: V3): V3 {
  const out: V3 = [0, 0, 0];
  for (let i = 0; i < 3; i++) out[i] = add(add(mul(m[i], v[0]), mul(m[3 + i], v[1])), mul(m[6 + i], v[2]));
  return out;
}

/** `mat3TransposeMulVec3(out, m, v)`: mᵀ·v. */
function rotateBack(m: readonly Real[], v: V3): V3 {
  const out: V3 = [0, 0, 0];
  for (let r = 0; r < 3; r++) out[r] = add(add(mul(m[3 * r], v[0]), mul(m[3 * r + 1], v[1])), mul(m[3 * r + 2], v[2]));
  return out;
}

/** Column `col` of a column-major matrix. */
function column(m: readonly Real[], col: number): V3 {
  return [m[3 * col], m[3 * col + 1], m[3 * col + 2]];
}

/** `toWorld`: m·local + centre. */
function toWorld(m: readonly Real[], centre: V3, local: V3): V3 {
  const w = rotate(m, local);
  return [add(w[0], centre[0]), add(w[1], centre[1]), add(w[2], centre[2])];
}

function values3(v: V3): [number, number, number] {
  return [value(v[0]), value(v[1]), value(v[2])];
}

/** Minimum over a list, ∞ for none (margins of decisions with no competitor). */
function smallest(xs: readonly number[]): number {
  let m = Infinity;
  for (const x of xs) if (x < m) m = x;
  return m;
}

// ---- box–box ----------------------------------------------------------------------------------

/** The pair in A's frame, as collideBoxBox computes it. */
interface BoxPairFrame {
  centreA: V3;
  centreB: V3;
  rotA: Real[];
  rotB: Real[];
  halfA: V3;
  halfB: V3;
  /** B's axes in A's frame (column j = B's axis j), `mat3TransposeMul(rotA, rotB)` */
  c: Real[];
  /** B's centre in A's frame */
  t: V3;
}

function boxPairFrame(x: readonly Real[]): BoxPairFrame {
  const rotA = rotation(x, LOCAL_POSE_A + 3);
  const rotB = rotation(x, LOCAL_POSE_B + 3);
  const centreA = load3(x, LOCAL_POSE_A);
  const centreB = load3(x, LOCAL_POSE_B);
  const c: Real[] = [];
  for (let col = 0; col < 3; col++) c.push(...rotateBack(rotA, column(rotB, col)));
  return {
    centreA,
    centreB,
    rotA,
    rotB,
    halfA: load3(x, LOCAL_SIZE_A),
    halfB: load3(x, LOCAL_SIZE_B),
    c,
    t: rotateBack(rotA, sub3(centreB, centreA)),
  };
}

/** `eᵢ × (B's axis j)` in A's frame, unnormalized (candidateAxes), and its length. */
function edgeCross(c: readonly Real[], i: number, j: number): [V3, Real] {
  const bx = c[3 * j],
    by = c[3 * j + 1],
    bz = c[3 * j + 2];
  const u: V3 = [
    i === 0 ? 0 : i === 1 ? bz : neg(by),
    i === 0 ? neg(bz) : i === 1 ? 0 : bx,
    i === 0 ? by : i === 1 ? neg(bx) : 0,
  ];
  return [u, sqrt(add(add(mul(u[0], u[0]), mul(u[1], u[1])), mul(u[2], u[2])))];
}

/** Candidate axis n (0–14, see boxBox.ts `candidateAxes`) in A's frame; null: no axis. */
function candidateAxis(f: BoxPairFrame, n: number): V3 | null {
  if (n < 3) {
    const u: V3 = [0, 0, 0];
    u[n] = 1;
    return u;
  }
  if (n < 6) return column(f.c, n - 3);
  const i = ((n - 6) / 3) | 0,
    j = (n - 6) % 3;
  const [u, len] = edgeCross(f.c, i, j);
  if (value(len) < EDGE_AXIS_MIN_SINE) return null;
  return [div(u[0], len), div(u[1], len), div(u[2], len)];
}

/** Separation along unit axis u: |t·u| − (A's extent + B's extent along u). */
function separation(f: BoxPairFrame, u: V3): Real {
  const h = f.halfA,
    g = f.halfB;
  const extentA = add(add(mul(h[0], absReal(u[0])), mul(h[1], absReal(u[1]))), mul(h[2], absReal(u[2])));
  const extentB = add(
    add(mul(g[0], absReal(dot3(u, column(f.c, 0)))), mul(g[1], absReal(dot3(u, column(f.c, 1))))),
    mul(g[2], absReal(dot3(u, column(f.c, 2)))),
  );
  return sub(sub(absReal(dot3(u, f.t)), extentA), extentB);
}

/** The pair frame on plain values (for margins: no tape entries). */
function plainFrame(f: BoxPairFrame): BoxPairFrame {
  return {
    centreA: values3(f.centreA),
    centreB: values3(f.centreB),
    rotA: f.rotA.map(value),
    rotB: f.rotB.map(value),
    halfA: values3(f.halfA),
    halfB: values3(f.halfB),
    c: f.c.map(value),
    t: values3(f.t),
  };
}

/**
 * Report how far the SAT choice of axis `chosen` is from switching: face axes compete
 * with the other face axes, edge axes with the other edge axes, and the best of each kind
 * with the other kind across EDGE_AXIS_TOLERANCE.
 */
function reportAxisChoice(f: BoxPairFrame, chosen: number, sink: DecisionSink): void {
  const plain = plainFrame(f);
  const sep: number[] = [];
  for (let n = 0; n < 15; n++) {
    const u = candidateAxis(plain, n);
    sep.push(u === null ? -Infinity : (separation(plain, u) as number));
  }
  const bestFace = Math.max(...sep.slice(0, 6));
  const bestEdge = Math.max(...sep.slice(6));
  const gaps: number[] = [];
  const isFace = chosen < 6;
  for (let n = isFace ? 0 : 6; n < (isFace ? 6 : 15); n++) if (n !== chosen) gaps.push(Math.abs(sep[chosen] - sep[n]));
  gaps.push(
    Math.abs(isFace ? sep[chosen] + EDGE_AXIS_TOLERANCE - bestEdge : sep[chosen] - bestFace - EDGE_AXIS_TOLERANCE),
  );
  sink.decision(smallest(gaps.filter((g) => !Number.isNaN(g))), DECISION_SEPARATING_AXIS);
}

/**
 * `clipPolygonToHalfSpace`: the polygon clipped to sign·x[axis] ≤ bound. Which points are
 * kept and which edges are cut follow the values; the cut points' coordinates are Reals
 * (their parameter differentiated). Each point's distance to the plane goes to the sink.
 */
function clipToHalfSpace(src: readonly V3[], axis: number, sign: number, bound: Real, sink: DecisionSink | null): V3[] {
  const out: V3[] = [];
  const count = src.length;
  const b = value(bound);
  for (let i = 0; i < count; i++) {
    const prev = i === 0 ? count - 1 : i - 1;
    const outsidePrev = clipOutside(value(src[prev][axis]), sign, b);
    const outsideCur = clipOutside(value(src[i][axis]), sign, b);
    // the decision's boundary is the band |d| = CLIP_PLANE_TOLERANCE around the plane
    if (sink !== null)
      sink.decision(Math.abs(Math.abs(sign * value(src[i][axis]) - b) - CLIP_PLANE_TOLERANCE), DECISION_FACE_CLIP);
    if ((outsidePrev > 0 && outsideCur < 0) || (outsidePrev < 0 && outsideCur > 0)) {
      const from = src[prev],
        to = src[i];
      const op = sub(mul(sign, from[axis]), bound);
      const oc = sub(mul(sign, to[axis]), bound);
      const t = div(op, sub(op, oc));
      const cut: V3 = [0, 0, 0];
      for (let c = 0; c < 3; c++) cut[c] = add(from[c], mul(t, sub(to[c], from[c])));
      cut[axis] = mul(sign, bound);
      out.push(cut);
    }
    if (outsideCur <= 0) out.push(src[i]);
  }
  return out;
}

/**
 * `clipIncidentFace`: the incident box's face most opposed to reference face (k, side),
 * clipped to the reference face's four sides, in the reference frame.
 */
function clippedIncidentFace(
  halfRef: V3,
  k: number,
  side: number,
  centreInc: V3,
  axesInc: readonly Real[],
  halfInc: V3,
  sink: DecisionSink | null,
): V3[] {
  let j = 0;
  let best = -1;
  for (let m = 0; m < 3; m++) {
    const alignment = Math.abs(value(axesInc[3 * m + k]));
    if (alignment > best) {
      best = alignment;
      j = m;
    }
  }
  if (sink !== null) {
    const others = [0, 1, 2].filter((m) => m !== j).map((m) => best - Math.abs(value(axesInc[3 * m + k])));
    sink.decision(smallest(others), DECISION_INCIDENT_FACE);
  }
  const faceSign = side * value(axesInc[3 * j + k]) > 0 ? -1 : 1;
  const j1 = (j + 1) % 3,
    j2 = (j + 2) % 3;
  let polygon: V3[] = [];
  for (let v = 0; v < 4; v++) {
    const s1 = v === 0 || v === 3 ? 1 : -1;
    const s2 = v < 2 ? 1 : -1;
    const corner: V3 = [0, 0, 0];
    for (let c = 0; c < 3; c++) {
      corner[c] = add(
        add(
          add(centreInc[c], mul(mul(faceSign, halfInc[j]), axesInc[3 * j + c])),
          mul(mul(s1, halfInc[j1]), axesInc[3 * j1 + c]),
        ),
        mul(mul(s2, halfInc[j2]), axesInc[3 * j2 + c]),
      );
    }
    polygon.push(corner);
  }
  const k1 = (k + 1) % 3,
    k2 = (k + 2) % 3;
  polygon = clipToHalfSpace(polygon, k1, 1, halfRef[k1], sink);
  polygon = clipToHalfSpace(polygon, k1, -1, halfRef[k1], sink);
  polygon = clipToHalfSpace(polygon, k2, 1, halfRef[k2], sink);
  return clipToHalfSpace(polygon, k2, -1, halfRef[k2], sink);
}

/** `emitFaceManifold`, clipped point `index` on reference face `face` (0–5 A's, 6–11 B's). */
function boxBoxFace(f: BoxPairFrame, face: number, index: number, sink: DecisionSink | null): Real[] {
  const refIsA = face < 6;
  const k = (face % 6) >> 1;
  const side = face & 1 ? 1 : -1;
  let polygon: V3[];
  if (refIsA) {
    if (sink !== null) {
      reportAxisChoice(f, k, sink);
      sink.decision(Math.abs(value(f.t[k])), DECISION_SEPARATING_AXIS);
    }
    polygon = clippedIncidentFace(f.halfA, k, side, f.t, f.c, f.halfB, sink);
  } else {
    // A seen from B's frame: centre −cᵀt, axes the rows of c
    const centreAinB: V3 = [0, 0, 0];
    const axesAinB: Real[] = new Array<Real>(9);
    for (let j = 0; j < 3; j++) {
      centreAinB[j] = neg(dot3(column(f.c, j), f.t));
      for (let i = 0; i < 3; i++) axesAinB[3 * i + j] = f.c[3 * j + i];
    }
    if (sink !== null) {
      reportAxisChoice(f, 3 + k, sink);
      sink.decision(Math.abs(value(centreAinB[k])), DECISION_SEPARATING_AXIS);
    }
    polygon = clippedIncidentFace(f.halfB, k, side, centreAinB, axesAinB, f.halfA, sink);
  }
  if (index >= polygon.length) {
    throw new RangeError(
      `contact geometry: box–box face ${face} has ${polygon.length} clipped points at these poses, no point ${index}`,
    );
  }
  const halfRef = refIsA ? f.halfA : f.halfB;
  const p = polygon[index];
  const dist = sub(mul(side, p[k]), halfRef[k]);
  const normalLocal: V3 = [0, 0, 0];
  normalLocal[k] = refIsA ? side : -side;
  const rotRef = refIsA ? f.rotA : f.rotB;
  const n = rotate(rotRef, normalLocal);
  // on A: the projection onto the reference face (A's), or the clipped point (A incident)
  const surface: V3 = [p[0], p[1], p[2]];
  if (refIsA) surface[k] = mul(side, halfRef[k]);
  return emit(dist, n, toWorld(rotRef, refIsA ? f.centreA : f.centreB, surface));
}

/**
 * `emitEdgeContact` for A's edge along i against B's along j: the axis's separation and
 * normal, or, separated with an edge's end nearest, the join of the closest points.
 */
function boxBoxEdge(f: BoxPairFrame, i: number, j: number, sink: DecisionSink | null): Real[] {
  const n = 6 + 3 * i + j;
  const axis = candidateAxis(f, n);
  if (axis === null) throw new RangeError(`contact geometry: box–box edge axis ${i}×${j} is degenerate at these poses`);
  if (sink !== null) reportAxisChoice(f, n, sink);
  const dist = separation(f, axis);
  // the axis, oriented from A to B
  const along = value(dot3(axis, f.t));
  const u: V3 = along < 0 ? [neg(axis[0]), neg(axis[1]), neg(axis[2])] : axis;
  const h = f.halfA,
    g = f.halfB,
    c = f.c;
  const a0: V3 = [0, 0, 0];
  for (let m = 0; m < 3; m++) a0[m] = value(u[m]) >= 0 ? h[m] : neg(h[m]);
  const a1: V3 = [a0[0], a0[1], a0[2]];
  a0[i] = neg(h[i]);
  a1[i] = h[i];
  const b0: V3 = [f.t[0], f.t[1], f.t[2]];
  const supportGaps: number[] = [];
  for (let l = 0; l < 3; l++) {
    if (l === j) continue;
    const alongB = value(dot3(u, column(c, l)));
    const offset = alongB >= 0 ? neg(g[l]) : g[l];
    for (let m = 0; m < 3; m++) b0[m] = add(b0[m], mul(offset, c[3 * l + m]));
    supportGaps.push(2 * value(g[l]) * Math.abs(alongB));
  }
  const b1: V3 = [0, 0, 0];
  for (let m = 0; m < 3; m++) {
    b1[m] = add(b0[m], mul(g[j], c[3 * j + m]));
    b0[m] = sub(b0[m], mul(g[j], c[3 * j + m]));
  }
  if (sink !== null) {
    sink.decision(Math.abs(along), DECISION_SEPARATING_AXIS);
    for (let m = 0; m < 3; m++) if (m !== i) supportGaps.push(2 * value(h[m]) * Math.abs(value(u[m])));
    sink.decision(smallest(supportGaps), DECISION_SUPPORT_EDGE);
  }
  const [onA, onB] = closestBetweenSegments(a0, a1, b0, b1, sink);
  if (value(dist) > 0) {
    // separated with a corner nearest: the join of the two points (boxBox.ts CORNER_TOLERANCE)
    const g = sub3(onB, onA);
    const gap = sqrt(dot3(g, g));
    if (value(gap) - value(dist) > CORNER_TOLERANCE) {
      return emit(
        gap,
        rotate(f.rotA, [div(g[0], gap), div(g[1], gap), div(g[2], gap)]),
        toWorld(f.rotA, f.centreA, onA),
      );
    }
  }
  return emit(dist, rotate(f.rotA, u), toWorld(f.rotA, f.centreA, onA));
}

/**
 * The box–box contact with feature id `feature` (boxBox.ts: 8·face + i face contacts,
 * 96 + 3i + j edge–edge) from the local inputs `x`, as [dist, n, point]. Throws a
 * RangeError if the feature does not exist at these poses (a clipped point index beyond
 * the polygon, a degenerate edge axis).
 *
 * @example
 * // cube B (half 0.5) resting 1 mm deep on cube A's +z face (face 5): its 1st corner
 * const x = [0, 0, 0, 1, 0, 0, 0,  0, 0, 0.999, 1, 0, 0, 0,  0.5, 0.5, 0.5, 0,  0.5, 0.5, 0.5, 0];
 * boxBoxFeature(8 * 5 + 0, x, null);   // [−0.001, 0, 0, 1, …]
 */
export function boxBoxFeature(feature: number, x: readonly Real[], sink: DecisionSink | null): Real[] {
  const f = boxPairFrame(x);
  if (feature < BOX_EDGE_FEATURE) return boxBoxFace(f, feature >> 3, feature & 7, sink);
  const e = feature - BOX_EDGE_FEATURE;
  return boxBoxEdge(f, (e / 3) | 0, e % 3, sink);
}

// ---- box–capsule ------------------------------------------------------------------------------

/** The capsule segment P(t) = p0 + t·dir in the box frame, as collideBoxCapsule computes it. */
interface BoxSegmentFrame {
  rot: Real[];
  centre: V3;
  half: V3;
  radius: Real;
  p0: V3;
  dir: V3;
}

function boxSegmentFrame(x: readonly Real[]): BoxSegmentFrame {
  const rot = rotation(x, LOCAL_POSE_A + 3);
  const centre = load3(x, LOCAL_POSE_A);
  const [end0, end1] = capsuleSegment(x, LOCAL_POSE_B, LOCAL_SIZE_B);
  return {
    rot,
    centre,
    half: load3(x, LOCAL_SIZE_A),
    radius: x[LOCAL_SIZE_B],
    p0: rotateBack(rot, sub3(end0, centre)),
    dir: rotateBack(rot, sub3(end1, end0)),
  };
}

/**
 * Where a segment parameter comes from: −1 the constant 0, −2 the constant 1, 2k + s the
 * parameter where coordinate k reaches the face plane −hₖ (s = 0) or +hₖ (s = 1).
 */
type ParameterSource = number;

/** The parameter of `source` as a Real: (±hₖ − p0ₖ)/dirₖ, or the constant. */
function parameterOf(s: BoxSegmentFrame, source: ParameterSource): Real {
  if (source === -1) return 0;
  if (source === -2) return 1;
  const k = source >> 1;
  const bound = source & 1 ? s.half[k] : neg(s.half[k]);
  return div(sub(bound, s.p0[k]), s.dir[k]);
}

/** `clipToSlabs` on values: the sources of the range's ends, their values, and the nearest competitor gaps (parameter units). */
interface SlabRange {
  enter: ParameterSource;
  exit: ParameterSource;
  tEnter: number;
  tExit: number;
  enterGap: number;
  exitGap: number;
}

function slabRange(s: BoxSegmentFrame, axes: number): SlabRange | null {
  let enter = 0,
    exit = 1;
  let enterSource: ParameterSource = -1,
    exitSource: ParameterSource = -2;
  const lows: number[] = [0],
    highs: number[] = [1];
  for (let k = 0; k < 3; k++) {
    if (!(axes & (1 << k))) continue;
    const p = value(s.p0[k]),
      d = value(s.dir[k]),
      h = value(s.half[k]);
    if (d === 0) {
      if (p > h || p < -h) return null;
      continue;
    }
    let t1 = (-h - p) / d,
      t2 = (h - p) / d;
    let s1 = 2 * k,
      s2 = 2 * k + 1;
    if (t1 > t2) {
      [t1, t2] = [t2, t1];
      [s1, s2] = [s2, s1];
    }
    lows.push(t1);
    highs.push(t2);
    if (t1 > enter) {
      enter = t1;
      enterSource = s1;
    }
    if (t2 < exit) {
      exit = t2;
      exitSource = s2;
    }
    if (enter > exit) return null;
  }
  const gap = (ts: number[], chosen: number): number =>
    smallest(ts.map((t) => Math.abs(t - chosen)).filter((g) => g > 0));
  return {
    enter: enterSource,
    exit: exitSource,
    tEnter: enter,
    tExit: exit,
    enterGap: gap(lows, enter),
    exitGap: gap(highs, exit),
  };
}

function segmentLength(s: BoxSegmentFrame): number {
  const d = values3(s.dir);
  return Math.sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
}

/**
 * `findClosestParameter` on values, then the winning parameter as a Real: the piece's
 * vertex −β/α (its clamp pattern fixed), or the piece end it was clamped to. Reports how
 * far the vertex is from its piece's ends.
 */
function closestParameter(s: BoxSegmentFrame, sink: DecisionSink | null): Real {
  const p0 = values3(s.p0),
    dir = values3(s.dir),
    half = values3(s.half);
  const breaks: number[] = [0, 1];
  const sources: ParameterSource[] = [-1, -2];
  for (let k = 0; k < 3; k++) {
    const d = dir[k];
    if (d === 0) continue;
    for (let side = -1; side <= 1; side += 2) {
      const t = (side * half[k] - p0[k]) / d;
      if (t > 0 && t < 1) {
        breaks.push(t);
        sources.push(2 * k + (side > 0 ? 1 : 0));
      }
    }
  }
  // insertion sort, as the narrowphase (equal breakpoints keep their order)
  for (let i = 1; i < breaks.length; i++) {
    const t = breaks[i],
      src = sources[i];
    let j = i - 1;
    while (j >= 0 && breaks[j] > t) {
      breaks[j + 1] = breaks[j];
      sources[j + 1] = sources[j];
      j--;
    }
    breaks[j + 1] = t;
    sources[j + 1] = src;
  }
  let bestF = Infinity;
  let bestPiece = -1;
  let bestClamped = 0; // −1 clamped to lo, +1 to hi, 0 the vertex
  let bestVertex = 0;
  let bestMask = 0; // bit 2k: coordinate k clamped; bit 2k+1: to +hₖ
  for (let i = 0; i + 1 < breaks.length; i++) {
    const lo = breaks[i],
      hi = breaks[i + 1];
    if (hi <= lo) continue;
    const mid = 0.5 * (lo + hi);
    let alpha = 0,
      beta = 0,
      gamma = 0,
      mask = 0;
    for (let k = 0; k < 3; k++) {
      const p = p0[k],
        d = dir[k],
        h = half[k];
      const xk = p + mid * d;
      if (xk <= h && xk >= -h) continue;
      const bound = xk > h ? h : -h;
      mask |= (1 << (2 * k)) | (xk > h ? 1 << (2 * k + 1) : 0);
      alpha += d * d;
      beta += d * (p - bound);
      gamma += (p - bound) * (p - bound);
    }
    const vertex = alpha > 0 ? -beta / alpha : lo;
    const t = vertex < lo ? lo : vertex > hi ? hi : vertex;
    const f = (alpha * t + 2 * beta) * t + gamma;
    if (f < bestF) {
      bestF = f;
      bestPiece = i;
      bestClamped = alpha > 0 ? (vertex < lo ? -1 : vertex > hi ? 1 : 0) : -1;
      bestVertex = vertex;
      bestMask = mask;
    }
  }
  const lo = breaks[bestPiece],
    hi = breaks[bestPiece + 1];
  if (sink !== null) {
    const length = segmentLength(s);
    const loKind = sources[bestPiece] < 0 ? DECISION_SEGMENT_CLAMP : DECISION_BOX_REGION;
    const hiKind = sources[bestPiece + 1] < 0 ? DECISION_SEGMENT_CLAMP : DECISION_BOX_REGION;
    sink.decision(Math.abs(bestVertex - lo) * length, loKind);
    sink.decision(Math.abs(bestVertex - hi) * length, hiKind);
  }
  if (bestClamped < 0) return parameterOf(s, sources[bestPiece]);
  if (bestClamped > 0) return parameterOf(s, sources[bestPiece + 1]);
  let alpha: Real = 0,
    beta: Real = 0;
  for (let k = 0; k < 3; k++) {
    if (!(bestMask & (1 << (2 * k)))) continue;
    const d = s.dir[k];
    const bound = bestMask & (1 << (2 * k + 1)) ? s.half[k] : neg(s.half[k]);
    alpha = add(alpha, mul(d, d));
    beta = add(beta, mul(d, sub(s.p0[k], bound)));
  }
  return div(neg(beta), alpha);
}

/**
 * `pointAt` then `emitPointContact`: the contact of segment point P(t) with the box point
 * nearest to it (the segment outside the box). Coordinate `onPlane` (−1: none) lies on
 * its face plane by construction, so its clamp is no decision and is not reported.
 */
function pointContact(s: BoxSegmentFrame, t: Real, onPlane: number, sink: DecisionSink | null): Real[] {
  const onSegment: V3 = [0, 0, 0];
  const surface: V3 = [0, 0, 0];
  for (let k = 0; k < 3; k++) {
    const xk = add(s.p0[k], mul(t, s.dir[k]));
    const xv = value(xk),
      h = s.half[k],
      hv = value(h);
    if (sink !== null && k !== onPlane) sink.decision(Math.abs(Math.abs(xv) - hv), DECISION_BOX_REGION);
    onSegment[k] = xk;
    surface[k] = xv > hv ? h : xv < -hv ? neg(h) : xk;
  }
  const g = sub3(onSegment, surface);
  const gap = sqrt(dot3(g, g));
  const inverse = div(1, sqrt(dot3(g, g)));
  const n = rotate(s.rot, [mul(g[0], inverse), mul(g[1], inverse), mul(g[2], inverse)]);
  return emit(sub(gap, s.radius), n, toWorld(s.rot, s.centre, surface));
}

/** `collideSeparated`: feature 0 (the closest point) or 1 + end (an end of the flat stretch). */
function boxCapsuleSeparated(s: BoxSegmentFrame, feature: number, sink: DecisionSink | null): Real[] {
  if (feature === 0) return pointContact(s, closestParameter(s, sink), -1, sink);
  // the free axes at the closest point, from the values (a FLAT_TOLERANCE test: no kink)
  const tc = value(closestParameter(plainSegmentFrame(s), null));
  let free = 0;
  for (let k = 0; k < 3; k++) {
    const xk = value(s.p0[k]) + tc * value(s.dir[k]);
    const h = value(s.half[k]);
    const clamped = xk > h ? h : xk < -h ? -h : xk;
    if (Math.abs(xk - clamped) <= FLAT_TOLERANCE) free |= 1 << k;
  }
  const range = slabRange(s, free);
  if (range === null) throw new RangeError('contact geometry: box–capsule flat stretch is empty at these poses');
  const source = feature === 1 ? range.enter : range.exit;
  if (sink !== null) {
    const length = segmentLength(s);
    sink.decision((feature === 1 ? range.enterGap : range.exitGap) * length, DECISION_BOX_REGION);
    // the stretch ends where the closest point switches to one contact (a whole stretch
    // shrinking to nothing, or the closest point leaving its end)
    sink.decision((range.tExit - range.tEnter) * length, DECISION_BOX_REGION);
  }
  return pointContact(s, parameterOf(s, source), source < 0 ? -1 : source >> 1, sink);
}

/** The six separating axes of a penetrating segment (collidePenetrating) on values. */
function penetratingAxes(s: BoxSegmentFrame): { faceOverlap: number[]; edgeOverlap: number[] } {
  const p0 = values3(s.p0),
    dir = values3(s.dir),
    half = values3(s.half);
  const faceOverlap: number[] = [];
  const edgeOverlap: number[] = [];
  for (let k = 0; k < 3; k++) faceOverlap.push(half[k] + 0.5 * Math.abs(dir[k]) - Math.abs(p0[k] + 0.5 * dir[k]));
  const dirLength = Math.sqrt(dir[0] * dir[0] + dir[1] * dir[1] + dir[2] * dir[2]);
  for (let k = 0; k < 3; k++) {
    const e = segmentEdgeAxis(s, k, dirLength);
    if (e === null) {
      edgeOverlap.push(Infinity);
      continue;
    }
    edgeOverlap.push(value(e.overlap));
  }
  return { faceOverlap, edgeOverlap };
}

/** The edge axis dir × eₖ of collidePenetrating, unit, oriented toward the segment, and its overlap; null if too short. */
function segmentEdgeAxis(
  s: BoxSegmentFrame,
  k: number,
  dirLength: number,
): { u: V3; overlap: Real; along: number } | null {
  const [dx, dy, dz] = s.dir;
  const cx = k === 0 ? 0 : k === 1 ? neg(dz) : dy;
  const cy = k === 0 ? dz : k === 1 ? 0 : neg(dx);
  const cz = k === 0 ? neg(dy) : k === 1 ? dx : 0;
  const len = sqrt(add(add(mul(cx, cx), mul(cy, cy)), mul(cz, cz)));
  if (value(len) <= EDGE_AXIS_MIN_SINE * dirLength) return null;
  const e: V3 = [div(cx, len), div(cy, len), div(cz, len)];
  const m: V3 = [0, 0, 0];
  for (let j = 0; j < 3; j++) m[j] = add(s.p0[j], mul(0.5, s.dir[j]));
  const h = s.half;
  const me = dot3(m, e);
  const overlap = sub(
    add(add(mul(h[0], absReal(e[0])), mul(h[1], absReal(e[1]))), mul(h[2], absReal(e[2]))),
    absReal(me),
  );
  const sign = value(me) >= 0 ? 1 : -1;
  return { u: [mul(sign, e[0]), mul(sign, e[1]), mul(sign, e[2])], overlap, along: value(me) };
}

/** Report the penetrating SAT choice (face `face` or edge `edge`, one of them −1). */
function reportPenetratingChoice(s: BoxSegmentFrame, face: number, edge: number, sink: DecisionSink): void {
  const { faceOverlap, edgeOverlap } = penetratingAxes(plainSegmentFrame(s));
  const bestFace = Math.min(...faceOverlap);
  // penetrating turns separated where the least overlap (the depth) reaches 0
  sink.decision(Math.max(0, Math.min(bestFace, ...edgeOverlap)), DECISION_SEPARATING_AXIS);
  const gaps: number[] = [];
  if (face >= 0) {
    const k = face >> 1;
    for (let j = 0; j < 3; j++) if (j !== k) gaps.push(Math.abs(faceOverlap[j] - faceOverlap[k]));
    for (const o of edgeOverlap) gaps.push(Math.abs(o - (bestFace - EDGE_AXIS_TOLERANCE)));
    sink.decision(Math.abs(value(s.p0[k]) + 0.5 * value(s.dir[k])), DECISION_SEPARATING_AXIS);
  } else {
    for (let j = 0; j < 3; j++) if (j !== edge) gaps.push(Math.abs(edgeOverlap[j] - edgeOverlap[edge]));
    gaps.push(Math.abs(edgeOverlap[edge] - (bestFace - EDGE_AXIS_TOLERANCE)));
  }
  sink.decision(smallest(gaps.filter((g) => !Number.isNaN(g))), DECISION_SEPARATING_AXIS);
}

/** `emitFaceContacts`: end `end` of the part of a penetrating segment over box face `face`. */
function boxCapsuleFace(s: BoxSegmentFrame, face: number, end: number, sink: DecisionSink | null): Real[] {
  const k = face >> 1;
  const side = face & 1 ? 1 : -1;
  if (sink !== null) reportPenetratingChoice(s, face, -1, sink);
  const range = slabRange(s, 0b111 & ~(1 << k));
  if (range === null || (end === 1 && !(range.tExit > range.tEnter))) {
    throw new RangeError(`contact geometry: box–capsule face ${face} has no end ${end} at these poses`);
  }
  if (sink !== null) {
    const length = segmentLength(s);
    sink.decision((end === 0 ? range.enterGap : range.exitGap) * length, DECISION_BOX_REGION);
    sink.decision((range.tExit - range.tEnter) * length, DECISION_BOX_REGION);
  }
  const t = parameterOf(s, end === 0 ? range.enter : range.exit);
  const dist = sub(sub(mul(side, add(s.p0[k], mul(t, s.dir[k]))), s.half[k]), s.radius);
  const surface: V3 = [0, 0, 0];
  for (let j = 0; j < 3; j++) surface[j] = add(s.p0[j], mul(t, s.dir[j]));
  surface[k] = mul(side, s.half[k]);
  const normalLocal: V3 = [0, 0, 0];
  normalLocal[k] = side;
  return emit(dist, rotate(s.rot, normalLocal), toWorld(s.rot, s.centre, surface));
}

/** The segment against the box edge along axis k (collidePenetrating's edge branch). */
function boxCapsuleEdge(s: BoxSegmentFrame, k: number, sink: DecisionSink | null): Real[] {
  const dir = values3(s.dir);
  const axis = segmentEdgeAxis(s, k, Math.sqrt(dir[0] * dir[0] + dir[1] * dir[1] + dir[2] * dir[2]));
  if (axis === null) throw new RangeError(`contact geometry: box–capsule edge axis ${k} is degenerate at these poses`);
  const { u, overlap } = axis;
  const h = s.half;
  if (sink !== null) {
    reportPenetratingChoice(s, -1, k, sink);
    sink.decision(Math.abs(axis.along), DECISION_SEPARATING_AXIS);
    const gaps: number[] = [];
    for (let m = 0; m < 3; m++) if (m !== k) gaps.push(2 * value(h[m]) * Math.abs(value(u[m])));
    sink.decision(smallest(gaps), DECISION_SUPPORT_EDGE);
  }
  const e0: V3 = [0, 0, 0];
  for (let m = 0; m < 3; m++) e0[m] = value(u[m]) >= 0 ? h[m] : neg(h[m]);
  const e1: V3 = [e0[0], e0[1], e0[2]];
  e0[k] = neg(h[k]);
  e1[k] = h[k];
  const end1: V3 = [add(s.p0[0], s.dir[0]), add(s.p0[1], s.dir[1]), add(s.p0[2], s.dir[2])];
  const [onEdge] = closestBetweenSegments(e0, e1, s.p0, end1, sink);
  return emit(sub(neg(overlap), s.radius), rotate(s.rot, u), toWorld(s.rot, s.centre, onEdge));
}

/**
 * The box–capsule contact (box A, capsule B) with feature id `feature` (boxCapsule.ts:
 * 0 closest point, 1 + end flat-stretch ends when separated; 3 + 2·face + end face
 * contacts, 15 + k edge contacts when penetrating) from the local inputs `x`, as
 * [dist, n, point]. Throws a RangeError if the feature does not exist at these poses.
 *
 * @example
 * // a capsule (r 0.1, half length 0.5) lying 0.05 m above a unit cube's top face: end 0
 * const x = [0, 0, 0, 1, 0, 0, 0,  0, 0, 0.65, Math.SQRT1_2, 0, Math.SQRT1_2, 0,  0.5, 0.5, 0.5, 0,  0.1, 0.5, 0, 0];
 * boxCapsuleFeature(1, x, null);   // dist 0.05, normal +z
 */
export function boxCapsuleFeature(feature: number, x: readonly Real[], sink: DecisionSink | null): Real[] {
  const s = boxSegmentFrame(x);
  if (feature < CAPSULE_FACE_FEATURE) {
    if (sink !== null) sink.decision(Math.abs(value(closestGapValue(s))), DECISION_SEPARATING_AXIS);
    return boxCapsuleSeparated(s, feature, sink);
  }
  if (feature < CAPSULE_EDGE_FEATURE) {
    const f = feature - CAPSULE_FACE_FEATURE;
    return boxCapsuleFace(s, f >> 1, f & 1, sink);
  }
  return boxCapsuleEdge(s, feature - CAPSULE_EDGE_FEATURE, sink);
}

/** The segment's distance to the box on values (the margin of separated vs penetrating). */
function closestGapValue(s: BoxSegmentFrame): number {
  const t = value(closestParameter(plainSegmentFrame(s), null));
  let sum = 0;
  for (let k = 0; k < 3; k++) {
    const xk = value(s.p0[k]) + t * value(s.dir[k]);
    const h = value(s.half[k]);
    const g = xk - (xk > h ? h : xk < -h ? -h : xk);
    sum += g * g;
  }
  return Math.sqrt(sum);
}

function plainSegmentFrame(s: BoxSegmentFrame): BoxSegmentFrame {
  return {
    rot: s.rot.map(value),
    centre: values3(s.centre),
    half: values3(s.half),
    radius: value(s.radius),
    p0: values3(s.p0),
    dir: values3(s.dir),
  };
}
