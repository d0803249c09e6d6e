// The smoothed modes as a smoothing of the hard model (issue 12), against outside truth:
// - restitution: a ball dropped from h rebounds to e²·h (Newton's law, what hard mode does)
//   in penalty and soft modes, with the dashpot derived from e alone; the deviation that
//   remains is the finite contact time under gravity and shrinks as the contact stiffens;
// - convergence: with k ∝ 1/τ and ω·dt fixed, soft and penalty trajectories approach the
//   hard trajectory over three decades of τ;
// - stability and rest: a box and a 5-box stack come to rest within 1 s with every layer
//   carrying the weight above it (statics);
// - friction at an impact: the lateral gradient of a drop is that of hard mode (the
//   frictionless answer is T) and an imperceptible lateral speed stays imperceptible.
import { describe, expect, it } from 'vitest';
import { buildModel, initialState } from '../../../sim/builder.ts';
import { gradient } from '../../../sim/gradient.ts';
import { collide } from '../../../sim/collision/index.ts';
import { contactNormalForces } from '../../../sim/contact/wrenches.ts';
import { parseScene, type Scene } from '../../../sim/scene.ts';
import { createStepData, step } from '../../../sim/step.ts';
import type { State } from '../../../sim/state.ts';

type Mode = 'penalty' | 'soft' | 'hard';

function run(scene: Scene, steps: number, each?: (s: State) => void): State {
  const model = buildModel(scene);
  const s = initialState(model, scene);
  const data = createStepData(model);
  for (let t = 0; t < steps; t++) {
    step(model, data, s, null, s);
    each?.(s);
  }
  return s;
}

const GROUND = { name: 'ground', shape: { type: 'plane' } };
const R = 0.1;

/** Ball of radius 0.1 m, 1 kg, dropped with its bottom 1 m above the ground: the first apex above the ground. */
function firstRebound(mode: Mode, e: number, contact: object = {}, dt = 1e-3, z0 = 1 + R): number {
  const scene = parseScene({
    dt,
    steps: 1,
    contact: { mode, restitution: e, friction: 0.5, ...contact },
    bodies: [GROUND, { name: 'ball', shape: { type: 'sphere', radius: R }, mass: 1, position: [0, 0, z0] }],
  });
  let prev = 0;
  let apex = 0;
  let bounced = false;
  run(scene, Math.round(2.2 / dt), (s) => {
    const vz = s.bodyQd[8];
    if (prev < 0 && vz >= 0) bounced = true;
    if (bounced && prev > 0 && vz <= 0 && apex === 0) apex = s.bodyQ[9] - R;
    prev = vz;
  });
  return bounced ? Math.max(apex, 0) : 0;
}

describe("restitution: the scene's e sets the rebound in every mode", () => {
  it('penalty and soft rebound to e²h within 3 % for e ∈ {0.2, 0.5, 0.8, 0.95} at the default k, τ and dt', () => {
    // the contact carries the ball's weight (wrenches.ts), so the clamped spring–dashpot
    // rebounds with e under gravity; the step-exact activation and κ (step-exact.ts) make
    // the discrete bounce the continuous one at ω·dt = 0.1. Measured (rebound/e²h − 1):
    // penalty +0.02, +0.08, +0.02, +0.12 %; soft +2.4, +0.28, −0.01, +0.07 %
    for (const mode of ['penalty', 'soft'] as const) {
      for (const e of [0.2, 0.5, 0.8, 0.95])
        expect(Math.abs(firstRebound(mode, e) / (e * e) - 1), `${mode} e = ${e}`).toBeLessThan(0.03);
    }
  });

  it('e = 0: no rebound worth the name (< 0.1 % of the drop) in penalty and soft', () => {
    for (const mode of ['penalty', 'soft'] as const) expect(firstRebound(mode, 0)).toBeLessThan(1e-3);
  });

  it('the rebound does not depend on where in its step the impact falls (penalty, e = 0.2: 8 drop heights over one step of travel)', () => {
    // before the step-exact activation the spread was −0.1 … +24 %; measured now within ±0.4 %
    for (let i = 0; i < 8; i++) {
      const h = 1 + i * 0.0006;
      const scene = { position: [0, 0, h + R] };
      const r = firstRebound('penalty', 0.2, {}, 1e-3, scene.position[2]) / h;
      expect(Math.abs(r / 0.04 - 1), `h = ${h}`).toBeLessThan(0.01);
    }
  });
});

