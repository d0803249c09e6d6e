/**
 * The table of the rollout's differentiable inputs (see driver/inputs.ts for what is
 * generated from it). It imports nothing but the State's widths, so the parameter paths
 * (sim/paths.ts) can derive their names from it.
 */
import { STATE_FIELDS } from '../state.ts';

/** Where an input group's value lives: a State array, a Model array or a contact setting. */
type InputSource =
  | { readonly state: keyof typeof STATE_FIELDS }
  | { readonly model: 'bodyInvMass' | 'bodyInvInertia' | 'geomSize' | 'bodyFriction' | 'bodyRestitution' | 'gravity' }
  | { readonly contact: 'stiffness' | 'damping' | 'temperature' | 'frictionVelocity' };

/** One group of the flat input. */
export interface InputField {
  readonly name: string;
  /** floats per body (a per-body array), or null for a fixed width */
  readonly perBody: number | null;
  /** floats when `perBody` is null */
  readonly fixed?: number;
  readonly source: InputSource;
  /**
   * the parameter path, named as the group, that writes it one-to-one: `contact.<name>`
   * for a contact setting; `<body>.<name>` for a per-body value, which falls back to
   * `contact.<name>` for the bodies that give none (friction, restitution)
   */
  readonly path?: 'contact' | 'body';
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
  { name: 'stiffness', perBody: null, fixed: 1, source: { contact: 'stiffness' }, path: 'contact' },
  // the dashpot override: unused (0) when each contact derives its dashpot from restitution
  { name: 'damping', perBody: null, fixed: 1, source: { contact: 'damping' }, path: 'contact' },
  { name: 'temperature', perBody: null, fixed: 1, source: { contact: 'temperature' }, path: 'contact' },
  { name: 'frictionVelocity', perBody: null, fixed: 1, source: { contact: 'frictionVelocity' }, path: 'contact' },
  { name: 'friction', perBody: 1, source: { model: 'bodyFriction' }, path: 'body' },
  { name: 'gravity', perBody: null, fixed: 3, source: { model: 'gravity' } },
  { name: 'restitution', perBody: 1, source: { model: 'bodyRestitution' }, path: 'body' },
] as const satisfies readonly InputField[];

/** The name of an input group. */
export type InputName = (typeof INPUT_FIELDS)[number]['name'];

/** The contact scalars, in the order of the contact-wrench primitive's `params` block. */
export const CONTACT_SCALAR_INPUTS = [
  'stiffness',
  'damping',
  'temperature',
  'frictionVelocity',
] as const satisfies readonly InputName[];

/** The groups a parameter path of the same name writes one-to-one. */
export type PathInputName = Extract<(typeof INPUT_FIELDS)[number], { path: string }>['name'];

/** The path-named groups, in table order: each is a `contact.<name>` path (sim/paths.ts). */
export const PATH_INPUTS = INPUT_FIELDS.flatMap((f) => ('path' in f ? [f.name] : [])) as readonly PathInputName[];

/** The path-named groups that are also per-body parameters (`<body>.<name>`, with the contact value as default). */
export const BODY_PATH_INPUTS = INPUT_FIELDS.flatMap((f) =>
  'path' in f && f.path === 'body' ? [f.name] : [],
) as readonly PathInputName[];

/** Floats per body of a wrench or a control: force then torque (world). */
export const WRENCH_PER_BODY = 6;
