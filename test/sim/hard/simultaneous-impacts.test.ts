// Several impacts in one hard step (issue 13: "no jump without its cause"). What the hard
// step decides when impacts come together, each against truth from outside the simulator
// (closed-form collisions of equal spheres, kinematics, the event-driven reference):
//
// - which contacts enter the impulse problem of an impact's step: a ball struck towards a
//   third one 2 r + g away catches it in the same step iff g < (1 + e)/2·v·dt (its
//   speculative contact becomes active): the recorded `b/c onset`;
// - the order of two impacts within one step is NOT a decision of the step: both are
//   solved in one impulse problem at their own times of impact, and the step is smooth
//   through their order swap. Its jumps sit where one impact leaves the step (the
//   restitution/speculative switch, `a/c onset`, and `a/c impact beside contacts`), at
//   the kinematic step boundaries. The event-driven reference jumps at the order swap
//   instead: inside that one-step window the hard step resolves the impacts as
//   simultaneous (the physical limit of the window, not a discrete decision);
// - which placed impact of an island is the earliest IS a decision where the island's
//   other impulses between dynamic bodies are moved back by the earliest's s
//   (sim/hard/placement-islands.ts): a strikes b while d strikes c and b/c closes in the
//   step; where the two impacts swap, b/c's push switches from one s to the other, a slope
//   change: the recorded `a/b vs c/d earliest impact`, at the kinematic swap;
// - the onset margin stays continuous where a contact's free-flight approach changes sign
//   (a contact at rest, as every ball-ball contact of billiards' rack): it jumped there.
import { describe, expect, it } from 'vitest';
import { buildModel, initialState } from '../../../sim/builder.ts';
import { parseScene, type Scene } from '../../../sim/scene.ts';
import { sceneFunction } from '../../../sim/scene-function.ts';
import { createStepData, step } from '../../../sim/step.ts';
import { sweepFunction } from '../../../sim/sweep.ts';
import { validity } from '../../../sim/validity.ts';
import { readQuantity, runReference } from '../../reference/event-driven/gradient.ts';
import type { RefSceneInput } from '../../reference/event-driven/scene.ts';
import { measureCase, struckFromBothSides } from '../validity/validity-cases.ts';

const r = 0.05,
  v = 2,
  e = 0.9,
  dt = 0.001;

type V3 = [number, number, number];

function sphere(name: string, position: V3, linearVelocity: V3 = [0, 0, 0]) {
  return { name, shape: { type: 'sphere' as const, radius: r }, mass: 1, position, linearVelocity };
}

function sceneOf(bodies: ReturnType<typeof sphere>[], steps: number) {
  return { dt, steps, gravity: [0, 0, 0] as V3, contact: { mode: 'hard', friction: 0, restitution: e }, bodies };
}

/**
 * The fraction of step 49 at which a meets b in `chain`. Not 1: an impact at the very end of
 * its step (a 0.2 m from b's centre, exactly 50 steps) leaves b/c, caught in that step and
 * placed with it (sim/hard/placement-islands.ts), its whole gap g to close at exactly g/dt in
 * step 50: that step's `b/c onset` margin (1 − s)·g/dt is then 0 for every g, a boundary
 * along a's timing, not along c's position, whose ratio |m|/|ṁ| along c.position.x is
 * rounding over rounding (5e-9 m).
 */
const CHAIN_S = 0.5;

/** a (v along x) strikes b at rest head-on CHAIN_S into step 49; c at rest 2r + gap beyond b */
function chain(gap: number, bVelocity = 0): Scene {
  return parseScene(
    sceneOf(
      [
        sphere('a', [-2 * r - v * (49 + CHAIN_S) * dt, 0, 0], [v, 0, 0]),
        sphere('b', [0, 0, 0], [bVelocity, 0, 0]),
        sphere('c', [2 * r + gap, 0, 0]),
      ],
      60,
    ),
  );
}

/** equal spheres, b at rest: b's speed after a head-on impact at v */
const struckSpeed = ((1 + e) / 2) * v;

/**
 * a (v along x, on y = 0) meets b (at y = −r: a 30° impact) 0.3 of the way into step 50;
 * c (at y = +r) is met δ/v later: the two impacts share one step for −0.3·v·dt < δ < 0.7·v·dt.
 */
const S0 = 0.3;
const xb = Math.sqrt(3) * r;
function strike(delta: number): RefSceneInput {
  const xA = -v * (50 + S0) * dt;
  return sceneOf([sphere('a', [xA, 0, 0], [v, 0, 0]), sphere('b', [xb, -r, 0]), sphere('c', [xb + delta, r, 0])], 60);
}

