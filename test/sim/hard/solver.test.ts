// The pieces of the hard-contact step, each against an independent reference:
// - the exact friction-disk solve against the KKT conditions of its 2-D problem and a
//   brute-force scan of the circle;
// - problem assembly against rigid-body kinematics written out here (point velocities
//   v + ω × r, momentum and angular-momentum changes of an impulse, world inertia from
//   the principal moments), and the tangents' diagonalization of W_tt;
// - single-contact solves against closed forms (sliding and sticking sphere);
// - the complementarity residual: small at converged solves of a falling pile, large at
//   a perturbed solution (so it can see a violation);
// - warm start by contact point in either body's frame, else feature id (allocation per step:
//   step-allocation.test.ts).
import { describe, expect, it } from 'vitest';
import { buildModel, initialState } from '../../../sim/builder.ts';
import { collide } from '../../../sim/collision/index.ts';
import { predictVelocities } from '../../../sim/hard/integrate.ts';
import {
  applyContactImpulse,
  buildContactProblem,
  contactVelocity,
  createContactProblem,
  type ContactProblem,
} from '../../../sim/hard/problem.ts';
import {
  applyImpulses,
  complementarityResidual,
  createHardSolveStats,
  frictionDiskSolve,
  solveContactVelocities,
} from '../../../sim/hard/solver.ts';
import {
  bounceBound,
  bounces,
  impactFraction,
  pairFriction,
  pairRestitution,
  speculativeBound,
} from '../../../sim/hard/contact-rules.ts';
import { createHardStepData, hardStep } from '../../../sim/hard/step.ts';
import { createWarmStart, loadWarmStart, storeWarmStart } from '../../../sim/hard/warmStart.ts';
import { createContacts } from '../../../sim/collision/contacts.ts';
import { worldInertiaMul } from '../../../sim/integrator/worldInertia.ts';
import { parseScene, type SceneInput } from '../../../sim/scene.ts';
import { spreadPoints } from '../../helpers.ts';

/** Contact k's velocities along n, t₁, t₂ as a fresh array. */
const velocities = (p: ContactProblem, qd: Float64Array, k: number) =>
  Array.from(contactVelocity(p, qd, k, new Float64Array(3)));
/** An impulse of size `lambda` along direction j (0: n, 1: t₁, 2: t₂). */
const along = (j: number, lambda: number) => {
  const out = new Float64Array(3);
  out[j] = lambda;
  return out;
};

const ground: SceneInput['bodies'][number] = { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } };

describe('frictionDiskSolve', () => {
  const objective = (a1: number, a2: number, c1: number, c2: number, x1: number, x2: number) =>
    0.5 * (a1 * x1 * x1 + a2 * x2 * x2) + c1 * x1 + c2 * x2;

  const cases: number[][] = [];
  const as = spreadPoints(4, 0.5, 20, 1);
  const cs = spreadPoints(4, -10, 10, 2);
  const rs = spreadPoints(3, 0.05, 3, 3);
  for (const a1 of as)
    for (const a2 of as.slice().reverse())
      for (const c1 of cs) for (const r of rs) cases.push([a1, a2, c1, cs[(cases.length * 7) % 4], r]);

  it('satisfies the KKT conditions of min ½xᵀdiag(a)x + cᵀx over ‖x‖ ≤ r, and beats a scan of the disk', () => {
    const w = new Float64Array(8);
    let boundary = 0;
    for (const [a1, a2, c1, c2, r] of cases) {
      w.set([a1, a2, c1, c2, r]);
      frictionDiskSolve(w);
      const x1 = w[5],
        x2 = w[6],
        nu = w[7];
      const norm = Math.hypot(x1, x2);
      expect(norm).toBeLessThanOrEqual(r * (1 + 1e-12));
      expect(nu).toBeGreaterThanOrEqual(0);
      // stationarity a x + c + ν x = 0 and complementarity ν (r − ‖x‖) = 0
      const scale = Math.max(1, Math.abs(c1), Math.abs(c2));
      expect(Math.abs(a1 * x1 + c1 + nu * x1)).toBeLessThan(1e-9 * scale);
      expect(Math.abs(a2 * x2 + c2 + nu * x2)).toBeLessThan(1e-9 * scale);
      expect(Math.abs(nu * (r - norm))).toBeLessThan(1e-9 * scale);
      if (nu > 0) boundary++;
      // no point of the circle of radius r (nor the unconstrained minimiser, if inside) does better
      let scanned = Infinity;
      for (let i = 0; i < 2000; i++) {
        const t = (2 * Math.PI * i) / 2000;
        scanned = Math.min(scanned, objective(a1, a2, c1, c2, r * Math.cos(t), r * Math.sin(t)));
      }
      expect(objective(a1, a2, c1, c2, x1, x2)).toBeLessThanOrEqual(scanned + 1e-12 * scale);
    }
    // both branches were exercised
    expect(boundary).toBeGreaterThan(0);
    expect(boundary).toBeLessThan(cases.length);
  });

  it('returns 0 for a zero radius (no normal impulse, no friction)', () => {
    const w = new Float64Array([2, 3, 1, -1, 0, 0, 0, 0]);
    frictionDiskSolve(w);
    expect([w[5], w[6]]).toEqual([0, 0]);
  });
});

