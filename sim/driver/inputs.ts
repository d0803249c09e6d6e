/**
 * The rollout's differentiable inputs as ONE table: each row names a group of the flat
 * input `x`, its width (per body or fixed), where its value comes from in the Model (or
 * the initial State) and the parameter path that sets it directly, if any. Everything that
 * maps between a Model and `x` is generated from the rows:
 *
 *   - the layout (`rolloutLayout`): each group's offset, in table order, then the controls;
 *   - Model → x (`rolloutInputs`): the model's own values of every input;
 *   - x → Model (`modelWithInputs`): the model with the inputs' values, what a step reads;
 *   - path → x (`writeDirectParams`): the paths that set an input one-to-one
 *     (`ball.linearVelocity.x`, `ball.friction`, `contact.stiffness`, …). Paths that set
 *     an input through a formula (mass and size → inverse mass and inertia, a written
 *     quaternion or plane normal → its unit version) are sim/gradient.ts `applyParams`.
 *
 * So adding a differentiable model quantity is one row here (and its use in the step and
 * its adjoint), not an offset in five files.
 */
import { integratorLayout } from '../integrator/semiImplicitEuler.ts';
import type { ContactModel, Model } from '../model.ts';
import { COMPONENTS, STATE_SLOT, type ContactParamKey } from '../paths.ts';
import { STATE_FIELDS } from '../state.ts';

/** Where an input group's value lives: a State array, a Model array or a contact setting. */
type InputSource =
  | { readonly state: keyof typeof STATE_FIELDS }
  | { readonly model: 'bodyInvMass' | 'bodyInvInertia' | 'geomSize' | 'bodyFriction' | 'bodyRestitution' | 'gravity' }
  | { readonly contact: 'stiffness' | 'damping' | 'temperature' | 'frictionVelocity' };

/** One group of the flat input. */
interface InputField {
  readonly name: string;
  /** floats per body (a per-body array), or null for a fixed width */
  readonly perBody: number | null;
  /** floats when `perBody` is null */
  readonly fixed?: number;
  readonly source: InputSource;
  /**
   * the parameter path that writes this group one-to-one: `contact.<key>` for a contact
   * setting, `<body>.<field>` for a per-body value that falls back to `contact.<field>`
   * when the body gives none (friction, restitution)
   */
  readonly path?: { readonly contact: ContactParamKey } | { readonly body: 'friction' | 'restitution' };
}

/**
 * The input groups, in layout order. The four contact scalars are adjacent and in the
 * order of the contact-wrench primitive's `params` block (k, c, τ, ε; sim/contact/wrenches.ts).
 */
export const INPUT_FIELDS = [
  { name: 'q', perBody: STATE_FIELDS.bodyQ, source: { state: 'bodyQ' } },
  { name: 'qd', perBody: STATE_FIELDS.bodyQd, source: { state: 'bodyQd' } },
  { name: 'invMass', perBody: 1, source: { model: 'bodyInvMass' } },
  { name: 'invInertia', perBody: 3, source: { model: 'bodyInvInertia' } },
  { name: 'geomSize', perBody: 4, source: { model: 'geomSize' } },
  { name: 'stiffness', perBody: null, fixed: 1, source: { contact: 'stiffness' }, path: { contact: 'stiffness' } },
  // the dashpot override: unused (0) when each contact derives its dashpot from restitution
  { name: 'damping', perBody: null, fixed: 1, source: { contact: 'damping' }, path: { contact: 'damping' } },
  { name: 'temperature', perBody: null, fixed: 1, source: { contact: 'temperature' }, path: { contact: 'temperature' } },
  { name: 'frictionVelocity', perBody: null, fixed: 1, source: { contact: 'frictionVelocity' }, path: { contact: 'frictionVelocity' } },
  { name: 'friction', perBody: 1, source: { model: 'bodyFriction' }, path: { body: 'friction' } },
  { name: 'gravity', perBody: null, fixed: 3, source: { model: 'gravity' } },
  { name: 'restitution', perBody: 1, source: { model: 'bodyRestitution' }, path: { body: 'restitution' } },
] as const satisfies readonly InputField[];

