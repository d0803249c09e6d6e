// Scene parsing, validation messages, the Model/State builder and the State helpers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildModel, initialState, massOfBody } from '../../sim/builder.ts';
import { DivergenceError, SceneError } from '../../sim/errors.ts';
import { CONTACT_MODES, type Model } from '../../sim/model.ts';
import { parseScene, parseSceneText, SCENE_DEFAULTS, type Scene } from '../../sim/scene.ts';
import { ShapeType } from '../../sim/shapes.ts';
import { allocState, assertFiniteState, cloneState, copyState } from '../../sim/state.ts';

/** The scene of docs/scene-format.md, verbatim, with its objective. */
const designScene = {
  dt: 0.001,
  steps: 1000,
  gravity: [0, 0, -9.81],
  contact: { mode: 'soft', stiffness: 1e4, damping: 100, temperature: 0.001, friction: 0.5, restitution: 0.5 },
  bodies: [
    { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 }, static: true },
    {
      name: 'ball',
      shape: { type: 'sphere', radius: 0.1 },
      mass: 1,
      position: [0, 0, 1],
      orientation: [1, 0, 0, 0],
      linearVelocity: [1, 0, 0],
      angularVelocity: [0, 0, 0],
      friction: 0.5,
      restitution: 0.5,
    },
  ],
  objective: {
    of: 'ball.position',
    target: [1.2, 0, 0.25],
    wrt: ['ball.linearVelocity.x', 'ball.linearVelocity.z'],
    bounds: { 'ball.linearVelocity.z': [0, 10] },
  },
};

/** The problems `parseScene` reports for `json`, as `path: message` lines; fails if it accepts. */
function problems(json: unknown): string[] {
  try {
    parseScene(json);
  } catch (err) {
    expect(err).toBeInstanceOf(SceneError);
    return (err as SceneError).issues.map((i) => `${i.path === '' ? '(scene)' : i.path}: ${i.message}`);
  }
  throw new Error('parseScene accepted an invalid scene');
}

const ball = (extra: object = {}) => ({ name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 1, ...extra });

describe('parseScene: valid scenes', () => {
  it("parses docs/scene-format.md's example and keeps every value", () => {
    const scene = parseScene(designScene);
    expect(scene.dt).toBe(0.001);
    // the defaults of the fields docs/scene-format.md's example leaves out: time-of-impact on, friction speed ε = 1 cm/s
    expect(scene.contact).toEqual({ ...designScene.contact, timeOfImpact: true, frictionVelocity: 0.01 });
    expect(scene.bodies[1]).toEqual({ ...designScene.bodies[1], static: false });
    expect(scene.bodies[0]).toMatchObject({ static: true, shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } });
    expect(scene.objective).toEqual(designScene.objective);
  });

  it('applies the documented defaults', () => {
    const scene = parseScene({ bodies: [{ name: 'ground', shape: { type: 'plane' } }, ball()] });
    expect(scene.dt).toBe(SCENE_DEFAULTS.dt);
    expect(scene.steps).toBe(SCENE_DEFAULTS.steps);
    expect(scene.gravity).toEqual([0, 0, -9.81]);
    expect(scene.contact).toEqual(SCENE_DEFAULTS.contact);
    expect(scene.contact.margin).toBeUndefined();
    expect(scene.bodies[0]).toMatchObject({ static: true, shape: { normal: [0, 0, 1], offset: 0 } });
    expect(scene.bodies[1]).toMatchObject({
      static: false,
      position: [0, 0, 0],
      orientation: [1, 0, 0, 0],
      linearVelocity: [0, 0, 0],
      angularVelocity: [0, 0, 0],
    });
    expect(scene.bodies[1].friction).toBeUndefined();
    expect(scene.objective).toBeUndefined();
  });

  it('accepts a static body with mass (ignored) and a plane given the identity pose', () => {
    const scene = parseScene({
      bodies: [
        { name: 'wall', shape: { type: 'box', halfExtents: [1, 1, 1] }, static: true, mass: 5 },
        {
          name: 'g',
          shape: { type: 'plane' },
          position: [0, 0, 0],
          orientation: [1, 0, 0, 0],
          linearVelocity: [0, 0, 0],
        },
      ],
    });
    expect(buildModel(scene).bodyMass[0]).toBe(0);
  });

  it('does not share arrays with the input or with the defaults', () => {
    const input = structuredClone(designScene);
    const scene = parseScene(input);
    scene.bodies[1].position[0] = 99;
    scene.gravity[2] = 0;
    expect(input.bodies[1].position?.[0]).toBe(0);
    expect(parseScene({ bodies: [ball()] }).gravity).toEqual([0, 0, -9.81]);
  });

  it('parseSceneText reports a JSON syntax error as a SceneError', () => {
    expect(() => parseSceneText('{"dt": 0.001,')).toThrow(SceneError);
    expect(() => parseSceneText('{"dt": 0.001,')).toThrow(/not valid JSON/);
    expect(parseSceneText(JSON.stringify(designScene))).toEqual(parseScene(designScene));
  });
});

