// Hand-written contact-geometry adjoints (sim/contact/geometry-fast.ts):
// - each covered feature's adjoint equals the nested-AD gradient of the feature formula
//   (geometry-features.ts) to 1e-12 relative, at seeded random configurations (quaternions
//   not unit, plane normals not unit, every segment-clamp branch) and random cotangents,
//   in both body index orders; it accumulates and leaves other bodies alone;
// - uncovered features and degenerate configurations return false and touch nothing;
// - through contactGeometryAdjoint (which takes the fast path): contacts from the real
//   narrowphase, stored in either body order, match Jᵀḡ built from the nested forward
//   mode (contactGeometryTangent), and the primitive passes gradcheck.
import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../../ad/gradcheck.ts';
import { add, mul } from '../../../ad/ops.ts';
import { seededRng, type Rng } from '../../../ad/random.ts';
import type { Real } from '../../../ad/tape.ts';
import { valueAndGrad } from '../../../ad/transforms.ts';
import { createContacts } from '../../../sim/collision/contacts.ts';
import { collidePair } from '../../../sim/collision/dispatch.ts';
import {
  contactGeometryAdjoint,
  contactGeometryInputs,
  contactGeometryPrimitive,
  contactGeometryTangent,
  type GeometryInput,
} from '../../../sim/contact/geometry.ts';
import { FAST_COTANGENTS } from '../../../sim/contact/geometry-fast.ts';
import { fastGeometryAdjoint, featureGeometry } from '../../../sim/pairs/table.ts';
import {
  FEATURE_INPUTS,
  LOCAL_POSE_A,
  LOCAL_POSE_B,
  LOCAL_SIZE_A,
  LOCAL_SIZE_B,
} from '../../../sim/contact/geometry-features.ts';
import { ShapeType } from '../../../sim/shapes.ts';
import { quatMul } from '../collision/fixtures.ts';
import { NBODY, NO_MARGIN, randomQuat, rotate, uniform, unitVector } from './geometry-fixtures.ts';

// both sides compute the same derivative with different roundings: agreement to this,
// relative to the gradient's largest entry, is equality up to a few hundred ulps
const REL_TOL = 1e-12;
// random configurations per feature (or per clamp branch)
const SAMPLES = 12;

/** A plane's stored [n, offset] with n deliberately not unit (differentiated as stored). */
function randomPlane(rng: Rng): number[] {
  const n = unitVector(rng).map((c) => c * uniform(rng, 0.8, 1.25));
  return [...n, uniform(rng, -0.3, 0.3)];
}

function randomPose(rng: Rng, spread: number): number[] {
  return [
    uniform(rng, -spread, spread),
    uniform(rng, -spread, spread),
    uniform(rng, -spread, spread),
    ...randomQuat(rng),
  ];
}

/** Local inputs [pose A | pose B | size A | size B] of the formulas. */
function local(
  poseA: readonly number[],
  poseB: readonly number[],
  sizeA: readonly number[],
  sizeB: readonly number[],
): number[] {
  const x = new Array<number>(FEATURE_INPUTS).fill(0);
  poseA.forEach((v, j) => (x[LOCAL_POSE_A + j] = v));
  poseB.forEach((v, j) => (x[LOCAL_POSE_B + j] = v));
  sizeA.forEach((v, j) => (x[LOCAL_SIZE_A + j] = v));
  sizeB.forEach((v, j) => (x[LOCAL_SIZE_B + j] = v));
  return x;
}

/** A random plane (A) and a random pose of B with sizes `sizeB`: the formulas hold on either side of the plane. */
function planeCase(rng: Rng, sizeB: number[]): number[] {
  const plane = randomPlane(rng);
  const poseB = randomPose(rng, 1);
  return local(randomPose(rng, 1), poseB, plane, sizeB);
}

function sphereSize(rng: Rng): number[] {
  return [uniform(rng, 0.1, 0.5), 0, 0, 0];
}

function capsuleSize(rng: Rng): number[] {
  return [uniform(rng, 0.1, 0.3), uniform(rng, 0.3, 0.5), 0, 0];
}

