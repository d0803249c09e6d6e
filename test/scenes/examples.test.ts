// The example scenes in scenes/: each parses and builds, the pile generator reproduces its
// file, and the initial configurations are what their descriptions claim (a proper rack,
// no overlapping boxes, bodies resting on their planes), checked against geometry.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  boxes100Scene,
  BOXES100_PATH,
  BOX_HALF_EXTENT,
  GRID_SIDE,
  GRID_SPACING,
  HEIGHT_RANGE,
  MAX_TILT,
  sceneJsonText,
} from '../../scenes/generate-boxes100.ts';
import { buildModel, initialState } from '../../sim/builder.ts';
import type { Model } from '../../sim/model.ts';
import { parseSceneText, type Scene } from '../../sim/scene.ts';
import { STATE_FIELDS, type State } from '../../sim/state.ts';

const SCENES_DIR = fileURLToPath(new URL('../../scenes/', import.meta.url));
const sceneFiles = readdirSync(SCENES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

interface Loaded {
  scene: Scene;
  model: Model;
  state: State;
}

function load(file: string): Loaded {
  const scene = parseSceneText(readFileSync(`${SCENES_DIR}${file}`, 'utf8'));
  const model = buildModel(scene);
  return { scene, model, state: initialState(model, scene) };
}

type V3 = [number, number, number];

function bodyPosition(l: Loaded, name: string): V3 {
  const q = (l.model.bodyIndex.get(name) ?? -1) * STATE_FIELDS.bodyQ;
  return [l.state.bodyQ[q], l.state.bodyQ[q + 1], l.state.bodyQ[q + 2]];
}

/** Rotation matrix (row-major 3×3) of the unit quaternion at bodyQ[q+3..q+6]. */
function bodyRotation(l: Loaded, name: string): number[] {
  const q = (l.model.bodyIndex.get(name) ?? -1) * STATE_FIELDS.bodyQ + 3;
  const [w, x, y, z] = [l.state.bodyQ[q], l.state.bodyQ[q + 1], l.state.bodyQ[q + 2], l.state.bodyQ[q + 3]];
  return [
    1 - 2 * (y * y + z * z),
    2 * (x * y - w * z),
    2 * (x * z + w * y),
    2 * (x * y + w * z),
    1 - 2 * (x * x + z * z),
    2 * (y * z - w * x),
    2 * (x * z - w * y),
    2 * (y * z + w * x),
    1 - 2 * (x * x + y * y),
  ];
}

const dot = (a: readonly number[], b: readonly number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const sub = (a: readonly number[], b: readonly number[]): V3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const norm = (a: readonly number[]) => Math.hypot(a[0], a[1], a[2]);

function shapeOf(l: Loaded, name: string) {
  const body = l.scene.bodies.find((b) => b.name === name);
  if (!body) throw new Error(`no body '${name}'`);
  return body.shape;
}

describe('scenes/*.json', () => {
  it('holds the six example scenes of the issue', () => {
    for (const name of ['ball-drop', 'bounce-to-target', 'billiards', 'box-slide', 'capsule-roll', 'boxes100']) {
      expect(sceneFiles).toContain(`${name}.json`);
    }
  });

  it.each(sceneFiles)('%s parses, builds, and says what it is', (file) => {
    const l = load(file);
    expect(l.scene.description?.length ?? 0).toBeGreaterThan(40);
    expect(l.model.nbody).toBe(l.scene.bodies.length);
    expect(l.state.bodyQ.every(Number.isFinite)).toBe(true);
  });

  it('bounce-to-target optimizes the launch velocity towards its target', () => {
    const o = load('bounce-to-target.json').scene.objective;
    expect(o?.of).toBe('ball.position');
    expect(o?.wrt).toEqual(['ball.linearVelocity.x', 'ball.linearVelocity.z']);
    expect(o?.target).toHaveLength(3);
  });

  it('bounce-to-target bounces exactly once in free flight over its horizon', () => {
    // ballistic closed form: lands when z(t) = r, bounces with vz' = −e·vz, next landing 2vz'/g later
    const l = load('bounce-to-target.json');
    const [, , z0] = bodyPosition(l, 'ball');
    const shape = shapeOf(l, 'ball');
    if (shape.type !== 'sphere') throw new Error('ball is not a sphere');
    const vz = l.scene.bodies[1].linearVelocity[2];
    const g = -l.scene.gravity[2];
    const tLand = (vz + Math.sqrt(vz * vz + 2 * g * (z0 - shape.radius))) / g;
    const vzAfter = l.scene.contact.restitution * (g * tLand - vz);
    const horizon = l.scene.steps * l.scene.dt;
    expect(tLand).toBeLessThan(horizon);
    expect(tLand + (2 * vzAfter) / g).toBeGreaterThan(horizon);
  });
});

describe('resting contacts at the start', () => {
  it('box-slide: the box rests on the ground, axis-aligned', () => {
    const l = load('box-slide.json');
    const shape = shapeOf(l, 'box');
    if (shape.type !== 'box') throw new Error('box is not a box');
    expect(bodyPosition(l, 'box')[2]).toBeCloseTo(shape.halfExtents[2], 12);
  });

  it('capsule-roll: the capsule touches the ramp along its length, its axis level and across the slope', () => {
    const l = load('capsule-roll.json');
    const ramp = shapeOf(l, 'ramp');
    const capsule = shapeOf(l, 'capsule');
    if (ramp.type !== 'plane' || capsule.type !== 'capsule') throw new Error('unexpected shapes');
    const n = ramp.normal.map((c) => c / norm(ramp.normal));
    const R = bodyRotation(l, 'capsule');
    const axis = [R[2], R[5], R[8]]; // body z in world
    expect(dot(axis, n)).toBeCloseTo(0, 12);
    expect(axis[2]).toBeCloseTo(0, 12);
    // signed distance of the surface to the plane: centre height over the plane minus r
    expect(dot(bodyPosition(l, 'capsule'), n) - ramp.offset - capsule.radius).toBeCloseTo(0, 12);
  });
});

describe('billiards rack', () => {
  const l = load('billiards.json');
  const balls = l.scene.bodies.filter((b) => b.shape.type === 'sphere');
  const r = 0.028575;

  it('has 16 pool balls (radius 0.028575 m, 0.17 kg) resting on the table', () => {
    expect(balls).toHaveLength(16);
    for (const b of balls) {
      expect(b.shape).toEqual({ type: 'sphere', radius: r });
      expect(b.mass).toBe(0.17);
      expect(bodyPosition(l, b.name)[2]).toBe(r);
    }
  });

  it('no two balls overlap', () => {
    for (let i = 0; i < balls.length; i++) {
      for (let j = i + 1; j < balls.length; j++) {
        expect(norm(sub(bodyPosition(l, balls[i].name), bodyPosition(l, balls[j].name)))).toBeGreaterThan(2 * r);
      }
    }
  });

  it('the 15 object balls form a triangle of 5 rows pointing at the moving cue ball', () => {
    const cue = l.scene.bodies.find((b) => b.name === 'cue');
    if (!cue) throw new Error('no cue ball');
    const others = balls.filter((b) => b !== cue).map((b) => bodyPosition(l, b.name));
    const cuePos = bodyPosition(l, 'cue');
    // the apex is the object ball nearest the cue ball; u runs from the cue ball through it
    const apex = others.reduce((a, p) => (norm(sub(p, cuePos)) < norm(sub(a, cuePos)) ? p : a));
    const toApex = sub(apex, cuePos);
    const u = toApex.map((c) => c / norm(toApex));
    const v = [-u[1], u[0], 0];
    // the cue ball moves straight at the apex
    const vel = cue.linearVelocity;
    expect(dot(vel, u)).toBeGreaterThan(0);
    expect(Math.abs(dot(vel, v))).toBeLessThan(1e-12);
    // the lattice spacing: the nearest neighbour of the apex
    const spacing = Math.min(...others.filter((p) => p !== apex).map((p) => norm(sub(p, apex))));
    expect(spacing).toBeGreaterThan(2 * r);
    expect(spacing).toBeLessThan(2 * r + 0.001); // a tight rack: under 1 mm between balls
    // row i holds i + 1 balls at u = i·s·√3/2, v = (j − i/2)·s: match each expected site once
    const unmatched = new Set(others);
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j <= i; j++) {
        const site = [(i * spacing * Math.sqrt(3)) / 2, (j - i / 2) * spacing];
        const hit = [...unmatched].find((p) => {
          const d = sub(p, apex);
          return Math.hypot(dot(d, u) - site[0], dot(d, v) - site[1]) < 1e-6;
        });
        expect(hit, `rack site row ${i} ball ${j}`).toBeDefined();
        if (hit) unmatched.delete(hit);
      }
    }
    expect(unmatched.size).toBe(0);
  });
});