describe('parseScene: every problem named by its JSON path', () => {
  it.each<[string, unknown, string]>([
    [
      'negative radius',
      { bodies: [ball({ shape: { type: 'sphere', radius: -1 } })] },
      'bodies[0].shape.radius: must be > 0',
    ],
    [
      'unknown field',
      { bodies: [ball({ colour: 'red' })] },
      'bodies[0].colour: unknown field (valid fields: name, shape',
    ],
    ['unknown top-level field', { bodies: [ball()], gravitation: 1 }, 'gravitation: unknown field'],
    [
      'unknown shape field',
      { bodies: [ball({ shape: { type: 'sphere', radius: 1, halfLength: 1 } })] },
      'bodies[0].shape.halfLength: unknown field',
    ],
    [
      'bad shape type',
      { bodies: [ball({ shape: { type: 'cone' } })] },
      'bodies[0].shape.type: must be one of "plane", "sphere", "box", "capsule"',
    ],
    [
      'bad contact mode',
      { contact: { mode: 'squishy' }, bodies: [ball()] },
      'contact.mode: must be one of "hard", "penalty", "soft"',
    ],
    [
      'zero friction speed',
      { contact: { frictionVelocity: 0 }, bodies: [ball()] },
      'contact.frictionVelocity: must be > 0',
    ],
    ['string for a number', { dt: '0.001', bodies: [ball()] }, 'dt: must be a number, got "0.001"'],
    ['NaN spelled as a string', { bodies: [ball({ mass: 'NaN' })] }, 'bodies[0].mass: must be a number, got "NaN"'],
    ['non-integer steps', { steps: 10.5, bodies: [ball()] }, 'steps: must be an integer, got 10.5'],
    [
      'short vector',
      { bodies: [ball({ position: [0, 1] })] },
      'bodies[0].position: must be an array of 3 numbers [x, y, z]',
    ],
    ['restitution above 1', { bodies: [ball({ restitution: 1.5 })] }, 'bodies[0].restitution: must be <= 1'],
    ['missing name', { bodies: [{ shape: { type: 'sphere', radius: 1 }, mass: 1 }] }, 'bodies[0].name: is required'],
    ['no bodies', { bodies: [] }, 'bodies: must list at least one body'],
    ['not an object', 42, '(scene): must be an object, got 42'],
    ['empty name', { bodies: [ball({ name: '' })] }, 'bodies[0].name: must be non-empty'],
    ['dot in a name', { bodies: [ball({ name: 'a.b' })] }, "bodies[0].name: must not contain '.', ',' or whitespace"],
    ['reserved name', { bodies: [ball({ name: 'contact' })] }, "bodies[0].name: 'contact' is reserved"],
    [
      'duplicate name',
      { bodies: [ball(), ball({ position: [1, 0, 0] })] },
      "bodies[1].name: duplicate body name 'ball' (also bodies[0])",
    ],
    [
      'dynamic plane',
      { bodies: [{ name: 'g', shape: { type: 'plane' }, static: false }] },
      'bodies[0].static: a plane is always static',
    ],
    [
      'moved plane',
      { bodies: [{ name: 'g', shape: { type: 'plane' }, position: [0, 0, 1] }] },
      'bodies[0].position: a plane is placed by shape.normal',
    ],
    [
      'rotated plane',
      { bodies: [{ name: 'g', shape: { type: 'plane' }, orientation: [0, 1, 0, 0] }] },
      'bodies[0].orientation: a plane is placed',
    ],
    [
      'moving static body',
      { bodies: [ball({ static: true, angularVelocity: [0, 0, 1] })] },
      'bodies[0].angularVelocity: a static body cannot move',
    ],
    ['mass and density', { bodies: [ball({ density: 1000 })] }, 'bodies[0].density: give mass or density, not both'],
    [
      'neither mass nor density',
      { bodies: [{ name: 'b', shape: { type: 'sphere', radius: 1 } }] },
      'bodies[0].mass: is required for a dynamic body',
    ],
    [
      'zero quaternion',
      { bodies: [ball({ orientation: [0, 0, 0, 0] })] },
      'bodies[0].orientation: must not be the zero quaternion',
    ],
    [
      'zero normal',
      { bodies: [{ name: 'g', shape: { type: 'plane', normal: [0, 0, 0] } }] },
      'bodies[0].shape.normal: must not be the zero vector',
    ],
    [
      'objective quantity',
      { ...designScene, objective: { ...designScene.objective, of: 'ball.postion' } },
      "objective.of: 'ball.postion': 'postion' is not a state field; valid: position, orientation, linearVelocity, angularVelocity",
    ],
    [
      'objective parameter',
      { ...designScene, objective: { ...designScene.objective, wrt: ['ball.linearVelocity.x', 'ball.radius.x'] } },
      "objective.wrt[1]: 'ball.radius.x': 'radius' is a scalar",
    ],
    [
      'objective parameter of a plane',
      { ...designScene, objective: { of: 'ball.position', target: [0, 0, 0], wrt: ['ground.position.z'] } },
      "objective.wrt[0]: 'ground.position.z': plane 'ground' has no parameter 'position'; valid: friction, restitution, normal, offset",
    ],
    [
      'objective target length',
      { ...designScene, objective: { ...designScene.objective, target: [1, 2] } },
      'objective.target: must be an array of 3 numbers',
    ],
    [
      'bound outside wrt',
      { ...designScene, objective: { ...designScene.objective, bounds: { 'ball.mass': [0, 1] } } },
      `objective.bounds["ball.mass"]: 'ball.mass' is not one of objective.wrt`,
    ],
    [
      'inverted bound',
      { ...designScene, objective: { ...designScene.objective, bounds: { 'ball.linearVelocity.x': [2, 1] } } },
      'objective.bounds["ball.linearVelocity.x"]: lower bound 2 exceeds upper bound 1',
    ],
  ])('%s', (_name, json, expected) => {
    const found = problems(json);
    expect(
      found.some((p) => p.startsWith(expected)),
      `expected "${expected}" among:\n${found.join('\n')}`,
    ).toBe(true);
  });

  it('lists every problem in one message, one per line', () => {
    const json = {
      dt: -1,
      contact: { mode: 'x' },
      bodies: [
        ball({ shape: { type: 'sphere', radius: 0 } }),
        ball({ extra: 1 }),
        { name: 'g', shape: { type: 'plane' }, static: false },
      ],
    };
    let message = '';
    try {
      parseScene(json);
    } catch (err) {
      message = (err as Error).message;
    }
    for (const path of [
      'dt:',
      'contact.mode:',
      'bodies[0].shape.radius:',
      'bodies[1].extra:',
      'bodies[1].name:',
      'bodies[2].static:',
    ]) {
      expect(message).toContain(`\n  ${path}`);
    }
    expect(message).toMatch(/^invalid scene \(6 problems\):/);
  });
});

