// The diffcontact CLI on small scenes written to a temp dir: simulate against the
// semi-implicit Euler free-fall closed form, flags overriding the file, the trajectory
// file, grad against free-flight derivatives, and every invalid-input and failure path
// with its exit code and message. The main cases run the real binary as a child process
// (`node bin/diffcontact.js …`); the many variants of bad flags and --help run the same
// program in process through `runCli` (a child process costs ~0.5 s of tsx start-up).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScene } from '../../sim/scene.ts';
import { cli, cliInProcess, expectFailure } from './cli-run.ts';

// free fall: a ball high above the ground, drifting along x
const G = -9.81; // m/s², the scene default
const Z0 = 2; // m: the bottom stays > 1.7 m above the ground, far outside the contact margin
const X0 = 0.3; // m
const VX0 = 1; // m/s
const RADIUS = 0.1; // m
const DROP = {
  dt: 0.001,
  steps: 100,
  contact: { mode: 'soft' },
  bodies: [
    { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } },
    {
      name: 'ball',
      shape: { type: 'sphere', radius: RADIUS },
      mass: 1,
      position: [X0, 0, Z0],
      linearVelocity: [VX0, 0, 0],
    },
  ],
};

/**
 * Semi-implicit Euler free flight (v first, then x with the new v):
 * v_N = v₀ + N h g, x_N = x₀ + N h v₀ + h² g N(N+1)/2.
 */
function freeFall(steps: number, dt: number): { x: number; z: number; vz: number } {
  return { x: X0 + steps * dt * VX0, z: Z0 + (dt * dt * G * (steps * (steps + 1))) / 2, vz: steps * dt * G };
}

// a ball squeezed between two stiff planes with a step far beyond the stability limit
// (ω·dt = √(1e12 N/m / 1 kg)·0.01 s = 1e4 ≫ 2): every bounce multiplies the overshoot
const DIVERGING = {
  dt: 0.01,
  steps: 200,
  contact: { mode: 'penalty', stiffness: 1e12 },
  bodies: [
    { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } },
    { name: 'ceiling', shape: { type: 'plane', normal: [0, 0, -1], offset: -0.2 } },
    { name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 1, position: [0, 0, 0.095] },
  ],
};

