// The workers' jobs in node: recording a track (and its first frames while it runs), the gradient sweep and its validity radius, the sweep's task order.
import { describe, expect, it } from 'vitest';
import { COARSE_POINTS, taskOrder } from '../../render/app/sweep-pool.ts';
import { drain, MIN_DRAWN_FORCE, recordTrack, trackStride } from '../../render/record.ts';
import {
  defaultSweep,
  findJumps,
  labelJumps,
  refinementOrder,
  sweepEvaluator,
  sweepGrid,
  sweepRangeAround,
  validityEvaluator,
} from '../../render/sweep-grid.ts';
import { buildModel, initialState } from '../../sim/builder.ts';
import type { ContactMode } from '../../sim/model.ts';
import { parseScene, type Scene } from '../../sim/scene.ts';
import { simulate } from '../../sim/step.ts';

const G = 9.81; // m/s²

/** A ball in free flight for `steps` ms, far above the ground (no contact). */
function flight(steps: number, objective?: unknown, mode: ContactMode = 'soft'): Scene {
  return parseScene({
    dt: 0.001,
    steps,
    contact: { mode },
    bodies: [
      { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } },
      {
        name: 'ball',
        shape: { type: 'sphere', radius: 0.1 },
        mass: 1,
        position: [0, 0, 10],
        linearVelocity: [1, 0, 2],
      },
    ],
    ...(objective === undefined ? {} : { objective }),
  });
}

describe('recordTrack', () => {
  it.each(['soft', 'penalty', 'hard'] as const)(
    'keeps every stride-th state of the plain rollout, and the last (%s)',
    (mode) => {
      const scene = flight(100, undefined, mode);
      const track = drain(recordTrack(scene));
      const stride = trackStride(scene.dt);
      expect(stride).toBe(17); // ⌈(1/60 s) / 1 ms⌉
      // steps 0, 17, …, 85, then 100
      expect(track.times.length).toBe(7);
      expect(track.times[1]).toBeCloseTo(17e-3, 12);
      expect(track.times[6]).toBeCloseTo(0.1, 12);
      // the kept final pose is the state sim's own rollout ends in
      const model = buildModel(scene);
      const state = simulate(model, initialState(model, scene), scene.steps);
      expect(Array.from(track.poses.subarray(6 * 14, 7 * 14))).toEqual(Array.from(state.bodyQ));
      // free flight: x = v t, z = z0 + v t − g t²/2 (within the integrator's O(g·dt·t) error)
      expect(track.poses[6 * 14 + 7]).toBeCloseTo(0.1, 12);
      expect(Math.abs(track.poses[6 * 14 + 9] - (10 + 2 * 0.1 - (G * 0.01) / 2))).toBeLessThan(G * 1e-3 * 0.1);
      expect(track.contacts?.offsets[7]).toBe(0);
    },
  );

  it("draws a resting ball's contact with the normal force that holds it up: m·g", () => {
    const scene = parseScene({
      dt: 0.001,
      steps: 1500,
      contact: { mode: 'penalty', stiffness: 1e4, damping: 1e4 },
      bodies: [
        { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } },
        { name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 2, position: [0, 0, 0.1] },
      ],
    });
    const track = drain(recordTrack(scene));
    const c = track.contacts!;
    const last = track.times.length - 1;
    expect(c.offsets[last + 1] - c.offsets[last]).toBe(1);
    const k = c.offsets[last];
    // within 0.5 %: after 1.5 s the damped bounce has settled to well below that
    expect(Math.abs(c.force[k] - 2 * G)).toBeLessThan(0.005 * 2 * G);
    expect(Array.from(c.normal.subarray(3 * k, 3 * k + 3))).toEqual([0, 0, 1].map((v) => expect.closeTo(v, 12)));
    expect(c.force.every((f) => f >= MIN_DRAWN_FORCE)).toBe(true);
  });

  it("hard mode: draws a resting ball's contact with the mean force of its impulses, λ_n / dt = m·g", () => {
    const scene = parseScene({
      dt: 0.001,
      steps: 200,
      contact: { mode: 'hard' },
      bodies: [
        { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } },
        { name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 2, position: [0, 0, 0.1] },
      ],
    });
    const track = drain(recordTrack(scene));
    const c = track.contacts!;
    // the initial state: no step, no impulse yet
    expect(c.offsets[1] - c.offsets[0]).toBe(0);
    for (let f = 1; f < track.times.length; f++) {
      expect(c.offsets[f + 1] - c.offsets[f]).toBe(1);
      const k = c.offsets[f];
      // each step's impulse cancels one step of gravity, m·g·dt, to the solver's 1e-6 m/s
      expect(Math.abs(c.force[k] - 2 * G)).toBeLessThan((2 * 1e-6) / scene.dt);
      expect(Array.from(c.normal.subarray(3 * k, 3 * k + 3))).toEqual([0, 0, 1].map((v) => expect.closeTo(v, 12)));
      expect(c.point[3 * k + 2]).toBeCloseTo(0, 6);
    }
  });

  it('hard mode: the corner forces of a resting box add up to its weight', () => {
    const mass = 3; // kg
    const scene = parseScene({
      dt: 0.001,
      steps: 300,
      contact: { mode: 'hard' },
      bodies: [
        { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } },
        { name: 'box', shape: { type: 'box', halfExtents: [0.2, 0.1, 0.05] }, mass, position: [0, 0, 0.05] },
      ],
    });
    const track = drain(recordTrack(scene));
    const c = track.contacts!;
    const last = track.times.length - 1;
    // four corners share the weight (how, the solve does not fix; the sum it must)
    expect(c.offsets[last + 1] - c.offsets[last]).toBe(4);
    const total = Array.from(c.force.subarray(c.offsets[last], c.offsets[last + 1])).reduce((a, b) => a + b, 0);
    expect(Math.abs(total - mass * G)).toBeLessThan((4 * mass * 1e-6) / scene.dt);
  });

  it('yields progress with the frames so far, copied, so a scheduler can interleave it and the page play them early', () => {
    const gen = recordTrack(flight(1000));
    // a yield at every kept frame (every 17th step at 1 ms) but the last
    const stride = trackStride(0.001);
    let r = gen.next();
    for (let k = 1; k < 12; k++) {
      expect(r.done).toBe(false);
      if (r.done) return;
      expect({ done: r.value.done, total: r.value.total }).toEqual({ done: k * stride, total: 1000 });
      if (k < 11) r = gen.next();
    }
    if (r.done) return;
    const partial = r.value.partial();
    const whole = drain(gen);
    // the frames kept by step 11 × 17 (and t = 0): the whole track's first ones
    const n = 12;
    expect(partial.times.length).toBe(n);
    expect(Array.from(partial.times)).toEqual(Array.from(whole.times.subarray(0, n)));
    expect(Array.from(partial.poses)).toEqual(Array.from(whole.poses.subarray(0, partial.poses.length)));
    expect(partial.poses.buffer).not.toBe(whole.poses.buffer);
  });
});

