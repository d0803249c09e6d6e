// The small geometry kernels under the narrowphase (sim/math, segment closest points,
// polygon clipping) against closed forms and independent references: rotations against
// the textbook q v q* of the fixtures, closest points against the first-order optimality
// conditions and a dense search, clipping against a hand-drawn case.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mat3FromQuat, mat3MulVec3, mat3TransposeMul, mat3TransposeMulVec3 } from '../../../sim/math/mat3.ts';
import { quatMultiply, quatRotate } from '../../../sim/math/quat.ts';
import { vec3Cross, vec3Load, vec3Normalize } from '../../../sim/math/vec3.ts';
import * as segment from '../../../sim/collision/segment.ts';
import {
  closestPointOnSegment,
  closestPointOnSegmentWithBranch,
  closestPointsSegmentSegment,
  closestPointsSegmentSegmentWithBranch,
} from '../../../sim/collision/segment.ts';
import { clipPolygonToHalfSpace } from '../../../sim/collision/clip.ts';
import { add, arbQuat, arbVec, axisAngle, dot, norm, rotate, scale, sub, type V3 } from './fixtures.ts';

const f64 = (...xs: number[]): Float64Array => Float64Array.from(xs);
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number): boolean =>
  Array.from({ length: b.length }, (_, k) => Math.abs(a[k] - b[k]) <= tol).every(Boolean);

describe('rotations', () => {
  it('a quarter turn about z takes x to y (matrix and quaternion kernels)', () => {
    const q = f64(...axisAngle([0, 0, 1], Math.PI / 2));
    const m = mat3FromQuat(new Float64Array(9), q, 0);
    expect(close(mat3MulVec3(new Float64Array(3), m, f64(1, 0, 0)), [0, 1, 0], 1e-15)).toBe(true);
    expect(close(quatRotate(new Float64Array(3), 0, q, 0, f64(1, 0, 0), 0), [0, 1, 0], 1e-15)).toBe(true);
  });

  it('agree with q v q* for random quaternions, also read at an offset and unnormalized', () => {
    fc.assert(
      fc.property(arbQuat, arbVec(2), fc.double({ min: 0.5, max: 2, noNaN: true }), (q, v, s) => {
        const expected = rotate(q, v);
        // stored at offset 3 (as in State.bodyQ), scaled by s: the matrix divides by |q|²
        const packed = f64(9, 9, 9, s * q[0], s * q[1], s * q[2], s * q[3]);
        const m = mat3FromQuat(new Float64Array(9), packed, 3);
        expect(close(mat3MulVec3(new Float64Array(3), m, f64(...v)), expected, 1e-14)).toBe(true);
        expect(
          close(quatRotate(new Float64Array(5), 2, f64(...q), 0, f64(0, ...v), 1).subarray(2), expected, 1e-14),
        ).toBe(true);
        // the transpose undoes it
        expect(close(mat3TransposeMulVec3(new Float64Array(3), m, f64(...expected)), v, 1e-14)).toBe(true);
      }),
    );
  });

  it('compose: (a ⊗ b) rotates like b then a; aᵀb maps b-local to a-local', () => {
    fc.assert(
      fc.property(arbQuat, arbQuat, arbVec(1), (a, b, v) => {
        const ab = quatMultiply(new Float64Array(4), 0, f64(...a), 0, f64(...b), 0);
        expect(close(quatRotate(new Float64Array(3), 0, ab, 0, f64(...v), 0), rotate(a, rotate(b, v)), 1e-14)).toBe(
          true,
        );
        const ma = mat3FromQuat(new Float64Array(9), f64(...a), 0);
        const mb = mat3FromQuat(new Float64Array(9), f64(...b), 0);
        const atb = mat3TransposeMul(new Float64Array(9), ma, mb);
        expect(
          close(
            mat3MulVec3(new Float64Array(3), atb, f64(...v)),
            rotate([a[0], -a[1], -a[2], -a[3]], rotate(b, v)),
            1e-14,
          ),
        ).toBe(true);
      }),
    );
  });
});