/** Margins of the hard step `t` of `scene` by label. */
function marginsAt(scene: Scene, t: number): Map<string, number> {
  const model = buildModel(scene);
  const state = initialState(model, scene);
  const data = createStepData(model);
  const out = new Map<string, number>();
  const sink = { radius: Infinity, kink: (m: number, label = '') => void out.set(label, m) };
  for (let k = 0; k <= t; k++) step(model, data, state, null, state, k === t ? sink : null);
  return out;
}

describe('which contacts enter the impulse problem of an impact step', () => {
  for (const share of [0.8, 1.2]) {
    it(`c ${share} × (1 + e)/2·v·dt beyond b: 'b/c onset' flips where b's speed after the impact closes the gap in one step`, () => {
      const gStar = struckSpeed * dt;
      const gap = share * gStar;
      const m = measureCase({
        name: 'chain',
        scene: chain(gap),
        of: 'c.position.x',
        wrt: 'c.position.x',
        decision: 'b/c onset',
        jumpTol: 1e-3,
      });
      expect(m.decision).toBe('step 49: b/c onset');
      // closed form: the flip lies |g − g*| away in c's position
      expect(Math.abs(m.predicted - Math.abs(gap - gStar)) / Math.abs(gap - gStar)).toBeLessThan(1e-6);
      expect(m.error).toBeLessThan(0.1);
    });
  }
});

describe("b/c after the impact step: the island's impulses placed at the impact", () => {
  // all of step 49's impulses act from s·dt (placement-islands.ts): b/c ends it s·g apart
  // closing at the speculative bound's g/dt, so in step 50 it closes (1 − s)·dt in, with the
  // restitution switch's margin |u⁻ + d/dt| = (1 − s)·g/dt (it was 0.38 m/s at s = 1, where
  // b's push on c acted over all of step 49 and the position pass ran)
  for (const share of [0.5, 0.8]) {
    it(`c ${share} × (1 + e)/2·v·dt beyond b: step 50's 'b/c onset' margin is (1 − s)·g/dt`, () => {
      const gap = share * struckSpeed * dt;
      const m = marginsAt(chain(gap), 50).get('b/c onset') as number;
      // the solve's tolerance, 1e-6 m/s
      expect(Math.abs(m - ((1 - CHAIN_S) * gap) / dt)).toBeLessThan(2e-6);
    });
  }
});

describe('two impacts in one step: a strikes b and c, c met δ/v after b', () => {
  const f = sceneFunction(parseScene(strike(0)), 'a.position.y', ['c.position.x']);
  const sweepOf = (from: number, to: number) =>
    sweepFunction(
      {
        gradient: (x) => {
          const g = f.gradient([x]);
          return { value: g.value, grad: g.grad[0], kinks: g.kinks };
        },
        value: (x) => f.value([x]),
      },
      { from: xb + from * v * dt, to: xb + to * v * dt, n: 17, levels: 12, jumpTol: 1e-3 },
    );

  it('the step is smooth through the order swap (δ = 0): no gradient or value jump while both impacts share the step', () => {
    const s = sweepOf(-0.25, 0.65);
    expect(s.jumps).toEqual([]);
    expect(s.valueJumps).toEqual([]);
  });

  it("its jumps are where c's impact leaves the step (δ = −0.3 and 0.7 v·dt), each predicted by a recorded decision within 10 %", () => {
    const s = sweepOf(-0.5, 0.9);
    const at = s.jumps.map((j) => (j.at - xb) / (v * dt)).sort((x, y) => x - y);
    expect(at).toHaveLength(2);
    expect(at[0]).toBeCloseTo(-S0, 1);
    expect(at[1]).toBeCloseTo(1 - S0, 1);
    // each with a value jump of millimetres: the step boundary decides simultaneous or sequential
    expect(s.valueJumps.length).toBe(2);
    const decisions = f.validity(f.x0).decisions;
    const flip = (label: string) => {
      const d = decisions.find((k) => k.label === label);
      if (d === undefined) throw new Error(`no ${label} among ${decisions.map((k) => k.label).join(', ')}`);
      return (d.flipAt['c.position.x'] - xb) / (v * dt);
    };
    // leaving at the start: s_c → 0 (the impact beside contacts' margin min(s, 1 − s)·dt·|u⁻|)
    expect(Math.abs(flip('step 50: a/c impact beside contacts') - at[0]) / Math.abs(at[0])).toBeLessThan(0.1);
    // leaving at the end: the restitution switch u⁻ + d/dt = 0
    expect(Math.abs(flip('step 50: a/c onset') - at[1]) / at[1]).toBeLessThan(0.1);
  });

  it('the event-driven reference agrees outside that window and jumps at the order swap inside it, where the hard step resolves the two as simultaneous', () => {
    const hard = (delta: number, q: string) => {
      const g = sceneFunction(parseScene(strike(delta)), q, ['c.position.x']);
      return g.value(g.x0);
    };
    const ref = (delta: number, q: string) => readQuantity(strike(delta), runReference(strike(delta)), q);
    for (const k of [-0.5, 0.9, 2]) {
      for (const q of ['a.position.y', 'b.linearVelocity.y', 'c.linearVelocity.y'])
        expect(Math.abs(hard(k * v * dt, q) - ref(k * v * dt, q))).toBeLessThan(1e-6);
    }
    // inside: the reference's b speed jumps at δ = 0 (b first: struck by the undeflected a);
    // the hard step's is the same on both sides (one impulse problem, symmetric at δ = 0)
    const eps = 0.01 * v * dt;
    const refJump = ref(eps, 'b.linearVelocity.y') - ref(-eps, 'b.linearVelocity.y');
    const hardJump = hard(eps, 'b.linearVelocity.y') - hard(-eps, 'b.linearVelocity.y');
    expect(Math.abs(refJump)).toBeGreaterThan(0.3);
    expect(Math.abs(hardJump)).toBeLessThan(1e-6); // its smooth change over 2ε: 1.2e-8
    // b first at 30°: closed form for equal spheres, b's speed (1 + e)/2·v·cos 30° along the normal
    expect(ref(eps, 'b.linearVelocity.y')).toBeCloseTo(-((1 + e) / 2) * v * Math.cos(Math.PI / 6) * 0.5, 6);
  });
});

