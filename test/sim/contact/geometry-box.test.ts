// Contact geometry of the box pairs (sim/contact/geometry-box.ts), box–box and box–capsule:
// - the feature formulas give collidePair's dist, normal and point bit for bit, in both
//   body orders, for the named configurations (box–box: face–face resting, tilted face
//   contacts with clipped points, edge–edge; box–capsule: lying on a face, an end against a
//   face, across an edge, penetrating faces and edges);
// - the primitive's gradient against central differences OF THE NARROWPHASE (perturb every
//   pose and size entry, re-run collidePair, match contacts by feature id), away from
//   feature switches (configurations with a decision within SWITCH_CLEARANCE are resampled);
// - forward mode equals reverse mode;
// - decisions near their switch come back as kinks (an exact SAT tie, a corner near a rim).
import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../../ad/gradcheck.ts';
import { seededRng, type Rng } from '../../../ad/random.ts';
import { jacrev } from '../../../ad/transforms.ts';
import { CLIP_PLANE_TOLERANCE } from '../../../sim/collision/clip.ts';
import { createContacts } from '../../../sim/collision/contacts.ts';
import { collidePair } from '../../../sim/collision/dispatch.ts';
import { ShapeType } from '../../../sim/shapes.ts';
import {
  contactGeometryInputs,
  contactGeometryPrimitive,
  contactGeometryValues,
  type GeometryInput,
} from '../../../sim/contact/geometry.ts';
import { quatMul as qmul, type Quat, type V3 as Vec } from '../collision/fixtures.ts';
import {
  blockOf,
  BYSTANDER,
  expectForwardEqualsReverse,
  expectValuesMatchNarrowphase,
  expectGradientMatchesNarrowphase,
  FD_STEPS,
  features,
  geometryOf,
  kinksOf,
  NBODY,
  narrowphaseLoss,
  NO_MARGIN,
  restrictTo,
  rotate,
  SWITCH_CLEARANCE,
  uniform,
  unitVector,
  type GeometryCase as Case,
} from './geometry-fixtures.ts';

// ---- fixtures ------------------------------------------------------------------------------

/** The quaternion of a rotation by `angle` about unit `axis`, times `scale` (the narrowphase takes any scale). */
function axisAngle(axis: Vec, angle: number, scale = 1): Quat {
  const s = Math.sin(angle / 2) * scale;
  return [Math.cos(angle / 2) * scale, axis[0] * s, axis[1] * s, axis[2] * s];
}

/** A random quaternion of scale in [0.7, 1.4] (a random axis and angle). */
function randomQuat(rng: Rng): Quat {
  return axisAngle(unitVector(rng), uniform(rng, 0, 2 * Math.PI), uniform(rng, 0.7, 1.4));
}

/**
 * The pair (typeA, sizeA, poseA) and (typeB, sizeB, poseB) at indices (1, 2), or (2, 1)
 * when `swapped` (the contact is then stored with the capsule as A and the normal flipped
 * by collidePair); its contacts from collidePair with margin ∞.
 */
function makeCase(
  types: [number, number],
  sizes: [number[], number[]],
  poses: [number[], number[]],
  swapped: boolean,
): Case {
  const index = swapped ? [2, 1] : [1, 2];
  const geomType = new Uint8Array(NBODY);
  const geomSize = new Float64Array(4 * NBODY);
  const bodyQ = new Float64Array(7 * NBODY);
  geomType[BYSTANDER] = ShapeType.sphere;
  geomSize[4 * BYSTANDER] = 0.1;
  bodyQ.set([10, 10, 10, 1, 0, 0, 0], 7 * BYSTANDER);
  for (let s = 0; s < 2; s++) {
    geomType[index[s]] = types[s];
    geomSize.set(sizes[s], 4 * index[s]);
    bodyQ.set(poses[s], 7 * index[s]);
  }
  const input: GeometryInput = {
    nbody: NBODY,
    geomType,
    geomSize,
    bodyStatic: new Uint8Array(NBODY),
    bodyName: ['bystander', swapped ? 'upper' : 'lower', swapped ? 'lower' : 'upper'],
  };
  const contacts = createContacts(16);
  // body 1 is A: the capsule when swapped (collidePair runs the table entry and flips)
  collidePair(input, bodyQ, 1, 2, NO_MARGIN, contacts);
  return { input, bodyQ, contacts };
}

