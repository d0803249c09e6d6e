// Parameter and quantity paths: parsing against a scene's bodies, error messages with the
// valid choices, reading and writing parameters, reading quantities from a State.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildModel, initialState } from '../../sim/builder.ts';
import { PathError, SceneError } from '../../sim/errors.ts';
import type { Model } from '../../sim/model.ts';
import {
  paramPaths,
  parseComponentPath,
  parseParamPath,
  parseQuantityPath,
  pathBodies,
  pathBodiesOfModel,
  quantityPaths,
  readParam,
  readQuantity,
  stateOffset,
  writeParam,
  type ParamPath,
} from '../../sim/paths.ts';
import { parseScene, type Scene } from '../../sim/scene.ts';
import type { State } from '../../sim/state.ts';

/** One body of every kind: plane, dynamic by density, dynamic by mass, capsule, static box. */
const scene = parseScene({
  contact: { friction: 0.4, restitution: 0.1, damping: 30 },
  bodies: [
    { name: 'ground', shape: { type: 'plane', normal: [0, 0, 2], offset: 1 } },
    {
      name: 'ball',
      shape: { type: 'sphere', radius: 0.1 },
      density: 500,
      position: [0, 0, 1],
      orientation: [1, 2, 0, 0],
    },
    {
      name: 'crate',
      shape: { type: 'box', halfExtents: [0.1, 0.2, 0.3] },
      mass: 2,
      friction: 0.9,
      linearVelocity: [1, 2, 3],
    },
    { name: 'pill', shape: { type: 'capsule', radius: 0.05, halfLength: 0.2 }, mass: 1, angularVelocity: [0, 0, 5] },
    {
      name: 'wall',
      shape: { type: 'box', halfExtents: [1, 1, 1] },
      static: true,
      position: [3, 0, 0],
      restitution: 0.8,
    },
  ],
});
const bodies = pathBodies(scene);

function pathError(fn: () => unknown): PathError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PathError);
    expect(err).toBeInstanceOf(SceneError);
    return err as PathError;
  }
  throw new Error('accepted an invalid path');
}

