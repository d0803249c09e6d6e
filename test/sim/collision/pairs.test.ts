// Narrowphase, one closed-form case at a time: each expected distance, normal and
// contact point below is derived by hand from the geometry (stated in the comments), not
// taken from a run of the code.
import { describe, expect, it } from 'vitest';
import { createContacts } from '../../../sim/collision/contacts.ts';
import { collidePair, collideTable } from '../../../sim/collision/dispatch.ts';
import { collideSphereBox } from '../../../sim/collision/sphere.ts';
import { collidePlaneBox } from '../../../sim/collision/plane.ts';
import { ShapeType } from '../../../sim/shapes.ts';
import {
  axisAngle,
  makeScene,
  readContacts,
  rotate,
  unit,
  type ContactView,
  type ShapeSpec,
  type V3,
} from './fixtures.ts';

const TOL = 1e-12;
const MARGIN = 0.01; // m

/** Contacts of bodies 0 and 1 of a two-body scene, in that order. */
function contactsOf(a: ShapeSpec, b: ShapeSpec, margin = MARGIN): ContactView[] {
  const { input, bodyQ } = makeScene([a, b]);
  const out = createContacts(16);
  collidePair(input, bodyQ, 0, 1, margin, out);
  return readContacts(out);
}

function expectVec(actual: readonly number[], expected: readonly number[], tol = TOL): void {
  for (let k = 0; k < 3; k++) expect(Math.abs(actual[k] - expected[k])).toBeLessThanOrEqual(tol);
}

/** Each expected point matches exactly one contact point (order-free). */
function expectPoints(contacts: ContactView[], expected: readonly V3[], tol = TOL): void {
  expect(contacts.length).toBe(expected.length);
  const unused = new Set(contacts.map((_, i) => i));
  for (const p of expected) {
    const match = [...unused].find((i) => contacts[i].point.every((x, k) => Math.abs(x - p[k]) <= tol));
    expect(match, `no contact at ${p.join(', ')}`).toBeDefined();
    unused.delete(match as number);
  }
}

const ground: ShapeSpec = { type: 'plane', size: [0, 0, 1, 0] };

describe('dispatch table', () => {
  it('is upper triangular over ShapeType codes, with a function for every pair but plane–plane', () => {
    const codes = [ShapeType.plane, ShapeType.sphere, ShapeType.box, ShapeType.capsule];
    for (const a of codes) {
      for (const b of codes) {
        const entry = collideTable[a][b];
        if (a > b || (a === ShapeType.plane && b === ShapeType.plane)) expect(entry).toBeNull();
        else expect(typeof entry).toBe('function');
      }
    }
    expect(collideTable[ShapeType.sphere][ShapeType.box]).toBe(collideSphereBox);
    expect(collideTable[ShapeType.plane][ShapeType.box]).toBe(collidePlaneBox);
  });

  it('swaps a pair below the diagonal and flips its normals', () => {
    const ball: ShapeSpec = { type: 'sphere', size: [0.5], position: [0, 0, 0.49] };
    const [forward] = contactsOf(ground, ball);
    const [backward] = contactsOf(ball, ground);
    expect([backward.a, backward.b]).toEqual([0, 1]);
    expectVec(backward.normal, [0, 0, -1]);
    expectVec(forward.normal, [0, 0, 1]);
    expect(backward.dist).toBe(forward.dist);
    expectVec(backward.point, forward.point);
  });

  it('counts contacts that do not fit in the buffer', () => {
    const { input, bodyQ } = makeScene([ground, { type: 'box', size: [0.5, 0.5, 0.5], position: [0, 0, 0.5] }]);
    const out = createContacts(2);
    expect(collidePair(input, bodyQ, 0, 1, MARGIN, out)).toBe(2);
    expect(out.count).toBe(2);
    expect(out.dropped).toBe(2);
  });
});

