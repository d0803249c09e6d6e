// Narrowphase properties over random shapes and poses (fast-check), for every pair type:
// - each contact is geometrically honest, checked with signed distance and support
//   functions written independently in the fixtures: its two surface points
//   (point ∓ dist/2·n) lie in or on their shapes (the deepest one's exactly on), and no
//   contact claims a deeper overlap than the shapes' supports allow along its normal;
// - the deepest contact's dist is the signed distance of the two shapes: it is attained
//   along the reported normal, and no direction found by a search separates them more;
//   no contacts means the shapes are farther apart than the margin;
// - swapping A and B flips the normals and keeps points and distances;
// - a rigid motion of both bodies moves points and normals with it and keeps distances.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createContacts } from '../../../sim/collision/contacts.ts';
import { collidePair } from '../../../sim/collision/dispatch.ts';
import { EDGE_AXIS_TOLERANCE } from '../../../sim/collision/sat.ts';
import {
  add,
  arbQuat,
  arbShape,
  arbVec,
  dot,
  makeSeparation,
  norm,
  rotate,
  scale,
  sceneOf,
  sdf,
  signedDistanceBySupport,
  sub,
  transformPosed,
  type ContactView,
  type Posed,
  type ShapeName,
  type Quat,
  type V3,
  normalizeQuat,
  quatMul,
  readContacts,
} from './fixtures.ts';

const MARGIN = 0.05; // m: wide enough that random poses often land inside it
// contact margins for the consistency property, m: a wide one makes most separated pairs
// report their (exact) distance, so the separated branches are exercised as much as the
// overlapping ones
const arbMargin = fc.oneof(fc.constant(MARGIN), fc.double({ min: 0, max: 1.5, noNaN: true }));
// geometric tolerance, m: shapes are 0.1–1 m. Within 1e-8 m of a degenerate pose
// (coincident sphere centres, crossing capsule axes) the narrowphase falls back to a
// fixed normal, which is exact to that distance (sim/collision/ball.ts), plus rounding
const TOL = 2e-8;
// swapping or moving the bodies rounds differently; near-degenerate poses (axes 1e-7
// apart and nearly parallel) amplify that to ~1e-8 in a normal, while a genuine
// asymmetry would show at the scale of the shapes
const MATCH_TOL = 1e-7;
/** Worst shortfall of `signedDistanceBySupport` (a pattern search) at a kinked optimum, m. */
const SUPPORT_SEARCH_TOL = 1e-6;
const RUNS = 400;
// report the first counterexample as found: shrinking re-runs the support-function search
// thousands of times and can take minutes
const PROPERTY_OPTIONS = { numRuns: RUNS, endOnFailure: true };

const PAIRS: readonly [ShapeName, ShapeName][] = [
  ['plane', 'sphere'],
  ['plane', 'box'],
  ['plane', 'capsule'],
  ['sphere', 'sphere'],
  ['sphere', 'box'],
  ['sphere', 'capsule'],
  ['box', 'box'],
  ['box', 'capsule'],
  ['capsule', 'capsule'],
];

function collideBodies(A: Posed, B: Posed, first = 0, margin = MARGIN): ContactView[] {
  const { input, bodyQ } = sceneOf([A, B]);
  const out = createContacts(16);
  collidePair(input, bodyQ, first, 1 - first, margin, out);
  return readContacts(out);
}

/** Pairs of random shapes: A near the origin, B within reach of it. */
function arbPair(typeA: ShapeName, typeB: ShapeName): fc.Arbitrary<[Posed, Posed]> {
  return fc.tuple(arbShape(typeA, 0.3), arbShape(typeB, 1.2));
}

/** Contacts of `actual` and `expected` agree one to one within `tol` (normals times `normalSign`). */
function sameContacts(actual: ContactView[], expected: ContactView[], normalSign: number, tol: number): boolean {
  if (actual.length !== expected.length) return false;
  const unused = new Set(actual.map((_, i) => i));
  for (const e of expected) {
    const match = [...unused].find(
      (i) =>
        norm(sub(actual[i].point, e.point)) <= tol &&
        norm(sub(actual[i].normal, scale(e.normal, normalSign))) <= tol &&
        Math.abs(actual[i].dist - e.dist) <= tol,
    );
    if (match === undefined) return false;
    unused.delete(match);
  }
  return true;
}

