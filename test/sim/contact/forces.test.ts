// Contact forces of the penalty and soft modes (sim/contact/):
// - the primitive's adjoint and tangent against central finite differences for every input
//   group, in both modes, at seeded random points of five regimes (deep, shallow, sliding,
//   rolling, separating); forward mode equals reverse mode; plain kernel = primitive, bitwise;
// - physics against closed forms and stated properties: Hunt–Crossley and Coulomb values
//   computed by hand, Newton's third law, no force when separated, soft smooth across onset
//   where penalty has a kink, soft → penalty like τ, the Coulomb cone, friction opposing
//   slip, non-positive damping and friction power; kink reports and their labels.
import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../../ad/gradcheck.ts';
import { seededRng, type Rng } from '../../../ad/random.ts';
import { add, mul } from '../../../ad/ops.ts';
import type { Real } from '../../../ad/tape.ts';
import { jacfwd, jacrev, jvp, valueAndGrad, vjp } from '../../../ad/transforms.ts';
import { createContacts, type Contacts } from '../../../sim/collision/contacts.ts';
import type { ContactForceMode, ContactForceParams } from '../../../sim/contact/params.ts';
import { createDampingRatio, dampingRatioOfRestitution } from '../../../sim/contact/restitution.ts';
import {
  CONTACT_KEPT_COMPACT,
  CONTACT_KEPT_PER_CONTACT,
  contactWrenches,
  contactWrenchesPullback,
  contactWrenchInputs,
  contactWrenchLayout,
  contactWrenchPrimitive,
  keepContactIntermediatesIn,
} from '../../../sim/contact/wrenches.ts';

// ---- fixtures -------------------------------------------------------------------------

const NAMES = ['ground', 'ball', 'box'] as const;
const NBODY = NAMES.length;
const MODES: readonly ContactForceMode[] = ['penalty', 'soft'];

/**
 * k 2 kN/m, the dashpot from restitution (bodies 0.3, 0.6, 0.2), τ 2 mm, ε 2 cm/s,
 * margin 20τ, dt 1 ms; masses 10, 0.5 and 2 kg (the "ground" is heavy, not static, so
 * every inverse mass has room for central differences)
 */
function makeParams(mode: ContactForceMode, over: Partial<ContactForceParams> = {}): ContactForceParams {
  return {
    mode,
    nbody: NBODY,
    stiffness: 2e3,
    // unused while the dashpot comes from restitution (its gradient is then 0)
    damping: 50,
    dampingFromRestitution: true,
    dt: 1e-3,
    temperature: 2e-3,
    frictionVelocity: 0.02,
    bodyFriction: Float64Array.of(0.8, 0.5, 0.3),
    invMass: Float64Array.of(0.1, 2, 0.5),
    invInertia: Float64Array.of(0.5, 0.7, 0.9, 60, 50, 40, 8, 6, 10),
    bodyRestitution: Float64Array.of(0.3, 0.6, 0.2),
    gravity: Float64Array.of(0.5, -0.4, -9.81),
    margin: 0.04,
    bodyName: NAMES,
    ...over,
  };
}

interface Case {
  params: ContactForceParams;
  contacts: Contacts;
  q: Float64Array;
  qd: Float64Array;
}

const PAIRS: readonly [number, number][] = [
  [0, 1],
  [0, 2],
  [1, 2],
];

type Regime = 'deep' | 'shallow' | 'sliding' | 'rolling' | 'separating';
const REGIMES: readonly Regime[] = ['deep', 'shallow', 'sliding', 'rolling', 'separating'];

function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.uniform();
}

function randomVec(rng: Rng, scale: number): number[] {
  return [uniform(rng, -scale, scale), uniform(rng, -scale, scale), uniform(rng, -scale, scale)];
}

function unitQuat(rng: Rng): number[] {
  const v = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
  const l = Math.hypot(...v);
  return v.map((c) => c / l);
}

const cross = (a: readonly number[], b: readonly number[]): number[] => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
const dot = (a: readonly number[], b: readonly number[]): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const sub3 = (a: readonly number[], b: readonly number[]): number[] => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const add3 = (a: readonly number[], b: readonly number[]): number[] => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
const scale3 = (a: readonly number[], s: number): number[] => [a[0] * s, a[1] * s, a[2] * s];
const norm3 = (a: readonly number[]): number => Math.sqrt(dot(a, a));
/** φ₁(y) = (1 − e^{−y})/y, the mean of e^{−s} over s ∈ [0, y], and its derivative */
const phi1 = (y: number): number => -Math.expm1(-y) / y;
const phi1Slope = (y: number): number => (Math.exp(-y) * (1 + y) - 1) / (y * y);

/** velocity of B relative to A at p, computed here independently of the kernel */
function relativeVelocity(c: Case, k: number): number[] {
  const a = c.contacts.bodyA[k],
    b = c.contacts.bodyB[k];
  const p = Array.from(c.contacts.point.subarray(3 * k, 3 * k + 3));
  const at = (i: number) => {
    const x = Array.from(c.q.subarray(7 * i, 7 * i + 3));
    const v = Array.from(c.qd.subarray(6 * i, 6 * i + 3));
    const w = Array.from(c.qd.subarray(6 * i + 3, 6 * i + 6));
    return add3(v, cross(w, sub3(p, x)));
  };
  return sub3(at(b), at(a));
}