describe('boxes100 (the benchmark pile)', () => {
  const text = readFileSync(BOXES100_PATH, 'utf8');

  it('is exactly what scenes/generate-boxes100.ts generates (deterministic)', () => {
    expect(sceneJsonText(boxes100Scene())).toBe(text);
    expect(sceneJsonText(boxes100Scene())).toBe(sceneJsonText(boxes100Scene()));
  });

  const l = load('boxes100.json');
  const boxes = l.scene.bodies.filter((b) => b.shape.type === 'box');

  it('matches the issue: 10 × 10 cubes of 0.5 m, 1 kg, 1 m apart, friction 0.5, dt = 1/240 s, 1,000 steps', () => {
    expect(boxes).toHaveLength(GRID_SIDE * GRID_SIDE);
    expect(l.scene.dt).toBe(1 / 240);
    expect(l.scene.steps).toBe(1000);
    expect(l.scene.contact.friction).toBe(0.5);
    expect(l.scene.bodies.filter((b) => b.shape.type === 'plane')).toHaveLength(1);
    const xs = new Set<number>();
    const ys = new Set<number>();
    for (const b of boxes) {
      expect(b.shape).toEqual({ type: 'box', halfExtents: [0.25, 0.25, 0.25] });
      expect(b.mass).toBe(1);
      expect(b.friction ?? l.scene.contact.friction).toBe(0.5);
      xs.add(b.position[0]);
      ys.add(b.position[1]);
    }
    const grid = (s: Set<number>) => [...s].sort((a, b) => a - b);
    for (const axis of [grid(xs), grid(ys)]) {
      expect(axis).toHaveLength(GRID_SIDE);
      for (let k = 1; k < axis.length; k++) expect(axis[k] - axis[k - 1]).toBeCloseTo(GRID_SPACING, 12);
    }
  });

  it('heights lie in [1, 3] m and tilts (about horizontal axes) are at most 0.5 rad, spread over the ranges', () => {
    const heights = boxes.map((b) => bodyPosition(l, b.name)[2]);
    const tilts = boxes.map((b) => {
      const R = bodyRotation(l, b.name);
      // the angle between body z and world z is the tilt about a horizontal axis
      return Math.acos(Math.min(1, R[8]));
    });
    const [lo, hi] = HEIGHT_RANGE;
    for (const h of heights) expect(h >= lo && h <= hi).toBe(true);
    for (const t of tilts) expect(t).toBeLessThanOrEqual(MAX_TILT + 1e-5); // + the 1e-6 rounding of the written quaternion
    for (const b of boxes) expect(b.orientation[3]).toBe(0); // no twist about world z: the axis is horizontal
    // random draws, not a constant: both ranges are mostly covered
    expect(Math.max(...heights) - Math.min(...heights)).toBeGreaterThan(0.8 * (hi - lo));
    expect(Math.max(...tilts) - Math.min(...tilts)).toBeGreaterThan(0.8 * MAX_TILT);
  });

  it('no two boxes overlap and every box is above the ground (world AABBs of the tilted boxes)', () => {
    const aabbs = boxes.map((b) => {
      const R = bodyRotation(l, b.name);
      const c = bodyPosition(l, b.name);
      // half width of a rotated box along world axis i: Σ_j |R_ij| h_j
      const half = [0, 1, 2].map(
        (i) => BOX_HALF_EXTENT * (Math.abs(R[3 * i]) + Math.abs(R[3 * i + 1]) + Math.abs(R[3 * i + 2])),
      );
      return { lo: c.map((x, i) => x - half[i]), hi: c.map((x, i) => x + half[i]) };
    });
    for (const a of aabbs) expect(a.lo[2]).toBeGreaterThan(0);
    for (let i = 0; i < aabbs.length; i++) {
      for (let j = i + 1; j < aabbs.length; j++) {
        const a = aabbs[i];
        const b = aabbs[j];
        const overlap = [0, 1, 2].every((k) => a.lo[k] < b.hi[k] && b.lo[k] < a.hi[k]);
        expect(overlap, `${boxes[i].name} overlaps ${boxes[j].name}`).toBe(false);
      }
    }
  });
});
