// The divergence monitor (sim/sanity.ts): its energy is the closed-form kinetic and
// gravitational energy, its bound is the documented one, and it names the step, body and
// quantity of a finite blow-up that the old NaN-only check let through.
import { describe, expect, it } from 'vitest';
import { buildModel, initialState } from '../../sim/builder.ts';
import { DivergenceError, SceneError } from '../../sim/errors.ts';
import { parseScene, type SceneInput } from '../../sim/scene.ts';
import { SanityMonitor } from '../../sim/sanity.ts';
import { createStepData, simulate, step } from '../../sim/step.ts';
import { thrown } from '../helpers.ts';

const R = 0.1;
const G = 9.81;

function ballScene(extra: Partial<SceneInput> = {}, mass = 1): SceneInput {
  return {
    dt: 0.001,
    steps: 1000,
    contact: { mode: 'soft' },
    bodies: [
      { name: 'ground', shape: { type: 'plane' } },
      { name: 'ball', shape: { type: 'sphere', radius: R }, mass, position: [0, 0, 1] },
    ],
    ...extra,
  };
}

describe('the energy bound', () => {
  it('trips exactly past energyGrowth × E_scale, E_scale = m·|g|·L with L the ball diameter (a lone ball at rest, far from contact)', () => {
    const scene = parseScene(ballScene());
    const model = buildModel(scene);
    const s = initialState(model, scene);
    // E_scale = m g L, L = 2R (one body: no spread of centres, plus its diameter)
    const monitor = new SanityMonitor(model, s.bodyQ, s.bodyQd);
    expect(monitor.lengthScale).toBeCloseTo(2 * R, 15);
    const q = s.bodyQ.slice();
    const z = 7 + 2;
    q[z] = 1 + 0.99 * 2 * R; // lifted by 0.99 L: gained 0.99 E_scale
    expect(() => monitor.check(q, s.bodyQd, 5)).not.toThrow();
    q[z] = 1 + 1.01 * 2 * R;
    const err = thrown(() => monitor.check(q, s.bodyQd, 6));
    expect(err).toBeInstanceOf(DivergenceError);
    expect(err).toMatchObject({ step: 6, body: 'ball', field: 'energy' });
    // the same gain as speed: ½ m v² = 1.01 m g L
    const qd = s.bodyQd.slice();
    qd[6 + 2] = Math.sqrt(2 * 1.01 * G * 2 * R);
    expect(thrown(() => monitor.check(s.bodyQ, qd, 7))).toMatchObject({ step: 7, field: 'energy' });
    qd[6 + 2] = Math.sqrt(2 * 0.99 * G * 2 * R);
    expect(() => monitor.check(s.bodyQ, qd, 8)).not.toThrow();
  });

  it('counts rotational energy ½ ωᵀ R I Rᵀ ω of a tilted box (closed form, world ω)', () => {
    // box 2a × 2b × 2c, mass m: I = m/3 (b² + c², a² + c², a² + b²); no gravity, so E = KE
    const [a, b, c, m] = [0.3, 0.2, 0.1, 2];
    const I = [(m / 3) * (b * b + c * c), (m / 3) * (a * a + c * c), (m / 3) * (a * a + b * b)];
    const half = 0.4;
    const orientation: [number, number, number, number] = [
      Math.cos(half),
      Math.sin(half) * 0.6,
      0,
      Math.sin(half) * 0.8,
    ];
    const w = [1.5, -0.7, 2.0];
    const scene = parseScene({
      gravity: [0, 0, 0],
      bodies: [{ name: 'box', shape: { type: 'box', halfExtents: [a, b, c] }, mass: m, orientation }],
    });
    const model = buildModel(scene);
    const s = initialState(model, scene);
    // R from the unit quaternion, then ω_body = Rᵀ ω
    const [qw, qx, qy, qz] = [s.bodyQ[3], s.bodyQ[4], s.bodyQ[5], s.bodyQ[6]];
    const Rm = [
      [1 - 2 * (qy * qy + qz * qz), 2 * (qx * qy - qw * qz), 2 * (qx * qz + qw * qy)],
      [2 * (qx * qy + qw * qz), 1 - 2 * (qx * qx + qz * qz), 2 * (qy * qz - qw * qx)],
      [2 * (qx * qz - qw * qy), 2 * (qy * qz + qw * qx), 1 - 2 * (qx * qx + qy * qy)],
    ];
    const wb = [0, 1, 2].map((k) => Rm[0][k] * w[0] + Rm[1][k] * w[1] + Rm[2][k] * w[2]);
    const rotational = 0.5 * (I[0] * wb[0] ** 2 + I[1] * wb[1] ** 2 + I[2] * wb[2] ** 2);
    const monitor = new SanityMonitor(model, s.bodyQ, s.bodyQd);
    expect(monitor.energy(s.bodyQ, s.bodyQd)).toBe(0);
    const qd = Float64Array.from([3, 0, 0, ...w]);
    expect(monitor.energy(s.bodyQ, qd)).toBeCloseTo(0.5 * m * 9 + rotational, 12);
  });

  it('adds the work of the controls: a pushed body gains exactly what the force supplies and is not flagged', () => {
    const scene = parseScene({
      gravity: [0, 0, 0],
      steps: 2000,
      bodies: [{ name: 'puck', shape: { type: 'sphere', radius: R }, mass: 1 }],
    });
    const model = buildModel(scene);
    const s = initialState(model, scene);
    const control = new Float64Array(6);
    control[0] = 50; // 50 N for 2 s: 100 m/s, 5 kJ, all of it from the control (no gravity, no contact)
    const monitor = new SanityMonitor(model, s.bodyQ, s.bodyQd);
    const data = createStepData(model);
    for (let t = 0; t < scene.steps; t++) {
      step(model, data, s, control, s);
      monitor.addControlWork(s.bodyQd, control, 0, null);
      monitor.check(s.bodyQ, s.bodyQd, t + 1);
    }
    expect(s.bodyQd[0]).toBeCloseTo(100, 9);
    expect(monitor.peak).toBeLessThan(1e-9);
    // without the work counted, the same state is a divergence
    const blind = new SanityMonitor(model, initialState(model, scene).bodyQ, initialState(model, scene).bodyQd);
    expect(thrown(() => blind.check(s.bodyQ, s.bodyQd, 2000))).toMatchObject({ field: 'energy', body: 'puck' });
  });

  it('is configurable: sanity.energyGrowth in the scene raises the bound', () => {
    const scene = parseScene(ballScene({ sanity: { energyGrowth: 3 } }));
    const model = buildModel(scene);
    const s = initialState(model, scene);
    const monitor = new SanityMonitor(model, s.bodyQ, s.bodyQd);
    const q = s.bodyQ.slice();
    q[9] = 1 + 2.9 * 2 * R;
    expect(() => monitor.check(q, s.bodyQd, 1)).not.toThrow();
    q[9] = 1 + 3.1 * 2 * R;
    expect(() => monitor.check(q, s.bodyQd, 1)).toThrow(DivergenceError);
  });
});