function boxSize(rng: Rng): number[] {
  return [uniform(rng, 0.2, 0.6), uniform(rng, 0.2, 0.6), uniform(rng, 0.2, 0.6), 0];
}

/**
 * Sphere A near capsule B, the sphere's centre projecting at σ half lengths along the
 * axis from the capsule's centre: σ < −1 clamps to the −end, σ > 1 to the +end, else inside.
 */
function sphereCapsuleCase(rng: Rng, sigmaLo: number, sigmaHi: number): number[] {
  const poseB = randomPose(rng, 0.5);
  const sizeB = capsuleSize(rng);
  const q = poseB.slice(3);
  const axis = rotate(q, [0, 0, 1]);
  // a direction perpendicular to the axis
  const r = unitVector(rng);
  const along = r[0] * axis[0] + r[1] * axis[1] + r[2] * axis[2];
  const perp = r.map((c, k) => c - along * axis[k]);
  const perpLength = Math.sqrt(perp[0] ** 2 + perp[1] ** 2 + perp[2] ** 2);
  const sigma = uniform(rng, sigmaLo, sigmaHi),
    rho = uniform(rng, 0.1, 0.8);
  const centre = [0, 1, 2].map((k) => poseB[k] + sigma * sizeB[1] * axis[k] + (rho * perp[k]) / perpLength);
  return local([...centre, ...randomQuat(rng)], poseB, sphereSize(rng), sizeB);
}

/**
 * Capsules A and B in a frame where A lies along x through the origin and B, tilted by
 * γ from the y axis in the xy plane, crosses above it at x = α·hA, with its centre at
 * y = −β·hB (so the unclamped closest points sit near parameters (α+1)/2 on A and
 * (β+1)/2 on B); then the frame is rotated and moved at random. |α| > 1 clamps A's
 * parameter, β < −1 / β > 1 clamp B's to its −/+ end (s then recomputed from that end).
 */
function capsuleCapsuleCase(rng: Rng, alpha: number, beta: number): number[] {
  const sizeA = capsuleSize(rng),
    sizeB = capsuleSize(rng);
  const gamma = uniform(rng, -0.2, 0.2);
  const frame = randomQuat(rng);
  const shift = unitVector(rng);
  // body z → world x: a quarter turn about y; body z → (sin γ, cos γ, 0): about x, then about z
  const half = Math.SQRT1_2;
  const qA = [half, 0, half, 0];
  const qB = quatMul([Math.cos(-gamma / 2), 0, 0, Math.sin(-gamma / 2)], [half, -half, 0, 0]);
  const cA = [0, 0, 0];
  const cB = [alpha * sizeA[1], -beta * sizeB[1], uniform(rng, 0.25, 0.45)];
  const place = (c: number[]): number[] => rotate(frame, c).map((v, k) => v + shift[k]);
  const orient = (q: number[]): number[] => quatMul(frame, q).map((v) => v * uniform(rng, 0.8, 1.2));
  return local([...place(cA), ...orient(qA)], [...place(cB), ...orient(qB)], sizeA, sizeB);
}

interface FeatureCase {
  name: string;
  typeA: number;
  typeB: number;
  feature: number;
  make: (rng: Rng) => number[];
}

const inside = (lo: number, hi: number) => (rng: Rng) => uniform(rng, lo, hi) * (rng.uniform() < 0.5 ? -1 : 1);

