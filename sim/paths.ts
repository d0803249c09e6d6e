/**
 * Parameter and quantity paths (docs/paths.md): the names `--wrt`, `--of` and
 * `objective` use for numbers of a scene and of a final state.
 *
 * Parameters (`--wrt`, `objective.wrt`):
 * - `<body>.<field>.<x|y|z>` for the initial `position`, `linearVelocity`, `angularVelocity`,
 *   and `<body>.orientation.<w|x|y|z>` (the raw scene quaternion, normalized at build);
 * - `<body>.<scalar>`: `mass`, `friction`, `restitution`, and the shape's scalar size
 *   fields (sim/shapes/ rows): `radius` (sphere, capsule, cylinder), `halfLength` (capsule,
 *   cylinder), `offset` (plane);
 * - the shape's vector size fields `<body>.<field>.<x|y|z>`: `halfExtents` (box) and
 *   `normal` (plane, the raw scene normal, normalized at build);
 * - `contact.<key>` for `stiffness`, `damping`, `temperature`, `frictionVelocity`, `friction`, `restitution`, `margin`.
 * A plane has no pose, velocity or mass parameters; a static body has no velocity or mass.
 *
 * Quantities (`--of`, `objective.of`): `<body>.<field>` (a whole vector) or
 * `<body>.<field>.<component>` of the final state, for the same four state fields, on any
 * body but a plane (a plane has no state).
 *
 * Body names may contain neither `.`, `,` nor whitespace, and `contact` is reserved (the
 * scene schema enforces it), so a path splits on `.` unambiguously.
 */
import { BODY_PATH_INPUTS, PATH_INPUTS, type PathInputName } from './driver/input-table.ts';
import { PathError } from './errors.ts';
import { massOfBody } from './builder.ts';
import { defaultContactMargin, type Model } from './model.ts';
import type { BodySpec, Scene } from './scene.ts';
import { SHAPE_NAMES, shapeRow, type ShapeName } from './shapes.ts';
import { readSize, VECTOR_SIZE_FIELDS, writeSize, type ScalarSizeField, type VectorSizeField } from './shapes/table.ts';
import { STATE_FIELDS, type State } from './state.ts';

/** The state fields a path can name, each a vector. */
export const STATE_VECTOR_FIELDS = ['position', 'orientation', 'linearVelocity', 'angularVelocity'] as const;

/** One of {@link STATE_VECTOR_FIELDS}. */
export type StateVectorField = (typeof STATE_VECTOR_FIELDS)[number];

/**
 * Scalar body parameters (which ones a body has depends on its shape and whether it is
 * static): its shape's scalar size fields (sim/shapes/ rows) among them.
 */
export type BodyScalarParam = 'mass' | 'friction' | 'restitution' | ScalarSizeField;

/** Vector shape parameters, the vector size fields of the shape rows: box `halfExtents`, plane `normal`. */
export type ShapeVectorParam = VectorSizeField;

/**
 * The contact settings that are parameters (`mode` and `timeOfImpact` are not numbers):
 * the rollout inputs named by a path (sim/driver/input-table.ts), then the margin.
 */
export const CONTACT_PARAM_KEYS: readonly (PathInputName | 'margin')[] = [...PATH_INPUTS, 'margin'];

/** One of {@link CONTACT_PARAM_KEYS}. */
export type ContactParamKey = (typeof CONTACT_PARAM_KEYS)[number];

/** What a path needs to know of a body: its name, shape and whether it is static. */
export interface PathBody {
  readonly name: string;
  readonly type: ShapeName;
  readonly static: boolean;
}

interface BodyRef {
  /** the path as written */
  readonly text: string;
  /** body index in the scene / model the path was parsed against */
  readonly body: number;
  readonly bodyName: string;
}

/** A parsed parameter path. `component` indexes the vector (orientation: w = 0, x = 1, y = 2, z = 3). */
export type ParamPath =
  | (BodyRef & { readonly kind: 'state'; readonly field: StateVectorField; readonly component: number })
  | (BodyRef & { readonly kind: 'bodyScalar'; readonly field: BodyScalarParam })
  | (BodyRef & { readonly kind: 'shapeVector'; readonly field: ShapeVectorParam; readonly component: number })
  | { readonly kind: 'contact'; readonly text: string; readonly key: ContactParamKey };

/** A parsed quantity path: a whole state vector (`component` null) or one component of it. */
export interface QuantityPath extends BodyRef {
  readonly field: StateVectorField;
  readonly component: number | null;
  /** number of values: the vector's length, or 1 for a component */
  readonly width: number;
}

const XYZ = ['x', 'y', 'z'] as const;
const WXYZ = ['w', 'x', 'y', 'z'] as const;