function nearSwitch(c: Case): boolean {
  return kinksOf(c, SWITCH_CLEARANCE).length > 0;
}

/** Up to `count` cases from `make`, each with contacts, `accept`ed and away from switches. */
function sample(
  seed: number,
  count: number,
  make: (rng: Rng, i: number) => Case,
  accept: (c: Case) => boolean,
): Case[] {
  const rng = seededRng(seed);
  const out: Case[] = [];
  for (let attempt = 0; out.length < count && attempt < 400; attempt++) {
    const c = make(rng, out.length);
    if (c.contacts.count > 0 && accept(c) && !nearSwitch(c)) out.push(c);
  }
  expect(out.length).toBe(count);
  return out;
}

const boxSize = (rng: Rng): number[] => [uniform(rng, 0.2, 0.6), uniform(rng, 0.2, 0.6), uniform(rng, 0.2, 0.6), 0];
const isFace = (f: number): boolean => f < 96;

/** Box B on box A's top face (A's frame), B tilted by up to `tilt` rad, offset by up to `offset`·hA sideways. */
function boxOnBox(rng: Rng, tilt: number, offset: number): Case {
  const hA = boxSize(rng),
    hB = boxSize(rng);
  const qA = randomQuat(rng);
  const yaw = axisAngle([0, 0, 1], uniform(rng, 0, 2 * Math.PI));
  const lean = axisAngle(unitVector(rng), uniform(rng, 0, tilt));
  const qBinA = qmul(lean, yaw);
  // B's lowest point 2 cm below or above A's top face
  let lowest = 0;
  for (let corner = 0; corner < 8; corner++) {
    const v = rotate(qBinA, [corner & 1 ? hB[0] : -hB[0], corner & 2 ? hB[1] : -hB[1], corner & 4 ? hB[2] : -hB[2]]);
    lowest = Math.min(lowest, v[2]);
  }
  const local: Vec = [
    uniform(rng, -offset, offset) * hA[0],
    uniform(rng, -offset, offset) * hA[1],
    hA[2] - lowest + uniform(rng, -0.02, 0.02),
  ];
  const cA: Vec = [uniform(rng, -0.5, 0.5), uniform(rng, -0.5, 0.5), uniform(rng, -0.5, 0.5)];
  const w = rotate(qA, local);
  const qB = qmul(qA, qBinA).map((v) => v * uniform(rng, 0.8, 1.2));
  return makeCase(
    [ShapeType.box, ShapeType.box],
    [hA, hB],
    [
      [...cA, ...qA],
      [cA[0] + w[0], cA[1] + w[1], cA[2] + w[2], ...qB],
    ],
    false,
  );
}

/** Boxes with edges crossing: each turned 45° about one of its axes (a ridge), A's ridge up, B's down, crossed at a random angle. */
function crossingEdges(rng: Rng): Case {
  const hA = boxSize(rng),
    hB = boxSize(rng);
  const ridgeA = axisAngle([1, 0, 0], Math.PI / 4 + uniform(rng, -0.2, 0.2));
  const ridgeB = qmul(
    axisAngle([0, 0, 1], uniform(rng, 0.5, 1.2)),
    axisAngle([1, 0, 0], Math.PI / 4 + uniform(rng, -0.2, 0.2)),
  );
  const topA = Math.max(
    ...[-1, 1].flatMap((sy) => [-1, 1].map((sz) => rotate(ridgeA, [0, sy * hA[1], sz * hA[2]])[2])),
  );
  const bottomB = Math.min(
    ...[-1, 1].flatMap((sy) => [-1, 1].map((sz) => rotate(ridgeB, [0, sy * hB[1], sz * hB[2]])[2])),
  );
  const cB: Vec = [uniform(rng, -0.1, 0.1), uniform(rng, -0.1, 0.1), topA - bottomB + uniform(rng, -0.02, 0.02)];
  return makeCase(
    [ShapeType.box, ShapeType.box],
    [hA, hB],
    [
      [0.1, -0.2, 0.3, ...ridgeA],
      [0.1 + cB[0], -0.2 + cB[1], 0.3 + cB[2], ...ridgeB],
    ],
    false,
  );
}

