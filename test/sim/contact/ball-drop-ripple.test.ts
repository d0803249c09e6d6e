// The full ball-drop (scenes/ball-drop.json: 3000 steps, five bounces) differentiated in
// drop height z₀, penalty and soft. Issue 12 found AD and the sweep's finite difference
// (step spacing/8 = 1.25 mm) agreeing at 1–2 of 11 points. Not an AD error: the discrete
// map's gradient ripples with the phase of each impact within its step (period: one
// step's travel at impact, √(2g·H)·dt = 4.4 mm of z₀ for the first bounce; later bounces
// compound shorter ones), so a 1.25 mm secant is not its derivative. Penalty's map also
// has kinks (the activation ramp's ends, reported by sim/validity.ts at 3.5e-6 … 7.6e-5 m).
// Checked here: AD equals the central difference once the step is inside the validity
// radius (all 11 points, both modes: `npx tsx test/sim/contact/ball-drop-ripple.ts`), and
// the ripple's period is the step's travel at impact (kinematics, outside the simulator).
import { describe, expect, it } from 'vitest';
import { gradient } from '../../../sim/gradient.ts';
import { ballDrop, centralDifference } from './ball-drop-ripple.ts';

const G = 9.81;
const DT = 1e-3;
const R = 0.1;

describe('ball-drop, 3000 steps: AD is the derivative of the discrete map', () => {
  for (const mode of ['soft', 'penalty'] as const) {
    it(`${mode}: AD = central differences within 1e-3 at z₀ = 1.06, 1.10, 1.14 with the step inside the validity radius`, () => {
      // measured |AD/FD − 1| ≤ 3.9e-4 (soft), 1e-7 (penalty) over the 11 sweep points
      for (const z0 of [1.06, 1.1, 1.14]) {
        const r = gradient(ballDrop(mode, z0), 'ball.position.z', ['ball.position.z']);
        const radius = r.validWithin?.distance ?? Infinity;
        const delta = Math.min(1e-6, radius / 2);
        const fd = centralDifference(mode, z0, delta);
        const ad = r.grad['ball.position.z'];
        expect(Math.abs(ad / fd - 1), `z₀ = ${z0}: AD ${ad}, FD ${fd} (δ ${delta})`).toBeLessThan(1e-3);
      }
    });
  }

  it("soft, first bounce: the gradient ripples with the impact's phase, period √(2gH)·dt in z₀", () => {
    // after 600 steps (one bounce) ∂z/∂z₀ ranges over −0.13 … −0.53 with z₀; shifting z₀ by
    // one step's travel at impact puts the impact at the same phase of its step (period
    // P = v·dt, v = √(2gH), H = z₀ − R the fall), half of it at the opposite phase
    const z0 = 1.1;
    const period = Math.sqrt(2 * G * (z0 - R)) * DT;
    const ad = (z: number) =>
      gradient(ballDrop('soft', z, 600), 'ball.position.z', ['ball.position.z'], { validity: false }).grad[
        'ball.position.z'
      ];
    const here = ad(z0);
    const opposite = ad(z0 + period / 2);
    const again = ad(z0 + period);
    const swing = Math.abs(here - opposite);
    expect(swing).toBeGreaterThan(0.1);
    // measured: the same phase gives back the gradient within 2 % of the swing
    expect(Math.abs(again - here)).toBeLessThan(0.05 * swing);
  });
});