/** Component names of each vector a path can name. */
export const COMPONENTS: Readonly<Record<StateVectorField | ShapeVectorParam, readonly string[]>> = {
  position: XYZ,
  orientation: WXYZ,
  linearVelocity: XYZ,
  angularVelocity: XYZ,
  ...(Object.fromEntries(VECTOR_SIZE_FIELDS.map((f) => [f, XYZ])) as Record<ShapeVectorParam, typeof XYZ>),
};

/** Where each state field lives: which State array, and its offset within a body's slot. */
export const STATE_SLOT: Readonly<Record<StateVectorField, { array: 'bodyQ' | 'bodyQd'; offset: number }>> = {
  position: { array: 'bodyQ', offset: 0 },
  orientation: { array: 'bodyQ', offset: 3 },
  linearVelocity: { array: 'bodyQd', offset: 0 },
  angularVelocity: { array: 'bodyQd', offset: 3 },
};

function isStateField(field: string): field is StateVectorField {
  return (STATE_VECTOR_FIELDS as readonly string[]).includes(field);
}

function isShapeVector(field: string): field is ShapeVectorParam {
  return (VECTOR_SIZE_FIELDS as readonly string[]).includes(field);
}

function describeBody(b: PathBody): string {
  return b.type === 'plane' || !b.static ? `${b.type} '${b.name}'` : `static ${b.type} '${b.name}'`;
}

/** The parameter fields of a body, in a fixed order (vectors by field name, without components). */
export function bodyParamFields(b: PathBody): string[] {
  const fields: string[] = [];
  if (b.type !== 'plane') {
    fields.push('position', 'orientation');
    if (!b.static) fields.push('linearVelocity', 'angularVelocity', 'mass');
  }
  fields.push(...BODY_PATH_INPUTS);
  // the shape's size fields, from its row (a cylinder once fell through to the plane's here)
  for (const f of shapeRow(b.type).sizeFields) fields.push(f.field);
  return fields;
}

/**
 * Every valid parameter path of a scene's bodies (all components spelled out), in a fixed
 * order: bodies in scene order, then `contact.<key>`.
 */
export function paramPaths(bodies: readonly PathBody[]): string[] {
  const out: string[] = [];
  for (const b of bodies) {
    for (const field of bodyParamFields(b)) {
      if (isStateField(field) || isShapeVector(field)) {
        for (const c of COMPONENTS[field]) out.push(`${b.name}.${field}.${c}`);
      } else {
        out.push(`${b.name}.${field}`);
      }
    }
  }
  for (const key of CONTACT_PARAM_KEYS) out.push(`contact.${key}`);
  return out;
}

/** Every valid quantity path: each non-plane body's four state vectors, then their components. */
export function quantityPaths(bodies: readonly PathBody[]): string[] {
  const out: string[] = [];
  for (const b of bodies) {
    if (b.type === 'plane') continue;
    for (const field of STATE_VECTOR_FIELDS) {
      out.push(`${b.name}.${field}`);
      for (const c of COMPONENTS[field]) out.push(`${b.name}.${field}.${c}`);
    }
  }
  return out;
}

function findBody(bodies: readonly PathBody[], name: string): number {
  for (let i = 0; i < bodies.length; i++) if (bodies[i].name === name) return i;
  return -1;
}

function parseComponent(
  where: string,
  text: string,
  field: StateVectorField | ShapeVectorParam,
  parts: string[],
): number {
  const names = COMPONENTS[field];
  if (parts.length === 2) {
    const whole = names.map((c) => `${parts[0]}.${field}.${c}`);
    throw new PathError(where, text, `'${field}' is a vector: name one component`, whole);
  }
  if (parts.length > 3) throw new PathError(where, text, `too many parts after '${field}'`, names);
  const component = names.indexOf(parts[2]);
  if (component < 0) throw new PathError(where, text, `'${field}' has no component '${parts[2]}'`, names);
  return component;
}

/**
 * Parse a parameter path against a scene's bodies. `where` says where the path came from
 * (e.g. `--wrt`, `objective.wrt[0]`) and becomes the error's JSON path.
 * Throws a {@link PathError} naming the path and listing the valid choices.
 *
 * @example
 * const p = parseParamPath('ball.linearVelocity.x', pathBodies(scene));
 * // { kind: 'state', body: 1, bodyName: 'ball', field: 'linearVelocity', component: 0, text: 'ball.linearVelocity.x' }
 */
