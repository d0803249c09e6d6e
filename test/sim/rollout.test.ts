// The differentiable rollout against the outside world: closed-form free-flight
// gradients, and central finite differences of the PLAIN simulator (sim/step.ts) run on
// scenes with one parameter moved (sim/paths.ts writeParam), through contacts of each
// supported shape pair in soft and penalty mode.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as ad from '../../ad/index.ts';
import { buildModel, initialState } from '../../sim/builder.ts';
import { gradient } from '../../sim/gradient.ts';
import { parseParamPath, parseQuantityPath, pathBodies, readParam, readQuantity, writeParam } from '../../sim/paths.ts';
import { rolloutInputs, rolloutLayout, rolloutPrimitive } from '../../sim/rollout.ts';
import { parseScene, type Scene } from '../../sim/scene.ts';
import { simulate } from '../../sim/step.ts';

/** The quantity `of` after a plain rollout of `scene`. */
function plainValue(scene: Scene, of: string): number {
  const model = buildModel(scene);
  const state = simulate(model, initialState(model, scene), scene.steps);
  return readQuantity(state, parseQuantityPath(of, pathBodies(scene)))[0];
}

/** Central difference of the plain simulator in parameter `path`, step h·max(1, |p|). */
function fd(scene: Scene, of: string, path: string, h = 1e-6): number {
  const p = parseParamPath(path, pathBodies(scene));
  const v = readParam(scene, p);
  const step = h * Math.max(1, Math.abs(v));
  return (plainValue(writeParam(scene, p, v + step), of) - plainValue(writeParam(scene, p, v - step), of)) / (2 * step);
}

function expectGradMatchesFd(scene: Scene, of: string, wrt: string[], rtol = 1e-5, atol = 1e-8): void {
  const r = gradient(scene, of, wrt);
  expect(r.value).toBe(plainValue(scene, of));
  for (const p of wrt) {
    const f = fd(scene, of, p);
    // the scenes are chosen well conditioned: finite differences agree across step sizes
    const f7 = fd(scene, of, p, 1e-7);
    expect(Math.abs(f - f7), `FD of ${of} wrt ${p} unstable: ${f} vs ${f7}`).toBeLessThanOrEqual(
      10 * (atol + rtol * Math.abs(f)),
    );
    expect(Math.abs(r.grad[p] - f), `${of} wrt ${p}: AD ${r.grad[p]} vs FD ${f}`).toBeLessThanOrEqual(
      atol + rtol * Math.abs(f),
    );
  }
}

const ground = { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } };

function scene(json: object): Scene {
  return parseScene(json);
}

describe('rollout gradients: free flight (closed form)', () => {
  const s = scene({
    dt: 0.01,
    steps: 50,
    contact: { mode: 'soft' },
    bodies: [
      {
        name: 'ball',
        shape: { type: 'sphere', radius: 0.1 },
        mass: 2,
        position: [0, 0, 10],
        linearVelocity: [1, 0, 2],
      },
    ],
  });
  it('∂x_N/∂v₀ = N·dt and ∂z_N/∂g_z = dt²·N(N+1)/2 (semi-implicit Euler), exactly', () => {
    const r = gradient(s, 'ball.position.x', ['ball.linearVelocity.x', 'ball.position.x', 'ball.mass']);
    expect(r.grad['ball.linearVelocity.x']).toBeCloseTo(50 * 0.01, 13);
    expect(r.grad['ball.position.x']).toBeCloseTo(1, 14);
    expect(r.grad['ball.mass']).toBe(0);
    const model = buildModel(s);
    const cfg = { model, steps: 50 };
    const L = rolloutLayout(model.nbody, 50, 0);
    const state = initialState(model, s);
    const run = rolloutPrimitive(cfg);
    const g = ad.grad(
      ([gz]) => {
        const x: ad.Real[] = Array.from(rolloutInputs(cfg, state.bodyQ, state.bodyQd));
        x[L.gravity + 2] = gz;
        return run(x)[2];
      },
      [-9.81],
    )[0];
    expect(g).toBeCloseTo((0.01 * 0.01 * 50 * 51) / 2, 13);
  });
});

