/**
 * From a restitution coefficient e to the damping ratio ζ of a linear spring–dashpot
 * contact that rebounds with exactly that e: how the force modes honour the scene's
 * restitution (MuJoCo sets its soft constraints' damping from `dampratio` the same way).
 *
 * The contact is f = k·φ + b·φ̇ with b = 2ζ·√(k·m) (m the pair's effective mass along the
 * normal), and it cannot pull: the bodies separate when f reaches 0, before φ does. For that
 * clamped oscillator the rebound speed ratio has a closed form (Schwager & Pöschel,
 * "Coefficient of restitution and linear-dashpot model revisited", Granular Matter 9,
 * 2007), independent of k, m and the impact speed:
 *
 *   −ln e = 2ζ·C(ζ),   C(ζ) = arccos(ζ)/√(1 − ζ²)      (ζ < 1)
 *                      C(ζ) = arccosh(ζ)/√(ζ² − 1)     (ζ > 1),   C(1) = 1
 *
 * so e(0) = 1, e(1) = e⁻² ≈ 0.135 and e → 1/(4ζ²) as ζ → ∞. Every ζ > 0 gives some
 * e ∈ (0, 1); e = 0 needs ζ = ∞, so restitutions below {@link MIN_RESTITUTION} use the ζ of
 * that floor (a rebound of 10⁻⁴ of the drop height: inelastic for every purpose, and the
 * overdamped contact still settles in ~2ζ/ω). The floor is the one kink of the map, in
 * the parameter e only (dζ/de = 0 below it).
 */

/** Restitutions below this are treated as it (ζ ≈ 4.9): see the module comment. */
export const MIN_RESTITUTION = 0.01;

/** Distance from ζ = 1 under which C and C′ use their Taylor series (both branches are 0/0 there). */
const NEAR_CRITICAL = 1e-4;

/** C(ζ) (see the module comment) and its derivative, into `out` = [C, C′]. */
function critical(zeta: number, out: Float64Array): void {
  const u = zeta - 1;
  if (Math.abs(u) < NEAR_CRITICAL) {
    // C(1 + u) = 1 − u/3 + 2u²/15 + O(u³)
    out[0] = 1 - u / 3 + (2 * u * u) / 15;
    out[1] = -1 / 3 + (4 * u) / 15;
    return;
  }
  const c = zeta < 1 ? Math.acos(zeta) / Math.sqrt(1 - zeta * zeta) : Math.acosh(zeta) / Math.sqrt(zeta * zeta - 1);
  out[0] = c;
  // the same formula on both sides: C′ = (ζC − 1)/(1 − ζ²)
  out[1] = (zeta * c - 1) / (1 - zeta * zeta);
}

const _c = new Float64Array(2);

/**
 * The restitution of the clamped linear spring–dashpot with damping ratio ζ ≥ 0.
 *
 * @example
 * restitutionOfDampingRatio(1); // e⁻² ≈ 0.1353
 */
export function restitutionOfDampingRatio(zeta: number): number {
  if (zeta === 0) return 1;
  critical(zeta, _c);
  return Math.exp(-2 * zeta * _c[0]);
}

/** ζ(e) and dζ/de; one record reused by the contact kernel. */
export interface DampingRatio {
  value: number;
  /** dζ/de (0 below {@link MIN_RESTITUTION}) */
  dRestitution: number;
}

/** A zeroed record (allocates: for module scratch). */
export function createDampingRatio(): DampingRatio {
  return { value: 0, dRestitution: 0 };
}

/**
 * The damping ratio ζ whose clamped spring–dashpot rebounds with restitution `e` ∈ [0, 1],
 * and dζ/de, into `out`. Newton on g(ζ) = ζ·C(ζ) = −ln(e)/2 (g is increasing and concave
 * in log ζ), from a start that is within a few percent everywhere; converged to 1e-14.
 *
 * @example
 * dampingRatioOfRestitution(0.5, createDampingRatio()).value; // 0.2154
 */
export function dampingRatioOfRestitution(e: number, out: DampingRatio): DampingRatio {
  if (!(e >= 0 && e <= 1)) throw new RangeError(`restitution must be in [0, 1], got ${e}`);
  if (e === 1) {
    out.value = 0;
    // e ≈ 1 − 2ζ·π/2 near ζ = 0: dζ/de = −1/π
    out.dRestitution = -1 / Math.PI;
    return out;
  }
  const floored = e < MIN_RESTITUTION;
  const target = -0.5 * Math.log(floored ? MIN_RESTITUTION : e);
  // start: g ≈ ζπ/2 for small ζ, g ≈ ln(2ζ) for large ζ
  let zeta = target < 1 ? (2 * target) / Math.PI : 0.5 * Math.exp(target);
  for (let it = 0; it < 60; it++) {
    critical(zeta, _c);
    const g = zeta * _c[0];
    const slope = _c[0] + zeta * _c[1];
    const next = Math.max(0.5 * zeta, zeta - (g - target) / slope);
    const done = Math.abs(next - zeta) <= 1e-14 * Math.max(1, zeta);
    zeta = next;
    if (done) break;
  }
  critical(zeta, _c);
  const slope = _c[0] + zeta * _c[1];
  out.value = zeta;
  // dg/dζ · dζ = −de/(2e)
  out.dRestitution = floored ? 0 : -1 / (2 * e * slope);
  return out;
}
