// The pair sweep of the force modes (sim/contact/pair-sweep.ts): when it runs, and its
// derivatives on a step that sweeps.
// - the decision: a body between strong dashpots in several pairs sweeps; the billiards
//   break (a pose-only bound on its gains ≈ 0.03 a pair) never does, so its steps are the ones before;
// - the adjoint against central differences of the plain kernel, every input group, both
//   modes, dashpots from an override and from restitution;
// - the batched tangent (wrenches-tangent.ts → pair-sweep-tangent.ts) against central
//   differences along random directions, and ⟨ȳ, J ẋ⟩ = ⟨Jᵀȳ, ẋ⟩ with the adjoint;
// - the pullback from the forward step's kept intermediates equals the recomputed one;
// - through a rollout of a face-to-face soft stack whose steps sweep: the tangent rollout's
//   J·v against the reverse pass's vᵀJᵀ and against central differences of the plain rollout.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as ad from '../../../ad/index.ts';
import { gradcheck } from '../../../ad/gradcheck.ts';
import { add, mul } from '../../../ad/ops.ts';
import { seededRng, type Rng } from '../../../ad/random.ts';
import type { Real } from '../../../ad/tape.ts';
import { buildModel, initialState } from '../../../sim/builder.ts';
import { createContacts, type Contacts } from '../../../sim/collision/contacts.ts';
import type { ContactForceMode, ContactForceParams } from '../../../sim/contact/params.ts';
import { contactParamTangentLayout, contactWrenchTangents } from '../../../sim/contact/wrenches-tangent.ts';
import {
  CONTACT_KEPT_PER_CONTACT,
  contactStepSwept,
  contactWrenches,
  contactWrenchesPullback,
  contactWrenchInputs,
  contactWrenchLayout,
  contactWrenchPrimitive,
  keepContactIntermediatesIn,
} from '../../../sim/contact/wrenches.ts';
import { forceRolloutTangents } from '../../../sim/driver/tangent-rollout.ts';
import { rolloutInputs, rolloutLayout, rolloutPrimitive } from '../../../sim/rollout.ts';
import { parseScene } from '../../../sim/scene.ts';
import { createStepData, step } from '../../../sim/step.ts';

const NBODY = 4;
const NAMES = ['ground', 'middle', 'top', 'side'] as const;
/** the pairs, each with its number of parallel contacts: the middle box is in three pairs */
const PAIRS: readonly [number, number, number][] = [
  [0, 1, 2],
  [1, 2, 2],
  [1, 3, 1],
  [2, 3, 1],
];

/**
 * A static ground and three boxes (inverse masses 1, 0.5, 2 /kg), k 2 kN/m, τ 2 mm, dt 10 ms:
 * dashpots strong enough (override 400 N·s/m, or restitution 0.02) that each pair's step
 * takes nearly all of its relative normal speed (y_n = dt·b·a·W_n ≫ 1), so the middle box's
 * three pairs sum far beyond the bound.
 */
function makeParams(mode: ContactForceMode, fromRestitution: boolean): ContactForceParams {
  return {
    mode,
    nbody: NBODY,
    stiffness: 2e3,
    damping: 400,
    dampingFromRestitution: fromRestitution,
    dt: 1e-2,
    temperature: 2e-3,
    frictionVelocity: 0.05,
    bodyFriction: Float64Array.of(0.8, 0.5, 0.3, 0.6),
    invMass: Float64Array.of(0, 1, 0.5, 2),
    invInertia: Float64Array.of(0, 0, 0, 3, 4, 5, 2, 2.5, 3, 6, 5, 4),
    // distinct: a pair uses the larger of its two, which has a kink where they are equal
    bodyRestitution: Float64Array.of(0.02, 0.03, 0.015, 0.025),
    gravity: Float64Array.of(0.3, -0.2, -9.81),
    margin: 0.04,
    bodyName: NAMES,
  };
}

interface Case {
  params: ContactForceParams;
  contacts: Contacts;
  q: Float64Array;
  qd: Float64Array;
}

function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.uniform();
}

