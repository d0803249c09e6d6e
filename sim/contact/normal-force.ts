/**
 * The records a normal-force law reads and writes: its arguments, and the force on body B
 * along n with its partials. One record of each is reused for every contact (module
 * scratch in the kernel), so evaluating a law allocates nothing: a law too large to be
 * inlined would box every double passed to it as an argument, a field of a record is not.
 */

/** Arguments of a normal-force law. */
export interface NormalForceArgs {
  /** d, m: signed distance between the surfaces (< 0: penetration) */
  dist: number;
  /** φ̇ = −v_n, m/s: penetration rate (> 0: approaching) */
  rate: number;
  /** k, N/m */
  stiffness: number;
  /** D, N·s/m: the contact's effective dashpot (activation included, see wrenches.ts) */
  damping: number;
  /** τ, m (soft only) */
  temperature: number;
}

/**
 * An argument record (allocates: for module scratch and tests).
 *
 * @example
 * const args = normalForceArgs(-0.01, 0.5, 1e4, 100, 1e-3);
 */
export function normalForceArgs(dist = 0, rate = 0, stiffness = 0, damping = 0, temperature = 0): NormalForceArgs {
  return { dist, rate, stiffness, damping, temperature };
}

/**
 * Normal force f_n(d, φ̇; k, c, τ) ≥ 0, N, and its partial derivatives at the evaluated
 * point. `d` is the signed distance (m, < 0: penetration), φ̇ = −v_n the penetration rate
 * (m/s, > 0: approaching).
 */
export interface NormalForce {
  /** f_n, N */
  value: number;
  /** penetration φ, m (penalty: max(0, −d); soft: τ·softplus(−d/τ)) */
  penetration: number;
  /** ∂f_n/∂d, N/m */
  dDist: number;
  /** ∂f_n/∂φ̇, N·s/m */
  dRate: number;
  /** ∂f_n/∂k, m */
  dStiffness: number;
  /** ∂f_n/∂D, m/s */
  dDamping: number;
  /** ∂f_n/∂τ, N/m (0 in penalty mode) */
  dTemperature: number;
}

/** A zeroed record (allocates: for module scratch). */
export function createNormalForce(): NormalForce {
  return { value: 0, penetration: 0, dDist: 0, dRate: 0, dStiffness: 0, dDamping: 0, dTemperature: 0 };
}

/** Set every field to 0 (no contact force, no sensitivity) and return `out`. */
export function zeroNormalForce(out: NormalForce): NormalForce {
  out.value = 0;
  out.penetration = 0;
  out.dDist = 0;
  out.dRate = 0;
  out.dStiffness = 0;
  out.dDamping = 0;
  out.dTemperature = 0;
  return out;
}