/** a unit normal n with n·v = vn (needs |vn| ≤ |v|): picks the normal velocity of a contact */
function normalWithSpeed(rng: Rng, v: readonly number[], vn: number): number[] {
  const speed = norm3(v);
  const u = scale3(v, 1 / speed);
  const other = cross(u, randomVec(rng, 1));
  const e = scale3(other, 1 / norm3(other));
  const cosine = vn / speed;
  return add3(scale3(u, cosine), scale3(e, Math.sqrt(1 - cosine * cosine)));
}

/**
 * Three bodies, three contacts (ground/ball, ground/box, ball/box) at random poses and
 * velocities; the regime sets the distances and the normal and tangential speeds.
 */
function makeCase(mode: ContactForceMode, regime: Regime, seed: number): Case {
  const rng = seededRng(seed);
  // separating: the dashpot override, 2e4 N·s/m (a clamp speed of k·φ/b = 1 mm/s at 1 cm)
  const params = makeParams(mode, regime === 'separating' ? { damping: 2e4, dampingFromRestitution: false } : {});
  const q = new Float64Array(7 * NBODY);
  const qd = new Float64Array(6 * NBODY);
  const speed = regime === 'sliding' ? 2 : 1;
  for (let i = 0; i < NBODY; i++) {
    q.set(randomVec(rng, 0.5), 7 * i);
    q.set(unitQuat(rng), 7 * i + 3);
    qd.set(randomVec(rng, speed), 6 * i);
    qd.set(randomVec(rng, 2), 6 * i + 3);
  }
  const contacts = createContacts(4);
  contacts.count = PAIRS.length;
  const c: Case = { params, contacts, q, qd };
  PAIRS.forEach(([a, b], k) => {
    contacts.bodyA[k] = a;
    contacts.bodyB[k] = b;
    contacts.point.set(randomVec(rng, 0.5), 3 * k);
    if (regime === 'rolling' && k === 0) {
      // ball rolls on the ground: the contact point of the ball moves with the ground's
      const p = Array.from(contacts.point.subarray(0, 3));
      const ground = add3(
        Array.from(qd.subarray(0, 3)),
        cross(Array.from(qd.subarray(3, 6)), sub3(p, Array.from(q.subarray(0, 3)))),
      );
      const spin = Array.from(qd.subarray(9, 12));
      qd.set(sub3(ground, cross(spin, sub3(p, Array.from(q.subarray(7, 10))))), 6);
    }
    const vr = relativeVelocity(c, k);
    const vrSpeed = norm3(vr);
    let dist: number;
    let vn: number;
    if (regime === 'deep') [dist, vn] = [uniform(rng, -0.05, -0.02), uniform(rng, -0.5, 0.5) * vrSpeed];
    else if (regime === 'shallow') [dist, vn] = [uniform(rng, -0.004, -0.002), uniform(rng, -0.5, 0.5) * vrSpeed];
    else if (regime === 'sliding') [dist, vn] = [uniform(rng, -0.02, -0.005), uniform(rng, -0.2, 0.2) * vrSpeed];
    else if (regime === 'rolling')
      [dist, vn] = [uniform(rng, -0.02, -0.005), k === 0 ? 0 : uniform(rng, -0.5, 0.5) * vrSpeed];
    // separating: two contacts just apart, one penetrating but pulling apart past the clamp speed
    else if (k < 2) [dist, vn] = [uniform(rng, 0.002, 0.008), uniform(rng, 0.2, 0.8) * vrSpeed];
    else [dist, vn] = [-0.01, Math.min(0.9 * vrSpeed, 0.3)];
    contacts.dist[k] = dist;
    if (vrSpeed > 0) contacts.normal.set(normalWithSpeed(rng, vr, vn), 3 * k);
    else contacts.normal.set([0, 0, 1], 3 * k);
  });
  return c;
}

/** a single contact: A = ground at the origin (static, at rest), B = ball */
function singleContact(
  mode: ContactForceMode,
  geometry: { dist: number; normal: readonly number[]; point: readonly number[] },
  ball: { x: readonly number[]; v: readonly number[]; w?: readonly number[] },
  over: Partial<ContactForceParams> = {},
): Case {
  const params = makeParams(mode, over);
  const q = new Float64Array(7 * NBODY);
  const qd = new Float64Array(6 * NBODY);
  for (let i = 0; i < NBODY; i++) q[7 * i + 3] = 1;
  q.set(ball.x, 7);
  qd.set(ball.v, 6);
  qd.set(ball.w ?? [0, 0, 0], 9);
  const contacts = createContacts(1);
  contacts.count = 1;
  contacts.bodyA[0] = 0;
  contacts.bodyB[0] = 1;
  contacts.dist[0] = geometry.dist;
  contacts.normal.set(geometry.normal, 0);
  contacts.point.set(geometry.point, 0);
  return { params, contacts, q, qd };
}

function wrenchOf(c: Case): Float64Array {
  return contactWrenches(c.params, c.contacts, c.q, c.qd, new Float64Array(6 * NBODY));
}

const forceOn = (w: Float64Array, i: number): number[] => Array.from(w.subarray(6 * i, 6 * i + 3));
const torqueOn = (w: Float64Array, i: number): number[] => Array.from(w.subarray(6 * i + 3, 6 * i + 6));

/** normal and tangential parts of B's force for a single contact */
function splitForce(c: Case): { fn: number; ft: number[]; n: number[] } {
  const n = Array.from(c.contacts.normal.subarray(0, 3));
  const f = forceOn(wrenchOf(c), 1);
  const fn = dot(f, n);
  return { fn, ft: sub3(f, scale3(n, fn)), n };
}