function makeCase(mode: ContactForceMode, fromRestitution: boolean, seed: number): Case {
  const rng = seededRng(seed);
  const q = new Float64Array(7 * NBODY);
  const qd = new Float64Array(6 * NBODY);
  q[3] = 1;
  for (let i = 1; i < NBODY; i++) {
    for (let k = 0; k < 3; k++) q[7 * i + k] = uniform(rng, -0.3, 0.3) + (k === 2 ? 0.3 * i : 0);
    const quat = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
    const l = Math.hypot(...quat);
    for (let k = 0; k < 4; k++) q[7 * i + 3 + k] = quat[k] / l;
    for (let k = 0; k < 3; k++) qd[6 * i + k] = uniform(rng, -0.5, 0.5);
    for (let k = 3; k < 6; k++) qd[6 * i + k] = uniform(rng, -1, 1);
  }
  const count = PAIRS.reduce((s, [, , m]) => s + m, 0);
  const contacts = createContacts(count);
  contacts.count = count;
  let k = 0;
  for (const [a, b, m] of PAIRS) {
    for (let c = 0; c < m; c++, k++) {
      contacts.bodyA[k] = a;
      contacts.bodyB[k] = b;
      contacts.dist[k] = uniform(rng, -0.02, -0.008);
      const n = [uniform(rng, -0.4, 0.4), uniform(rng, -0.4, 0.4), 1];
      const l = Math.hypot(...n);
      contacts.normal.set(
        n.map((x) => x / l),
        3 * k,
      );
      for (let d = 0; d < 3; d++)
        contacts.point[3 * k + d] = 0.5 * (q[7 * a + d] + q[7 * b + d]) + uniform(rng, -0.1, 0.1);
    }
  }
  return { params: makeParams(mode, fromRestitution), contacts, q, qd };
}

function wrenchOf(c: Case): Float64Array {
  return contactWrenches(c.params, c.contacts, c.q, c.qd, new Float64Array(6 * NBODY));
}

const VARIANTS = [
  { mode: 'penalty', fromRestitution: false },
  { mode: 'soft', fromRestitution: false },
  { mode: 'penalty', fromRestitution: true },
  { mode: 'soft', fromRestitution: true },
] as const;
const label = (v: (typeof VARIANTS)[number]) => `${v.mode}, dashpot ${v.fromRestitution ? 'from e' : 'override'}`;

describe('pair sweep: when it runs', () => {
  it('a body in three pairs of strong dashpots sweeps, and the sweep changes the wrench', () => {
    for (const v of VARIANTS) {
      const c = makeCase(v.mode, v.fromRestitution, 1);
      wrenchOf(c);
      expect(contactStepSwept(), label(v)).toBe(true);
    }
  });

  it('the billiards break (1,000 steps, soft) never sweeps: its steps are the ones before the sweep', () => {
    const scene = parseScene(JSON.parse(readFileSync('scenes/billiards.json', 'utf8')));
    const model = buildModel(scene);
    const state = initialState(model, scene);
    const data = createStepData(model);
    let swept = 0;
    for (let t = 0; t < scene.steps; t++) {
      step(model, data, state, null, state);
      if (contactStepSwept()) swept++;
    }
    expect(swept).toBe(0);
  });
});

/** the flat input groups, as [name, from, to) */
function groups(c: Case): [string, number, number][] {
  const L = contactWrenchLayout(c.contacts.count, NBODY);
  return [
    ['geometry', 0, L.q],
    ['q', L.q, L.qd],
    ['qd', L.qd, L.params],
    ['k, b, τ, ε', L.params, L.friction],
    ['friction', L.friction, L.invMass],
    // the ground's zero inverse mass and inertia stay zero (a static body)
    ['invMass', L.invMass + 1, L.invInertia],
    ['invInertia', L.invInertia + 3, L.restitution],
    ['restitution', L.restitution, L.gravity],
    ['gravity', L.gravity, L.size],
  ];
}

function weightsOf(seed: number, n: number): number[] {
  const rng = seededRng(seed);
  return Array.from({ length: n }, () => uniform(rng, -1, 1));
}

const FD_STEPS = [1e-4, 1e-5, 1e-6, 1e-7, 1e-8];

