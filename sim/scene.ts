/**
 * The scene file (docs/scene-format.md): its schema, its defaults, and `parseScene`,
 * which validates a JSON value and returns a {@link Scene} with every default applied, or
 * throws a {@link SceneError} listing every problem with its JSON path.
 *
 * Decisions (beyond docs/scene-format.md), each enforced with an error naming the field:
 * - A plane is always static: `static` defaults to true for a plane, and `"static": false`
 *   on a plane is an error. A plane is placed by `normal` and `offset` only: `position` and
 *   `orientation`, if given, must be the identity pose.
 * - A static body cannot move: its velocities, if given, must be zero.
 * - A dynamic body needs exactly one of `mass` (kg) or `density` (kg/m³; mass = density ×
 *   volume). No density is assumed: a forgotten mass is an error, not a silent 1000 kg/m³.
 *   A static body's mass/density is accepted (so a body can be toggled static) and ignored.
 * - Body names are unique, non-empty, without `.`, `,` or whitespace (paths split on them),
 *   and not `contact` (reserved for `contact.<key>` paths).
 * - Quaternions and plane normals must be nonzero; both are normalized at build (a plane's
 *   offset is divided by the length of its normal, so the half-space stays the same).
 * - An optional top-level `description` string documents the scene and is ignored.
 * - `objective.of` is a quantity path, `objective.target` a number for one component or an
 *   array of the vector's length, `objective.wrt` distinct parameter paths, and every
 *   `objective.bounds` key one of them with `[lo, hi]`, lo ≤ hi.
 * - `objective.controls` names dynamic bodies; `objective.terms` read quantities at times
 *   on the step grid (within T) or the effort of a stated control; an objective has at
 *   least one decision variable (a `wrt` path or a control).
 *
 * Problems in the fields of the scene are all reported together; the checks across bodies
 * (duplicate names) and the objective's paths run once the bodies themselves are valid.
 */
import * as z from 'zod';
import { PathError, SceneError, type SceneIssue } from './errors.ts';
import { DEFAULT_FRICTION_VELOCITY } from './contact/params.ts';
import { CONTACT_MODES, type ContactMode } from './model.ts';
import { parseParamPath, parseQuantityPath, type PathBody } from './paths.ts';
import { finite, nonNegative, positive, strict, vec3 } from './scene-fields.ts';
import {
  SHAPE_NAMES,
  SHAPE_ROWS,
  type BoxSpec,
  type CapsuleSpec,
  type CylinderSpec,
  type PlaneSpec,
  type ShapeSchema,
  type ShapeSpec,
  type SphereSpec,
} from './shapes/table.ts';

/** A 3-vector `[x, y, z]`. */
export type Vec3 = [number, number, number];
/** A quaternion `[w, x, y, z]`. */
export type Quat = [number, number, number, number];

/** A body's shape; sizes in metres (one type per row of the shape table, sim/shapes/). */
export type { ShapeSpec, PlaneSpec, SphereSpec, BoxSpec, CapsuleSpec, CylinderSpec };

/** A body of a parsed scene, defaults applied. */
export interface BodySpec {
  name: string;
  shape: ShapeSpec;
  /** true for every plane */
  static: boolean;
  /** kg (dynamic bodies give mass or density) */
  mass?: number;
  /** kg/m³ */
  density?: number;
  /** centre of mass, world, m */
  position: Vec3;
  /** body → world, (w, x, y, z), as written (normalized at build) */
  orientation: Quat;
  /** world, m/s */
  linearVelocity: Vec3;
  /** world, rad/s */
  angularVelocity: Vec3;
  /** absent: the contact's friction */
  friction?: number;
  /** absent: the contact's restitution */
  restitution?: number;
}

