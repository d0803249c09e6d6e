// Narrowphase feature switches as decisions of the validity radius (sim/validity/features.ts):
// a cube lying across a static box's ridge, edge on edge, near where the box–box
// separating-axis test switches from the edge pair to a face of the ridge. The truth is
// the configuration where the switch happens, found from the boxes' corners alone: the
// separation along an axis is the gap between the two corner sets' projections, the
// narrowphase's choice rule (sat.ts: the best edge axis must beat the best face axis by
// EDGE_AXIS_TOLERANCE) is applied to those, and the parameter is bisected to where the
// choice changes. Nothing of the simulator's geometry is used for the truth.
import { describe, expect, it } from 'vitest';
import { EDGE_AXIS_TOLERANCE } from '../../../sim/collision/sat.ts';
import { parseScene, type Scene } from '../../../sim/scene.ts';
import { validity } from '../../../sim/validity.ts';

type V = [number, number, number];
const HALF_RIDGE = 0.5,
  HALF_CUBE = 0.1;
/** How deep the cube's lower edge sinks into the ridge (m). */
const DEPTH = 0.002;
const s8 = Math.sin(Math.PI / 8),
  c8 = Math.cos(Math.PI / 8);

/** The ridge: a box turned 45° about x (its top an edge along x); the cube turned 45° about y (its bottom an edge along y) at lateral offset y, tilted by the raw quaternion component qx. */
function ridgeScene(y: number, qx = 0): Scene {
  return parseScene({
    dt: 0.001,
    steps: 1,
    gravity: [0, 0, 0],
    contact: { mode: 'hard', margin: 0.01 },
    bodies: [
      {
        name: 'ridge',
        static: true,
        shape: { type: 'box', halfExtents: [HALF_RIDGE, HALF_RIDGE, HALF_RIDGE] },
        position: [0, 0, 0],
        orientation: [c8, s8, 0, 0],
      },
      {
        name: 'cube',
        shape: { type: 'box', halfExtents: [HALF_CUBE, HALF_CUBE, HALF_CUBE] },
        mass: 1,
        position: [0, y, HALF_RIDGE * Math.SQRT2 + HALF_CUBE * Math.SQRT2 - DEPTH],
        orientation: [c8, qx, s8, 0],
      },
    ],
  });
}

/** Rotate v by the quaternion q = (w, x, y, z), normalized first (as the scene builder does). */
function rotate(q: readonly number[], v: V): V {
  const n = Math.hypot(...q);
  const [w, x, y, z] = q.map((c) => c / n);
  // v + 2w (u × v) + 2 u × (u × v), u = (x, y, z)
  const c1: V = [y * v[2] - z * v[1], z * v[0] - x * v[2], x * v[1] - y * v[0]];
  const c2: V = [y * c1[2] - z * c1[1], z * c1[0] - x * c1[2], x * c1[1] - y * c1[0]];
  return [v[0] + 2 * (w * c1[0] + c2[0]), v[1] + 2 * (w * c1[1] + c2[1]), v[2] + 2 * (w * c1[2] + c2[2])];
}

interface Box {
  corners: V[];
  axes: V[];
}

function box(centre: V, q: readonly number[], half: number): Box {
  const corners: V[] = [];
  for (const sx of [-1, 1])
    for (const sy of [-1, 1])
      for (const sz of [-1, 1]) {
        const r = rotate(q, [sx * half, sy * half, sz * half]);
        corners.push([centre[0] + r[0], centre[1] + r[1], centre[2] + r[2]]);
      }
  return { corners, axes: [rotate(q, [1, 0, 0]), rotate(q, [0, 1, 0]), rotate(q, [0, 0, 1])] };
}

const dot = (a: V, b: V) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

/** Separation of the two corner sets along unit axis u: the gap between their projections (< 0: overlap). */
function separation(a: Box, b: Box, u: V): number {
  const pa = a.corners.map((p) => dot(p, u)),
    pb = b.corners.map((p) => dot(p, u));
  return Math.max(Math.min(...pb) - Math.max(...pa), Math.min(...pa) - Math.max(...pb));
}

/** Which axis the choice rule picks, by the corner projections: 0–5 faces (ridge's, then cube's), 6 + 3i + j edge pairs. */
function chosenAxis(y: number, qx: number): number {
  const scene = ridgeScene(y, qx);
  const [r, c] = scene.bodies;
  const a = box(r.position as V, r.orientation as number[], HALF_RIDGE);
  const b = box(c.position as V, c.orientation as number[], HALF_CUBE);
  let face = 0,
    faceSep = -Infinity;
  [...a.axes, ...b.axes].forEach((u, n) => {
    const s = separation(a, b, u);
    if (s > faceSep) [face, faceSep] = [n, s];
  });
  let edge = -1,
    edgeSep = -Infinity;
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      const [p, q] = [a.axes[i], b.axes[j]];
      const u: V = [p[1] * q[2] - p[2] * q[1], p[2] * q[0] - p[0] * q[2], p[0] * q[1] - p[1] * q[0]];
      const len = Math.hypot(...u);
      if (len < 1e-6) continue;
      const s = separation(a, b, [u[0] / len, u[1] / len, u[2] / len]);
      if (s > edgeSep) [edge, edgeSep] = [6 + 3 * i + j, s];
    }
  }
  return edge >= 0 && edgeSep > faceSep + EDGE_AXIS_TOLERANCE ? edge : face;
}