const CASES: FeatureCase[] = [
  {
    name: 'plane–sphere',
    typeA: ShapeType.plane,
    typeB: ShapeType.sphere,
    feature: 0,
    make: (rng) => planeCase(rng, sphereSize(rng)),
  },
  ...[0, 1].map((end) => ({
    name: `plane–capsule end ${end}`,
    typeA: ShapeType.plane,
    typeB: ShapeType.capsule,
    feature: end,
    make: (rng: Rng) => planeCase(rng, capsuleSize(rng)),
  })),
  ...[0, 1, 2, 3, 4, 5, 6, 7].map((corner) => ({
    name: `plane–box corner ${corner}`,
    typeA: ShapeType.plane,
    typeB: ShapeType.box,
    feature: corner,
    make: (rng: Rng) => planeCase(rng, boxSize(rng)),
  })),
  {
    name: 'sphere–sphere',
    typeA: ShapeType.sphere,
    typeB: ShapeType.sphere,
    feature: 0,
    make: (rng) => {
      const poseA = randomPose(rng, 0.5);
      const dir = unitVector(rng),
        gap = uniform(rng, 0.05, 1);
      const poseB = [...poseA.slice(0, 3).map((c, k) => c + gap * dir[k]), ...randomQuat(rng)];
      return local(poseA, poseB, sphereSize(rng), sphereSize(rng));
    },
  },
  {
    name: 'sphere–capsule, clamped to the − end',
    typeA: ShapeType.sphere,
    typeB: ShapeType.capsule,
    feature: 0,
    make: (rng) => sphereCapsuleCase(rng, -2.5, -1.1),
  },
  {
    name: 'sphere–capsule, inside the segment',
    typeA: ShapeType.sphere,
    typeB: ShapeType.capsule,
    feature: 0,
    make: (rng) => sphereCapsuleCase(rng, -0.9, 0.9),
  },
  {
    name: 'sphere–capsule, clamped to the + end',
    typeA: ShapeType.sphere,
    typeB: ShapeType.capsule,
    feature: 0,
    make: (rng) => sphereCapsuleCase(rng, 1.1, 2.5),
  },
  ...(
    [
      ['both parameters free', inside(0, 0.4), inside(0, 0.4)],
      ["A's parameter clamped", inside(1.5, 2.5), inside(0, 0.4)],
      ["B's parameter clamped to its − end", inside(0, 0.4), () => -2],
      ["B's parameter clamped to its + end", inside(0, 0.4), () => 2],
      ['both clamped', inside(1.6, 2.5), inside(1.6, 2.5)],
    ] as const
  ).map(([what, alpha, beta]) => ({
    name: `capsule–capsule, ${what}`,
    typeA: ShapeType.capsule,
    typeB: ShapeType.capsule,
    feature: 0,
    make: (rng: Rng) => capsuleCapsuleCase(rng, alpha(rng), beta(rng)),
  })),
];

/** ∂(w·geometry)/∂(local inputs) of the formula, by nested reverse-mode AD. */
function nestedAdjoint(c: FeatureCase, x: readonly number[], w: readonly number[]): number[] {
  return valueAndGrad((v) => {
    const y = featureGeometry(c.typeA, c.typeB, c.feature, v, null);
    let s: Real = 0;
    for (let i = 0; i < FAST_COTANGENTS; i++) s = add(s, mul(w[i], y[i]));
    return s;
  }, x).grad;
}

interface FastRun {
  handled: boolean;
  /** what the call added, in the local layout */
  grad: number[];
  /** the bystander's rows after the call minus before (must stay 0) */
  bystander: number[];
}

/**
 * The fast adjoint of local inputs `x` with A at body index `ia`, B at `ib`, into
 * randomly pre-filled cotangent buffers (the call must add to them).
 */