/** the input groups of the flat layout, as [name, from, to) */
function groups(c: Case): [string, number, number][] {
  const L = contactWrenchLayout(c.contacts.count, NBODY);
  return [
    ['geometry', 0, L.q],
    ['q', L.q, L.qd],
    ['qd', L.qd, L.params],
    ['k, b, τ, ε', L.params, L.friction],
    ['friction', L.friction, L.invMass],
    ['invMass', L.invMass, L.invInertia],
    ['invInertia', L.invInertia, L.restitution],
    ['restitution', L.restitution, L.size],
  ];
}

/** a fixed random projection of the 18 wrench components: a scalar loss touching all of them */
function lossOf(c: Case, weights: readonly number[]): (x: Real[]) => Real {
  const prim = contactWrenchPrimitive(c.params, c.contacts);
  return (x) => {
    const y = prim(x);
    let s: Real = 0;
    for (let j = 0; j < y.length; j++) s = add(s, mul(weights[j], y[j]));
    return s;
  };
}

function randomWeights(seed: number, n: number): number[] {
  const rng = seededRng(seed);
  return Array.from({ length: n }, () => uniform(rng, -1, 1));
}

const SEEDS = [11, 12];
// FD steps relative to max(1, |x|): the default sweep starts at 1e-2, which would push the
// 2 mm temperature below zero; 1e-3 keeps every parameter inside its domain
const FD_STEPS = [1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8];

// ---- derivatives ----------------------------------------------------------------------

