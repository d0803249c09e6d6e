// The validity radius (sim/validity.ts): each decision kind's first-order distance against
// where a fine sweep of the AD gradient sees it change (validity-cases.ts), and the
// issue's three reproducers — a ball 19 µm above the ground at the last step (hard), the
// probe of the ball around it, and value jumps in a sweep with their cause.
import { describe, expect, it } from 'vitest';
import { formatGradReport } from '../../../scenes/cli/grad.ts';
import { buildModel } from '../../../sim/builder.ts';
import { gradient } from '../../../sim/gradient.ts';
import { probe } from '../../../sim/probe.ts';
import { parseScene } from '../../../sim/scene.ts';
import { sweep, sweepFunction } from '../../../sim/sweep.ts';
import { measureCase, validityCases } from './validity-cases.ts';

/** The first reproducer: r = 0.1 ball dropped from z0, hard mode, e = 0.5, 200 steps of 1 ms. */
function dropScene(z0: number, mode = 'hard') {
  return parseScene({
    dt: 0.001,
    steps: 200,
    gravity: [0, 0, -9.81],
    contact: { mode, restitution: 0.5 },
    bodies: [
      { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } },
      { name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 1, position: [0, 0, z0] },
    ],
  });
}

describe('predicted distance to a flip against the sweep, per decision kind', () => {
  for (const c of validityCases()) {
    it(`${c.name}: within 10 % of where the gradient changes`, () => {
      const m = measureCase(c);
      expect(m.decision).toContain(c.decision);
      expect(Number.isFinite(m.swept)).toBe(true);
      expect(m.error).toBeLessThan(0.1);
    });
  }
});

describe('validWithin on a gradient', () => {
  it("a ball 19 µm above the ground at T (hard): holds for 1.9e-5 in z0, set by the last step's onset", () => {
    const r = gradient(dropScene(0.2972), 'ball.position.z', ['ball.position.z']);
    // in free flight z(T) − r is the gap the parameter must close: the closed-form flip
    const gap = r.value - 0.1;
    expect(gap).toBeCloseTo(1.9e-5, 8);
    expect(r.validWithin?.distance).toBeCloseTo(gap, 9);
    expect(r.validWithin?.decision).toBe('step 199: ground/ball onset');
    expect(r.validWithin?.byParameter['ball.position.z'].distance).toBeCloseTo(gap, 9);
    expect(r.decisions?.[0].flipAt['ball.position.z']).toBeCloseTo(0.2972 - gap, 9);
    const words = formatGradReport(
      'ball.position.z',
      { value: r.value, grad: r.grad, kinks: r.kinks, validWithin: r.validWithin },
      undefined,
    );
    expect(words).toContain(
      'this gradient holds for changes up to 1.9e-5 in ball.position.z; nearest decision: step 199, ground/ball onset',
    );
  });

  it('each reported kink carries its distance: a penalty onset |d| moves 1:1 with z0', () => {
    // the ball 81 µm above the ground at the start of the last step: margin |d| in m, ∂d/∂z0 = 1
    const r = gradient(dropScene(0.2953, 'penalty'), 'ball.position.z', ['ball.position.z']);
    const onset = r.kinks.find((k) => k.label === 'step 199: ground/ball onset');
    expect(onset?.margin).toBeCloseTo(8.1e-5, 8);
    expect(onset?.distance).toBeCloseTo(onset?.margin as number, 9);
  });

  it('is null when no decision moves with the parameters, absent when not asked for', () => {
    // 0.5 s of free fall from 10 m: the ground never enters the contact margin, and the
    // friction coefficient moves nothing (the ball's approach to the ground included)
    const free = parseScene({ ...dropScene(10), steps: 500 });
    expect(gradient(free, 'ball.position.z', ['ball.friction']).validWithin).toBeNull();
    expect(
      gradient(dropScene(0.2972), 'ball.position.z', ['ball.position.z'], { validity: false }).validWithin,
    ).toBeUndefined();
  });

  it('a free fall that ends far above the ground is bounded by its approach: the ground entering the margin', () => {
    // from z0 = 10 m, before step 499 the centre has fallen g·dt²·499·500/2 (semi-implicit Euler)
    const free = parseScene({ ...dropScene(10), steps: 500 });
    const r = gradient(free, 'ball.position.z', ['ball.position.z']);
    expect(r.validWithin?.decision).toBe('step 499: ground/ball approach');
    const gap = 10 - (9.81 * 1e-6 * 499 * 500) / 2 - 0.1;
    // hard mode: the slope is a one-sided difference (step 1e-6 m of a 8.7 m margin: ~1e-8 rounding)
    const expected = gap - buildModel(free).contact.margin;
    expect(Math.abs((r.validWithin?.distance as number) - expected) / expected).toBeLessThan(1e-7);
  });

  it("per parameter: the nearest decision along each alone, in that parameter's unit", () => {
    // the onset moves with z0 (1 per m) and with v_z0 (T = 0.2 s per m/s): 0.2× the distance in m/s
    const r = gradient(dropScene(0.2972), 'ball.position.z', ['ball.position.z', 'ball.linearVelocity.z']);
    const dz = r.validWithin?.byParameter['ball.position.z'].distance as number;
    const dv = r.validWithin?.byParameter['ball.linearVelocity.z'].distance as number;
    expect(dv / dz).toBeCloseTo(1 / 0.2, 1);
    expect(r.validWithin?.distance).toBeCloseTo(1 / Math.hypot(1 / dz, 1 / dv), 9);
  });
});

