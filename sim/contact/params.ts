/**
 * Settings of the force-based contact models (`penalty` and `soft`), with units, their
 * defaults and their validation. The laws themselves are documented in `penalty.ts`,
 * `soft.ts` and `friction.ts`; the kernel that applies them is `wrenches.ts`.
 */
import type { Model } from '../model.ts';

/** The force-based contact modes of the toggle (`hard` is an impulse solver, elsewhere). */
export type ContactForceMode = 'penalty' | 'soft';

/**
 * Everything the contact-force kernel reads besides the geometry and the state.
 *
 * `stiffness`, `damping`, `temperature`, `frictionVelocity`, `bodyFriction`, `invMass`,
 * `invInertia` and `bodyRestitution` are differentiable model parameters (inputs of the
 * primitive); `mode`, `nbody`, `margin`, `bodyName`, `dt` and `dampingFromRestitution` are
 * its static configuration.
 */
export interface ContactForceParams {
  readonly mode: ContactForceMode;
  /** number of bodies: the wrench array is nbody×6 */
  readonly nbody: number;
  /** k, N/m: the spring of the normal force, f = k·φ at rest */
  readonly stiffness: number;
  /**
   * b, N·s/m: the normal dashpot of every contact, f = k·φ + b·a·φ̇ (a the contact's
   * activation, see wrenches.ts), used when `dampingFromRestitution` is false (the scene
   * sets `contact.damping`). Otherwise each contact derives its own b = 2ζ(e)·√(k·m) from
   * the pair's restitution e and effective mass m (restitution.ts), and this is unused.
   */
  readonly damping: number;
  /** true: each contact's dashpot comes from the pair's restitution; false: `damping` for all */
  readonly dampingFromRestitution: boolean;
  /** s: the step length (the dissipative parts are integrated exactly over one step) */
  readonly dt: number;
  /** (nbody) inverse masses, 1/kg (0 for static bodies): the contacts' effective masses */
  readonly invMass: Float64Array;
  /** (nbody×3) inverse principal moments, body frame, 1/(kg·m²) (0 for static bodies) */
  readonly invInertia: Float64Array;
  /** (nbody) Newton restitution per body; a pair uses the larger, as in hard mode */
  readonly bodyRestitution: Float64Array;
  /**
   * (3) gravitational acceleration, world, m/s²: each contact carries the part of it that
   * presses its pair together (the weight feed-forward, wrenches.ts)
   */
  readonly gravity: Float64Array;
  /** τ, m: soft-contact temperature (length scale of the softplus); unused by `penalty` */
  readonly temperature: number;
  /**
   * ε, m/s: friction regularization speed. Below it friction is viscous (stick), above it
   * Coulomb (slip); see friction.ts. Default {@link DEFAULT_FRICTION_VELOCITY}.
   */
  readonly frictionVelocity: number;
  /** (nbody) Coulomb coefficient per body; a pair uses the geometric mean √(μ_A μ_B) */
  readonly bodyFriction: Float64Array;
  /** m: contact generation distance (soft mode reports a kink near it, see wrenches.ts) */
  readonly margin: number;
  /** (nbody) body names, for kink labels such as `ball/ground onset` */
  readonly bodyName: readonly string[];
}

/**
 * Default friction regularization speed, m/s. 1 cm/s is well below the sliding speeds
 * of the example scenes (0.1–10 m/s), so sliding friction is Coulomb to within
 * ε²/(2|v_t|²) ≤ 0.5 %. Its stiff viscous slope μ·f_n/ε is integrated exactly over the
 * step (wrenches.ts), so it needs no small step.
 */
export const DEFAULT_FRICTION_VELOCITY = 0.01;

/**
 * The force-contact settings of a model, with overrides (e.g. a CLI `--contact` or a
 * different friction speed). The model's mode must be a force mode unless overridden.
 *
 * @example
 * const params = contactForceParams(model, { mode: 'soft' });
 * contactWrenches(params, contacts, state.bodyQ, state.bodyQd, wrench);
 */
export function contactForceParams(model: Model, overrides: Partial<ContactForceParams> = {}): ContactForceParams {
  const mode = overrides.mode ?? model.contact.mode;
  if (mode !== 'penalty' && mode !== 'soft') {
    throw new RangeError(`contactForceParams: mode '${mode}' is not a force mode (use 'penalty' or 'soft')`);
  }
  return checkContactForceParams({
    mode,
    nbody: overrides.nbody ?? model.nbody,
    stiffness: overrides.stiffness ?? model.contact.stiffness,
    damping: overrides.damping ?? model.contact.damping ?? 0,
    dampingFromRestitution: overrides.dampingFromRestitution ?? model.contact.damping === undefined,
    dt: overrides.dt ?? model.dt,
    invMass: overrides.invMass ?? model.bodyInvMass,
    invInertia: overrides.invInertia ?? model.bodyInvInertia,
    bodyRestitution: overrides.bodyRestitution ?? model.bodyRestitution,
    gravity: overrides.gravity ?? model.gravity,
    temperature: overrides.temperature ?? model.contact.temperature,
    frictionVelocity: overrides.frictionVelocity ?? model.contact.frictionVelocity,
    bodyFriction: overrides.bodyFriction ?? model.bodyFriction,
    margin: overrides.margin ?? model.contact.margin,
    bodyName: overrides.bodyName ?? model.bodyName,
  });
}