// nudges of B (m, rad), far below any feature size but far above rounding
const NUDGE = 1e-7;
const NUDGES: readonly [V3, Quat][] = [
  [
    [NUDGE, -2 * NUDGE, 3 * NUDGE],
    [1, 0, 0, 0],
  ],
  [
    [-NUDGE, 2 * NUDGE, -3 * NUDGE],
    [1, 0, 0, 0],
  ],
  // translations along three independent directions: a tie (a capsule's axis through a
  // box's centre, either thin side equally deep) is broken by a move along its normal,
  // and one direction alone can be orthogonal to it (n = (0.894, 0.447, 0) is orthogonal
  // to (1, −2, 3): a counterexample fast-check found, seed −1018377480), while turning B
  // about its own centre keeps such a tie
  [
    [3 * NUDGE, NUDGE, -2 * NUDGE],
    [1, 0, 0, 0],
  ],
  [
    [-3 * NUDGE, -NUDGE, 2 * NUDGE],
    [1, 0, 0, 0],
  ],
  [
    [-2 * NUDGE, 3 * NUDGE, NUDGE],
    [1, 0, 0, 0],
  ],
  [
    [2 * NUDGE, -3 * NUDGE, -NUDGE],
    [1, 0, 0, 0],
  ],
  [[0, 0, 0], normalizeQuat([1, NUDGE, -NUDGE, 2 * NUDGE])],
  [[0, 0, 0], normalizeQuat([1, -NUDGE, NUDGE, -2 * NUDGE])],
  [[0, 0, 0], normalizeQuat([1, -2 * NUDGE, NUDGE, NUDGE])],
  [[0, 0, 0], normalizeQuat([1, 2 * NUDGE, -NUDGE, -NUDGE])],
];

/**
 * Whether the contacts of A and B are a continuous function of the pose here: the same
 * (to 1e-4) after moving B by ~4e-7 m either way along three directions, or turning it by ~5e-7 rad either way
 * about two axes. Poses where the answer is not unique (concentric shapes, coincident
 * sphere centres, two faces equally opposed to a box face, so that either could be the
 * incident face) or sits on a decision boundary (a contact at the margin, a face
 * manifold about to lose a corner) are not, and there neither symmetry nor invariance
 * can be asked of any implementation.
 */
function wellPosed(A: Posed, B: Posed, contacts: ContactView[]): boolean {
  return NUDGES.every(([t, q]) => {
    const nudged = { ...B, position: add(B.position, t), quat: normalizeQuat(quatMul(q, B.quat)) };
    return sameContacts(collideBodies(A, nudged), contacts, 1, 1e-4);
  });
}

function expectSameContacts(actual: ContactView[], expected: ContactView[], normalSign: number): void {
  expect(actual.length).toBe(expected.length);
  expect(sameContacts(actual, expected, normalSign, MATCH_TOL), JSON.stringify({ actual, expected })).toBe(true);
}

