// Differentiable contact geometry (sim/contact/geometry.ts):
// - the feature formulas reproduce the real narrowphase (collidePair) on every supported
//   pair, in both body orders, at seeded random configurations;
// - the primitive's gradient against central finite differences OF THE NARROWPHASE
//   (perturb bodyQ / geomSize, re-run collidePair, match the contact by feature id), for
//   every input (both poses, both size rows, a bystander body), away from feature switches;
// - forward mode equals reverse mode; the adjoint accumulates and skips zero cotangents;
// - closed forms (plane–sphere and sphere–sphere derivatives, quaternion scale invariance);
// - unsupported pairs and fallback normals throw UnsupportedGradientError naming the shapes;
// - decisions near a switch come back as kinks with `<A>/<B> <kind>` labels.
import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../../ad/gradcheck.ts';
import { seededRng, type Rng } from '../../../ad/random.ts';
import { jacfwd, jacrev, valueAndGrad } from '../../../ad/transforms.ts';
import { createContacts } from '../../../sim/collision/contacts.ts';
import { collidePair } from '../../../sim/collision/dispatch.ts';
import { ShapeType, type ShapeName } from '../../../sim/shapes.ts';
import {
  contactGeometryAdjoint,
  contactGeometryInputs,
  contactGeometryPrimitive,
  contactGeometryTangent,
  contactGeometryValues,
  type GeometryInput,
} from '../../../sim/contact/geometry.ts';
import { UnsupportedGradientError } from '../../../sim/contact/geometry-features.ts';
import {
  BYSTANDER,
  expectForwardEqualsReverse,
  expectValuesMatchNarrowphase,
  expectGradientMatchesNarrowphase,
  FD_STEPS,
  geometryOf,
  kinksOf,
  NBODY,
  narrowphaseLoss,
  NO_MARGIN,
  randomQuat,
  restrictTo,
  rotate,
  SWITCH_CLEARANCE,
  uniform,
  unitVector,
  type GeometryCase as Case,
} from './geometry-fixtures.ts';

// ---- fixtures -------------------------------------------------------------------------

function randomSize(rng: Rng, type: ShapeName): number[] {
  switch (type) {
    case 'sphere':
      return [uniform(rng, 0.2, 0.6), 0, 0, 0];
    case 'capsule':
    case 'cylinder':
      return [uniform(rng, 0.1, 0.3), uniform(rng, 0.2, 0.6), 0, 0];
    case 'box':
      return [uniform(rng, 0.2, 0.6), uniform(rng, 0.2, 0.6), uniform(rng, 0.2, 0.6), 0];
    case 'plane': {
      const n = unitVector(rng);
      return [n[0], n[1], n[2], uniform(rng, -0.3, 0.3)];
    }
  }
}

/**
 * Bodies `first` (type A of the pair) and `second` placed at random near each other, at
 * indices (1, 2), or (2, 1) when `swapped` (the contact is then stored with the higher
 * type as A, which collidePair handles by flipping the normal). `near` puts the centres
 * within ±0.3 m (and a sphere inside a box), else within ±1.2 m.
 */
