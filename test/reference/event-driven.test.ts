// The event-driven reference (test/reference/event-driven/) against closed forms: flight,
// bouncing, rolling off, sphere–sphere collisions, and the two reproducers of issue 11.
// Every expected number below is derived in the comment next to it, not read off the
// reference.
import { describe, expect, it } from 'vitest';
import { referenceGradient, runReference } from './event-driven/gradient.ts';
import { readWorld } from './event-driven/scene.ts';
import { simulateEvents } from './event-driven/simulate.ts';
import { G, plane, scene, sphere } from './scene-builders.ts';

describe('event-driven reference: flight and bounces', () => {
  it('free flight is the parabola x₀ + v₀T − ½gT² and keeps the spin', () => {
    const r = runReference(
      scene([sphere('ball', 0.1, { position: [1, 2, 3], linearVelocity: [0.5, -1, 4], angularVelocity: [1, 2, 3] })], {
        steps: 700,
      }),
    );
    const T = 0.7;
    expect(r.events).toHaveLength(0);
    expect(r.final[0].x[0]).toBeCloseTo(1 + 0.5 * T, 13);
    expect(r.final[0].x[1]).toBeCloseTo(2 - T, 13);
    expect(r.final[0].x[2]).toBeCloseTo(3 + 4 * T - 0.5 * G * T * T, 13);
    expect(r.final[0].v[2]).toBeCloseTo(4 - G * T, 13);
    expect(r.final[0].w).toEqual([1, 2, 3]);
  });

  it('a dropped ball: impact times √(2h/g) + Σ 2eᵏv₁/g and apexes e^(2k)·h', () => {
    const h = 1;
    const e = 0.8;
    const r = runReference(
      scene([plane('ground', [0, 0, 1], 0), sphere('ball', 0.1, { position: [0, 0, h + 0.1], restitution: e })], {
        steps: 3000,
      }),
    );
    const t1 = Math.sqrt((2 * h) / G);
    const v1 = G * t1;
    let expected = t1;
    for (let k = 0; k < 4; k++) {
      expect(r.events[k].time).toBeCloseTo(expected, 12);
      expect(r.events[k].approachSpeed).toBeCloseTo(v1 * e ** k, 11);
      // apex after bounce k+1 from the rebound speed: v²/2g = e^(2(k+1)) h
      expect(r.events[k].separationSpeed ** 2 / (2 * G)).toBeCloseTo(e ** (2 * (k + 1)) * h, 11);
      expected += (2 * e ** (k + 1) * v1) / G;
    }
  });

  it('a sliding ball that bounces with sticking friction leaves rolling at 5/7 of its speed', () => {
    // tangential impulse −(2/7) m v₀ (the contact point stops; I = 2/5 m r²); μ = 1 covers it
    const v0 = 2;
    const r = runReference(
      scene(
        [
          plane('ground', [0, 0, 1], 0),
          sphere('ball', 0.1, { position: [0, 0, 0.5], linearVelocity: [v0, 0, 0], restitution: 0.5 }),
        ],
        {
          steps: 500,
          friction: 1,
        },
      ),
    );
    expect(r.events[0].regime).toBe('stick');
    expect(r.final[0].v[0]).toBeCloseTo((5 / 7) * v0, 12);
    // rolling: ω_y r = v_x
    expect(r.final[0].w[1] * 0.1).toBeCloseTo((5 / 7) * v0, 12);
  });

  it('a fast sliding ball bounces with v_x⁺ = v_x − μ(1+e)|v_n| (Coulomb slide)', () => {
    const e = 0.5;
    const mu = 0.1;
    const r = runReference(
      scene(
        [
          plane('ground', [0, 0, 1], 0),
          sphere('ball', 0.1, { position: [0, 0, 0.2], linearVelocity: [5, 0, -2], restitution: e }),
        ],
        {
          steps: 60,
          friction: mu,
          gravity: [0, 0, 0],
        },
      ),
    );
    expect(r.events[0].regime).toBe('slide');
    expect(r.final[0].v[0]).toBeCloseTo(5 - mu * (1 + e) * 2, 12);
    expect(r.final[0].v[2]).toBeCloseTo(e * 2, 12);
  });
});

