/**
 * Regularized Coulomb friction. With v_t the tangential slip velocity of B relative to A
 * (m/s) and μ the pair coefficient,
 *
 *   f_t = −μ · f_n · w(|v_t|², ε) · v_t
 *
 *   penalty:  w = 1 / max(|v_t|, ε)        viscous stick below ε, exact Coulomb above;
 *                                          a kink at |v_t| = ε (`<A>/<B> stick/slip`)
 *   soft:     w = 1 / √(|v_t|² + ε²)       smooth everywhere, Coulomb to within
 *                                          ε²/(2|v_t|²) when sliding fast
 *
 * Both give |f_t| = μ f_n |v_t| w ≤ μ f_n (inside the Coulomb cone) and f_t·v_t ≤ 0
 * (friction never drives slip). At v_t = 0 both are linear in v_t with slope μ f_n / ε:
 * no 0/0, and ε > 0 is required (params.ts). Convention at |v_t| = ε in penalty mode:
 * slip branch. The kernel integrates this viscous law exactly over the step
 * (wrenches.ts), so its slope μ f_n/ε needs no small step.
 *
 * The regularization is set by ε, not by the temperature τ: as τ → 0 the soft and penalty
 * normal forces meet, while their friction laws differ for |v_t| ≲ ε (both tend to Coulomb
 * as ε → 0).
 *
 * Pair coefficient (docs/scene-format.md): μ = √(μ_A μ_B).
 */

/**
 * Friction weight w, its inputs and its partials; one record reused for every contact.
 * The inputs travel in the record, not as arguments: a double passed to a call V8 does not
 * inline is boxed (32 bytes per contact per step).
 */
export interface FrictionWeight {
  /** input |v_t|², m²/s² */
  speed2: number;
  /** input ε, the regularization velocity, m/s */
  velocity: number;
  /** w, s/m */
  value: number;
  /** ∂w/∂(|v_t|²), s³/m³ */
  dSpeed2: number;
  /** ∂w/∂ε, s²/m² */
  dVelocity: number;
}

/** A zeroed record (allocates: for module scratch). */
export function createFrictionWeight(): FrictionWeight {
  return { speed2: 0, velocity: 0, value: 0, dSpeed2: 0, dVelocity: 0 };
}

/**
 * Soft weight w = (|v_t|² + ε²)^(−1/2) and its partials, from and into `out`.
 *
 * @example
 * softFrictionWeight({ ...createFrictionWeight(), speed2: 0, velocity: 0.01 }).value; // 100 s/m: stick slope 1/ε
 */
export function softFrictionWeight(out: FrictionWeight): FrictionWeight {
  const speed2 = out.speed2,
    velocity = out.velocity;
  const w = 1 / Math.sqrt(speed2 + velocity * velocity);
  const w3 = w * w * w;
  out.value = w;
  out.dSpeed2 = -0.5 * w3;
  out.dVelocity = -velocity * w3;
  return out;
}

/**
 * Penalty weight w = 1 / max(|v_t|, ε) and its partials, from and into `out`. `slip`
 * picks the branch: pass `speed2 >= ε²` for the reverse-pass convention, or
 * {@link penaltyWeightBranch} for the one-sided forward derivative.
 *
 * @example
 * penaltyFrictionWeight({ ...createFrictionWeight(), speed2: 4, velocity: 0.01 }, true).value; // 0.5 s/m at |v_t| = 2 m/s
 */
export function penaltyFrictionWeight(out: FrictionWeight, slip: boolean): FrictionWeight {
  const speed2 = out.speed2,
    velocity = out.velocity;
  if (slip) {
    const w = 1 / Math.sqrt(speed2);
    out.value = w;
    out.dSpeed2 = -0.5 * w * w * w;
    out.dVelocity = 0;
  } else {
    out.value = 1 / velocity;
    out.dSpeed2 = 0;
    out.dVelocity = -1 / (velocity * velocity);
  }
  return out;
}

/** Pair coefficient μ = √(μ_A μ_B) and its partials; one record reused for every contact. */
export interface PairFriction {
  value: number;
  /** ∂μ/∂μ_A */
  dA: number;
  /** ∂μ/∂μ_B */
  dB: number;
}

/** A zeroed record (allocates: for module scratch). */
export function createPairFriction(): PairFriction {
  return { value: 0, dA: 0, dB: 0 };
}

/**
 * μ = √(μ_A μ_B) of bodies a and b, from the per-body coefficients `bodyFriction`, and its
 * partials into `out`. At μ = 0 (a frictionless body) the partials are set to 0: the
 * geometric mean has an infinite slope there (the edge of the domain μ ≥ 0), and a finite
 * convention keeps gradients usable for frictionless scenes. (Indices, not values, are
 * passed: a double passed to a call V8 does not inline is boxed.)
 *
 * @example
 * pairFriction(Float64Array.of(0.25, 1), 0, 1, createPairFriction()).value; // 0.5
 */
export function pairFriction(bodyFriction: Float64Array, a: number, b: number, out: PairFriction): PairFriction {
  const muA = bodyFriction[a],
    muB = bodyFriction[b];
  const mu = Math.sqrt(muA * muB);
  out.value = mu;
  if (mu > 0) {
    out.dA = (0.5 * muB) / mu;
    out.dB = (0.5 * muA) / mu;
  } else {
    out.dA = 0;
    out.dB = 0;
  }
  return out;
}