/** The name of an input group. */
export type InputName = (typeof INPUT_FIELDS)[number]['name'];

/** The contact scalars, in the order of the contact-wrench primitive's `params` block. */
export const CONTACT_SCALAR_INPUTS = ['stiffness', 'damping', 'temperature', 'frictionVelocity'] as const satisfies readonly InputName[];

/** Offsets of the input groups of the rollout primitive, then its controls and total size. */
export type RolloutLayout = { readonly [K in InputName]: number } & {
  /** T × nc × 6 control wrenches (force then torque, world), step-major */
  readonly controls: number;
  readonly size: number;
};

/** Floats of group `f` for `nbody` bodies. */
function widthOf(f: InputField, nbody: number): number {
  return f.perBody === null ? (f.fixed ?? 0) : f.perBody * nbody;
}

/** Floats of the group called `name` for `nbody` bodies. */
export function inputWidth(name: InputName, nbody: number): number {
  const f: InputField | undefined = INPUT_FIELDS.find((g) => g.name === name);
  if (f === undefined) throw new RangeError(`no rollout input '${name}'`);
  return widthOf(f, nbody);
}

/** The layout of a rollout of `steps` steps over `nbody` bodies with `ncontrol` controlled bodies. */
export function rolloutLayout(nbody: number, steps: number, ncontrol: number): RolloutLayout {
  const L: Record<string, number> = {};
  let at = 0;
  for (const f of INPUT_FIELDS as readonly InputField[]) {
    L[f.name] = at;
    at += widthOf(f, nbody);
  }
  L.controls = at;
  L.size = at + 6 * ncontrol * steps;
  return L as RolloutLayout;
}

/** The values of one group in `model` (and the initial state), as numbers. */
function sourceValues(f: InputField, model: Model, q0: Float64Array, qd0: Float64Array, frictionVelocity: number | undefined): ArrayLike<number> {
  const s = f.source;
  if ('state' in s) return s.state === 'bodyQ' ? q0 : qd0;
  if ('model' in s) return model[s.model];
  if (s.contact === 'damping') return [model.contact.damping ?? 0];
  if (s.contact === 'frictionVelocity') return [frictionVelocity ?? model.contact.frictionVelocity];
  return [model.contact[s.contact]];
}

/**
 * The model's own values of every input (controls zero), as plain numbers: the initial
 * state `q0`, `qd0`, then every Model quantity of the table. `frictionVelocity` overrides
 * the model's ε.
 */
export function inputsOfModel(model: Model, steps: number, ncontrol: number, q0: Float64Array, qd0: Float64Array, frictionVelocity?: number): Float64Array {
  const L = rolloutLayout(model.nbody, steps, ncontrol);
  const x = new Float64Array(L.size);
  for (const f of INPUT_FIELDS as readonly InputField[]) {
    const v = sourceValues(f, model, q0, qd0, frictionVelocity);
    const width = widthOf(f, model.nbody);
    if (v.length !== width) throw new RangeError(`rollout input '${f.name}': the model holds ${v.length} values, the layout ${width}`);
    x.set(v, L[f.name as InputName]);
  }
  return x;
}

/**
 * `model` with every Model quantity of the table replaced by its value in `x` (layout
 * `L`): what a step of the rollout reads. The arrays are copies; the contact dashpot
 * override stays undefined when the model derives it from restitution (its input is then
 * unused).
 */
export function modelWithInputs(model: Model, L: RolloutLayout, x: Float64Array): Model {
  const n = model.nbody;
  const arrays: Record<string, Float64Array> = {};
  const contact: Record<string, number | undefined> = {};
  for (const f of INPUT_FIELDS as readonly InputField[]) {
    const at = L[f.name as InputName];
    const s = f.source;
    if ('model' in s) arrays[s.model] = x.slice(at, at + widthOf(f, n));
    else if ('contact' in s) contact[s.contact] = x[at];
  }
  if (model.contact.damping === undefined) contact.damping = undefined;
  return { ...model, ...arrays, contact: { ...model.contact, ...contact } as ContactModel };
}