// a → b | c ← d (validity-cases.ts struckFromBothSides): a meets b half-way into step 49,
// d meets c ds steps later; b/c 1 mm apart, so both pushes close it in that step
describe('which placed impact of an island is the earliest (a → b | c ← d)', () => {
  const gap = 0.5 * v * dt;
  const label = 'step 49: a/b vs c/d earliest impact';
  // By hand, at the swap (symmetric: b = −c, a = −d): a/b bounces (b − a = e·v), b/c closes
  // by its gap (c − b = −G, G = gap/dt), so λ_bc = ((1 + e)·v − G)·m. Moving d by δ moves c/d's
  // s by δ/(v·dt); where c/d is the earlier, b and c end step 49 s·dt·λ_bc/m nearer each other,
  // which their bounce in step 50 (restitution e) turns into e·s·dt·λ_bc/m of b's final x:
  // the slope of b.x(T) in d.x changes by e·λ_bc/(m·v).
  const slopeJump = (e * ((1 + e) * v - gap / dt)) / v;
  for (const ds of [0.1, -0.1]) {
    it(`c/d ${ds} v·dt after a/b: the swap lies |ds|·v·dt away in d's position (kinematics), the sweep within 10 %, the slope change e·λ_bc/(m·v)`, () => {
      const m = measureCase({
        name: 'earliest',
        scene: struckFromBothSides(ds, gap),
        of: 'b.position.x',
        wrt: 'd.position.x',
        decision: 'earliest impact',
        jumpTol: 1e-3,
      });
      expect(m.decision).toBe(label);
      // margin (s₂ − s₁)·dt·|u⁻₂|: the later impact's approach distance at the earlier's time
      expect(m.margin).toBeCloseTo(Math.abs(ds) * dt * v, 12);
      expect(Math.abs(m.predicted / (Math.abs(ds) * v * dt) - 1)).toBeLessThan(1e-6);
      expect(m.error).toBeLessThan(0.1);
      expect(Math.abs(Math.abs(m.gradientJump) / slopeJump - 1)).toBeLessThan(1e-3);
    });
  }

  it("its distance by one tangent rollout and by differences = the margin over its one-sided difference in d's position", () => {
    const scene = struckFromBothSides(0.1, gap);
    const h = 1e-7;
    const shifted = struckFromBothSides(0.1 + h / (v * dt), gap);
    const m0 = marginsAt(scene, 49).get('a/b vs c/d earliest impact') as number;
    const m1 = marginsAt(shifted, 49).get('a/b vs c/d earliest impact') as number;
    const byDifference = m0 / Math.abs((m1 - m0) / h);
    const wrt = ['d.position.x'];
    const t = validity(scene, wrt, { method: 'tangents', distancesOf: [label] }).distances?.[label] as number;
    const d = validity(scene, wrt, { method: 'differences', distancesOf: [label] }).distances?.[label] as number;
    expect(Math.abs(t / byDifference - 1)).toBeLessThan(1e-6);
    expect(Math.abs(d / byDifference - 1)).toBeLessThan(1e-6);
  });

  it('not a decision where the island moves nothing else: b/c beyond reach, the swap changes no slope', () => {
    // b/c 20 mm apart: each impact alone on its pair, each placed at its own s
    const far = 20e-3;
    expect([...marginsAt(struckFromBothSides(0.1, far), 49).keys()].filter((l) => l.includes('earliest'))).toEqual([]);
    // c's final x moves with d's timing (c/d's s), the same on both sides of the swap
    const slope = (ds: number) => {
      const f = sceneFunction(struckFromBothSides(ds, far), 'c.position.x', ['d.position.x']);
      return f.gradient(f.x0).grad[0];
    };
    expect(Math.abs(slope(0.05))).toBeGreaterThan(0.01);
    expect(Math.abs(slope(0.05) - slope(-0.05))).toBeLessThan(1e-9);
  });
});