describe('parameter paths', () => {
  it('lists what docs/paths.md allows for each kind of body', () => {
    const all = paramPaths(bodies);
    expect(all.filter((p) => p.startsWith('ground.'))).toEqual([
      'ground.friction',
      'ground.restitution',
      'ground.normal.x',
      'ground.normal.y',
      'ground.normal.z',
      'ground.offset',
    ]);
    expect(all.filter((p) => p.startsWith('wall.'))).toEqual([
      ...['wall.position.x', 'wall.position.y', 'wall.position.z'],
      ...['wall.orientation.w', 'wall.orientation.x', 'wall.orientation.y', 'wall.orientation.z'],
      ...['wall.friction', 'wall.restitution', 'wall.halfExtents.x', 'wall.halfExtents.y', 'wall.halfExtents.z'],
    ]);
    // a dynamic body: 3 + 4 + 3 + 3 state components, mass, friction, restitution, then its sizes
    expect(all.filter((p) => p.startsWith('ball.')).length).toBe(13 + 3 + 1);
    expect(all.filter((p) => p.startsWith('crate.')).length).toBe(13 + 3 + 3);
    expect(all.filter((p) => p.startsWith('pill.')).length).toBe(13 + 3 + 2);
    // a cylinder's sizes are a capsule's (it once listed a plane's normal and offset); in a
    // scene of its own: box–cylinder contacts are not implemented
    const drumScene = parseScene({
      bodies: [
        { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } },
        { name: 'drum', shape: { type: 'cylinder', radius: 0.1, halfLength: 0.3 }, mass: 1.5, position: [0, 0, 1] },
      ],
    });
    const drum = paramPaths(pathBodies(drumScene)).filter((p) => p.startsWith('drum.'));
    expect(drum.length).toBe(13 + 3 + 2);
    expect(drum.slice(-2)).toEqual(['drum.radius', 'drum.halfLength']);
    const halfLength = parseParamPath('drum.halfLength', pathBodies(drumScene));
    expect(readParam(drumScene, halfLength)).toBe(0.3);
    const longer = writeParam(drumScene, halfLength, 0.4);
    expect(readParam(longer, halfLength)).toBe(0.4);
    // a cylinder by mass keeps its mass; its inertia follows the new length (builder)
    expect(readParam(longer, parseParamPath('drum.mass', pathBodies(drumScene)))).toBe(1.5);
    expect(all.filter((p) => p.startsWith('contact.'))).toEqual([
      'contact.stiffness',
      'contact.damping',
      'contact.temperature',
      'contact.frictionVelocity',
      'contact.friction',
      'contact.restitution',
      'contact.margin',
    ]);
  });

  it('parses every listed path, keeping its text', () => {
    for (const text of paramPaths(bodies)) expect(parseParamPath(text, bodies).text).toBe(text);
  });

  it('resolves bodies, fields and components', () => {
    expect(parseParamPath('ball.linearVelocity.x', bodies)).toEqual({
      kind: 'state',
      text: 'ball.linearVelocity.x',
      body: 1,
      bodyName: 'ball',
      field: 'linearVelocity',
      component: 0,
    });
    expect(parseParamPath('ball.orientation.w', bodies)).toMatchObject({
      kind: 'state',
      field: 'orientation',
      component: 0,
    });
    expect(parseParamPath('ball.orientation.z', bodies)).toMatchObject({ component: 3 });
    expect(parseParamPath('crate.halfExtents.z', bodies)).toMatchObject({
      kind: 'shapeVector',
      body: 2,
      field: 'halfExtents',
      component: 2,
    });
    expect(parseParamPath('ground.normal.y', bodies)).toMatchObject({
      kind: 'shapeVector',
      body: 0,
      field: 'normal',
      component: 1,
    });
    expect(parseParamPath('pill.halfLength', bodies)).toMatchObject({
      kind: 'bodyScalar',
      body: 3,
      field: 'halfLength',
    });
    expect(parseParamPath('ground.offset', bodies)).toMatchObject({ kind: 'bodyScalar', field: 'offset' });
    expect(parseParamPath('contact.temperature', bodies)).toEqual({
      kind: 'contact',
      text: 'contact.temperature',
      key: 'temperature',
    });
  });

  it.each<[string, RegExp, string[]]>([
    ['', /'': is empty/, ['ground', 'ball', 'contact']],
    ['bal.position.x', /no body is named 'bal'/, ['ball', 'contact']],
    ['ball', /names a body, not a parameter/, ['position', 'mass', 'radius']],
    ['ball.postion.x', /sphere 'ball' has no parameter 'postion'/, ['position']],
    ['ball.position', /'position' is a vector: name one component/, ['ball.position.x', 'ball.position.z']],
    ['ball.position.w', /'position' has no component 'w'/, ['x', 'y', 'z']],
    ['ball.orientation.q', /'orientation' has no component 'q'/, ['w', 'x', 'y', 'z']],
    ['ball.position.x.y', /too many parts after 'position'/, ['x']],
    ['ball.mass.x', /'mass' is a scalar: it takes no component/, ['ball.mass']],
    ['ball.halfExtents.x', /sphere 'ball' has no parameter 'halfExtents'/, ['radius']],
    ['crate.radius', /box 'crate' has no parameter 'radius'/, ['halfExtents']],
    ['ground.position.z', /plane 'ground' has no parameter 'position'/, ['normal', 'offset']],
    ['wall.mass', /static box 'wall' has no parameter 'mass'/, ['position', 'friction']],
    ['wall.linearVelocity.x', /static box 'wall' has no parameter 'linearVelocity'/, ['position']],
    ['contact.mode', /'mode' is not a numeric contact setting/, ['stiffness', 'margin']],
    ['contact', /names no contact setting/, ['temperature']],
  ])('rejects %j naming the path and the choices', (text, reason, someChoices) => {
    const err = pathError(() => parseParamPath(text, bodies, '--wrt'));
    expect(err.text).toBe(text);
    expect(err.message).toContain(`'${text}'`);
    expect(err.message).toMatch(reason);
    expect(err.path).toBe('--wrt');
    for (const c of someChoices) {
      expect(err.choices).toContain(c);
      expect(err.message).toContain(c);
    }
  });

  it('shows a path given on its own without a JSON location, and caps long choice lists', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ name: `box${i}`, type: 'box' as const, static: false }));
    const err = pathError(() => parseParamPath('box99.mass', many));
    expect(err.message).toMatch(/^invalid path 'box99.mass': no body is named 'box99'; valid: box0, box1,/);
    expect(err.message).toContain('… (11 more)');
    expect(err.choices.length).toBe(31);
  });
});

