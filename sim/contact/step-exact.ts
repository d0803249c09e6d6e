/**
 * The contact over one step of the semi-implicit integrator: the factors that make a
 * smoothed contact's discrete bounce the continuous one (the restitution of restitution.ts
 * at ω·dt = 0.1, whatever the phase of the impact within the step).
 *
 * The integrator kicks the velocity with the force at the step's start pose, so each kick
 * stands for the force over the window [t − dt/2, t + dt/2] around that pose. Three things
 * follow (measured on the clamped oscillator, ω·dt = 0.1, e = 0.2: rebound speed off by
 * −2 … +11 % with the phase of the impact before, within ±0.3 % after):
 *
 * - **The activation is the share of the window in contact** ({@link windowActivation}):
 *   the gap moves by v_n·dt over a step, so a contact that starts mid-window gets that
 *   part of the dashpot, not all or nothing. Penalty: a linear ramp over the half-width
 *   h = ½√(τ² + (v_n·dt)²) around d = 0; soft: the logistic σ(−d/s) of the same slope
 *   at d = 0, s = √(τ² + (v_n·dt/4)²), which is also soft mode's temperature. At rest
 *   both are the τ-wide smoothing of before; in a fast impact they widen to the step's
 *   travel, so the discrete map stays smooth where τ ≪ v·dt.
 * - **The dashpot is φ₁-averaged** (wrenches.ts): its mean force over the step, so the
 *   per-step decay of the contact oscillator, det = e^{−y}, is exact.
 * - **The spring is scaled by κ** ({@link stepStiffnessFactor}) so that the trace of the
 *   step matrix is exact too: with p = k·W·dt² and y = dt·b·a·W (W the inverse effective
 *   mass), the continuous step exp(A·dt) of u̇ = −W(k·x + b·a·u) has
 *   trace 2e^{−y/2}·cos(√(p − y²/4)) and det e^{−y}; the kick-then-drift step with k·κ
 *   and b·φ₁(y) has det 1 − (1 − e^{−y}) and trace 2 − κp − (1 − e^{−y}), hence
 *   κ·p = 1 + e^{−y} − 2e^{−y/2}·cos(√(p − y²/4)) (cosh when overdamped). Undamped it is
 *   sinc²(ω·dt/2), the symplectic Euler frequency corrected; κ → 1 as dt → 0; κp ≤ 4, so
 *   the spring's explicit step stays bounded at any stiffness. Without it the discrete
 *   contact rings ~3 % too fast at ζ = 0.5, ω·dt = 0.1 and rebounds ~5 % too high.
 *   The damping κ sees is capped smoothly at critical, y/(1 + ζ⁸)^{1/8} (ζ = y/(2√p)):
 *   an overdamped contact barely rebounds, so its trace matters little, while the exact κ
 *   would weaken its spring ~ζ-fold (0.62 at the default e = 0, ζ = 4.9, ω·dt = 0.1), and
 *   with it what a stacked contact holds statically (the 5-box stack settled 10× slower).
 *   The cap changes y by 1 % at ζ = 0.73 (e = 0.2), κ by < 1e-4 there. Beyond ω·dt = 2
 *   the kernel does not apply κ (wrenches.ts): the step cannot follow such a contact, and
 *   a bounded but aliased spring would hide it; the explicit one diverges and the
 *   divergence monitor says why.
 *
 * - **Parallel contacts** (a box's corners on one face): the dashpot's step factor φ₁(y_n)
 *   sees the contact's inverse mass among its pair's N parallel ones,
 *   W_n = N·m + ½(N + 1)·(W₀ − m), m = m_A⁻¹ + m_B⁻¹ (wrenches.ts): the translation split
 *   N-fold, the rotation (N + 1)/2-fold. The pair's Delassus matrix (4 corners of a cube on
 *   the ground: diagonal W₀ = 4 m⁻¹, rotation 3 m⁻¹ of it) has the heave eigenvalue N·m = 4
 *   and two tilt eigenvalues N·(W₀ − m)/2 = 6 (the patch's two tilt axes share the
 *   rotation). W_n = 11.5 takes at most 0.35 of the heave and 0.52 of a tilt per step; the
 *   friction rows act on the same rotation (≈ 0.8 of it), so the sum stays below 2 (no
 *   period-2 rocking). The mass splitting N·W₀ = 16 took a quarter of the heave, and down
 *   a stack the slowest mode rang at ζ ≈ 0.1 (5 boxes: 3.5e-4 m/s after 1 s; now 3.2e-5);
 *   W₀ + (N − 1)·m = 7, exact for the heave, let a tilted 0.5 m box at dt = 1/240 s rock
 *   forever at 3.4e-2 rad/s in soft mode (tilt 6/7 plus friction > 2).
 *
 * All values go through records or arrays, never double arguments (a call that is not
 * inlined would box them on every contact).
 */

