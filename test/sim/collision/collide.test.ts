// The collision stage as a whole: broadphase + narrowphase finds the same contacts as the
// narrowphase run on every pair (so the broadphase never drops a contact), and the hot
// path allocates nothing once warm (no garbage-collection events over many calls).
import { describe, expect, expectTypeOf, it } from 'vitest';
import fc from 'fast-check';
import { collide } from '../../../sim/collision/collide.ts';
import { createContacts } from '../../../sim/collision/contacts.ts';
import { collidePair } from '../../../sim/collision/dispatch.ts';
import type { CollisionInput } from '../../../sim/collision/types.ts';
import type { Model } from '../../../sim/model.ts';
import { axisAngle, arbShape, makeScene, readContacts, sceneOf, type ContactView, type ShapeSpec } from './fixtures.ts';
import { youngBytesDuring } from '../gc-watch.ts';

const byPairThenFeature = (x: ContactView, y: ContactView): number =>
  x.a - y.a || x.b - y.b || x.pair - y.pair || x.dist - y.dist;

describe('collide', () => {
  it('takes the real Model as its input (structurally; checked by tsc)', () => {
    expectTypeOf<Model>().toExtend<CollisionInput>();
  });

  it('finds the same contacts as the narrowphase on every pair', () => {
    const arbSolid = fc
      .constantFrom('sphere' as const, 'box' as const, 'capsule' as const)
      .chain((type) => arbShape(type, 1.5));
    const arbScene = fc.tuple(fc.array(arbSolid, { minLength: 1, maxLength: 25 }), arbShape('plane', 1));
    fc.assert(
      fc.property(arbScene, fc.double({ min: 0, max: 0.2, noNaN: true }), ([solids, plane], margin) => {
        const { input, bodyQ } = sceneOf([plane, ...solids]);
        const contacts = createContacts(4096);
        const count = collide(input, bodyQ, margin, contacts);
        expect(count).toBe(contacts.count);
        expect(contacts.dropped).toBe(0);

        const everyPair = createContacts(4096);
        for (let i = 0; i < input.nbody; i++) {
          for (let j = i + 1; j < input.nbody; j++) collidePair(input, bodyQ, i, j, margin, everyPair);
        }
        expect(readContacts(contacts).sort(byPairThenFeature)).toEqual(readContacts(everyPair).sort(byPairThenFeature));
      }),
      { numRuns: 100 },
    );
  });

  it('clears the buffer of the previous call', () => {
    const { input, bodyQ } = makeScene([
      { type: 'plane', size: [0, 0, 1, 0] },
      { type: 'sphere', size: [0.5], position: [0, 0, 0.4] },
    ]);
    const contacts = createContacts(8);
    expect(collide(input, bodyQ, 0.01, contacts)).toBe(1);
    bodyQ[7 + 2] = 2; // lift the sphere (body 1) clear of the ground
    expect(collide(input, bodyQ, 0.01, contacts)).toBe(0);
  });

  it('allocates nothing per call once warm: no young-generation bytes over 1,000 calls on a mixed pile', async () => {
    // 120 spheres, boxes and capsules at random poses packed into 3 × 3 × 1.5 m above a
    // plane (deterministic LCG): every pair type and most branches of the narrowphase occur
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648; // LCG (glibc constants)
      return seed / 2147483648;
    };
    const bodies: ShapeSpec[] = [{ type: 'plane', size: [0, 0, 1, 0] }];
    for (let i = 0; i < 120; i++) {
      const position: [number, number, number] = [3 * random(), 3 * random(), 1.5 * random()];
      const quat = axisAngle([random() - 0.5, random() - 0.5, random() - 0.5], Math.PI * random());
      const size = 0.1 + 0.2 * random();
      const shape = i % 3;
      if (shape === 0) bodies.push({ type: 'sphere', size: [size], position });
      else if (shape === 1)
        bodies.push({ type: 'box', size: [size, 0.1 + 0.2 * random(), 0.1 + 0.2 * random()], position, quat });
      else bodies.push({ type: 'capsule', size: [0.5 * size, size], position, quat });
    }
    const { input, bodyQ } = makeScene(bodies);
    const contacts = createContacts(8192);
    for (let k = 0; k < 200; k++) collide(input, bodyQ, 0.02, contacts); // warm: workspace, JIT
    expect(contacts.dropped).toBe(0);
    // every pair type is in the pile
    const pairTypes = new Set<string>();
    for (let k = 0; k < contacts.count; k++) {
      const types = [input.geomType[contacts.bodyA[k]], input.geomType[contacts.bodyB[k]]].sort();
      pairTypes.add(types.join('-'));
    }
    expect(pairTypes.size).toBe(9);

    let total = 0;
    const allocation = await youngBytesDuring(() => {
      for (let k = 0; k < 1000; k++) total += collide(input, bodyQ, 0.02, contacts);
    });
    expect(total).toBe(1000 * contacts.count * allocation.attempts);
    // under one byte per call: an allocation per call (≥ 16 bytes) shows as ≥ 16,000
    expect(allocation.bytes, `${allocation.bytes} bytes in ${allocation.attempts} attempt(s)`).toBeLessThan(1000);
  });
});
