// The public API (api/index.ts) against closed-form free flight and ballistic bounces, and
// its argument checks: every bad argument is a typed error that names it.
import { describe, expect, it } from 'vitest';
import {
  ArgumentError,
  SceneError,
  ad,
  buildModel,
  gradient,
  initialState,
  jacobian,
  loadScene,
  optimize,
  probe,
  simulate,
  sweep,
  version,
  type SceneInput,
} from '../../api/index.ts';

const G = 9.81;

/** A ball of mass `m` at height `z0` over a ground plane, friction off. */
function ballScene(z0: number, m = 2, steps = 200, mode: 'hard' | 'penalty' | 'soft' = 'penalty'): SceneInput {
  return {
    dt: 0.001,
    steps,
    contact: { mode, friction: 0, restitution: 0.5 },
    bodies: [
      { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 }, static: true },
      {
        name: 'ball',
        shape: { type: 'sphere', radius: 0.1 },
        mass: m,
        position: [0, 0, z0],
        linearVelocity: [0.5, 0, 0],
      },
    ],
  };
}

describe('simulate', () => {
  it('free flight matches z0 − g t²/2 to O(dt) and records the frames it is asked for', () => {
    const r = simulate(ballScene(2), { record: [0, 100, 200] });
    expect(r.final.ball.position[2]).toBeCloseTo(2 - (G * 0.2 ** 2) / 2, 2);
    expect(r.final.ball.position[0]).toBeCloseTo(0.5 * 0.2, 9);
    expect(r.trajectory.map((f) => f.step)).toEqual([0, 100, 200]);
    expect(r.trajectory[1].bodies.ball.linearVelocity[2]).toBeCloseTo(-G * 0.1, 9);
  });

  it('a constant control force by body name adds F t²/(2m) to the height', () => {
    const m = 2;
    const F = 30; // N upward: net acceleration F/m − g
    const r = simulate(ballScene(2, m), { controls: { ball: { force: [0, 0, F] } } });
    expect(r.final.ball.position[2]).toBeCloseTo(2 + ((F / m - G) * 0.2 ** 2) / 2, 2);
  });

  it('names a bad option, a bad control and a bad scene field', () => {
    expect(() => simulate(ballScene(1), { steps: -3 })).toThrow(ArgumentError);
    expect(() => simulate(ballScene(1), { steps: -3 })).toThrow(
      /^options\.steps: expected a whole number ≥ 1, got number -3/,
    );
    expect(() => simulate(ballScene(1), { controls: { nobody: { force: [0, 0, 1] } } })).toThrow(
      /options\.controls\.nobody: no body 'nobody'/,
    );
    expect(() =>
      simulate(ballScene(1), { controls: { ball: { force: (t) => (t === 7 ? [0, Number.NaN, 0] : [0, 0, 0]) } } }),
    ).toThrow(/options\.controls\.ball\.force\(7\)/);
    expect(() => simulate(ballScene(1), { record: [500] })).toThrow(/options\.record: step 500 is after the last step/);
    const bad = ballScene(1);
    (bad.bodies[1] as { mass: number }).mass = -1;
    expect(() => buildModel(bad)).toThrow(SceneError);
    expect(() => buildModel(bad)).toThrow(/bodies\[1\]\.mass/);
    expect(() => simulate(42 as never)).toThrow(/^scene: expected a scene object or a scene file path, got number 42/);
    expect(() => loadScene('no/such/scene.json')).toThrow(/cannot read scene file 'no\/such\/scene.json'/);
  });

  it('model and state by name, stepped like MuJoCo', () => {
    const scene = loadScene(ballScene(1));
    const model = buildModel(scene);
    expect(model.bodyName).toEqual(['ground', 'ball']);
    expect(initialState(model, scene).bodyQ[7 + 2]).toBe(1);
    expect(() =>
      initialState(model, { bodies: [{ name: 'x', shape: { type: 'sphere', radius: 1 }, mass: 1 }] }),
    ).toThrow(ArgumentError);
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('gradient', () => {
  it('per-step control gradients of a loss over the final and a recorded state: (T − t)·dt²/m and (k − t)·dt²/m', () => {
    const m = 2;
    const dt = 0.001;
    const T = 200;
    const k = 120;
    const g = gradient(ballScene(2, m, T), {
      controls: { ball: { force: [0, 0, 0] } },
      record: [k],
      loss: ({ final, at }) => ad.add(final.ball.position[2], at(k).ball.position[2]),
    });
    const force = g.controlGrad.ball.force;
    expect(force).toHaveLength(T);
    for (const t of [0, 50, 119, 120, 199]) {
      // semi-implicit Euler: a force during step t moves z after step s > t by (s − t)·dt²/m
      const expected = ((T - t) * dt * dt) / m + (t < k ? ((k - t) * dt * dt) / m : 0);
      expect(force[t][2]).toBeCloseTo(expected, 12);
      expect(force[t][0]).toBe(0);
    }
    expect(g.controlGrad.ball.torque[10]).toEqual([0, 0, 0]);
  });

  it('through a hard bounce: d z(T)/d h and d z(T)/d e match the ballistic closed form', () => {
    // dropped from h (centre), radius r: impact at t₁ = √(2(h − r)/g), rebound e·g·t₁, τ = T − t₁
    const h = 1;
    const r = 0.1;
    const e = 0.5;
    const T = 0.8;
    const scene = ballScene(h, 1, 800, 'hard');
    scene.bodies[1].linearVelocity = [0, 0, 0];
    const { value, grad } = gradient(scene, { of: 'ball.position.z', wrt: ['ball.position.z', 'contact.restitution'] });
    const t1 = Math.sqrt((2 * (h - r)) / G);
    const tau = T - t1;
    expect(value).toBeCloseTo(r + e * G * t1 * tau - (G * tau * tau) / 2, 2);
    expect(grad['ball.position.z']).toBeCloseTo((e * (tau - t1) + tau) / t1, 2);
    expect(grad['contact.restitution']).toBeCloseTo(G * t1 * tau, 2);
  });

  it('jacobian rows equal the gradients of each component', () => {
    const scene = ballScene(0.3, 1, 300);
    const wrt = ['ball.position.z', 'ball.linearVelocity.x', 'contact.stiffness'];
    const J = jacobian(scene, { of: ['ball.position', 'ball.linearVelocity.z'], wrt });
    expect(J.rows).toEqual(['ball.position.x', 'ball.position.y', 'ball.position.z', 'ball.linearVelocity.z']);
    expect(J.columns).toEqual(wrt);
    J.rows.forEach((row, i) => {
      const g = gradient(scene, { of: row, wrt });
      expect(J.value[i]).toBe(g.value);
      wrt.forEach((p, j) => expect(J.jacobian[i][j]).toBeCloseTo(g.grad[p], 12));
    });
  });

  it('names bad arguments', () => {
    const scene = ballScene(1);
    expect(() => gradient(scene, { of: 'ball.position', wrt: ['ball.mass'] })).toThrow(
      /^options\.of: 'ball\.position' is a vector/,
    );
    expect(() => gradient(scene, { of: 'ball.position.z', wrt: ['ball.colour'] })).toThrow(ArgumentError);
    expect(() => gradient(scene, { of: 'ball.position.z', wrt: ['ball.colour'] })).toThrow(/^options\.wrt\[0\]/);
    expect(() => gradient(scene, { wrt: ['ball.mass'] })).toThrow(/give exactly one of 'of'/);
    expect(() => gradient(scene, { wrt: ['ball.mass'], loss: ({ final }) => final.ball.position as never })).toThrow(
      /options\.loss: must return one number or ad\.Real, got an array of length 3/,
    );
    expect(() => gradient(scene, { wrt: ['ball.mass'], loss: ({ at }) => at(5).ball.position[2] })).toThrow(
      /step 5 was not recorded/,
    );
    expect(() => ad.valueAndGrad((x) => [x[0]] as never, [1])).toThrow(/ad\.valueAndGrad: f must return one Real/);
  });
});

describe('sweep, probe, optimize', () => {
  it('free flight: d z(T)/d z(0) = 1 over the sweep, no jumps; the probe calls it smooth', () => {
    const scene = ballScene(2, 1, 100);
    const r = sweep(scene, {
      of: 'ball.position.z',
      wrt: 'ball.position.z',
      from: 1.5,
      to: 2.5,
      n: 5,
      modes: ['penalty', 'soft'],
    });
    for (const mode of ['penalty', 'soft'] as const) {
      r[mode]!.grad.forEach((g) => expect(g).toBeCloseTo(1, 9));
      expect(r[mode]!.jumps).toEqual([]);
    }
    const p = probe(scene, { of: 'ball.position.z', wrt: ['ball.position.z'], radius: 1e-3 });
    expect(p.verdict).toBe('smooth');
    expect(p.directional['ball.position.z'][0]).toBeCloseTo(1, 6);
  });

  it('optimize finds the launch speed of free flight: x(T) = v·T hits 0.2 m at T = 0.2 s with v = 1 m/s', async () => {
    const scene = {
      ...ballScene(2, 1, 200),
      objective: { of: 'ball.position.x', target: 0.2, wrt: ['ball.linearVelocity.x'] },
    };
    const r = await optimize(scene, { strategy: 'plain', iters: 20 });
    expect(r.params['ball.linearVelocity.x']).toBeCloseTo(1, 4);
    expect(r.verification.success).toBe(true);
    expect(r.trajectory.frames.length).toBeGreaterThan(1);
  });

  it('names bad arguments', async () => {
    const scene = ballScene(1);
    expect(() => sweep(scene, { of: 'ball.position.z', wrt: 'ball.position.z', from: 1, to: 0.5, n: 5 })).toThrow(
      /^options\.to: must be greater than options\.from/,
    );
    expect(() => sweep(scene, { of: 'ball.position.z', wrt: 'ball.position.z', from: 0, to: 1, n: 1 })).toThrow(
      /^options\.n: expected a whole number ≥ 2/,
    );
    expect(() =>
      sweep(scene, { of: 'ball.position.z', wrt: 'ball.position.z', from: 0, to: 1, n: 3, modes: ['sticky' as never] }),
    ).toThrow(/^options\.modes\[0\]/);
    expect(() => probe(scene, { of: 'ball.position.z', wrt: ['ball.position.z'], radius: -1 })).toThrow(
      /^options\.radius: expected a finite number > 0/,
    );
    await expect(optimize(scene)).rejects.toThrow(/^scene: has no "objective"/);
    const withObjective = {
      ...scene,
      objective: { of: 'ball.position.x', target: 0.2, wrt: ['ball.linearVelocity.x'] },
    };
    await expect(optimize(withObjective, { strategy: 'best' as never })).rejects.toThrow(
      /^options\.strategy: expected one of auto, plain, anneal, smoothing, multistart, sampling/,
    );
    await expect(optimize(withObjective, { strategy: 'auto', budget: 0 })).rejects.toThrow(/^options\.budget: /);
    await expect(optimize(withObjective, { strategy: 'multistart', starts: 0 })).rejects.toThrow(/^options\.starts: /);
  });
});
