/**
 * One-sided derivatives of a scalar function of one variable by finite differences, and
 * whether its value jumps: the pointwise half of the local probe (probe.ts).
 *
 * Steps h_k = radius·2^{−k}, k = 0…levels, on one side (σ = +1 right, −1 left). The
 * derivative is the second-order one-sided difference at the smallest step,
 *
 *   D(h) = (−3φ(0) + 4φ(σh) − φ(2σh)) / (2σh),
 *
 * exact for a function that is quadratic on that side (so exact at a kink between two
 * linear pieces, where a central difference averages them), with error O(h²) otherwise;
 * |D(h_K) − D(h_{K−1})| estimates that error. Both sides are returned as slopes along +x,
 * so for a smooth function they agree.
 *
 * A value jump shows in the raw differences Δ_k = φ(σh_k) − φ(0): continuous functions
 * have Δ_k → 0 with h_k (linearly where differentiable, like √h at worst for the usual
 * cusps), a jump keeps Δ_k ≈ its size. The side counts as jumping when |Δ_K| exceeds the
 * noise floor and kept at least {@link JUMP_PERSISTENCE} of |Δ_{K−2}| over the last two
 * halvings (a differentiable side keeps 1/4, a √h cusp 1/2, a jump 1). Then the difference
 * quotients Δ_k/h_k blow up as the step shrinks, which is what "discontinuous" means here.
 */

/** Share of |Δ| a jump keeps over two halvings of the step (see the module comment). */
export const JUMP_PERSISTENCE = 0.7;

/** What one side of a point looks like. */
export interface OneSided {
  /** one-sided slope along +x (right derivative for σ = +1, left derivative for σ = −1) */
  slope: number;
  /** |D(h_K) − D(h_{K−1})|: the slope's own error estimate */
  error: number;
  /** φ(σh_K) − φ(0) when the value jumps on this side, else null */
  valueJump: number | null;
  /** the smallest step used, h_K */
  step: number;
}

/**
 * One-sided slope and jump test of `phi` at 0 on side `side` (module comment). `phi0` is
 * φ(0), passed in so both sides share one evaluation; `valueTol` is the noise floor of
 * the value (a smaller |Δ| never counts as a jump).
 *
 * @example
 * const right = oneSided((s) => Math.abs(s), 0, +1, 1e-3, 8, 1e-12); // slope 1, no jump
 * const left = oneSided((s) => Math.abs(s), 0, -1, 1e-3, 8, 1e-12);  // slope −1
 */
export function oneSided(
  phi: (s: number) => number,
  phi0: number,
  side: 1 | -1,
  radius: number,
  levels: number,
  valueTol: number,
): OneSided {
  if (!(radius > 0)) throw new RangeError(`oneSided: radius must be > 0, got ${radius}`);
  if (!Number.isInteger(levels) || levels < 2)
    throw new RangeError(`oneSided: levels must be a whole number >= 2, got ${levels}`);
  // Δ_k = φ(σ h_k) − φ(0) for h_k = radius·2^{−k}
  const steps: number[] = [];
  const delta: number[] = [];
  for (let k = 0; k <= levels; k++) {
    const h = radius * 2 ** -k;
    steps.push(h);
    delta.push(phi(side * h) - phi0);
  }
  // D(h_k) from Δ_k and Δ_{k−1} (2h_k = h_{k−1}): (4Δ_k − Δ_{k−1}) / (2σh_k)
  const slopeAt = (k: number) => (4 * delta[k] - delta[k - 1]) / (2 * side * steps[k]);
  const K = levels;
  const slope = slopeAt(K);
  const error = Math.abs(slope - slopeAt(K - 1));
  const last = Math.abs(delta[K]);
  const jumps = last > valueTol && last >= JUMP_PERSISTENCE * Math.abs(delta[K - 2]);
  return { slope, error, valueJump: jumps ? delta[K] : null, step: steps[K] };
}
