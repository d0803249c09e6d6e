// Gradients in hard mode (sim/hard/stepper.ts, oracle/traced-step.ts, impulse-adjoint.ts)
// against the outside world:
// - central finite differences of the PLAIN hard simulator (a scene parameter moved and
//   the whole scene re-simulated), away from kinks;
// - closed forms of the continuous-time dynamics: a head-on elastic collision of equal
//   spheres has d x_b(T)/d v_a = T with time-of-impact placement, and the plain trace's
//   T − t_j without it (t_j: the start of the step the impulse is decided in); a box
//   sliding to rest travels v²/(2μg), so d/dv = v/(μg) and d/dμ = −v²/(2μ²g);
// - the gradient of the UNROLLED solver: projected Gauss–Seidel written with ad ops and
//   iterated to convergence gives the same derivatives as the implicit adjoint;
// - invariances: a resting stack moved sideways moves along (d x_T / d x_0 = 1).
import { describe, expect, it } from 'vitest';
import { add, div, mul, sqrt, sub, value } from '../../../ad/ops.ts';
import { gradcheck } from '../../../ad/gradcheck.ts';
import { max } from '../../../ad/nonsmooth.ts';
import type { Real } from '../../../ad/tape.ts';
import { valueAndGrad } from '../../../ad/transforms.ts';
import { buildModel, initialState } from '../../../sim/builder.ts';
import { gradient } from '../../../sim/gradient.ts';
import { IMPULSE_CONTACT_WIDTH, impulseLayout, impulseSolvePrimitive } from '../../../sim/hard/impulse-adjoint.ts';
import {
  CONTACT_BOUND,
  CONTACT_MU,
  CONTACT_R_A,
  CONTACT_R_B,
  CONTACT_SLIP_TARGET,
} from '../../../sim/hard/impulse-layout.ts';
import { parseParamPath, pathBodies, readParam, writeParam } from '../../../sim/paths.ts';
import { parseScene, type Scene, type SceneInput } from '../../../sim/scene.ts';
import type { State } from '../../../sim/state.ts';
import { createStepData, simulate } from '../../../sim/step.ts';

/** Standard gravity, m/s². */
const G = 9.81;

function finalOf(scene: Scene, read: (s: State) => number): number {
  const model = buildModel(scene);
  const state = initialState(model, scene);
  simulate(model, state, scene.steps, { data: createStepData(model) });
  return read(state);
}

/** Central difference of the plain simulator w.r.t. one parameter path. */
function fd(scene: Scene, path: string, read: (s: State) => number, h: number): number {
  const p = parseParamPath(path, pathBodies(scene), '--wrt');
  const v = readParam(scene, p);
  return (finalOf(writeParam(scene, p, v + h), read) - finalOf(writeParam(scene, p, v - h), read)) / (2 * h);
}

const ground: SceneInput['bodies'][number] = { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } };

describe('hard-mode gradients vs finite differences of the plain simulator', () => {
  it('a bouncing ball (after its first bounce): height, velocity and restitution', () => {
    // dropped from 1 m (touch at 0.452 s), observed at 0.8 s on the way up: away from every kink
    const scene = parseScene({
      dt: 0.001,
      steps: 800,
      contact: { mode: 'hard', restitution: 0.8, friction: 0.5 },
      bodies: [ground, { name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 1, position: [0, 0, 1.1] }],
    });
    const wrt = ['ball.position.z', 'ball.linearVelocity.z', 'contact.restitution', 'ball.mass'];
    const r = gradient(scene, 'ball.position.z', wrt);
    for (const p of wrt) {
      const f = fd(scene, p, (s) => s.bodyQ[7 + 2], 1e-6);
      expect(Math.abs(r.grad[p] - f), p).toBeLessThan(1e-6 * Math.max(1, Math.abs(f)));
    }
    // continuous time: impact at t_c = √(2H/g) with speed v_c = g t_c, then
    // z(T) = r + e v_c (T − t_c) − ½g(T − t_c)², so dz/dH = (1 + e) g (T − t_c)/v_c − e and
    // dz/dv₀ = (T − t_c) − e v_c/g (v₀: initial vertical velocity); the discrete scheme is O(dt) off
    const H = 1,
      e = 0.8,
      T = 0.8;
    const tc = Math.sqrt((2 * H) / G),
      vc = G * tc;
    expect(Math.abs(r.grad['ball.position.z'] - (((1 + e) * G * (T - tc)) / vc - e))).toBeLessThan(0.01);
    expect(Math.abs(r.grad['ball.linearVelocity.z'] - (T - tc - (e * vc) / G))).toBeLessThan(0.005);
    // restitution genuinely matters in hard mode (its gradient is 0 in penalty/soft)
    expect(Math.abs(r.grad['contact.restitution'])).toBeGreaterThan(1);
    // mass does not enter a ball bouncing on a static plane
    expect(Math.abs(r.grad['ball.mass'])).toBeLessThan(1e-9);
  });
});