function randomCase(rng: Rng, typeA: ShapeName, typeB: ShapeName, swapped: boolean, near: boolean): Case {
  const a = swapped ? 2 : 1,
    b = swapped ? 1 : 2;
  const geomType = new Uint8Array(NBODY);
  const geomSize = new Float64Array(4 * NBODY);
  const bodyQ = new Float64Array(7 * NBODY);
  const types = [ShapeType.sphere, 0, 0];
  const sizes = [[0.1, 0, 0, 0], randomSize(rng, typeA), randomSize(rng, typeB)];
  types[1] = ShapeType[typeA];
  types[2] = ShapeType[typeB];
  const poses = [[10, 10, 10, 1, 0, 0, 0], [], []];
  // near (overlapping shapes: interior closest points) or far (clamped ones), alternately
  const spread = near ? 0.3 : 1.2;
  for (const i of [1, 2]) {
    poses[i] = [
      uniform(rng, -spread, spread),
      uniform(rng, -spread, spread),
      uniform(rng, -spread, spread),
      ...randomQuat(rng),
    ];
  }
  if (typeA === 'plane') {
    // put B's centre at a random height over the plane
    const [nx, ny, nz, offset] = sizes[1];
    const c = poses[2];
    const h = nx * c[0] + ny * c[1] + nz * c[2] - offset;
    const target = uniform(rng, -0.2, 0.6);
    c[0] += (target - h) * nx;
    c[1] += (target - h) * ny;
    c[2] += (target - h) * nz;
    poses[1] = [0, 0, 0, 1, 0, 0, 0];
  }
  if (typeA === 'sphere' && typeB === 'box' && near) {
    // centre inside the box: the face features
    const h = sizes[2];
    const c = poses[2];
    poses[1] = [c[0] + uniform(rng, -0.15, 0.15) * h[0], c[1] + uniform(rng, -0.15, 0.15) * h[1], c[2], 1, 0, 0, 0];
  }
  if (typeA === 'sphere' && typeB === 'cylinder' && near) {
    // centre inside the cylinder (within half its smaller size of the centre): the face features
    const reach = (0.5 * Math.min(sizes[2][0], sizes[2][1])) / Math.sqrt(3);
    const c = poses[2];
    poses[1] = [
      c[0] + uniform(rng, -reach, reach),
      c[1] + uniform(rng, -reach, reach),
      c[2] + uniform(rng, -reach, reach),
      1,
      0,
      0,
      0,
    ];
  }
  // slot (1, 2) holds (A, B); write them to indices (a, b)
  const index = [BYSTANDER, a, b];
  for (let s = 0; s < 3; s++) {
    const i = index[s];
    geomType[i] = types[s];
    geomSize.set(sizes[s], 4 * i);
    bodyQ.set(poses[s], 7 * i);
  }
  const input: GeometryInput = {
    nbody: NBODY,
    geomType,
    geomSize,
    bodyStatic: Uint8Array.from(geomType, (t) => (t === ShapeType.plane ? 1 : 0)),
    bodyName: ['bystander', swapped ? 'second' : 'first', swapped ? 'first' : 'second'],
  };
  const contacts = createContacts(16);
  // the contact's A is always `second` when swapped: collidePair(…, b, a) stores b as A
  if (swapped) collidePair(input, bodyQ, b, a, NO_MARGIN, contacts);
  else collidePair(input, bodyQ, a, b, NO_MARGIN, contacts);
  return { input, bodyQ, contacts };
}

/** Near a switch: the primitive reports a decision within SWITCH_CLEARANCE, or plane–box corners nearly tie in depth order. */
function nearSwitch(c: Case): boolean {
  if (kinksOf(c, SWITCH_CLEARANCE).length > 0) return true;
  const tA = c.input.geomType[c.contacts.bodyA[0]],
    tB = c.input.geomType[c.contacts.bodyB[0]];
  if (Math.min(tA, tB) === ShapeType.plane && Math.max(tA, tB) === ShapeType.box) {
    // the 4th and 5th deepest corners (which of them is kept) must not nearly tie
    const input = c.input;
    const depth: number[] = [];
    // every corner's height, recomputed from the box pose independently of the narrowphase
    const plane = tA === ShapeType.plane ? c.contacts.bodyA[0] : c.contacts.bodyB[0];
    const box = plane === c.contacts.bodyA[0] ? c.contacts.bodyB[0] : c.contacts.bodyA[0];
    const n = input.geomSize.subarray(4 * plane, 4 * plane + 3),
      offset = input.geomSize[4 * plane + 3];
    const q = c.bodyQ.subarray(7 * box + 3, 7 * box + 7);
    for (let corner = 0; corner < 8; corner++) {
      const local = [0, 1, 2].map((i) => (corner & (1 << i) ? 1 : -1) * input.geomSize[4 * box + i]);
      const world = rotate(q, local);
      depth.push(
        n[0] * (c.bodyQ[7 * box] + world[0]) +
          n[1] * (c.bodyQ[7 * box + 1] + world[1]) +
          n[2] * (c.bodyQ[7 * box + 2] + world[2]) -
          offset,
      );
    }
    depth.sort((u, v) => u - v);
    if (depth[4] - depth[3] < SWITCH_CLEARANCE) return true;
  }
  return false;
}

type Pair = [ShapeName, ShapeName];
const SUPPORTED: readonly Pair[] = [
  ['plane', 'sphere'],
  ['plane', 'capsule'],
  ['plane', 'box'],
  ['sphere', 'sphere'],
  ['sphere', 'capsule'],
  ['sphere', 'box'],
  ['capsule', 'capsule'],
  ['plane', 'cylinder'],
  ['sphere', 'cylinder'],
];
// four regimes: (near, far) × (table order, swapped)
const POINTS_PER_PAIR = 8;