describe('event-driven reference: sphere–sphere', () => {
  it('head-on, unequal masses: v₁⁺ = (m₁v₁ + m₂v₂ − m₂e(v₁ − v₂))/(m₁ + m₂)', () => {
    const [m1, m2, v1, v2, e] = [1, 3, 2, -0.5, 0.6];
    const r = runReference(
      scene(
        [
          sphere('a', 0.1, { mass: m1, position: [0, 0, 0], linearVelocity: [v1, 0, 0], restitution: e }),
          sphere('b', 0.2, { mass: m2, position: [1, 0, 0], linearVelocity: [v2, 0, 0], restitution: 0 }),
        ],
        { steps: 1000, gravity: [0, 0, 0] },
      ),
    );
    // contact when the 1 m gap shrinks to 0.3 m at 2.5 m/s
    expect(r.events[0].time).toBeCloseTo(0.7 / 2.5, 13);
    expect(r.final[0].v[0]).toBeCloseTo((m1 * v1 + m2 * v2 - m2 * e * (v1 - v2)) / (m1 + m2), 12);
    expect(r.final[1].v[0]).toBeCloseTo((m1 * v1 + m2 * v2 + m1 * e * (v1 - v2)) / (m1 + m2), 12);
  });

  it('oblique, equal masses, e = 1, frictionless: the velocities exchange along the line of centres', () => {
    const v: [number, number, number] = [1, 0.2, 0.05];
    const r = runReference(
      scene(
        [
          sphere('a', 0.1, { position: [0, 0, 0], linearVelocity: v, restitution: 1 }),
          sphere('b', 0.1, { position: [0.5, 0.05, 0.1] }),
        ],
        { steps: 1000, gravity: [0, 0, -G] },
      ),
    );
    // gravity cancels in the relative motion; the impulse on a is along −n̂, n̂ the line of centres a → b
    const sa = r.final[0];
    const sb = r.final[1];
    // after the impact both fall alike, so v_b − v_a is time-independent: it is (v·n̂)n̂ − (v − (v·n̂)n̂)
    const dv = sb.v.map((c, k) => c - sa.v[k]);
    const nHat = r.events[0].impulse.map((c) => -c / Math.hypot(...r.events[0].impulse));
    const vn = v[0] * nHat[0] + v[1] * nHat[1] + v[2] * nHat[2];
    for (let k = 0; k < 3; k++) expect(dv[k]).toBeCloseTo(vn * nHat[k] - (v[k] - vn * nHat[k]), 12);
    // and the total momentum is m v − 2 m g T
    for (let k = 0; k < 3; k++) expect(sa.v[k] + sb.v[k]).toBeCloseTo(v[k] + (k === 2 ? -2 * G : 0), 12);
  });
});

