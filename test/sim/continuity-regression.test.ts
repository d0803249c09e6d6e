// Gradient-continuity regression tests (issue 4) on four scenes — ball-drop onset,
// glancing sphere–sphere onset, a box tipping over its front edge, a box going from
// sliding to sticking — in both modes of the toggle:
// - hard: the gradient jumps where the discrete scheme's onset lies, derived in closed
//   form (onset-scenes.ts, comments above each scene), and nowhere else;
// - soft: no jump survives refinement, and the Lipschitz estimate of the gradient tracks
//   the smoothing scale of the decision that makes the hard kink (1/τ for the normal
//   force's softplus, 1/ε for the friction law, which τ does not smooth).
// The soft ball drop and glancing spheres (no jump, L ∝ 1/τ) are in sweep.test.ts.
import { describe, expect, it } from 'vitest';
import { STICK_SLIP_SPEED } from '../../sim/hard/impulse-adjoint.ts';
import { DEFAULT_TOLERANCE } from '../../sim/hard/settings.ts';
import { sceneFunction } from '../../sim/scene-function.ts';
import { FD_STEP_FRACTION, sweep, type ModeSweep } from '../../sim/sweep.ts';
import {
  DROP,
  GLANCE,
  GLANCE_REACH,
  HARD_DROP_RESTITUTION,
  HARD_GLANCE_SLOPE,
  SLIDE,
  SLIDE_STOP_SPEED,
  TIP,
  TIP_FRICTION,
  bouncingDropScene,
  dropOnset,
  frictionlessGlanceScene,
  hardDropFinal,
  hardDropOnset,
  hardGlanceOnset,
  slideScene,
  softStopMap,
  tipLiftSpeedPerFriction,
  tipScene,
  tipSlope,
} from './onset-scenes.ts';

/** Whether the jump's finest interval holds `x`, up to `slack` (rounding of the parameter grid). */
function holds(j: ModeSweep['jumps'][number], x: number, slack = 1e-12): boolean {
  return x >= j.interval[0] - slack && x <= j.interval[1] + slack;
}

/** The grid's FD step (sweep.ts: spacing/8). */
function fdStep(r: ModeSweep): number {
  return FD_STEP_FRACTION * (r.x[1] - r.x[0]);
}