describe('sphere–sphere', () => {
  // centres 1.3 m apart along (1, 2, 2)/3, radii 0.5 and 0.7: gap 1.3 − 1.2 = 0.1
  const c1: V3 = [0.1, 0.2, 0.3];
  const u: V3 = [1 / 3, 2 / 3, 2 / 3];
  const at = (d: number): V3 => [c1[0] + d * u[0], c1[1] + d * u[1], c1[2] + d * u[2]];
  const a: ShapeSpec = { type: 'sphere', size: [0.5], position: c1 };

  it('gives dist = |c2 − c1| − r1 − r2 along the line of centres, inside the margin', () => {
    const [c] = contactsOf(a, { type: 'sphere', size: [0.7], position: at(1.3) }, 0.2);
    expect(c.dist).toBeCloseTo(0.1, 14);
    expectVec(c.normal, u);
    // midpoint of the surface points at 0.5 and 1.3 − 0.7 = 0.6 along u
    expectVec(c.point, at(0.55), 1e-15);
  });

  it('gives dist < 0 for overlap, and nothing beyond the margin', () => {
    const [c] = contactsOf(a, { type: 'sphere', size: [0.7], position: at(1.0) });
    expect(c.dist).toBeCloseTo(-0.2, 14);
    expect(contactsOf(a, { type: 'sphere', size: [0.7], position: at(1.3) }, 0.09)).toEqual([]);
  });
});

describe('plane–sphere', () => {
  it('rests on the ground: dist = z − r, normal up, point on the ground below the centre', () => {
    const [c] = contactsOf(ground, { type: 'sphere', size: [0.5], position: [0.3, -0.2, 0.48] });
    expect(c.dist).toBeCloseTo(-0.02, 14);
    expectVec(c.normal, [0, 0, 1]);
    expectVec(c.point, [0.3, -0.2, -0.01], 1e-15);
  });

  it('on a tilted plane: dist = n·c − offset − r', () => {
    const n = unit([1, 1, 1]);
    const centre: V3 = [0.4, 0.5, 0.6]; // n·c = 1.5/√3
    const [c] = contactsOf({ type: 'plane', size: [1, 1, 1, 0.3] }, { type: 'sphere', size: [0.56], position: centre });
    expect(c.dist).toBeCloseTo(1.5 / Math.sqrt(3) - 0.3 - 0.56, 14);
    expectVec(c.normal, n, 1e-15);
  });
});

describe('plane–box', () => {
  const half: V3 = [0.5, 0.3, 0.2];
  const yaw = 0.3; // rad about z: the bottom face stays horizontal

  it('a box resting on a face gives its 4 bottom corners, dist = −penetration', () => {
    const contacts = contactsOf(ground, {
      type: 'box',
      size: half,
      position: [1, 2, 0.19],
      quat: axisAngle([0, 0, 1], yaw),
    });
    const cos = Math.cos(yaw),
      sin = Math.sin(yaw);
    const corners: V3[] = [];
    for (const sx of [-1, 1]) {
      for (const sy of [-1, 1]) {
        const x = sx * half[0],
          y = sy * half[1];
        // bottom corner at z = 0.19 − 0.2 = −0.01; midpoint to the ground at z = −0.005
        corners.push([1 + cos * x - sin * y, 2 + sin * x + cos * y, -0.005]);
      }
    }
    expectPoints(contacts, corners, 1e-15);
    for (const c of contacts) {
      expect(c.dist).toBeCloseTo(-0.01, 14);
      expectVec(c.normal, [0, 0, 1]);
    }
  });

  it('a tilted box touches with its lowest edge: 2 corners', () => {
    // tilt θ about y: the corners at x = +hx, z = −hz drop to z − hx sin θ − hz cos θ
    const theta = 0.2;
    const z = 0.5 * Math.sin(theta) + 0.2 * Math.cos(theta) - 0.003;
    const contacts = contactsOf(ground, {
      type: 'box',
      size: half,
      position: [0, 0, z],
      quat: axisAngle([0, 1, 0], theta),
    });
    expect(contacts.length).toBe(2);
    for (const c of contacts) expect(c.dist).toBeCloseTo(-0.003, 14);
  });
});

describe('plane–capsule', () => {
  // axis along x (90° about y), r = 0.1, halfLength 0.5
  const lying = axisAngle([0, 1, 0], Math.PI / 2);

  it('a capsule lying on the plane gives 2 contacts, one under each end cap', () => {
    const contacts = contactsOf(ground, { type: 'capsule', size: [0.1, 0.5], position: [0, 0, 0.097], quat: lying });
    expectPoints(
      contacts,
      [
        [-0.5, 0, -0.0015],
        [0.5, 0, -0.0015],
      ],
      1e-15,
    );
    for (const c of contacts) expect(c.dist).toBeCloseTo(-0.003, 14);
  });

  it('a capsule standing up gives 1 contact under its lower cap', () => {
    const contacts = contactsOf(ground, { type: 'capsule', size: [0.1, 0.5], position: [0, 0, 0.6] });
    expect(contacts.length).toBe(1);
    expect(contacts[0].dist).toBeCloseTo(0, 14);
  });
});