let dir = '';
const file = (name: string) => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'diffcontact-cli-'));
  const write = (name: string, content: unknown) =>
    writeFileSync(file(name), typeof content === 'string' ? content : JSON.stringify(content));
  write('drop.json', DROP);
  write('diverging.json', DIVERGING);
  const badRadius = structuredClone(DROP);
  badRadius.bodies[1].shape.radius = -1;
  write('bad-radius.json', badRadius);
  const unknownField = structuredClone(DROP) as { bodies: Record<string, unknown>[] };
  unknownField.bodies[1].colour = 'red';
  write('unknown-field.json', unknownField);
  write('not-json.json', '{ "bodies": [');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.concurrent('diffcontact simulate', () => {
  it('--json prints one document whose ball follows the free-fall closed form', async () => {
    const r = await cli('simulate', file('drop.json'), '--json');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out).sort()).toEqual(['final', 'steps', 'time']);
    expect(out.steps).toBe(DROP.steps);
    expect(out.time).toBeCloseTo(DROP.steps * DROP.dt, 12);
    const expected = freeFall(DROP.steps, DROP.dt);
    const ball = out.final.ball;
    expect(ball.position[0]).toBeCloseTo(expected.x, 12);
    expect(ball.position[1]).toBe(0);
    expect(ball.position[2]).toBeCloseTo(expected.z, 12);
    expect(ball.linearVelocity[2]).toBeCloseTo(expected.vz, 12);
    expect(ball.orientation).toEqual([1, 0, 0, 0]);
    expect(ball.angularVelocity).toEqual([0, 0, 0]);
    // static bodies are reported too
    expect(Object.keys(out.final).sort()).toEqual(['ball', 'ground']);
    expect(Object.keys(out.final.ground).sort()).toEqual([
      'angularVelocity',
      'linearVelocity',
      'orientation',
      'position',
    ]);
  });

  it('--steps and --dt override the scene file', async () => {
    const steps = 40;
    const dt = 0.004;
    const r = await cli('simulate', file('drop.json'), '--steps', String(steps), '--dt', String(dt), '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.steps).toBe(steps);
    expect(out.time).toBeCloseTo(steps * dt, 12);
    const expected = freeFall(steps, dt);
    expect(out.final.ball.position[0]).toBeCloseTo(expected.x, 12);
    expect(out.final.ball.position[2]).toBeCloseTo(expected.z, 12);
  });

  it('--out writes a loadable trajectory of the effective scene, ≤ 60 frames per simulated second', async () => {
    const out = file('trajectory.json');
    const r = await cli('simulate', file('drop.json'), '--contact', 'penalty', '--temperature', '0.002', '--out', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ms per step/);
    const trajectory = JSON.parse(readFileSync(out, 'utf8'));
    // the flags reached the scene the run used, and that scene is a valid scene
    expect(trajectory.scene.contact.mode).toBe('penalty');
    expect(trajectory.scene.contact.temperature).toBe(0.002);
    expect(parseScene(trajectory.scene)).toEqual(trajectory.scene);
    expect(trajectory.dt).toBe(DROP.dt);
    const frames: { time: number; bodies: Record<string, { position: number[]; orientation: number[] }> }[] =
      trajectory.frames;
    expect(frames[0].time).toBe(0);
    expect(frames.at(-1)?.time).toBeCloseTo(DROP.steps * DROP.dt, 12);
    // 1/60 s is 16.7 steps of 1 ms: a frame every 17 steps, plus the final state
    const stride = 17;
    expect(frames.length).toBe(Math.floor(DROP.steps / stride) + 2);
    for (let k = 1; k < frames.length - 1; k++) {
      expect(frames[k].time - frames[k - 1].time).toBeGreaterThanOrEqual(1 / 60 - 1e-12);
    }
    for (const frame of frames) {
      expect(Object.keys(frame.bodies).sort()).toEqual(['ball', 'ground']);
      const n = Math.round(frame.time / DROP.dt);
      expect(frame.bodies.ball.position[2]).toBeCloseTo(freeFall(n, DROP.dt).z, 12);
      expect(frame.bodies.ball.orientation).toHaveLength(4);
    }
  });

  it('prints a readable summary without --json', async () => {
    const r = await cli('simulate', file('drop.json'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ball/);
    expect(r.stdout).toMatch(/wall time [\d.]+ ms, [\d.]+ ms per step/);
    expect(() => JSON.parse(r.stdout)).toThrow();
  });

  it('--contact hard: the drifting ball lands without bouncing, then rolls at 5/7 of its speed', async () => {
    // restitution 0 (the default): the landing impulse stops the fall; friction turns the
    // slide into rolling at once (it needs (2/7)·m·v_x = 0.29 N·s, the landing gives up to
    // μ·m·|v_z| = 3 N·s). Angular momentum about the contact point, m·v·r + (2/5)·m·r²·ω,
    // is kept, so rolling (ω = v/r) gives v = 5/7 v₀.
    const steps = 1500;
    const r = await cli('simulate', file('drop.json'), '--contact', 'hard', '--steps', String(steps), '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out).sort()).toEqual(['final', 'steps', 'time']);
    expect(out.steps).toBe(steps);
    const T = steps * DROP.dt;
    const landing = Math.sqrt((2 * (Z0 - RADIUS)) / -G); // s
    const landingSpeed = -G * landing; // m/s
    expect(landing).toBeLessThan(T - 0.5); // long since landed
    const rolling = (5 / 7) * VX0;
    // the landing step's contact sits at the step's start, mid-gap: its gap d ≤ |v_z|·dt puts
    // the friction impulse up to ε·r = |v_z|·dt/2 below the surface, which moves the rolling
    // speed by (5/7)(2/7)·ε·v₀ to first order (an O(dt) error: 6 mm/s here)
    const rollingTol = ((10 / 49) * VX0 * (landingSpeed * DROP.dt)) / (2 * RADIUS);
    const ball = out.final.ball;
    // resting on the ground: at the solver's tolerance (1 µm, 1e-6 m/s)
    expect(Math.abs(ball.position[2] - RADIUS)).toBeLessThan(1e-5);
    expect(Math.abs(ball.linearVelocity[2])).toBeLessThan(1e-5);
    expect(ball.linearVelocity[1]).toBeCloseTo(0, 12);
    expect(Math.abs(ball.linearVelocity[0] - rolling)).toBeLessThan(rollingTol);
    // rolling without slipping along +x on a z-up floor: ω = (0, v/r, 0)
    expect(ball.angularVelocity[1]).toBeCloseTo(ball.linearVelocity[0] / RADIUS, 6);
    // x: v₀ until the landing (known to a step), the rolling speed after it
    const x = X0 + VX0 * landing + ball.linearVelocity[0] * (T - landing);
    expect(Math.abs(ball.position[0] - x)).toBeLessThan(VX0 * DROP.dt);
    expect(Math.hypot(...ball.orientation)).toBeCloseTo(1, 12);
  });

  it('an unknown contact mode or a bad number exits 2 naming the flag', async () => {
    const mode = await cliInProcess('simulate', file('drop.json'), '--contact', 'sticky');
    expectFailure(mode, 2);
    expect(mode.stderr).toMatch(/--contact.*sticky/);
    for (const [flag, value] of [
      ['--steps', '2.5'],
      ['--steps', '-1'],
      ['--dt', '0'],
      ['--dt', 'fast'],
      ['--temperature', '-1'],
    ]) {
      const r = await cliInProcess('simulate', file('drop.json'), flag, value);
      expectFailure(r, 2);
      expect(r.stderr).toContain(flag);
    }
  });

  it('an invalid scene exits 2 with the JSON path of the problem', async () => {
    const r = await cli('simulate', file('bad-radius.json'), '--json');
    expectFailure(r, 2);
    expect(r.stderr).toContain('bodies[1].shape.radius');
    expect(r.stderr).toContain('bad-radius.json');
  });

  it('an unknown field exits 2 naming its path', async () => {
    const r = await cli('simulate', file('unknown-field.json'));
    expectFailure(r, 2);
    expect(r.stderr).toContain('bodies[1].colour');
  });

  it('a file that is missing or not JSON exits 2 naming it', async () => {
    const missing = await cliInProcess('simulate', file('missing.json'));
    expectFailure(missing, 2);
    expect(missing.stderr).toContain('missing.json');
    const notJson = await cliInProcess('simulate', file('not-json.json'));
    expectFailure(notJson, 2);
    expect(notJson.stderr).toMatch(/not valid JSON/);
  });

  it('a diverging scene exits 1 naming the step and the body, never printing NaN', async () => {
    const r = await cli('simulate', file('diverging.json'), '--json');
    expectFailure(r, 1);
    expect(r.stderr).toMatch(/diverged at step \d+: body 'ball'/);
    const summary = await cliInProcess('simulate', file('diverging.json'));
    expectFailure(summary, 1);
    expect(summary.stderr).toMatch(/diverged at step \d+: body 'ball'/);
  });
});

describe.concurrent('diffcontact grad', () => {
  it('gives the free-flight derivatives of the final height (no kinks far from contact)', async () => {
    const wrt = ['ball.position.z', 'ball.linearVelocity.z', 'ball.linearVelocity.x'];
    const r = await cli('grad', file('drop.json'), '--of', 'ball.position.z', '--wrt', wrt.join(','), '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const T = DROP.steps * DROP.dt;
    expect(out.value).toBeCloseTo(freeFall(DROP.steps, DROP.dt).z, 12);
    // z_N = z₀ + N h v_z0 + h² g N(N+1)/2: ∂/∂z₀ = 1, ∂/∂v_z0 = N h = T, ∂/∂v_x0 = 0
    expect(out.grad['ball.position.z']).toBeCloseTo(1, 9);
    expect(out.grad['ball.linearVelocity.z']).toBeCloseTo(T, 9);
    expect(out.grad['ball.linearVelocity.x']).toBeCloseTo(0, 9);
    expect(out.kinks).toEqual([]);
  });

  it('a bad --wrt path exits 2 naming the path and the valid choices', async () => {
    const r = await cli(
      'grad',
      file('drop.json'),
      '--of',
      'ball.position.z',
      '--wrt',
      'ball.linearVelocity.x,ball.nonsense',
    );
    expectFailure(r, 2);
    expect(r.stderr).toContain('ball.nonsense');
    expect(r.stderr).toContain('linearVelocity');
  });

  it('a bad --of path exits 2 naming it', async () => {
    const r = await cliInProcess('grad', file('drop.json'), '--of', 'ball.velocity.z', '--wrt', 'ball.mass');
    expectFailure(r, 2);
    expect(r.stderr).toContain('ball.velocity.z');
  });

  it('a bad --probe radius and a missing --wrt exit 2', async () => {
    const probe = await cliInProcess(
      'grad',
      file('drop.json'),
      '--of',
      'ball.position.z',
      '--wrt',
      'ball.mass',
      '--probe',
      '-0.1',
    );
    expectFailure(probe, 2);
    expect(probe.stderr).toMatch(/--probe/);
    const noWrt = await cliInProcess('grad', file('drop.json'), '--of', 'ball.position.z');
    expectFailure(noWrt, 2);
    expect(noWrt.stderr).toContain('--wrt');
  });
});

describe.concurrent('diffcontact commands', () => {
  it('an unknown command exits 2', async () => {
    const r = await cli('frobnicate', file('drop.json'));
    expectFailure(r, 2);
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
  });

  it('optimize on a scene without an objective exits 2 saying so; sweep without its range exits 2 naming the missing flag', async () => {
    const optimize = await cliInProcess('optimize', file('drop.json'));
    expectFailure(optimize, 2);
    expect(optimize.stderr).toMatch(/no "objective" section/);
    const sweep = await cliInProcess('sweep', file('drop.json'), '--of', 'ball.position.z', '--wrt', 'ball.position.z');
    expectFailure(sweep, 2);
    expect(sweep.stderr).toMatch(/--from/);
  });

  it('--help works on every command, with examples, exit 0', async () => {
    for (const args of [
      ['--help'],
      ['simulate', '--help'],
      ['grad', '--help'],
      ['sweep', '--help'],
      ['optimize', '--help'],
    ]) {
      const r = await cliInProcess(...args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: diffcontact/);
      expect(r.stdout).toMatch(/Examples:\n\s+\$ diffcontact/);
    }
  });
});
