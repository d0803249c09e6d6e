// Resting contacts in the validity radius (sim/validity.ts): a contact that stays closed
// is not about to flip at onset. What can flip is its release (the normal impulse going to
// zero), or, for a contact exactly at d = 0, whichever side the parameter moves its gap:
// a margin 0 with a zero tangent bounds nothing, a margin 0 with a nonzero tangent gives
// radius 0. Closed-form cases: a capsule lying on the ground pushed along its axis (the
// trailing end lifts at a push computable from the impulse balance), and a ball resting on
// the ground whose parameter is its horizontal velocity (its gap never moves).
import { describe, expect, it } from 'vitest';
import { gradient } from '../../../sim/gradient.ts';
import { buildModel, initialState } from '../../../sim/builder.ts';
import { parseScene } from '../../../sim/scene.ts';
import { simulate } from '../../../sim/step.ts';
import { validity } from '../../../sim/validity.ts';

const ground = { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } };
const G = 9.81;
const DT = 1e-3;

/**
 * A capsule (radius r, half-length h) lying on the ground along x, hard mode, friction μ,
 * given a horizontal velocity v0 along its axis. Within the first step friction stops it
 * (it sticks while m·v0 ≤ μ·m·g·dt); the friction impulse m·v0 acts r below the centre,
 * the normal impulses λ₁ + λ₂ = m·g·dt at x = ±h. No rotation after the step: torque
 * balance h·(λ_lead − λ_trail) = r·m·v0, so λ_trail = (m·g·dt − m·v0·r/h)/2, which reaches
 * 0 (the trailing end lifts) at v* = g·dt·h/r: the classic tip-before-slide condition
 * F·r > m·g·h for a push F = m·v0/dt, slide-free while h/r < μ.
 */
const CAPSULE = { r: 0.1, h: 0.02, mu: 0.5 };
const V_STAR = (G * DT * CAPSULE.h) / CAPSULE.r;

function lyingCapsule(v0: number, steps: number) {
  const c = Math.SQRT1_2;
  return parseScene({
    dt: DT,
    steps,
    gravity: [0, 0, -G],
    contact: { mode: 'hard', friction: CAPSULE.mu, restitution: 0 },
    bodies: [
      ground,
      {
        name: 'rod',
        shape: { type: 'capsule', radius: CAPSULE.r, halfLength: CAPSULE.h },
        mass: 1,
        position: [0, 0, CAPSULE.r],
        orientation: [c, 0, c, 0],
        linearVelocity: [v0, 0, 0],
      },
    ],
  });
}

/** Angular speed about y after one step (the tip). */
function tipRate(v0: number): number {
  const scene = lyingCapsule(v0, 1);
  const model = buildModel(scene);
  const s = simulate(model, initialState(model, scene), scene.steps);
  return Math.abs(s.bodyQd[6 * 1 + 4]);
}

function restingBall(mode: string, steps = 50) {
  return parseScene({
    dt: DT,
    steps,
    gravity: [0, 0, -G],
    contact: { mode, friction: 0.3, restitution: 0.5 },
    bodies: [
      ground,
      {
        name: 'ball',
        shape: { type: 'sphere', radius: 0.1 },
        mass: 1,
        position: [0, 0, 0.1],
        linearVelocity: [0.5, 0, 0],
      },
    ],
  });
}

describe('a capsule lying on the ground pushed along its axis (hard): the release of its trailing end', () => {
  it('the closed form is what the simulator does: the tip rate kinks between 0.99·v* and 1.06·v*', () => {
    expect(CAPSULE.h / CAPSULE.r).toBeLessThan(CAPSULE.mu);
    // both ends pressing, the rod barely turns (the solver's residual roll, ~1e-4 rad/s);
    // once the trailing end lifts, the friction impulse's torque turns it freely
    const slope = (lo: number, hi: number) => (tipRate(hi * V_STAR) - tipRate(lo * V_STAR)) / ((hi - lo) * V_STAR);
    expect(slope(1.06, 1.1)).toBeGreaterThan(5 * slope(0.95, 0.99));
  });

  for (const f of [0.3, 0.5]) {
    it(`at v0 = ${f}·v*: the release (an onset of a pressing contact) is predicted v* − v0 away, within 10 %`, () => {
      const v0 = f * V_STAR;
      const v = validity(lyingCapsule(v0, 3), ['rod.linearVelocity.x']);
      // the trailing end: the step-0 onset with the smaller margin (its impulse)
      const releases = v.decisions.filter((d) => d.step === 0 && d.kind === 'onset');
      expect(releases.length).toBe(2);
      const trailing = releases.reduce((a, b) => (a.margin < b.margin ? a : b));
      expect(Math.abs(trailing.distance / (V_STAR - v0) - 1)).toBeLessThan(0.1);
      // it bounds validWithin (a stick/slip of the unloading end may come first)
      expect(v.validWithin?.distance).toBeLessThanOrEqual(trailing.distance);
    });
  }
});

describe('a ball resting on the ground, parameter its horizontal velocity: no onset can flip', () => {
  for (const mode of ['penalty', 'soft', 'hard']) {
    it(`${mode}: no onset decision bounds the radius`, () => {
      const v = validity(restingBall(mode), ['ball.linearVelocity.x'], { distancesOf: ['step 0: ground/ball onset'] });
      for (const d of v.decisions) if (d.kind === 'onset') expect(d.distance).toBeGreaterThan(1e3);
      expect(v.validWithin?.kind ?? 'none').not.toBe('onset');
      // the step-0 contact exactly at d = 0 (penalty: margin 0): its gap does not move
      if (mode !== 'soft') expect(v.distances?.['step 0: ground/ball onset']).toBe(Infinity);
    });
  }

  it('penalty, by differences as by tangents: the margin-0 onset at step 0 bounds nothing', () => {
    const v = validity(restingBall('penalty'), ['ball.linearVelocity.x'], {
      method: 'differences',
      distancesOf: ['step 0: ground/ball onset'],
    });
    expect(v.distances?.['step 0: ground/ball onset']).toBe(Infinity);
  });

  it('penalty: the kink list does not lead with the margin-0 onset the parameter does not move', () => {
    const r = gradient(restingBall('penalty'), 'ball.position.x', ['ball.linearVelocity.x']);
    const first = r.kinks.findIndex((k) => k.label === 'step 0: ground/ball onset');
    expect(first).toBeGreaterThanOrEqual(0);
    expect(r.kinks[first].margin).toBe(0);
    // every kink that some parameter moves comes before it
    for (const k of r.kinks.slice(0, first)) expect(Number.isFinite(k.distance)).toBe(true);
    for (const k of r.kinks.slice(first)) expect(k.distance).toBe(Infinity);
  });

  it('penalty, parameter its height: the same margin-0 onset moves 1:1, so the radius is 0 there', () => {
    const r = gradient(restingBall('penalty'), 'ball.position.x', ['ball.position.z']);
    expect(r.validWithin?.distance).toBe(0);
    expect(r.validWithin?.decision).toBe('step 0: ground/ball onset');
    expect(r.kinks[0].label).toBe('step 0: ground/ball onset');
  });
});