function fastAdjoint(
  rng: Rng,
  c: FeatureCase,
  x: readonly number[],
  w: readonly number[],
  ia: number,
  ib: number,
): FastRun {
  const bodyQ = new Float64Array(7 * NBODY).map(() => rng.normal());
  const geomSize = new Float64Array(4 * NBODY).map(() => rng.normal());
  for (let j = 0; j < 7; j++) {
    bodyQ[7 * ia + j] = x[LOCAL_POSE_A + j];
    bodyQ[7 * ib + j] = x[LOCAL_POSE_B + j];
  }
  for (let j = 0; j < 4; j++) {
    geomSize[4 * ia + j] = x[LOCAL_SIZE_A + j];
    geomSize[4 * ib + j] = x[LOCAL_SIZE_B + j];
  }
  const qbar0 = new Float64Array(7 * NBODY).map(() => rng.normal());
  const sizeBar0 = new Float64Array(4 * NBODY).map(() => rng.normal());
  const qbar = qbar0.slice(),
    sizeBar = sizeBar0.slice();
  const handled =
    fastGeometryAdjoint(c.typeA, c.typeB)?.(c.feature, ia, ib, bodyQ, geomSize, Float64Array.from(w), qbar, sizeBar) ??
    false;
  const grad = new Array<number>(FEATURE_INPUTS).fill(0);
  for (let j = 0; j < 7; j++) {
    grad[LOCAL_POSE_A + j] = qbar[7 * ia + j] - qbar0[7 * ia + j];
    grad[LOCAL_POSE_B + j] = qbar[7 * ib + j] - qbar0[7 * ib + j];
  }
  for (let j = 0; j < 4; j++) {
    grad[LOCAL_SIZE_A + j] = sizeBar[4 * ia + j] - sizeBar0[4 * ia + j];
    grad[LOCAL_SIZE_B + j] = sizeBar[4 * ib + j] - sizeBar0[4 * ib + j];
  }
  const bystander = [
    ...Array.from({ length: 7 }, (_, j) => qbar[j] - qbar0[j]),
    ...Array.from({ length: 4 }, (_, j) => sizeBar[j] - sizeBar0[j]),
  ];
  return { handled, grad, bystander };
}

function maxAbs(v: readonly number[]): number {
  return v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
}

function expectClose(actual: readonly number[], expected: readonly number[], what: string): void {
  const scale = Math.max(1, maxAbs(expected));
  const error = maxAbs(actual.map((a, j) => a - expected[j]));
  expect(error, `${what}: |fast − nested| = ${error} (scale ${scale})`).toBeLessThanOrEqual(REL_TOL * scale);
}

describe('fast contact-geometry adjoints equal the nested-AD formulas', () => {
  CASES.forEach((c, index) => {
    it(c.name, () => {
      expect(fastGeometryAdjoint(c.typeA, c.typeB)).not.toBeNull();
      const rng = seededRng(1400 + index);
      for (let sample = 0; sample < SAMPLES; sample++) {
        const x = c.make(rng);
        const w = Array.from({ length: FAST_COTANGENTS }, () => rng.normal());
        const reference = nestedAdjoint(c, x, w);
        // the formula's derivative of a plane pose is 0 (planes live in their sizes)
        expect(maxAbs(reference)).toBeGreaterThan(0);
        for (const [ia, ib] of [
          [1, 2],
          [2, 1],
        ]) {
          const fast = fastAdjoint(rng, c, x, w, ia, ib);
          expect(fast.handled).toBe(true);
          expectClose(fast.grad, reference, `${c.name} sample ${sample}, bodies (${ia}, ${ib})`);
          expect(fast.bystander.every((d) => d === 0)).toBe(true);
        }
      }
    });
  });

  it('each cotangent entry alone (dist, every normal and point component) matches', () => {
    const rng = seededRng(1499);
    for (const c of CASES) {
      const x = c.make(rng);
      for (let i = 0; i < FAST_COTANGENTS; i++) {
        const w = Array.from({ length: FAST_COTANGENTS }, (_, j) => (j === i ? 1 : 0));
        expectClose(fastAdjoint(rng, c, x, w, 1, 2).grad, nestedAdjoint(c, x, w), `${c.name}, output ${i}`);
      }
    }
  });
});

