/**
 * Penalty normal force (`contact.mode = 'penalty'`): a Hunt–Crossley spring–damper on the
 * penetration φ = max(0, −d),
 *
 *   f_n = φ · max(0, k + c·φ̇)          k N/m, c N·s/m², φ m, φ̇ = −v_n m/s
 *
 * - continuous at onset: the damping term c·φ·φ̇ vanishes with φ, so there is no force
 *   jump at touch, only a slope jump (a kink at d = 0, reported as `<A>/<B> onset`);
 * - the clamp max(0, ·) stops the contact from pulling when it separates faster than
 *   k/c (a second kink, at k + c·φ̇ = 0, reported as `<A>/<B> damping clamp`).
 *
 * Conventions at the kinks (the branch the reverse pass differentiates): d = 0 is out of
 * contact and k + c·φ̇ = 0 is clamped, i.e. relu'(0) = 0 as in docs/design.md "Conventions at kinks". Forward mode is
 * one-sided instead ({@link penaltyNormalTangent}).
 */
import { zeroNormalForce, type NormalForce, type NormalForceArgs } from './normal-force.ts';

/**
 * Evaluate the penalty normal force and its partials into `out`.
 *
 * @example
 * const f = penaltyNormalForce(normalForceArgs(-0.01, 0.5, 1e4, 100), createNormalForce());
 * f.value; // 0.01·(1e4 + 100·0.5) = 100.5 N
 */
export function penaltyNormalForce(args: NormalForceArgs, out: NormalForce): NormalForce {
  const { dist, rate, stiffness, damping } = args;
  const gain = stiffness + damping * rate;
  if (!(dist < 0) || !(gain > 0)) return zeroNormalForce(out);
  const phi = -dist;
  out.value = phi * gain;
  out.penetration = phi;
  out.dDist = -gain;
  out.dRate = damping * phi;
  out.dStiffness = phi;
  out.dDamping = phi * rate;
  out.dTemperature = 0;
  return out;
}

/**
 * One-sided directional derivative of the penalty force at `args` along the tangent
 * `dot` (ḋ, φ̈, k̇, ċ in the same fields): exact at the kinks too (at d = 0 moving inward
 * it is (k + c·φ̇)·(−ḋ), not 0), and equal to the ordinary derivative elsewhere.
 *
 * @example
 * // at touch, moving inward at 1 m/s: the force grows at k N/s
 * penaltyNormalTangent(normalForceArgs(0, 0, 1e4, 100), normalForceArgs(-1)); // 1e4
 */
export function penaltyNormalTangent(args: NormalForceArgs, dot: NormalForceArgs): number {
  const { dist, rate, stiffness, damping } = args;
  const gain = stiffness + damping * rate;
  const gainDot = dot.stiffness + dot.damping * rate + damping * dot.rate;
  // f_n = relu(−d)·relu(gain): product rule with one-sided relu derivatives
  const phi = dist < 0 ? -dist : 0;
  return reluDirectional(-dist, -dot.dist) * (gain > 0 ? gain : 0) + phi * reluDirectional(gain, gainDot);
}

/** lim_{h→0+} (relu(u + h·u̇) − relu(u)) / h. */
function reluDirectional(u: number, uDot: number): number {
  if (u > 0) return uDot;
  if (u < 0) return 0;
  return uDot > 0 ? uDot : 0;
}
