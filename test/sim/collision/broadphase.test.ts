// Broadphase: the candidate pairs are exactly the brute-force set (AABBs from the
// shapes' corners and ends, computed here independently, inflated by margin/2, overlapping
// on every axis; planes with every body; never static–static), on random scenes, and
// stay so as bodies move between calls (the sort reuses the previous order); the pairs'
// order is a function of the poses alone, whatever the workspace saw before.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { broadphase, createBroadphase, type PairList } from '../../../sim/collision/broadphase.ts';
import { add, arbQuat, arbShape, arbVec, posed, rotate, sceneOf, sub, type Posed, type V3 } from './fixtures.ts';

interface SceneBody extends Posed {
  isStatic: boolean;
}

/** World AABB of a posed non-plane shape, from its extreme points. */
function aabb(body: Posed): [V3, V3] {
  const points: V3[] = [];
  let pad = 0;
  if (body.type === 'box') {
    for (const sx of [-1, 1]) {
      for (const sy of [-1, 1]) {
        for (const sz of [-1, 1]) {
          points.push(add(body.position, rotate(body.quat, [sx * body.size[0], sy * body.size[1], sz * body.size[2]])));
        }
      }
    }
  } else if (body.type === 'capsule') {
    const axis = rotate(body.quat, [0, 0, body.size[1]]);
    points.push(add(body.position, axis), sub(body.position, axis));
    pad = body.size[0];
  } else {
    points.push(body.position);
    pad = body.size[0];
  }
  const lo = [0, 1, 2].map((k) => Math.min(...points.map((p) => p[k])) - pad) as V3;
  const hi = [0, 1, 2].map((k) => Math.max(...points.map((p) => p[k])) + pad) as V3;
  return [lo, hi];
}

function bruteForcePairs(bodies: readonly SceneBody[], margin: number): string[] {
  const pairs: string[] = [];
  const boxes = bodies.map((b) => (b.type === 'plane' ? null : aabb(b)));
  for (let i = 0; i < bodies.length; i++) {
    for (let j = i + 1; j < bodies.length; j++) {
      if (bodies[i].isStatic && bodies[j].isStatic) continue;
      const bi = boxes[i],
        bj = boxes[j];
      if (bi === null && bj === null) continue;
      const overlap =
        bi === null ||
        bj === null ||
        [0, 1, 2].every((k) => bi[0][k] - bj[1][k] <= margin && bj[0][k] - bi[1][k] <= margin);
      if (overlap) pairs.push(`${i}-${j}`);
    }
  }
  return pairs.sort();
}

/** The pairs in the order the broadphase emits them (the narrowphase writes contacts in this order). */
function orderedKeys(pairs: PairList): string[] {
  const keys: string[] = [];
  for (let p = 0; p < pairs.count; p++) keys.push(`${pairs.a[p]}-${pairs.b[p]}`);
  return keys;
}

function pairKeys(pairs: PairList): string[] {
  const keys: string[] = [];
  for (let p = 0; p < pairs.count; p++) {
    expect(pairs.a[p]).toBeLessThan(pairs.b[p]);
    keys.push(`${pairs.a[p]}-${pairs.b[p]}`);
  }
  return keys.sort();
}

function makeInput(bodies: readonly SceneBody[]) {
  const scene = sceneOf(bodies);
  bodies.forEach((b, i) => {
    scene.input.bodyStatic[i] = b.type === 'plane' || b.isStatic ? 1 : 0;
  });
  return scene;
}

const arbBody: fc.Arbitrary<SceneBody> = fc
  .tuple(
    fc.constantFrom('sphere' as const, 'box' as const, 'capsule' as const),
    fc.boolean(),
    fc.integer({ min: 0, max: 4 }),
  )
  .chain(([type, flag, roll]) => arbShape(type, 2).map((shape) => ({ ...shape, isStatic: flag && roll === 0 })));

const arbScene: fc.Arbitrary<SceneBody[]> = fc
  .tuple(fc.array(arbBody, { minLength: 1, maxLength: 40 }), fc.array(arbShape('plane', 1), { maxLength: 2 }))
  .map(([solids, planes]) => [...planes.map((p) => ({ ...p, isStatic: true })), ...solids]);

const arbMargin = fc.double({ min: 0, max: 0.3, noNaN: true });