export function parseParamPath(text: string, bodies: readonly PathBody[], where = ''): ParamPath {
  const parts = text.split('.');
  const head = parts[0];
  if (head === 'contact') {
    const key = parts[1] as ContactParamKey;
    if (parts.length !== 2 || !CONTACT_PARAM_KEYS.includes(key)) {
      const rest = parts.slice(1).join('.');
      const reason = parts.length < 2 ? 'names no contact setting' : `'${rest}' is not a numeric contact setting`;
      throw new PathError(where, text, reason, CONTACT_PARAM_KEYS);
    }
    return { kind: 'contact', text, key };
  }
  const body = findBody(bodies, head);
  if (body < 0) {
    const reason = head === '' ? 'is empty' : `no body is named '${head}'`;
    throw new PathError(where, text, reason, [...bodies.map((b) => b.name), 'contact']);
  }
  const b = bodies[body];
  const fields = bodyParamFields(b);
  if (parts.length < 2) throw new PathError(where, text, `names a body, not a parameter`, fields);
  const field = parts[1];
  if (!fields.includes(field))
    throw new PathError(where, text, `${describeBody(b)} has no parameter '${field}'`, fields);
  const ref = { text, body, bodyName: b.name };
  if (isStateField(field))
    return { ...ref, kind: 'state', field, component: parseComponent(where, text, field, parts) };
  if (isShapeVector(field)) {
    return { ...ref, kind: 'shapeVector', field, component: parseComponent(where, text, field, parts) };
  }
  if (parts.length > 2) {
    throw new PathError(where, text, `'${field}' is a scalar: it takes no component`, [`${head}.${field}`]);
  }
  return { ...ref, kind: 'bodyScalar', field: field as BodyScalarParam };
}

/**
 * Parse `--of` as ONE component of a final-state quantity (what a gradient, a sweep or a
 * probe reads): a whole vector is a PathError saying that `who` needs one number.
 */
export function parseComponentPath(text: string, bodies: readonly PathBody[], who: string): QuantityPath {
  const q = parseQuantityPath(text, bodies, '--of');
  if (q.component !== null) return q;
  // the field's own components: orientation is a quaternion (w, x, y, z)
  const components = COMPONENTS[q.field].map((c) => `${text}.${c}`);
  throw new PathError('--of', text, `${who} needs one number: name a component`, components);
}

/**
 * Parse a quantity path (a final-state vector or one component) against a scene's bodies.
 * Throws a {@link PathError} naming the path and listing the valid choices.
 *
 * @example
 * parseQuantityPath('ball.position', bodies);   // width 3, component null
 * parseQuantityPath('ball.position.z', bodies); // width 1, component 2
 */
export function parseQuantityPath(text: string, bodies: readonly PathBody[], where = ''): QuantityPath {
  const parts = text.split('.');
  const head = parts[0];
  const body = findBody(bodies, head);
  const movable = bodies.filter((b) => b.type !== 'plane').map((b) => b.name);
  if (body < 0) {
    let reason = `no body is named '${head}'`;
    if (head === '') reason = 'is empty';
    else if (head === 'contact') reason = 'contact settings are not state quantities';
    throw new PathError(where, text, reason, movable);
  }
  const b = bodies[body];
  if (b.type === 'plane') {
    throw new PathError(
      where,
      text,
      `plane '${b.name}' has no state (a plane is fixed by its normal and offset)`,
      movable,
    );
  }
  if (parts.length < 2) throw new PathError(where, text, 'names a body, not a state field', STATE_VECTOR_FIELDS);
  const field = parts[1];
  if (!isStateField(field)) throw new PathError(where, text, `'${field}' is not a state field`, STATE_VECTOR_FIELDS);
  const names = COMPONENTS[field];
  if (parts.length === 2) return { text, body, bodyName: b.name, field, component: null, width: names.length };
  if (parts.length > 3) throw new PathError(where, text, `too many parts after '${field}'`, names);
  const component = names.indexOf(parts[2]);
  if (component < 0) throw new PathError(where, text, `'${field}' has no component '${parts[2]}'`, names);
  return { text, body, bodyName: b.name, field, component, width: 1 };
}

/** The bodies of a parsed scene, as paths see them. */
export function pathBodies(scene: Pick<Scene, 'bodies'>): PathBody[] {
  return scene.bodies.map((b) => ({ name: b.name, type: b.shape.type, static: b.static || b.shape.type === 'plane' }));
}

/** The bodies of a model, as paths see them. */
export function pathBodiesOfModel(model: Model): PathBody[] {
  return model.bodyName.map((name, i) => ({
    name,
    type: SHAPE_NAMES[model.geomType[i]],
    static: model.bodyStatic[i] === 1,
  }));
}

function sceneBody(scene: Scene, p: BodyRef): BodySpec {
  const b = scene.bodies[p.body];
  if (b === undefined || b.name !== p.bodyName) {
    throw new RangeError(`path '${p.text}' was parsed against another scene (body ${p.body} is not '${p.bodyName}')`);
  }
  return b;
}

