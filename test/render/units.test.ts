import { describe, expect, it } from 'vitest';
import {
  axisPower,
  axisTitle,
  decadeTicks,
  logTicks,
  outlierRange,
  pathUnit,
  quotientUnit,
  scaledUnit,
  siTicks,
  withUnit,
} from '../../render/units.ts';

describe('units of paths', () => {
  it('names the SI unit of every kind of path, and of a gradient between two', () => {
    expect(pathUnit('ball.position.z')).toBe('m');
    expect(pathUnit('ball.linearVelocity.x')).toBe('m/s');
    expect(pathUnit('ball.angularVelocity.y')).toBe('rad/s');
    expect(pathUnit('ball.orientation.w')).toBe('1');
    expect(pathUnit('box.halfExtents.x')).toBe('m');
    expect(pathUnit('contact.stiffness')).toBe('N/m');
    expect(pathUnit('contact.damping')).toBe('N·s/m²');
    expect(pathUnit('ball.bogus')).toBe('');
    // d z / d v_z: metres per metre-per-second is seconds
    expect(quotientUnit('m', 'm/s')).toBe('s');
    expect(quotientUnit('m', 'm')).toBe('1');
    expect(quotientUnit('m', '1')).toBe('m');
    expect(quotientUnit('m', 'N/m')).toBe('m/(N/m)');
    expect(axisTitle('ball.position.z', 'm')).toBe('ball.position.z [m]');
    expect(axisTitle('ball.orientation.w', '1')).toBe('ball.orientation.w');
  });
});

describe('tick labels', () => {
  it('keeps small ticks readable: one power of ten per axis, carried by the unit, instead of rounding them to 0', () => {
    expect(axisPower(0.001)).toBe(-3);
    expect(axisPower(4e-7)).toBe(-9);
    expect(axisPower(2.5)).toBe(0);
    expect(axisPower(14000)).toBe(3);
    expect(siTicks([0, 0.0005, 0.001], 0.0005, -3)).toEqual(['0', '0.5', '1.0']);
    expect(siTicks([-2e-7, 0, 2e-7, 4e-7], 2e-7, -9)).toEqual(['−200', '0', '200', '400']);
    expect(siTicks([1.5, 2, 2.5], 0.5)).toEqual(['1.5', '2.0', '2.5']);
    expect(siTicks([12000, 14000], 2000, 3)).toEqual(['12', '14']);
    expect(scaledUnit('s', -6)).toBe('µs');
    expect(scaledUnit('m/s', -3)).toBe('mm/s');
    expect(scaledUnit('m/(N/m)', -6)).toBe('×10⁻⁶ m/(N/m)');
    expect(scaledUnit('1', 3)).toBe('×10³');
    // every label of an axis distinct when the ticks are
    expect(new Set(siTicks([0.2995, 0.3, 0.3005], 0.0005)).size).toBe(3);
  });

  it('labels a log axis by powers of ten down to tiny values', () => {
    expect(logTicks([1e-6, 2e-6, 1e-5, 0.1, 1, 10])).toEqual(['1e−6', '', '1e−5', '0.1', '1', '10']);
    expect(logTicks([1e-12])).toEqual(['1e−12']);
    // the ticks of a loss curve that converged to ~1e-29 m²: every 4th power of ten, ending at the top
    expect(decadeTicks(0.003, 20)).toEqual([0.01, 0.1, 1, 10]);
    const deep = decadeTicks(1.6e-29, 0.1);
    expect(deep[deep.length - 1]).toBe(0.1);
    expect(deep.length).toBeLessThanOrEqual(8);
    expect(logTicks(deep).every((t) => t !== '')).toBe(true);
    expect(decadeTicks(0, 1)).toEqual([]);
  });

  it('writes a value with an SI-prefixed unit', () => {
    expect(withUnit(0.0561, 'm')).toBe('56.1 mm');
    expect(withUnit(2.5, 'm/s')).toBe('2.50 m/s');
    expect(withUnit(0.3, '1')).toBe('0.300');
    expect(withUnit(0.01, 'm')).toBe('10.0 mm');
    expect(withUnit(0.25, 'm')).toBe('0.250 m');
    expect(withUnit(-0.0715, 's')).toBe('−71.5 ms');
  });
});

describe('outlierRange', () => {
  it('leaves out values beyond 10× the 90th percentile of |v|, and nothing when none is', () => {
    const typical = [1, -2, 3, 1, 2, 1, -1, 2, 1, 0.5, -0.5];
    expect(outlierRange([...typical, 5000, null, -3000])).toEqual({ min: -2, max: 3, outside: [11, 13] });
    // the 90th percentile of |v| is 2: 19 is kept (no range of its own), 21 is left out
    expect(outlierRange([...typical, 19])).toBeNull();
    expect(outlierRange([...typical, 21])).toEqual({ min: -2, max: 3, outside: [11] });
    // too few points to tell an outlier, and a flat curve
    expect(outlierRange([1, 2, 5000])).toBeNull();
    expect(outlierRange(Array(20).fill(0))).toBeNull();
  });
});