/**
 * Throw a RangeError naming the first invalid field; return `p` otherwise. Valid: k > 0,
 * c ≥ 0, τ > 0, ε > 0, margin ≥ 0 (all finite), μ ≥ 0 per body, array lengths = nbody.
 */
export function checkContactForceParams(p: ContactForceParams): ContactForceParams {
  checkScalars(p.stiffness, p.damping, p.temperature, p.frictionVelocity);
  if (!(p.margin >= 0 && p.margin < Infinity)) fail('margin', p.margin, 'must be finite and ≥ 0');
  if (!Number.isInteger(p.nbody) || p.nbody < 0) fail('nbody', p.nbody, 'must be a non-negative integer');
  if (p.bodyFriction.length !== p.nbody)
    fail('bodyFriction', p.bodyFriction.length, `must have length nbody = ${p.nbody}`);
  if (p.bodyName.length !== p.nbody) fail('bodyName', p.bodyName.length, `must have length nbody = ${p.nbody}`);
  if (!(p.dt > 0 && p.dt < Infinity)) fail('dt', p.dt, 'must be finite and > 0');
  if (p.invMass.length !== p.nbody) fail('invMass', p.invMass.length, `must have length nbody = ${p.nbody}`);
  if (p.invInertia.length !== 3 * p.nbody)
    fail('invInertia', p.invInertia.length, `must have length 3·nbody = ${3 * p.nbody}`);
  if (p.bodyRestitution.length !== p.nbody)
    fail('bodyRestitution', p.bodyRestitution.length, `must have length nbody = ${p.nbody}`);
  if (p.gravity.length !== 3) fail('gravity', p.gravity.length, 'must have length 3');
  checkGravity(p.gravity);
  checkFriction(p.bodyFriction);
  checkBodies(p.invMass, p.invInertia, p.bodyRestitution);
  return p;
}

/** Validate the differentiable scalars (also called by the primitive on its inputs). */
export function checkScalars(stiffness: number, damping: number, temperature: number, frictionVelocity: number): void {
  if (!(stiffness > 0 && stiffness < Infinity)) fail('stiffness', stiffness, 'must be finite and > 0');
  if (!(damping >= 0 && damping < Infinity)) fail('damping', damping, 'must be finite and ≥ 0');
  if (!(temperature > 0 && temperature < Infinity)) fail('temperature', temperature, 'must be finite and > 0');
  if (!(frictionVelocity > 0 && frictionVelocity < Infinity))
    fail('frictionVelocity', frictionVelocity, 'must be finite and > 0');
}

/** Validate per-body friction coefficients. */
export function checkFriction(bodyFriction: ArrayLike<number>): void {
  for (let i = 0; i < bodyFriction.length; i++) {
    const mu = bodyFriction[i];
    if (!(mu >= 0 && mu < Infinity)) fail(`bodyFriction[${i}]`, mu, 'must be finite and ≥ 0');
  }
}

/** Validate the per-body mass properties and restitutions (also called by the primitive). */
export function checkBodies(
  invMass: ArrayLike<number>,
  invInertia: ArrayLike<number>,
  restitution: ArrayLike<number>,
): void {
  for (let i = 0; i < invMass.length; i++) {
    if (!(invMass[i] >= 0 && invMass[i] < Infinity)) fail(`invMass[${i}]`, invMass[i], 'must be finite and ≥ 0');
    if (!(restitution[i] >= 0 && restitution[i] <= 1))
      fail(`bodyRestitution[${i}]`, restitution[i], 'must be in [0, 1]');
  }
  for (let i = 0; i < invInertia.length; i++) {
    if (!(invInertia[i] >= 0 && invInertia[i] < Infinity))
      fail(`invInertia[${i}]`, invInertia[i], 'must be finite and ≥ 0');
  }
}

/** Validate the gravity vector (also called by the primitive). */
export function checkGravity(gravity: ArrayLike<number>): void {
  for (let i = 0; i < 3; i++) {
    if (!Number.isFinite(gravity[i])) fail(`gravity[${i}]`, gravity[i], 'must be finite');
  }
}

function fail(field: string, value: number, rule: string): never {
  throw new RangeError(`contact force params: ${field} ${rule}, got ${value}`);
}
