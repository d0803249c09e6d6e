/**
 * Settings of the hard-contact (impulse) step, with units, defaults and the reasons for
 * them. Everything here is static configuration: none of it is a differentiable model
 * parameter (friction and restitution come from the Model, per body).
 */
import type { Model } from '../model.ts';

/** Solver and stabilization settings of {@link hardStep}, every field resolved. */
export interface HardContactSettings {
  /**
   * m/s: the velocity solve stops when no contact's impulse update of a whole sweep
   * changes its own contact velocity by more than this (the projected Gauss–Seidel step is
   * the natural-map residual of the complementarity problem, in velocity units).
   */
  readonly tolerance: number;
  /** cap on Gauss–Seidel sweeps of the velocity solve per step (the residual is reported when it is hit) */
  readonly maxIterations: number;
  /** cap on sweeps of the position (split-impulse) pass per step */
  readonly maxPositionIterations: number;
  /**
   * m/s: Newton restitution applies to a contact only when its approach speed exceeds this
   * (below it the contact is plastic, e = 0). Resolved by {@link restitutionThreshold}.
   */
  readonly restitutionThreshold: number;
  /**
   * m: the position pass runs only when some contact is predicted to end the step deeper
   * than this; it then removes the whole predicted penetration (target gap ≥ 0).
   */
  readonly penetrationTolerance: number;
  /**
   * Place each restitution impact at its time of impact within the step (position.ts):
   * position-only, removes the (1 + e)·d excess height of a bounce decided at a gap d.
   * Follows the scene's `contact.timeOfImpact` (default true) unless overridden: with it
   * off the step is the plain time-stepping scheme (the impulse acts from the step it is
   * decided in), whose executed trace the rollout then differentiates as it is.
   */
  readonly placeImpacts: boolean;
}

/** Default velocity tolerance, m/s: 1 µm/s moves a body 2 µm over 2 s, far below the 0.1 mm resting-drift bound. */
export const DEFAULT_TOLERANCE = 1e-6;

/**
 * Default cap on velocity sweeps. Warm-started resting contact converges in a handful;
 * a fresh 100-box pile needs more, and then the cap bounds the cost (the residual left is
 * reported in {@link HardSolveStats}).
 */
export const DEFAULT_MAX_ITERATIONS = 50;

/** Default cap on position sweeps (the pass only runs on penetration, rare after the first contact). */
export const DEFAULT_MAX_POSITION_ITERATIONS = 20;

/**
 * Floor of the restitution threshold, m/s: keeps rounding-level approach speeds in
 * gravity-free scenes from bouncing.
 */
export const MIN_RESTITUTION_THRESHOLD = 1e-3;

/**
 * The restitution threshold as a multiple of |g|·dt. A body resting on a support arrives
 * at every step with the approach speed gravity gave it over that step, |g|·dt (0.01 m/s
 * at 1 ms); bouncing that back would make resting contact jitter. Twice it leaves a
 * factor-2 margin, and the bounces it suppresses rise less than (2|g|dt)²/(2|g|) = 2|g|dt²
 * (0.02 mm at 1 ms).
 */
export const RESTITUTION_THRESHOLD_GRAVITY_STEPS = 2;

/** Default penetration tolerance, m: 1 µm, below what the resting and stacking tests measure (0.1 mm). */
export const DEFAULT_PENETRATION_TOLERANCE = 1e-6;

/**
 * The restitution threshold of a model: max(1 mm/s, 2·|g|·dt), m/s.
 *
 * @example
 * restitutionThreshold(model); // 0.01962 for g = 9.81 m/s², dt = 1 ms
 */
export function restitutionThreshold(model: Pick<Model, 'gravity' | 'dt'>): number {
  const g = model.gravity;
  const gravity = Math.sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
  return Math.max(MIN_RESTITUTION_THRESHOLD, RESTITUTION_THRESHOLD_GRAVITY_STEPS * gravity * model.dt);
}

/**
 * The settings of a model with overrides; validates them (a RangeError names the field).
 *
 * @example
 * const settings = hardContactSettings(model, { maxIterations: 20 });
 */
export function hardContactSettings(
  model: Pick<Model, 'gravity' | 'dt'>,
  overrides: Partial<HardContactSettings> = {},
): HardContactSettings {
  const s: HardContactSettings = {
    tolerance: overrides.tolerance ?? DEFAULT_TOLERANCE,
    maxIterations: overrides.maxIterations ?? DEFAULT_MAX_ITERATIONS,
    maxPositionIterations: overrides.maxPositionIterations ?? DEFAULT_MAX_POSITION_ITERATIONS,
    restitutionThreshold: overrides.restitutionThreshold ?? restitutionThreshold(model),
    penetrationTolerance: overrides.penetrationTolerance ?? DEFAULT_PENETRATION_TOLERANCE,
    placeImpacts: overrides.placeImpacts ?? true,
  };
  if (!(s.tolerance > 0 && s.tolerance < Infinity)) fail('tolerance', s.tolerance, 'must be finite and > 0');
  if (!(Number.isInteger(s.maxIterations) && s.maxIterations >= 1))
    fail('maxIterations', s.maxIterations, 'must be an integer ≥ 1');
  if (!(Number.isInteger(s.maxPositionIterations) && s.maxPositionIterations >= 0)) {
    fail('maxPositionIterations', s.maxPositionIterations, 'must be an integer ≥ 0');
  }
  if (!(s.restitutionThreshold >= 0 && s.restitutionThreshold < Infinity)) {
    fail('restitutionThreshold', s.restitutionThreshold, 'must be finite and ≥ 0');
  }
  if (!(s.penetrationTolerance >= 0 && s.penetrationTolerance < Infinity)) {
    fail('penetrationTolerance', s.penetrationTolerance, 'must be finite and ≥ 0');
  }
  return s;
}

function fail(field: string, value: number, rule: string): never {
  throw new RangeError(`hard contact settings: ${field} ${rule}, got ${value}`);
}