/** A capsule over box A's top face: axis direction `axisInA` (A's frame), centre at `local` + r·height. */
function capsuleOverBox(rng: Rng, axisInA: Vec, local: Vec, swapped: boolean): Case {
  const hA = boxSize(rng);
  const r = uniform(rng, 0.1, 0.2),
    half = uniform(rng, 0.2, 0.5);
  const qA = randomQuat(rng);
  // the capsule's z axis along axisInA
  const z: Vec = [0, 0, 1];
  const cross: Vec = [
    z[1] * axisInA[2] - z[2] * axisInA[1],
    z[2] * axisInA[0] - z[0] * axisInA[2],
    z[0] * axisInA[1] - z[1] * axisInA[0],
  ];
  const sin = Math.hypot(...cross);
  const qCinA =
    sin < 1e-12
      ? ([1, 0, 0, 0] as Quat)
      : axisAngle([cross[0] / sin, cross[1] / sin, cross[2] / sin], Math.atan2(sin, axisInA[2]));
  const qC = qmul(qA, qCinA);
  const centre: Vec = [local[0] * hA[0], local[1] * hA[1], hA[2] + local[2] * r];
  const w = rotate(qA, centre);
  const cA: Vec = [uniform(rng, -0.5, 0.5), uniform(rng, -0.5, 0.5), uniform(rng, -0.5, 0.5)];
  return makeCase(
    [ShapeType.box, ShapeType.capsule],
    [hA, [r, half, 0, 0]],
    [
      [...cA, ...qA],
      [cA[0] + w[0], cA[1] + w[1], cA[2] + w[2], ...qC],
    ],
    swapped,
  );
}

function horizontal(rng: Rng, tilt: number): Vec {
  const phi = uniform(rng, 0, 2 * Math.PI),
    lift = uniform(rng, -tilt, tilt);
  return [Math.cos(phi) * Math.cos(lift), Math.sin(phi) * Math.cos(lift), Math.sin(lift)];
}

/** Clip-intersection points: the contact's surface point on A lies on a side plane of A's reference face. */
function hasCutPoint(c: Case): boolean {
  const a = c.contacts.bodyA[0];
  const q = Array.from(c.bodyQ.subarray(7 * a + 3, 7 * a + 7)) as Quat;
  const conj: Quat = [q[0], -q[1], -q[2], -q[3]];
  const h = c.input.geomSize.subarray(4 * a, 4 * a + 3);
  for (let k = 0; k < c.contacts.count; k++) {
    const face = c.contacts.pair[k] >> 3;
    if (face >= 6) continue;
    const g = geometryOf(c.contacts, k);
    const onA: Vec = [
      g[4] - 0.5 * g[0] * g[1] - c.bodyQ[7 * a],
      g[5] - 0.5 * g[0] * g[2] - c.bodyQ[7 * a + 1],
      g[6] - 0.5 * g[0] * g[3] - c.bodyQ[7 * a + 2],
    ];
    const local = rotate(conj, onA);
    const axis = face >> 1;
    for (let m = 0; m < 3; m++) if (m !== axis && Math.abs(Math.abs(local[m]) - h[m]) < 1e-9) return true;
  }
  return false;
}