describe('vec3 kernels', () => {
  it('load at an offset, normalize, cross', () => {
    expect(Array.from(vec3Load(new Float64Array(3), f64(0, 1, 2, 3, 4), 2))).toEqual([2, 3, 4]);
    expect(close(vec3Normalize(new Float64Array(3), f64(3, 0, 4)), [0.6, 0, 0.8], 1e-15)).toBe(true);
    expect(Array.from(vec3Cross(new Float64Array(3), f64(1, 0, 0), f64(0, 1, 0)))).toEqual([0, 0, 1]);
  });
});

describe('closest points of segments', () => {
  const segmentPoint = (p0: V3, p1: V3, s: number): V3 => add(p0, scale(sub(p1, p0), s));

  it('a point: the clamped projection', () => {
    const out = closestPointOnSegment(new Float64Array(3), f64(0, 0, 0), f64(2, 0, 0), f64(0.5, 1, -1));
    expect(Array.from(out)).toEqual([0.5, 0, 0]);
    expect(Array.from(closestPointOnSegment(out, f64(0, 0, 0), f64(2, 0, 0), f64(3, 1, 0)))).toEqual([2, 0, 0]);
    // the parameter of the point: 0.5 m along a 2 m segment, then clamped to its end
    const t = new Float64Array(1);
    closestPointOnSegmentWithBranch(out, f64(0, 0, 0), f64(2, 0, 0), f64(0.5, 1, -1), t);
    expect(t[0]).toBe(0.25);
    closestPointOnSegmentWithBranch(out, f64(0, 0, 0), f64(2, 0, 0), f64(3, 1, 0), t);
    expect(t[0]).toBe(1);
  });

  it('two segments: no pair of points is closer (dense search), and the gap is ⊥ to both at interior points', () => {
    fc.assert(
      fc.property(arbVec(1), arbVec(1), arbVec(1), arbVec(1), (p0, p1, q0, q1) => {
        const onP = new Float64Array(3),
          onQ = new Float64Array(3);
        closestPointsSegmentSegment(f64(...p0), f64(...p1), f64(...q0), f64(...q1), onP, onQ);
        const gap = sub(onQ, onP);
        const dist = norm(gap);
        // both points lie on their segments
        const d1 = sub(p1, p0),
          d2 = sub(q1, q0);
        // (a degenerate segment is its first point)
        const s = dot(d1, d1) > 0 ? dot(sub(onP, p0), d1) / dot(d1, d1) : 0;
        const t = dot(d2, d2) > 0 ? dot(sub(onQ, q0), d2) / dot(d2, d2) : 0;
        expect(norm(sub(segmentPoint(p0, p1, s), onP))).toBeLessThan(1e-9);
        expect(norm(sub(segmentPoint(q0, q1, t), onQ))).toBeLessThan(1e-9);
        // optimality: the gap is perpendicular to a segment wherever its point is interior
        // (tolerances: nearly parallel or micron-short segments make the 2×2 system
        // ill-conditioned, which costs digits; a wrong branch would be off by ~0.1)
        if (s > 1e-9 && s < 1 - 1e-9) expect(Math.abs(dot(gap, d1))).toBeLessThan(1e-9);
        if (t > 1e-9 && t < 1 - 1e-9) expect(Math.abs(dot(gap, d2))).toBeLessThan(1e-9);
        // a dense search finds nothing closer
        let best = Infinity;
        for (let i = 0; i <= 40; i++) {
          for (let j = 0; j <= 40; j++)
            best = Math.min(best, norm(sub(segmentPoint(q0, q1, j / 40), segmentPoint(p0, p1, i / 40))));
        }
        expect(dist).toBeLessThanOrEqual(best + 1e-9);
      }),
    );
  });

  it('the branch record: closed-form parameters and the branch that made them', () => {
    const onP = new Float64Array(3),
      onQ = new Float64Array(3),
      branch = new Float64Array(segment.SEGMENT_BRANCH_SIZE);
    const run = (p0: V3, p1: V3, q0: V3, q1: V3): number[] => {
      closestPointsSegmentSegmentWithBranch(f64(...p0), f64(...p1), f64(...q0), f64(...q1), onP, onQ, branch);
      return [
        branch[segment.SEGMENT_S],
        branch[segment.SEGMENT_T],
        branch[segment.SEGMENT_S_MADE],
        branch[segment.SEGMENT_T_FREE],
      ];
    };
    // p on the x axis, x ∈ [0, 2]; q parallel to y at x = 1, z = 1: the lines cross above x = 1
    expect(run([0, 0, 0], [2, 0, 0], [1, -1, 1], [1, 3, 1])).toEqual([0.5, 0.25, segment.S_CROSSING, 1]);
    // q starts past the crossing (y ∈ [1, 5]): t clamps to 0, s is q0's projection
    expect(run([0, 0, 0], [2, 0, 0], [1, 1, 1], [1, 5, 1])).toEqual([0.5, 0, segment.S_FROM_Q0, 0]);
    // the same q reversed: t clamps to 1, s is q1's projection
    expect(run([0, 0, 0], [2, 0, 0], [1, 5, 1], [1, 1, 1])).toEqual([0.5, 1, segment.S_FROM_Q1, 0]);
    // p too short to reach x = 3: s clamps to its end, t stays free (the foot on q)
    expect(run([0, 0, 0], [1, 0, 0], [3, -1, 1], [3, 1, 1])).toEqual([1, 0.5, segment.S_CONSTANT, 1]);
    expect(run([0, 0, 0], [2, 0, 0], [1, 1, 1], [1, 1, 1])[2]).toBe(segment.S_DEGENERATE);
    expect(run([0, 0, 0], [2, 0, 0], [3, 1, 0], [1, 1, 0])[2]).toBe(segment.S_PARALLEL);
  });

  it("the branch record: its parameters make the points, its scalars are the formula's", () => {
    const onP = new Float64Array(3),
      onQ = new Float64Array(3),
      branch = new Float64Array(segment.SEGMENT_BRANCH_SIZE);
    fc.assert(
      fc.property(arbVec(1), arbVec(1), arbVec(1), arbVec(1), (p0, p1, q0, q1) => {
        closestPointsSegmentSegmentWithBranch(f64(...p0), f64(...p1), f64(...q0), f64(...q1), onP, onQ, branch);
        const s = branch[segment.SEGMENT_S],
          t = branch[segment.SEGMENT_T];
        for (let k = 0; k < 3; k++) {
          expect(onP[k]).toBe(p0[k] + s * (p1[k] - p0[k]));
          expect(onQ[k]).toBe(q0[k] + t * (q1[k] - q0[k]));
        }
        const made = branch[segment.SEGMENT_S_MADE];
        if (made === segment.S_DEGENERATE || made === segment.S_PARALLEL) return;
        const d1 = sub(p1, p0),
          d2 = sub(q1, q0),
          r = sub(p0, q0);
        const want = [dot(d1, d1), dot(d1, d2), dot(d1, r), dot(d2, d2), dot(d2, r)];
        const got = [segment.SEGMENT_A, segment.SEGMENT_B, segment.SEGMENT_C, segment.SEGMENT_E, segment.SEGMENT_F].map(
          (i) => branch[i],
        );
        for (let i = 0; i < 5; i++) expect(got[i]).toBeCloseTo(want[i], 12);
        const [a, b, c, e, f] = got;
        // each code names the formula that made s (a constant is 0 or 1); a free t is b·s + f over e
        if (made === segment.S_CONSTANT) expect(s === 0 || s === 1).toBe(true);
        if (made === segment.S_CROSSING) expect(s).toBe((b * f - c * e) / branch[segment.SEGMENT_DENOM]);
        if (made === segment.S_FROM_Q0) expect(s).toBe(-c / a);
        if (made === segment.S_FROM_Q1) expect(s).toBe((b - c) / a);
        if (branch[segment.SEGMENT_T_FREE] === 1) expect(t).toBe((b * s + f) / e);
        else expect(t === 0 || t === 1).toBe(true);
      }),
    );
  });

  it('parallel overlapping segments: the middle of the overlap, the same in either order', () => {
    const onP = new Float64Array(3),
      onQ = new Float64Array(3);
    // p: x ∈ [0, 2] on the x axis; q: x ∈ [1, 3] at y = 1, reversed
    closestPointsSegmentSegment(f64(0, 0, 0), f64(2, 0, 0), f64(3, 1, 0), f64(1, 1, 0), onP, onQ);
    expect(Array.from(onP)).toEqual([1.5, 0, 0]);
    expect(Array.from(onQ)).toEqual([1.5, 1, 0]);
    closestPointsSegmentSegment(f64(3, 1, 0), f64(1, 1, 0), f64(0, 0, 0), f64(2, 0, 0), onQ, onP);
    expect(Array.from(onP)).toEqual([1.5, 0, 0]);
    expect(Array.from(onQ)).toEqual([1.5, 1, 0]);
  });
});