describe('convergence to hard contact', () => {
  it("soft and penalty trajectories approach hard mode's over three decades of τ (k = 10 N/τ·1e-3 m, ω·dt = 0.1)", () => {
    // a ball launched sideways at 0.5 m/s from 0.5 m, restitution 0.5, friction 0.5: one
    // bounce with spin-up, 0.9 s. Distance: the largest gap between the centres over time.
    const trajectory = (mode: Mode, tau: number, k: number, dt: number): Float64Array => {
      const steps = Math.round(0.9 / dt);
      const out = new Float64Array(2 * steps);
      let t = 0;
      run(
        parseScene({
          dt,
          steps,
          contact: { mode, stiffness: k, temperature: tau, restitution: 0.5, friction: 0.5 },
          bodies: [
            GROUND,
            {
              name: 'ball',
              shape: { type: 'sphere', radius: R },
              mass: 1,
              position: [0, 0, 0.6],
              linearVelocity: [0.5, 0, 0],
            },
          ],
        }),
        steps,
        (s) => {
          out[2 * t] = s.bodyQ[7];
          out[2 * t + 1] = s.bodyQ[9];
          t++;
        },
      );
      return out;
    };
    const taus = [1e-3, 1e-4, 1e-5, 1e-6];
    for (const mode of ['soft', 'penalty'] as const) {
      const distances = taus.map((tau) => {
        const k = (10 * 1e-3) / tau / 1e-3; // 1e4 N/m at τ = 1 mm
        const dt = 0.1 / Math.sqrt(k);
        const a = trajectory(mode, tau, k, dt);
        const b = trajectory('hard', tau, k, dt);
        let d = 0;
        for (let i = 0; i < a.length; i += 2) d = Math.max(d, Math.hypot(a[i] - b[i], a[i + 1] - b[i + 1]));
        return d;
      });
      // measured 4.8e-2, 1.7e-2 (2.2e-2 penalty), 1.3e-2, 4.5e-3 m
      for (let k = 1; k < distances.length; k++)
        expect(distances[k], `${mode} τ = ${taus[k]}`).toBeLessThan(distances[k - 1]);
      expect(distances[3] / distances[0]).toBeLessThan(0.15);
    }
  });
});