describe('box–box', () => {
  it('a box stacked face to face gives 4 contacts at its bottom corners, normal up, dist −penetration', () => {
    // lower box top at z = 0.5; upper box (hz 0.25) centred at 0.73 sinks 0.02 into it;
    // its bottom face (turned 0.5 rad) lies wholly inside the lower top face
    const lower: ShapeSpec = { type: 'box', size: [1, 1, 0.5] };
    const yaw = 0.5;
    const upper: ShapeSpec = {
      type: 'box',
      size: [0.4, 0.3, 0.25],
      position: [0.1, -0.2, 0.73],
      quat: axisAngle([0, 0, 1], yaw),
    };
    const corners: V3[] = [];
    for (const sx of [-1, 1]) {
      for (const sy of [-1, 1]) {
        const x = sx * 0.4,
          y = sy * 0.3;
        corners.push([0.1 + Math.cos(yaw) * x - Math.sin(yaw) * y, -0.2 + Math.sin(yaw) * x + Math.cos(yaw) * y, 0.49]);
      }
    }
    for (const [a, b, n] of [
      [lower, upper, 1],
      [upper, lower, -1],
    ] as const) {
      const contacts = contactsOf(a, b);
      expectPoints(contacts, corners, 1e-14);
      for (const c of contacts) {
        expect(c.dist).toBeCloseTo(-0.02, 14);
        expectVec(c.normal, [0, 0, n], 1e-15);
      }
    }
  });

  it('equal boxes side by side and offset: the 4 corners of the overlap rectangle', () => {
    const a: ShapeSpec = { type: 'box', size: [0.5, 0.5, 0.5] };
    const b: ShapeSpec = { type: 'box', size: [0.5, 0.5, 0.5], position: [0.3, 0.2, 1.005] };
    const contacts = contactsOf(a, b);
    // faces overlap in x ∈ [−0.2, 0.5], y ∈ [−0.3, 0.5]; gap 0.005, midpoint z 0.5025
    expectPoints(
      contacts,
      [
        [-0.2, -0.3, 0.5025],
        [0.5, -0.3, 0.5025],
        [-0.2, 0.5, 0.5025],
        [0.5, 0.5, 0.5025],
      ],
      1e-14,
    );
    for (const c of contacts) expect(c.dist).toBeCloseTo(0.005, 14);
  });

  describe('rotated boxes meeting edge to edge', () => {
    // unit cubes (half 0.5): A turned 45° about y has a top edge along y at z = √2/2;
    // B turned 45° about x has a bottom edge along x at its centre height − √2/2. With B
    // centred at z = √2 + g, the edges cross at right angles and are exactly g apart,
    // nearest at (0, 0, √2/2) and (0, 0, √2/2 + g).
    const a: ShapeSpec = { type: 'box', size: [0.5, 0.5, 0.5], quat: axisAngle([0, 1, 0], Math.PI / 4) };
    const b = (g: number): ShapeSpec => ({
      type: 'box',
      size: [0.5, 0.5, 0.5],
      position: [0, 0, Math.SQRT2 + g],
      quat: axisAngle([1, 0, 0], Math.PI / 4),
    });

    it('within the margin: one contact, dist = the gap, normal along the common perpendicular', () => {
      for (const g of [0.005, -0.02]) {
        const contacts = contactsOf(a, b(g));
        expect(contacts.length).toBe(1);
        expect(contacts[0].dist).toBeCloseTo(g, 14);
        expectVec(contacts[0].normal, [0, 0, 1], 1e-14);
        expectVec(contacts[0].point, [0, 0, Math.SQRT1_2 + g / 2], 1e-14);
      }
    });

    it('separated by more than the margin: no contacts (a separating axis exists)', () => {
      expect(contactsOf(a, b(0.02))).toEqual([]);
    });
  });

  describe('equal cubes in a grid, touching along an edge or at a corner: only the points that give support', () => {
    // half 0.25: the cube at (0.5, 0.5, 0) touches A along A's vertical edge x = y = 0.25,
    // z ∈ [−0.25, 0.25] (the clip is a sliver of zero width: its 4 points are 2 pairs of
    // coincident ones); the cube at (0.5, 0.5, 0.5) touches A at its corner (0.25, 0.25, 0.25)
    const cube = (position: V3, yaw = 0): ShapeSpec => ({
      type: 'box',
      size: [0.25, 0.25, 0.25],
      position,
      quat: axisAngle([0, 0, 1], yaw),
    });
    const a = cube([0, 0, 0]);

    it('an edge: its 2 ends, dist 0', () => {
      const contacts = contactsOf(a, cube([0.5, 0.5, 0]));
      expectPoints(
        contacts,
        [
          [0.25, 0.25, -0.25],
          [0.25, 0.25, 0.25],
        ],
        1e-14,
      );
      for (const c of contacts) expect(c.dist).toBeCloseTo(0, 14);
    });

    it('a corner: 1 contact there', () => {
      expectPoints(contactsOf(a, cube([0.5, 0.5, 0.5])), [[0.25, 0.25, 0.25]], 1e-14);
    });

    it('the same a rounding error apart (a 1e-12 rad turn, 1e-12 m shifts): still 2 and 1', () => {
      expect(contactsOf(a, cube([0.5, 0.5 + 1e-12, 1e-12], 1e-12)).length).toBe(2);
      expect(contactsOf(a, cube([0.5 - 1e-12, 0.5, 0.5], 1e-12)).length).toBe(1);
    });

    it('a face overlap wider than the merge distance keeps its 4 corners, a narrower one gives 2', () => {
      // merge distance 1e-3 × 0.25 m = 0.25 mm; B overlaps A's +x face in a strip
      // y ∈ [0.249, 0.25] (1 mm wide: 4 corners) or y ∈ [0.2499, 0.25] (0.1 mm: a line, 2)
      expect(contactsOf(a, cube([0.5, 0.499, 0])).length).toBe(4);
      expect(contactsOf(a, cube([0.5, 0.4999, 0])).length).toBe(2);
    });

    it('a cube turned 45° on top still meets the face in an octagon: 8 contacts', () => {
      expect(contactsOf(a, cube([0, 0, 0.5], Math.PI / 4)).length).toBe(8);
    });
  });

  it('boxes separated along a face normal by more than the margin: no contacts', () => {
    const a: ShapeSpec = { type: 'box', size: [0.5, 0.4, 0.3], quat: axisAngle([1, 2, 3], 0.7) };
    // B, a cube of half 0.3 turned like A, centred 1 m along A's x axis: gap 1 − 0.5 − 0.3 = 0.2
    const ax = rotate(axisAngle([1, 2, 3], 0.7), [1, 0, 0]);
    const b: ShapeSpec = {
      type: 'box',
      size: [0.3, 0.3, 0.3],
      position: [ax[0], ax[1], ax[2]],
      quat: axisAngle([1, 2, 3], 0.7),
    };
    expect(contactsOf(a, b, 0.1)).toEqual([]);
    // the same pair with a margin wider than the 0.2 m gap: a face manifold at dist 0.2
    const wide = contactsOf(a, b, 0.25);
    expect(wide.length).toBe(4);
    for (const c of wide) expect(c.dist).toBeCloseTo(0.2, 13);
  });
});