const GROUPS: [string, Case[]][] = [
  [
    'box–box face–face resting, slightly tilted',
    sample(
      11,
      3,
      (rng) => boxOnBox(rng, 0.1, 0.3),
      (c) => features(c).every(isFace) && !hasCutPoint(c),
    ),
  ],
  [
    'box–box tilted face contact with clipped points',
    sample(
      12,
      4,
      (rng) => boxOnBox(rng, 0.5, 1.3),
      (c) => features(c).every(isFace) && hasCutPoint(c),
    ),
  ],
  ['box–box edge–edge crossing', sample(13, 4, crossingEdges, (c) => features(c).every((f) => f >= 96))],
  [
    'box–box random poses (faces of A and B, edges, corners)',
    sample(
      14,
      6,
      (rng) =>
        makeCase(
          [ShapeType.box, ShapeType.box],
          [boxSize(rng), boxSize(rng)],
          [
            [uniform(rng, -0.6, 0.6), uniform(rng, -0.6, 0.6), uniform(rng, -0.6, 0.6), ...randomQuat(rng)],
            [uniform(rng, -0.6, 0.6), uniform(rng, -0.6, 0.6), uniform(rng, -0.6, 0.6), ...randomQuat(rng)],
          ],
          false,
        ),
      () => true,
    ),
  ],
  [
    'box–capsule lying on a face (2 contacts)',
    sample(
      21,
      4,
      (rng, i) =>
        capsuleOverBox(
          rng,
          horizontal(rng, 0.05),
          [uniform(rng, -0.2, 0.2), uniform(rng, -0.2, 0.2), uniform(rng, 0.8, 1.2)],
          i % 2 === 1,
        ),
      (c) => c.contacts.count === 2,
    ),
  ],
  [
    'box–capsule end against a face',
    sample(
      22,
      4,
      (rng, i) =>
        capsuleOverBox(
          rng,
          unitVector(rng).map((v, k) => (k === 2 ? 2 + Math.abs(v) : v)) as Vec,
          [uniform(rng, -0.3, 0.3), uniform(rng, -0.3, 0.3), uniform(rng, 1.5, 4)],
          i % 2 === 1,
        ),
      (c) => features(c).every((f) => f === 1 || f === 2),
    ),
  ],
  [
    'box–capsule across an edge',
    sample(
      23,
      4,
      (rng, i) =>
        capsuleOverBox(
          rng,
          [1, uniform(rng, -0.3, 0.3), uniform(rng, -0.8, 0.8)],
          [1 + uniform(rng, -0.05, 0.05), uniform(rng, -0.2, 0.2), uniform(rng, -1.5, 0.8)],
          i % 2 === 1,
        ),
      (c) => features(c).length === 1 && (features(c)[0] === 0 || features(c)[0] >= 15),
    ),
  ],
  [
    'box–capsule penetrating a face',
    sample(
      24,
      4,
      (rng, i) =>
        capsuleOverBox(
          rng,
          horizontal(rng, 0.3),
          [uniform(rng, -0.4, 0.4), uniform(rng, -0.4, 0.4), uniform(rng, -4, -1.5)],
          i % 2 === 1,
        ),
      (c) => features(c).every((f) => f >= 3 && f < 15),
    ),
  ],
];
const CASES = new Map(GROUPS);

// ---- values ---------------------------------------------------------------------------------

