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
 * `stiffness`, `damping`, `temperature`, `frictionVelocity` and `bodyFriction` are
 * differentiable model parameters (inputs of the primitive); `mode`, `nbody`, `margin` and
 * `bodyName` are its static configuration.
 */
export interface ContactForceParams {
  readonly mode: ContactForceMode;
  /** number of bodies: the wrench array is nbody×6 */
  readonly nbody: number;
  /** k, N/m: the spring of the normal force, f = k·φ at rest */
  readonly stiffness: number;
  /**
   * c, N·s/m²: Hunt–Crossley damping, f = φ·(k + c·φ̇). The damping force is c·φ·φ̇, so
   * it grows with the penetration and vanishes at onset (no force jump at touch). This is
   * what the scene's `contact.damping` means in the force modes.
   */
  readonly damping: number;
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
 * ε²/(2|v_t|²) ≤ 0.5 %, while the viscous stick slope μ·f_n/ε stays small enough for
 * explicit steps of 1 ms at the scenes' masses and loads.
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
    damping: overrides.damping ?? model.contact.damping,
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
  if (p.bodyFriction.length !== p.nbody) fail('bodyFriction', p.bodyFriction.length, `must have length nbody = ${p.nbody}`);
  if (p.bodyName.length !== p.nbody) fail('bodyName', p.bodyName.length, `must have length nbody = ${p.nbody}`);
  checkFriction(p.bodyFriction);
  return p;
}

/** Validate the differentiable scalars (also called by the primitive on its inputs). */
export function checkScalars(stiffness: number, damping: number, temperature: number, frictionVelocity: number): void {
  if (!(stiffness > 0 && stiffness < Infinity)) fail('stiffness', stiffness, 'must be finite and > 0');
  if (!(damping >= 0 && damping < Infinity)) fail('damping', damping, 'must be finite and ≥ 0');
  if (!(temperature > 0 && temperature < Infinity)) fail('temperature', temperature, 'must be finite and > 0');
  if (!(frictionVelocity > 0 && frictionVelocity < Infinity)) fail('frictionVelocity', frictionVelocity, 'must be finite and > 0');
}

/** Validate per-body friction coefficients. */
export function checkFriction(bodyFriction: ArrayLike<number>): void {
  for (let i = 0; i < bodyFriction.length; i++) {
    const mu = bodyFriction[i];
    if (!(mu >= 0 && mu < Infinity)) fail(`bodyFriction[${i}]`, mu, 'must be finite and ≥ 0');
  }
}

function fail(field: string, value: number, rule: string): never {
  throw new RangeError(`contact force params: ${field} ${rule}, got ${value}`);
}
