/**
 * The flat input θ of the impulse solve's primitive (impulse-adjoint.ts), shared by the
 * code that builds it (test/sim/hard/oracle/traced-step.ts, step-adjoint.ts) and the adjoints that read it
 * (impulse-adjoint.ts, island-adjoint.ts):
 *
 *   θ = [v* (6n) | per contact: n, t₁, t₂, r_A, r_B (3 each), μ, b, s₁, s₂ | m⁻¹ (n) | I_w⁻¹ (9n)]
 *
 * b is the normal bound (u_n ≥ b) and (s₁, s₂) the slip target along t₁, t₂: the tangential
 * velocity that counts as "no slip" (0 except at a placed impact, problem.ts `slipTarget`).
 */

/** Values per contact in θ: n, t₁, t₂, r_A, r_B (3 each), μ, b, s₁, s₂. */
export const IMPULSE_CONTACT_WIDTH = 19;
/** Offsets within a contact's block: the directions n, t₁, t₂ start at 0, 3, 6. */
export const CONTACT_R_A = 9;
export const CONTACT_R_B = 12;
export const CONTACT_MU = 15;
export const CONTACT_BOUND = 16;
/** The slip targets along t₁ and t₂ (two entries). */
export const CONTACT_SLIP_TARGET = 17;

/** Offsets of θ's groups. */
export interface ImpulseLayout {
  velocity: number;
  contacts: number;
  invMass: number;
  invInertia: number;
  size: number;
}

/** The flat input layout for `nbody` bodies and `count` contacts. */
export function impulseLayout(nbody: number, count: number): ImpulseLayout {
  return impulseLayoutInto({ velocity: 0, contacts: 0, invMass: 0, invInertia: 0, size: 0 }, nbody, count);
}

/**
 * {@link impulseLayout} written into `out` (returned), for the code that runs every step
 * (step-values.ts, step-adjoint.ts, impulse-adjoint.ts): an object per call, where V8 does
 * not inline the call, is a heap allocation per step.
 */
export function impulseLayoutInto(out: ImpulseLayout, nbody: number, count: number): ImpulseLayout {
  const contacts = 6 * nbody;
  const invMass = contacts + IMPULSE_CONTACT_WIDTH * count;
  const invInertia = invMass + nbody;
  out.velocity = 0;
  out.contacts = contacts;
  out.invMass = invMass;
  out.invInertia = invInertia;
  out.size = invInertia + 9 * nbody;
  return out;
}