/**
 * The value of a parameter in a parsed scene, with defaults resolved the way the builder
 * resolves them: a body's `friction`/`restitution` falls back to the contact value, `mass`
 * of a body given by density is density × volume, `contact.margin` falls back to the
 * derived default. Orientation and normal components are the raw scene values.
 */
export function readParam(scene: Scene, p: ParamPath): number {
  if (p.kind === 'contact') {
    if (p.key === 'margin') return scene.contact.margin ?? defaultContactMargin(scene.contact.temperature);
    if (p.key === 'damping') {
      if (scene.contact.damping !== undefined) return scene.contact.damping;
      // no silent 0: without the override each contact's dashpot follows its restitution
      throw new PathError(
        '--wrt',
        p.text,
        'the scene sets no contact.damping (each contact derives its dashpot from restitution); set contact.damping in the scene to use it as a parameter, or use restitution',
        ['contact.restitution'],
      );
    }
    return scene.contact[p.key];
  }
  const b = sceneBody(scene, p);
  const s = b.shape;
  switch (p.kind) {
    case 'state':
      return b[p.field][p.component];
    case 'shapeVector': {
      const value = readSize(s, p.field, p.component);
      if (value !== undefined) return value;
      break;
    }
    case 'bodyScalar': {
      if (p.field === 'mass') return massOfBody(b);
      if (p.field === 'friction') return b.friction ?? scene.contact.friction;
      if (p.field === 'restitution') return b.restitution ?? scene.contact.restitution;
      const value = readSize(s, p.field, null);
      if (value !== undefined) return value;
      break;
    }
  }
  throw new RangeError(`path '${p.text}' does not fit body '${b.name}' (${s.type})`);
}

/**
 * A copy of `scene` with one parameter set to `value` (the input is not modified). Setting
 * `mass` replaces a density; a size of a body given by density changes its mass with its
 * volume. The result is not revalidated: pass it through `parseScene` to check it.
 *
 * @example
 * const p = parseParamPath('ball.radius', pathBodies(scene));
 * const bigger = writeParam(scene, p, readParam(scene, p) * 2);
 */
export function writeParam(scene: Scene, p: ParamPath, value: number): Scene {
  const out = structuredClone(scene);
  if (p.kind === 'contact') {
    out.contact[p.key] = value;
    return out;
  }
  const b = sceneBody(out, p);
  const s = b.shape;
  switch (p.kind) {
    case 'state':
      b[p.field][p.component] = value;
      return out;
    case 'shapeVector':
      if (!writeSize(s, p.field, p.component, value)) break;
      return out;
    case 'bodyScalar':
      if (p.field === 'mass') {
        b.mass = value;
        delete b.density;
      } else if (p.field === 'friction') b.friction = value;
      else if (p.field === 'restitution') b.restitution = value;
      else if (!writeSize(s, p.field, null, value)) break;
      return out;
  }
  throw new RangeError(`path '${p.text}' does not fit body '${b.name}' (${s.type})`);
}

/**
 * Where `field` of body `body` (from its `component`) sits in a flat state block
 * [bodyQ (7n) | bodyQd (6n)] of `nbody` bodies, as a rollout's output lays out each state.
 *
 * @example
 * const at = stateOffset(model.nbody, q.body, q.field, q.component ?? 0); // y[at .. at + q.width)
 */
export function stateOffset(nbody: number, body: number, field: StateVectorField, component = 0): number {
  const slot = STATE_SLOT[field];
  const block = slot.array === 'bodyQ' ? 0 : STATE_FIELDS.bodyQ * nbody;
  return block + STATE_FIELDS[slot.array] * body + slot.offset + component;
}

/**
 * The value of a quantity in a state: `q.width` numbers written to `out` (a new array by
 * default). Orientation is the stored quaternion (w, x, y, z); q and −q are one rotation.
 *
 * @example
 * const [x, y, z] = readQuantity(finalState, parseQuantityPath('ball.position', bodies));
 */
export function readQuantity(state: State, q: QuantityPath, out: number[] = new Array<number>(q.width)): number[] {
  const slot = STATE_SLOT[q.field];
  const stride = slot.array === 'bodyQ' ? STATE_FIELDS.bodyQ : STATE_FIELDS.bodyQd;
  const base = q.body * stride + slot.offset;
  const data = state[slot.array];
  if (base + COMPONENTS[q.field].length > data.length) {
    throw new RangeError(`quantity '${q.text}': body ${q.body} is beyond the state's ${data.length / stride} bodies`);
  }
  if (q.component !== null) {
    out[0] = data[base + q.component];
  } else {
    for (let k = 0; k < q.width; k++) out[k] = data[base + k];
  }
  return out;
}