describe('pair sweep: derivatives on a step that sweeps', () => {
  for (const v of VARIANTS) {
    it(`${label(v)}: the adjoint = central differences, every input group`, () => {
      const c = makeCase(v.mode, v.fromRestitution, 2);
      const x = Array.from(contactWrenchInputs(c.params, c.contacts, c.q, c.qd));
      const prim = contactWrenchPrimitive(c.params, c.contacts);
      const w = weightsOf(3, 6 * NBODY);
      const loss = (xs: Real[]): Real => {
        const y = prim(xs);
        let s: Real = 0;
        for (let j = 0; j < y.length; j++) s = add(s, mul(w[j], y[j]));
        return s;
      };
      wrenchOf(c);
      expect(contactStepSwept()).toBe(true);
      for (const [name, from, to] of groups(c)) {
        const f = (g: Real[]): Real => loss([...x.slice(0, from), ...g, ...x.slice(to)]);
        const r = gradcheck(f, x.slice(from, to), { steps: FD_STEPS });
        expect(r.ok, `${name}: AD ${r.ad} FD ${r.fd}`).toBe(true);
      }
    });

    it(`${label(v)}: the batched tangent = central differences, and ⟨ȳ, J ẋ⟩ = ⟨Jᵀȳ, ẋ⟩`, () => {
      const c = makeCase(v.mode, v.fromRestitution, 4);
      const { params: p, contacts } = c;
      const L = contactWrenchLayout(contacts.count, NBODY);
      const PL = contactParamTangentLayout(NBODY);
      const x = contactWrenchInputs(p, contacts, c.q, c.qd);
      const dirs = 3;
      const gs = 7 * contacts.count,
        ss = 13 * NBODY,
        ws = 6 * NBODY;
      const geomDot = new Float64Array(dirs * gs);
      const stateDot = new Float64Array(dirs * ss);
      const paramDot = new Float64Array(dirs * PL.size);
      const xdots: Float64Array[] = [];
      for (let j = 0; j < dirs; j++) {
        // direction j in the flat layout; the ground's mass properties stay put
        const xd = Float64Array.from(weightsOf(10 + j, L.size));
        xd[L.invMass] = 0;
        xd.fill(0, L.invInertia, L.invInertia + 3);
        for (let k = 0; k < 4; k++) xd[L.params + k] *= Math.max(1, Math.abs(x[L.params + k])) * 1e-2;
        xdots.push(xd);
        geomDot.set(xd.subarray(0, gs), j * gs);
        stateDot.set(xd.subarray(L.q, L.q + ss), j * ss);
        const po = j * PL.size;
        paramDot[po + PL.stiffness] = xd[L.params];
        paramDot[po + PL.damping] = xd[L.params + 1];
        paramDot[po + PL.temperature] = xd[L.params + 2];
        paramDot[po + PL.frictionVelocity] = xd[L.params + 3];
        paramDot.set(xd.subarray(L.friction, L.friction + NBODY), po + PL.friction);
        paramDot.set(xd.subarray(L.invMass, L.invMass + NBODY), po + PL.invMass);
        paramDot.set(xd.subarray(L.invInertia, L.invInertia + 3 * NBODY), po + PL.invInertia);
        paramDot.set(xd.subarray(L.restitution, L.restitution + NBODY), po + PL.restitution);
        paramDot.set(xd.subarray(L.gravity, L.gravity + 3), po + PL.gravity);
      }
      const wrench = new Float64Array(ws);
      const wrenchDot = new Float64Array(dirs * ws);
      contactWrenchTangents(p, contacts, c.q, c.qd, dirs, geomDot, stateDot, paramDot, wrench, wrenchDot, null);
      expect(Array.from(wrench)).toEqual(Array.from(wrenchOf(c)));
      const prim = contactWrenchPrimitive(p, contacts);
      const at = (xs: Float64Array) => (prim(Array.from(xs)) as number[]).map(Number);
      const ybar = Float64Array.from(weightsOf(20, ws));
      const back = contactWrenchesPullback(p, contacts, c.q, c.qd, ybar, new Float64Array(L.size));
      for (let j = 0; j < dirs; j++) {
        const h = 1e-6;
        const plus = at(x.map((xi, k) => xi + h * xdots[j][k]));
        const minus = at(x.map((xi, k) => xi - h * xdots[j][k]));
        const jd = wrenchDot.subarray(j * ws, (j + 1) * ws);
        const scale = Math.max(...Array.from(jd, Math.abs));
        for (let k = 0; k < ws; k++) {
          const fd = (plus[k] - minus[k]) / (2 * h);
          expect(Math.abs(jd[k] - fd), `direction ${j}, wrench entry ${k}: tangent ${jd[k]}, FD ${fd}`).toBeLessThan(
            1e-5 * scale,
          );
        }
        let lhs = 0,
          rhs = 0;
        for (let k = 0; k < ws; k++) lhs += ybar[k] * jd[k];
        for (let k = 0; k < L.size; k++) rhs += back[k] * xdots[j][k];
        expect(Math.abs(lhs - rhs)).toBeLessThan(1e-12 * (Math.abs(lhs) + Math.abs(rhs) + 1));
      }
    });
  }

  it('the pullback from the kept intermediates (the forward step swept) = the pullback computing them again', () => {
    for (const v of VARIANTS) {
      const c = makeCase(v.mode, v.fromRestitution, 5);
      const L = contactWrenchLayout(c.contacts.count, NBODY);
      const kept = new Float64Array(c.contacts.count * CONTACT_KEPT_PER_CONTACT);
      keepContactIntermediatesIn(kept);
      try {
        wrenchOf(c);
      } finally {
        keepContactIntermediatesIn(null);
      }
      expect(contactStepSwept()).toBe(true);
      const ybar = Float64Array.from(weightsOf(6, 6 * NBODY));
      const fromKept = contactWrenchesPullback(c.params, c.contacts, c.q, c.qd, ybar, new Float64Array(L.size), kept);
      const again = contactWrenchesPullback(c.params, c.contacts, c.q, c.qd, ybar, new Float64Array(L.size));
      expect(Array.from(fromKept), label(v)).toEqual(Array.from(again));
    }
  });
});