describe('placed impacts off the normal (the contact point moves with the feature that carries it)', () => {
  /** Every partial of each read quantity w.r.t. every parameter = central FD (h = 1e-6) to 2e-6 relative. */
  const expectPartialsMatchFd = (scene: Scene, reads: [string, (s: State) => number][], wrt: string[]): void => {
    for (const [quantity, read] of reads) {
      const r = gradient(scene, quantity, wrt);
      for (const p of wrt) {
        const f = fd(scene, p, read, 1e-6);
        expect(Math.abs(r.grad[p] - f), `d ${quantity} / d ${p}`).toBeLessThan(2e-6 * Math.max(1, Math.abs(f)));
      }
    }
  };
  const wrtOf = (body: string): string[] => [
    `${body}.position.x`,
    `${body}.position.z`,
    `${body}.linearVelocity.x`,
    `${body}.linearVelocity.z`,
    `${body}.angularVelocity.y`,
    'contact.friction',
    'contact.restitution',
  ];

  it('a spinning ball lands sliding (μ = 0.02): every partial of x, z, v_x and ω_y after the bounce = FD', () => {
    // touch at ≈ 0.45 s with λ_t = μλ_n short of stopping the slip: a sliding impact,
    // observed at 0.75 s on the way up (no kink within the FD steps)
    const scene = parseScene({
      dt: 0.001,
      steps: 750,
      contact: { mode: 'hard', restitution: 0.7, friction: 0.02 },
      bodies: [
        ground,
        {
          name: 'ball',
          shape: { type: 'sphere', radius: 0.1 },
          mass: 1,
          position: [0, 0, 1.1],
          linearVelocity: [1, 0, 0],
          angularVelocity: [0, 3, 0],
        },
      ],
    });
    const reads: [string, (s: State) => number][] = [
      ['ball.position.x', (s) => s.bodyQ[7]],
      ['ball.position.z', (s) => s.bodyQ[9]],
      ['ball.linearVelocity.x', (s) => s.bodyQd[6]],
      ['ball.angularVelocity.y', (s) => s.bodyQd[10]],
    ];
    expectPartialsMatchFd(scene, reads, wrtOf('ball'));
  });

  it('a tilted box lands on one corner: every partial of its pose after the bounce = FD', () => {
    // rotated about x and y so that one corner leads; touch at ≈ 0.42 s, observed at 0.5 s
    const scene = parseScene({
      dt: 0.001,
      steps: 500,
      contact: { mode: 'hard', restitution: 0.5, friction: 0.3 },
      bodies: [
        ground,
        {
          name: 'box',
          shape: { type: 'box', halfExtents: [0.1, 0.15, 0.2] },
          mass: 2,
          position: [0, 0, 1.1],
          orientation: [0.95, 0.2, 0.15, 0.1],
          linearVelocity: [0.5, 0, 0],
        },
      ],
    });
    const reads: [string, (s: State) => number][] = [
      ['box.position.x', (s) => s.bodyQ[7]],
      ['box.position.z', (s) => s.bodyQ[9]],
      ['box.angularVelocity.y', (s) => s.bodyQd[10]],
    ];
    expectPartialsMatchFd(scene, reads, wrtOf('box'));
  });
});