describe('contact wrench primitive: derivatives', () => {
  for (const mode of MODES) {
    for (const regime of REGIMES) {
      it(`${mode}, ${regime}: gradcheck of every input group`, () => {
        for (const seed of SEEDS) {
          const c = makeCase(mode, regime, seed);
          const x = Array.from(contactWrenchInputs(c.params, c.contacts, c.q, c.qd));
          const loss = lossOf(c, randomWeights(seed + 100, 6 * NBODY));
          for (const [name, from, to] of groups(c)) {
            const f = (g: Real[]): Real => loss([...x.slice(0, from), ...g, ...x.slice(to)]);
            const r = gradcheck(f, x.slice(from, to), { steps: FD_STEPS });
            expect(r.ok, `${name} (seed ${seed}): AD ${r.ad} FD ${r.fd}`).toBe(true);
          }
        }
      });

      it(`${mode}, ${regime}: forward mode = reverse mode (full Jacobian), plain = primitive bitwise`, () => {
        const c = makeCase(mode, regime, 21);
        const x = Array.from(contactWrenchInputs(c.params, c.contacts, c.q, c.qd));
        const prim = contactWrenchPrimitive(c.params, c.contacts);
        const fwd = jacfwd(prim, x);
        const rev = jacrev(prim, x);
        const scale = Math.max(...rev.flat().map(Math.abs));
        // every penalty contact of the separating regime is inactive: a zero Jacobian
        // (separating with a 2e4 N·s/m dashpot, y = 42: both modes are clamped to 0 or nearly)
        if (regime !== 'separating') expect(scale).toBeGreaterThan(0);
        for (let k = 0; k < rev.length; k++) {
          for (let j = 0; j < x.length; j++) expect(Math.abs(fwd[k][j] - rev[k][j])).toBeLessThanOrEqual(1e-13 * scale);
        }
        const plain = Array.from(wrenchOf(c));
        expect(prim(x)).toEqual(plain);
        expect(vjp(prim, x).value).toEqual(plain);
        const v = randomWeights(5, x.length);
        plain.forEach((yk, k) => expect(jvp((xs) => prim(xs)[k], x, v).value).toBe(yk));
      });
    }
  }

  it("the pullback from the forward pass's kept intermediates, full or compact slots, is the recomputing one, bit for bit (every regime, static side, damping override)", () => {
    const variants: { name: string; over: Partial<ContactForceParams>; staticGround: boolean }[] = [
      { name: 'restitution', over: {}, staticGround: false },
      { name: 'static ground', over: {}, staticGround: true },
      { name: 'damping override', over: { damping: 300, dampingFromRestitution: false }, staticGround: true },
    ];
    for (const mode of MODES) {
      for (const regime of REGIMES) {
        for (const v of variants) {
          const c = makeCase(mode, regime, 31);
          const params = { ...c.params, ...v.over };
          if (v.staticGround) {
            params.invMass = Float64Array.of(0, 2, 0.5);
            params.invInertia = Float64Array.of(0, 0, 0, 60, 50, 40, 8, 6, 10);
          }
          const ybar = Float64Array.from(randomWeights(41, 6 * NBODY));
          const size = contactWrenchLayout(c.contacts.count, NBODY).size;
          const recomputed = contactWrenchesPullback(params, c.contacts, c.q, c.qd, ybar, new Float64Array(size));
          // penalty's separating contacts may all be inactive (clamped): a zero pullback
          if (regime !== 'separating') expect(recomputed.some((g) => g !== 0)).toBe(true);
          for (const slot of [CONTACT_KEPT_PER_CONTACT, CONTACT_KEPT_COMPACT]) {
            // kept at an offset into a larger buffer, as a rollout's arena holds them
            const at = 5;
            const kept = new Float64Array(at + slot * c.contacts.count + 3);
            const wrench = new Float64Array(6 * NBODY);
            keepContactIntermediatesIn(kept, at, slot);
            try {
              contactWrenches(params, c.contacts, c.q, c.qd, wrench);
            } finally {
              keepContactIntermediatesIn(null);
            }
            expect(Array.from(wrench)).toEqual(Array.from(contactWrenches(params, c.contacts, c.q, c.qd, wrench)));
            const fromSlots = (): number[] =>
              Array.from(
                contactWrenchesPullback(params, c.contacts, c.q, c.qd, ybar, new Float64Array(size), kept, at, slot),
              );
            expect(fromSlots(), `${mode} ${regime} ${v.name} slot ${slot}`).toEqual(Array.from(recomputed));
            if (regime === 'separating') continue;
            // and the pullback reads the slots: other numbers in them, another pullback
            for (let k = at; k < at + slot * c.contacts.count; k++) kept[k] *= 1.5;
            const fromChanged = fromSlots();
            expect(fromChanged).not.toEqual(Array.from(recomputed));
          }
        }
      }
    }
  });

  it("a contact whose bodies carry no wrench cotangent is skipped: a loss of one body's wrench still matches finite differences", () => {
    for (const mode of MODES) {
      const c = makeCase(mode, 'deep', 11);
      const x = Array.from(contactWrenchInputs(c.params, c.contacts, c.q, c.qd));
      // only the box's (body 2) wrench: the ground–ball contact has no cotangent
      const weights = randomWeights(7, 6 * NBODY).map((w, k) => (k >= 12 ? w : 0));
      const loss = lossOf(c, weights);
      for (const [name, from, to] of groups(c)) {
        const f = (g: Real[]): Real => loss([...x.slice(0, from), ...g, ...x.slice(to)]);
        const r = gradcheck(f, x.slice(from, to), { steps: FD_STEPS });
        expect(r.ok, `${mode} ${name}: AD ${r.ad} FD ${r.fd}`).toBe(true);
      }
    }
  });

  it('scalar jvp along a random direction equals the gradient projected on it', () => {
    for (const mode of MODES) {
      const c = makeCase(mode, 'sliding', 31);
      const x = Array.from(contactWrenchInputs(c.params, c.contacts, c.q, c.qd));
      const loss = lossOf(c, randomWeights(32, 6 * NBODY));
      const v = randomWeights(33, x.length);
      const g = valueAndGrad(loss, x).grad;
      const expected = g.reduce((s, gj, j) => s + gj * v[j], 0);
      expect(jvp(loss, x, v).tangent).toBeCloseTo(expected, 8);
    }
  });

  it('no NaN at zero slip (v_t = 0): value and gradient finite in both modes', () => {
    for (const mode of MODES) {
      const c = singleContact(
        mode,
        { dist: -0.01, normal: [0, 0, 1], point: [0, 0, 0] },
        { x: [0, 0, 0.1], v: [0, 0, -0.2] },
      );
      const x = Array.from(contactWrenchInputs(c.params, c.contacts, c.q, c.qd));
      const r = valueAndGrad(lossOf(c, randomWeights(3, 6 * NBODY)), x);
      expect(r.grad.every(Number.isFinite)).toBe(true);
    }
  });

  it('a frictionless body: μ = 0 gives no friction and finite (zero) friction gradients', () => {
    const c = singleContact(
      'soft',
      { dist: -0.01, normal: [0, 0, 1], point: [0, 0, 0] },
      { x: [0, 0, 0.1], v: [1, 0, 0] },
      {
        bodyFriction: Float64Array.of(0, 0.5, 0.3),
      },
    );
    expect(norm3(splitForce(c).ft)).toBe(0);
    const L = contactWrenchLayout(1, NBODY);
    const x = Array.from(contactWrenchInputs(c.params, c.contacts, c.q, c.qd));
    const g = valueAndGrad(lossOf(c, randomWeights(4, 6 * NBODY)), x).grad;
    expect(g.slice(L.friction, L.invMass)).toEqual([0, 0, 0]);
  });

  it('rejects invalid parameters with a RangeError naming them', () => {
    const c = makeCase('soft', 'deep', 1);
    const x: Real[] = Array.from(contactWrenchInputs(c.params, c.contacts, c.q, c.qd));
    const L = contactWrenchLayout(c.contacts.count, NBODY);
    x[L.params + 2] = 0;
    expect(() => contactWrenchPrimitive(c.params, c.contacts)(x)).toThrow(/temperature/);
    expect(() => contactWrenchPrimitive(c.params, c.contacts)(x.slice(1))).toThrow(RangeError);
  });
});

// ---- physics --------------------------------------------------------------------------

/**
 * κ of sim/contact/step-exact.ts written out independently: κ·p = 1 + e^{−y} −
 * 2e^{−y/2}·cos(√(p − y²/4)) (cosh when overdamped), p = k·W·dt², y the damping
 * dt·b·a·W capped smoothly at critical.
 */
function kappaOf(k: number, w: number, y0: number, dt: number): number {
  const p = k * w * dt * dt;
  // the damping κ sees is capped smoothly at critical: y₀/(1 + ζ⁸)^{1/8}, ζ = y₀/(2√p)
  const y = y0 / Math.pow(1 + (y0 / (2 * Math.sqrt(p))) ** 8, 1 / 8);
  const q = p - (y * y) / 4;
  const c = q >= 0 ? Math.cos(Math.sqrt(q)) : Math.cosh(Math.sqrt(-q));
  return (1 + Math.exp(-y) - 2 * Math.exp(-y / 2) * c) / p;
}