describe('pair sweep: at its switch (max S_b = 1)', () => {
  // The switch is a decision of the state: the force jumps where the largest gain sum
  // crosses 1 (sim/contact/README.md); on each side the gradient is that side's.
  it('the wrench jumps across it, and on each side the adjoint = one-sided central differences', () => {
    const c = makeCase('soft', false, 7);
    const sweptAt = (b: number) => {
      c.params = { ...c.params, damping: b };
      wrenchOf(c);
      return contactStepSwept();
    };
    // the dashpot where the sweep starts, by bisection (the gains grow with it)
    let lo = 1,
      hi = 400;
    expect(sweptAt(lo)).toBe(false);
    expect(sweptAt(hi)).toBe(true);
    for (let k = 0; k < 60; k++) {
      const mid = 0.5 * (lo + hi);
      if (sweptAt(mid)) hi = mid;
      else lo = mid;
    }
    const below = lo * (1 - 1e-4),
      above = hi * (1 + 1e-4);
    c.params = { ...c.params, damping: below };
    const wBelow = wrenchOf(c);
    c.params = { ...c.params, damping: above };
    const wAbove = wrenchOf(c);
    let jump = 0;
    for (let k = 0; k < wBelow.length; k++) jump = Math.max(jump, Math.abs(wAbove[k] - wBelow[k]));
    // measured: the switch at b ≈ 21.4 N·s/m, a jump of 7.7 N in the largest wrench entry
    expect(jump).toBeGreaterThan(1e-4);
    for (const b of [below, above]) {
      c.params = { ...c.params, damping: b };
      const x = Array.from(contactWrenchInputs(c.params, c.contacts, c.q, c.qd));
      const prim = contactWrenchPrimitive(c.params, c.contacts);
      const w = weightsOf(8, 6 * NBODY);
      const L = contactWrenchLayout(c.contacts.count, NBODY);
      const f = (g: Real[]): Real => {
        const y = prim([...x.slice(0, L.qd), ...g, ...x.slice(L.params)]);
        let s: Real = 0;
        for (let j = 0; j < y.length; j++) s = add(s, mul(w[j], y[j]));
        return s;
      };
      // steps small enough to stay on this side of the switch
      const r = gradcheck(f, x.slice(L.qd, L.params), { steps: [1e-7, 1e-8, 1e-9] });
      console.log('SWITCH', b, jump);
      expect(r.ok, `b = ${b}: AD ${r.ad} FD ${r.fd}`).toBe(true);
    }
  });
});