describe('time of impact: the head-on elastic collision of equal spheres', () => {
  // a (v_a = 1 m/s) hits b at rest after a gap of 0.3003 m: t_c = 0.3003 s; T = 1 s.
  // Continuous time: x_b(T) = x_b0 + v_a(T − t_c) = x_b0 + v_a T − gap, so d x_b/d v_a = T.
  const headOn = (timeOfImpact: boolean) =>
    parseScene({
      dt: 0.001,
      steps: 1000,
      gravity: [0, 0, 0],
      contact: { mode: 'hard', restitution: 1, friction: 0, timeOfImpact },
      bodies: [
        { name: 'a', shape: { type: 'sphere', radius: 0.1 }, mass: 1, position: [0, 0, 0], linearVelocity: [1, 0, 0] },
        { name: 'b', shape: { type: 'sphere', radius: 0.1 }, mass: 1, position: [0.5003, 0, 0] },
      ],
    });
  const T = 1;

  it('with time-of-impact placement: d x_b(T)/d v_a = T and d x_b(T)/d x_a = 1', () => {
    const scene = headOn(true);
    const r = gradient(scene, 'b.position.x', ['a.linearVelocity.x', 'a.position.x']);
    expect(r.grad['a.linearVelocity.x']).toBeCloseTo(T, 9);
    expect(r.grad['a.position.x']).toBeCloseTo(1, 9);
    // and the plain simulator agrees: the placement makes the value follow continuous time
    expect(fd(scene, 'a.linearVelocity.x', (s) => s.bodyQ[7], 1e-6)).toBeCloseTo(T, 6);
  });

  it('without it: the plain trace derivative T − t_j, t_j the start of the impulse step', () => {
    const scene = headOn(false);
    // the impulse is decided in the step that would close the gap: d_j = 0.3003 − j·dt < v_a·dt ⇒ j = 300
    const tj = 0.3;
    const r = gradient(scene, 'b.position.x', ['a.linearVelocity.x']);
    expect(r.grad['a.linearVelocity.x']).toBeCloseTo(T - tj, 9);
    expect(fd(scene, 'a.linearVelocity.x', (s) => s.bodyQ[7], 1e-6)).toBeCloseTo(T - tj, 6);
  });
});

describe('Coulomb friction: a box sliding to rest', () => {
  const v = 2;
  const mu = 0.5;
  const scene = parseScene({
    dt: 0.001,
    steps: 600,
    contact: { mode: 'hard', friction: mu, restitution: 0 },
    bodies: [
      ground,
      {
        name: 'box',
        shape: { type: 'box', halfExtents: [0.1, 0.1, 0.1] },
        mass: 1,
        position: [0, 0, 0.1],
        linearVelocity: [v, 0, 0],
      },
    ],
  });
  it('stop distance v²/(2μg) and its gradients w.r.t. v and μ; FD of the plain simulator agrees', () => {
    const r = gradient(scene, 'box.position.x', ['box.linearVelocity.x', 'contact.friction']);
    expect(r.value).toBeCloseTo((v * v) / (2 * mu * G), 2);
    // closed forms of the continuous model; the discrete stop lands within a step (v·dt/2 ≈ 1e-3 relative)
    expect(r.grad['box.linearVelocity.x'] / (v / (mu * G)) - 1).toBeLessThan(3e-3);
    expect(Math.abs(r.grad['contact.friction'] / (-(v * v) / (2 * mu * mu * G)) - 1)).toBeLessThan(3e-3);
    for (const p of ['box.linearVelocity.x', 'contact.friction']) {
      const f = fd(scene, p, (s) => s.bodyQ[7], 1e-6);
      expect(Math.abs(r.grad[p] - f), p).toBeLessThan(1e-5 * Math.abs(f));
    }
    // the sliding-to-sticking transition is reported, at the step it happened
    const stop = Math.round(v / (mu * G) / 0.001);
    const kink = r.kinks.find((k) => /box stick\/slip/.test(k.label));
    expect(kink).toBeDefined();
    expect(Math.abs(Number(/step (\d+)/.exec(kink!.label)![1]) - stop)).toBeLessThanOrEqual(2);
  });
});