describe('the probe judges the ball of radius R', () => {
  it('z0 = 0.2967, R = 3 mm (hard): kink in the ball, smooth at the point; the onset 0.48 mm away', () => {
    const p = probe(dropScene(0.2967), { of: 'ball.position.z', wrt: ['ball.position.z'], radius: 0.003, samples: 4 });
    expect(p.atPoint).toBe('smooth');
    expect(p.verdict).toBe('kink');
    expect(p.flipsWithin[0].label).toBe('step 199: ground/ball onset');
    expect(p.flipsWithin[0].distance).toBeCloseTo(4.81e-4, 5);
    expect(p.reason).toMatch(/the gradient jumps by 1\.5 at 0\.000480\d towards step 199: ground\/ball onset/);
  });

  it('the final velocity jumps at the same onset: discontinuous', () => {
    const p = probe(dropScene(0.2967), {
      of: 'ball.linearVelocity.z',
      wrt: ['ball.position.z'],
      radius: 0.003,
      samples: 4,
    });
    expect(p.verdict).toBe('discontinuous');
  });
});

describe('sweeps find value jumps and saw-teeth, with their cause', () => {
  it("the final velocity across the last step's onset (hard): a value jump of (1 + e)·v caused by that onset", () => {
    const r = sweep(dropScene(0.2972), {
      of: 'ball.linearVelocity.z',
      wrt: 'ball.position.z',
      from: 0.2969,
      to: 0.2973,
      n: 5,
    });
    const s = r.hard!;
    expect(s.valueJumps).toHaveLength(1);
    const j = s.valueJumps[0];
    expect(j.at).toBeCloseTo(0.2972 - 1.9e-5, 7);
    // the bounce turns −v into +e·v with v ≈ g·T ≈ 1.96 m/s (restitution 0.5)
    expect(-j.size).toBeGreaterThan(1.4 * 1.9);
    expect(j.cause?.decision).toBe('step 199: ground/ball onset');
  });

  it('a saw-tooth: value jumps of one sign against the slope between them', () => {
    const tooth = (x: number) => x - 0.1 * Math.floor(x / 0.1);
    const s = sweepFunction(
      { value: tooth, gradient: (x) => ({ value: tooth(x), grad: 1, kinks: [] }) },
      { from: 0.05, to: 0.55, n: 26 },
    );
    expect(s.jumps).toEqual([]);
    // each within its finest interval (spacing 0.02 / 2^12)
    expect(s.valueJumps).toHaveLength(5);
    s.valueJumps.forEach((j, k) =>
      expect(Math.abs(j.at - 0.1 * (k + 1))).toBeLessThanOrEqual(j.interval[1] - j.interval[0]),
    );
    expect(s.sawTooth?.kind).toBe('jumps');
    expect(s.sawTooth?.teeth).toBe(5);
    expect(s.sawTooth?.meanJump).toBeCloseTo(-0.1, 4);
    expect(s.sawTooth?.meanPeriod).toBeCloseTo(0.1, 6);
  });

  // The scene: a ball (r 0.1) moving down at a constant 4.5 m/s (no gravity), bouncing
  // off the ground (e = 0.5); its final height against its start height. Continuous time: a
  // straight line. Discrete time: the first contact step moves by one every v·dt = 4.5 mm
  // of start height, and the penalty dashpot, ramped in over the first τ of penetration,
  // is crossed within that one step: a continuous saw-tooth of that period.
  const speed = 4.5;
  const constantSpeed = (mode: string) =>
    parseScene({
      dt: 0.001,
      steps: 100,
      gravity: [0, 0, 0],
      contact: { mode, restitution: 0.5 },
      bodies: [
        { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } },
        {
          name: 'ball',
          shape: { type: 'sphere', radius: 0.1 },
          mass: 1,
          position: [0, 0, 0.3],
          linearVelocity: [0, 0, -speed],
        },
      ],
    });

  // With the step-exact contact (sim/contact/step-exact.ts) the penalty dashpot's activation
  // is the share of the step's window in contact, a ramp over ±½√(τ² + (v·dt)²) around
  // touch: the ramp is no longer crossed within one step, so the 1.5 mm teeth of the
  // all-or-nothing activation are gone. What the detector may still find are the ramp's
  // kinks (d = ±h) moving from one step to the next every v·dt.
  it("penalty, constant downward speed: close to the continuous straight line; any teeth left are of period v·dt, µm-sized, between the ramp's ends", () => {
    const s = sweep(constantSpeed('penalty'), {
      of: 'ball.position.z',
      wrt: 'ball.position.z',
      from: 0.3,
      to: 0.3145,
      n: 59,
    }).penalty!;
    // the value is continuous: no value jump, and no jump without its cause
    expect(s.valueJumps).toEqual([]);
    for (const j of s.jumps) expect(j.cause).not.toBeNull();
    // the continuous-time answer is a straight line: a ripple below the soft mode's 0.5 mm
    // (measured 45 µm; the all-or-nothing ramp's teeth were 1.5 mm)
    const slope = (s.value[s.value.length - 1] - s.value[0]) / (s.x[s.x.length - 1] - s.x[0]);
    const ripple = Math.max(...s.value.map((v, i) => Math.abs(v - s.value[0] - slope * (s.x[i] - s.x[0]))));
    expect(ripple).toBeLessThan(5e-4);
    const t = s.sawTooth;
    if (t !== null) {
      expect(t.kind).toBe('flanks');
      expect(t.meanPeriod).toBeCloseTo(speed * 0.001, 6);
      // a tooth is a thousandth of the step's travel at most (measured 1.8 µm of 4.5 mm)
      expect(Math.abs(t.meanJump)).toBeLessThan(1e-3 * speed * 0.001);
      for (const f of t.flanks!) for (const c of f.causes) expect(c?.decision).toMatch(/ground\/ball damping ramp$/);
    }
  });

  it('soft, the same scene: smooth (no decision flips); what is left is a ripple of the same period below 0.5 mm', () => {
    const s = sweep(constantSpeed('soft'), {
      of: 'ball.position.z',
      wrt: 'ball.position.z',
      from: 0.3,
      to: 0.3145,
      n: 59,
    }).soft!;
    expect(s.jumps).toEqual([]);
    expect(s.valueJumps).toEqual([]);
    expect(s.sawTooth).toBeNull();
    const slope = (s.value[s.value.length - 1] - s.value[0]) / (s.x[s.x.length - 1] - s.x[0]);
    const ripple = Math.max(...s.value.map((v, i) => Math.abs(v - s.value[0] - slope * (s.x[i] - s.x[0]))));
    expect(ripple).toBeLessThan(5e-4);
  });

  it('a continuous kink is not a value jump', () => {
    const s = sweepFunction(
      {
        value: (x) => Math.abs(x - 0.3),
        gradient: (x) => ({ value: Math.abs(x - 0.3), grad: Math.sign(x - 0.3), kinks: [] }),
      },
      { from: 0, to: 1, n: 11 },
    );
    expect(s.jumps).toHaveLength(1);
    expect(s.valueJumps).toEqual([]);
  });
});