describe('contact wrenches: physics', () => {
  it('penalty, closed form: spring–dashpot, friction integrated over the step, torques at the contact point', () => {
    const k = 1e4,
      cDamp = 100,
      d = -0.01,
      dt = 1e-3;
    // the ball's lever is along n (r_B ∥ n) and the ground is static: W_n = 1/m = 2, and
    // across n W_t = 1/m + ½·|r|²·(1/I_x + 1/I_y) (body axes = world axes)
    const p = [0.1, 0.05, -0.005];
    const xB = [0.1, 0.05, 0.2];
    // approaching at 0.5 m/s, sliding at 2 m/s along x
    const c = singleContact(
      'penalty',
      { dist: d, normal: [0, 0, 1], point: p },
      { x: xB, v: [2, 0, -0.5] },
      {
        stiffness: k,
        damping: cDamp,
        dampingFromRestitution: false,
        invMass: Float64Array.of(0, 2, 0.5),
        invInertia: Float64Array.of(0, 0, 0, 60, 50, 40, 8, 6, 10),
      },
    );
    const w = wrenchOf(c);
    const wn = 2;
    const wt = 2 + 0.5 * 0.205 ** 2 * (60 + 50);
    // the dashpot's mean force over the step; the spring scaled by κ (step-exact.ts)
    // the static ground carries the ball's weight: the feed-forward m·(−n·g) = 9.81/W_n
    const fn = -d * k * kappaOf(k, wn, dt * cDamp * wn, dt) + cDamp * phi1(dt * cDamp * wn) * 0.5 + 9.81 / wn;
    const mu = Math.sqrt(0.8 * 0.5);
    const lambda = (mu * fn) / 2; // μ f_n / |v_t|
    const ft = lambda * phi1(dt * lambda * wt) * 2;
    const F = [-ft, 0, fn];
    const tol = 1e-12 * fn;
    forceOn(w, 1).forEach((f, j) => expect(f).toBeCloseTo(F[j], 10));
    const tauB = cross(sub3(p, xB), F);
    torqueOn(w, 1).forEach((t, j) => expect(Math.abs(t - tauB[j])).toBeLessThan(tol));
    forceOn(w, 0).forEach((f, j) => expect(f).toBeCloseTo(-F[j], 10));
    const tauA = scale3(cross(p, F), -1); // ground's centre at the origin
    torqueOn(w, 0).forEach((t, j) => expect(Math.abs(t - tauA[j])).toBeLessThan(tol));
    expect(Array.from(w.subarray(12))).toEqual([0, 0, 0, 0, 0, 0]);
    // as dt → 0 the law is the plain spring–dashpot and Coulomb friction
    const limit = wrenchOf({ ...c, params: { ...c.params, dt: 1e-12 } });
    expect(limit[8]).toBeCloseTo(-d * k + cDamp * 0.5 + 9.81 / wn, 6);
    expect(limit[6]).toBeCloseTo(-mu * (-d * k + cDamp * 0.5 + 9.81 / wn), 6);
  });

  it('soft, closed form at rest: f_n = softplus(kφ, kρ) with φ = τ log(1 + e^{−d/τ}), ρ = φτ/(φ + τ)', () => {
    const k = 2e3,
      tau = 2e-3;
    for (const d of [-0.01, -0.002, 0, 0.002, 0.01]) {
      const c = singleContact(
        'soft',
        { dist: d, normal: [0, 0, 1], point: [0, 0, 0] },
        { x: [0, 0, 0.1], v: [0, 0, 0] },
      );
      const phi = tau * Math.log(1 + Math.exp(-d / tau));
      // the spring scaled by κ (step-exact.ts), with the dashpot b = 2ζ(0.6)√(k/W), W = 2.1,
      // active by a = σ(−d/τ) at rest
      const w = 2.1;
      const b = 2 * dampingRatioOfRestitution(0.6, createDampingRatio()).value * Math.sqrt(k / w);
      const kEff = k * kappaOf(k, w, (1e-3 * b * w) / (1 + Math.exp(d / tau)), 1e-3);
      const T = (kEff * phi * tau) / (phi + tau);
      const expected = T * Math.log(1 + Math.exp((kEff * phi) / T));
      expect(splitForce(c).fn).toBeCloseTo(expected, 9);
    }
  });

  it("Newton's third law: forces and torques about the origin sum to zero", () => {
    for (const mode of MODES) {
      for (const regime of REGIMES) {
        const c = makeCase(mode, regime, 41);
        const w = wrenchOf(c);
        let force = [0, 0, 0];
        let moment = [0, 0, 0];
        let size = 0;
        for (let i = 0; i < NBODY; i++) {
          const f = forceOn(w, i);
          force = add3(force, f);
          moment = add3(moment, add3(torqueOn(w, i), cross(Array.from(c.q.subarray(7 * i, 7 * i + 3)), f)));
          size = Math.max(size, norm3(f));
        }
        expect(norm3(force)).toBeLessThanOrEqual(1e-13 * size);
        expect(norm3(moment)).toBeLessThanOrEqual(1e-13 * size);
      }
    }
  });

  it('without slip the force is +f_n n on B and −f_n n on A, f_n > 0', () => {
    const n = [0.6, 0, 0.8];
    for (const mode of MODES) {
      // B approaches along −n with no tangential motion
      const c = singleContact(
        mode,
        { dist: -0.01, normal: n, point: [0.2, 0.3, 0.1] },
        { x: [0.5, 0.3, 0.5], v: scale3(n, -0.3) },
      );
      const w = wrenchOf(c);
      const fB = forceOn(w, 1);
      const fn = dot(fB, n);
      expect(fn).toBeGreaterThan(0);
      expect(norm3(cross(fB, n))).toBeLessThan(1e-12 * fn);
      expect(forceOn(w, 0)).toEqual(scale3(fB, -1).map((v) => v + 0)); // + 0 turns −0 into 0
    }
  });

  it('rolling without slip: no friction force', () => {
    const r = 0.1;
    const omega = [0, 5, 0];
    // contact point at the bottom of the ball: v = −ω × (p − x_B) makes it rest on the ground
    const xB = [0, 0, r - 0.005];
    const p = [0, 0, -0.0025];
    const v = scale3(cross(omega, sub3(p, xB)), -1);
    for (const mode of MODES) {
      const c = singleContact(mode, { dist: -0.005, normal: [0, 0, 1], point: p }, { x: xB, v, w: omega });
      const { fn, ft } = splitForce(c);
      expect(fn).toBeGreaterThan(0);
      expect(norm3(ft)).toBeLessThan(1e-12 * fn);
    }
  });

  it('penalty: no force when separated, none when pulling apart faster than k·φ/D', () => {
    const at = { normal: [0, 0, 1], point: [0, 0, 0] };
    const ball = (vz: number) => ({ x: [0, 0, 0.1], v: [0.3, 0, vz] });
    const over = { damping: 2e4, dampingFromRestitution: false };
    expect(
      Array.from(wrenchOf(singleContact('penalty', { dist: 0.005, ...at }, ball(-1), over))).every((v) => v === 0),
    ).toBe(true);
    // W_n = 0.1 + 2 (r_A = 0, r_B ∥ n): D = b·φ₁(dt·b·W_n) ≈ 476 N·s/m, clamp speed k·φ/D ≈ 4.2 cm/s
    const D = 2e4 * phi1(1e-3 * 2e4 * 2.1);
    const clampSpeed = (2e3 * kappaOf(2e3, 2.1, 1e-3 * 2e4 * 2.1, 1e-3) * 0.01) / D;
    expect(
      Array.from(wrenchOf(singleContact('penalty', { dist: -0.01, ...at }, ball(1.01 * clampSpeed), over))).every(
        (v) => v === 0,
      ),
    ).toBe(true);
    expect(
      splitForce(singleContact('penalty', { dist: -0.01, ...at }, ball(0.99 * clampSpeed), over)).fn,
    ).toBeGreaterThan(0);
    expect(splitForce(singleContact('soft', { dist: -0.01, ...at }, ball(1.01 * clampSpeed), over)).fn).toBeGreaterThan(
      0,
    );
  });

  it('soft is smooth across d = 0 (bounded second differences); penalty has a kink there', () => {
    const k = 2e3,
      tau = 2e-3;
    const fnAt = (mode: ContactForceMode, d: number) =>
      splitForce(
        singleContact(mode, { dist: d, normal: [0, 0, 1], point: [0, 0, 0] }, { x: [0, 0, 0.1], v: [0, 0, 0] }),
      ).fn;
    for (const h of [1e-4, 1e-5, 1e-6]) {
      const second = (mode: ContactForceMode) => (fnAt(mode, h) - 2 * fnAt(mode, 0) + fnAt(mode, -h)) / (h * h);
      // soft: f_n'' at d = 0 is of order k/τ (the softplus curvature), whatever h
      expect(Math.abs(second('soft'))).toBeLessThan(k / tau);
      // penalty: (0 − 0 + k h)/h² = k/h, unbounded as h → 0
      // (the spring is k·κ, κ within 1 % of 1 at rest here: step-exact.ts)
      expect(Math.abs((second('penalty') * h) / k - 1)).toBeLessThan(1e-2);
    }
    // slopes at d = 0: penalty's one-sided ones by differences (−k inward, 0 outward), its
    // derivatives (both modes of AD) at the documented branch; soft's forward slopes equal
    const h = 1e-9;
    // k·κ at the ramp's middle (a = ½): y = dt·b·a·W, b = 2ζ(0.6)√(k/W), W = 2.1
    const bRest = 2 * dampingRatioOfRestitution(0.6, createDampingRatio()).value * Math.sqrt(k / 2.1);
    expect((fnAt('penalty', -h) - fnAt('penalty', 0)) / h).toBeCloseTo(
      k * kappaOf(k, 2.1, 1e-3 * bRest * 0.5 * 2.1, 1e-3),
      3,
    );
    expect(fnAt('penalty', h)).toBe(0);
    for (const mode of MODES) {
      const c = singleContact(mode, { dist: 0, normal: [0, 0, 1], point: [0, 0, 0] }, { x: [0, 0, 0.1], v: [0, 0, 0] });
      const x = Array.from(contactWrenchInputs(c.params, c.contacts, c.q, c.qd));
      const prim = contactWrenchPrimitive(c.params, c.contacts);
      const fz = (xs: Real[]) => prim(xs)[6 + 2];
      const dir = (s: number) => x.map((_, j) => (j === 0 ? s : 0));
      const out = jvp(fz, x, dir(1)).tangent;
      const into = jvp(fz, x, dir(-1)).tangent;
      if (mode === 'penalty') {
        expect(out).toBe(0);
        expect(into).toBe(0);
        expect(valueAndGrad(fz, x).grad[0]).toBe(0); // convention: d = 0 is out of contact
      } else {
        expect(into).toBeCloseTo(-out, 9);
        expect(out).toBeLessThan(0);
      }
      const kinks = valueAndGrad(fz, x).kinks;
      if (mode === 'penalty')
        expect(kinks).toContainEqual(expect.objectContaining({ label: 'ground/ball onset', margin: 0 }));
      else expect(kinks).toEqual([]);
    }
  });

  it('soft → penalty as τ → 0: at rest the gap is within 2k·τ·ln 2 and shrinks like τ; moving, away from onset too', () => {
    const k = 2e3;
    const gap = (tau: number): number => {
      let worst = 0;
      for (let j = -50; j <= 50; j++) {
        const d = j * 1e-3;
        for (const rate of [-0.5, 0, 0.5]) {
          // the dashpots' activations differ within a few widths of touch (σ(−d/s) against a
          // ramp), and moving, soft mode's temperature is s = √(τ² + (φ̇·dt/4)²) ≥ τ
          const s = Math.sqrt(tau * tau + ((rate * 1e-3) / 4) ** 2);
          if (rate !== 0 && Math.abs(d) < 20 * s) continue;
          const at = (mode: ContactForceMode) =>
            splitForce(
              singleContact(
                mode,
                { dist: d, normal: [0, 0, 1], point: [0, 0, 0] },
                { x: [0, 0, 0.1], v: [0, 0, -rate] },
                {
                  temperature: tau,
                },
              ),
            ).fn;
          // k·(φ_soft − φ) ≤ kτ ln 2 plus the softplus clamp's k·ρ·ln 2 ≤ kτ ln 2
          const diff = Math.abs(at('soft') - at('penalty'));
          expect(diff).toBeLessThanOrEqual(2 * k * s * Math.LN2 * (1 + 1e-9) + 1e-6);
          if (rate === 0) worst = Math.max(worst, diff);
        }
      }
      return worst;
    };
    const gaps = [1e-3, 1e-4, 1e-5].map(gap);
    // linear in τ: each tenfold cut of τ cuts the worst gap by close to ten
    expect(gaps[0] / gaps[1]).toBeGreaterThan(8);
    expect(gaps[1] / gaps[2]).toBeGreaterThan(8);
  });

  it('Coulomb cone: |f_t| ≤ μ f_n always, = μ f_n·φ₁(dt·μ f_n w·W_t)·w|v_t|; one step never reverses the slip', () => {
    // the ground at the origin (r_A = 0), the ball's lever along n: W_t = 0.1 + 2 + ½·0.1²·(60 + 50)
    const wt = 0.1 + 2 + 0.5 * 0.01 * (60 + 50);
    const dt = makeParams('soft').dt;
    const mu = Math.sqrt(0.8 * 0.5);
    const rng = seededRng(61);
    for (const mode of MODES) {
      for (let trial = 0; trial < 200; trial++) {
        const slip = uniform(rng, 0, 3) ** 3; // from far below ε to 27 m/s
        const dirn = randomVec(rng, 1);
        const vt = scale3([dirn[0], dirn[1], 0], slip / Math.hypot(dirn[0], dirn[1]));
        const c = singleContact(
          mode,
          { dist: uniform(rng, -0.03, 0.005), normal: [0, 0, 1], point: [0, 0, 0] },
          {
            x: [0, 0, 0.1],
            v: add3(vt, [0, 0, uniform(rng, -0.5, 0.5)]),
          },
        );
        const { fn, ft } = splitForce(c);
        if (fn === 0) continue;
        const ftSize = norm3(ft);
        expect(ftSize).toBeLessThanOrEqual(mu * fn * (1 + 1e-12));
        expect(dot(ft, vt)).toBeLessThanOrEqual(0);
        expect(norm3(cross(ft, vt))).toBeLessThanOrEqual(1e-12 * (ftSize * slip + 1e-300));
        const eps = c.params.frictionVelocity;
        // w: penalty 1/max(|v_t|, ε), soft 1/√(|v_t|² + ε²)
        const w = mode === 'penalty' ? 1 / Math.max(slip, eps) : 1 / Math.sqrt(slip * slip + eps * eps);
        const lambda = mu * fn * w;
        expect(ftSize).toBeCloseTo(lambda * phi1(dt * lambda * wt) * slip, 8);
        // the impulse of one step, dt·|f_t|, changes the slip by at most what there is
        expect(dt * ftSize * wt).toBeLessThanOrEqual(slip * (1 + 1e-12));
      }
    }
  });

  it('dissipation: the damping and friction power (F − F|v=0)·v_rel is ≤ 0', () => {
    const rng = seededRng(71);
    for (const mode of MODES) {
      for (let trial = 0; trial < 200; trial++) {
        const normal = randomVec(rng, 1);
        const n = scale3(normal, 1 / norm3(normal));
        const geometry = { dist: uniform(rng, -0.03, 0.006), normal: n, point: randomVec(rng, 0.2) };
        const ball = { x: randomVec(rng, 0.3), v: randomVec(rng, 3), w: randomVec(rng, 5) };
        const over = { damping: uniform(rng, 0, 1e4), dampingFromRestitution: false };
        const moving = singleContact(mode, geometry, ball, over);
        const still = singleContact(mode, geometry, { x: ball.x, v: [0, 0, 0] }, over);
        const dissipative = sub3(forceOn(wrenchOf(moving), 1), forceOn(wrenchOf(still), 1));
        const power = dot(dissipative, relativeVelocity(moving, 0));
        expect(power).toBeLessThanOrEqual(1e-12 * (1 + norm3(dissipative)));
      }
    }
  });
});

