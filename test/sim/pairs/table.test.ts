// The pair table's per-row flags and hand-written tangents, checked against what they
// stand for: `choosesFeatures` against the decisions the row's formula actually reports
// on configurations the narrowphase produced, and `fastTangent` against the nested
// forward trace of the formula (contactGeometryTangent), in both storage orders.
import { describe, expect, it } from 'vitest';
import { seededRng, type Rng } from '../../../ad/random.ts';
import { createContacts } from '../../../sim/collision/contacts.ts';
import { collidePair } from '../../../sim/collision/dispatch.ts';
import type { CollisionInput } from '../../../sim/collision/types.ts';
import { contactGeometryTangent } from '../../../sim/contact/geometry.ts';
import { UnsupportedGradientError } from '../../../sim/contact/geometry-features.ts';
import { FEATURE_INPUTS } from '../../../sim/contact/geometry-shared.ts';
import { SHAPE_PAIRS, type ShapePair } from '../../../sim/pairs/table.ts';
import { buildModel, initialState } from '../../../sim/builder.ts';
import { collide } from '../../../sim/collision/collide.ts';
import { parseScene } from '../../../sim/scene.ts';
import { narrowphaseFeatures } from '../../../sim/validity/features.ts';
import { ShapeType, type ShapeName } from '../../../sim/shapes.ts';
import { randomQuat, uniform, unitVector } from '../contact/geometry-fixtures.ts';

// configurations per row: the feature-choosing formulas report a decision on every call
// (a clamp, a region, an axis), so a handful would do; 60 covers every feature id of a
// plane–box or sphere–box many times over
const CONFIGS = 60;

/** A random body of `type` near the origin: [pose (7), size row (4)]. */
function randomBody(rng: Rng, type: ShapeName): { pose: number[]; size: number[] } {
  const pose = [uniform(rng, -0.6, 0.6), uniform(rng, -0.6, 0.6), uniform(rng, -0.6, 0.6), ...randomQuat(rng)];
  switch (type) {
    case 'plane':
      return { pose: [0, 0, 0, 1, 0, 0, 0], size: [...unitVector(rng), uniform(rng, -0.3, 0.3)] };
    case 'sphere':
      return { pose, size: [uniform(rng, 0.2, 0.6), 0, 0, 0] };
    case 'box':
      return { pose, size: [uniform(rng, 0.2, 0.6), uniform(rng, 0.2, 0.6), uniform(rng, 0.2, 0.6), 0] };
    case 'capsule':
    case 'cylinder':
      return { pose, size: [uniform(rng, 0.1, 0.4), uniform(rng, 0.2, 0.6), 0, 0] };
  }
}

/** Two random bodies of the row's types (body 0 of type a), and the contacts of collidePair(first, second). */
function randomPair(rng: Rng, row: ShapePair, swapped: boolean) {
  const A = randomBody(rng, row.a),
    B = randomBody(rng, row.b);
  const input: CollisionInput = {
    nbody: 2,
    geomType: Uint8Array.of(ShapeType[row.a], ShapeType[row.b]),
    geomSize: Float64Array.from([...A.size, ...B.size]),
    bodyStatic: Uint8Array.of(row.a === 'plane' ? 1 : 0, 0),
  };
  const bodyQ = Float64Array.from([...A.pose, ...B.pose]);
  const contacts = createContacts(16);
  // margin ∞: every feature the narrowphase considers is reported
  if (swapped) collidePair(input, bodyQ, 1, 0, Infinity, contacts);
  else collidePair(input, bodyQ, 0, 1, Infinity, contacts);
  return { input, bodyQ, contacts, local: [...A.pose, ...B.pose, ...A.size, ...B.size] };
}