describe('a resting stack (redundant contacts: minimum-norm adjoint)', () => {
  it('three boxes at rest: moving the top box sideways moves it along, nothing else changes', () => {
    const box = (name: string, z: number, h: number): SceneInput['bodies'][number] => ({
      name,
      shape: { type: 'box', halfExtents: [h, h, h] },
      mass: 1,
      position: [0, 0, z],
    });
    const scene = parseScene({
      dt: 0.001,
      steps: 200,
      contact: { mode: 'hard', friction: 0.6, restitution: 0 },
      bodies: [ground, box('b1', 0.1, 0.1), box('b2', 0.29, 0.09), box('b3', 0.46, 0.08)],
    });
    const r = gradient(scene, 'b3.position.x', ['b3.position.x', 'b3.position.z', 'b1.mass']);
    expect(r.grad['b3.position.x']).toBeCloseTo(1, 9);
    expect(Math.abs(r.grad['b3.position.z'])).toBeLessThan(1e-5);
    expect(Math.abs(r.grad['b1.mass'])).toBeLessThan(1e-9);
    // its height: set by the boxes below, not by where it started (within the resting rule)
    const z = gradient(scene, 'b3.position.z', ['b3.position.z', 'b3.position.x']);
    expect(Math.abs(z.grad['b3.position.z'])).toBeLessThan(1e-5);
    expect(Math.abs(z.grad['b3.position.x'])).toBeLessThan(1e-6);
  });

  it("two equal boxes stacked square (edges in each other's side planes), turned about z: the top box moves along", () => {
    // the incident face's edges lie in the reference face's side planes; rounding puts their
    // ends ±1e-17 m either side, and before clipping snapped such points onto the plane
    // (sim/collision/clip.ts) the cut point's derivative was 0/0: at a yaw of 2 rad
    // d x_top/d x_top(0) came out 0.43 and d x_top/d x_bottom(0) 0.57
    for (const yaw of [0.3, 1.1, 2]) {
      const q: [number, number, number, number] = [Math.cos(yaw / 2), 0, 0, Math.sin(yaw / 2)];
      const box = (name: string, z: number): SceneInput['bodies'][number] => ({
        name,
        shape: { type: 'box', halfExtents: [0.2, 0.15, 0.1] },
        mass: 1.5,
        position: [0.1, 0.2, z],
        orientation: q,
      });
      const scene = parseScene({
        dt: 0.001,
        steps: 200,
        contact: { mode: 'hard', friction: 0.6 },
        bodies: [ground, box('a', 0.1), box('b', 0.3)],
      });
      const r = gradient(scene, 'b.position.x', ['b.position.x', 'b.position.y', 'a.position.x']);
      expect(Math.abs(r.grad['b.position.x'] - 1), `yaw ${yaw}`).toBeLessThan(1e-8);
      expect(Math.abs(r.grad['b.position.y']), `yaw ${yaw}`).toBeLessThan(1e-8);
      expect(Math.abs(r.grad['a.position.x']), `yaw ${yaw}`).toBeLessThan(1e-8);
    }
  });
});

// ---- the implicit adjoint against the unrolled solver ---------------------------------

/**
 * Projected Gauss–Seidel with ad ops, iterated `sweeps` times: λ_n ← max(0, λ_n −
 * (u_n − b)/W_nn), λ_t ← Π_{‖·‖≤μλ_n}(λ_t − u_t/W_tt) (the Euclidean projection, not the
 * library's exact block solve: an independent iteration with the same fixed points).
 * Returns v⁺ (6n) then λ (3c).
 */
