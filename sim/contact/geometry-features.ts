/**
 * Contact geometry as differentiable formulas: for a FIXED feature pair (the discrete
 * choice the narrowphase made), the map
 *
 *   (pose A 7, pose B 7, size A 4, size B 4) ─▶ (dist, normal 3, point 3)
 *
 * written with ad ops (so the same code runs on plain numbers, on a reverse trace or on
 * a forward trace). Each formula repeats the narrowphase's arithmetic for that feature
 * operation by operation (sim/collision/plane.ts, sphere.ts, capsule.ts, segment.ts,
 * ball.ts, pose.ts, math/mat3.ts `mat3FromQuat`), including its branches (segment
 * clamps, the parallel-axes rule), so on plain numbers it gives the narrowphase's values
 * bit for bit, and its derivative is the exact derivative of the executed branch.
 *
 * Conventions:
 * - the quaternion enters as stored: `mat3FromQuat` divides by |q|², so the rotation does
 *   not change along q and the gradient with respect to q is orthogonal to q;
 * - a plane's normal and offset are the 4 stored numbers of `geomSize` (the builder
 *   normalizes the normal once; the narrowphase reads it as it is), differentiated as
 *   they are, without renormalizing;
 * - the formulas take the bodies in the pair table's order (type A ≤ type B); the
 *   caller swaps the bodies and negates the normal for contacts stored the other way,
 *   as `collidePair` does;
 * - the coincident-centre fallback normals of ball.ts (and the crossing-axes ones of
 *   capsule–capsule) have no derivative: they throw {@link UnsupportedGradientError};
 * - box–box and box–capsule formulas live in geometry-box.ts (they re-make the
 *   narrowphase's clipping and slab choices from the values).
 *
 * Each pair's formula is listed in its row of the pair table (sim/pairs/), which
 * dispatches on the shape types and checks the feature ids. Imports run one way: this
 * file and geometry-box.ts → geometry-shared.ts (the layout, the decision codes, the
 * small arithmetic and the segment closest points both use). The thresholds (ball.ts COINCIDENT_CENTRES, segment.ts
 * PARALLEL_SIN2) are the narrowphase's own constants, imported, not copied.
 */