describe('pair table rows', () => {
  for (const row of SHAPE_PAIRS) {
    it(`${row.a}–${row.b}: choosesFeatures (${row.choosesFeatures}) is whether its formula reports decisions`, () => {
      const rng = seededRng(19);
      let decisions = 0,
        evaluated = 0;
      const sink = { decision: () => void decisions++ };
      for (let n = 0; n < CONFIGS; n++) {
        const { contacts, local } = randomPair(rng, row, false);
        expect(local.length).toBe(FEATURE_INPUTS);
        for (let k = 0; k < contacts.count; k++) {
          try {
            row.formula(contacts.pair[k], local, sink);
            evaluated++;
          } catch (err) {
            // a degenerate draw (coincident centres) has no formula value: skip it
            if (!(err instanceof UnsupportedGradientError)) throw err;
          }
        }
      }
      expect(evaluated).toBeGreaterThan(CONFIGS / 2);
      expect(decisions > 0).toBe(row.choosesFeatures);
    });
  }

  for (const row of SHAPE_PAIRS.filter((r) => r.fastTangent !== null)) {
    it(`${row.a}–${row.b}: fastTangent equals the formula's nested forward trace, either storage order`, () => {
      const rng = seededRng(7);
      const dirs = 3;
      for (let n = 0; n < 20; n++) {
        const swapped = n % 2 === 1;
        const { input, bodyQ, contacts } = randomPair(rng, row, swapped);
        const stateDot = Float64Array.from({ length: dirs * 14 }, () => rng.normal());
        const sizeDot = Float64Array.from({ length: dirs * 8 }, () => rng.normal());
        for (let k = 0; k < contacts.count; k++) {
          const one = {
            count: 1,
            bodyA: Int32Array.of(contacts.bodyA[k]),
            bodyB: Int32Array.of(contacts.bodyB[k]),
            pair: Int32Array.of(contacts.pair[k]),
          };
          const fast = new Float64Array(dirs * 7);
          // the row's bodies in table order: body 0 has type a
          const covered = row.fastTangent!(contacts.pair[k], 0, 1, swapped ? -1 : 1, 0, bodyQ, input.geomSize, {
            count: 1,
            dirs,
            stateDot,
            stateStride: 14,
            sizeDot,
            sizeStride: 8,
            out: fast,
          });
          expect(covered).toBe(true);
          for (let j = 0; j < dirs; j++) {
            const traced = contactGeometryTangent(
              input,
              one,
              bodyQ,
              input.geomSize,
              stateDot.subarray(14 * j, 14 * j + 14),
              sizeDot.subarray(8 * j, 8 * j + 8),
              new Float64Array(7),
            );
            for (let o = 0; o < 7; o++) expect(fast[7 * j + o]).toBeCloseTo(traced[o], 12);
          }
        }
      }
    });
  }
});

describe('the validity log reads the rows', () => {
  it('a ball beside a cylinder (no box, no capsule) logs the sphere–cylinder region decisions', () => {
    // the ball's centre 0.1 m below the top cap's plane, 0.05 m into the side: a side
    // contact, 0.1 m from the rim switch (|z| = halfLength) and 0.45 m from the axis switch
    const scene = parseScene({
      dt: 0.001,
      steps: 1,
      gravity: [0, 0, 0],
      contact: { mode: 'hard', margin: 0.01 },
      bodies: [
        { name: 'can', static: true, shape: { type: 'cylinder', radius: 0.3, halfLength: 0.5 }, position: [0, 0, 0] },
        { name: 'ball', shape: { type: 'sphere', radius: 0.2 }, mass: 1, position: [0.45, 0, 0.4] },
      ],
    });
    const model = buildModel(scene);
    const features = narrowphaseFeatures(model);
    expect(features).not.toBeNull();
    const state = initialState(model, scene);
    const contacts = createContacts(16);
    expect(collide(model, state.bodyQ, 0.01, contacts)).toBe(1);
    features!.poses.set(state.bodyQ);
    const kinks: { margin: number; label: string }[] = [];
    // a report radius (kinks.ts) wide enough for every decision of the contact
    const sink = {
      radius: 1,
      kink: (margin: number, label?: string) => void kinks.push({ margin, label: label ?? '' }),
    };
    features!.report(contacts, sink);
    expect(kinks.length).toBeGreaterThan(0);
    for (const k of kinks) expect(k.label).toMatch(/can\/ball|ball\/can/);
    // the rim switch: the centre's height 0.4 against the half length 0.5
    expect(kinks.some((k) => Math.abs(k.margin - 0.1) < 1e-12)).toBe(true);
  });
});
