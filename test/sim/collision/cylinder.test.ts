// The cylinder, the shape added through the pair table (sim/pairs/plane-cylinder.ts,
// sphere-cylinder.ts). Truth from outside the narrowphase:
// - plane–cylinder: the deepest point of a cylinder below a plane by its support function
//   in closed form, h(−n) = −n·c + h_z|n·a| + r√(1 − (n·a)²), and by brute force over
//   3,600 rim points per cap; every contact point lies on a rim circle;
// - sphere–cylinder: the cylinder's signed distance function written here from its
//   definition (radial and axial slabs, as for a box), dist = sdf(c_s) − r_s, and the
//   contact's surface point on the cylinder lies on its surface (sdf = 0);
// - physics in hard mode: a solid cylinder launched sliding without spin on its side rolls
//   without slipping at v₀/(1 + I/(m r²)) = 2v₀/3; one standing on its cap stays put;
// - the builder refuses a scene where a cylinder may touch a shape without a pair row.
// (The feature formulas' values, gradients against central differences of this
// narrowphase and forward-vs-reverse mode run with every other pair in contact-geometry.test.ts.)
import { describe, expect, it } from 'vitest';
import { seededRng, type Rng } from '../../../ad/random.ts';
import { buildModel, initialState } from '../../../sim/builder.ts';
import { bodyAabb } from '../../../sim/collision/broadphase.ts';
import { createContacts } from '../../../sim/collision/contacts.ts';
import { collidePair } from '../../../sim/collision/dispatch.ts';
import type { CollisionInput } from '../../../sim/collision/types.ts';
import { SceneError } from '../../../sim/errors.ts';
import { createHardStepData, hardStep } from '../../../sim/hard/step.ts';
import { FLAT_CAP_TILT } from '../../../sim/pairs/plane-cylinder.ts';
import { parseScene } from '../../../sim/scene.ts';
import { ShapeType } from '../../../sim/shapes.ts';
import { inverseRotate, normalizeQuat, rotate, type V3 } from './fixtures.ts';