describe('rollout gradients through contact vs finite differences of the plain simulator', () => {
  for (const mode of ['soft', 'penalty'] as const) {
    it(`${mode}: ∂z_N/∂g_z of a ball on the ground (the weight feed-forward's gravity cotangent) matches finite differences`, () => {
      const s = scene({
        dt: 0.001,
        steps: 300,
        contact: { mode, stiffness: 2e4, temperature: 0.002, friction: 0.4, restitution: 0.3 },
        bodies: [
          ground,
          {
            name: 'ball',
            shape: { type: 'sphere', radius: 0.1 },
            mass: 1,
            position: [0, 0, 0.12],
            linearVelocity: [0.5, 0, 0],
          },
        ],
      });
      const model = buildModel(s);
      const cfg = { model, steps: 300 };
      const L = rolloutLayout(model.nbody, 300, 0);
      const state = initialState(model, s);
      const run = rolloutPrimitive(cfg);
      // the output is the final state, q first: the ball's z
      const zAt = 7 * (model.bodyIndex.get('ball') as number) + 2;
      const base = Array.from(rolloutInputs(cfg, state.bodyQ, state.bodyQd));
      const zOf = (gz: number): number => {
        const x = base.slice();
        x[L.gravity + 2] = gz;
        return run(x)[zAt] as number;
      };
      const g = ad.grad(
        ([gz]) => {
          const x: ad.Real[] = base.slice();
          x[L.gravity + 2] = gz;
          return run(x)[zAt];
        },
        [-9.81],
      )[0] as number;
      const fd = (h: number) => (zOf(-9.81 + h) - zOf(-9.81 - h)) / (2 * h);
      // well conditioned: the central differences agree across step sizes
      expect(Math.abs(fd(1e-4) - fd(1e-5))).toBeLessThan(1e-6 * Math.abs(fd(1e-5)) + 1e-10);
      expect(Math.abs(g - fd(1e-5))).toBeLessThan(1e-5 * Math.abs(fd(1e-5)) + 1e-10);
    });
  }

  for (const mode of ['soft', 'penalty'] as const) {
    it(`${mode}: a ball bouncing on the ground (sphere–plane)`, () => {
      const s = scene({
        dt: 0.001,
        steps: 400,
        contact: { mode, stiffness: 2e4, damping: 30, temperature: 0.002, friction: 0.4 },
        bodies: [
          ground,
          {
            name: 'ball',
            shape: { type: 'sphere', radius: 0.1 },
            mass: 1,
            position: [0, 0, 0.5],
            linearVelocity: [1, 0, -1],
          },
        ],
      });
      expectGradMatchesFd(s, 'ball.position.z', [
        'ball.position.z',
        'ball.linearVelocity.z',
        'ball.linearVelocity.x',
        'contact.stiffness',
        'contact.damping',
        'ball.radius',
        'ball.mass',
        'ground.offset',
      ]);
      expectGradMatchesFd(s, 'ball.position.x', ['ball.linearVelocity.x', 'ball.friction']);
      if (mode === 'soft') expectGradMatchesFd(s, 'ball.position.z', ['contact.temperature']);
    });

    it(`${mode}: the dashpot derived from restitution: gradients w.r.t. e, the mass and the stiffness`, () => {
      const s = scene({
        dt: 0.001,
        steps: 400,
        contact: { mode, stiffness: 2e4, temperature: 0.002, friction: 0.4, restitution: 0.5 },
        bodies: [
          ground,
          {
            name: 'ball',
            shape: { type: 'sphere', radius: 0.1 },
            mass: 1,
            position: [0, 0, 0.5],
            linearVelocity: [1, 0, -1],
            restitution: 0.6,
          },
        ],
      });
      // the rebound depends on e: it is really differentiated, not a constant
      expect(Math.abs(gradient(s, 'ball.position.z', ['ball.restitution']).grad['ball.restitution'])).toBeGreaterThan(
        0.05,
      );
      expectGradMatchesFd(
        s,
        'ball.position.z',
        ['ball.restitution', 'ball.mass', 'contact.stiffness', 'ball.linearVelocity.z'],
        1e-4,
      );
      expectGradMatchesFd(s, 'ball.linearVelocity.z', ['ball.restitution'], 1e-4);
    });
  }

  it('soft: two spheres colliding (sphere–sphere), masses and radii', () => {
    const s = scene({
      dt: 0.001,
      steps: 300,
      gravity: [0, 0, 0],
      contact: { mode: 'soft', stiffness: 1e4, damping: 50, temperature: 0.001, friction: 0.2 },
      bodies: [
        {
          name: 'a',
          shape: { type: 'sphere', radius: 0.1 },
          mass: 1,
          position: [0, 0, 0],
          linearVelocity: [1, 0.1, 0],
        },
        {
          name: 'b',
          shape: { type: 'sphere', radius: 0.12 },
          mass: 1.5,
          position: [0.3, 0.05, 0],
          linearVelocity: [-0.5, 0, 0],
        },
      ],
    });
    expectGradMatchesFd(s, 'b.position.x', [
      'a.linearVelocity.x',
      'a.linearVelocity.y',
      'a.mass',
      'b.radius',
      'a.position.y',
    ]);
    expectGradMatchesFd(s, 'b.angularVelocity.z', ['a.linearVelocity.y', 'b.friction']);
  });

  it('soft: a box sliding to rest on its four corners (box–plane), friction and initial velocity', () => {
    const s = scene({
      dt: 0.002,
      steps: 150,
      contact: { mode: 'soft', stiffness: 2e4, damping: 1e5, temperature: 0.001, friction: 0.5 },
      bodies: [
        ground,
        {
          name: 'box',
          shape: { type: 'box', halfExtents: [0.1, 0.15, 0.05] },
          mass: 1,
          position: [0, 0, 0.049],
          linearVelocity: [1.5, 0.2, 0],
        },
      ],
    });
    expectGradMatchesFd(
      s,
      'box.position.x',
      ['box.linearVelocity.x', 'box.friction', 'box.halfExtents.z', 'box.orientation.x'],
      1e-4,
    );
    // the friction speed ε (contact.frictionVelocity) is a differentiable scene field
    expectGradMatchesFd(s, 'box.position.x', ['contact.frictionVelocity'], 1e-4);
  });

  it('soft: a capsule rolling on the ground (capsule–plane)', () => {
    const s = scene({
      dt: 0.001,
      steps: 300,
      contact: { mode: 'soft', stiffness: 2e4, damping: 1e5, temperature: 0.001, friction: 0.5 },
      bodies: [
        ground,
        {
          name: 'cap',
          shape: { type: 'capsule', radius: 0.05, halfLength: 0.15 },
          mass: 1,
          position: [0, 0, 0.0495],
          orientation: [0.7071067811865476, 0.7071067811865476, 0, 0],
          linearVelocity: [0.5, 0, 0],
          angularVelocity: [0, 10, 0],
        },
      ],
    });
    expectGradMatchesFd(
      s,
      'cap.position.x',
      ['cap.linearVelocity.x', 'cap.angularVelocity.y', 'cap.radius', 'cap.halfLength'],
      1e-4,
    );
  });

  // every remaining shape pair: two bodies in free space meeting off-centre, soft mode
  const pairs: [string, object, object][] = [
    ['sphere–box', { type: 'sphere', radius: 0.1 }, { type: 'box', halfExtents: [0.1, 0.15, 0.2] }],
    ['sphere–capsule', { type: 'sphere', radius: 0.1 }, { type: 'capsule', radius: 0.08, halfLength: 0.2 }],
    [
      'capsule–capsule',
      { type: 'capsule', radius: 0.08, halfLength: 0.2 },
      { type: 'capsule', radius: 0.06, halfLength: 0.15 },
    ],
    ['box–box', { type: 'box', halfExtents: [0.1, 0.12, 0.14] }, { type: 'box', halfExtents: [0.15, 0.1, 0.12] }],
    [
      'box–capsule',
      { type: 'box', halfExtents: [0.1, 0.12, 0.14] },
      { type: 'capsule', radius: 0.08, halfLength: 0.2 },
    ],
  ];
  for (const [name, shapeA, shapeB] of pairs) {
    it(`soft: ${name} collision in free space`, () => {
      const s = scene({
        dt: 0.001,
        steps: 250,
        gravity: [0, 0, 0],
        contact: { mode: 'soft', stiffness: 2e4, temperature: 0.002, friction: 0.3, restitution: 0.5 },
        bodies: [
          {
            name: 'a',
            shape: shapeA,
            mass: 1,
            position: [0, 0, 0],
            orientation: [0.96, 0.1, 0.2, 0.15],
            linearVelocity: [1.2, 0.05, 0.02],
            angularVelocity: [0.3, -0.2, 0.5],
          },
          {
            name: 'b',
            shape: shapeB,
            mass: 1.3,
            position: [0.45, 0.04, -0.03],
            orientation: [0.9, -0.2, 0.1, 0.3],
            linearVelocity: [-0.4, 0, 0],
          },
        ],
      });
      // the bodies must really meet
      const r = gradient(s, 'b.linearVelocity.x', ['a.linearVelocity.x']);
      expect(Math.abs(r.grad['a.linearVelocity.x'])).toBeGreaterThan(0.05);
      expectGradMatchesFd(
        s,
        'b.position.x',
        ['a.linearVelocity.x', 'a.linearVelocity.y', 'a.angularVelocity.z', 'b.mass'],
        1e-4,
      );
      expectGradMatchesFd(s, 'b.angularVelocity.z', ['a.linearVelocity.y', 'a.position.y'], 1e-4);
    });
  }

  it('a tilted ground plane: gradients w.r.t. the written normal and offset', () => {
    const s = scene({
      dt: 0.001,
      steps: 300,
      contact: { mode: 'soft', stiffness: 2e4, damping: 1e5, temperature: 0.002, friction: 0.3 },
      bodies: [
        { name: 'slope', shape: { type: 'plane', normal: [0.1, 0, 1], offset: 0.01 } },
        { name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 1, position: [0, 0, 0.2] },
      ],
    });
    expectGradMatchesFd(s, 'ball.position.z', ['slope.normal.x', 'slope.normal.z', 'slope.offset'], 1e-4);
  });

  it('per-step control forces: ∂(final state)/∂(control at step t) through contact', () => {
    const s = scene({
      dt: 0.001,
      steps: 200,
      contact: { mode: 'soft', stiffness: 2e4, damping: 1e5, temperature: 0.002, friction: 0.5 },
      bodies: [ground, { name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 1, position: [0, 0, 0.099] }],
    });
    const model = buildModel(s);
    const state = initialState(model, s);
    const cfg = { model, steps: 200, controlBodies: [1] };
    const L = rolloutLayout(model.nbody, 200, 1);
    const run = rolloutPrimitive(cfg);
    // the final x as a function of the x-force applied during steps 50..149 (one knot each)
    const finalX = (u: ad.Real[]): ad.Real => {
      const x: ad.Real[] = Array.from(rolloutInputs(cfg, state.bodyQ, state.bodyQd));
      for (let t = 50; t < 150; t++) x[L.controls + 6 * t] = u[t - 50];
      return run(x)[7];
    };
    const u0 = Array.from({ length: 100 }, (_, k) => 2 + Math.sin(k / 7));
    const r = ad.gradcheck(finalX, u0, { rtol: 1e-5, atol: 1e-9 });
    expect(r.ok, `max error ${r.maxError}`).toBe(true);
    // an earlier push moves the ball further (it has longer to travel)
    expect(r.ad[0]).toBeGreaterThan(r.ad[99]);
  });

  it('a loss over the whole trajectory (recorded states) through bounces', () => {
    const s = scene({
      dt: 0.001,
      steps: 300,
      contact: { mode: 'soft', stiffness: 2e4, damping: 1e5, temperature: 0.002, friction: 0.5 },
      bodies: [
        ground,
        {
          name: 'ball',
          shape: { type: 'sphere', radius: 0.1 },
          mass: 1,
          position: [0, 0, 0.15],
          linearVelocity: [1, 0, -1],
        },
      ],
    });
    const model = buildModel(s);
    const state = initialState(model, s);
    const record = [0, 37, 100, 150, 299, 300];
    const cfg = { model, steps: 300, record, segment: 17 };
    const L = rolloutLayout(model.nbody, 300, 0);
    const run = rolloutPrimitive(cfg);
    // Σ over recorded states of height² + x, as a function of the initial velocity
    const loss = ([vx, vz]: ad.Real[]): ad.Real => {
      const x: ad.Real[] = Array.from(rolloutInputs(cfg, state.bodyQ, state.bodyQd));
      x[L.qd + 6] = vx;
      x[L.qd + 8] = vz;
      const y = run(x);
      let total: ad.Real = 0;
      for (let j = 0; j < record.length; j++) {
        const o = 13 * model.nbody * (1 + j) + 7;
        total = ad.add(total, ad.add(ad.square(y[o + 2]), y[o]));
      }
      return total;
    };
    const r = ad.gradcheck(loss, [1, -1], { rtol: 1e-5, atol: 1e-9, steps: [1e-4, 1e-5, 1e-6, 1e-7] });
    expect(r.ok, `AD ${r.ad} FD ${r.fd}`).toBe(true);
    expect(r.unstable).toEqual([]);
  });

  it('the checkpoint spacing does not change the gradient (bitwise)', () => {
    const s = scene({
      dt: 0.001,
      steps: 120,
      contact: { mode: 'soft', stiffness: 2e4, damping: 300, temperature: 0.002 },
      bodies: [
        ground,
        {
          name: 'ball',
          shape: { type: 'sphere', radius: 0.1 },
          mass: 1,
          position: [0, 0, 0.12],
          linearVelocity: [1, 0, -1],
        },
      ],
    });
    const wrt = ['ball.linearVelocity.z', 'contact.stiffness'];
    const every = gradient(s, 'ball.position.z', wrt, { segment: 1 });
    const sqrt = gradient(s, 'ball.position.z', wrt);
    const one = gradient(s, 'ball.position.z', wrt, { segment: 120 });
    for (const p of wrt) {
      expect(Object.is(every.grad[p], sqrt.grad[p])).toBe(true);
      expect(Object.is(one.grad[p], sqrt.grad[p])).toBe(true);
    }
  });

  it('kinks of the rollout come back labelled with the pair and the step', () => {
    const s = scene({
      dt: 0.001,
      steps: 200,
      contact: { mode: 'penalty', stiffness: 2e4, damping: 300 },
      bodies: [
        ground,
        {
          name: 'ball',
          shape: { type: 'sphere', radius: 0.1 },
          mass: 1,
          position: [0, 0, 0.15],
          linearVelocity: [0, 0, -1],
        },
      ],
    });
    const r = gradient(s, 'ball.position.z', ['ball.linearVelocity.z']);
    expect(r.kinks.length).toBeGreaterThan(0);
    expect(r.kinks[0].label).toMatch(/^step \d+: .*ground.*ball|^step \d+: .*ball.*ground/);
  });
});