/** |q| below which the series of {@link stepStiffnessFactor}'s cos/cosh terms are used. */
const SERIES_BELOW = 1e-4;

/**
 * κ and its partials: `out[3]` = p = k·W·dt² (> 0), `out[4]` = y = dt·b·a·W (≥ 0) in;
 * `out[0]` = κ, `out[1]` = ∂κ/∂p, `out[2]` = ∂κ/∂y out (see the module comment).
 *
 * @example
 * const k = Float64Array.of(0, 0, 0, 0.01, 0); // ω·dt = 0.1, undamped
 * stepStiffnessFactor(k); // k[0] = sinc²(0.05) ≈ 0.99917
 */
export function stepStiffnessFactor(out: Float64Array): void {
  const p = out[3];
  const y0 = out[4];
  // the damping κ sees, capped smoothly at critical (r = ζ): y = y₀/(1 + r⁸)^{1/8},
  // r = y₀/(2√p) (see the module comment)
  const r = y0 / (2 * Math.sqrt(p));
  const r2 = r * r;
  const r8 = r2 * r2 * r2 * r2;
  const knee = Math.pow(1 + r8, -0.125);
  const y = y0 * knee;
  // ∂y/∂y₀ = (1 + r⁸)^{−9/8}, ∂y/∂p = y₀·r⁸/(2p)·(1 + r⁸)^{−9/8}
  const knee9 = knee / (1 + r8);
  const yDy0 = knee9;
  const yDp = (y0 * r8 * knee9) / (2 * p);
  const s = 0.5 * y;
  const q = p - s * s;
  const es = Math.exp(-s);
  // with F(q) = 1 − cos√q and S(q) = sin√q/√q (cosh, sinh for q < 0):
  // N = κp = (1 − e^{−s})² + 2e^{−s}F(q); ∂N/∂p = e^{−s}S(q); ∂N/∂y = e^{−s}(1 − e^{−s} − F − sS)
  let eF: number; // e^{−s}·F(q)
  let eS: number; // e^{−s}·S(q)
  if (Math.abs(q) < SERIES_BELOW) {
    eF = es * q * (0.5 - q / 24 + (q * q) / 720);
    eS = es * (1 - q / 6 + (q * q) / 120);
  } else if (q > 0) {
    const r = Math.sqrt(q);
    const half = Math.sin(0.5 * r);
    eF = es * 2 * half * half;
    eS = (es * Math.sin(r)) / r;
  } else {
    // overdamped: e^{−s}cosh r and e^{−s}sinh r from e^{−(s∓r)}, s − r = p/(s + r) ≥ 0
    const r = Math.sqrt(-q);
    const slow = Math.exp(-p / (s + r));
    const fast = Math.exp(-(s + r));
    eF = es - 0.5 * (slow + fast);
    eS = (slow - fast) / (2 * r);
  }
  const em = -Math.expm1(-s);
  const n = em * em + 2 * eF;
  const kappa = n / p;
  const kDy = (es * em - eF - s * eS) / p;
  out[0] = kappa;
  out[1] = (eS - kappa) / p + kDy * yDp;
  out[2] = kDy * yDy0;
}