/** The nearest parameter change (either side) at which the chosen axis changes, by scanning in `step`s and bisecting. */
function distanceToSwitch(choice: (delta: number) => number, step: number, reach: number): number {
  const at0 = choice(0);
  let best = Infinity;
  for (const side of [1, -1]) {
    for (let d = step; d <= reach; d += step) {
      if (choice(side * d) === at0) continue;
      let [lo, hi] = [d - step, d];
      while (hi - lo > 1e-12) {
        const mid = (lo + hi) / 2;
        if (choice(side * mid) === at0) lo = mid;
        else hi = mid;
      }
      best = Math.min(best, (lo + hi) / 2);
      break;
    }
  }
  return best;
}

/** The validity log's nearest `separating axis` decision along the one parameter `wrt`. */
function predicted(scene: Scene, wrt: string): number {
  const d = validity(scene, [wrt]).decisions.find((k) => k.kind === 'separating axis');
  if (d === undefined) throw new Error('no separating-axis decision among the nearest');
  return d.byParameter[wrt];
}

describe('box–box feature switch: a cube across a ridge, edge on edge', () => {
  const y0 = 0.098;

  it('the narrowphase picks the edge pair there (the case is what it claims)', () => {
    // the ridge's edge runs along x (its axis 0), the cube's along y (its axis 1): pair 6 + 3·0 + 1
    expect(chosenAxis(y0, 0)).toBe(7);
    expect(chosenAxis(0.1, 0)).toBeLessThan(6);
  });

  it('along the lateral offset: the radius is the distance to the switch to a ridge face', () => {
    const truth = distanceToSwitch((d) => chosenAxis(y0 + d, 0), 1e-4, 0.02);
    // by hand: the face wins once the cube's end corner is within (DEPTH·(1 − 1/√2) + tol)·√2 of the ridge line
    expect(truth).toBeCloseTo(0.1 - y0 - (DEPTH * (Math.SQRT2 - 1) + EDGE_AXIS_TOLERANCE * Math.SQRT2), 9);
    const p = predicted(ridgeScene(y0), 'cube.position.y');
    expect(Math.abs(p - truth) / truth).toBeLessThan(0.1);
  });

  it('along a tilt of the cube (a raw quaternion component): the same switch, nonlinear in the parameter', () => {
    const truth = distanceToSwitch((d) => chosenAxis(y0, d), 1e-4, 0.05);
    expect(Number.isFinite(truth)).toBe(true);
    const p = predicted(ridgeScene(y0), 'cube.orientation.x');
    expect(Math.abs(p - truth) / truth).toBeLessThan(0.1);
  });

  it('the switch bounds validWithin along the offset, with its label', () => {
    const v = validity(ridgeScene(y0), ['cube.position.y']);
    expect(v.validWithin?.decision).toBe('step 0: ridge/cube separating axis');
    expect(v.validWithin?.margin).toBeGreaterThan(0);
  });
});

describe('box–capsule feature switch: a rod lying on a table, its end near the table edge', () => {
  // a capsule (r 5 cm, axis half-length 0.2 m) lying along x on a table (half 0.5 m), 1 mm
  // deep: its contacts are the stretch of its axis over the face, which ends at the axis's
  // end while that is over the table and at the table's edge x = 0.5 once it is beyond
  const rodScene = (x: number) =>
    parseScene({
      dt: 0.001,
      steps: 1,
      gravity: [0, 0, 0],
      contact: { mode: 'hard', margin: 0.01 },
      bodies: [
        { name: 'table', static: true, shape: { type: 'box', halfExtents: [0.5, 0.5, 0.5] }, position: [0, 0, 0] },
        {
          name: 'rod',
          shape: { type: 'capsule', radius: 0.05, halfLength: 0.2 },
          mass: 1,
          position: [x, 0, 0.549],
          orientation: [Math.SQRT1_2, 0, Math.SQRT1_2, 0],
        },
      ],
    });

  for (const x of [0.297, 0.31]) {
    it(`axis end at ${(x + 0.2).toFixed(3)} m: the nearest decision along x is the end crossing the edge, |0.5 − (x + 0.2)| away`, () => {
      const v = validity(rodScene(x), ['rod.position.x']);
      const truth = Math.abs(0.5 - (x + 0.2));
      expect(v.validWithin?.decision).toMatch(/^step 0: table\/rod /);
      expect(Math.abs((v.validWithin?.distance as number) - truth) / truth).toBeLessThan(0.1);
    });
  }
});