describe('quantity paths', () => {
  it('parses whole vectors and components', () => {
    expect(parseQuantityPath('ball.position', bodies)).toMatchObject({
      body: 1,
      field: 'position',
      component: null,
      width: 3,
    });
    expect(parseQuantityPath('ball.orientation', bodies)).toMatchObject({ component: null, width: 4 });
    expect(parseQuantityPath('pill.angularVelocity.z', bodies)).toMatchObject({ body: 3, component: 2, width: 1 });
    expect(parseQuantityPath('wall.position.x', bodies)).toMatchObject({ body: 4, component: 0 });
    const all = quantityPaths(bodies);
    // 4 non-plane bodies × (4 vectors + 3 + 4 + 3 + 3 components)
    expect(all.length).toBe(4 * (4 + 13));
    for (const text of all) expect(parseQuantityPath(text, bodies).text).toBe(text);
  });

  it.each<[string, RegExp]>([
    ['ground.position', /plane 'ground' has no state/],
    ['contact.stiffness', /contact settings are not state quantities/],
    ['ball.mass', /'mass' is not a state field; valid: position, orientation, linearVelocity, angularVelocity/],
    ['ball.position.q', /'position' has no component 'q'; valid: x, y, z/],
    ['ball', /names a body, not a state field/],
    ['nobody.position', /no body is named 'nobody'; valid: ball, crate, pill, wall/],
  ])('rejects %j', (text, reason) => {
    expect(pathError(() => parseQuantityPath(text, bodies, '--of')).message).toMatch(reason);
  });
});

/** The value the built model (or initial state) holds for a parameter. */
function modelValue(model: Model, state: State, p: ParamPath): number {
  if (p.kind === 'contact') return model.contact[p.key] ?? NaN;
  const b = p.body;
  if (p.kind === 'state') {
    const q = state.bodyQ;
    const qd = state.bodyQd;
    if (p.field === 'position') return q[7 * b + p.component];
    if (p.field === 'orientation') return q[7 * b + 3 + p.component];
    if (p.field === 'linearVelocity') return qd[6 * b + p.component];
    return qd[6 * b + 3 + p.component];
  }
  if (p.kind === 'shapeVector') return model.geomSize[4 * b + p.component];
  switch (p.field) {
    case 'mass':
      return model.bodyMass[b];
    case 'friction':
      return model.bodyFriction[b];
    case 'restitution':
      return model.bodyRestitution[b];
    case 'halfLength':
      return model.geomSize[4 * b + 1];
    case 'offset':
      return model.geomSize[4 * b + 3];
    default:
      return model.geomSize[4 * b];
  }
}

describe('readParam and writeParam', () => {
  const model = buildModel(scene);
  const state = initialState(model, scene);

  it('read what the builder uses (raw orientation and normal, which the builder normalizes)', () => {
    for (const text of paramPaths(bodies)) {
      const p = parseParamPath(text, bodies);
      let expected = readParam(scene, p);
      if (p.kind === 'state' && p.field === 'orientation') expected /= Math.hypot(...scene.bodies[p.body].orientation);
      if (p.kind === 'shapeVector' && p.field === 'normal') expected /= 2; // |[0, 0, 2]|
      if (p.kind === 'bodyScalar' && p.field === 'offset') expected /= 2;
      expect(modelValue(model, state, p), text).toBeCloseTo(expected, 14);
    }
  });

  it('contact.damping without a value in the scene is an error naming the alternative, not a silent 0', () => {
    const derived = { ...scene, contact: { ...scene.contact } };
    delete derived.contact.damping;
    expect(() => readParam(derived, parseParamPath('contact.damping', bodies))).toThrow(
      /derives its dashpot from restitution.*contact\.restitution/,
    );
  });

  it('resolve defaults: body friction from the contact, mass from density × volume', () => {
    expect(readParam(scene, parseParamPath('ball.friction', bodies))).toBe(0.4);
    expect(readParam(scene, parseParamPath('crate.friction', bodies))).toBe(0.9);
    expect(readParam(scene, parseParamPath('ball.mass', bodies))).toBeCloseTo(500 * (4 / 3) * Math.PI * 0.1 ** 3, 14);
  });

  it('write one parameter into a copy, leaving the input alone and every other parameter as it was', () => {
    const before = structuredClone(scene);
    const all = paramPaths(bodies).map((t) => parseParamPath(t, bodies));
    // documented couplings: a density body's mass follows its size; defaults follow the contact
    const dependents: Record<string, string[]> = {
      'ball.radius': ['ball.mass'],
      'contact.temperature': ['contact.margin'],
      'contact.friction': ['ground.friction', 'ball.friction', 'pill.friction', 'wall.friction'],
      'contact.restitution': ['ground.restitution', 'ball.restitution', 'crate.restitution', 'pill.restitution'],
    };
    for (const p of all) {
      const value = readParam(scene, p) * 1.5 + 0.25;
      const changed = writeParam(scene, p, value);
      expect(readParam(changed, p), p.text).toBe(value);
      for (const other of all) {
        if (other.text === p.text || dependents[p.text]?.includes(other.text)) continue;
        expect(readParam(changed, other), `${other.text} after writing ${p.text}`).toBe(readParam(scene, other));
      }
    }
    expect(scene).toEqual(before);
  });

  it('scale a density body with its size (mass ∝ r³) and replace density when mass is written', () => {
    const radius = parseParamPath('ball.radius', bodies);
    const mass = parseParamPath('ball.mass', bodies);
    const doubled = writeParam(scene, radius, 0.2);
    expect(buildModel(doubled).bodyMass[1] / model.bodyMass[1]).toBeCloseTo(8, 12);
    const heavy = writeParam(scene, mass, 7);
    expect(heavy.bodies[1].density).toBeUndefined();
    expect(buildModel(heavy).bodyMass[1]).toBe(7);
    // still a valid scene
    expect(parseScene(heavy)).toEqual(heavy);
  });

  it('round-trip any value written to any parameter (fast-check)', () => {
    const texts = paramPaths(bodies);
    fc.assert(
      fc.property(fc.constantFrom(...texts), fc.double({ min: -1e6, max: 1e6, noNaN: true }), (text, value) => {
        const p = parseParamPath(text, bodies);
        expect(readParam(writeParam(scene, p, value), p)).toBe(value);
      }),
    );
  });

  it('refuse a path parsed against another scene', () => {
    const other: Scene = { ...scene, bodies: scene.bodies.slice(1) };
    expect(() => readParam(other, parseParamPath('ball.radius', bodies))).toThrow(/parsed against another scene/);
  });
});

