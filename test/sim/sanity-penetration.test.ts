// The divergence monitor's penetration bound (sim/sanity.ts): a contact may sink at most
// penetrationFactor × the sum of its bodies' half-thicknesses + their initial overlap + one
// step's travel (against a plane, a half-space, in hard mode twice the body's own half-thickness:
// its centre at the surface; ∞ in the force modes). The bound trips exactly where documented, is relative to the initial overlap,
// configurable, names the pose's step and the pair, holds an undamped impact to its closed
// form v·√(m/k), and costs no allocation.
import { describe, expect, it } from 'vitest';
import { createContacts, type Contacts } from '../../sim/collision/contacts.ts';
import { DivergenceError } from '../../sim/errors.ts';
import type { SceneInput } from '../../sim/scene.ts';
import { createStepData, step } from '../../sim/step.ts';
import { thrown } from '../helpers.ts';
import { monitorOf } from './sanity-helpers.ts';
import { youngBytesDuring } from './gc-watch.ts';

const R = 0.1;
const DT = 0.001;
const G = 9.81;

/** A ball of radius R over a static floor (a box 0.2 m thick, top at z = 0) at height z, moving at vz. */
function ballScene(z: number, vz = 0, extra: Partial<SceneInput> = {}): SceneInput {
  return {
    dt: DT,
    steps: 1000,
    contact: { mode: 'penalty' },
    bodies: [
      { name: 'floor', shape: { type: 'box', halfExtents: [2, 2, R] }, static: true, position: [0, 0, -R] },
      { name: 'ball', shape: { type: 'sphere', radius: R }, mass: 1, position: [0, 0, z], linearVelocity: [0, 0, vz] },
    ],
    ...extra,
  };
}

/** One contact between bodies 0 (floor) and 1 (ball) at signed distance `dist`. */
function oneContact(dist: number): Contacts {
  const c = createContacts(1);
  c.count = 1;
  c.bodyA[0] = 0;
  c.bodyB[0] = 1;
  c.normal[2] = 1;
  c.dist[0] = dist;
  return c;
}