describe.each(PAIRS)('narrowphase %s–%s', (typeA, typeB) => {
  // box–box by SAT is exact when penetrating; separated, it is a lower bound on the gap
  const boxBox = typeA === 'box' && typeB === 'box';
  // the separating-axis pairs prefer a face axis unless an edge axis is better by
  // EDGE_AXIS_TOLERANCE, so their distance is exact to that
  const distanceTol = boxBox || (typeA === 'box' && typeB === 'capsule') ? EDGE_AXIS_TOLERANCE : TOL;

  it('contacts are consistent with the shapes and give their signed distance', () => {
    fc.assert(
      fc.property(arbPair(typeA, typeB), arbMargin, ([A, B], margin) => {
        const contacts = collideBodies(A, B, 0, margin);
        // a contact at the margin is present or not by rounding
        fc.pre(contacts.every((c) => Math.abs(c.dist - margin) > TOL));
        const signed = signedDistanceBySupport(A, B).value;
        if (contacts.length === 0) {
          // touching at the margin, no contact is as right as one: the support search is a
          // lower bound that can stall up to ~1e-7 short where the support function has a
          // kink at the optimum (a capsule's axis across the normal: measured −9.7e-8 for a
          // sphere touching one exactly), so the boundary is left out on this side too
          fc.pre(Math.abs(signed - (boxBox ? 0 : margin)) > SUPPORT_SEARCH_TOL);
          // farther apart than the margin (box–box: at least not overlapping)
          expect(signed).toBeGreaterThan(boxBox ? -TOL : margin - TOL);
          return;
        }
        const separation = makeSeparation(A, B);
        let deepest = contacts[0];
        for (const c of contacts) {
          expect(Math.abs(norm(c.normal) - 1)).toBeLessThan(1e-12);
          expect([c.a, c.b]).toEqual([0, 1]);
          expect(c.dist).toBeLessThanOrEqual(margin);
          const onA = sub(c.point, scale(c.normal, c.dist / 2));
          const onB = add(c.point, scale(c.normal, c.dist / 2));
          expect(sdf(A, onA)).toBeLessThanOrEqual(TOL);
          expect(sdf(B, onB)).toBeLessThanOrEqual(TOL);
          // points of A and B are at least separation(n) apart along n
          expect(c.dist).toBeGreaterThanOrEqual(separation(c.normal) - TOL);
          if (c.dist < deepest.dist) deepest = c;
        }
        const onA = sub(deepest.point, scale(deepest.normal, deepest.dist / 2));
        const onB = add(deepest.point, scale(deepest.normal, deepest.dist / 2));
        expect(Math.abs(sdf(A, onA))).toBeLessThanOrEqual(TOL);
        expect(Math.abs(sdf(B, onB))).toBeLessThanOrEqual(TOL);
        if (boxBox && deepest.dist > 0) return;
        // the signed distance is max over directions of the separation: attained along n …
        expect(Math.abs(deepest.dist - separation(deepest.normal))).toBeLessThanOrEqual(distanceTol);
        // … and no direction does better
        expect(signed).toBeLessThanOrEqual(deepest.dist + distanceTol);
      }),
      PROPERTY_OPTIONS,
    );
  });

  it('swapping A and B flips the normals and keeps points and distances', () => {
    fc.assert(
      fc.property(arbPair(typeA, typeB), ([A, B]) => {
        const forward = collideBodies(A, B, 0);
        fc.pre(wellPosed(A, B, forward));
        const backward = collideBodies(A, B, 1);
        for (const c of backward) expect([c.a, c.b]).toEqual([1, 0]);
        expectSameContacts(backward, forward, -1);
      }),
      PROPERTY_OPTIONS,
    );
  });

  it('a rigid motion of both bodies moves the contacts with it and keeps distances', () => {
    fc.assert(
      fc.property(arbPair(typeA, typeB), arbQuat, arbVec(2), ([A, B], q, t) => {
        const before = collideBodies(A, B);
        fc.pre(wellPosed(A, B, before));
        const after = collideBodies(transformPosed(A, q, t), transformPosed(B, q, t));
        const moved = before.map((c) => ({ ...c, point: add(rotate(q, c.point), t), normal: rotate(q, c.normal) }));
        expectSameContacts(after, moved, 1);
      }),
      PROPERTY_OPTIONS,
    );
  });
});

it('the support-function search finds the closed-form distance of two spheres', () => {
  // guards the test oracle itself: |c2 − c1| − r1 − r2 = 1.3 − 0.5 − 0.3
  const A: Posed = { type: 'sphere', size: [0.5], position: [0, 0, 0], quat: [1, 0, 0, 0] };
  const B: Posed = { type: 'sphere', size: [0.3], position: [0.5, 1.2, 0], quat: [1, 0, 0, 0] };
  const { value, u } = signedDistanceBySupport(A, B);
  expect(value).toBeCloseTo(0.5, 9);
  expect(dot(u, [0.5 / 1.3, 1.2 / 1.3, 0])).toBeCloseTo(1, 9);
});