function unrolledSolve(
  theta: Real[],
  nbody: number,
  bodyA: number[],
  bodyB: number[],
  isStatic: number[],
  sweeps: number,
): Real[] {
  const c = bodyA.length;
  const L = impulseLayout(nbody, c);
  const v: Real[] = theta.slice(0, 6 * nbody);
  const lam: Real[] = new Array(3 * c).fill(0);
  const row = (k: number, j: number) => {
    const o = L.contacts + IMPULSE_CONTACT_WIDTH * k;
    return {
      d: theta.slice(o + 3 * j, o + 3 * j + 3),
      rA: theta.slice(o + CONTACT_R_A, o + CONTACT_R_A + 3),
      rB: theta.slice(o + CONTACT_R_B, o + CONTACT_R_B + 3),
    };
  };
  const cross = (a: Real[], b: Real[]) => [
    sub(mul(a[1], b[2]), mul(a[2], b[1])),
    sub(mul(a[2], b[0]), mul(a[0], b[2])),
    sub(mul(a[0], b[1]), mul(a[1], b[0])),
  ];
  const dot = (a: Real[], b: Real[]) => add(add(mul(a[0], b[0]), mul(a[1], b[1])), mul(a[2], b[2]));
  const invI = (b: number, x: Real[]) =>
    [0, 1, 2].map((r) => dot(theta.slice(L.invInertia + 9 * b + 3 * r, L.invInertia + 9 * b + 3 * r + 3), x));
  const u = (k: number, j: number): Real => {
    const { d, rA, rB } = row(k, j);
    const a = bodyA[k],
      b = bodyB[k];
    const part = (body: number, r: Real[]) =>
      add(dot(d, v.slice(6 * body, 6 * body + 3)), dot(cross(r, d), v.slice(6 * body + 3, 6 * body + 6)));
    return sub(part(b, rB), part(a, rA));
  };
  const W = (k: number, j: number): Real => {
    const { d, rA, rB } = row(k, j);
    let w: Real = 0;
    for (const [body, r] of [
      [bodyA[k], rA],
      [bodyB[k], rB],
    ] as const) {
      if (isStatic[body]) continue;
      const rd = cross(r, d);
      w = add(w, add(theta[L.invMass + body], dot(rd, invI(body, rd))));
    }
    return w;
  };
  const apply = (k: number, j: number, dl: Real) => {
    const { d, rA, rB } = row(k, j);
    for (const [body, r, sign] of [
      [bodyB[k], rB, 1],
      [bodyA[k], rA, -1],
    ] as const) {
      if (isStatic[body]) continue;
      const dw = invI(body, cross(r, d));
      for (let i = 0; i < 3; i++) {
        v[6 * body + i] = add(v[6 * body + i], mul(sign, mul(dl, mul(theta[L.invMass + body], d[i]))));
        v[6 * body + 3 + i] = add(v[6 * body + 3 + i], mul(sign, mul(dl, dw[i])));
      }
    }
  };
  for (let s = 0; s < sweeps; s++) {
    for (let k = 0; k < c; k++) {
      const o = L.contacts + IMPULSE_CONTACT_WIDTH * k;
      const ln = max(0, sub(lam[3 * k], div(sub(u(k, 0), theta[o + CONTACT_BOUND]), W(k, 0))));
      apply(k, 0, sub(ln, lam[3 * k]));
      lam[3 * k] = ln;
      // the slip is measured from the contact's slip target
      const y1 = sub(lam[3 * k + 1], div(sub(u(k, 1), theta[o + CONTACT_SLIP_TARGET]), W(k, 1)));
      const y2 = sub(lam[3 * k + 2], div(sub(u(k, 2), theta[o + CONTACT_SLIP_TARGET + 1]), W(k, 2)));
      const radius = mul(theta[o + CONTACT_MU], ln);
      const norm = sqrt(add(mul(y1, y1), mul(y2, y2)));
      const scale =
        (typeof norm === 'number' ? norm : norm.v) > (typeof radius === 'number' ? radius : radius.v)
          ? div(radius, norm)
          : 1;
      const t1 = mul(y1, scale),
        t2 = mul(y2, scale);
      apply(k, 1, sub(t1, lam[3 * k + 1]));
      apply(k, 2, sub(t2, lam[3 * k + 2]));
      lam[3 * k + 1] = t1;
      lam[3 * k + 2] = t2;
    }
  }
  return [...v, ...lam];
}