// ---------------------------------------------------------------------------------------
// random scenes

const num = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const vec3 = (min: number, max: number) => fc.tuple(num(min, max), num(min, max), num(min, max));
const nonzeroVec3 = vec3(-1, 1).filter((v) => Math.hypot(...v) > 1e-3);
const quat = fc.tuple(num(-1, 1), num(-1, 1), num(-1, 1), num(-1, 1)).filter((q) => Math.hypot(...q) > 1e-3);
// sizes from 1 mm to 5 m
const size = num(1e-3, 5);

const shapeArb = fc.oneof(
  fc.record({ type: fc.constant('sphere'), radius: size }),
  fc.record({ type: fc.constant('box'), halfExtents: fc.tuple(size, size, size) }),
  fc.record({ type: fc.constant('capsule'), radius: size, halfLength: num(0, 5) }),
  fc.record({ type: fc.constant('plane'), normal: nonzeroVec3, offset: num(-10, 10) }, { requiredKeys: ['type'] }),
);

type Json = Record<string, unknown>;

function bodyArb(name: string): fc.Arbitrary<Json> {
  return fc.tuple(shapeArb, fc.boolean()).chain(([shape, wantStatic]) => {
    const isPlane = shape.type === 'plane';
    const isStatic = isPlane || wantStatic;
    const optional = fc.record(
      {
        ...(isPlane ? {} : { position: vec3(-10, 10), orientation: quat }),
        ...(isStatic ? {} : { linearVelocity: vec3(-10, 10), angularVelocity: vec3(-10, 10) }),
        ...(isPlane || !isStatic ? { static: fc.constant(isStatic) } : {}),
        friction: num(0, 2),
        restitution: num(0, 1),
      },
      { requiredKeys: [] },
    );
    // kg from 1 g to 100 kg; kg/m³ from 1 (foam) to 10⁴ (lead is 1.1·10⁴)
    const massOrDensity: fc.Arbitrary<Json> = isStatic
      ? fc.constant({})
      : fc.oneof(fc.record({ mass: num(1e-3, 100) }), fc.record({ density: num(1, 1e4) }));
    const required = isStatic && !isPlane ? { static: true } : {};
    return fc.tuple(optional, massOrDensity).map(([o, m]) => ({ name, shape, ...required, ...o, ...m }));
  });
}

const nameArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/).filter((n) => n !== 'contact');

/** Random valid scene files, optional fields sometimes omitted. */
const sceneArb: fc.Arbitrary<Json> = fc
  .uniqueArray(nameArb, { minLength: 1, maxLength: 6 })
  .chain((names) => fc.tuple(...names.map(bodyArb)))
  .chain((bodies) =>
    fc.record(
      {
        dt: num(1e-5, 0.1),
        steps: fc.integer({ min: 0, max: 100_000 }),
        gravity: vec3(-20, 20),
        contact: fc.record(
          {
            mode: fc.constantFrom(...CONTACT_MODES),
            stiffness: num(1, 1e7),
            damping: num(0, 1e4),
            temperature: num(1e-6, 0.1),
            friction: num(0, 2),
            restitution: num(0, 1),
            timeOfImpact: fc.boolean(),
            margin: num(0, 1),
          },
          { requiredKeys: [] },
        ),
        bodies: fc.constant(bodies),
      },
      { requiredKeys: ['bodies'] },
    ),
  );

function allFinite(a: ArrayLike<number>): boolean {
  return Array.prototype.every.call(a, (x: number) => Number.isFinite(x)) as boolean;
}

function checkModel(scene: Scene, model: Model): void {
  const n = scene.bodies.length;
  expect(model.nbody).toBe(n);
  const sizes: [ArrayLike<number>, number][] = [
    [model.bodyStatic, n],
    [model.bodyMass, n],
    [model.bodyInvMass, n],
    [model.bodyInertia, 3 * n],
    [model.bodyInvInertia, 3 * n],
    [model.geomType, n],
    [model.geomSize, 4 * n],
    [model.bodyFriction, n],
    [model.bodyRestitution, n],
    [model.gravity, 3],
  ];
  for (const [array, length] of sizes) {
    expect(array.length).toBe(length);
    expect(allFinite(array)).toBe(true);
  }
  expect(Number.isFinite(model.contact.margin) && model.contact.margin >= 0).toBe(true);
  scene.bodies.forEach((b, i) => {
    expect(model.bodyIndex.get(b.name)).toBe(i);
    expect(model.geomType[i]).toBe(ShapeType[b.shape.type]);
    expect(model.bodyFriction[i]).toBe(b.friction ?? scene.contact.friction);
    expect(model.bodyRestitution[i]).toBe(b.restitution ?? scene.contact.restitution);
    const I = model.bodyInertia.subarray(3 * i, 3 * i + 3);
    if (model.bodyStatic[i] === 1) {
      expect([model.bodyMass[i], model.bodyInvMass[i], ...model.bodyInvInertia.subarray(3 * i, 3 * i + 3)]).toEqual([
        0, 0, 0, 0, 0,
      ]);
      return;
    }
    expect(model.bodyMass[i]).toBeGreaterThan(0);
    expect(model.bodyMass[i] * model.bodyInvMass[i]).toBeCloseTo(1, 12);
    for (let k = 0; k < 3; k++) {
      expect(I[k]).toBeGreaterThan(0);
      expect(I[k] * model.bodyInvInertia[3 * i + k]).toBeCloseTo(1, 12);
    }
    // any rigid body: each principal moment is at most the sum of the other two
    const slack = 1e-12 * (I[0] + I[1] + I[2]);
    expect(I[0] + I[1] + slack).toBeGreaterThanOrEqual(I[2]);
    expect(I[1] + I[2] + slack).toBeGreaterThanOrEqual(I[0]);
    expect(I[0] + I[2] + slack).toBeGreaterThanOrEqual(I[1]);
  });
}