describe('the restitution threshold: a slow bounce turns plastic', () => {
  // no gravity: the threshold is its floor, 1 mm/s (settings.ts), and the approach speed is
  // the initial speed; the ball starts 0.2 µm above the ground, so it meets it in step 0
  // (d + dt·u⁻ < 0 for any speed above 0.2 mm/s) and the threshold alone decides
  const slow = (vz: number) =>
    parseScene({
      dt,
      steps: 100,
      gravity: [0, 0, 0],
      contact: { mode: 'hard', restitution: 0.5 },
      bodies: [
        { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } },
        {
          name: 'ball',
          shape: { type: 'sphere', radius: 0.1 },
          mass: 1,
          position: [0, 0, 0.1 + 2e-7],
          linearVelocity: [0, 0, vz],
        },
      ],
    });
  for (const vz of [-0.0015, -0.0007]) {
    it(`v_z = ${vz} m/s: 'ground/ball restitution threshold' flips at the threshold −1 mm/s (the gradient of z(T) jumps by e·T)`, () => {
      const m = measureCase({
        name: 'threshold',
        scene: slow(vz),
        of: 'ball.position.z',
        wrt: 'ball.linearVelocity.z',
        decision: 'ground/ball restitution threshold',
        jumpTol: 1e-3,
      });
      expect(m.decision).toBe('step 0: ground/ball restitution threshold');
      expect(m.predicted).toBeCloseTo(Math.abs(vz + 1e-3), 12);
      expect(m.error).toBeLessThan(0.1);
      // bouncing, z(T) moves with −e·v_z over the ~T after the impact; plastic, not at all
      expect(Math.abs(m.gradientJump)).toBeCloseTo(0.5 * 100 * dt, 2);
    });
  }
});

describe('the onset margin where a contact at rest starts to approach (billiards rack)', () => {
  it("b's contact with c, caught in the impact's step, keeps its margin whichever way b drifts by 1e-12 m/s", () => {
    // the speculative b/c contact carries an impulse in step 49; its approach before the
    // impulse is ±1e-12 m/s. It was λ_n·W_nn on one side and |u⁻ + d/dt| on the other.
    const plus = marginsAt(chain(5e-4, 1e-12), 49).get('b/c onset') as number;
    const minus = marginsAt(chain(5e-4, -1e-12), 49).get('b/c onset') as number;
    expect(plus).toBeGreaterThan(0.1);
    expect(Math.abs(plus - minus)).toBeLessThan(1e-9);
  });

  it('so its distance by one tangent rollout and by differences agree (they read a few h when the margin jumped)', () => {
    const wrt = ['b.linearVelocity.x', 'a.linearVelocity.x'];
    const label = 'step 49: b/c onset';
    const t = validity(chain(5e-4), wrt, { method: 'tangents', distancesOf: [label] }).distances?.[label] as number;
    const d = validity(chain(5e-4), wrt, { method: 'differences', distancesOf: [label] }).distances?.[label] as number;
    expect(t).toBeGreaterThan(1e-3);
    expect(Math.abs(t / d - 1)).toBeLessThan(1e-3);
  });
});