describe('what the fast path leaves to the nested formula', () => {
  it('uncovered pairs and features are declined', () => {
    expect(fastGeometryAdjoint(ShapeType.sphere, ShapeType.box)).toBeNull();
    expect(fastGeometryAdjoint(ShapeType.box, ShapeType.box)).toBeNull();
    expect(fastGeometryAdjoint(ShapeType.box, ShapeType.capsule)).toBeNull();
    // feature ids a covered pair's narrowphase never writes: declined, nothing touched
    const q = new Float64Array(7 * NBODY),
      size = new Float64Array(4 * NBODY).fill(0.5);
    for (let i = 0; i < NBODY; i++) q[7 * i + 3] = 1;
    const w = new Float64Array(FAST_COTANGENTS).fill(1);
    for (const [typeA, typeB, feature] of [
      [ShapeType.plane, ShapeType.box, 8],
      [ShapeType.plane, ShapeType.capsule, 2],
      [ShapeType.sphere, ShapeType.sphere, 1],
    ]) {
      const qbar = new Float64Array(7 * NBODY),
        sizeBar = new Float64Array(4 * NBODY);
      expect(fastGeometryAdjoint(typeA, typeB)!(feature, 1, 2, q, size, w, qbar, sizeBar)).toBe(false);
      expect(qbar.every((v) => v === 0) && sizeBar.every((v) => v === 0)).toBe(true);
    }
  });

  it('degenerate configurations return false and touch nothing', () => {
    const rng = seededRng(1410);
    const w = Array.from({ length: FAST_COTANGENTS }, () => rng.normal());
    const sphereSphere = CASES.find((c) => c.name === 'sphere–sphere') as FeatureCase;
    // coincident centres: the narrowphase's fallback normal has no derivative
    const pose = randomPose(rng, 0.5);
    const coincident = fastAdjoint(rng, sphereSphere, local(pose, pose, [0.2, 0, 0, 0], [0.3, 0, 0, 0]), w, 1, 2);
    expect(coincident.handled).toBe(false);
    expect(coincident.grad.every((g) => g === 0)).toBe(true);
    // parallel capsule axes: the overlap rule is left to the formula
    const capsules = CASES.find((c) => c.typeA === ShapeType.capsule) as FeatureCase;
    const q = randomQuat(rng);
    const parallel = local([0, 0, 0, ...q], [0.3, 0.1, 0.2, ...q], [0.1, 0.4, 0, 0], [0.1, 0.3, 0, 0]);
    const run = fastAdjoint(rng, capsules, parallel, w, 1, 2);
    expect(run.handled).toBe(false);
    expect(run.grad.every((g) => g === 0)).toBe(true);
  });
});

// ---- through contactGeometryAdjoint and the primitive, on real narrowphase contacts ----------

interface PairCase {
  input: GeometryInput;
  bodyQ: Float64Array;
  contactsOf: () => ReturnType<typeof createContacts>;
}

/** Bodies of types (tA, tB) at indices 1, 2 (bystander sphere at 0), collided as (first, second). */
function pairCase(tA: number, tB: number, x: readonly number[], swapped: boolean): PairCase {
  const geomType = Uint8Array.of(ShapeType.sphere, tA, tB);
  const geomSize = new Float64Array(4 * NBODY);
  const bodyQ = new Float64Array(7 * NBODY);
  geomSize[0] = 0.1;
  bodyQ.set([10, 10, 10, 1, 0, 0, 0], 0);
  bodyQ.set(x.slice(LOCAL_POSE_A, LOCAL_POSE_A + 7), 7);
  bodyQ.set(x.slice(LOCAL_POSE_B, LOCAL_POSE_B + 7), 14);
  geomSize.set(x.slice(LOCAL_SIZE_A, LOCAL_SIZE_A + 4), 4);
  geomSize.set(x.slice(LOCAL_SIZE_B, LOCAL_SIZE_B + 4), 8);
  if (tA === ShapeType.plane) {
    // the narrowphase reads a unit normal (the builder normalizes it)
    const n = Math.hypot(geomSize[4], geomSize[5], geomSize[6]);
    for (let k = 4; k < 7; k++) geomSize[k] /= n;
  }
  const input: GeometryInput = {
    nbody: NBODY,
    geomType,
    geomSize,
    bodyStatic: Uint8Array.from(geomType, (t) => (t === ShapeType.plane ? 1 : 0)),
    bodyName: ['bystander', 'first', 'second'],
  };
  return {
    input,
    bodyQ,
    contactsOf: () => {
      const contacts = createContacts(16);
      if (swapped) collidePair(input, bodyQ, 2, 1, NO_MARGIN, contacts);
      else collidePair(input, bodyQ, 1, 2, NO_MARGIN, contacts);
      return contacts;
    },
  };
}