describe('resting contacts settle, piles stay in their layers', () => {
  const box = (name: string, z: number, half = 0.1, x = 0, y = 0) => ({
    name,
    shape: { type: 'box', halfExtents: [half, half, half] },
    mass: 1,
    position: [x, y, z],
  });
  const speed = (s: State, b: number): number =>
    Math.hypot(s.bodyQd[6 * b], s.bodyQd[6 * b + 1], s.bodyQd[6 * b + 2]) +
    Math.hypot(s.bodyQd[6 * b + 3], s.bodyQd[6 * b + 4], s.bodyQd[6 * b + 5]);

  for (const mode of ['penalty', 'soft'] as const) {
    it(`${mode}: a box dropped 5 mm and a 5-box stack are at rest after 1 s (|v| + |ω| < 1e-4), each layer's contacts carrying the weight above it`, () => {
      const one = run(parseScene({ dt: 1e-3, steps: 1, contact: { mode }, bodies: [GROUND, box('b', 0.105)] }), 1000);
      expect(speed(one, 1)).toBeLessThan(1e-4);
      // measured max |v| + |ω| after 1 s: penalty 3.2e-5, soft 2.2e-6 (with the mass
      // splitting N·W₀ in the dashpot's step, step-exact.ts "Parallel contacts": 3.5e-4 and
      // 4.8e-5, the stack's slowest mode ringing at ζ ≈ 0.1)
      const bodies = [GROUND, ...Array.from({ length: 5 }, (_, i) => box(`b${i}`, 0.105 + 0.2 * i))];
      const scene = parseScene({ dt: 1e-3, steps: 1, contact: { mode }, bodies });
      const model = buildModel(scene);
      const stack = initialState(model, scene);
      const data = createStepData(model);
      for (let t = 0; t < 1000; t++) step(model, data, stack, null, stack);
      for (let b = 1; b <= 5; b++) expect(speed(stack, b), `box ${b}`).toBeLessThan(1e-4);
      // statics: the contacts under box b push up with the weight of boxes b … 5, (6 − b)·m·g
      // (measured within 2.2e-4 (penalty, still moving 3e-5 m/s), 4.4e-5 (soft) relative)
      collide(model, stack.bodyQ, model.contact.margin, data.contacts);
      const c = data.contacts;
      const fn = contactNormalForces(data.forceParams!, c, stack.bodyQ, stack.bodyQd, new Float64Array(c.count));
      const up = new Float64Array(6);
      for (let i = 0; i < c.count; i++) up[Math.max(c.bodyA[i], c.bodyB[i])] += fn[i] * Math.abs(c.normal[3 * i + 2]);
      for (let b = 1; b <= 5; b++) expect(Math.abs(up[b] / ((6 - b) * 9.81) - 1), `under box ${b}`).toBeLessThan(1e-3);
    });

    it(`${mode}: a tilted, spinning 0.5 m box dropped at dt = 1/240 s is at rest after 1 s (no period-2 rocking)`, () => {
      // the dashpot and the friction both act on the box's tilt; a step that takes more than
      // twice a tilt speed flips it every step (exact-heave splitting W₀ + (N − 1)·m: soft
      // rocked at 3.4e-2 rad/s forever). Measured after 1 s: 2.2e-10 (soft), 2e-14 (penalty)
      const tilted = {
        name: 'b',
        shape: { type: 'box', halfExtents: [0.25, 0.25, 0.25] },
        mass: 1,
        position: [0, 0, 0.26],
        orientation: [0.9998, 0.02, 0.01, 0],
        linearVelocity: [0.1, 0, 0],
        angularVelocity: [0, 0.3, 0.1],
      };
      const s = run(parseScene({ dt: 1 / 240, steps: 1, contact: { mode }, bodies: [GROUND, tilted] }), 240);
      expect(speed(s, 1)).toBeLessThan(1e-4);
    });
  }
});

describe('friction at impacts', () => {
  it("ball-drop: the lateral gradient is hard mode's within 2 %, and 1 nm/s sideways stays nanometres", () => {
    const scene = (mode: Mode, vy = 0): Scene =>
      parseScene({
        dt: 1e-3,
        steps: 3000,
        contact: { mode, stiffness: 1e4, temperature: 1e-4, friction: 0.5, restitution: 0.8 },
        bodies: [
          GROUND,
          {
            name: 'ball',
            shape: { type: 'sphere', radius: R },
            mass: 1,
            position: [0, 0, 1 + R],
            linearVelocity: [0, vy, 0],
          },
        ],
      });
    const hard = gradient(scene('hard'), 'ball.position.y', ['ball.linearVelocity.y']).grad['ball.linearVelocity.y'];
    // frictionless it would be T = 3 s; friction at each impact spins the ball up: less
    expect(hard).toBeGreaterThan(1);
    expect(hard).toBeLessThan(3);
    for (const mode of ['penalty', 'soft'] as const) {
      const g = gradient(scene(mode), 'ball.position.y', ['ball.linearVelocity.y']).grad['ball.linearVelocity.y'];
      // measured 1.4 % (penalty), 0.3 % (soft)
      expect(Math.abs(g / hard - 1), mode).toBeLessThan(0.02);
      const drift = run(scene(mode, 1e-9), 3000).bodyQ[8];
      expect(Math.abs(drift)).toBeLessThan(3e-9);
    }
  });
});