const dot = (a: readonly number[], b: readonly number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const sub = (a: readonly number[], b: readonly number[]): V3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const uniform = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng.uniform();

function randomUnit(rng: Rng): V3 {
  const v: V3 = [rng.normal(), rng.normal(), rng.normal()];
  const n = Math.hypot(...v);
  return [v[0] / n, v[1] / n, v[2] / n];
}

/** Body 0 of type `typeA` with size `sizeA`, body 1 a cylinder (r, h) at `centre`, `quat`. */
function pairInput(
  typeA: number,
  sizeA: number[],
  centreA: V3,
  r: number,
  h: number,
  centre: V3,
  quat: number[],
): { input: CollisionInput; bodyQ: Float64Array } {
  const bodyQ = new Float64Array(14);
  bodyQ.set([...centreA, 1, 0, 0, 0], 0);
  bodyQ.set([...centre, ...normalizeQuat(quat)], 7);
  return {
    input: {
      nbody: 2,
      geomType: Uint8Array.of(typeA, ShapeType.cylinder),
      geomSize: Float64Array.from([...sizeA, r, h, 0, 0]),
      bodyStatic: Uint8Array.of(typeA === ShapeType.plane ? 1 : 0, 0),
    },
    bodyQ,
  };
}

/** Signed distance of world point p to the solid cylinder (r, h) at `centre`, `quat` (< 0 inside). */
function cylinderSdf(p: readonly number[], r: number, h: number, centre: V3, quat: number[]): number {
  const local = inverseRotate(normalizeQuat(quat), sub(p, centre));
  const radial = Math.hypot(local[0], local[1]) - r,
    axial = Math.abs(local[2]) - h;
  return Math.min(Math.max(radial, axial), 0) + Math.hypot(Math.max(radial, 0), Math.max(axial, 0));
}

describe('plane–cylinder narrowphase against independent geometry', () => {
  it('the deepest contact is the support point (closed form and 3,600 rim points per cap); every point is on a rim', () => {
    const rng = seededRng(4401);
    for (let trial = 0; trial < 200; trial++) {
      const n = randomUnit(rng),
        offset = uniform(rng, -0.2, 0.2);
      const r = uniform(rng, 0.05, 0.4),
        h = uniform(rng, 0.05, 0.6);
      const quat = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
      const height = uniform(rng, -0.1, 0.8);
      const centre: V3 = [uniform(rng, -1, 1), uniform(rng, -1, 1), uniform(rng, -1, 1)];
      const shift = height - (dot(n, centre) - offset);
      for (let k = 0; k < 3; k++) centre[k] += shift * n[k];
      const { input, bodyQ } = pairInput(ShapeType.plane, [...n, offset], [0, 0, 0], r, h, centre, quat);
      const contacts = createContacts(16);
      collidePair(input, bodyQ, 0, 1, Infinity, contacts);
      const axis = rotate(normalizeQuat(quat), [0, 0, 1]);
      const na = dot(n, axis);
      const closedForm = dot(n, centre) - offset - h * Math.abs(na) - r * Math.sqrt(Math.max(0, 1 - na * na));
      let bruteForce = Infinity;
      for (const z of [-h, h]) {
        for (let j = 0; j < 3600; j++) {
          const t = (2 * Math.PI * j) / 3600;
          const p = rotate(normalizeQuat(quat), [r * Math.cos(t), r * Math.sin(t), z]);
          bruteForce = Math.min(bruteForce, dot(n, [centre[0] + p[0], centre[1] + p[1], centre[2] + p[2]]) - offset);
        }
      }
      let deepest = Infinity;
      for (let k = 0; k < contacts.count; k++) {
        const dist = contacts.dist[k];
        deepest = Math.min(deepest, dist);
        expect(Array.from(contacts.normal.subarray(3 * k, 3 * k + 3))).toEqual(n);
        // the surface point on the cylinder: on a rim circle (|z| = h, ρ = r)
        const onB = [0, 1, 2].map((i) => contacts.point[3 * k + i] + 0.5 * dist * n[i]);
        const local = inverseRotate(normalizeQuat(quat), sub(onB, centre));
        expect(Math.abs(Math.abs(local[2]) - h)).toBeLessThan(1e-12);
        expect(Math.abs(Math.hypot(local[0], local[1]) - r)).toBeLessThan(1e-12);
        // and its distance is the plane's distance of that point
        expect(Math.abs(dot(n, onB) - offset - dist)).toBeLessThan(1e-12);
      }
      const tilt = Math.sqrt(Math.max(0, 1 - na * na));
      // upright within FLAT_CAP_TILT, the tripod is up to r·tilt·(1 − cos 60°)… above the support point
      const slack = tilt > FLAT_CAP_TILT ? 1e-12 : r * tilt;
      expect(Math.abs(deepest - closedForm)).toBeLessThanOrEqual(slack);
      expect(Math.abs(bruteForce - closedForm)).toBeLessThan(r * (1 - Math.cos(Math.PI / 3600)) + 1e-12);
    }
  });

  it('standing upright: the bottom tripod at the cap, no deepest-point contact; lying flat: the two ends of the contact line', () => {
    const upright = pairInput(ShapeType.plane, [0, 0, 1, 0], [0, 0, 0], 0.1, 0.2, [0, 0, 0.2 - 1e-4], [1, 0, 0, 0]);
    const c = createContacts(16);
    collidePair(upright.input, upright.bodyQ, 0, 1, 0.01, c);
    expect(Array.from(c.pair.subarray(0, c.count)).sort()).toEqual([2, 3, 4]);
    for (let k = 0; k < c.count; k++) expect(c.dist[k]).toBeCloseTo(-1e-4, 12);
    const lying = pairInput(
      ShapeType.plane,
      [0, 0, 1, 0],
      [0, 0, 0],
      0.1,
      0.2,
      [0, 0, 0.1],
      [Math.SQRT1_2, Math.SQRT1_2, 0, 0],
    );
    collidePair(lying.input, lying.bodyQ, 0, 1, 0.01, c);
    const line = Array.from(c.pair.subarray(0, c.count)).filter((f) => f < 2);
    expect(line.sort()).toEqual([0, 1]);
    for (let k = 0; k < c.count; k++) if (c.pair[k] < 2) expect(Math.abs(c.dist[k])).toBeLessThan(1e-15);
  });
});

describe('cylinder bounding box (broadphase)', () => {
  it('is the tightest box of the rim circles: 3,600 rim points per cap reach each face and none leaves it', () => {
    const rng = seededRng(4403);
    for (let trial = 0; trial < 50; trial++) {
      const r = uniform(rng, 0.05, 0.4),
        h = uniform(rng, 0.05, 0.6);
      const quat = normalizeQuat([rng.normal(), rng.normal(), rng.normal(), rng.normal()]);
      const centre: V3 = [uniform(rng, -1, 1), uniform(rng, -1, 1), uniform(rng, -1, 1)];
      const { input, bodyQ } = pairInput(ShapeType.sphere, [0.1, 0, 0, 0], [10, 10, 10], r, h, centre, quat);
      const lower = new Float64Array(6),
        upper = new Float64Array(6);
      bodyAabb(input, bodyQ, 1, 0, lower, upper);
      const lo = [Infinity, Infinity, Infinity],
        hi = [-Infinity, -Infinity, -Infinity];
      for (const z of [-h, h]) {
        for (let j = 0; j < 3600; j++) {
          const t = (2 * Math.PI * j) / 3600;
          const p = rotate(quat, [r * Math.cos(t), r * Math.sin(t), z]);
          for (let k = 0; k < 3; k++) {
            lo[k] = Math.min(lo[k], centre[k] + p[k]);
            hi[k] = Math.max(hi[k], centre[k] + p[k]);
          }
        }
      }
      for (let k = 0; k < 3; k++) {
        expect(lower[3 + k]).toBeLessThanOrEqual(lo[k] + 1e-12);
        expect(upper[3 + k]).toBeGreaterThanOrEqual(hi[k] - 1e-12);
        expect(lo[k] - lower[3 + k]).toBeLessThan(r * (1 - Math.cos(Math.PI / 3600)) + 1e-12);
        expect(upper[3 + k] - hi[k]).toBeLessThan(r * (1 - Math.cos(Math.PI / 3600)) + 1e-12);
      }
    }
  });
});

describe('sphere–cylinder narrowphase against the cylinder signed distance function', () => {
  it('dist = sdf(centre) − radius; the surface point on the cylinder has sdf 0; the normal points from the sphere into the cylinder', () => {
    const rng = seededRng(4402);
    let inside = 0;
    for (let trial = 0; trial < 400; trial++) {
      const r = uniform(rng, 0.05, 0.4),
        h = uniform(rng, 0.05, 0.6),
        rs = uniform(rng, 0.05, 0.3);
      const quat = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
      const centre: V3 = [uniform(rng, -0.3, 0.3), uniform(rng, -0.3, 0.3), uniform(rng, -0.3, 0.3)];
      const spread = trial % 2 === 0 ? 0.3 : 1.2;
      const ball: V3 = [uniform(rng, -spread, spread), uniform(rng, -spread, spread), uniform(rng, -spread, spread)];
      const { input, bodyQ } = pairInput(ShapeType.sphere, [rs, 0, 0, 0], ball, r, h, centre, quat);
      const contacts = createContacts(4);
      collidePair(input, bodyQ, 0, 1, Infinity, contacts);
      expect(contacts.count).toBe(1);
      const sdf = cylinderSdf(ball, r, h, centre, quat);
      if (sdf < 0) inside++;
      const dist = contacts.dist[0];
      expect(Math.abs(dist - (sdf - rs))).toBeLessThan(1e-12);
      const n = Array.from(contacts.normal.subarray(0, 3));
      expect(Math.abs(Math.hypot(...n) - 1)).toBeLessThan(1e-12);
      const onB = [0, 1, 2].map((i) => contacts.point[i] + 0.5 * dist * n[i]);
      expect(Math.abs(cylinderSdf(onB, r, h, centre, quat))).toBeLessThan(1e-12);
      // the surface point on the cylinder is the sphere's centre moved by (dist + r_s) along n
      for (let i = 0; i < 3; i++) expect(Math.abs(onB[i] - (ball[i] + (dist + rs) * n[i]))).toBeLessThan(1e-12);
    }
    expect(inside).toBeGreaterThan(10);
  });
});

describe('cylinders in the simulator (hard mode)', () => {
  const ground = { name: 'ground', shape: { type: 'plane' } };

  it('a solid cylinder launched sliding on its side rolls without slipping at 2v₀/3', () => {
    const r = 0.1,
      v0 = 2;
    const scene = parseScene({
      dt: 0.001,
      steps: 1500,
      contact: { mode: 'hard', friction: 0.5, restitution: 0 },
      bodies: [
        ground,
        // axis along world y (body z turned by 90° about x); launched along x
        {
          name: 'can',
          shape: { type: 'cylinder', radius: r, halfLength: 0.15 },
          mass: 1,
          position: [0, 0, r],
          orientation: [Math.SQRT1_2, Math.SQRT1_2, 0, 0],
          linearVelocity: [v0, 0, 0],
        },
      ],
    });
    const model = buildModel(scene);
    const state = initialState(model, scene);
    const data = createHardStepData(model);
    for (let t = 0; t < scene.steps; t++) hardStep(model, data, state, null, state);
    const vx = state.bodyQd[6 + 0],
      wy = state.bodyQd[6 + 4];
    // sliding stops after v₀/(3μg) ≈ 0.14 s; rolling: v = ω r, v = 2v₀/3
    expect(vx / ((2 * v0) / 3)).toBeCloseTo(1, 2);
    expect(Math.abs(vx - wy * r)).toBeLessThan(1e-3);
    expect(Math.abs(state.bodyQ[7 + 2] - r)).toBeLessThan(1e-3);
  });

  it('a cylinder standing on its cap stays put', () => {
    const scene = parseScene({
      dt: 1 / 240,
      steps: 240,
      contact: { mode: 'hard' },
      bodies: [
        ground,
        { name: 'can', shape: { type: 'cylinder', radius: 0.1, halfLength: 0.2 }, mass: 1, position: [0, 0, 0.2] },
      ],
    });
    const model = buildModel(scene);
    const state = initialState(model, scene);
    const data = createHardStepData(model);
    for (let t = 0; t < scene.steps; t++) hardStep(model, data, state, null, state);
    expect(Math.abs(state.bodyQ[7 + 2] - 0.2)).toBeLessThan(1e-3);
    expect(Math.hypot(...state.bodyQd.subarray(6, 12))).toBeLessThan(1e-6);
  });

  it('the builder refuses a cylinder that may touch a box (no pair row), naming the body', () => {
    const scene = parseScene({
      bodies: [
        ground,
        { name: 'can', shape: { type: 'cylinder', radius: 0.1, halfLength: 0.2 }, mass: 1, position: [0, 0, 0.2] },
        { name: 'crate', shape: { type: 'box', halfExtents: [0.1, 0.1, 0.1] }, mass: 1, position: [1, 0, 0.1] },
      ],
    });
    expect(() => buildModel(scene)).toThrow(SceneError);
    expect(() => buildModel(scene)).toThrow(
      /bodies\[1\]\.shape\.type: 'can' may touch 'crate': box–cylinder contacts are not implemented/,
    );
  });
});