describe('hard mode: a gradient jump at the derived onset, and nowhere else', () => {
  it('ball drop: d z_T/d h steps from −e to 1 at h_N = r + ½ g dt² N(N+1), the onset of step N−1', () => {
    const N = DROP.steps;
    const e = HARD_DROP_RESTITUTION;
    const onset = hardDropOnset();
    // grid spacing 1 mm, the onset 0.3 mm above a grid point; down to ~3 steps of bouncing
    const r = sweep(bouncingDropScene(1), {
      of: 'ball.position.z',
      wrt: 'ball.position.z',
      from: onset - 0.0093,
      to: onset + 0.0027,
      n: 13,
      modes: ['hard'],
    }).hard!;
    // values and slopes on the grid: the discrete closed form
    r.x.forEach((x, i) => {
      const c = hardDropFinal(x);
      expect(r.value[i]).toBeCloseTo(c.value, 12);
      expect(r.grad[i]).toBeCloseTo(c.slope, 9);
    });
    expect(r.jumps).toHaveLength(1);
    const [j] = r.jumps;
    expect(holds(j, onset)).toBe(true);
    expect(j.kinks[0].label).toBe(`step ${N - 1}: ground/ball onset`);
    // size 1 + e, less what the slope −e + 2(1 + e)(1 − s)/N below the onset still differs
    // from −e at the interval's lower end, 1 − s ≤ width/(U dt)
    const width = j.interval[1] - j.interval[0];
    const U = DROP.g * DROP.dt * N;
    expect(j.size).toBeCloseTo(hardDropFinal(j.interval[1]).slope - hardDropFinal(j.interval[0]).slope, 9);
    expect(Math.abs(j.size - (1 + e))).toBeLessThanOrEqual((2 * (1 + e) * width) / (N * U * DROP.dt) + 1e-12);
    // placed at its time of impact the bounce leaves the height continuous across the onset
    expect(Math.abs(j.valueJump)).toBeLessThanOrEqual((1 + e) * width);
    // ½ g T dt above the continuous-time onset: the semi-implicit free flight's offset
    const T = N * DROP.dt;
    expect(onset - (DROP.radius + 0.5 * DROP.g * T * T)).toBeCloseTo(0.5 * DROP.g * T * DROP.dt, 12);
    // nowhere else: where the bounce moves to the next step the slope steps by ≈ (1 + e)/N
    // only, below the sweep's tolerance (1 % of the largest |gradient|)
    for (let k = 1; k <= 3; k++) {
      const h = dropOnset(N - k);
      const step = hardDropFinal(h + 1e-9).slope - hardDropFinal(h - 1e-9).slope;
      expect(Math.abs(step)).toBeGreaterThan(0);
      expect(Math.abs(step)).toBeLessThan(r.jumpTol);
    }
    // FD of the plain simulator agrees wherever no step's onset (a value step of
    // O((1 + e) g dt²)) lies within the FD step
    const onsets = Array.from({ length: 10 }, (_, k) => dropOnset(N - k));
    r.x.forEach((x, i) => {
      if (onsets.every((o) => Math.abs(o - x) > fdStep(r))) expect(r.fdGrad[i]).toBeCloseTo(r.grad[i], 6);
    });
  });

  it('glancing spheres: the first jump at b_99 ≈ R + (v dt)²/(2R), none beyond; a ±1/(2dt) staircase inside', () => {
    const R = GLANCE_REACH;
    const S = HARD_GLANCE_SLOPE;
    // 1 µm spacing, grid points ≥ 0.25 µm from every onset (they are 2.5 µm apart)
    const r = sweep(frictionlessGlanceScene(R, 'hard'), {
      of: 'b.linearVelocity.y',
      wrt: 'a.position.y',
      from: R - 15.75e-6,
      to: R + 4.25e-6,
      n: 21,
      modes: ['hard'],
    }).hard!;
    const top = hardGlanceOnset(99);
    expect(top).toBeGreaterThan(R);
    expect(top).toBeGreaterThan(Math.max(hardGlanceOnset(98), hardGlanceOnset(100), hardGlanceOnset(97)));
    // beyond the first onset nothing touches
    r.x.forEach((x, i) => {
      if (x > top) expect([r.value[i], r.grad[i]]).toEqual([0, 0]);
    });
    // the first onset: one contact after free flight, λ = m_eff (R − s_99(b))/dt along
    // n_y = −b/D, so the slope below it is (m_eff/(m_b dt))·b²(b² + 2ε²)/D⁴, ε = v dt, D² = b² + ε²
    const last = r.jumps.reduce((p, q) => (q.at > p.at ? q : p));
    expect(holds(last, top)).toBe(true);
    expect(last.kinks[0].label).toBe('step 99: a/b onset');
    const eps2 = (GLANCE.speed * GLANCE.dt) ** 2;
    const D2 = top * top + eps2;
    expect(last.size / -(S * ((top * top * (top * top + 2 * eps2)) / (D2 * D2)))).toBeCloseTo(1, 6);
    expect(Math.abs(last.valueJump)).toBeLessThanOrEqual(S * (last.interval[1] - last.interval[0]));
    // the onsets of steps 98 and 97 come before any contact: their free-flight b_j hold
    for (const step of [98, 97]) {
      const at = hardGlanceOnset(step);
      const j = r.jumps.find((q) => holds(q, at));
      expect(j, `step ${step}`).toBeDefined();
      expect(j!.kinks[0].label).toBe(`step ${step}: a/b onset`);
    }
    // inside, the staircase: slopes 0 or 1/(2dt), each change ±1/(2dt), up to the normals'
    // tilt from y, (|x_j|/R)² ≤ (3 v dt / R)² ≈ 2e-4
    const tilt = 1e-3;
    expect(r.jumps.length).toBeGreaterThanOrEqual(4);
    for (const j of r.jumps) {
      expect(Math.abs(Math.abs(j.size) / S - 1), `jump at ${j.at}`).toBeLessThan(tilt);
      expect(j.kinks[0].label).toMatch(/^step (9[6-9]|100): a\/b onset$/);
    }
    r.grad.forEach((g) => expect(Math.min(Math.abs(g), Math.abs(g - S)) / S).toBeLessThan(tilt));
  });

  it("slide to stick: d v_T/d v steps from 0 to 1 at v* = μgT, shifted by the adjoint's stick/slip speed", () => {
    const N = SLIDE.steps;
    const vStar = SLIDE_STOP_SPEED;
    // the adjoint takes a contact sliding slower than STICK_SLIP_SPEED as sticking
    // (impulse-adjoint.ts): the last step's slip is v − v*, so the slope switches at
    const switchAt = vStar + STICK_SLIP_SPEED;
    const r = sweep(slideScene(1, 'hard'), {
      of: 'box.linearVelocity.x',
      wrt: 'box.linearVelocity.x',
      from: vStar - 0.0475,
      to: vStar + 0.0325,
      n: 9,
      modes: ['hard'],
    }).hard!;
    expect(r.jumps).toHaveLength(1);
    const [j] = r.jumps;
    // the solve resolves velocities to its tolerance: so is the slip the switch reads
    expect(holds(j, switchAt, DEFAULT_TOLERANCE)).toBe(true);
    expect(j.size).toBeCloseTo(1, 6);
    expect(j.kinks[0].label).toBe(`step ${N - 1}: ground/box stick/slip`);
    // the value is continuous: v_T = max(v − v*, 0), to the solver's tolerance
    r.x.forEach((x, i) => expect(Math.abs(r.value[i] - Math.max(x - vStar, 0))).toBeLessThan(DEFAULT_TOLERANCE));
    expect(Math.abs(j.valueJump)).toBeLessThan(j.interval[1] - j.interval[0] + DEFAULT_TOLERANCE);
    // slopes 0 (stopped) and 1 (sliding), and FD agrees up to the solver's noise: values
    // off by ≤ tol each move a central difference of step h by ≤ tol/h = 8e-4
    r.x.forEach((x, i) => {
      expect(r.grad[i]).toBeCloseTo(x < vStar ? 0 : 1, 9);
      expect(Math.abs(r.fdGrad[i] - r.grad[i])).toBeLessThan(DEFAULT_TOLERANCE / fdStep(r));
    });
    expect(r.lipschitz).toBeLessThan(1e-6);
  });

  it("tipping: d q_y(T)/dμ steps from 0 to the linearized pivot slope at μ* = a/b, within the solve's tolerance", () => {
    const muStar = TIP_FRICTION;
    const slope = tipSlope();
    // μ* is decided only where the rear corners' lift speed exceeds the solve's tolerance
    const band = DEFAULT_TOLERANCE / tipLiftSpeedPerFriction();
    expect(band).toBeLessThan(1e-4);
    // spacing 5e-3, μ* 1.5e-3 below a grid point; above μ* the box tips ~10° by μ* + 0.015
    const r = sweep(tipScene(0.5, 'hard'), {
      of: 'box.orientation.y',
      wrt: 'contact.friction',
      from: 0.4715,
      to: 0.5165,
      n: 10,
      modes: ['hard'],
    }).hard!;
    expect(r.jumps).toHaveLength(1);
    const [j] = r.jumps;
    expect(Math.abs(j.at - muStar)).toBeLessThanOrEqual(band);
    expect(j.kinks[0].label).toMatch(/^step \d+: ground\/box onset$/);
    // within the band the step comes in parts: which side of μ* the rear contacts of a step
    // fall on is the solve's call there, so the split follows its sweep order (measured with
    // buffer-order sweeps: 98 % at μ* − (1–4)e-7, the rest by μ* + 2e-5; since solves short of
    // tolerance after 5 sweeps continue in reverse order: 94.7 % at μ* − (1–4)e-7, 1.8 % by
    // μ* + 3e-6, the rest by μ* + 1e-5): the bisection follows the largest part, and the
    // whole step is checked against the closed form below
    expect(j.size / slope).toBeGreaterThan(0.9);
    expect(j.size / slope).toBeLessThan(1 + 1e-3);
    expect(Math.abs(j.valueJump)).toBeLessThanOrEqual(slope * (j.interval[1] - j.interval[0]));
    // below μ*: slides flat (the pitch the solve's tolerance allows: N dt · tol / a ≈ 4e-6 rad)
    const pitchNoise = (TIP.steps * DROP.dt * DEFAULT_TOLERANCE) / TIP.halfExtents[0];
    r.x.forEach((x, i) => {
      if (x < muStar) {
        expect(Math.abs(r.value[i])).toBeLessThan(pitchNoise);
        expect(Math.abs(r.grad[i])).toBeLessThan(1e-9);
      } else {
        // above it, AD agrees with FD of the plain simulator
        expect(Math.abs(r.fdGrad[i] - r.grad[i])).toBeLessThan(1e-4 * Math.abs(r.grad[i]));
      }
    });
    // the whole step across the band: the slope just above it, extrapolated linearly to μ*
    // (the nonlinear growth is ~1.5 % per 1e-3), against the closed form
    const f = sceneFunction(tipScene(0.5, 'hard'), 'box.orientation.y', ['contact.friction']);
    const g1 = f.gradient([muStar + 1e-4]).grad[0];
    const g2 = f.gradient([muStar + 2e-4]).grad[0];
    expect((2 * g1 - g2) / slope).toBeCloseTo(1, 4);
  });
});

