// The hard step's contact order (sim/hard/contact-order.ts): by body pair and feature, so
// the Gauss–Seidel solves visit tied contacts in the same order on both sides of a tie
// (issue 13). Truth from outside the simulator: the order of a list of distinct keys, and the
// rack's mirror symmetry — at cue.v_y = 0 ball2 and ball3 mirror each other, so nothing in
// the physics singles out a side: the one-sided derivatives there must agree.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../../ad/random.ts';
import { createContacts } from '../../../sim/collision/contacts.ts';
import { ContactOrder } from '../../../sim/hard/contact-order.ts';
import { parseScene } from '../../../sim/scene.ts';
import { sceneFunction } from '../../../sim/scene-function.ts';

describe('ContactOrder', () => {
  it('sorts by (bodyA, bodyB, feature), each contact keeping its own geometry', () => {
    const rng = seededRng(5);
    const order = new ContactOrder();
    for (const count of [1, 2, 7, 33]) {
      const c = createContacts(count);
      c.count = count;
      const keys = new Set<string>();
      for (let k = 0; k < count; k++) {
        let a: number, b: number, f: number;
        do {
          a = Math.floor(rng.uniform() * 4);
          b = a + 1 + Math.floor(rng.uniform() * 3);
          f = Math.floor(rng.uniform() * 8);
        } while (keys.has(`${a},${b},${f}`));
        keys.add(`${a},${b},${f}`);
        c.bodyA[k] = a;
        c.bodyB[k] = b;
        c.pair[k] = f;
        // geometry that names its contact, to check the rows move together
        c.dist[k] = a * 100 + b * 10 + f;
        for (let e = 0; e < 3; e++) {
          c.normal[3 * k + e] = c.dist[k] + e / 4;
          c.point[3 * k + e] = -c.dist[k] - e / 4;
        }
      }
      order.sort(c);
      for (let k = 0; k < count; k++) {
        const id = c.bodyA[k] * 100 + c.bodyB[k] * 10 + c.pair[k];
        expect(c.dist[k]).toBe(id);
        for (let e = 0; e < 3; e++) {
          expect(c.normal[3 * k + e]).toBe(id + e / 4);
          expect(c.point[3 * k + e]).toBe(-id - e / 4);
        }
        if (k > 0) expect(c.dist[k]).toBeGreaterThan(c.dist[k - 1]);
      }
      expect(keys.size).toBe(count);
    }
  });

  it("billiards' rack (hard): the one-sided derivatives of ball2.y along cue.v_y agree at the mirror-symmetric start (h = 1e-8)", () => {
    // before (the broadphase's order, ball2 and ball3 tied in x): −2.60e-4 on the + side
    // against −5.19e-4 on the − side at h = 1e-8, a jump of the solver's tolerance
    const raw = JSON.parse(readFileSync(new URL('../../../scenes/billiards.json', import.meta.url), 'utf8'));
    const scene = parseScene({ ...raw, steps: 239, contact: { ...raw.contact, mode: 'hard' } });
    const f = sceneFunction(scene, 'ball2.position.y', ['cue.linearVelocity.y']);
    const x0 = f.x0[0];
    const h = 1e-8;
    const z = f.value([x0]);
    const plus = (f.value([x0 + h]) - z) / h,
      minus = (z - f.value([x0 - h])) / h;
    const ad = f.gradient([x0]).grad[0];
    expect(Math.abs(plus - minus)).toBeLessThan(1e-6 * Math.abs(minus));
    expect(Math.abs(ad - minus)).toBeLessThan(1e-6 * Math.abs(minus));
  });
});