/**
 * The gradient of the sum of a 300-step rollout's outputs w.r.t. all its inputs, with the
 * given kept-record budget (undefined: the default; 0: replay every segment) and segment.
 */
function summedOutputGradient(s: Scene, keptRecordsBytes: number | undefined, segment?: number): number[] {
  const model = buildModel(s);
  const state = initialState(model, s);
  const config = { model, steps: 300, segment, keptRecordsBytes };
  const run = rolloutPrimitive(config);
  return ad.valueAndGrad(
    (x) => run(x).reduce<ad.Real>((acc, y) => ad.add(acc, y), 0),
    Array.from(rolloutInputs(config, state.bodyQ, state.bodyQd)),
  ).grad;
}

describe('kept step records vs replay from checkpoints (penalty and soft)', () => {
  for (const mode of ['penalty', 'soft'] as const) {
    it(`${mode}: the gradient is the same bit for bit with the forward pass's records (default budget) and with replay (budget 0)`, () => {
      const s = scene({
        dt: 0.001,
        steps: 300,
        contact: { mode, stiffness: 2e4, damping: 1e5, temperature: 0.002, friction: 0.4 },
        bodies: [
          ground,
          {
            name: 'ball',
            shape: { type: 'sphere', radius: 0.1 },
            mass: 1,
            position: [0, 0, 0.2],
            linearVelocity: [1, 0, -1],
          },
          { name: 'box', shape: { type: 'box', halfExtents: [0.1, 0.1, 0.1] }, mass: 1, position: [0.3, 0, 0.1] },
        ],
      });
      const kept = summedOutputGradient(s, undefined, 17);
      expect(kept.some((g) => g !== 0)).toBe(true);
      expect(kept).toEqual(summedOutputGradient(s, 0, 17));
    });
  }

  it('penalty: the same bit for bit on the billiards rack (dozens of contacts a step, equal ball bounds)', () => {
    // A kept record holds no contacts: the backward pass collides each kept pose again
    // (sim/driver/force-stepper.ts), and a replay collides after other segments; both must
    // see the forward pass's contacts in its order (test/sim/collision/broadphase.test.ts).
    const s = parseScene(JSON.parse(readFileSync(new URL('../../scenes/billiards.json', import.meta.url), 'utf8')));
    s.contact.mode = 'penalty';
    const kept = summedOutputGradient(s, undefined);
    expect(kept).toEqual(summedOutputGradient(s, 0));
    expect(kept).toEqual(summedOutputGradient(s, 0, 7));
  });
});