describe('Sutherland–Hodgman clipping', () => {
  it('clips the unit square to x ≤ 0.5: a rectangle, new corners exactly on the line', () => {
    const square = f64(0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0);
    const dst = new Float64Array(3 * 8);
    const n = clipPolygonToHalfSpace(square, 4, dst, 0, 1, f64(0.5, 0, 0));
    expect(Array.from(dst.subarray(0, 3 * n))).toEqual([0, 0, 0, 0.5, 0, 0, 0.5, 1, 0, 0, 1, 0]);
  });

  it('a corner on the line is kept once, and x ≥ −bound clips the other way', () => {
    // the diamond (1,0) (0,1) (−1,0) (0,−1) against x ≤ 0 keeps (0,1), (−1,0), (0,−1)
    const diamond = f64(1, 0, 0, 0, 1, 0, -1, 0, 0, 0, -1, 0);
    const dst = new Float64Array(3 * 8);
    const n = clipPolygonToHalfSpace(diamond, 4, dst, 0, 1, f64(0, 0, 0));
    expect(Array.from(dst.subarray(0, 3 * n))).toEqual([0, 1, 0, -1, 0, 0, 0, -1, 0]);
    // against x ≥ −0.5 (sign −1, bound 0.5): a pentagon
    const m = clipPolygonToHalfSpace(diamond, 4, dst, 0, -1, f64(0.5, 0, 0));
    expect(m).toBe(5);
    for (let i = 0; i < m; i++) expect(dst[3 * i]).toBeGreaterThanOrEqual(-0.5);
  });

  it('an edge lying in the plane up to rounding keeps both its ends (no cut point at 0/0)', () => {
    // the square's right edge at x = 0.5 ± 1e-17·… (as a turned frame leaves it) against x ≤ 0.5
    const square = f64(0, 0, 0, 0.5 + 1e-16, 0, 0, 0.5 - 1e-16, 1, 0, 0, 1, 0);
    const dst = new Float64Array(3 * 8);
    const n = clipPolygonToHalfSpace(square, 4, dst, 0, 1, f64(0.5, 0, 0));
    expect(Array.from(dst.subarray(0, 3 * n))).toEqual(Array.from(square));
    // 2 nm either side is a genuine crossing: the corner is cut off where the edge crosses
    // x = 0.5, half-way up (the sensitive case the band keeps away from rounding noise)
    const past = f64(0, 0, 0, 0.5 + 2e-9, 0, 0, 0.5 - 2e-9, 1, 0, 0, 1, 0);
    const m = clipPolygonToHalfSpace(past, 4, dst, 0, 1, f64(0.5, 0, 0));
    expect(m).toBe(5);
    expect(dst[6]).toBe(0.5);
    // (0.5 ± 2e-9 are not exact doubles: the cut lands within 1e-8 of half-way)
    expect(Math.abs(dst[7] - 0.5)).toBeLessThan(1e-8);
  });
});
