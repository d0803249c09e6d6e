// The reference's impact law, rotation and rigid-body laws: a cube landing on a corner
// against the 1-D effective-mass closed form, the Coulomb conditions at a box corner (stick
// and slide with coupled normal/tangent rows), conservation of energy (e = 1, frictionless)
// and of angular momentum about the contact point, and the torque-free rotation against the
// symmetric top's closed form.
import { describe, expect, it } from 'vitest';
import { Flight } from './event-driven/flight.ts';
import { resolveImpact, type ImpactBody } from './event-driven/impact.ts';
import { principalMoments } from './event-driven/inertia.ts';
import { runReference } from './event-driven/gradient.ts';
import {
  add,
  cross,
  dot,
  matVec,
  norm,
  qFromRotationVector,
  qToMatrix,
  scale,
  sub,
  transpose,
  type Q,
  type V3,
} from './event-driven/vec.ts';
import { box, capsule, plane, scene } from './scene-builders.ts';

const Z: V3 = [0, 0, 1];

/** World angular momentum about the point p and kinetic energy of a body state. */
function momentumAbout(b: ImpactBody, p: V3): V3 {
  const R = qToMatrix(b.state.q);
  const Lc = matVec(
    R,
    matVec([b.inertia[0], 0, 0, 0, b.inertia[1], 0, 0, 0, b.inertia[2]], matVec(transpose(R), b.state.w)),
  );
  return add(cross(sub(b.state.x, p), scale(b.state.v, b.mass)), Lc);
}
function kineticEnergy(b: ImpactBody): number {
  const wb = matVec(transpose(qToMatrix(b.state.q)), b.state.w);
  return (
    0.5 * b.mass * dot(b.state.v, b.state.v) +
    0.5 * (b.inertia[0] * wb[0] ** 2 + b.inertia[1] * wb[1] ** 2 + b.inertia[2] * wb[2] ** 2)
  );
}

describe('event-driven reference: box corners', () => {
  it('a cube dropped on one corner, frictionless: the impulse of the 1-D effective mass 1/m + |r×n|²/I', () => {
    const [a, m, e, v] = [0.1, 2, 0.5, 1.5];
    const q = qFromRotationVector([0.5, 0.2, 0.1]);
    const r = runReference(
      scene(
        [
          plane('ground', Z, 0),
          box('cube', [a, a, a], {
            mass: m,
            position: [0, 0, 0.3],
            orientation: q,
            linearVelocity: [0, 0, -v],
            restitution: e,
          }),
        ],
        {
          steps: 120,
          gravity: [0, 0, 0],
        },
      ),
    );
    expect(r.events).toHaveLength(1);
    const ev = r.events[0];
    // the lowest corner reaches z = 0 at t = (0.3 − depth)/v, depth = max over corners of −(R c)_z
    const R = qToMatrix(q);
    let depth = 0;
    for (const sx of [-1, 1])
      for (const sy of [-1, 1])
        for (const sz of [-1, 1]) depth = Math.max(depth, -matVec(R, [sx * a, sy * a, sz * a])[2]);
    expect(ev.time).toBeCloseTo((0.3 - depth) / v, 13);
    const rArm = sub(ev.point, [0, 0, 0.3 - v * ev.time]);
    expect(norm(rArm)).toBeCloseTo(a * Math.sqrt(3), 13);
    const I = (2 / 3) * m * a * a;
    const rxn = cross(rArm, Z);
    const lambda = ((1 + e) * v) / (1 / m + dot(rxn, rxn) / I);
    const fin = r.final[0];
    expect(fin.v[2]).toBeCloseTo(-v + lambda / m, 12);
    expect(fin.v[0]).toBeCloseTo(0, 12);
    for (let k = 0; k < 3; k++) expect(fin.w[k]).toBeCloseTo((rxn[k] * lambda) / I, 12);
  });

  // a spinning, moving box whose corner at r hits the ground: several friction levels
  const q: Q = qFromRotationVector([0.4, -0.7, 0.3]);
  const shape = { type: 'box', halfExtents: [0.2, 0.1, 0.05] } as const;
  const corner: V3 = matVec(qToMatrix(q), [0.2, -0.1, -0.05]);
  const boxBody: ImpactBody = {
    mass: 1.5,
    inertia: principalMoments(shape, 1.5),
    state: { x: [0, 0, 1], q, v: [0.8, -0.3, -2], w: [1, 3, -2] },
  };
  const point = add(boxBody.state.x, corner);

  for (const mu of [0.05, 0.3, 2]) {
    it(`a spinning box corner, μ = ${mu}: Newton restitution, the Coulomb conditions, angular momentum about the point`, () => {
      const e = 0.6;
      const r = resolveImpact(boxBody, null, point, Z, mu, e);
      const uBefore = add(boxBody.state.v, cross(boxBody.state.w, corner));
      const uAfter = add(r.a.v, cross(r.a.w, corner));
      expect(uAfter[2]).toBeCloseTo(-e * uBefore[2], 12);
      const lambdaN = r.impulse[2];
      const lambdaT = [r.impulse[0], r.impulse[1]];
      const slip = [uAfter[0], uAfter[1]];
      if (r.regime === 'stick') {
        expect(Math.hypot(...slip)).toBeLessThan(1e-12);
        expect(Math.hypot(...lambdaT)).toBeLessThanOrEqual(mu * lambdaN);
      } else {
        expect(Math.hypot(...lambdaT)).toBeCloseTo(mu * lambdaN, 12);
        // opposite to the slip after the impact
        const cos = -(lambdaT[0] * slip[0] + lambdaT[1] * slip[1]) / (Math.hypot(...lambdaT) * Math.hypot(...slip));
        expect(cos).toBeCloseTo(1, 12);
      }
      expect(r.regime).toBe(mu === 2 ? 'stick' : 'slide');
      const before = momentumAbout(boxBody, point);
      const after = momentumAbout({ ...boxBody, state: r.a }, point);
      for (let k = 0; k < 3; k++) expect(after[k]).toBeCloseTo(before[k], 12);
      // friction and e < 1 dissipate
      expect(kineticEnergy({ ...boxBody, state: r.a })).toBeLessThan(kineticEnergy(boxBody));
    });
  }

  it('e = 1, frictionless: a box corner and a capsule end keep the kinetic energy through the whole run', () => {
    const bodies = [
      box('box', [0.2, 0.1, 0.05], {
        position: [0, 0, 0.6],
        orientation: q,
        linearVelocity: [0.5, 0, -2],
        angularVelocity: [1, 3, -2],
      }),
      capsule('capsule', 0.05, 0.15, {
        position: [3, 0, 0.6],
        orientation: q,
        linearVelocity: [0, 0.4, -2],
        angularVelocity: [-2, 1, 4],
      }),
    ];
    for (const body of bodies) {
      const s = scene([plane('ground', Z, 0), body], { steps: 500, gravity: [0, 0, 0], restitution: 1 });
      const r = runReference(s);
      expect(r.events.length, body.name).toBeGreaterThanOrEqual(1);
      const mass = body.mass as number;
      const inertia = principalMoments(body.shape as typeof shape, mass);
      const start = kineticEnergy({
        mass,
        inertia,
        state: { x: [0, 0, 0], q, v: body.linearVelocity as V3, w: body.angularVelocity as V3 },
      });
      expect(kineticEnergy({ mass, inertia, state: r.final[0] }) / start, body.name).toBeCloseTo(1, 10);
    }
  });
});

