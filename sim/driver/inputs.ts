/**
 * The rollout's differentiable inputs are ONE table (driver/input-table.ts): each row
 * names a group of the flat input `x`, its width (per body or fixed), where its value
 * comes from in the Model (or the initial State) and whether a parameter path of its name
 * sets it directly. Everything that maps between a Model and `x` is generated from the
 * rows here (and the contact parameter paths' names in sim/paths.ts):
 *
 *   - the layout (`rolloutLayout`): each group's offset, in table order, then the controls;
 *   - Model → x (`rolloutInputs`): the model's own values of every input;
 *   - x → Model (`modelWithInputs`): the model with the inputs' values, what a step reads;
 *   - path → x (`writeDirectParams`): the paths that set an input one-to-one
 *     (`ball.linearVelocity.x`, `ball.friction`, `contact.stiffness`, …). Paths that set
 *     an input through a formula (mass and size → inverse mass and inertia, a written
 *     quaternion or plane normal → its unit version) are sim/gradient.ts `applyParams`.
 *
 * So adding a differentiable model quantity is one row of the table (and its use in the
 * step and its adjoint), not an offset in five files.
 */
import { integratorLayout, type IntegratorLayout } from '../integrator/semiImplicitEuler.ts';
import { freezeContactModel, freezeModel, type ContactModel, type Model } from '../model.ts';
import { COMPONENTS, STATE_SLOT } from '../paths.ts';
import { STATE_FIELDS } from '../state.ts';
import { INPUT_FIELDS, WRENCH_PER_BODY, type InputField, type InputName } from './input-table.ts';

export { CONTACT_SCALAR_INPUTS, INPUT_FIELDS, WRENCH_PER_BODY, type InputName } from './input-table.ts';

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

/** Floats of every group for `nbody` bodies, by name. */
export function inputWidths(nbody: number): { readonly [K in InputName]: number } {
  const w: Record<string, number> = {};
  for (const f of INPUT_FIELDS as readonly InputField[]) w[f.name] = widthOf(f, nbody);
  return w as { [K in InputName]: number };
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
  L.size = at + WRENCH_PER_BODY * ncontrol * steps;
  return L as RolloutLayout;
}

/** The values of one group in `model` (and the initial state), as numbers. */
function sourceValues(
  f: InputField,
  model: Model,
  q0: Float64Array,
  qd0: Float64Array,
  frictionVelocity: number | undefined,
): ArrayLike<number> {
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
export function inputsOfModel(
  model: Model,
  steps: number,
  ncontrol: number,
  q0: Float64Array,
  qd0: Float64Array,
  frictionVelocity?: number,
): Float64Array {
  const L = rolloutLayout(model.nbody, steps, ncontrol);
  const x = new Float64Array(L.size);
  for (const f of INPUT_FIELDS as readonly InputField[]) {
    const v = sourceValues(f, model, q0, qd0, frictionVelocity);
    const width = widthOf(f, model.nbody);
    if (v.length !== width)
      throw new RangeError(`rollout input '${f.name}': the model holds ${v.length} values, the layout ${width}`);
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
  // made by the Model's own makers, so that it shares the built model's hidden class
  return freezeModel({
    ...model,
    ...arrays,
    contact: freezeContactModel({ ...model.contact, ...contact } as ContactModel),
  });
}

/** A per-body parameter named as its input group (friction, restitution). */
type BodyPathInput = 'friction' | 'restitution';

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
  bodyGives: (b: number, field: BodyPathInput) => boolean,
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
    const fallback = traced(`contact.${f.name}`);
    if (p === 'contact') {
      if (fallback !== undefined) x[at] = fallback;
      continue;
    }
    for (let b = 0; b < bodyName.length; b++) {
      const v = traced(`${bodyName[b]}.${f.name}`) ?? (bodyGives(b, f.name as BodyPathInput) ? undefined : fallback);
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
  xInt.set(x.subarray(L.invMass, L.invMass + nbody), IL.invMass);
  xInt.set(x.subarray(L.invInertia, L.invInertia + 3 * nbody), IL.invInertia);
  xInt.set(x.subarray(L.gravity, L.gravity + 3), IL.gravity);
  return xInt;
}

/**
 * x̄ += the integrator's parameter cotangents (inverse masses, inverse inertias, gravity).
 * `IL` is `integratorLayout(nbody)`, made once by the caller (this runs every step).
 */
export function addIntegratorParamBars(
  xbar: Float64Array,
  L: RolloutLayout,
  xIntBar: Float64Array,
  IL: IntegratorLayout,
  nbody: number,
): void {
  for (let j = 0; j < nbody; j++) xbar[L.invMass + j] += xIntBar[IL.invMass + j];
  for (let j = 0; j < 3 * nbody; j++) xbar[L.invInertia + j] += xIntBar[IL.invInertia + j];
  for (let j = 0; j < 3; j++) xbar[L.gravity + j] += xIntBar[IL.gravity + j];
}
