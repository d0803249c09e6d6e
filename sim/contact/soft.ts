/**
 * Soft normal force (`contact.mode = 'soft'`): the penalty law with both of its kinks
 * smoothed at temperature τ (m), so gradients are continuous across contact onset.
 *
 * Penetration, a softplus of the signed distance (active slightly before touch):
 *
 *   φ = τ·log(1 + e^{−d/τ})            0 ≤ φ − max(0, −d) ≤ τ ln 2 (at d = 0)
 *
 * Normal force, a softplus of the spring–dashpot force x = k·φ + D·φ̇ (D the contact's
 * effective dashpot, already scaled by its activation σ(−d/τ) in wrenches.ts, so that
 * D·φ̇ is b times the rate of φ itself and vanishes far from contact):
 *
 *   f_n = T·log(1 + e^{x/T}),   T = k·ρ,   ρ = φτ / (φ + τ)
 *
 * Why this clamp: softplus(x, T) is the smooth max(0, x), so it stops the contact from
 * pulling when it separates fast, as the penalty clamp does. Its temperature T, in
 * newtons, is the spring force at compression ρ, the series combination of φ and τ
 * (ρ ≤ min(φ, τ)). Hence
 * - f_n → 0 as φ → 0 (far from contact): with a fixed temperature T₀ the force would
 *   tend to T₀·ln 2 at any distance; this T vanishes with φ;
 * - 0 ≤ f_n − max(0, x) ≤ k·ρ·ln 2 ≤ k·τ·ln 2: → penalty as τ → 0, uniformly;
 * - equivalently f_n = k·φ·softplus(1 + D·φ̇/(kφ), β) with dimensionless temperature
 *   β = τ/(φ + τ): sharp (β ≪ 1) in deep contact, where the clamp matters.
 * The clamp is monotone in φ̇ (D ≥ 0), so the damping part f_n(φ̇) − f_n(0) always
 * opposes the normal velocity: the smoothed damping never injects energy.
 *
 * Numerics: every softplus and logistic goes through e^{−|z|}, never e^{+|z|} (the form
 * ad/relax.ts uses), so nothing overflows for any d/τ or x/T. φ underflows to 0 only for
 * d > ~745 τ, far beyond any margin; there the force and its partials are 0.
 */
import { zeroNormalForce, type NormalForce, type NormalForceArgs } from './normal-force.ts';

/**
 * Evaluate the soft normal force and its partials into `out` (see the module comment).
 *
 * @example
 * // at touch, at rest: φ = τ ln 2 ≈ 0.69 mm and f_n ≈ 0.76·k·τ ≈ 7.6 N (k·φ ≈ 6.9 N)
 * const f = softNormalForce(normalForceArgs(0, 0, 1e4, 100, 1e-3), createNormalForce());
 */
export function softNormalForce(args: NormalForceArgs, out: NormalForce): NormalForce {
  const { dist, rate, stiffness, damping, temperature } = args;
  // penetration φ = τ softplus(−d/τ) and its partials
  const z = -dist / temperature;
  const e = Math.exp(-Math.abs(z));
  const logE = Math.log1p(e);
  const phi = (z > 0 ? -dist : 0) + temperature * logE;
  if (!(phi > 0)) return zeroNormalForce(out);
  // σ(z) and H(z) = log(1 + e^{−|z|}) + |z|·σ(−|z|), written out: helper calls returning
  // doubles would box them on every contact
  const sigmaZ = z >= 0 ? 1 / (1 + e) : e / (1 + e);
  const phiDDist = -sigmaZ;
  const phiDTemperature = e === 0 ? 0 : logE + (Math.abs(z) * e) / (1 + e);

  // f_n = softplus(x, T) with x the spring–dashpot force and T = k·ρ
  const x = stiffness * phi + damping * rate;
  const sum = phi + temperature;
  const rho = (phi * temperature) / sum;
  const force = stiffness * rho;
  const zf = x / force;
  const ef = Math.exp(-Math.abs(zf));
  const logEf = Math.log1p(ef);
  const sx = zf >= 0 ? 1 / (1 + ef) : ef / (1 + ef);
  // at |z| = ∞ the second term of H is ∞·0; its limit is 0
  const hx = ef === 0 ? 0 : logEf + (Math.abs(zf) * ef) / (1 + ef);

  // T depends on φ through ρ (∂ρ/∂φ = τ²/(φ+τ)²) and on τ directly (∂ρ/∂τ = φ²/(φ+τ)²)
  const inv2 = 1 / (sum * sum);
  const fPhi = sx * stiffness + hx * stiffness * temperature * temperature * inv2;
  out.value = (x > 0 ? x : 0) + force * logEf;
  out.penetration = phi;
  out.dDist = fPhi * phiDDist;
  out.dRate = sx * damping;
  out.dStiffness = sx * phi + hx * rho;
  out.dDamping = sx * rate;
  out.dTemperature = hx * stiffness * phi * phi * inv2 + fPhi * phiDTemperature;
  return out;
}

/**
 * Soft penetration φ = τ·softplus(−d/τ), m (plain value, for tests and diagnostics).
 *
 * @example
 * softPenetration(0, 1e-3); // 1e-3·ln 2
 */
export function softPenetration(dist: number, temperature: number): number {
  const z = -dist / temperature;
  return (z > 0 ? -dist : 0) + temperature * Math.log1p(Math.exp(-Math.abs(z)));
}