describe('contact problem assembly', () => {
  // a tilted box resting on a corner-ish pose on a tilted box: both bodies dynamic, all rows nonzero
  const scene = parseScene({
    contact: { mode: 'hard', friction: 0.7, restitution: 0 },
    gravity: [0, 0, 0],
    bodies: [
      {
        name: 'lower',
        shape: { type: 'box', halfExtents: [0.3, 0.2, 0.1] },
        mass: 2,
        position: [0, 0, 0],
        orientation: [0.98, 0.1, -0.15, 0.08],
        linearVelocity: [0.1, -0.2, 0.3],
        angularVelocity: [0.5, -0.3, 0.2],
      },
      {
        name: 'upper',
        shape: { type: 'box', halfExtents: [0.1, 0.15, 0.2] },
        mass: 0.7,
        position: [0.05, 0.02, 0.27],
        orientation: [0.95, -0.2, 0.1, 0.2],
        linearVelocity: [-0.3, 0.1, -0.5],
        angularVelocity: [-1, 0.4, 0.7],
      },
    ],
  });
  const model = buildModel(scene);
  const state = initialState(model, scene);
  const data = createHardStepData(model);
  collide(model, state.bodyQ, 0.05, data.contacts);
  const problem = buildContactProblem(
    model,
    data.settings,
    data.contacts,
    state.bodyQ,
    state.bodyQd,
    createContactProblem(2, 64),
    state.bodyQd,
  );

  it('finds contacts between the two boxes', () => {
    expect(problem.count).toBeGreaterThan(0);
  });

  it('frames are orthonormal, and contact velocities are (v_B + ω_B × r_B − v_A − ω_A × r_A)·d', () => {
    const cross = (a: number[], b: number[]) => [
      a[1] * b[2] - a[2] * b[1],
      a[2] * b[0] - a[0] * b[2],
      a[0] * b[1] - a[1] * b[0],
    ];
    const dot = (a: number[], b: number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    const qd = state.bodyQd;
    for (let k = 0; k < problem.count; k++) {
      const d = [0, 1, 2].map((j) => Array.from(problem.dir.subarray(9 * k + 3 * j, 9 * k + 3 * j + 3)));
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 3; j++) expect(Math.abs(dot(d[i], d[j]) - (i === j ? 1 : 0))).toBeLessThan(1e-14);
      const p = Array.from(data.contacts.point.subarray(3 * k, 3 * k + 3));
      const pointVelocity = (b: number) => {
        const r = [0, 1, 2].map((i) => p[i] - state.bodyQ[7 * b + i]);
        const w = cross(Array.from(qd.subarray(6 * b + 3, 6 * b + 6)), r);
        return [0, 1, 2].map((i) => qd[6 * b + i] + w[i]);
      };
      const vA = pointVelocity(data.contacts.bodyA[k]),
        vB = pointVelocity(data.contacts.bodyB[k]);
      for (let j = 0; j < 3; j++) {
        const expected = dot(d[j], vB) - dot(d[j], vA);
        expect(Math.abs(velocities(problem, qd, k)[j] - expected)).toBeLessThan(1e-13);
      }
    }
  });

  it('an impulse λ along d changes B’s momentum by λd and its angular momentum I_w ω by r_B × λd (A: the opposite)', () => {
    const k = 0;
    const lambda = 0.37;
    for (let j = 0; j < 3; j++) {
      const qd = state.bodyQd.slice();
      applyContactImpulse(problem, qd, k, along(j, lambda));
      const d = problem.dir.subarray(9 * k + 3 * j, 9 * k + 3 * j + 3);
      for (const [body, sign] of [
        [data.contacts.bodyB[k], 1],
        [data.contacts.bodyA[k], -1],
      ] as const) {
        const m = model.bodyMass[body];
        for (let i = 0; i < 3; i++)
          expect(Math.abs(m * (qd[6 * body + i] - state.bodyQd[6 * body + i]) - sign * lambda * d[i])).toBeLessThan(
            1e-14,
          );
        // ΔL = I_w Δω, from the principal moments (not the inverse the problem used)
        const dw = new Float64Array(3);
        for (let i = 0; i < 3; i++) dw[i] = qd[6 * body + 3 + i] - state.bodyQd[6 * body + 3 + i];
        const dL = worldInertiaMul(
          new Float64Array(3),
          0,
          state.bodyQ,
          7 * body + 3,
          model.bodyInertia,
          3 * body,
          dw,
          0,
        );
        const r = [0, 1, 2].map((i) => data.contacts.point[3 * k + i] - state.bodyQ[7 * body + i]);
        const torque = [r[1] * d[2] - r[2] * d[1], r[2] * d[0] - r[0] * d[2], r[0] * d[1] - r[1] * d[0]];
        for (let i = 0; i < 3; i++) expect(Math.abs(dL[i] - sign * lambda * torque[i])).toBeLessThan(1e-13);
      }
    }
  });

  it('the diagonal holds W_jj = Δu_j per unit impulse along j, and the tangents make W_t₁t₂ = 0', () => {
    for (let k = 0; k < problem.count; k++) {
      for (let j = 0; j < 3; j++) {
        const qd = state.bodyQd.slice();
        const before = velocities(problem, qd, k);
        applyContactImpulse(problem, qd, k, along(j, 1));
        const after = velocities(problem, qd, k);
        const change = after.map((u, i) => u - before[i]);
        expect(Math.abs(change[j] - problem.diag[3 * k + j])).toBeLessThan(1e-12);
        if (j === 1) expect(Math.abs(change[2])).toBeLessThan(1e-12);
        if (j === 2) expect(Math.abs(change[1])).toBeLessThan(1e-12);
      }
    }
  });
});