import { add, div, mul, neg, sqrt, sub, value } from '../../ad/ops.ts';
import type { Real } from '../../ad/tape.ts';
import { COINCIDENT_CENTRES } from '../collision/ball.ts';
import { SHAPE_NAMES, ShapeType } from '../shapes.ts';
import {
  capsuleSegment,
  closestBetweenSegments,
  closestOnSegment,
  DECISION_BOX_REGION,
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

// the layout and the decision kinds are part of this file's interface (geometry.ts, tests)
export {
  FEATURE_INPUTS,
  FEATURE_OUTPUTS,
  GEOMETRY_DECISION_KINDS,
  LOCAL_POSE_A,
  LOCAL_POSE_B,
  LOCAL_SIZE_A,
  LOCAL_SIZE_B,
  type DecisionSink,
} from './geometry-shared.ts';

/**
 * The gradient of a contact's geometry is not available: a pair of shapes whose contact
 * formula is not written, or a degenerate configuration whose narrowphase result has no
 * derivative (a fallback normal at coincident centres).
 *
 * @example
 * try { contactGeometryAdjoint(input, contacts, q, size, gbar, qbar, sizeBar); }
 * catch (err) { if (err instanceof UnsupportedGradientError) console.error(err.message); }
 */
export class UnsupportedGradientError extends Error {
  /** shape of the contact's body A, e.g. `box` */
  readonly shapeA: string;
  /** shape of the contact's body B */
  readonly shapeB: string;
  /** why, for a degenerate configuration of a supported pair; undefined for an unsupported pair */
  readonly reason: string | undefined;

  constructor(shapeA: string, shapeB: string, reason?: string, bodies?: readonly [string, string]) {
    const who = bodies ? ` (bodies '${bodies[0]}' and '${bodies[1]}')` : '';
    super(
      reason === undefined
        ? `contact geometry: gradients through ${shapeA}–${shapeB} contacts${who} are not available yet`
        : `contact geometry: no gradient for the ${shapeA}–${shapeB} contact${who}: ${reason}`,
    );
    this.name = 'UnsupportedGradientError';
    this.shapeA = shapeA;
    this.shapeB = shapeB;
    this.reason = reason;
  }
}

/** `emitBallContact` of balls (cA, rA) and (cB, rB); coincident centres throw. */
export function ballContact(cA: V3, cB: V3, rA: Real, rB: Real, shapeA: number, shapeB: number): Real[] {
  const dx = sub(cB[0], cA[0]),
    dy = sub(cB[1], cA[1]),
    dz = sub(cB[2], cA[2]);
  const centreDist = sqrt(add(add(mul(dx, dx), mul(dy, dy)), mul(dz, dz)));
  if (!(value(centreDist) > COINCIDENT_CENTRES)) {
    throw new UnsupportedGradientError(SHAPE_NAMES[shapeA], SHAPE_NAMES[shapeB], COINCIDENT_REASON);
  }
  const dist = sub(sub(centreDist, rA), rB);
  const n: V3 = [div(dx, centreDist), div(dy, centreDist), div(dz, centreDist)];
  return emit(dist, n, [add(cA[0], mul(rA, n[0])), add(cA[1], mul(rA, n[1])), add(cA[2], mul(rA, n[2]))]);
}

/** Why a coincident-centre contact has no gradient (used to rebuild the error with names). */
export const COINCIDENT_REASON =
  'the closest points coincide, so the narrowphase takes a fallback normal, which has no derivative';

// ---- the features (x: local inputs, see FEATURE_INPUTS) -----------------------------------

/** `emitPlaneBall`: plane A (normal n, offset at size A [3]) against the ball (centre, r). */
function planeBall(x: readonly Real[], centre: V3, r: Real): Real[] {
  const n = load3(x, LOCAL_SIZE_A);
  const height = sub(dot3(n, centre), x[LOCAL_SIZE_A + 3]);
  const dist = sub(height, r);
  return emit(dist, n, [
    sub(centre[0], mul(height, n[0])),
    sub(centre[1], mul(height, n[1])),
    sub(centre[2], mul(height, n[2])),
  ]);
}

/** `collidePlaneBox`, the contact of corner `corner` (i + 2j + 4k). */
function planeBoxCorner(x: readonly Real[], corner: number): Real[] {
  const n = load3(x, LOCAL_SIZE_A);
  const rot = rotation(x, LOCAL_POSE_B + 3);
  const centre = load3(x, LOCAL_POSE_B);
  const size = LOCAL_SIZE_B;
  const ex = mul(x[size], dot3(n, [rot[0], rot[1], rot[2]]));
  const ey = mul(x[size + 1], dot3(n, [rot[3], rot[4], rot[5]]));
  const ez = mul(x[size + 2], dot3(n, [rot[6], rot[7], rot[8]]));
  const centreHeight = sub(dot3(n, centre), x[LOCAL_SIZE_A + 3]);
  const sx = corner & 1 ? 1 : -1,
    sy = corner & 2 ? 1 : -1,
    sz = corner & 4 ? 1 : -1;
  const dist = add(add(add(centreHeight, mul(sx, ex)), mul(sy, ey)), mul(sz, ez));
  const hx = mul(sx, x[size]),
    hy = mul(sy, x[size + 1]),
    hz = mul(sz, x[size + 2]);
  // the corner, moved onto the plane along −n
  const surface: V3 = [0, 0, 0];
  for (let i = 0; i < 3; i++) {
    surface[i] = sub(
      add(add(add(centre[i], mul(hx, rot[i])), mul(hy, rot[3 + i])), mul(hz, rot[6 + i])),
      mul(dist, n[i]),
    );
  }
  return emit(dist, n, surface);
}

/** `collideSphereBox`: sphere A against box B; feature 0 outside, 1 + 2k + side inside. */
function sphereBox(x: readonly Real[], feature: number, sink: DecisionSink | null): Real[] {
  const r = x[LOCAL_SIZE_A];
  const cA = load3(x, LOCAL_POSE_A);
  const rot = rotation(x, LOCAL_POSE_B + 3);
  const rel = sub3(cA, load3(x, LOCAL_POSE_B));
  const p: V3 = [
    dot3([rot[0], rot[1], rot[2]], rel),
    dot3([rot[3], rot[4], rot[5]], rel),
    dot3([rot[6], rot[7], rot[8]], rel),
  ];
  const h: V3 = [x[LOCAL_SIZE_B], x[LOCAL_SIZE_B + 1], x[LOCAL_SIZE_B + 2]];
  let dist: Real;
  let local: V3;
  if (feature === 0) {
    // the closest point of the box, clamped per axis: the clamps decide face/edge/corner
    const q: V3 = [0, 0, 0];
    for (let k = 0; k < 3; k++) {
      const pk = value(p[k]),
        hk = value(h[k]);
      if (sink !== null) sink.decision(Math.abs(Math.abs(pk) - hk), DECISION_BOX_REGION);
      q[k] = pk < -hk ? neg(h[k]) : pk > hk ? h[k] : p[k];
    }
    const g = sub3(q, p);
    const outside = sqrt(dot3(g, g));
    if (!(value(outside) > 0))
      throw new UnsupportedGradientError(
        'sphere',
        'box',
        'the sphere centre is inside the box (an inside face contact was expected)',
      );
    dist = sub(outside, r);
    const inverse = div(1, sqrt(dot3(g, g)));
    local = [mul(g[0], inverse), mul(g[1], inverse), mul(g[2], inverse)];
  } else {
    const k = (feature - 1) >> 1;
    const side = (feature - 1) & 1 ? 1 : -1;
    const depths = p.map((pk, j) => sub(h[j], value(pk) < 0 ? neg(pk) : pk));
    if (sink !== null) {
      // margins to the other faces' depths, and of the centre to the side switch
      for (let j = 0; j < 3; j++)
        if (j !== k) sink.decision(Math.abs(value(depths[j]) - value(depths[k])), DECISION_BOX_REGION);
      sink.decision(Math.abs(value(p[k])), DECISION_BOX_REGION);
    }
    dist = sub(neg(depths[k]), r);
    local = [0, 0, 0];
    local[k] = -side;
  }
  // mat3MulVec3: world = R · local
  const n: V3 = [0, 0, 0];
  for (let i = 0; i < 3; i++)
    n[i] = add(add(mul(rot[i], local[0]), mul(rot[3 + i], local[1])), mul(rot[6 + i], local[2]));
  return emit(dist, n, [add(cA[0], mul(r, n[0])), add(cA[1], mul(r, n[1])), add(cA[2], mul(r, n[2]))]);
}

/**
 * The formula of one pair's features (the `formula` of its row in sim/pairs/): the
 * geometry [dist, nx, ny, nz, px, py, pz] of the contact with feature id `feature`
 * between body A (the row's type A) and body B, from the local inputs `x` (see
 * {@link FEATURE_INPUTS}). Reals in, Reals out: numbers give the narrowphase's values,
 * traced inputs give exact derivatives of the executed branch. Decisions (segment clamps,
 * the parallel rule, box regions) go to `sink` when given.
 *
 * @example
 * // a unit ball 0.5 m above the ground z = 0: dist −0.5, normal up, point (0, 0, −0.25)
 * const x = [0, 0, 0, 1, 0, 0, 0,  0, 0, 0.5, 1, 0, 0, 0,  0, 0, 1, 0,  1, 0, 0, 0];
 * planeSphereFeature(0, x, null);
 */
export type FeatureFormula = (feature: number, x: readonly Real[], sink: DecisionSink | null) => Real[];

/** Plane–sphere: one contact. */
export const planeSphereFeature: FeatureFormula = (_feature, x) =>
  planeBall(x, load3(x, LOCAL_POSE_B), x[LOCAL_SIZE_B]);

/** Plane–box: corner `feature` (i + 2j + 4k). */
export const planeBoxFeature: FeatureFormula = (feature, x) => planeBoxCorner(x, feature);

/** Plane–capsule: the end cap at ∓ halfLength (feature 0, 1). */
export const planeCapsuleFeature: FeatureFormula = (feature, x) =>
  planeBall(x, capsuleSegment(x, LOCAL_POSE_B, LOCAL_SIZE_B)[feature], x[LOCAL_SIZE_B]);

/** Sphere–sphere: the line of centres. */
export const sphereSphereFeature: FeatureFormula = (_feature, x) =>
  ballContact(
    load3(x, LOCAL_POSE_A),
    load3(x, LOCAL_POSE_B),
    x[LOCAL_SIZE_A],
    x[LOCAL_SIZE_B],
    ShapeType.sphere,
    ShapeType.sphere,
  );

/** Sphere–box: feature 0 outside, 1 + 2k + side inside (nearest face). */
export const sphereBoxFeature: FeatureFormula = (feature, x, sink) => sphereBox(x, feature, sink);

/** Sphere–capsule: the ball on the axis point closest to the sphere's centre. */
export const sphereCapsuleFeature: FeatureFormula = (_feature, x, sink) => {
  const cA = load3(x, LOCAL_POSE_A);
  const [p0, p1] = capsuleSegment(x, LOCAL_POSE_B, LOCAL_SIZE_B);
  const onAxis = closestOnSegment(p0, p1, cA, sink);
  return ballContact(cA, onAxis, x[LOCAL_SIZE_A], x[LOCAL_SIZE_B], ShapeType.sphere, ShapeType.capsule);
};

/** Capsule–capsule: the balls at the closest points of the two axes. */
export const capsuleCapsuleFeature: FeatureFormula = (_feature, x, sink) => {
  const [a0, a1] = capsuleSegment(x, LOCAL_POSE_A, LOCAL_SIZE_A);
  const [b0, b1] = capsuleSegment(x, LOCAL_POSE_B, LOCAL_SIZE_B);
  const [onA, onB] = closestBetweenSegments(a0, a1, b0, b1, sink);
  return ballContact(onA, onB, x[LOCAL_SIZE_A], x[LOCAL_SIZE_B], ShapeType.capsule, ShapeType.capsule);
};