describe('pair sweep: through a rollout whose steps sweep', () => {
  /** 2 layers of 2 × 2 soft boxes face to face (k = 1e4 N/m, e = 0.1: strong dashpots), dropped by 1 mm, 16 steps */
  const steps = 16;
  const scene = parseScene({
    dt: 1 / 240,
    steps,
    contact: { mode: 'soft', stiffness: 1e4, restitution: 0.1, friction: 0.5 },
    bodies: [
      { name: 'ground', shape: { type: 'plane' }, restitution: 0.05 },
      ...[0, 1].flatMap((layer) =>
        [0, 1].flatMap((i) =>
          [0, 1].map((j) => ({
            name: `b${layer}${i}${j}`,
            shape: { type: 'box', halfExtents: [0.25, 0.25, 0.25] },
            mass: 1 + 0.1 * (2 * i + j),
            position: [0.5 * i, 0.5 * j, 0.251 + 0.5 * layer],
            linearVelocity: [0.05 * (i - 0.5), 0.03 * (j - 0.5), -0.1],
          })),
        ),
      ),
    ],
  });
  const model = buildModel(scene);
  const s0 = initialState(model, scene);
  const config = { model, steps };
  const L = rolloutLayout(model.nbody, steps, 0);
  const x = rolloutInputs(config, s0.bodyQ, s0.bodyQd);
  const n = model.nbody;

  it('its steps sweep (plain rollout)', () => {
    const data = createStepData(model);
    const state = initialState(model, scene);
    let swept = 0;
    for (let t = 0; t < steps; t++) {
      step(model, data, state, null, state);
      if (contactStepSwept()) swept++;
    }
    // measured: every step
    // measured: all 16
    expect(swept).toBeGreaterThan(steps / 2);
  });

  it('tangent rollout J·v = reverse vᵀJᵀ, and = central differences of the plain rollout', () => {
    const dirs = 2;
    const rng = ad.seededRng(5);
    const xd = new Float64Array(dirs * L.size);
    for (let j = 0; j < dirs; j++) {
      // the dynamic bodies' initial velocities, and the stiffness
      for (let k = 6; k < 6 * n; k++) xd[j * L.size + L.qd + k] = rng.uniform() - 0.5;
      xd[j * L.size + L.stiffness] = (rng.uniform() - 0.5) * 100;
    }
    const { y, ydot } = forceRolloutTangents(config, x, xd, dirs, null);
    const run = rolloutPrimitive(config);
    const r = ad.vjp((xs) => run(xs).slice(0, 13 * n), Array.from(x));
    expect(Array.from(y)).toEqual(r.value);
    const u = Array.from({ length: 13 * n }, () => rng.uniform() - 0.5);
    const xbar = r.vjp(u);
    const plain = (xs: Float64Array) => (run(Array.from(xs)) as number[]).slice(0, 13 * n).map(Number);
    for (let j = 0; j < dirs; j++) {
      let forward = 0,
        reverse = 0,
        scale = 0;
      for (let i = 0; i < 13 * n; i++) {
        forward += u[i] * ydot[j * 13 * n + i];
        scale += Math.abs(u[i] * ydot[j * 13 * n + i]);
      }
      for (let i = 0; i < L.size; i++) reverse += xbar[i] * xd[j * L.size + i];
      expect(Math.abs(forward - reverse), `direction ${j}: ${forward} against ${reverse}`).toBeLessThan(1e-9 * scale);
      const h = 1e-6;
      const plus = plain(x.map((xi, i) => xi + h * xd[j * L.size + i]));
      const minus = plain(x.map((xi, i) => xi - h * xd[j * L.size + i]));
      let fd = 0;
      for (let i = 0; i < 13 * n; i++) fd += (u[i] * (plus[i] - minus[i])) / (2 * h);
      expect(Math.abs(forward - fd), `direction ${j}: ${forward} against FD ${fd}`).toBeLessThan(1e-5 * scale);
    }
  }, 60_000);
});