/** Contact settings of a parsed scene, defaults applied (units in sim/model.ts `ContactModel`). */
export interface ContactSpec {
  mode: ContactMode;
  stiffness: number;
  /** absent: penalty/soft contacts derive their dashpot from restitution (sim/contact/restitution.ts) */
  damping?: number;
  temperature: number;
  friction: number;
  restitution: number;
  timeOfImpact: boolean;
  /** m/s: the slip speed over which soft and penalty friction ramp up to Coulomb (ε) */
  frictionVelocity: number;
  /** absent: derived from the temperature at build (`defaultContactMargin` in sim/model.ts) */
  margin?: number;
}

/**
 * A control as decision variables (docs/scene-format.md "Objective"): a world-frame vector
 * held constant over each of `knots` equal pieces of [0, `until`) and zero after.
 */
export interface ControlSpec {
  /** the initial guess, the same on every knot (N or N·m); default zero */
  start?: Vec3;
  /** `[lo, hi]` on every component (N or N·m); absent: unbounded */
  bounds?: [number, number];
  /** pieces (default: one per step of [0, until)) */
  knots?: number;
  /** s: the control acts from 0 until this time (default: the whole rollout) */
  until?: number;
}

/** The controls of one body: a force through its centre of mass and a torque. */
export interface BodyControlSpec {
  force?: ControlSpec;
  torque?: ControlSpec;
}

/**
 * One more term of the loss: `weight`·Σ_times |`of`(t) − target(t)|² (a state term: the
 * final state, or with `at` the states at those times, one target per time), or
 * `weight`·Σ_steps |u|²·dt of a stated control (`effort`: `<body>.force` or `<body>.torque`).
 */
export type ObjectiveTerm =
  | { of: string; target: number | number[] | (number | number[])[]; at?: number[]; weight?: number }
  | { effort: string; weight?: number };

/**
 * The optional optimization objective: minimise |final `of` − `target`|² (plus any `terms`)
 * over `wrt` within `bounds` and over the `controls`.
 */
export interface ObjectiveSpec {
  /** quantity path of the final state */
  of: string;
  /** a number for one component, an array for a whole vector */
  target: number | number[];
  /** parameter paths (may be empty when there are controls) */
  wrt: string[];
  /** `[lo, hi]` per parameter path (a subset of `wrt`); absent ones are unbounded */
  bounds: Record<string, [number, number]>;
  /** per-step (or knot) controls by body name, decision variables after `wrt` */
  controls?: Record<string, BodyControlSpec>;
  /** terms added to the loss of `of` */
  terms?: ObjectiveTerm[];
  /** success threshold on the miss (default 0.01, in the units of the quantities) */
  tolerance?: number;
  /** when given, success is a verified loss at most this instead (a known optimum plus a margin) */
  maxLoss?: number;
}

/** A validated scene with every default applied. Plain JSON data: it serializes and clones as is. */
export interface Scene {
  description?: string;
  /** time step, s */
  dt: number;
  /** number of steps of a rollout */
  steps: number;
  /** m/s², world frame (z up) */
  gravity: Vec3;
  contact: ContactSpec;
  bodies: BodySpec[];
  objective?: ObjectiveSpec;
  /** thresholds of the divergence monitor (sim/sanity.ts `SanitySettings`); absent keys: its defaults */
  sanity?: { energyGrowth?: number; speedFactor?: number; penetrationFactor?: number };
}

/**
 * Every default of the scene file, in one place. Body `friction`/`restitution` default to
 * the contact's; `contact.margin` defaults to max(1 cm, 20·temperature), derived at build
 * (`defaultContactMargin` in sim/model.ts) so it follows a temperature override.
 */