describe('event-driven reference: the reproducers of issue 11', () => {
  it('sticking wall under gravity: d z(T)/d v_x = −0.2559 (derived here)', () => {
    // wall x = 1 (solid x ≥ 1), r = 0.1: hit at t_w = 0.9/v_x = 0.45 s. Sticking (I = 2/5 m r²,
    // no spin) leaves v_z⁺ = 5/7 v_z⁻, v_z⁻ = 3 − g t_w. z(T) = 3t_w − ½g t_w² + 5/7 v_z⁻ (T − t_w) − ½g (T − t_w)²,
    // so dz/dt_w = 2/7 (3 − g t_w) + 2/7 g (T − t_w), and dt_w/dv_x = −0.9/v_x².
    const [T, vx, vz, tw] = [1, 2, 3, 0.45];
    const expected = ((2 / 7) * (vz - G * tw) + (2 / 7) * G * (T - tw)) * (-0.9 / vx ** 2);
    expect(expected).toBeCloseTo(-0.2559, 4);
    const s = scene(
      [plane('wall', [-1, 0, 0], -1), sphere('ball', 0.1, { position: [0, 0, 0], linearVelocity: [vx, 0, vz] })],
      {
        steps: 1000,
        friction: 0.2,
        restitution: 1,
      },
    );
    const g = referenceGradient(s, ['ball.position.z'], ['ball.linearVelocity.x']);
    expect(g.structureChanges).toEqual([]);
    expect(g.grad[0][0]).toBeCloseTo(expected, 7);
  });

  it('oblique sphere–sphere: d x_b(T)/d(v_ax, v_az, z_a) from the closed form (0.781, 1.2355, 3.063)', () => {
    // closed form written out here: impact at the first t with |c − (x_a + v t)| = 0.2,
    // n = unit(c − x_a(t)), b leaves with (v·n)n, x_b(T) = c_x + (v·n) n_x (T − t); differentiated by central differences
    const closedForm = (vx: number, vz: number, za: number): number => {
      const [cx, cz] = [0.5, 0.1 - za];
      const a = vx * vx + vz * vz;
      const b = -2 * (cx * vx + cz * vz);
      const c = cx * cx + cz * cz - 0.04;
      const t = (-b - Math.sqrt(b * b - 4 * a * c)) / (2 * a);
      const [nx, nz] = [(cx - vx * t) / 0.2, (cz - vz * t) / 0.2];
      return 0.5 + (vx * nx + vz * nz) * nx * (1 - t);
    };
    const h = 1e-6;
    const args = [1, 0.05, 0];
    const expected = args.map((_, j) => {
      const up = args.map((v, k) => (k === j ? v + h : v));
      const down = args.map((v, k) => (k === j ? v - h : v));
      return (closedForm(up[0], up[1], up[2]) - closedForm(down[0], down[1], down[2])) / (2 * h);
    });
    expect(expected[0]).toBeCloseTo(0.781, 3);
    expect(expected[1]).toBeCloseTo(1.2355, 4);
    expect(expected[2]).toBeCloseTo(3.063, 3);
    const s = scene(
      [
        sphere('a', 0.1, { position: [0, 0, 0], linearVelocity: [1, 0, 0.05], restitution: 1 }),
        sphere('b', 0.1, { position: [0.5, 0, 0.1] }),
      ],
      { steps: 1000, gravity: [0, 0, 0] },
    );
    const g = referenceGradient(s, ['b.position.x'], ['a.linearVelocity.x', 'a.linearVelocity.z', 'a.position.z']);
    for (let j = 0; j < 3; j++) expect(g.grad[0][j]).toBeCloseTo(expected[j], 6);
  });

  it('reports a parameter whose ± evaluations change the event structure (friction at the stick/slip boundary)', () => {
    // ball thrown at the wall with v_z⁻ = 3 − g·0.45: the sticking ratio ρ = (2/7)|v_z⁻|/(2·v_x)
    const rho = ((2 / 7) * Math.abs(3 - G * 0.45)) / 4;
    const s = scene(
      [
        plane('wall', [-1, 0, 0], -1, { friction: 1 }),
        sphere('ball', 0.1, { position: [0, 0, 0], linearVelocity: [2, 0, 3], friction: rho * rho }),
      ],
      {
        steps: 1000,
        restitution: 1,
      },
    );
    const world = readWorld(s);
    expect(Math.sqrt(world.bodies[0].friction * world.planes[0].friction)).toBeCloseTo(rho, 15);
    expect(simulateEvents(world).events[0].stickMargin).toBeCloseTo(0, 12);
    const g = referenceGradient(s, ['ball.position.z'], ['ball.friction', 'ball.linearVelocity.y']);
    expect(g.structureChanges.map((c) => c.param)).toEqual(['ball.friction']);
  });
});