describe('box contact geometry values', () => {
  for (const [name, cases] of CASES) {
    it(`${name}: the formulas give collidePair's dist, normal and point bitwise; the primitive forward too`, () => {
      for (const c of cases) expectValuesMatchNarrowphase(c);
    });
  }

  it('the samples cover both reference boxes, clipped points, edges, corners and every box–capsule feature kind', () => {
    const all = (name: string): number[] => CASES.get(name)!.flatMap(features);
    const boxBox = [
      ...all('box–box tilted face contact with clipped points'),
      ...all('box–box random poses (faces of A and B, edges, corners)'),
    ];
    expect(boxBox.some((f) => f < 48)).toBe(true); // A's face as reference
    expect(boxBox.some((f) => f >= 48 && f < 96)).toBe(true); // B's
    expect(all('box–box edge–edge crossing').length).toBeGreaterThan(0);
    expect(all('box–box face–face resting, slightly tilted').length).toBeGreaterThanOrEqual(3 * 4);
    const capsule = GROUPS.filter(([n]) => n.startsWith('box–capsule')).flatMap(([, cs]) => cs.flatMap(features));
    for (const kind of [
      [0, 0],
      [1, 2],
      [3, 14],
      [15, 17],
    ])
      expect(capsule.some((f) => f >= kind[0] && f <= kind[1])).toBe(true);
    // both body orders
    const swappedCases = GROUPS.flatMap(([, cs]) => cs).filter(
      (c) => c.input.geomType[c.contacts.bodyA[0]] === ShapeType.capsule,
    );
    expect(swappedCases.length).toBeGreaterThan(0);
  });
});

// ---- gradients ------------------------------------------------------------------------------

describe('box contact geometry gradients', () => {
  for (const [name, cases] of CASES) {
    it(`${name}: primitive gradient = central differences of collidePair, every input`, () => {
      const rng = seededRng(77);
      for (const c of cases) expectGradientMatchesNarrowphase(c, rng);
    });

    it(`${name}: forward mode equals reverse mode`, () => {
      expectForwardEqualsReverse(cases[0]);
    });
  }
});

// ---- exact rest, kinks --------------------------------------------------------------------------