describe('sweep', () => {
  it('grids from `from` to `to` inclusive and refuses degenerate grids', () => {
    expect(sweepGrid({ from: 1, to: 2, n: 5 })).toEqual([1, 1.25, 1.5, 1.75, 2]);
    expect(() => sweepGrid({ from: 1, to: 2, n: 1 })).toThrow(/n must be/);
    expect(() => sweepGrid({ from: 1, to: 1, n: 3 })).toThrow(/differ/);
    expect(sweepRangeAround(3)).toEqual({ from: 1.5, to: 4.5 });
    expect(sweepRangeAround(0)).toEqual({ from: -0.5, to: 0.5 });
  });

  it('gives the exact flight gradient ∂z(T)/∂v_z(0) = T and a value linear in v_z, in every mode', () => {
    const scene = flight(200);
    const T = 0.2; // s
    for (const mode of ['soft', 'penalty', 'hard'] as const) {
      const spec = { of: 'ball.position.z', wrt: 'ball.linearVelocity.z', from: 1, to: 3, n: 3 };
      const points = sweepGrid(spec).map(sweepEvaluator(scene, spec, mode));
      expect(points.map((p) => p.grad)).toEqual([T, T, T].map((v) => expect.closeTo(v, 10)));
      expect(points[2].value - points[1].value).toBeCloseTo(T * 1, 10);
      expect(Math.abs(points[1].value - (10 + 2 * T - (G * T * T) / 2))).toBeLessThan(G * 1e-3 * T);
    }
  });

  it('matches central differences of its own values through a soft bounce', () => {
    // a ball dropped onto the ground, 0.6 s: it lands at ~0.43 s and is in contact at T
    const scene = parseScene({
      dt: 0.001,
      steps: 600,
      contact: { mode: 'soft', stiffness: 1e4, damping: 100, temperature: 0.005 },
      bodies: [
        { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } },
        { name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 1, position: [0, 0, 1] },
      ],
    });
    const h = 1e-4; // m/s: small against the curvature, large against rounding
    const spec = { of: 'ball.position.z', wrt: 'ball.linearVelocity.z', from: -h, to: h, n: 3 };
    const points = sweepGrid(spec).map(sweepEvaluator(scene, spec, 'soft'));
    const fd = (points[2].value - points[0].value) / (2 * h);
    expect(Math.abs(points[1].grad - fd)).toBeLessThan(1e-4 * Math.max(1, Math.abs(fd)));
  });

  it('marks a jump only where the gradient changes by far more than its typical step', () => {
    const x = Array.from({ length: 21 }, (_, i) => i / 20);
    const smooth = x.map((v) => 2 * v); // d/dx of x²
    expect(findJumps(x, smooth)).toEqual([]);
    const kinked = x.map((v) => 2 * v + (v > 0.52 ? 3 : 0)); // + 3·(x − 0.52)₊ in the value
    expect(findJumps(x, kinked)).toEqual([{ from: x[10], to: x[11], size: expect.closeTo(3.1, 9) }]);
    expect(
      findJumps(
        x,
        x.map(() => 1),
      ),
    ).toEqual([]);
    expect(findJumps([0, 1, 2, 3], [1, 1, 5, 5])).toEqual([{ from: 1, to: 2, size: 4 }]);
  });

  it('orders the grid coarse to fine: ends, midpoint, quarter points…, each index once', () => {
    expect(refinementOrder(5)).toEqual([0, 4, 2, 1, 3]);
    expect(refinementOrder(2)).toEqual([0, 1]);
    for (const n of [1, 3, 41, 100]) {
      const order = refinementOrder(n);
      expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
    // after the first 9 of 41 points the grid is evenly covered at spacing 5
    expect(
      refinementOrder(41)
        .slice(0, 9)
        .sort((a, b) => a - b),
    ).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40]);
  });

  it('labels a jump with the decision that moved across it: the landing of a ball that lands only for the faster throws', () => {
    // centre at 0.6 m, radius 0.1 m, 0.3 s of flight: it touches at T when
    // 0.6 + v T − g T²/2 = 0.1, i.e. v* = (0.1 − 0.6 + g T²/2) / T
    const T = 0.3;
    const vStar = (0.1 - 0.6 + (G * T * T) / 2) / T; // −0.197 m/s
    const scene = parseScene({
      dt: 0.001,
      steps: 300,
      contact: { mode: 'penalty', stiffness: 1e4, damping: 100 },
      bodies: [
        { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } },
        { name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 1, position: [0, 0, 0.6] },
      ],
    });
    const spec = { of: 'ball.position.z', wrt: 'ball.linearVelocity.z', from: -0.5, to: 0.1, n: 25 };
    const f = sweepEvaluator(scene, spec, 'penalty');
    const x = sweepGrid(spec);
    const points = x.map(f);
    const jumps = labelJumps({ x, grad: points.map((p) => p.grad), kinks: points.map((p) => p.kinks) });
    const spacing = x[1] - x[0];
    const landing = jumps.find((j) => j.from <= vStar + spacing && j.to >= vStar - spacing);
    expect(landing).toBeDefined();
    // the landing: contact onset, or the penalty dashpot's ramp (φ = τ) that switches on
    // right after it (sim/contact/kinks.ts), whichever moved more across the interval
    expect(landing!.cause).toMatch(/ground\/ball (onset|damping ramp)/);
    // the step of the onset is near the end of the flight (T / dt = 300)
    expect(Number(/step (\d+)/.exec(landing!.cause)![1])).toBeGreaterThan(270);
  });

  it('defaults to the first dynamic body: final height against initial vertical speed', () => {
    expect(defaultSweep(flight(10), () => 2)).toEqual({
      of: 'ball.position.z',
      wrt: 'ball.linearVelocity.z',
      from: 1,
      to: 3,
      n: 41,
    });
  });
});