describe('the assembly applies the contact rules (contact-rules.ts) it writes out on numbers', () => {
  // every branch of the rules: a fast ball closing within the step (a placed bounce), one
  // already touching (a bounce solved at the start of the step), a slow one above the
  // ground (speculative −d/dt), a box sunk in (bound 0), a lively ball just below the
  // restitution threshold, and unequal materials (geometric mean, larger e)
  const ball = (
    name: string,
    x: number,
    z: number,
    vz: number,
    material: { friction?: number; restitution?: number },
  ) => ({
    name,
    shape: { type: 'sphere' as const, radius: 0.1 },
    mass: 1,
    position: [x, 0, z] as [number, number, number],
    linearVelocity: [0.5, 0, vz] as [number, number, number],
    ...material,
  });
  const scene = parseScene({
    dt: 0.01,
    contact: { mode: 'hard', friction: 0.3, restitution: 0.4, timeOfImpact: true },
    bodies: [
      { ...ground, friction: 0.8, restitution: 0.1 },
      ball('fast', 0, 0.12, -4, {}),
      ball('slow', 1, 0.101, -0.01, { friction: 0.05 }),
      {
        name: 'sunk',
        shape: { type: 'box', halfExtents: [0.1, 0.1, 0.1] },
        mass: 1,
        position: [2, 0, 0.099],
        restitution: 0.9,
      },
      ball('creep', 3, 0.1005, -0.06, { restitution: 0.7 }),
      ball('hit', 4, 0.099, -3, {}),
    ],
  });
  const model = buildModel(scene);
  const state = initialState(model, scene);
  const data = createHardStepData(model);
  // one step: its problem keeps what the assembly wrote (the solve changes impulses only)
  hardStep(model, data, state, null, initialState(model, scene));
  const problem = data.problem;

  it("friction, restitution decision and bound are the rules' values, exactly", () => {
    const seen = new Set<string>();
    for (let k = 0; k < problem.count; k++) {
      const a = problem.bodyA[k],
        b = problem.bodyB[k];
      expect(problem.friction[k]).toBe(pairFriction(model.bodyFriction[a], model.bodyFriction[b]));
      const e = pairRestitution(model.bodyRestitution[a], model.bodyRestitution[b]) as number;
      const d = problem.dist[k],
        u = problem.approach[k];
      const bounce = bounces(e, u, d, model.dt, data.settings.restitutionThreshold);
      expect(problem.bounced[k]).toBe(bounce ? 1 : 0);
      if (problem.impactFraction[k] > 0) {
        seen.add('placed');
        // the placed impact rebuilds its bound at the impact (placeImpacts): the first guess
        // of its time is the rule's, refined by one Newton step
        expect(Math.abs(problem.impactFraction[k] - (impactFraction(d, u, model.dt) as number))).toBeLessThan(0.05);
        continue;
      }
      const bound = bounce ? bounceBound(e, u) : speculativeBound(d, model.dt, 0);
      expect(problem.bound[k]).toBe(bound);
      seen.add(bounce ? 'bounce' : d > 0 ? 'open' : 'closed');
    }
    expect([...seen].sort()).toEqual(['bounce', 'closed', 'open', 'placed']);
  });
});