// ---- kink reports ---------------------------------------------------------------------

describe('contact wrenches: kink reports', () => {
  const reported = (c: Case) => {
    const x = Array.from(contactWrenchInputs(c.params, c.contacts, c.q, c.qd));
    return valueAndGrad(lossOf(c, randomWeights(81, 6 * NBODY)), x, { kinkTol: 1e-2 }).kinks;
  };
  const at = { normal: [0, 0, 1], point: [0, 0, 0] };

  it('penalty: onset near d = 0, the damping ramp near φ = τ, stick/slip near |v_t| = ε, the clamp near k·φ + D·φ̇ = 0', () => {
    const onset = reported(singleContact('penalty', { dist: -3e-4, ...at }, { x: [0, 0, 0.1], v: [1, 0, 0] }));
    expect(onset).toEqual([
      expect.objectContaining({ label: 'ground/ball onset', margin: 3e-4, jump: false }),
      expect.objectContaining({ label: 'ground/ball damping ramp', jump: false }),
    ]);
    // at rest the ramp spans d ∈ [−τ/2, τ/2] (step-exact.ts)
    expect(onset[1].margin).toBeCloseTo(1e-3 - 3e-4, 12);
    const eps = makeParams('penalty').frictionVelocity;
    const slip = reported(singleContact('penalty', { dist: -0.02, ...at }, { x: [0, 0, 0.1], v: [eps + 1e-4, 0, 0] }));
    expect(slip).toHaveLength(1);
    expect(slip[0].label).toBe('ground/ball stick/slip');
    expect(slip[0].margin).toBeCloseTo(1e-4, 12);
    // dashpot override 50 N·s/m, W_n = 2.1: D = 50·φ₁(0.105), clamp speed k·φ/D; 1 mm/s past it
    const D = 50 * phi1(1e-3 * 50 * 2.1);
    const speed = (2e3 * kappaOf(2e3, 2.1, 1e-3 * 50 * 2.1, 1e-3) * 0.02) / D + 1e-3;
    const clamp = reported(
      singleContact(
        'penalty',
        { dist: -0.02, ...at },
        { x: [0, 0, 0.1], v: [0, 0, speed] },
        { damping: 50, dampingFromRestitution: false },
      ),
    );
    expect(clamp.map((k) => k.label)).toEqual(['ground/ball damping clamp']);
    expect(clamp[0].margin).toBeCloseTo(1e-3, 9);
  });

  it('penalty conventions at the kinks: the documented branch, in reverse and forward mode alike', () => {
    const eps = makeParams('penalty').frictionVelocity;
    const mu = Math.sqrt(0.8 * 0.5);
    const d = -0.02;
    const dt = 1e-3;
    const derivatives = (c: Case, input: number, output: number) => {
      const x = Array.from(contactWrenchInputs(c.params, c.contacts, c.q, c.qd));
      const prim = contactWrenchPrimitive(c.params, c.contacts);
      const f = (xs: Real[]) => prim(xs)[output];
      const dir = (s: number) => x.map((_, j) => (j === input ? s : 0));
      return { reverse: valueAndGrad(f, x).grad[input], up: jvp(f, x, dir(1)).tangent };
    };
    const L = contactWrenchLayout(1, NBODY);
    // stick/slip at |v_t| = ε, slip branch: f_t,x = −μ f_n φ₁(y), y = dt·μ f_n W_t/|v_t|, f_n = k·0.02 = 40 N
    const slip = derivatives(
      singleContact('penalty', { dist: d, ...at }, { x: [0, 0, 0.1], v: [eps, 0, 0] }),
      L.qd + 6,
      6,
    );
    const wt = 0.1 + 2 + 0.5 * 0.01 * (60 + 50);
    const b = 2 * dampingRatioOfRestitution(0.6, createDampingRatio()).value * Math.sqrt(2e3 / 2.1);
    const fn = 40 * kappaOf(2e3, 2.1, dt * b * 2.1, dt);
    const y = (dt * mu * fn * wt) / eps;
    const slope = mu * fn * phi1Slope(y) * (-y / eps) * -1;
    expect(slip.reverse).toBeCloseTo(slope, 6);
    expect(slip.up).toBeCloseTo(slope, 6);
    // damping clamp at k·φ + D·φ̇ = 0: clamped, zero slope
    const D = 50 * phi1(dt * 50 * 2.1);
    const over = { damping: 50, dampingFromRestitution: false };
    const clampSpeed = (2e3 * kappaOf(2e3, 2.1, dt * 50 * 2.1, dt) * 0.02) / D;
    const clamp = derivatives(
      singleContact('penalty', { dist: d, ...at }, { x: [0, 0, 0.1], v: [0, 0, clampSpeed] }, over),
      L.qd + 8,
      8,
    );
    expect(clamp.reverse).toBe(0);
    expect(clamp.up).toBe(0);
  });

  it('soft: the margin, flagged as a (small) jump; nothing near onset or stick/slip', () => {
    const margin = makeParams('soft').margin;
    const near = reported(singleContact('soft', { dist: margin - 2e-4, ...at }, { x: [0, 0, 0.1], v: [0.02, 0, 0] }));
    expect(near).toHaveLength(1);
    expect(near[0]).toMatchObject({ label: 'ground/ball margin', jump: true });
    expect(near[0].margin).toBeCloseTo(2e-4, 12);
    expect(reported(singleContact('soft', { dist: 0, ...at }, { x: [0, 0, 0.1], v: [0.02, 0, 0] }))).toEqual([]);
  });

  it('deep contacts far from every boundary report nothing', () => {
    for (const mode of MODES) expect(reported(makeCase(mode, 'deep', 91))).toEqual([]);
  });
});