describe('the penetration bound', () => {
  it('trips just past P·(h_A + h_B) + (s_A + s_B)·dt: ½(0.1 + 0.1) m plus the ball’s step of travel at 2 m/s, and names the pose', () => {
    const { s, monitor } = monitorOf(ballScene(0.5, -2));
    // the speed that brought the pose is the initial one here: 2 m/s × 1 ms
    const bound = R + 2 * DT;
    monitor.check(s.bodyQ, s.bodyQd, 1, oneContact(-bound * (1 - 1e-9)));
    expect(monitor.penetrationPeak).toBeCloseTo(1, 8);
    const err = thrown(() => monitor.check(s.bodyQ, s.bodyQd, 7, oneContact(-bound * (1 + 1e-9))));
    expect(err).toBeInstanceOf(DivergenceError);
    // the contacts were found at the start of step 7: the pose after 6 steps
    expect(err).toMatchObject({ step: 6, body: 'ball', other: 'floor', field: 'penetration' });
    expect((err as Error).message).toMatch(
      /body 'ball' is 0\.102000 m deep in body 'floor' .*more than the 0\.102000 m allowed \(sanity\.penetrationFactor 0\.5 × their half-thicknesses 0\.1 m \+ 0\.1 m \+ the pair's travel in the step 0\.002 m\)/,
    );
  });

  it('is relative to the initial overlap: a ball started 0.05 m inside the floor may stay 0.15 m deep', () => {
    const { s, monitor } = monitorOf(ballScene(0.05));
    monitor.check(s.bodyQ, s.bodyQd, 1, oneContact(-0.1499));
    expect(() => monitor.check(s.bodyQ, s.bodyQd, 2, oneContact(-0.1501))).toThrow(/initial overlaps 0\.05 m/);
  });

  it('is configurable: sanity.penetrationFactor 1 allows the sum of the half-thicknesses, 0.2 m', () => {
    const { s, monitor } = monitorOf(ballScene(0.5, 0, { sanity: { penetrationFactor: 1 } }));
    monitor.check(s.bodyQ, s.bodyQd, 1, oneContact(-0.1999));
    expect(thrown(() => monitor.check(s.bodyQ, s.bodyQd, 2, oneContact(-0.2001)))).toMatchObject({
      field: 'penetration',
    });
  });

  it('a plank 0.1 m thick under a 0.3 m ball allows ½(0.05 + 0.3) = 0.175 m; a plane, a half-space, ½·2·0.1 m in hard mode (the centre at the surface), no bound in the force modes', () => {
    const { s, monitor } = monitorOf({
      gravity: [0, 0, 0],
      bodies: [
        { name: 'plank', shape: { type: 'box', halfExtents: [0.3, 0.05, 0.05] }, mass: 1 },
        { name: 'ball', shape: { type: 'sphere', radius: 0.3 }, mass: 5, position: [0, 0, 1] },
      ],
    });
    monitor.check(s.bodyQ, s.bodyQd, 1, oneContact(-0.1749));
    // the heavier body is named as the one sinking
    expect(thrown(() => monitor.check(s.bodyQ, s.bodyQd, 2, oneContact(-0.1751)))).toMatchObject({
      body: 'ball',
      other: 'plank',
    });
    const onGround = (mode: 'hard' | 'penalty') =>
      monitorOf({
        contact: { mode },
        bodies: [
          { name: 'ground', shape: { type: 'plane' } },
          { name: 'ball', shape: { type: 'sphere', radius: R }, mass: 1, position: [0, 0, 1] },
        ],
      });
    // hard: at rest no travel term; the ball's centre may reach the surface (0.1 m), not pass it
    const hard = onGround('hard');
    hard.monitor.check(hard.s.bodyQ, hard.s.bodyQd, 1, oneContact(-0.0999));
    expect(hard.monitor.penetrationPeak).toBeCloseTo(0.999, 9);
    const err = thrown(() => hard.monitor.check(hard.s.bodyQ, hard.s.bodyQd, 2, oneContact(-0.1001)));
    expect(err).toMatchObject({ body: 'ball', other: 'ground', field: 'penetration' });
    expect((err as Error).message).toMatch(
      /more than the 0\.100000 m allowed \(sanity\.penetrationFactor 0\.5 × twice the half-thickness of body 'ball' 0\.1 m, the other a half-space\)/,
    );
    // penalty: the depth in the ground is the spring's law, the energy balance's business
    const soft = onGround('penalty');
    soft.monitor.check(soft.s.bodyQ, soft.s.bodyQd, 1, oneContact(-100));
    expect(soft.monitor.penetrationPeak).toBe(0);
  });
});

describe('an undamped impact on a penalty spring sinks v·√(m/k) (closed form), and the bound follows', () => {
  // restitution 1: no dashpot; the weight feed-forward cancels gravity in contact, so the
  // spring alone stops the ball arriving at v = √(2·g·0.4) = 2.8 m/s: depth v·√(m/k)
  const v = Math.sqrt(2 * G * 0.4);
  const drop = (k: number) => {
    const { scene, model, s, monitor } = monitorOf(
      ballScene(R + 0.4, 0, { contact: { mode: 'penalty', stiffness: k, restitution: 1 } }),
    );
    const data = createStepData(model);
    let deepest = 0;
    const err = thrown(() => {
      for (let t = 0; t < scene.steps; t++) {
        step(model, data, s, null, s);
        for (let c = 0; c < data.contacts.count; c++) deepest = Math.max(deepest, -data.contacts.dist[c]);
        monitor.check(s.bodyQ, s.bodyQd, t + 1, data.contacts);
      }
    });
    return { err, deepest, monitor };
  };

  it('k = 4000 N/m: 2.8 m/s × 15.8 ms = 0.044 m, within the 0.1 m radius: quiet', () => {
    const { err, deepest, monitor } = drop(4000);
    expect(err).toBeNull();
    expect(deepest / (v * Math.sqrt(1 / 4000))).toBeGreaterThan(0.9);
    expect(deepest / (v * Math.sqrt(1 / 4000))).toBeLessThan(1.1);
    expect(monitor.penetrationPeak).toBeLessThan(0.5);
  });

  it('k = 500 N/m: 2.8 m/s × 44.7 ms = 0.125 m, past the radius: reported while it sinks, the hint names the stiffness', () => {
    const { err } = drop(500);
    expect(err).toBeInstanceOf(DivergenceError);
    const d = err as DivergenceError;
    expect(d).toMatchObject({ field: 'penetration', body: 'ball', other: 'floor' });
    // the fall takes √(0.8/g) = 286 steps; reaching 0.1 of the 0.125 m amplitude, asin(0.8)/ω = 41 more
    expect(d.step).toBeGreaterThan(300);
    expect(d.step).toBeLessThan(340);
    expect(d.hint).toMatch(/stiffness 500 N\/m is soft for body 'ball' \(1 kg\)/);
  });
});

describe('cost', () => {
  it('checks contacts with no allocation: under 1 kB over 200,000 checks of a 400-contact buffer', async () => {
    const { s, monitor } = monitorOf(ballScene(0.5));
    const contacts = createContacts(400);
    contacts.count = 400;
    for (let c = 0; c < 400; c++) {
      contacts.bodyA[c] = 0;
      contacts.bodyB[c] = 1;
      contacts.dist[c] = -1e-4 * ((c % 7) + 1);
    }
    for (let t = 0; t < 1000; t++) monitor.check(s.bodyQ, s.bodyQd, t + 1, contacts);
    const allocation = await youngBytesDuring(() => {
      for (let t = 0; t < 200_000; t++) monitor.check(s.bodyQ, s.bodyQd, t + 1, contacts);
    });
    // one number boxed per check would be 3.2 MB
    expect(allocation.bytes, JSON.stringify(allocation)).toBeLessThan(1000);
    expect(monitor.penetrationPeak).toBeCloseTo(7e-4 / R, 12);
  });
});