describe('readQuantity', () => {
  const model = buildModel(scene);
  const state = initialState(model, scene);

  it('reads whole vectors and components of a state', () => {
    expect(readQuantity(state, parseQuantityPath('ball.position', bodies))).toEqual([0, 0, 1]);
    const [w, x, y, z] = readQuantity(state, parseQuantityPath('ball.orientation', bodies));
    expect([w, x, y, z].map((v) => v * Math.sqrt(5))).toEqual([1, 2, 0, 0].map((v) => expect.closeTo(v, 14)));
    expect(readQuantity(state, parseQuantityPath('crate.linearVelocity', bodies))).toEqual([1, 2, 3]);
    expect(readQuantity(state, parseQuantityPath('pill.angularVelocity.z', bodies))).toEqual([5]);
    expect(readQuantity(state, parseQuantityPath('wall.position.x', bodies))).toEqual([3]);
    const out = [9, 9, 9, 9];
    expect(readQuantity(state, parseQuantityPath('crate.linearVelocity.y', bodies), out)).toBe(out);
    expect(out).toEqual([2, 9, 9, 9]);
  });

  it('the bodies of a model are those of its scene', () => {
    expect(pathBodiesOfModel(model)).toEqual(bodies);
  });

  it('parseComponentPath takes one component and refuses a whole vector, naming who needs one number', () => {
    expect(parseComponentPath('ball.position.z', bodies, 'a gradient').component).toBe(2);
    const err = (() => {
      try {
        parseComponentPath('ball.position', bodies, 'a sweep or probe');
      } catch (e) {
        return e as PathError;
      }
    })();
    expect(err).toBeInstanceOf(PathError);
    expect(err!.message).toMatch(/a sweep or probe needs one number: name a component/);
    expect(err!.choices).toEqual(['ball.position.x', 'ball.position.y', 'ball.position.z']);
  });

  it("parseComponentPath suggests the field's own components: a quaternion's w, x, y, z", () => {
    expect(() => parseComponentPath('ball.orientation', bodies, 'a gradient')).toThrow(PathError);
    try {
      parseComponentPath('ball.orientation', bodies, 'a gradient');
    } catch (e) {
      const choices = (e as PathError).choices;
      expect(choices).toEqual(['ball.orientation.w', 'ball.orientation.x', 'ball.orientation.y', 'ball.orientation.z']);
      // every suggestion is itself a valid component path
      for (const c of choices) expect(parseComponentPath(c, bodies, 'a gradient').text).toBe(c);
    }
  });

  it('stateOffset finds every quantity in the flat block [bodyQ | bodyQd] where readQuantity finds it in the State', () => {
    const flat = [...state.bodyQ, ...state.bodyQd];
    for (const text of quantityPaths(bodies)) {
      const q = parseQuantityPath(text, bodies);
      const at = stateOffset(model.nbody, q.body, q.field, q.component ?? 0);
      expect(flat.slice(at, at + q.width)).toEqual(readQuantity(state, q));
    }
  });
});