/** Arguments and results of {@link windowActivation}; one record reused for every contact. */
export interface WindowActivation {
  /** in: d, m (signed distance, < 0: penetration) */
  dist: number;
  /** in: v_n, m/s (normal relative velocity, > 0 separating) */
  normalVelocity: number;
  /** in: τ, m */
  temperature: number;
  /** in: dt, s */
  dt: number;
  /** out: a ∈ [0, 1], the share of the step's window in contact */
  value: number;
  /** out: ∂a/∂d, 1/m */
  dDist: number;
  /** out: ∂a/∂v_n, s/m */
  dNormalVelocity: number;
  /** out: ∂a/∂τ, 1/m */
  dTemperature: number;
  /** out: the smoothing width, m: penalty h (the ramp is [−h, h]), soft s (also soft mode's temperature) */
  width: number;
  /** out: ∂width/∂v_n, s */
  widthDNormalVelocity: number;
  /** out: ∂width/∂τ */
  widthDTemperature: number;
}

/** A zeroed record (allocates: for module scratch and tests). */
export function createWindowActivation(): WindowActivation {
  return {
    dist: 0,
    normalVelocity: 0,
    temperature: 0,
    dt: 0,
    value: 0,
    dDist: 0,
    dNormalVelocity: 0,
    dTemperature: 0,
    width: 0,
    widthDNormalVelocity: 0,
    widthDTemperature: 0,
  };
}

/**
 * The activation of a contact over the step (see the module comment), into `w`'s out
 * fields. Penalty: a = clamp((h − d)/(2h), 0, 1), h = ½√(τ² + (v_n·dt)²), kinks at d = ±h
 * (`damping ramp`); soft: a = σ(−d/s), s = √(τ² + (v_n·dt/4)²), smooth.
 *
 * @example
 * const w = createWindowActivation();
 * Object.assign(w, { dist: 0, normalVelocity: -4, temperature: 1e-3, dt: 1e-3 });
 * windowActivation('penalty', w).value; // 0.5: half the window is in contact
 */
export function windowActivation(mode: 'penalty' | 'soft', w: WindowActivation): WindowActivation {
  const d = w.dist,
    v = w.normalVelocity,
    tau = w.temperature,
    dt = w.dt;
  if (mode === 'penalty') {
    const travel = v * dt;
    const h = 0.5 * Math.sqrt(tau * tau + travel * travel);
    w.width = h;
    w.widthDNormalVelocity = (0.25 * travel * dt) / h;
    w.widthDTemperature = (0.25 * tau) / h;
    if (d >= h || d <= -h) {
      w.value = d <= -h ? 1 : 0;
      w.dDist = w.dNormalVelocity = w.dTemperature = 0;
      return w;
    }
    w.value = (h - d) / (2 * h);
    w.dDist = -1 / (2 * h);
    // ∂a/∂h = d/(2h²)
    const dh = d / (2 * h * h);
    w.dNormalVelocity = dh * w.widthDNormalVelocity;
    w.dTemperature = dh * w.widthDTemperature;
    return w;
  }
  const travel = 0.25 * v * dt;
  const s = Math.sqrt(tau * tau + travel * travel);
  w.width = s;
  w.widthDNormalVelocity = (travel * 0.25 * dt) / s;
  w.widthDTemperature = tau / s;
  const z = -d / s;
  const ez = Math.exp(-Math.abs(z));
  const sig = z >= 0 ? 1 / (1 + ez) : ez / (1 + ez);
  const slope = sig * (1 - sig);
  w.value = sig;
  w.dDist = -slope / s;
  // ∂a/∂s = σ(1 − σ)·d/s²
  const ds = (slope * d) / (s * s);
  w.dNormalVelocity = ds * w.widthDNormalVelocity;
  w.dTemperature = ds * w.widthDTemperature;
  return w;
}
