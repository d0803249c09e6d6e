// Published tasks stated as scene files (scenes/published/*.json) and run as
// `diffcontact optimize <file>` runs them (the driver with the default strategy, auto):
// - Zhong et al. 2023, single collision: the verified loss within 1 % of the paper's
//   analytic optimum 0.3115;
// - Zhong et al. 2023, multiple collisions: the driver's found control, flown in continuous
//   time by the event-driven reference (test/reference/event-driven, A driven by its
//   per-step force), gives the simulator's loss to 0.5 % and is at or below the paper's
//   0.3737 + 2 %. (The paper's plain L-BFGS, published-tasks.test.ts, stops at 0.3737; the
//   driver's scaled L-BFGS goes on to a lower optimum with a third collision, A hitting B
//   again after B's bounce off the wall: the reference confirms both the loss and the events.)
// - Warp's bounce (example_bounce.py): the found launch velocity, flown in continuous time
//   with exact bounce times (an event-driven closed form written here), lands within 1 cm
//   of the target;
// - Warp's linear bounce (test_sim_grad_bounce_linear.py): the trajectory-tracking
//   objective recovers the force that made the target trajectory, F = (0, 100, 0) N.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readSceneFile } from '../../scenes/cli/scene-input.ts';
import { optimize } from '../../scenes/optimize/driver.ts';
import { sceneFileProblem } from '../../scenes/optimize/problem.ts';
import {
  TARGET_FORCE,
  WARP_BOUNCE_LINEAR_FILE,
  warpBounceLinearScene,
} from '../../scenes/published/warp-bounce-linear.ts';
import { ZHONG_MULTIPLE, ZHONG_SINGLE } from '../../scenes/published/zhong2023.ts';
import type { V3 } from '../reference/event-driven/vec.ts';
import { readWorld, type RefSceneInput } from '../reference/event-driven/scene.ts';
import { simulateEvents } from '../reference/event-driven/simulate.ts';

const file = (name: string) => new URL(`../../scenes/published/${name}`, import.meta.url).pathname;