describe('capsule–capsule', () => {
  const alongX = axisAngle([0, 1, 0], Math.PI / 2);
  const alongY = axisAngle([1, 0, 0], Math.PI / 2);

  it('parallel: dist = axis separation − r1 − r2, at the middle of the overlap', () => {
    // A: x ∈ [−0.5, 0.5]; B: x ∈ [−0.2, 0.6], 0.25 above; overlap [−0.2, 0.5], middle 0.15
    const a: ShapeSpec = { type: 'capsule', size: [0.1, 0.5], quat: alongX };
    const b: ShapeSpec = { type: 'capsule', size: [0.12, 0.4], position: [0.2, 0, 0.25], quat: alongX };
    for (const [first, second, n] of [
      [a, b, 1],
      [b, a, -1],
    ] as const) {
      const [c] = contactsOf(first, second, 0.05);
      expect(c.dist).toBeCloseTo(0.03, 14);
      expectVec(c.normal, [0, 0, n], 1e-15);
      // surfaces at z = 0.1 and z = 0.13
      expectVec(c.point, [0.15, 0, 0.115], 1e-15);
    }
  });

  it('crossing: dist = distance between the axes − r1 − r2, at the crossing', () => {
    const a: ShapeSpec = { type: 'capsule', size: [0.1, 0.5], position: [0, 0, 0], quat: alongX };
    const b: ShapeSpec = { type: 'capsule', size: [0.12, 0.4], position: [0.1, 0.2, 0.3], quat: alongY };
    const [c] = contactsOf(a, b, 0.1);
    expect(c.dist).toBeCloseTo(0.08, 14);
    expectVec(c.normal, [0, 0, 1], 1e-15);
    expectVec(c.point, [0.1, 0, 0.14], 1e-15);
  });

  it('skew, nearest at an end: the end of B against the axis of A', () => {
    // B along y from y = 0.3 to 1.1, above x = 0.2 at height 0.3: its lower end (0.2, 0.3,
    // 0.3) is nearest to A's axis point (0.2, 0, 0): distance √(0.09 + 0.09)
    const a: ShapeSpec = { type: 'capsule', size: [0.1, 0.5], quat: alongX };
    const b: ShapeSpec = { type: 'capsule', size: [0.05, 0.4], position: [0.2, 0.7, 0.3], quat: alongY };
    const [c] = contactsOf(a, b, 1);
    expect(c.dist).toBeCloseTo(Math.sqrt(0.18) - 0.15, 14);
    expectVec(c.normal, unit([0, 0.3, 0.3]), 1e-15);
  });
});