describe('single-contact solves against closed forms (sphere on the ground, W = 1/m along n, 1/m + r²/I along t)', () => {
  const m = 2,
    radius = 0.1,
    mu = 0.4,
    dt = 1e-3;
  /** The solved problem of one step for a sphere touching the ground with the given velocities. */
  function solveOne(v: [number, number, number], w: [number, number, number]) {
    const scene = parseScene({
      dt,
      contact: { mode: 'hard', friction: mu, restitution: 0 },
      bodies: [
        ground,
        {
          name: 'ball',
          shape: { type: 'sphere', radius },
          mass: m,
          position: [0, 0, radius],
          linearVelocity: v,
          angularVelocity: w,
        },
      ],
    });
    const model = buildModel(scene);
    const state = initialState(model, scene);
    const data = createHardStepData(model);
    collide(model, state.bodyQ, model.contact.margin, data.contacts);
    const velocity = predictVelocities(data.integrator, state.bodyQ, state.bodyQd, null, new Float64Array(12));
    const approach = velocity[8];
    const p = buildContactProblem(
      model,
      data.settings,
      data.contacts,
      state.bodyQ,
      velocity,
      data.problem,
      state.bodyQd,
    );
    const stats = solveContactVelocities(p, velocity, data.settings, createHardSolveStats());
    return { p, velocity, approach, stats };
  }

  it('sliding: λ_n = −m u⁻ (plastic), friction μλ_n against the slip, velocities follow', () => {
    const { p, velocity, approach } = solveOne([2, 1, -0.5], [0, 0, 0]);
    expect(p.count).toBe(1);
    const ln = p.impulse[0];
    expect(Math.abs(ln - -m * approach)).toBeLessThan(1e-12);
    const ft = [3, 4, 5].map((i) => p.impulse[1] * p.dir[i] + p.impulse[2] * p.dir[3 + i]);
    expect(Math.abs(Math.hypot(...ft) - mu * ln)).toBeLessThan(1e-12);
    // the slip (2, 1) at the contact is opposed exactly; the spin it induces obeys r × f
    const slip = Math.hypot(2, 1);
    expect(Math.abs(ft[0] / (mu * ln) + 2 / slip)).toBeLessThan(1e-9);
    expect(Math.abs(ft[1] / (mu * ln) + 1 / slip)).toBeLessThan(1e-9);
    expect(Math.abs(velocity[6] - (2 + ft[0] / m))).toBeLessThan(1e-12);
    expect(Math.abs(velocity[8])).toBeLessThan(1e-12);
  });

  it('sticking: a slow slide turns into rolling, impulse m·u_t/(1 + m r²/I) = 2/7·m·u_t', () => {
    // u_t = 0.02 m/s needs 2/7·m·u_t = 0.0114 N·s < μ·m·g·dt... and more (plastic landing at 0.3 m/s)
    const ut = 0.02;
    const { p, velocity } = solveOne([ut, 0, -0.3], [0, 0, 0]);
    const ft = [3, 4, 5].map((i) => p.impulse[1] * p.dir[i] + p.impulse[2] * p.dir[3 + i]);
    expect(Math.hypot(...ft)).toBeLessThan(mu * p.impulse[0]);
    expect(Math.abs(ft[0] + (2 / 7) * m * ut)).toBeLessThan(1e-9);
    // the contact point is at rest: v_x − ω_y·r = 0
    expect(Math.abs(velocity[6] - velocity[10] * radius)).toBeLessThan(1e-9);
  });
});