async function run(path: string) {
  const name = path.replace(/^.*\//, '').replace(/\.json$/, '');
  return optimize(sceneFileProblem(name, readSceneFile(path)), { strategy: 'auto' });
}

/**
 * Warp's bounce in continuous time: a frictionless point of radius r from (x, z) at (vx, vz)
 * under gravity g, Newton restitution e on the ground (centre at z = r) and on the wall's
 * face (centre at x = face − r); the position at T, and the bounces in order.
 */
function bounceFlight(
  x: number,
  z: number,
  vx: number,
  vz: number,
  T: number,
): { x: number; z: number; events: string[] } {
  const [g, r, e, face] = [9.8, 0.1, 0.85, 1.75];
  const events: string[] = [];
  let t = 0;
  for (;;) {
    // next ground contact: z + vz s − g s²/2 = r, the positive root
    const sGround = (vz + Math.sqrt(vz * vz + 2 * g * (z - r))) / g;
    const sWall = vx > 0 ? (face - r - x) / vx : Infinity;
    const s = Math.min(sGround, sWall);
    if (t + s >= T) {
      const left = T - t;
      return { x: x + vx * left, z: z + vz * left - (g * left * left) / 2, events };
    }
    t += s;
    x += vx * s;
    z += vz * s - (g * s * s) / 2;
    vz -= g * s;
    if (sGround < sWall) {
      vz = -e * vz;
      events.push('ground');
    } else {
      vx = -e * vx;
      events.push(`wall at z = ${z.toFixed(3)}`);
    }
  }
}

describe('published tasks as scene files, run by the optimize driver with no flags', () => {
  it('Zhong 2023, single collision: within 1 % of the analytic optimum 0.3115', async () => {
    const r = await run(ZHONG_SINGLE.file);
    expect(r.verification.success).toBe(true);
    expect(r.initial.loss).toBeGreaterThan(1);
    expect(Math.abs(r.verification.loss - ZHONG_SINGLE.optimum) / ZHONG_SINGLE.optimum).toBeLessThan(0.01);
  }, 240_000);

  it('Zhong 2023, multiple collisions: the found control is real in continuous time, at or below 0.3737 + 2 %', async () => {
    const problem = sceneFileProblem('zhong2023-multiple', readSceneFile(ZHONG_MULTIPLE.file));
    const r = await optimize(problem, { strategy: 'auto' });
    expect(r.verification.success).toBe(true);
    expect(r.initial.loss).toBeGreaterThan(1);
    // A's per-step force (1 kg: its acceleration) from the result's named parameters
    const scene = JSON.parse(readFileSync(ZHONG_MULTIPLE.file, 'utf8')) as RefSceneInput;
    const named = new Map(problem.params.map((name, j) => [name, r.result.x[j]]));
    const force = (k: number): V3 => {
      const [fx, fy, fz] = ['x', 'y', 'z'].map((c) => named.get(`a.force[${k}].${c}`) ?? NaN);
      return [fx, fy, fz];
    };
    for (let k = 0; k < scene.steps; k++) force(k).forEach((f) => expect(Number.isFinite(f)).toBe(true));
    const world = readWorld(scene);
    const a = world.bodies.findIndex((b) => b.name === 'a');
    const b = world.bodies.findIndex((body) => body.name === 'b');
    const reference = simulateEvents(world, {
      dt: scene.dt,
      acceleration: (i, k) => (i === a ? force(Math.min(k, scene.steps - 1)) : [0, 0, 0]),
    });
    expect(reference.outOfScope).toBeUndefined();
    let effort = 0;
    for (let k = 0; k < scene.steps; k++) effort += force(k).reduce((sum, f) => sum + f * f, 0) * scene.dt;
    const xB = reference.final[b].x;
    const loss = xB[0] ** 2 + xB[1] ** 2 + xB[2] ** 2 + 0.01 * effort;
    const report = JSON.stringify({
      loss,
      simulator: r.verification.loss,
      events: reference.events.map((e) => e.feature),
    });
    // the simulator's 1/480 s steps against exact impact times and closed-form flights
    expect(Math.abs(loss - r.verification.loss) / loss, report).toBeLessThan(0.005);
    // B bounced off the wall after A hit it (the task's collisions), and the loss is real
    const order = reference.events.map((e) => e.feature);
    expect(order[0], report).toBe('a/b');
    expect(order, report).toContain('b/wall');
    expect(loss, report).toBeLessThanOrEqual(ZHONG_MULTIPLE.optimum * 1.02);
  }, 240_000);

  it("Warp's bounce: the found velocity lands within 1 cm of (−2, 1.5) in continuous time", async () => {
    const r = await run(file('warp-bounce.json'));
    expect(r.verification.success).toBe(true);
    const [vx, vy, vz] = r.result.x;
    expect(Math.abs(vy)).toBeLessThan(1e-9);
    const flight = bounceFlight(-0.5, 1, vx, vz, 0.6);
    // the task's path: off the ground, then off the wall's face (below its top at z = 2)
    expect(flight.events.length).toBeGreaterThanOrEqual(2);
    expect(flight.events[0]).toBe('ground');
    expect(flight.events.some((ev) => ev.startsWith('wall') && Number(ev.split('= ')[1]) < 2)).toBe(true);
    // the simulator's 1/480 s steps against exact bounce times: within 1 cm of the target
    expect(Math.hypot(flight.x + 2, flight.z - 1.5), JSON.stringify({ v: r.result.x, flight })).toBeLessThan(0.01);
  }, 120_000);

  it("Warp's linear bounce: tracking the trajectory of F = (0, 100, 0) N recovers that force from F = 0", async () => {
    // the file is what the generator writes (not stale)
    expect(JSON.parse(readFileSync(WARP_BOUNCE_LINEAR_FILE, 'utf8'))).toEqual(
      JSON.parse(JSON.stringify(warpBounceLinearScene())),
    );
    const r = await run(WARP_BOUNCE_LINEAR_FILE);
    expect(r.verification.success).toBe(true);
    r.result.x.forEach((f, c) => expect(Math.abs(f - TARGET_FORCE[c]), `F[${c}] = ${f}`).toBeLessThan(1e-3));
  }, 240_000);
});