describe('box contact geometry at switches', () => {
  /** Cube B (half 0.2) 1 mm into cube A's top face (half 0.5), yawed about z; A unrotated. */
  function resting(yaw: number, shift: Vec): Case {
    const hA = [0.5, 0.5, 0.5, 0],
      hB = [0.2, 0.2, 0.2, 0];
    const qB = axisAngle([0, 0, 1], yaw);
    return makeCase(
      [ShapeType.box, ShapeType.box],
      [hA, hB],
      [
        [0, 0, 0, 1, 0, 0, 0],
        [shift[0], shift[1], 0.699 + shift[2], ...qB],
      ],
      false,
    );
  }

  it('exact face–face rest: 4 corner contacts 1 mm deep with normal +z, an exact SAT tie reported, position and size gradients exact', () => {
    const c = resting(0.3, [0.05, -0.1, 0]);
    expect(features(c)).toEqual([40, 41, 42, 43]); // A's +z face (5), the four corners of B's bottom face
    const count = c.contacts.count;
    const values = contactGeometryValues(c.input, c.contacts, c.bodyQ, c.input.geomSize, new Float64Array(7 * count));
    for (let k = 0; k < count; k++) {
      const g = blockOf(values, count, k) as number[];
      expect(g[0]).toBeCloseTo(-0.001, 14);
      expect(g.slice(1, 4)).toEqual([0, 0, 1]);
    }
    // A's and B's face axes separate the boxes equally: the choice is at a tie
    const tie = kinksOf(c, 1e-9).filter((k) => k.label === 'lower/upper separating axis');
    expect(tie.length).toBeGreaterThan(0);
    // translations and sizes keep the faces parallel (and the tie, and A as reference):
    // the derivative there is the executed branch's, checked against the narrowphase
    const prim = contactGeometryPrimitive(c.input, c.contacts);
    const base = Array.from(contactGeometryInputs(c.bodyQ, c.input.geomSize));
    const free = [
      7,
      8,
      9,
      14,
      15,
      16,
      7 * NBODY + 4,
      7 * NBODY + 5,
      7 * NBODY + 6,
      7 * NBODY + 8,
      7 * NBODY + 9,
      7 * NBODY + 10,
    ];
    const weights = Array.from({ length: 7 * count }, (_, i) => Math.cos(1 + i));
    // the narrowphase side must find the same four features, in order
    const f = restrictTo(narrowphaseLoss(c, weights, true), base, free);
    const r = gradcheck(
      f,
      free.map((j) => base[j]),
      { steps: FD_STEPS, atol: 1e-7, rtol: 1e-6 },
    );
    expect(r.ok).toBe(true);
    // closed form: dist = zB − hBz − (zA + hAz), so ∂dist/∂zB = 1, ∂dist/∂zA = −1, ∂dist/∂h = −1
    const row = jacrev(prim, base)[0];
    expect(row[16]).toBeCloseTo(1, 14);
    expect(row[9]).toBeCloseTo(-1, 14);
    expect(row[7 * NBODY + 4 + 2]).toBeCloseTo(-1, 14);
    expect(row[7 * NBODY + 8 + 2]).toBeCloseTo(-1, 14);
  });

  it("a corner of B 1 mm inside the rim of A’s face reports a `face clip` kink of 1 mm (less the clip plane's tolerance band)", () => {
    // unyawed B shifted so its +x face is 1 mm inside A's +x side: its +x corners are 1 mm
    // from the rim; the decision flips where they enter the band of CLIP_PLANE_TOLERANCE around it
    const c = resting(0, [0.5 - 0.2 - 0.001, 0, 0]);
    const clip = kinksOf(c, 2e-3).filter((k) => k.label === 'lower/upper face clip');
    expect(clip.length).toBeGreaterThan(0);
    expect(Math.min(...clip.map((k) => k.margin))).toBeCloseTo(0.001 - CLIP_PLANE_TOLERANCE, 12);
  });

  it('a clipped point moves with the intersection of the incident edge and the side plane (closed form)', () => {
    // B (half 0.2) overhangs A's +x side by 0.1 m, pitched by θ about y (its +x end up, so
    // A's face stays the reference): B's bottom edges along its x axis cross the plane x = 0.5
    const theta = -0.05;
    const hA = [0.5, 0.5, 0.5, 0],
      hB = [0.2, 0.2, 0.2, 0];
    const qB = axisAngle([0, 1, 0], theta);
    const centre: Vec = [0.4, 0, 0.5 + 0.2 / Math.cos(theta) - 0.01];
    const c = makeCase(
      [ShapeType.box, ShapeType.box],
      [hA, hB],
      [
        [0, 0, 0, 1, 0, 0, 0],
        [...centre, ...qB],
      ],
      false,
    );
    const count = c.contacts.count;
    const values = contactGeometryValues(c.input, c.contacts, c.bodyQ, c.input.geomSize, new Float64Array(7 * count));
    const cut = [...Array(count).keys()].filter(
      (k) => Math.abs((blockOf(values, count, k)[4] as number) - 0.5) < 1e-12,
    );
    expect(cut.length).toBe(2);
    // the bottom face of B: points p with (p − centre)·n_B = −0.2, n_B = (sin θ, 0, cos θ);
    // on x = 0.5 its height is z = centre_z − (0.2 + (0.5 − centre_x) sin θ)/cos θ, and the
    // contact point is the surface point (on A: z = 0.5) moved dist/2 along +z
    const zCut = centre[2] - (0.2 + (0.5 - centre[0]) * Math.sin(theta)) / Math.cos(theta);
    const prim = contactGeometryPrimitive(c.input, c.contacts);
    const x = Array.from(contactGeometryInputs(c.bodyQ, c.input.geomSize));
    const jac = jacrev(prim, x);
    for (const k of cut) {
      expect(values[k]).toBeCloseTo(zCut - 0.5, 12);
      // ∂dist/∂centre_x = sin θ / cos θ (the cut slides along the tilted edge), ∂dist/∂centre_z = 1
      expect(jac[k][14]).toBeCloseTo(Math.tan(theta), 12);
      expect(jac[k][16]).toBeCloseTo(1, 12);
      // ∂dist/∂hA_x: moving the side plane outward moves the cut along the edge, dz/dx = −tan θ
      expect(jac[k][7 * NBODY + 4]).toBeCloseTo(-Math.tan(theta), 12);
    }
  });
});