describe('the shipped physics stays below the bound', () => {
  // E(t) − E(0) − W − U₀ ≤ 0 means the run never held more energy than it was given
  for (const mode of ['soft', 'penalty', 'hard'] as const) {
    it(`a ball dropped onto the ground (${mode}, restitution 0.9) never gains energy`, () => {
      const scene = parseScene(ballScene({ contact: { mode, restitution: 0.9, damping: 30 } }));
      const model = buildModel(scene);
      const s = initialState(model, scene);
      const monitor = new SanityMonitor(model, s.bodyQ, s.bodyQd);
      const data = createStepData(model);
      for (let t = 0; t < scene.steps; t++) {
        step(model, data, s, null, s);
        monitor.check(s.bodyQ, s.bodyQd, t + 1);
      }
      expect(monitor.peak).toBeLessThanOrEqual(0.01);
    });
  }
});

describe('finite blow-ups that used to pass as success', () => {
  it('a 1e-30 kg ball on a soft contact (period 6e-17 s at dt 1 ms): diverges at its first contact steps, the hint names stiffness, dt and the mass', () => {
    const scene = parseScene(ballScene({ contact: { mode: 'penalty' } }, 1e-30));
    const model = buildModel(scene);
    const err = thrown(() => simulate(model, initialState(model, scene), scene.steps));
    expect(err).toBeInstanceOf(DivergenceError);
    const d = err as DivergenceError;
    expect(d.body).toBe('ball');
    expect(d.field).toBe('energy');
    // free fall from z = 1 to touch at 0.1 (+ the contact margin) takes √(2·0.9/g) ≈ 0.43 s
    expect(d.step).toBeGreaterThan(400);
    expect(d.step).toBeLessThan(450);
    expect(d.hint).toMatch(/stiffness .* N\/m on 1\.00e-30 kg/);
  });

  it('a denormal mass is invalid input naming its path, not a divergence', () => {
    const err = thrown(() => buildModel(parseScene(ballScene({}, 1e-310))));
    expect(err).toBeInstanceOf(SceneError);
    expect((err as SceneError).path).toBe('bodies[1].mass');
  });

  it('a ball at 1e200 m/s (energy overflows) names the ball at step 0, never the static ground', () => {
    const input = ballScene({ contact: { mode: 'hard' } });
    (input.bodies[1] as { linearVelocity?: number[] }).linearVelocity = [1e200, 0, 0];
    const scene = parseScene(input);
    const model = buildModel(scene);
    const err = thrown(() => simulate(model, initialState(model, scene), 10));
    expect(err).toMatchObject({ step: 0, body: 'ball', field: 'energy' });
  });
});

describe('one pass finds every non-finite field', () => {
  // the hot loop skips the frame rotation for a body of equal principal moments (a ball, a
  // cube); its orientation must still reach the check
  const FIELDS = [
    ['position', 0, 'q'],
    ['orientation', 4, 'q'],
    ['linearVelocity', 1, 'qd'],
    ['angularVelocity', 5, 'qd'],
  ] as const;
  for (const shape of [
    { type: 'sphere', radius: R },
    { type: 'box', halfExtents: [0.1, 0.2, 0.3] },
  ] as const) {
    it(`${shape.type}: NaN and ±∞ in each field are named at the step they appear`, () => {
      const scene = parseScene({
        bodies: [
          { name: 'ground', shape: { type: 'plane' } },
          { name: 'body', shape, mass: 1, position: [0, 0, 1] },
        ],
      });
      const model = buildModel(scene);
      const s = initialState(model, scene);
      const monitor = new SanityMonitor(model, s.bodyQ, s.bodyQd);
      for (const [field, k, array] of FIELDS) {
        for (const bad of [NaN, Infinity, -Infinity]) {
          const q = s.bodyQ.slice();
          const qd = s.bodyQd.slice();
          (array === 'q' ? q : qd)[(array === 'q' ? 7 : 6) + k] = bad;
          expect(
            thrown(() => monitor.check(q, qd, 7)),
            `${field} = ${bad}`,
          ).toMatchObject({
            step: 7,
            body: 'body',
            field,
          });
        }
      }
    });
  }
});