/** The state groups of `x`: the initial pose and velocity. */
export function initialStateOf(x: Float64Array, L: RolloutLayout, nbody: number): { q: Float64Array; qd: Float64Array } {
  return { q: x.subarray(L.q, L.q + STATE_FIELDS.bodyQ * nbody), qd: x.subarray(L.qd, L.qd + STATE_FIELDS.bodyQd * nbody) };
}

/** The state vectors a path sets one-to-one (a written orientation is normalized: gradient.ts). */
const DIRECT_STATE_PATHS = ['position', 'linearVelocity', 'angularVelocity'] as const;

/**
 * Write the values of the paths that set an input group one-to-one into `x`: the initial
 * position and velocities (`ball.linearVelocity.x`), contact settings
 * (`contact.stiffness`, …) and per-body values with a contact default (`ball.friction`,
 * or `contact.friction` for every body that gives none). `traced(path)`
 * is the value of a traced path, or undefined; `bodyGives(b, field)` says whether body b
 * writes its own value (then the contact default does not reach it).
 */
export function writeDirectParams<R>(
  x: R[],
  L: RolloutLayout,
  bodyName: readonly string[],
  traced: (path: string) => R | undefined,
  bodyGives: (b: number, field: 'friction' | 'restitution') => boolean,
): void {
  for (const field of DIRECT_STATE_PATHS) {
    const slot = STATE_SLOT[field];
    const at = slot.array === 'bodyQ' ? L.q : L.qd;
    const stride = STATE_FIELDS[slot.array];
    const names = COMPONENTS[field];
    for (let b = 0; b < bodyName.length; b++) {
      for (let c = 0; c < names.length; c++) {
        const v = traced(`${bodyName[b]}.${field}.${names[c]}`);
        if (v !== undefined) x[at + stride * b + slot.offset + c] = v;
      }
    }
  }
  for (const f of INPUT_FIELDS as readonly InputField[]) {
    const p = f.path;
    if (p === undefined) continue;
    const at = L[f.name as InputName];
    if ('contact' in p) {
      const v = traced(`contact.${p.contact}`);
      if (v !== undefined) x[at] = v;
      continue;
    }
    const fallback = traced(`contact.${p.body}`);
    for (let b = 0; b < bodyName.length; b++) {
      const v = traced(`${bodyName[b]}.${p.body}`) ?? (bodyGives(b, p.body) ? undefined : fallback);
      if (v !== undefined) x[at + b] = v;
    }
  }
}

/**
 * The integrator primitive's flat input (`integratorLayout`) with the rollout's
 * parameters (inverse masses and inertias, gravity) copied in from `x`; the caller writes
 * each step's state and wrench into it.
 */
export function integratorInputsOf(x: Float64Array, L: RolloutLayout, nbody: number): Float64Array {
  const IL = integratorLayout(nbody);
  const xInt = new Float64Array(IL.size);
  for (const name of INTEGRATOR_PARAM_INPUTS) xInt.set(x.subarray(L[name], L[name] + inputWidth(name, nbody)), IL[name]);
  return xInt;
}

/** The rollout inputs the integrator reads besides the state and the wrench (same names in both layouts). */
const INTEGRATOR_PARAM_INPUTS = ['invMass', 'invInertia', 'gravity'] as const satisfies readonly InputName[];

/** x̄ += the integrator's parameter cotangents (inverse masses, inverse inertias, gravity). */
export function addIntegratorParamBars(xbar: Float64Array, L: RolloutLayout, xIntBar: Float64Array, nbody: number): void {
  const IL = integratorLayout(nbody);
  for (const name of INTEGRATOR_PARAM_INPUTS) {
    const width = inputWidth(name, nbody);
    for (let j = 0; j < width; j++) xbar[L[name] + j] += xIntBar[IL[name] + j];
  }
}