describe('event-driven reference: torque-free rotation', () => {
  it('a capsule (symmetric top) precesses its body-frame spin at Ω = (I_t − I_a) ω₃ / I_t', () => {
    const shape = { type: 'capsule', radius: 0.05, halfLength: 0.2 } as const;
    const inertia = principalMoments(shape, 1);
    const q0 = qFromRotationVector([0.3, 0.1, -0.2]);
    const wb0: V3 = [2, -1, 7];
    const flight = new Flight(
      { x: [0, 0, 0], q: q0, v: [0, 0, 0], w: matVec(qToMatrix(q0), wb0) },
      0,
      [0, 0, 0],
      inertia,
    );
    const T = 1.3;
    const s = flight.at(T);
    const wb = matVec(transpose(qToMatrix(s.q)), s.w);
    const omega = ((inertia[0] - inertia[2]) * wb0[2]) / inertia[0];
    const [c, sn] = [Math.cos(omega * T), Math.sin(omega * T)];
    expect(Math.abs(wb[0] - (wb0[0] * c + wb0[1] * sn))).toBeLessThan(1e-9);
    expect(Math.abs(wb[1] - (wb0[1] * c - wb0[0] * sn))).toBeLessThan(1e-9);
    expect(Math.abs(wb[2] - wb0[2])).toBeLessThan(1e-12);
  });

  it('an asymmetric box (tumbling near its unstable axis) keeps energy and world angular momentum to 1e-10', () => {
    const shape = { type: 'box', halfExtents: [0.3, 0.15, 0.05] } as const;
    const inertia = principalMoments(shape, 2);
    const q0 = qFromRotationVector([0.1, 0.5, 0.2]);
    const w0 = matVec(qToMatrix(q0), [0.3, 8, 0.2]);
    const flight = new Flight({ x: [0, 0, 0], q: q0, v: [0, 0, 0], w: w0 }, 0, [0, 0, 0], inertia);
    const body = (t: number): ImpactBody => ({ mass: 2, inertia, state: flight.at(t) });
    const L0 = momentumAbout(body(0), [0, 0, 0]);
    const E0 = kineticEnergy(body(0));
    const T = 2;
    const L1 = momentumAbout(body(T), [0, 0, 0]);
    expect(norm(sub(L1, L0)) / norm(L0)).toBeLessThan(1e-10);
    expect(Math.abs(kineticEnergy(body(T)) / E0 - 1)).toBeLessThan(1e-10);
    // and it does tumble: the body-frame spin has moved far from where it started
    const wb = matVec(transpose(qToMatrix(body(T).state.q)), body(T).state.w);
    expect(Math.abs(wb[1] - 8)).toBeGreaterThan(0.5);
  });
});