describe('soft mode: no jump under refinement; the Lipschitz constant follows the smoothing scale', () => {
  it('tipping: L grows like 1/τ (L·τ within 0.6–1.2 m over τ = 0.2 … 0.025 mm)', () => {
    const temperatures = [2e-4, 1e-4, 5e-5, 2.5e-5];
    const sweeps = temperatures.map(
      (tau) =>
        sweep(tipScene(0.5, 'soft', { temperature: tau }), {
          of: 'box.orientation.y',
          wrt: 'contact.friction',
          from: 0.4,
          to: 0.6,
          n: 21,
          modes: ['soft'],
        }).soft!,
    );
    sweeps.forEach((s) => expect(s.jumps).toEqual([]));
    // each step's rear-corner onset is a softplus of width τ. Where the compliant box's
    // rear corners start to lift (μ ≈ 0.46–0.47, a little below the rigid μ* = 0.5) the
    // onsets of consecutive steps crowd (the penalty limit has jumps at steps 179–197
    // within Δμ ≈ 0.01), so the smoothed ones overlap more the larger τ: measured L·τ =
    // 0.95, 1.13, 1.02, 0.70 m, i.e. L ∝ τ^−0.85 here, against an 8× spread for an L that
    // did not follow τ
    sweeps.forEach((s, k) => {
      expect(s.lipschitz * temperatures[k], `τ = ${temperatures[k]}`).toBeGreaterThan(0.6);
      expect(s.lipschitz * temperatures[k], `τ = ${temperatures[k]}`).toBeLessThan(1.2);
    });
    for (let k = 1; k < sweeps.length; k++) expect(sweeps[k].lipschitz).toBeGreaterThan(sweeps[k - 1].lipschitz);
  });

  it("slide to stick: L follows the 1-D map of the step-integrated soft friction law (ε, and τ only through the corners' shares)", () => {
    const temperatures = [2e-4, 1e-4, 5e-5];
    const range = { from: 0.9, to: 1.1 };
    const sweeps = temperatures.map(
      (tau) =>
        sweep(slideScene(1, 'soft', { temperature: tau }), {
          of: 'box.linearVelocity.x',
          wrt: 'box.linearVelocity.x',
          ...range,
          n: 17,
          modes: ['soft'],
        }).soft!,
    );
    sweeps.forEach((s) => expect(s.jumps).toEqual([]));
    // τ enters only through the corners' activations (their mass shares, softStopMap): the
    // map iterated N times, its largest change of slope; the sweep's estimate is a lower
    // bound of it, and the box's rocking as friction lets go blunts it a little
    const h = 1e-5;
    sweeps.forEach((s, k) => {
      let mapL = 0;
      for (let v = range.from; v < range.to; v += h) {
        mapL = Math.max(
          mapL,
          Math.abs(
            softStopMap(v + h, undefined, undefined, temperatures[k]).slope -
              softStopMap(v, undefined, undefined, temperatures[k]).slope,
          ) / h,
        );
      }
      expect(s.lipschitz / mapL, `τ = ${temperatures[k]}`).toBeGreaterThan(0.85);
      expect(s.lipschitz / mapL, `τ = ${temperatures[k]}`).toBeLessThan(1.02);
    });
  });

  it("slide to stick: the scene's contact.frictionVelocity ε sets L (L·ε ≈ constant, as the friction map says)", () => {
    const range = { from: 0.9, to: 1.1 };
    const h = 1e-5;
    for (const eps of [0.02, 0.005]) {
      const s = sweep(slideScene(1, 'soft', { frictionVelocity: eps }), {
        of: 'box.linearVelocity.x',
        wrt: 'box.linearVelocity.x',
        ...range,
        n: 17,
        modes: ['soft'],
      }).soft!;
      expect(s.jumps).toEqual([]);
      let mapL = 0;
      for (let v = range.from; v < range.to; v += h)
        mapL = Math.max(
          mapL,
          Math.abs(softStopMap(v + h, undefined, eps).slope - softStopMap(v, undefined, eps).slope) / h,
        );
      expect(s.lipschitz / mapL, `ε = ${eps}`).toBeGreaterThan(0.85);
      expect(s.lipschitz / mapL, `ε = ${eps}`).toBeLessThan(1.02);
    }
  });
});