/** POINTS_PER_PAIR seeded cases of the pair (both body orders), away from feature switches. */
function casesOf(pair: Pair, seed: number): Case[] {
  const rng = seededRng(seed);
  const out: Case[] = [];
  for (let attempt = 0; out.length < POINTS_PER_PAIR && attempt < 200; attempt++) {
    const c = randomCase(rng, pair[0], pair[1], out.length % 2 === 1, out.length % 4 < 2);
    if (c.contacts.count > 0 && !nearSwitch(c)) out.push(c);
  }
  expect(out.length).toBe(POINTS_PER_PAIR);
  return out;
}

/** A two-body scene (A at index 0, B at 1), its contacts from collidePair. */
function twoBodies(types: [number, number], sizes: number[], bodyQ: number[], bodyName = ['ground', 'ball']): Case {
  const input: GeometryInput = {
    nbody: 2,
    geomType: Uint8Array.from(types),
    geomSize: Float64Array.from(sizes),
    bodyStatic: Uint8Array.of(0, 0),
    bodyName,
  };
  const q = Float64Array.from(bodyQ);
  const contacts = createContacts(8);
  collidePair(input, q, 0, 1, NO_MARGIN, contacts);
  return { input, bodyQ: q, contacts };
}

const CASES = new Map(SUPPORTED.map((pair, i) => [pair.join('–'), casesOf(pair, 1000 + i)]));

// ---- the formulas reproduce the narrowphase ---------------------------------------------