describe('complementarity residual and convergence on a falling pile', () => {
  /** 27 boxes and spheres dropped in a 3×3×3 lattice with tilts (deterministic). */
  function pile(): SceneInput {
    const bodies: SceneInput['bodies'] = [ground];
    const tilts = spreadPoints(27, -0.4, 0.4, 5);
    for (let i = 0; i < 27; i++) {
      const x = (i % 3) * 0.45,
        y = (Math.floor(i / 3) % 3) * 0.45,
        z = 0.3 + Math.floor(i / 9) * 0.5;
      const half = tilts[i] / 2;
      bodies.push(
        i % 2 === 0
          ? {
              name: `box${i}`,
              shape: { type: 'box', halfExtents: [0.15, 0.12, 0.1] },
              mass: 1,
              position: [x, y, z],
              orientation: [Math.cos(half), Math.sin(half), 0.5 * Math.sin(half), 0],
            }
          : { name: `ball${i}`, shape: { type: 'sphere', radius: 0.12 }, mass: 0.5, position: [x + 0.05, y, z] },
      );
    }
    return { dt: 1 / 240, contact: { mode: 'hard', friction: 0.5, restitution: 0.3 }, bodies };
  }

  it('is ≤ 10× the tolerance after every solve that converged, and bounded where the iteration cap stopped it', () => {
    // measured over these 400 steps (cap 50): ~40 % of the solves with contacts hit the cap
    // while the pile collapses (a slow case for Gauss–Seidel: stacked spheres and boxes of
    // unequal mass), leaving residuals up to 0.043 m/s; converged solves stay ≤ 1.2e-6 m/s
    const scene = parseScene(pile());
    const model = buildModel(scene);
    const state = initialState(model, scene);
    const data = createHardStepData(model);
    let converged = 0,
      withContacts = 0;
    for (let t = 0; t < 400; t++) {
      hardStep(model, data, state, null, state);
      if (data.problem.count === 0) continue;
      withContacts++;
      const residual = complementarityResidual(data.problem, data.velocity);
      if (data.stats.converged) {
        converged++;
        expect(data.stats.residual).toBeLessThanOrEqual(data.settings.tolerance);
        expect(residual).toBeLessThan(10 * data.settings.tolerance);
      } else {
        // stopped at the cap, and says so
        expect(data.stats.residual).toBeGreaterThan(data.settings.tolerance);
        expect(data.stats.iterations).toBe(data.settings.maxIterations);
        expect(residual).toBeLessThan(0.1);
      }
    }
    expect(withContacts).toBeGreaterThan(300);
    expect(converged).toBeGreaterThan(0.5 * withContacts);
  });

  it('sees a violated solution: perturbing a converged normal impulse gives a residual of the size of its effect', () => {
    const scene = parseScene({
      dt: 1e-3,
      contact: { mode: 'hard' },
      bodies: [
        ground,
        { name: 'box', shape: { type: 'box', halfExtents: [0.1, 0.1, 0.1] }, mass: 1, position: [0, 0, 0.1] },
      ],
    });
    const model = buildModel(scene);
    const state = initialState(model, scene);
    const data = createHardStepData(model);
    for (let t = 0; t < 10; t++) hardStep(model, data, state, null, state);
    expect(complementarityResidual(data.problem, data.velocity)).toBeLessThan(data.settings.tolerance);
    const delta = 1e-3;
    data.problem.impulse[0] += delta;
    applyContactImpulse(data.problem, data.velocity, 0, along(0, delta));
    expect(complementarityResidual(data.problem, data.velocity)).toBeGreaterThan(0.5 * delta * data.problem.diag[0]);
  });
});