describe('sphere–box', () => {
  const q = axisAngle([0.3, -1, 0.5], 0.9);
  const box: ShapeSpec = { type: 'box', size: [0.5, 0.4, 0.3], position: [1, -1, 2], quat: q };
  const toWorld = (local: V3): V3 => {
    const r = rotate(q, local);
    return [1 + r[0], -1 + r[1], 2 + r[2]];
  };

  it('centre outside: dist = distance to the box − r, normal toward the closest point', () => {
    // local centre (0.9, 0.1, 0.5): closest box point (0.5, 0.1, 0.3), offset (0.4, 0, 0.2)
    const r = 0.3;
    const [c] = contactsOf({ type: 'sphere', size: [r], position: toWorld([0.9, 0.1, 0.5]) }, box, 0.2);
    expect(c.dist).toBeCloseTo(Math.sqrt(0.2) - r, 14);
    expectVec(c.normal, rotate(q, unit([-0.4, 0, -0.2])), 1e-14);
  });

  it('centre inside: pushed out through the nearest face, dist = −(depth to it) − r', () => {
    // local centre (0.3, 0.1, 0.05): faces +x 0.2 away, +y 0.3, +z 0.25: the +x face
    const [c] = contactsOf({ type: 'sphere', size: [0.2], position: toWorld([0.3, 0.1, 0.05]) }, box);
    expect(c.dist).toBeCloseTo(-0.4, 14);
    expectVec(c.normal, rotate(q, [-1, 0, 0]), 1e-14);
    // surface points: the sphere's at local x = 0.1, the face's at x = 0.5; midpoint x = 0.3
    expectVec(c.point, toWorld([0.3, 0.1, 0.05]), 1e-14);
  });
});

describe('sphere–capsule', () => {
  it('dist = distance from the centre to the axis segment − r1 − r2', () => {
    // capsule along z from −0.5 to 0.5; sphere centre (0.3, 0.4, 0.7): nearest axis point the top end
    const [c] = contactsOf(
      { type: 'sphere', size: [0.2], position: [0.3, 0.4, 0.7] },
      { type: 'capsule', size: [0.1, 0.5] },
      1,
    );
    expect(c.dist).toBeCloseTo(Math.sqrt(0.09 + 0.16 + 0.04) - 0.3, 14);
    expectVec(c.normal, unit([-0.3, -0.4, -0.2]), 1e-15);
  });
});