/** Jᵀḡ from the nested forward mode: one tangent per input direction of [bodyQ | geomSize]. */
function adjointByTangents(p: PairCase, gbar: Float64Array): Float64Array {
  const contacts = p.contactsOf();
  const nq = 7 * NBODY,
    nIn = 11 * NBODY;
  const out = new Float64Array(nIn);
  const ydot = new Float64Array(gbar.length);
  for (let j = 0; j < nIn; j++) {
    const qdot = new Float64Array(nq),
      sizeDot = new Float64Array(4 * NBODY);
    if (j < nq) qdot[j] = 1;
    else sizeDot[j - nq] = 1;
    contactGeometryTangent(p.input, contacts, p.bodyQ, p.input.geomSize, qdot, sizeDot, ydot);
    out[j] = ydot.reduce((s, v, i) => s + v * gbar[i], 0);
  }
  return out;
}

const PAIRS: [string, number, number][] = [
  ['plane–sphere', ShapeType.plane, ShapeType.sphere],
  ['plane–capsule', ShapeType.plane, ShapeType.capsule],
  ['plane–box', ShapeType.plane, ShapeType.box],
  ['sphere–sphere', ShapeType.sphere, ShapeType.sphere],
  ['sphere–capsule', ShapeType.sphere, ShapeType.capsule],
  ['capsule–capsule', ShapeType.capsule, ShapeType.capsule],
];

/** A local configuration of the pair from the first CASES entry of those types. */
function configOf(rng: Rng, tA: number, tB: number): number[] {
  const c = CASES.find((k) => k.typeA === tA && k.typeB === tB) as FeatureCase;
  return c.make(rng);
}

describe('contactGeometryAdjoint on the fast path, contacts from the narrowphase', () => {
  for (const [name, tA, tB] of PAIRS) {
    for (const swapped of [false, true]) {
      it(`${name}${swapped ? ', stored the other way round' : ''}: equals Jᵀḡ of the nested forward mode`, () => {
        const rng = seededRng(1420 + tA * 4 + tB + (swapped ? 100 : 0));
        for (let sample = 0; sample < 3; sample++) {
          const p = pairCase(tA, tB, configOf(rng, tA, tB), swapped);
          const contacts = p.contactsOf();
          expect(contacts.count).toBeGreaterThan(0);
          const gbar = new Float64Array(7 * contacts.count).map(() => rng.normal());
          const qbar = new Float64Array(7 * NBODY),
            sizeBar = new Float64Array(4 * NBODY);
          contactGeometryAdjoint(p.input, contacts, p.bodyQ, p.input.geomSize, gbar, qbar, sizeBar);
          expectClose([...qbar, ...sizeBar], Array.from(adjointByTangents(p, gbar)), `${name} sample ${sample}`);
        }
      });
    }
  }

  it('the primitive (backward through the fast path) passes gradcheck on every covered pair', () => {
    const rng = seededRng(1430);
    for (const [name, tA, tB] of PAIRS) {
      const p = pairCase(tA, tB, configOf(rng, tA, tB), false);
      const contacts = p.contactsOf();
      const prim = contactGeometryPrimitive(p.input, contacts);
      const gbar = Array.from({ length: 7 * contacts.count }, () => rng.normal());
      const loss = (x: Real[]): Real => {
        const y = prim(x);
        let s: Real = 0;
        for (let i = 0; i < y.length; i++) s = add(s, mul(gbar[i], y[i]));
        return s;
      };
      // the formulas re-evaluate the fixed features, so FD steps across no switch but a clamp's
      const r = gradcheck(loss, Array.from(contactGeometryInputs(p.bodyQ, p.input.geomSize)), {
        atol: 1e-6,
        rtol: 1e-5,
      });
      expect(r.ok, `${name}: max error ${r.maxError}`).toBe(true);
    }
  });
});