describe('contact geometry values', () => {
  for (const [name, cases] of CASES) {
    it(`${name}: the feature formulas give the narrowphase's dist, normal and point bitwise; the primitive forward too`, () => {
      for (const c of cases) expectValuesMatchNarrowphase(c);
    });
  }

  it('the sphere–box cases cover the outside feature and the inside faces', () => {
    const features = new Set(CASES.get('sphere–box')!.map((c) => (c.contacts.pair[0] === 0 ? 'outside' : 'inside')));
    expect([...features].sort()).toEqual(['inside', 'outside']);
  });

  it('the new pairs are covered: sphere–cylinder outside and inside, plane–cylinder deepest rim points and tripods', () => {
    const sphere = new Set(CASES.get('sphere–cylinder')!.map((c) => (c.contacts.pair[0] === 0 ? 'outside' : 'inside')));
    expect([...sphere].sort()).toEqual(['inside', 'outside']);
    const plane = new Set(
      CASES.get('plane–cylinder')!.flatMap((c) => Array.from(c.contacts.pair.subarray(0, c.contacts.count))),
    );
    expect([...plane].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('the primitive forward equals the plain values bitwise, and ignores later changes to the buffer', () => {
    const c = CASES.get('capsule–capsule')![0];
    const count = c.contacts.count;
    const plain = contactGeometryValues(c.input, c.contacts, c.bodyQ, c.input.geomSize, new Float64Array(7 * count));
    const prim = contactGeometryPrimitive(c.input, c.contacts);
    c.contacts.count = 0;
    const y = prim(Array.from(contactGeometryInputs(c.bodyQ, c.input.geomSize)));
    c.contacts.count = count;
    expect(y).toEqual(Array.from(plain));
  });
});

// ---- gradients against finite differences of the real narrowphase ------------------------

describe('contact geometry gradients', () => {
  for (const [name, cases] of CASES) {
    it(`${name}: primitive gradient = central differences of collidePair, every input`, () => {
      const rng = seededRng(77);
      for (const c of cases) expectGradientMatchesNarrowphase(c, rng);
    });

    it(`${name}: forward mode equals reverse mode`, () => {
      expectForwardEqualsReverse(cases[0]);
    });
  }

  it('the adjoint accumulates into q̄ and sizē and skips contacts with zero cotangent', () => {
    const c = CASES.get('plane–box')![1];
    const count = c.contacts.count;
    const n = NBODY;
    const gbar = new Float64Array(7 * count);
    gbar[0] = 1; // ∂dist₀ only
    const qbar = new Float64Array(7 * n).fill(0.5);
    const sizeBar = new Float64Array(4 * n).fill(-0.25);
    contactGeometryAdjoint(c.input, c.contacts, c.bodyQ, c.input.geomSize, gbar, qbar, sizeBar);
    const prim = contactGeometryPrimitive(c.input, c.contacts);
    const x = Array.from(contactGeometryInputs(c.bodyQ, c.input.geomSize));
    const row = jacfwd(prim, x)[0];
    for (let j = 0; j < 7 * n; j++) expect(qbar[j]).toBeCloseTo(0.5 + row[j], 14);
    for (let j = 0; j < 4 * n; j++) expect(sizeBar[j]).toBeCloseTo(-0.25 + row[7 * n + j], 14);
    // a zero cotangent leaves the accumulators untouched (even for an unsupported pair)
    const zero = new Float64Array(7 * count);
    const before = qbar.slice();
    contactGeometryAdjoint(c.input, c.contacts, c.bodyQ, c.input.geomSize, zero, qbar, sizeBar);
    expect(qbar).toEqual(before);
  });

  it('contactGeometryTangent gives the same directional derivative as the adjoint (⟨ḡ, J v⟩ = ⟨Jᵀḡ, v⟩)', () => {
    const rng = seededRng(5);
    for (const name of ['sphere–capsule', 'capsule–capsule', 'plane–capsule']) {
      const c = CASES.get(name)![2];
      const count = c.contacts.count;
      const qdot = Float64Array.from({ length: 7 * NBODY }, () => rng.normal());
      const sdot = Float64Array.from({ length: 4 * NBODY }, () => rng.normal());
      const gbar = Float64Array.from({ length: 7 * count }, () => rng.normal());
      const tangent = contactGeometryTangent(
        c.input,
        c.contacts,
        c.bodyQ,
        c.input.geomSize,
        qdot,
        sdot,
        new Float64Array(7 * count),
      );
      const qbar = new Float64Array(7 * NBODY),
        sizeBar = new Float64Array(4 * NBODY);
      contactGeometryAdjoint(c.input, c.contacts, c.bodyQ, c.input.geomSize, gbar, qbar, sizeBar);
      let lhs = 0,
        rhs = 0;
      for (let i = 0; i < 7 * count; i++) lhs += gbar[i] * tangent[i];
      for (let j = 0; j < 7 * NBODY; j++) rhs += qbar[j] * qdot[j];
      for (let j = 0; j < 4 * NBODY; j++) rhs += sizeBar[j] * sdot[j];
      expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(lhs)));
    }
  });
});

// ---- closed forms -----------------------------------------------------------------------------

describe('contact geometry closed forms', () => {
  it('plane–sphere: ∂dist/∂centre = n, ∂dist/∂r = −1, ∂dist/∂offset = −1, ∂dist/∂n = centre', () => {
    const n = [0.6, 0, 0.8];
    const centre = [0.3, -0.2, 0.9];
    const c = twoBodies(
      [ShapeType.plane, ShapeType.sphere],
      [...n, 0.1, 0.25, 0, 0, 0],
      [0, 0, 0, 1, 0, 0, 0, ...centre, 1, 0, 0, 0],
    );
    const row = jacrev(
      contactGeometryPrimitive(c.input, c.contacts),
      Array.from(contactGeometryInputs(c.bodyQ, c.input.geomSize)),
    )[0];
    // dist = n·c − offset − r
    expect(row.slice(7, 10)).toEqual(n.map((v) => expect.closeTo(v, 15)));
    expect(row.slice(14, 17)).toEqual(centre.map((v) => expect.closeTo(v, 15)));
    expect(row[17]).toBeCloseTo(-1, 15);
    expect(row[18]).toBeCloseTo(-1, 15);
    // the orientations do not enter
    for (const j of [3, 4, 5, 6, 10, 11, 12, 13]) expect(row[j]).toBe(0);
  });

  it('sphere–sphere: ∂dist/∂cB = −∂dist/∂cA = unit normal; ∂n/∂cB = (I − n nᵀ)/|cB − cA|', () => {
    const cA = [0.1, 0.2, 0.3],
      cB = [0.4, -0.2, 0.3]; // 0.5 m apart, n = (0.6, −0.8, 0)
    const c = twoBodies(
      [ShapeType.sphere, ShapeType.sphere],
      [0.2, 0, 0, 0, 0.1, 0, 0, 0],
      [...cA, 1, 0, 0, 0, ...cB, 1, 0, 0, 0],
    );
    const jac = jacrev(
      contactGeometryPrimitive(c.input, c.contacts),
      Array.from(contactGeometryInputs(c.bodyQ, c.input.geomSize)),
    );
    const nrm = [0.6, -0.8, 0];
    for (let i = 0; i < 3; i++) {
      expect(jac[0][7 + i]).toBeCloseTo(nrm[i], 15);
      expect(jac[0][i]).toBeCloseTo(-nrm[i], 15);
      for (let j = 0; j < 3; j++)
        expect(jac[1 + i][7 + j]).toBeCloseTo(((i === j ? 1 : 0) - nrm[i] * nrm[j]) / 0.5, 14);
    }
  });

  it('parallel capsules (the middle-of-overlap rule, and end to end): values and position/size gradients match the narrowphase', () => {
    // axes both along z; translations and sizes keep them exactly parallel, so central
    // differences in those inputs stay inside the parallel branch
    for (const centreB of [
      [0.3, 0.1, 0.2],
      [0.3, 0, 1.5],
    ]) {
      const c = twoBodies(
        [ShapeType.capsule, ShapeType.capsule],
        [0.1, 0.5, 0, 0, 0.15, 0.4, 0, 0],
        [0, 0, 0, 1, 0, 0, 0, ...centreB, 1, 0, 0, 0],
        ['left', 'right'],
      );
      const values = contactGeometryValues(c.input, c.contacts, c.bodyQ, c.input.geomSize, new Float64Array(7));
      expect(Array.from(values)).toEqual(geometryOf(c.contacts, 0));
      expect(c.contacts.count).toBe(1);
      const free = [0, 1, 2, 7, 8, 9, 14, 15, 16, 17, 18, 19, 20, 21]; // positions, then sizes
      const base = Array.from(contactGeometryInputs(c.bodyQ, c.input.geomSize));
      const weights = [0.3, -1.1, 0.7, 0.2, 0.9, -0.4, 1.3];
      // the narrowphase side keeps the single contact's feature (the parallel rule's)
      const f = restrictTo(narrowphaseLoss(c, weights, true), base, free);
      const r = gradcheck(
        f,
        free.map((j) => base[j]),
        { steps: FD_STEPS, atol: 1e-7, rtol: 1e-6 },
      );
      expect(r.ok).toBe(true);
      expect(r.kinks.some((k) => k.label === 'left/right parallel axes' && k.margin < 2e-6)).toBe(true);
    }
  });

  it('the quaternion gradient is orthogonal to q (the rotation ignores the scale of q)', () => {
    for (const name of ['plane–box', 'capsule–capsule', 'sphere–box']) {
      for (const c of CASES.get(name)!) {
        const count = c.contacts.count;
        const gbar = Float64Array.from({ length: 7 * count }, (_, i) => Math.sin(i + 1));
        const qbar = new Float64Array(7 * NBODY),
          sizeBar = new Float64Array(4 * NBODY);
        contactGeometryAdjoint(c.input, c.contacts, c.bodyQ, c.input.geomSize, gbar, qbar, sizeBar);
        for (let i = 1; i < NBODY; i++) {
          let along = 0,
            scale = 0;
          for (let j = 3; j < 7; j++) {
            along += qbar[7 * i + j] * c.bodyQ[7 * i + j];
            scale += Math.abs(qbar[7 * i + j] * c.bodyQ[7 * i + j]);
          }
          expect(Math.abs(along)).toBeLessThanOrEqual(1e-12 * (1 + scale));
        }
      }
    }
  });
});

// ---- unsupported pairs, degenerate points, kinks ------------------------------------------------

describe('contact geometry limits', () => {
  // box–box and box–capsule have exact formulas now: test/sim/contact/geometry-box.test.ts

  it('coincident sphere centres (the fallback normal) throw UnsupportedGradientError', () => {
    const c = twoBodies(
      [ShapeType.sphere, ShapeType.sphere],
      [0.2, 0, 0, 0, 0.3, 0, 0, 0],
      [0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0],
      ['left', 'right'],
    );
    expect(c.contacts.count).toBe(1);
    const prim = contactGeometryPrimitive(c.input, c.contacts);
    const x0 = Array.from(contactGeometryInputs(c.bodyQ, c.input.geomSize));
    expect(() => valueAndGrad((x) => prim(x)[0], x0)).toThrow(UnsupportedGradientError);
    expect(() => valueAndGrad((x) => prim(x)[0], Array.from(contactGeometryInputs(c.bodyQ, c.input.geomSize)))).toThrow(
      /sphere–sphere contact \(bodies 'left' and 'right'\): the closest points coincide/,
    );
  });

  it('a sphere near a capsule end-cap switch reports a `segment clamp` kink at its distance from the switch', () => {
    // capsule along z (halfLength 0.5), sphere centre 2 mm below the +z end of the axis
    // and off to the side: the closest axis point is 2 mm inside the clamp range
    const c = twoBodies(
      [ShapeType.sphere, ShapeType.capsule],
      [0.1, 0, 0, 0, 0.05, 0.5, 0, 0],
      [0.3, 0, 0.498, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0],
      ['ball', 'rod'],
    );
    const clamp = kinksOf(c, 1e-2).filter((k) => k.label.endsWith('ball/rod segment clamp'));
    expect(clamp.length).toBe(1);
    expect(clamp[0].margin).toBeCloseTo(0.002, 12);
  });
});