export const SCENE_DEFAULTS = deepFreeze({
  /** s: 1 kHz, stiff enough for the default contact stiffness with 1 kg bodies */
  dt: 0.001,
  steps: 1000,
  /** m/s², standard gravity, z up */
  gravity: [0, 0, -9.81] as Vec3,
  contact: {
    /** soft: the mode whose gradients are continuous across contact onset */
    mode: 'soft' as ContactMode,
    /** N/m: a 1 kg body resting on it sinks ≈ 1 mm */
    stiffness: 1e4,
    /** m of signed distance: the soft force switches on over ≈ 1 mm */
    temperature: 0.001,
    friction: 0.5,
    /** inelastic unless asked: bodies do not bounce by default */
    restitution: 0,
    timeOfImpact: true,
    frictionVelocity: DEFAULT_FRICTION_VELOCITY,
  },
  body: {
    static: false,
    position: [0, 0, 0] as Vec3,
    orientation: [1, 0, 0, 0] as Quat,
    linearVelocity: [0, 0, 0] as Vec3,
    angularVelocity: [0, 0, 0] as Vec3,
  },
  /** the ground z ≤ 0 */
  plane: { normal: [0, 0, 1] as Vec3, offset: 0 },
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

// ---------------------------------------------------------------------------------------
// schema

const unitInterval = z.number().gte(0).lte(1);
const quat = z
  .tuple([finite, finite, finite, finite], { error: 'must be an array of 4 numbers [w, x, y, z]' })
  .refine((q) => Math.hypot(...q) > 0, 'must not be the zero quaternion (it has no orientation)');

const bodyName = z
  .string()
  .min(1, 'must be non-empty')
  .regex(/^[^\s.,]+$/, "must not contain '.', ',' or whitespace (paths split on them)")
  .refine((n) => n !== 'contact', "'contact' is reserved (paths use contact.<key>)");

// the plane's fragment last: the order of docs/scene.schema.json's union, fixed before the table
const [planeRow, ...solidRows] = SHAPE_ROWS;
const shapeSchema = z.discriminatedUnion(
  'type',
  [...solidRows, planeRow].map((r): ShapeSchema => r.schema) as [ShapeSchema, ...ShapeSchema[]],
  {
    error: (iss) =>
      iss.code === 'invalid_union' ? `must be one of ${SHAPE_NAMES.map((n) => `"${n}"`).join(', ')}` : undefined,
  },
);

const bodySchema = strict({
  name: bodyName,
  shape: shapeSchema,
  mass: positive.optional(),
  density: positive.optional(),
  static: z.boolean().optional(),
  position: vec3.optional(),
  orientation: quat.optional(),
  linearVelocity: vec3.optional(),
  angularVelocity: vec3.optional(),
  friction: nonNegative.optional(),
  restitution: unitInterval.optional(),
}).superRefine(checkBody);

type BodyInput = z.output<typeof bodySchema>;

const contactSchema = strict({
  mode: z.enum(CONTACT_MODES),
  stiffness: positive,
  damping: nonNegative,
  temperature: positive,
  friction: nonNegative,
  restitution: unitInterval,
  timeOfImpact: z.boolean(),
  frictionVelocity: positive,
  margin: nonNegative,
}).partial();

const interval = z.tuple([finite, finite], { error: 'must be [lo, hi]' });

const controlSchema = strict({
  start: vec3.optional(),
  bounds: interval.optional(),
  knots: z.int().gte(1).optional(),
  until: positive.optional(),
});

// one object with optional fields (not a union): a mistake gets a message naming its field
const termSchema = strict({
  of: z.string().optional(),
  target: z
    .union([finite, z.array(z.union([finite, z.array(finite)]))], { error: 'must be a number or an array' })
    .optional(),
  at: z.array(nonNegative).min(1, 'must list at least one time').optional(),
  effort: z.string().optional(),
  weight: nonNegative.optional(),
});

const objectiveSchema = strict({
  of: z.string(),
  target: z.union([finite, z.array(finite)], { error: 'must be a number or an array of numbers' }),
  wrt: z.array(z.string()).optional(),
  bounds: z.record(z.string(), interval).optional(),
  controls: z
    .record(z.string(), strict({ force: controlSchema.optional(), torque: controlSchema.optional() }))
    .optional(),
  terms: z.array(termSchema).optional(),
  tolerance: positive.optional(),
  maxLoss: nonNegative.optional(),
});

/** The scene file's schema (zod); docs/scene.schema.json is its JSON Schema (scripts/scene-schema.ts). */
export const sceneSchema = strict({
  description: z.string().optional(),
  dt: positive.optional(),
  steps: z.int().gte(0).optional(),
  gravity: vec3.optional(),
  contact: contactSchema.optional(),
  bodies: z.array(bodySchema).min(1, 'must list at least one body'),
  objective: objectiveSchema.optional(),
  sanity: strict({ energyGrowth: positive, speedFactor: positive, penetrationFactor: positive }).partial().optional(),
})
  // run even when some fields failed, so duplicate names are reported with the rest
  .superRefine(checkNames, { when: (payload) => isRecord(payload.value) })
  .superRefine(checkObjective, {
    when: (payload) =>
      isRecord(payload.value) &&
      !payload.issues.some((iss) => iss.path?.[0] === 'bodies' || iss.path?.[0] === 'objective'),
  });

/** The scene file as written (before defaults): the type of a JSON scene, for scenes written in TypeScript. */
export type SceneInput = z.input<typeof sceneSchema>;

type SceneOutput = z.output<typeof sceneSchema>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isZero(v: readonly number[]): boolean {
  return v.every((x) => x === 0);
}

function sameVector(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

type Ctx = z.core.$RefinementCtx<unknown>;

function addIssue(ctx: Ctx, path: (string | number)[], message: string): void {
  ctx.addIssue({ code: 'custom', path, message });
}

function checkBody(b: BodyInput, ctx: Ctx): void {
  const isPlane = b.shape.type === 'plane';
  if (isPlane) {
    if (b.static === false) addIssue(ctx, ['static'], 'a plane is always static');
    if (b.position !== undefined && !isZero(b.position)) {
      addIssue(ctx, ['position'], 'a plane is placed by shape.normal and shape.offset; omit position');
    }
    if (b.orientation !== undefined && !sameVector(b.orientation, SCENE_DEFAULTS.body.orientation)) {
      addIssue(ctx, ['orientation'], 'a plane is placed by shape.normal and shape.offset; omit orientation');
    }
  }
  if (isPlane || b.static === true) {
    for (const field of ['linearVelocity', 'angularVelocity'] as const) {
      const v = b[field];
      if (v !== undefined && !isZero(v)) addIssue(ctx, [field], 'a static body cannot move; omit it or give [0, 0, 0]');
    }
  }
  if (b.mass !== undefined && b.density !== undefined) {
    addIssue(ctx, ['density'], 'give mass or density, not both');
  } else if (!isPlane && b.static !== true && b.mass === undefined && b.density === undefined) {
    addIssue(ctx, ['mass'], 'is required for a dynamic body (or give density, kg/m³)');
  }
}

function checkNames(scene: Record<string, unknown>, ctx: Ctx): void {
  if (!Array.isArray(scene.bodies)) return;
  const firstUse = new Map<string, number>();
  scene.bodies.forEach((b: unknown, i) => {
    if (!isRecord(b) || typeof b.name !== 'string') return;
    const first = firstUse.get(b.name);
    if (first === undefined) firstUse.set(b.name, i);
    else addIssue(ctx, ['bodies', i, 'name'], `duplicate body name '${b.name}' (also bodies[${first}])`);
  });
}

/** The message of a path error without its "invalid path:" heading. */
function pathProblem(err: unknown): string {
  if (err instanceof PathError) return err.issues[0].message;
  throw err;
}

function checkObjective(scene: SceneOutput, ctx: Ctx): void {
  const objective = scene.objective;
  if (objective === undefined) return;
  const bodies: PathBody[] = scene.bodies.map((b) => ({
    name: b.name,
    type: b.shape.type,
    static: b.static ?? b.shape.type === 'plane',
  }));
  try {
    const q = parseQuantityPath(objective.of, bodies);
    const target = objective.target;
    if (q.component === null && (!Array.isArray(target) || target.length !== q.width)) {
      const message = `must be an array of ${q.width} numbers (objective.of '${q.text}' is a vector)`;
      addIssue(ctx, ['objective', 'target'], message);
    } else if (q.component !== null && typeof target !== 'number') {
      addIssue(ctx, ['objective', 'target'], `must be a number (objective.of '${q.text}' is one component)`);
    }
  } catch (err) {
    addIssue(ctx, ['objective', 'of'], pathProblem(err));
  }
  const seen = new Set<string>();
  (objective.wrt ?? []).forEach((text, i) => {
    try {
      parseParamPath(text, bodies);
      if (seen.has(text)) addIssue(ctx, ['objective', 'wrt', i], `'${text}' is listed twice`);
      seen.add(text);
    } catch (err) {
      addIssue(ctx, ['objective', 'wrt', i], pathProblem(err));
    }
  });
  for (const [text, [lo, hi]] of Object.entries(objective.bounds ?? {})) {
    if (!seen.has(text)) addIssue(ctx, ['objective', 'bounds', text], `'${text}' is not one of objective.wrt`);
    else if (!(lo <= hi)) addIssue(ctx, ['objective', 'bounds', text], `lower bound ${lo} exceeds upper bound ${hi}`);
  }
  checkObjectiveControls(scene, objective, bodies, ctx);
}

/** Seconds `t` as a step index of the scene's grid, or null when it is off the grid or after T. */
export function stepAtTime(t: number, dt: number, steps: number): number | null {
  const k = Math.round(t / dt);
  return Math.abs(t / dt - k) <= 1e-6 * Math.max(1, k) && k >= 0 && k <= steps ? k : null;
}

/** The objective's controls and terms (checkObjective's second half). */
function checkObjectiveControls(
  scene: SceneOutput,
  objective: NonNullable<SceneOutput['objective']>,
  bodies: readonly PathBody[],
  ctx: Ctx,
): void {
  const dt = scene.dt ?? SCENE_DEFAULTS.dt;
  const steps = scene.steps ?? SCENE_DEFAULTS.steps;
  const controls = objective.controls ?? {};
  let controlCount = 0;
  for (const [name, c] of Object.entries(controls)) {
    const body = bodies.find((b) => b.name === name);
    if (body === undefined || body.static) {
      addIssue(
        ctx,
        ['objective', 'controls', name],
        body === undefined ? `no body '${name}' in the scene` : `'${name}' is static: a control would not move it`,
      );
      continue;
    }
    for (const kind of ['force', 'torque'] as const) {
      const spec = c[kind];
      if (spec === undefined) continue;
      controlCount++;
      const where = ['objective', 'controls', name, kind];
      if (spec.bounds !== undefined && !(spec.bounds[0] <= spec.bounds[1]))
        addIssue(ctx, [...where, 'bounds'], `lower bound ${spec.bounds[0]} exceeds upper bound ${spec.bounds[1]}`);
      const span = spec.until === undefined ? steps : stepAtTime(spec.until, dt, steps);
      if (span === null || span === 0)
        addIssue(ctx, [...where, 'until'], `must be a positive multiple of dt (${dt} s) at most T = ${steps * dt} s`);
      else if (spec.knots !== undefined && spec.knots > span)
        addIssue(ctx, [...where, 'knots'], `${spec.knots} knots over ${span} steps: at most one per step`);
    }
  }
  if ((objective.wrt ?? []).length === 0 && controlCount === 0)
    addIssue(ctx, ['objective', 'wrt'], 'must list at least one parameter path (or give objective.controls)');
  (objective.terms ?? []).forEach((term, i) => {
    const where = ['objective', 'terms', i];
    if ((term.of === undefined) === (term.effort === undefined)) {
      addIssue(ctx, where, "give 'of' and 'target' (a state term) or 'effort' (a control's Σ|u|²·dt)");
      return;
    }
    if (term.effort !== undefined) {
      const [name, kind, ...rest] = term.effort.split('.');
      if (rest.length > 0 || (kind !== 'force' && kind !== 'torque') || controls[name]?.[kind] === undefined) {
        addIssue(
          ctx,
          [...where, 'effort'],
          `'${term.effort}' is not a control of objective.controls (write <body>.force or <body>.torque)`,
        );
      }
      for (const key of ['target', 'at'] as const)
        if (term[key] !== undefined) addIssue(ctx, [...where, key], 'an effort term has no ' + key);
      return;
    }
    let width: number;
    let component: boolean;
    try {
      const q = parseQuantityPath(term.of!, bodies);
      width = q.width;
      component = q.component !== null;
    } catch (err) {
      addIssue(ctx, [...where, 'of'], pathProblem(err));
      return;
    }
    const one = (t: unknown) =>
      component
        ? typeof t === 'number'
        : Array.isArray(t) && t.length === width && t.every((v) => typeof v === 'number');
    const expected = component ? 'a number' : `an array of ${width} numbers`;
    if (term.target === undefined)
      addIssue(ctx, [...where, 'target'], `is required: ${expected}${term.at === undefined ? '' : ' per time of at'}`);
    else if (term.at === undefined) {
      if (!one(term.target)) addIssue(ctx, [...where, 'target'], `must be ${expected} (the final ${term.of})`);
    } else if (!Array.isArray(term.target) || term.target.length !== term.at.length || !term.target.every(one)) {
      addIssue(
        ctx,
        [...where, 'target'],
        `must be an array with one target (${expected}) per time of at (${term.at.length})`,
      );
    }
    term.at?.forEach((t, j) => {
      if (stepAtTime(t, dt, steps) === null)
        addIssue(
          ctx,
          [...where, 'at', j],
          `${t} s is not on the step grid (a multiple of dt = ${dt} s) within T = ${steps * dt} s`,
        );
    });
  });
}

// ---------------------------------------------------------------------------------------
// issue formatting

const EXPECTED: Readonly<Record<string, string>> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  tuple: 'an array',
};

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** Messages for zod's built-in issues, phrased to follow a JSON path (`bodies[0].mass: must be > 0`). */
function issueMessage(iss: z.core.$ZodRawIssue): string | undefined {
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return 'is required';
      if (typeof iss.input === 'number' && iss.expected === 'number') return 'must be a finite number';
      return `must be ${EXPECTED[iss.expected] ?? iss.expected}, got ${describeValue(iss.input)}`;
    case 'too_small':
      if (iss.origin === 'number' || iss.origin === 'int')
        return `must be ${iss.inclusive ? '>=' : '>'} ${iss.minimum}`;
      return `must have at least ${iss.minimum} item${iss.minimum === 1 ? '' : 's'}`;
    case 'too_big':
      if (iss.origin === 'number' || iss.origin === 'int')
        return `must be ${iss.inclusive ? '<=' : '<'} ${iss.maximum}`;
      return `must have at most ${iss.maximum} items`;
    case 'invalid_value':
      return `must be one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return 'is not a known field';
    default:
      return undefined;
  }
}

/** A JSON path in the scene's own notation: `bodies[1].shape.radius`, `objective.bounds["ball.mass"]`. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

function toSceneIssues(issues: readonly z.core.$ZodIssue[]): SceneIssue[] {
  const out: SceneIssue[] = [];
  for (const iss of issues) {
    if (iss.code === 'unrecognized_keys') {
      // one line per unknown key, at its own path
      for (const key of iss.keys) {
        out.push({ path: formatJsonPath([...iss.path, key]), message: `unknown field (${iss.message})` });
      }
    } else {
      out.push({ path: formatJsonPath(iss.path), message: iss.message });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// defaults and entry points

function withDefaults(input: SceneOutput): Scene {
  const d = SCENE_DEFAULTS;
  const bodies = input.bodies.map((b): BodySpec => {
    const shape: ShapeSpec =
      b.shape.type === 'plane'
        ? { type: 'plane', normal: [...(b.shape.normal ?? d.plane.normal)], offset: b.shape.offset ?? d.plane.offset }
        : structuredClone(b.shape);
    const body: BodySpec = {
      name: b.name,
      shape,
      static: b.static ?? shape.type === 'plane',
      position: [...(b.position ?? d.body.position)],
      orientation: [...(b.orientation ?? d.body.orientation)],
      linearVelocity: [...(b.linearVelocity ?? d.body.linearVelocity)],
      angularVelocity: [...(b.angularVelocity ?? d.body.angularVelocity)],
    };
    if (b.mass !== undefined) body.mass = b.mass;
    if (b.density !== undefined) body.density = b.density;
    if (b.friction !== undefined) body.friction = b.friction;
    if (b.restitution !== undefined) body.restitution = b.restitution;
    return body;
  });
  const scene: Scene = {
    dt: input.dt ?? d.dt,
    steps: input.steps ?? d.steps,
    gravity: [...(input.gravity ?? d.gravity)],
    contact: { ...d.contact, ...input.contact },
    bodies,
  };
  if (input.description !== undefined) scene.description = input.description;
  if (input.sanity !== undefined) scene.sanity = { ...input.sanity };
  if (input.objective !== undefined) {
    const o = input.objective;
    scene.objective = {
      of: o.of,
      target: Array.isArray(o.target) ? [...o.target] : o.target,
      wrt: [...(o.wrt ?? [])],
      bounds: structuredClone(o.bounds ?? {}),
    };
    if (o.controls !== undefined) scene.objective.controls = structuredClone(o.controls);
    if (o.terms !== undefined) scene.objective.terms = structuredClone(o.terms) as ObjectiveTerm[];
    if (o.tolerance !== undefined) scene.objective.tolerance = o.tolerance;
    if (o.maxLoss !== undefined) scene.objective.maxLoss = o.maxLoss;
  }
  return scene;
}

/**
 * Validate a scene (a parsed JSON value) and apply the defaults. Throws a
 * {@link SceneError} listing every problem, each with its JSON path. Idempotent:
 * `parseScene(parseScene(x))` equals `parseScene(x)`.
 *
 * @example
 * const scene = parseScene({ bodies: [{ name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 1 }] });
 * scene.gravity; // [0, 0, -9.81]
 */
export function parseScene(json: unknown): Scene {
  // jitless: zod would otherwise generate and compile a parser per object schema on the first
  // parse (`new Function`), which costs more than it saves for a scene parsed once or a few times
  // (ball-drop's first parse 4-6 ms instead of 8-14 ms; later parses within 0.1 ms either way)
  const result = sceneSchema.safeParse(json, { error: issueMessage, jitless: true });
  const lost = lostKeyIssues(json);
  if (!result.success || lost.length > 0)
    throw new SceneError([...(result.success ? [] : toSceneIssues(result.error.issues)), ...lost]);
  return withDefaults(result.data);
}

/**
 * Keys of the raw JSON that a plain-object record cannot hold: JSON.parse makes
 * `"__proto__"` an own key, but copying it into an object sets the prototype instead, so
 * `objective.bounds: {"__proto__": …}` would vanish without a word. It can never name a
 * parameter (a parameter path has a dot), so it is reported like any other stray key.
 */
function lostKeyIssues(json: unknown): SceneIssue[] {
  const bounds = isRecord(json) && isRecord(json.objective) ? json.objective.bounds : undefined;
  if (!isRecord(bounds) || !Object.hasOwn(bounds, '__proto__')) return [];
  return [
    { path: formatJsonPath(['objective', 'bounds', '__proto__']), message: "'__proto__' is not one of objective.wrt" },
  ];
}

/**
 * Parse scene text (the contents of a scene file): a JSON syntax error is a
 * {@link SceneError} too, so the CLI reports both alike. A leading byte-order mark (some
 * editors write one) is ignored, as RFC 8259 §8.1 allows.
 */
export function parseSceneText(text: string): Scene {
  let json: unknown;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw new SceneError([{ path: '', message: `not valid JSON (${(err as Error).message})` }]);
  }
  return parseScene(json);
}