describe('random valid scenes (fast-check)', () => {
  it('parse, build a finite Model of the right sizes and a unit-quaternion State', () => {
    fc.assert(
      fc.property(sceneArb, (json) => {
        const scene = parseScene(json);
        const model = buildModel(scene);
        checkModel(scene, model);
        const state = initialState(model, scene);
        expect(state.bodyQ.length).toBe(7 * model.nbody);
        expect(state.bodyQd.length).toBe(6 * model.nbody);
        expect(allFinite(state.bodyQ) && allFinite(state.bodyQd)).toBe(true);
        for (let i = 0; i < model.nbody; i++) {
          expect(Math.hypot(...state.bodyQ.subarray(7 * i + 3, 7 * i + 7))).toBeCloseTo(1, 14);
          if (model.bodyStatic[i] === 1)
            expect([...state.bodyQd.subarray(6 * i, 6 * i + 6)]).toEqual([0, 0, 0, 0, 0, 0]);
        }
      }),
    );
  });

  it('parsing is idempotent and survives a JSON round trip', () => {
    fc.assert(
      fc.property(sceneArb, (json) => {
        const scene = parseScene(json);
        expect(parseScene(scene)).toEqual(scene);
        // compared as JSON text: JSON has no -0, so a round trip turns -0 into 0
        expect(JSON.stringify(parseScene(JSON.parse(JSON.stringify(scene))))).toBe(JSON.stringify(scene));
      }),
    );
  });

  it('planes keep their half-space when normalized', () => {
    fc.assert(
      fc.property(nonzeroVec3, num(-5, 5), vec3(-10, 10), (normal, offset, p) => {
        const scene = parseScene({ bodies: [{ name: 'g', shape: { type: 'plane', normal, offset } }] });
        const g = buildModel(scene).geomSize;
        expect(Math.hypot(g[0], g[1], g[2])).toBeCloseTo(1, 14);
        // the signed distance of a point to the plane, measured two ways
        const distance = (normal[0] * p[0] + normal[1] * p[1] + normal[2] * p[2] - offset) / Math.hypot(...normal);
        expect(g[0] * p[0] + g[1] * p[1] + g[2] * p[2] - g[3]).toBeCloseTo(distance, 9);
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------
// random invalid scenes

type Mutation = { json: Json; path: string };

function bodyAt(json: Json, i: number): Json {
  return (json.bodies as Json[])[i];
}

/** Make one field of a valid scene invalid; return the scene and the JSON path that must be named. */
const mutationArb: fc.Arbitrary<Mutation> = fc
  .tuple(
    sceneArb,
    fc.nat(),
    fc.integer({ min: 0, max: 2 }),
    fc.constantFrom('size', 'unknown', 'type', 'nanString', 'enum'),
  )
  .chain(([valid, pick, k, kind]) => {
    const json = structuredClone(valid);
    const i = pick % (json.bodies as Json[]).length;
    const body = bodyAt(json, i);
    const shape = body.shape as Json;
    const at = `bodies[${i}]`;
    switch (kind) {
      case 'size':
        if (shape.type === 'box') {
          (shape.halfExtents as number[])[k] *= -1;
          return fc.constant({ json, path: `${at}.shape.halfExtents[${k}]` });
        }
        if (shape.type === 'plane') {
          shape.normal = [0, 0, 0];
          return fc.constant({ json, path: `${at}.shape.normal` });
        }
        shape.radius = -(shape.radius as number);
        return fc.constant({ json, path: `${at}.shape.radius` });
      case 'unknown': {
        const known = new Set([
          ...[
            'description',
            'dt',
            'steps',
            'gravity',
            'contact',
            'bodies',
            'objective',
            'name',
            'shape',
            'mass',
            'density',
          ],
          ...['static', 'position', 'orientation', 'linearVelocity', 'angularVelocity', 'friction', 'restitution'],
          ...['type', 'radius', 'halfExtents', 'halfLength', 'normal', 'offset', 'mode', 'stiffness', 'damping'],
          ...['temperature', 'timeOfImpact', 'margin'],
        ]);
        const key = fc.stringMatching(/^[a-z][A-Za-z]{0,9}$/).filter((s) => !known.has(s));
        return fc.tuple(key, fc.constantFrom('root', 'contact', 'body', 'shape')).map(([name, where]) => {
          const target =
            where === 'root'
              ? json
              : where === 'contact'
                ? ((json.contact ??= {}) as Json)
                : where === 'body'
                  ? body
                  : shape;
          target[name] = 1;
          const prefix =
            where === 'root' ? '' : where === 'contact' ? 'contact.' : where === 'body' ? `${at}.` : `${at}.shape.`;
          return { json, path: `${prefix}${name}` };
        });
      }
      case 'type':
      case 'nanString': {
        const bad =
          kind === 'type'
            ? fc.constantFrom<unknown>('1', true, null, {}, [1])
            : fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e999');
        const field = fc.constantFrom('dt', 'gravity', 'contact.damping', 'friction', 'shapeSize');
        return fc.tuple(bad, field).map(([value, f]) => {
          if (f === 'dt') {
            json.dt = value;
            return { json, path: 'dt' };
          }
          if (f === 'gravity') {
            json.gravity = [0, 0, 0];
            (json.gravity as unknown[])[k] = value;
            return { json, path: `gravity[${k}]` };
          }
          if (f === 'contact.damping') {
            ((json.contact ??= {}) as Json).damping = value;
            return { json, path: 'contact.damping' };
          }
          if (f === 'friction') {
            body.friction = value;
            return { json, path: `${at}.friction` };
          }
          const sizeKey = shape.type === 'box' ? 'halfExtents' : shape.type === 'plane' ? 'offset' : 'radius';
          shape[sizeKey] = value;
          return { json, path: `${at}.shape.${sizeKey}` };
        });
      }
      default: {
        const word = fc.stringMatching(/^[a-z]{1,10}$/);
        return fc.tuple(word, fc.boolean()).map(([value, inShape]) => {
          if (inShape && !['plane', 'sphere', 'box', 'capsule'].includes(value)) {
            shape.type = value;
            return { json, path: `${at}.shape.type` };
          }
          ((json.contact ??= {}) as Json).mode = CONTACT_MODES.includes(value as never) ? `${value}!` : value;
          return { json, path: 'contact.mode' };
        });
      }
    }
  });

describe('random invalid scenes (fast-check)', () => {
  it('are rejected with a message naming the path', () => {
    fc.assert(
      fc.property(mutationArb, ({ json, path }) => {
        const found = problems(json);
        expect(
          found.some((p) => p.startsWith(`${path}: `)),
          `expected ${path} among:\n${found.join('\n')}`,
        ).toBe(true);
        try {
          parseScene(json);
        } catch (err) {
          expect((err as Error).message).toContain(`${path}: `);
        }
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------
// builder

describe('buildModel and initialState', () => {
  const scene = parseScene({
    contact: { friction: 0.7, restitution: 0.2 },
    bodies: [
      { name: 'ground', shape: { type: 'plane', normal: [0, 0, 2], offset: 1 } },
      { name: 'ball', shape: { type: 'sphere', radius: 0.1 }, density: 1000, orientation: [2, 0, 0, 0], friction: 0.3 },
      {
        name: 'pill',
        shape: { type: 'capsule', radius: 0.2, halfLength: 0.5 },
        mass: 3,
        orientation: [1, 1, 0, 0],
        linearVelocity: [1, 2, 3],
      },
      { name: 'wall', shape: { type: 'box', halfExtents: [1, 2, 3] }, static: true, position: [5, 0, 0] },
    ],
  });
  const model = buildModel(scene);

  it('is frozen (typed arrays aside, which are read-only by contract)', () => {
    expect(Object.isFrozen(model)).toBe(true);
    expect(Object.isFrozen(model.contact)).toBe(true);
    expect(Object.isFrozen(model.bodyName)).toBe(true);
    expect(() => {
      (model as unknown as Record<string, unknown>).dt = 1;
    }).toThrow(TypeError);
  });

  it('takes mass from density × volume (ρ 4/3 π r³) and keeps a given mass', () => {
    expect(model.bodyMass[1]).toBeCloseTo(1000 * (4 / 3) * Math.PI * 0.1 ** 3, 12);
    expect(massOfBody(scene.bodies[1])).toBe(model.bodyMass[1]);
    expect(model.bodyMass[2]).toBe(3);
    // a solid sphere: 2/5 m r²
    expect(model.bodyInertia[3]).toBeCloseTo(0.4 * model.bodyMass[1] * 0.01, 15);
  });

  it('gives static bodies zero mass and inverse inertia', () => {
    expect([model.bodyStatic[0], model.bodyStatic[3], model.bodyStatic[1]]).toEqual([1, 1, 0]);
    expect([model.bodyMass[0], model.bodyInvMass[3], ...model.bodyInvInertia.subarray(9, 12)]).toEqual([0, 0, 0, 0, 0]);
  });

  it('stores sizes in geomSize and normalizes plane normals (z ≤ 0.5 stays z ≤ 0.5)', () => {
    expect([...model.geomSize]).toEqual([0, 0, 1, 0.5, 0.1, 0, 0, 0, 0.2, 0.5, 0, 0, 1, 2, 3, 0]);
  });

  it('resolves body friction/restitution from the contact and derives the margin from the temperature', () => {
    expect([...model.bodyFriction]).toEqual([0.7, 0.3, 0.7, 0.7]);
    expect([...model.bodyRestitution]).toEqual([0.2, 0.2, 0.2, 0.2]);
    // default temperature 1 mm → margin max(1 cm, 20 × 1 mm) = 2 cm
    expect(model.contact.margin).toBeCloseTo(0.02, 15);
    const hot = buildModel({ ...scene, contact: { ...scene.contact, temperature: 1e-4 } });
    expect(hot.contact.margin).toBe(0.01);
    const explicit = buildModel({ ...scene, contact: { ...scene.contact, margin: 0.05 } });
    expect(explicit.contact.margin).toBe(0.05);
  });

  it('initialState normalizes quaternions and keeps positions and velocities', () => {
    const state = initialState(model, scene);
    expect([...state.bodyQ.subarray(0, 7)]).toEqual([0, 0, 0, 1, 0, 0, 0]);
    expect([...state.bodyQ.subarray(7, 14)]).toEqual([0, 0, 0, 1, 0, 0, 0]);
    const pill = [...state.bodyQ.subarray(14, 21)];
    expect(pill.slice(0, 3)).toEqual([0, 0, 0]);
    pill.slice(3).forEach((v, k) => expect(v).toBeCloseTo([Math.SQRT1_2, Math.SQRT1_2, 0, 0][k], 15));
    expect([...state.bodyQd.subarray(12, 18)]).toEqual([1, 2, 3, 0, 0, 0]);
    expect([...state.bodyQ.subarray(21, 24)]).toEqual([5, 0, 0]);
    expect(state.time).toBe(0);
  });

  it('initialState refuses a scene that does not match the model', () => {
    expect(() => initialState(model, { ...scene, bodies: scene.bodies.slice(1) })).toThrow(/does not match/);
  });
});

// ---------------------------------------------------------------------------------------
// state

describe('State helpers', () => {
  it('allocState: bodies at rest at the origin with identity orientation, views on one buffer', () => {
    const s = allocState(2);
    expect([...s.bodyQ]).toEqual([0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
    expect([...s.bodyQd]).toEqual(new Array(12).fill(0));
    expect(s.bodyQ.buffer).toBe(s.bodyQd.buffer);
    expect(() => allocState(-1)).toThrow(RangeError);
  });

  it('cloneState shares no memory; copyState copies into out and returns it', () => {
    const a = allocState(2);
    a.bodyQ[0] = 1;
    a.bodyQd[11] = 2;
    a.time = 0.5;
    const b = cloneState(a);
    expect(b).toEqual(a);
    b.bodyQ[0] = 7;
    expect(a.bodyQ[0]).toBe(1);
    const out = allocState(2);
    expect(copyState(out, a)).toBe(out);
    expect(out).toEqual(a);
    expect(() => copyState(allocState(3), a)).toThrow(/body counts differ/);
  });

  it('assertFiniteState names the step, the body and the field', () => {
    const s = allocState(3);
    const names = { bodyName: ['a', 'b', 'c'] };
    expect(() => assertFiniteState(s, names, 0)).not.toThrow();
    s.bodyQd[6 + 4] = Number.POSITIVE_INFINITY;
    s.bodyQ[14 + 1] = Number.NaN;
    try {
      assertFiniteState(s, names, 311);
      throw new Error('accepted a non-finite state');
    } catch (err) {
      expect(err).toBeInstanceOf(DivergenceError);
      expect(err).toMatchObject({ step: 311, body: 'b', field: 'angularVelocity' });
      expect((err as Error).message).toBe(
        "simulation diverged at step 311: body 'b' has a non-finite angularVelocity (try a smaller dt or a softer contact)",
      );
    }
  });
});
