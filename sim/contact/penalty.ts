/**
 * Penalty normal force (`contact.mode = 'penalty'`): a linear spring–dashpot on the
 * penetration φ = max(0, −d) that cannot pull,
 *
 *   f_n = max(0, k·φ + D·φ̇)          k N/m, D N·s/m, φ m, φ̇ = −v_n m/s
 *
 * D is the contact's effective dashpot, already scaled by its activation (the share of the
 * step's window in contact, step-exact.ts: a ramp over d ∈ [−h, h], so the force has no
 * jump at onset and the dashpot may act in the last h before touch, where φ = 0). With D = 2ζ√(k·m) the contact rebounds with the restitution of
 * restitution.ts, at any k: the law converges to hard mode's impulse as k → ∞.
 *
 * Kinks: d = 0 (`onset`: a slope jump), the activation ramp's ends (`damping ramp`,
 * wrenches.ts) and k·φ + D·φ̇ = 0 (`damping clamp`: the contact
 * would pull, the bodies separate). Conventions (the branch the reverse pass
 * differentiates): d = 0 is out of contact and k·φ + D·φ̇ = 0 is clamped, i.e. relu'(0) = 0
 * as in docs/design.md "Conventions at kinks".
 */
import { zeroNormalForce, type NormalForce, type NormalForceArgs } from './normal-force.ts';

/**
 * Evaluate the penalty normal force and its partials into `out`.
 *
 * @example
 * const f = penaltyNormalForce(normalForceArgs(-0.01, 0.5, 1e4, 100), createNormalForce());
 * f.value; // 1e4·0.01 + 100·0.5 = 150 N
 */
export function penaltyNormalForce(args: NormalForceArgs, out: NormalForce): NormalForce {
  const { dist, rate, stiffness, damping } = args;
  // the dashpot may act just before touch (its activation is the share of the step's
  // window in contact, step-exact.ts); the spring only in contact
  if (!(dist < 0) && !(damping > 0)) return zeroNormalForce(out);
  const inside = dist < 0;
  const phi = inside ? -dist : 0;
  const value = stiffness * phi + damping * rate;
  if (!(value > 0)) return zeroNormalForce(out);
  out.value = value;
  out.penetration = phi;
  out.dDist = inside ? -stiffness : 0;
  out.dRate = damping;
  out.dStiffness = phi;
  out.dDamping = rate;
  out.dTemperature = 0;
  return out;
}
