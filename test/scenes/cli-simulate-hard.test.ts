// `diffcontact simulate --contact hard` on the example scenes of scenes/: every scene runs
// and writes its trajectory, bodies stay out of the planes they rest on (hard contacts do
// not penetrate, unlike the compliant modes), and two scenes against their closed forms:
// ball-drop's bounce apexes e^(2k)·h and box-slide's Coulomb stopping distance v²/(2μg).
// Runs in process (`runCli`): the hard step is fast, tsx start-up would dominate.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliInProcess } from './cli-run.ts';

const SCENES_DIR = fileURLToPath(new URL('../../scenes/', import.meta.url));
const sceneFiles = readdirSync(SCENES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

/** Deepest allowed overlap with a plane, m: the position pass's 1 µm with room for rotation over a step. */
const PENETRATION_TOL = 1e-5;
/**
 * boxes100 lands 100 boxes at once; while they land, the Gauss–Seidel solve stops at its
 * sweep cap with residuals up to ~0.05 m/s (sim/hard/README.md), a few mm over a step.
 */
const PILE_PENETRATION_TOL = 5e-3;

type V3 = [number, number, number];
type Shape =
  | { type: 'plane'; normal: V3; offset: number }
  | { type: 'sphere'; radius: number }
  | { type: 'box'; halfExtents: V3 }
  | { type: 'capsule'; radius: number; halfLength: number };
interface Trajectory {
  scene: { dt: number; steps: number; bodies: { name: string; shape: Shape }[] };
  frames: { time: number; bodies: Record<string, { position: V3; orientation: [number, number, number, number] }> }[];
}

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'diffcontact-hard-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run `simulate --contact hard --json --out` on a scene file; the report and the trajectory. */
async function simulateHard(
  file: string,
  ...flags: string[]
): Promise<{
  report: { steps: number; time: number; final: Record<string, { position: V3; linearVelocity: V3 }> };
  trajectory: Trajectory;
}> {
  const out = join(dir, `${file}-${flags.join('_')}.trajectory.json`);
  const r = await cliInProcess(
    'simulate',
    join(SCENES_DIR, file),
    '--contact',
    'hard',
    '--json',
    '--out',
    out,
    ...flags,
  );
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return { report: JSON.parse(r.stdout), trajectory: JSON.parse(readFileSync(out, 'utf8')) };
}

/**
 * Signed distance of a body to a plane's surface (> 0: clear of it), from its pose: the
 * plane distance of its centre minus its reach along the normal (its support function).
 */
function planeClearance(
  plane: Extract<Shape, { type: 'plane' }>,
  shape: Shape,
  position: V3,
  q: [number, number, number, number],
): number {
  const [w, x, y, z] = q;
  const n = plane.normal;
  // n in body axes: row i of Rᵀ n, i.e. n · (column i of R)
  const axis = [
    n[0] * (1 - 2 * (y * y + z * z)) + n[1] * 2 * (x * y + w * z) + n[2] * 2 * (x * z - w * y),
    n[0] * 2 * (x * y - w * z) + n[1] * (1 - 2 * (x * x + z * z)) + n[2] * 2 * (y * z + w * x),
    n[0] * 2 * (x * z + w * y) + n[1] * 2 * (y * z - w * x) + n[2] * (1 - 2 * (x * x + y * y)),
  ];
  const reach =
    shape.type === 'sphere'
      ? shape.radius
      : shape.type === 'box'
        ? shape.halfExtents.reduce((s, h, i) => s + h * Math.abs(axis[i]), 0)
        : shape.type === 'capsule'
          ? shape.radius + shape.halfLength * Math.abs(axis[2])
          : 0;
  return n[0] * position[0] + n[1] * position[1] + n[2] * position[2] - plane.offset - reach;
}

describe.concurrent('diffcontact simulate --contact hard on the example scenes', () => {
  it.each(sceneFiles)('%s runs, writes its trajectory, and keeps bodies out of the planes', async (file) => {
    const { report, trajectory } = await simulateHard(file);
    expect(trajectory.scene.bodies.length).toBeGreaterThan(1);
    expect(Object.keys(report.final).sort()).toEqual(trajectory.scene.bodies.map((b) => b.name).sort());
    expect(report.time).toBeCloseTo(trajectory.scene.steps * trajectory.scene.dt, 9);
    // ≤ 60 frames per simulated second, plus the first and the last
    const seconds = trajectory.scene.steps * trajectory.scene.dt;
    expect(trajectory.frames.length).toBeLessThanOrEqual(Math.floor(60 * seconds) + 2);
    expect(trajectory.frames.at(-1)?.time).toBeCloseTo(seconds, 9);
    const planes = trajectory.scene.bodies
      .filter((b) => b.shape.type === 'plane')
      .map((b) => b.shape as Extract<Shape, { type: 'plane' }>);
    expect(planes.length).toBeGreaterThan(0);
    const tol = file === 'boxes100.json' ? PILE_PENETRATION_TOL : PENETRATION_TOL;
    let deepest = Infinity;
    for (const frame of trajectory.frames) {
      for (const b of trajectory.scene.bodies) {
        if (b.shape.type === 'plane') continue;
        const { position, orientation } = frame.bodies[b.name];
        expect([...position, ...orientation].every(Number.isFinite)).toBe(true);
        for (const p of planes) deepest = Math.min(deepest, planeClearance(p, b.shape, position, orientation));
      }
    }
    expect(deepest).toBeGreaterThan(-tol);
  });

  it('ball-drop.json bounces to e^(2k)·h (k = 1, 2, 3)', async () => {
    const scene = JSON.parse(readFileSync(join(SCENES_DIR, 'ball-drop.json'), 'utf8'));
    const ball = scene.bodies.find((b: { name: string }) => b.name === 'ball');
    const radius: number = ball.shape.radius;
    const e: number = scene.contact.restitution;
    const h = ball.position[2] - radius; // m, of the ball's bottom
    // at 0.1 ms the step's own energy error is ≤ 0.06 % per apex (sim/hard/README.md);
    // 2.5 s hold three bounces (the third apex at ≈ 1.98 s)
    const { trajectory } = await simulateHard('ball-drop.json', '--dt', '1e-4', '--steps', '25000');
    const z = trajectory.frames.map((f) => f.bodies.ball.position[2] - radius);
    const apexes = z.filter((v, i) => i > 0 && i < z.length - 1 && v >= z[i - 1] && v > z[i + 1]);
    expect(apexes.length).toBeGreaterThanOrEqual(3);
    for (let k = 1; k <= 3; k++) {
      const expected = e ** (2 * k) * h;
      // frames every 1/60 s see the apex up to g·(1/120 s)²/2 = 0.34 mm low; the step's own
      // error is O(dt) per bounce (sim/hard/README.md)
      expect(Math.abs(apexes[k - 1] - expected)).toBeLessThan(0.0015 * expected + 3.4e-4);
    }
  });

  it("box-slide.json stops after v²/(2μg), short by the integrator's v·dt/2", async () => {
    const scene = JSON.parse(readFileSync(join(SCENES_DIR, 'box-slide.json'), 'utf8'));
    const box = scene.bodies.find((b: { name: string }) => b.name === 'box');
    const v: number = box.linearVelocity[0];
    const mu: number = scene.contact.friction;
    const g = -scene.gravity[2];
    const { report } = await simulateHard('box-slide.json');
    const final = report.final.box;
    // semi-implicit Euler moves with the end-of-step velocity: v·dt/2 short of the closed form
    const expected = box.position[0] + (v * v) / (2 * mu * g) - (v * scene.dt) / 2;
    expect(Math.abs(final.position[0] - expected)).toBeLessThan(1e-3);
    expect(Math.hypot(...final.linearVelocity)).toBeLessThan(1e-5);
  });
});