describe('broadphase', () => {
  it('returns exactly the brute-force pairs on random scenes', () => {
    fc.assert(
      fc.property(arbScene, arbMargin, (bodies, margin) => {
        const { input, bodyQ } = makeInput(bodies);
        const pairs = broadphase(input, bodyQ, margin, createBroadphase(input));
        expect(pairKeys(pairs)).toEqual(bruteForcePairs(bodies, margin));
      }),
      { numRuns: 200 },
    );
  });

  it('stays exact when the bodies move between calls on one workspace', () => {
    // three rounds of new poses for every body: the sort starts from the last order
    const arbMoves = arbScene.chain((bodies) => {
      const arbPoses = fc.array(fc.tuple(arbVec(2), arbQuat), { minLength: bodies.length, maxLength: bodies.length });
      return fc.tuple(fc.constant(bodies), fc.array(arbPoses, { minLength: 3, maxLength: 3 }));
    });
    fc.assert(
      fc.property(arbMoves, arbMargin, ([bodies, rounds], margin) => {
        const bp = createBroadphase(makeInput(bodies).input);
        for (const poses of rounds) {
          const moved = bodies.map((b, i) =>
            b.type === 'plane' ? b : { ...b, position: poses[i][0], quat: poses[i][1] },
          );
          const { input, bodyQ } = makeInput(moved);
          expect(pairKeys(broadphase(input, bodyQ, margin, bp))).toEqual(bruteForcePairs(moved, margin));
        }
      }),
      { numRuns: 100 },
    );
  });

  it('emits the pairs in an order set by the poses alone, not by the previous call', () => {
    // equal spheres on a coarse lattice: many equal lower bounds along every axis, the ties
    // a sort that keeps the previous order would break differently after other poses. A
    // rollout's backward pass collides a kept pose again and needs the forward pass's order.
    const lattice = fc.tuple(
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 0, max: 1 }),
    );
    const arbTies = fc.tuple(
      fc.array(lattice, { minLength: 2, maxLength: 24 }),
      fc.array(fc.array(fc.tuple(arbVec(2), arbQuat), { minLength: 24, maxLength: 24 }), {
        minLength: 1,
        maxLength: 3,
      }),
    );
    fc.assert(
      fc.property(arbTies, ([cells, before]) => {
        const bodies: SceneBody[] = [
          { ...posed({ type: 'plane', size: [0, 0, 1, 0] }), isStatic: true },
          ...cells.map(([x, y, z]) => ({
            ...posed({ type: 'sphere' as const, size: [0.3], position: [0.5 * x, 0.5 * y, 0.5 * z] as V3 }),
            isStatic: false,
          })),
        ];
        const target = makeInput(bodies);
        const seen = createBroadphase(target.input);
        for (const poses of before) {
          const moved = bodies.map((b, i) => (i === 0 ? b : { ...b, position: poses[i][0], quat: poses[i][1] }));
          broadphase(target.input, makeInput(moved).bodyQ, 0.01, seen);
        }
        const fresh = orderedKeys(broadphase(target.input, target.bodyQ, 0.01, createBroadphase(target.input)));
        expect(orderedKeys(broadphase(target.input, target.bodyQ, 0.01, seen))).toEqual(fresh);
      }),
      { numRuns: 200 },
    );
  });

  it('never pairs two static bodies, and pairs a plane with every dynamic body', () => {
    const bodies: SceneBody[] = [
      { ...posed({ type: 'plane', size: [0, 0, 1, 0] }), isStatic: true },
      { ...posed({ type: 'box', size: [1, 1, 1] }), isStatic: true },
      { ...posed({ type: 'box', size: [1, 1, 1], position: [0.5, 0, 0] }), isStatic: true },
      { ...posed({ type: 'sphere', size: [0.1], position: [100, 0, 50] }), isStatic: false },
    ];
    const { input, bodyQ } = makeInput(bodies);
    expect(pairKeys(broadphase(input, bodyQ, 0.01, createBroadphase(input)))).toEqual(['0-3']);
  });

  it('tests far fewer pairs than n² on a 10 × 10 grid of stacked boxes', () => {
    // columns 1 m apart of 10 cubes (half 0.25) resting on each other: each cube touches
    // the one below and above, so the pairs are 9 per column plus the plane with every cube
    const bodies: SceneBody[] = [{ ...posed({ type: 'plane', size: [0, 0, 1, 0] }), isStatic: true }];
    for (let x = 0; x < 10; x++) {
      for (let z = 0; z < 10; z++) {
        bodies.push({
          ...posed({ type: 'box', size: [0.25, 0.25, 0.25], position: [x, 0, 0.25 + 0.5 * z] }),
          isStatic: false,
        });
      }
    }
    const { input, bodyQ } = makeInput(bodies);
    const keys = pairKeys(broadphase(input, bodyQ, 0.01, createBroadphase(input)));
    expect(keys).toEqual(bruteForcePairs(bodies, 0.01));
    expect(keys.length).toBe(10 * 9 + 100);
  });
});