describe("validity radius at the scene's value", () => {
  // a ball falling freely that ends 2 mm above the ground: the first decision to flip as
  // the launch speed v_z drops is the ground contact's onset. Semi-implicit Euler gives
  // z_k = z0 + v k dt − g dt² k(k+1)/2 exactly, so the gap at step k moves by k dt per
  // m/s of v_z and the radius is gap_k / (k dt)
  const r = 0.1,
    z0 = 1,
    N = 300,
    dt = 1e-3;
  const height = (v: number, k: number) => z0 + v * k * dt - (G * dt * dt * k * (k + 1)) / 2;
  const v = (r + 0.002 - z0 + (G * dt * dt * N * (N + 1)) / 2) / (N * dt);
  const scene = (mode: ContactMode) =>
    parseScene({
      dt,
      steps: N,
      contact: { mode },
      bodies: [
        { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } },
        {
          name: 'ball',
          shape: { type: 'sphere', radius: r },
          mass: 1,
          position: [0, 0, z0],
          linearVelocity: [0, 0, v],
        },
      ],
    });
  const spec = { of: 'ball.position.z', wrt: 'ball.linearVelocity.z' };

  it("penalty: the damping ramp's entry at the last step's start, (gap_k − w_k) / (k dt − ∂w_k/∂v) away, then the onset at gap_k / (k dt), in m/s", () => {
    // the step-exact penalty contact (sim/contact/step-exact.ts) starts its dashpot half a
    // step's travel before touch: at gap d = w = ½√(τ² + (v_n dt)²), v_n = v − g k dt the
    // state's speed. Its margin d_k − w_k moves by k dt − v_n dt² / (4 w_k) per m/s of v_z
    const out = validityEvaluator(scene('penalty'), spec, 'penalty')(v);
    const k = N - 1;
    const tau = scene('penalty').contact.temperature;
    const vn = v - G * k * dt;
    const w = 0.5 * Math.hypot(tau, vn * dt);
    const gap = height(v, k) - r;
    expect(out.decision).toBe(`step ${k}: ground/ball damping ramp`);
    expect(Math.abs(out.radius! / ((gap - w) / (k * dt - (vn * dt * dt) / (4 * w))) - 1)).toBeLessThan(1e-6);
    const onset = out.nearest.find((n) => n.label === `step ${k}: ground/ball onset`);
    expect(Math.abs(onset!.distance / (gap / (k * dt)) - 1)).toBeLessThan(1e-6);
    expect(out.nearest[0].flipAt).toBeCloseTo(v - out.radius!, 12);
    expect(out.grad).toBeCloseTo(N * dt, 9); // free flight: d z_N / d v_z = N dt
  });

  it('hard: the speculative onset of the last step, its end-of-step gap / (N dt) away', () => {
    const out = validityEvaluator(scene('hard'), spec, 'hard')(v);
    expect(out.decision).toBe(`step ${N - 1}: ground/ball onset`);
    expect(Math.abs(out.radius! / ((height(v, N) - r) / (N * dt)) - 1)).toBeLessThan(1e-6);
  });
});

describe('sweep task order', () => {
  it("computes the radii first, then every mode's coarse curve, then the page's mode, then the rest", () => {
    const order = taskOrder(41, ['soft', 'penalty', 'hard'], 'hard', true);
    expect(order).toHaveLength(3 + 3 * 41);
    expect(order.slice(0, 3).map((t) => `${t.kind} ${t.mode}`)).toEqual([
      'validity hard',
      'validity soft',
      'validity penalty',
    ]);
    const coarse = order.slice(3, 3 + 3 * COARSE_POINTS);
    expect(new Set(coarse.map((t) => t.index))).toEqual(new Set(refinementOrder(41).slice(0, COARSE_POINTS)));
    const hardRest = order.slice(3 + 3 * COARSE_POINTS, 3 + 3 * COARSE_POINTS + 41 - COARSE_POINTS);
    expect(hardRest.every((t) => t.mode === 'hard')).toBe(true);
    // every (mode, point) exactly once
    const points = order.filter((t) => t.kind === 'point').map((t) => `${t.mode}:${t.index}`);
    expect(new Set(points).size).toBe(3 * 41);
    expect(taskOrder(5, ['soft'], 'soft', false).map((t) => t.index)).toEqual(refinementOrder(5));
  });
});
