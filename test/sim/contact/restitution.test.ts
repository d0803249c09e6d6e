// The damping ratio of a restitution (sim/contact/restitution.ts) against the ODE it
// summarizes: the clamped linear spring–dashpot x″ = −x − 2ζx′ (x the penetration, unit
// frequency), entered at x′ = 1, left when the force x + 2ζx′ reaches 0 (or x does);
// integrated here by RK4, independently of the closed form.
import { describe, expect, it } from 'vitest';
import {
  createDampingRatio,
  dampingRatioOfRestitution,
  MIN_RESTITUTION,
  restitutionOfDampingRatio,
} from '../../../sim/contact/restitution.ts';

/** Exit speed over entry speed of the clamped oscillator with damping ratio ζ (RK4, h = 1e-4). */
function restitutionByOde(zeta: number): number {
  let x = 0;
  let v = 1;
  const h = 1e-4;
  const acc = (xx: number, vv: number) => -xx - 2 * zeta * vv;
  for (let i = 0; i < 1e7; i++) {
    const k1x = v,
      k1v = acc(x, v);
    const k2x = v + (h / 2) * k1v,
      k2v = acc(x + (h / 2) * k1x, v + (h / 2) * k1v);
    const k3x = v + (h / 2) * k2v,
      k3v = acc(x + (h / 2) * k2x, v + (h / 2) * k2v);
    const k4x = v + h * k3v,
      k4v = acc(x + h * k3x, v + h * k3v);
    const xn = x + (h / 6) * (k1x + 2 * k2x + 2 * k3x + k4x);
    const vn = v + (h / 6) * (k1v + 2 * k2v + 2 * k3v + k4v);
    // the force reaches 0 within this step: interpolate the exit speed linearly
    const f0 = x + 2 * zeta * v,
      f1 = xn + 2 * zeta * vn;
    if (i > 0 && f1 <= 0) return -(v + ((vn - v) * f0) / (f0 - f1));
    x = xn;
    v = vn;
  }
  throw new Error('no exit');
}

describe('restitution ↔ damping ratio of the clamped spring–dashpot', () => {
  it("the closed form e(ζ) is the ODE's rebound, under-, critically and over-damped (1e-6)", () => {
    for (const zeta of [0.05, 0.3, 0.7, 0.99995, 1, 1.00003, 2, 5]) {
      expect(Math.abs(restitutionOfDampingRatio(zeta) - restitutionByOde(zeta)), `ζ = ${zeta}`).toBeLessThan(1e-6);
    }
    expect(restitutionOfDampingRatio(1)).toBeCloseTo(Math.exp(-2), 14);
  });

  it('ζ(e) inverts it, and dζ/de matches central differences', () => {
    const out = createDampingRatio();
    for (const e of [MIN_RESTITUTION * 1.5, 0.1, 0.2, 0.5, 0.8, 0.95, 0.999]) {
      const zeta = dampingRatioOfRestitution(e, out).value;
      expect(restitutionOfDampingRatio(zeta)).toBeCloseTo(e, 12);
      const h = 1e-6 * e;
      const fd =
        (dampingRatioOfRestitution(e + h, createDampingRatio()).value -
          dampingRatioOfRestitution(e - h, createDampingRatio()).value) /
        (2 * h);
      expect(Math.abs(out.dRestitution / fd - 1), `e = ${e}`).toBeLessThan(1e-6);
    }
  });

  it("e = 1 is no damping; e below the floor takes the floor's ζ with a zero slope (the documented kink)", () => {
    expect(dampingRatioOfRestitution(1, createDampingRatio()).value).toBe(0);
    const floor = dampingRatioOfRestitution(MIN_RESTITUTION, createDampingRatio()).value;
    for (const e of [0, MIN_RESTITUTION / 2]) {
      const r = dampingRatioOfRestitution(e, createDampingRatio());
      expect(r.value).toBe(floor);
      expect(r.dRestitution).toBe(0);
    }
    expect(() => dampingRatioOfRestitution(1.5, createDampingRatio())).toThrow(RangeError);
  });
});