describe('the implicit adjoint equals the gradient of the unrolled solver', () => {
  // ground (static) under sphere 1; sphere 2 strikes sphere 1 from above-side: one island of
  // two contacts, the ground contact sliding, the sphere–sphere one sticking or sliding
  const nbody = 3;
  const bodyA = [0, 1];
  const bodyB = [1, 2];
  const isStatic = [1, 0, 0];
  const r = 0.1;
  const s2 = Math.SQRT1_2;
  const frame = (n: number[]): number[][] => {
    const sign = n[2] >= 0 ? 1 : -1;
    const h = -1 / (sign + n[2]);
    const xy = n[0] * n[1] * h;
    return [n, [1 + sign * n[0] * n[0] * h, sign * xy, -sign * n[0]], [xy, sign + n[1] * n[1] * h, -n[1]]];
  };
  const inertia = (m: number) => 1 / (0.4 * m * r * r);
  function theta0(): number[] {
    const L = impulseLayout(nbody, 2);
    const th = new Array<number>(L.size).fill(0);
    // v*: sphere 1 sliding +x while pressed down; sphere 2 coming in along −(1,0,1)/√2
    th.splice(6, 6, 1.0, 0.2, -0.5, 0.3, -0.1, 0.2);
    th.splice(12, 6, -0.8, 0.1, -0.9, 0, 0.4, 0);
    // (normal, r_A, r_B, μ, b, slip target): nonzero targets, as at a placed impact
    const contacts: [number[], number[], number[], number, number, number[]][] = [
      [[0, 0, 1], [0, 0, 0], [0, 0, -r], 0.4, 0, [0.05, -0.02]],
      [[s2, 0, s2], [s2 * r, 0, s2 * r], [-s2 * r, 0, -s2 * r], 0.3, 0, [0.03, 0.01]],
    ];
    contacts.forEach(([n, rA, rB, mu, b, target], k) => {
      const o = L.contacts + IMPULSE_CONTACT_WIDTH * k;
      frame(n).forEach((d, j) => d.forEach((x, i) => (th[o + 3 * j + i] = x)));
      [...rA, ...rB, mu, b, ...target].forEach((x, i) => (th[o + CONTACT_R_A + i] = x));
    });
    for (const [b, m] of [
      [1, 1.0],
      [2, 0.7],
    ]) {
      th[L.invMass + b] = 1 / m;
      for (let i = 0; i < 3; i++) th[L.invInertia + 9 * b + 4 * i] = inertia(m);
    }
    return th;
  }

  it('both contacts active, gradients of a loss on v⁺ agree to 1e-7 (and with FD of the solver)', () => {
    const th = theta0();
    const weights = th.slice(0, 18).map((_, i) => Math.sin(1 + 0.7 * i));
    const loss = (y: Real[]) => y.slice(0, 18).reduce<Real>((acc, yi, i) => add(acc, mul(weights[i], yi)), 0);
    const unrolled = valueAndGrad((t) => loss(unrolledSolve(t, nbody, bodyA, bodyB, isStatic, 400)), th);
    // the solution the primitive is handed: the unrolled solver's own, converged
    const solution = valueAndGrad((t) => unrolledSolve(t, nbody, bodyA, bodyB, isStatic, 400)[18], th);
    expect(solution.value).toBeGreaterThan(0);
    const lambda = Float64Array.from(
      unrolledSolve(th, nbody, bodyA, bodyB, isStatic, 400)
        .slice(18)
        .map((x) => (typeof x === 'number' ? x : x.v)),
    );
    expect(lambda[3]).toBeGreaterThan(0); // the sphere–sphere contact is active too
    const prim = impulseSolvePrimitive({
      nbody,
      count: 2,
      bodyA: Int32Array.from(bodyA),
      bodyB: Int32Array.from(bodyB),
      isStatic: Uint8Array.from(isStatic),
      lambda,
    });
    const implicit = valueAndGrad((t) => loss(prim(t)), th);
    expect(implicit.value).toBeCloseTo(unrolled.value, 10);
    const scaleOf = Math.max(...unrolled.grad.map(Math.abs));
    // the static ground's velocity is a constant of the primitive (not differentiated): skip it
    for (let i = 6; i < th.length; i++) {
      expect(Math.abs(implicit.grad[i] - unrolled.grad[i]), `θ[${i}]`).toBeLessThan(1e-7 * scaleOf);
    }
    // gradcheck of the primitive over every input it differentiates (the static ground's
    // velocity held fixed), each evaluation handed the converged solution at its own θ
    const solveAt = (t: readonly number[]) =>
      Float64Array.from(unrolledSolve(Array.from(t), nbody, bodyA, bodyB, isStatic, 400).slice(18) as number[]);
    const primLoss = (rest: Real[]): Real => {
      const t: Real[] = [...th.slice(0, 6), ...rest];
      const structure = {
        nbody,
        count: 2,
        bodyA: Int32Array.from(bodyA),
        bodyB: Int32Array.from(bodyB),
        isStatic: Uint8Array.from(isStatic),
      };
      return loss(impulseSolvePrimitive({ ...structure, lambda: solveAt(t.map(value)) })(t));
    };
    const check = gradcheck(primLoss, th.slice(6), { atol: 1e-6, rtol: 1e-5 });
    expect(check.ok, `max |AD − FD| ${check.maxError}`).toBe(true);
    // and central differences of the (plain) unrolled solver on a few inputs
    const plainLoss = (t: number[]) => {
      const y = unrolledSolve(t, nbody, bodyA, bodyB, isStatic, 400);
      return y.slice(0, 18).reduce<number>((acc, yi, i) => acc + weights[i] * (yi as number), 0);
    };
    // v*, μ and a slip target of the ground contact; a direction, μ and a slip target of the sphere–sphere one
    const second = 18 + IMPULSE_CONTACT_WIDTH;
    for (const i of [
      8,
      12,
      14,
      18 + CONTACT_MU,
      18 + CONTACT_SLIP_TARGET,
      second + 2,
      second + CONTACT_MU,
      second + CONTACT_SLIP_TARGET + 1,
    ]) {
      const h = 1e-6;
      const a = th.slice(),
        b = th.slice();
      a[i] += h;
      b[i] -= h;
      const f = (plainLoss(a) - plainLoss(b)) / (2 * h);
      expect(Math.abs(implicit.grad[i] - f), `θ[${i}]`).toBeLessThan(1e-6 * Math.max(1, Math.abs(f)));
    }
  }, 180_000); // 400 traced Gauss–Seidel sweeps and their FD: 60–110 s measured on a busy 2-core machine
});