describe('box–capsule', () => {
  const alongX = axisAngle([0, 1, 0], Math.PI / 2);
  const slab: ShapeSpec = { type: 'box', size: [1, 1, 0.5] };

  it('a capsule lying flat on a face gives 2 contacts, under its two ends', () => {
    const contacts = contactsOf(slab, { type: 'capsule', size: [0.1, 0.3], position: [0.2, 0.1, 0.596], quat: alongX });
    // axis at z = 0.596, surface 0.004 below the face; midpoint z = 0.5 − 0.002
    expectPoints(
      contacts,
      [
        [-0.1, 0.1, 0.498],
        [0.5, 0.1, 0.498],
      ],
      1e-15,
    );
    for (const c of contacts) {
      expect(c.dist).toBeCloseTo(-0.004, 14);
      expectVec(c.normal, [0, 0, 1]);
    }
  });

  it('a capsule overhanging the face: the contacts stop at the face edge', () => {
    // axis x ∈ [0.7, 1.3] lies over the face only for x ≤ 1
    const contacts = contactsOf(slab, { type: 'capsule', size: [0.1, 0.3], position: [1, 0, 0.6], quat: alongX });
    expectPoints(
      contacts,
      [
        [0.7, 0, 0.5],
        [1, 0, 0.5],
      ],
      1e-15,
    );
  });

  it('alongside a vertical edge: 2 contacts at its ends, dist = distance from the axis to the edge − r', () => {
    // cube half 0.5; vertical capsule (z ∈ [−0.3, 0.3]) at x = 0.7, y = 0.8: every axis
    // point is √0.13 from the edge (0.5, 0.5, z); contacts at the two ends of the stretch
    const contacts = contactsOf(
      { type: 'box', size: [0.5, 0.5, 0.5] },
      { type: 'capsule', size: [0.2, 0.3], position: [0.7, 0.8, 0] },
      0.5,
    );
    const dist = Math.sqrt(0.13) - 0.2;
    const n = unit([0.2, 0.3, 0]);
    const mid = (z: number): V3 => [0.5 + (dist / 2) * n[0], 0.5 + (dist / 2) * n[1], z];
    expectPoints(contacts, [mid(-0.3), mid(0.3)], 1e-15);
    for (const c of contacts) {
      expect(c.dist).toBeCloseTo(dist, 14);
      expectVec(c.normal, n, 1e-15);
    }
  });

  it('across a box edge: one contact at the edge, dist = distance from the axis to the edge − r', () => {
    // axis along (1, 0, −1)/√2 through (0.5, 0, 0.5) + d (1, 0, 1)/√2: perpendicular to the
    // top edge along y at x = z = 0.5 and d from it; its ends are farther from the box
    const d = 0.15;
    const contacts = contactsOf(
      { type: 'box', size: [0.5, 0.5, 0.5] },
      {
        type: 'capsule',
        size: [0.1, 0.3],
        position: [0.5 + d * Math.SQRT1_2, 0, 0.5 + d * Math.SQRT1_2],
        quat: axisAngle([0, 1, 0], (3 * Math.PI) / 4),
      },
      0.1,
    );
    expect(contacts.length).toBe(1);
    expect(contacts[0].dist).toBeCloseTo(d - 0.1, 14);
    expectVec(contacts[0].normal, unit([1, 0, 1]), 1e-15);
    expectVec(contacts[0].point, [0.5 + 0.025 * Math.SQRT1_2, 0, 0.5 + 0.025 * Math.SQRT1_2], 1e-15);
  });

  it('tilted above a face: the lower end only, dist = its height above the face − r', () => {
    // axis from (0.1, 0, 0.65) to (0.5, 0, 0.95) (tilted 36.87° up): lower end 0.15 above the face
    const tilt = axisAngle([0, 1, 0], Math.atan2(0.4, 0.3));
    const contacts = contactsOf(slab, { type: 'capsule', size: [0.1, 0.25], position: [0.3, 0, 0.8], quat: tilt }, 0.1);
    expect(contacts.length).toBe(1);
    expect(contacts[0].dist).toBeCloseTo(0.05, 14);
  });

  it('axis through the box: the least-overlap face, one contact per end', () => {
    // box half (0.5, 0.6, 0.7); axis x ∈ [−0.2, 0.2] at y 0.1, z 0.3: overlaps x 0.7, y 0.5, z 0.4
    const contacts = contactsOf(
      { type: 'box', size: [0.5, 0.6, 0.7] },
      { type: 'capsule', size: [0.05, 0.2], position: [0, 0.1, 0.3], quat: alongX },
    );
    expect(contacts.length).toBe(2);
    for (const c of contacts) {
      expect(c.dist).toBeCloseTo(-0.4 - 0.05, 14);
      expectVec(c.normal, [0, 0, 1]);
    }
  });

  it('axis cutting a box edge: the edge axis, dist = −√2·δ − r', () => {
    // axis along (1, −1, 0) through (0.5 − δ, 0.5 − δ, 0): it passes δ√2 inside the
    // vertical edge at (0.5, 0.5); the face overlaps are ≥ 0.21, larger
    const delta = 0.01;
    const contacts = contactsOf(
      { type: 'box', size: [0.5, 0.5, 0.5] },
      {
        type: 'capsule',
        size: [0.05, 0.3],
        position: [0.5 - delta, 0.5 - delta, 0],
        quat: axisAngle(unit([1, 1, 0]), Math.PI / 2),
      },
    );
    expect(contacts.length).toBe(1);
    expect(contacts[0].dist).toBeCloseTo(-Math.SQRT2 * delta - 0.05, 14);
    expectVec(contacts[0].normal, unit([1, 1, 0]), 1e-14);
  });
});