describe('warm start', () => {
  it('matches an impulse to the contact at the same point of a body, whatever its feature id, else by id', () => {
    // bodies 0 (at the origin) and 1 (turned and moved each step); 4 contacts at the
    // corners of a square fixed in body 1's frame, impulses (k + 1, 0.1k, 0.2) in the frame
    // (n, t₁, t₂) = (z, x, y)
    const corners = [
      [0.2, 0.2, -0.1],
      [-0.2, 0.2, -0.1],
      [-0.2, -0.2, -0.1],
      [0.2, -0.2, -0.1],
    ];
    const bodyQ = new Float64Array(14);
    const place = (angle: number, z: number) => {
      bodyQ.set([0, 0, 0, 1, 0, 0, 0], 0);
      bodyQ.set([0.01, 0, z, Math.cos(angle / 2), 0, 0, Math.sin(angle / 2)], 7);
    };
    const world = (c: number[], angle: number, z: number) => [
      0.01 + Math.cos(angle) * c[0] - Math.sin(angle) * c[1],
      Math.sin(angle) * c[0] + Math.cos(angle) * c[1],
      z + c[2],
    ];
    const contacts = createContacts(8);
    const p = createContactProblem(2, 8);
    /** Contacts at `points` with ids `ids`, frames (z, x, y), μ = 1. */
    const fill = (points: number[][], ids: number[]) => {
      contacts.count = p.count = points.length;
      points.forEach((x, k) => {
        contacts.bodyA[k] = 0;
        contacts.bodyB[k] = 1;
        contacts.pair[k] = ids[k];
        contacts.point.set(x, 3 * k);
        p.dir.set([0, 0, 1, 1, 0, 0, 0, 1, 0], 9 * k);
        p.friction[k] = 1;
        p.impulse.fill(0, 3 * k, 3 * k + 3);
      });
    };
    const warm = createWarmStart(8);
    place(0, 0.1);
    fill(
      corners.map((c) => world(c, 0, 0.1)),
      [0, 1, 2, 3],
    );
    expect(loadWarmStart(warm, contacts, bodyQ, p)).toBe(0);
    for (let k = 0; k < 4; k++) p.impulse.set([k + 1, 0.1 * k, 0.2], 3 * k);
    storeWarmStart(warm, contacts, p);

    // body 1 turned 0.3 rad and lowered 2 cm: the same corners in the reverse order with
    // the ids rotated, plus a fifth contact elsewhere with a new id
    place(0.3, 0.08);
    fill([...[3, 2, 1, 0].map((i) => world(corners[i], 0.3, 0.08)), [0.5, 0.5, 0]], [1, 2, 3, 0, 7]);
    expect(loadWarmStart(warm, contacts, bodyQ, p)).toBe(4);
    for (let k = 0; k < 4; k++) {
      const i = 3 - k;
      for (let j = 0; j < 3; j++) expect(p.impulse[3 * k + j]).toBeCloseTo([i + 1, 0.1 * i, 0.2][j], 15);
    }
    expect(Array.from(p.impulse.subarray(12, 15))).toEqual([0, 0, 0]);
    storeWarmStart(warm, contacts, p);

    // every point moved 5 cm (beyond the match radius): matched by id, each impulse once
    fill([...[3, 2, 1, 0].map((i) => world(corners[i], 0.3, 0.13)), [0.5, 0.5, 0.05]], [1, 2, 3, 0, 9]);
    expect(loadWarmStart(warm, contacts, bodyQ, p)).toBe(4);
    for (let k = 0; k < 4; k++) expect(p.impulse[3 * k]).toBeCloseTo(4 - k, 15);
  });

  it('a resting box finds all 4 impulses of the last step and converges in one sweep', () => {
    const scene = parseScene({
      dt: 1e-3,
      contact: { mode: 'hard' },
      bodies: [
        ground,
        { name: 'box', shape: { type: 'box', halfExtents: [0.2, 0.1, 0.05] }, mass: 3, position: [0, 0, 0.05] },
      ],
    });
    const model = buildModel(scene);
    const state = initialState(model, scene);
    const data = createHardStepData(model);
    hardStep(model, data, state, null, state);
    expect(data.warmStart.matched).toBe(0);
    for (let t = 0; t < 5; t++) {
      hardStep(model, data, state, null, state);
      expect(data.warmStart.matched).toBe(4);
      expect(data.stats.iterations).toBe(1);
    }
    // and the warm start is the solution: re-applying it from the free-flight velocities gives rest
    const velocity = predictVelocities(data.integrator, state.bodyQ, state.bodyQd, null, new Float64Array(12));
    applyImpulses(data.problem, velocity);
    for (let i = 6; i < 12; i++) expect(Math.abs(velocity[i])).toBeLessThan(1e-6);
  });

  // allocation per step: test/sim/step-allocation.test.ts (in a process of its own)
});
