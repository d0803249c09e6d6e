// Contact-onset scenes with closed-form onsets, shared by the sweep, probe and CLI tests.
//
// Ball drop: a ball of radius r released at rest at height h (centre) falls for N steps of
// dt. Semi-implicit Euler in free flight gives z_j = h − ½ g dt² j(j+1) after j steps, so
// the contact force of step j (computed from z_j) switches on at
//   h_j = r + ½ g dt² j(j+1),
// and the last one that reaches the final state is j = N−1: h_{N−1} = r + ½ g T² − ½ g T dt
// (T = N dt), the discrete version of the continuous-time onset h* = ½ g T² + r.
// The onset scenes set the dashpot override to 0 (a pure spring: the closed forms below are
// exact; the dashpot's own onset is covered by the contact-force tests). Penalty force at
// step N−1 just below h_{N−1}: f = k·κ·φ + a·m·g, φ = h_{N−1} − h (κ the step-exact spring
// factor, a the activation ramp that carries the weight, sim/contact/step-exact.ts), and
// it changes only the final velocity: v_N += f dt / m. So d v_N / d h jumps by −k·κ·dt/m
// at h_{N−1} (the spring's onset), from the weight ramp's −g·dt/(2h) above it.
//
// Glancing spheres: sphere a (radius ra) slides at speed v along +x, its centre offset by
// b (the impact parameter) along y from sphere b (radius rb) at rest, with no gravity. Its
// x offset from b after j steps is x_j = x₀ + j v dt, exactly 0 at step j₀ = −x₀/(v dt).
// The contact of step j switches on where the centre distance √(b² + x_j²) equals
// R = ra + rb, i.e. at b_j = √(R² − x_j²); the first, as b decreases, is b = R at step j₀.
// Just below it the only contact is at step j₀, with normal −y on b and no normal velocity
// (x_{j₀} = 0), so b's final y velocity is −k (R − b) dt / m_b: its derivative w.r.t. b
// jumps from k dt / m_b (below) to 0 (above).
import { DEFAULT_FRICTION_VELOCITY } from '../../sim/contact/params.ts';
import { parseScene, type Scene } from '../../sim/scene.ts';

/** Ball-drop constants (SI). */
export const DROP = {
  dt: 1e-3,
  steps: 300,
  g: 9.81,
  radius: 0.1,
  mass: 1,
  stiffness: 1e4,
  /** N·s/m: no dashpot (module comment) */
  damping: 0,
} as const;

/** h_j: the drop height at which step j's contact switches on (module comment). */
export function dropOnset(j: number, dt: number = DROP.dt): number {
  return DROP.radius + 0.5 * DROP.g * dt * dt * j * (j + 1);
}

/**
 * The step-exact spring factor of sim/contact/step-exact.ts for an undamped contact of
 * stiffness k and inverse effective mass W: κ = sinc²(ω·dt/2), ω² = k·W (the symplectic
 * step's frequency made the continuous one's).
 */
export function undampedKappa(k: number, w: number, dt: number): number {
  const half = 0.5 * Math.sqrt(k * w) * dt;
  return (Math.sin(half) / half) ** 2;
}

/** The jump of d v_z(T) / d h at h_{N−1}: k·κ·dt/m (module comment). */
export function dropVelocityJump(dt: number = DROP.dt): number {
  return (DROP.stiffness * undampedKappa(DROP.stiffness, 1 / DROP.mass, dt) * dt) / DROP.mass;
}

/**
 * The half-width h of the penalty activation's ramp at step N−1 (sim/contact/step-exact.ts):
 * h = ½√(τ² + (v·dt)²), v = g·dt·(N−1) the free-fall speed at that step's start.
 */
export function dropRampHalfWidth(temperature: number, dt: number = DROP.dt, steps: number = DROP.steps): number {
  const v = DROP.g * dt * (steps - 1);
  return 0.5 * Math.hypot(temperature, v * dt);
}

/**
 * d v_z(T) / d h just above h_{N−1} in penalty mode: the ground carries the pressing
 * gravity with the ramp's activation (h − d)/(2h) before touch, so v_N changes by
 * −g·dt/(2h) per metre of height (0 beyond d = h: free flight).
 */
export function dropWeightSlope(temperature: number, dt: number = DROP.dt, steps: number = DROP.steps): number {
  return -(DROP.g * dt) / (2 * dropRampHalfWidth(temperature, dt, steps));
}

/** The ball-drop scene from height `h`. */
export function dropScene(
  h: number,
  mode: 'penalty' | 'soft' | 'hard',
  opts: { temperature?: number; dt?: number; steps?: number } = {},
): Scene {
  return parseScene({
    dt: opts.dt ?? DROP.dt,
    steps: opts.steps ?? DROP.steps,
    gravity: [0, 0, -DROP.g],
    contact: { mode, stiffness: DROP.stiffness, damping: DROP.damping, temperature: opts.temperature ?? 1e-4 },
    bodies: [
      { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } },
      { name: 'ball', shape: { type: 'sphere', radius: DROP.radius }, mass: DROP.mass, position: [0, 0, h] },
    ],
  });
}

/** Glancing-spheres constants (SI). */
export const GLANCE = {
  dt: 1e-3,
  steps: 150,
  radius: 0.1,
  mass: 1,
  speed: 1,
  /** a's initial x offset: it passes x = 0 at step 100 */
  x0: -0.1,
  stiffness: 1e4,
  /** N·s/m: no dashpot (module comment) */
  damping: 0,
} as const;

/** R = ra + rb: the continuous-time glancing onset b = R. */
export const GLANCE_REACH = 2 * GLANCE.radius;

/** Step at which a passes b (x offset 0). */
export const GLANCE_PASS_STEP = Math.round(-GLANCE.x0 / (GLANCE.speed * GLANCE.dt));

/** b_j = √(R² − x_j²): the impact parameter at which step j's contact switches on. */
export function glanceOnset(j: number): number {
  const x = GLANCE.x0 + j * GLANCE.speed * GLANCE.dt;
  return Math.sqrt(GLANCE_REACH * GLANCE_REACH - x * x);
}

/** The glancing scene with impact parameter `b`. */
export function glanceScene(b: number, mode: 'penalty' | 'soft' | 'hard', opts: { temperature?: number } = {}): Scene {
  return parseScene({
    dt: GLANCE.dt,
    steps: GLANCE.steps,
    gravity: [0, 0, 0],
    contact: { mode, stiffness: GLANCE.stiffness, damping: GLANCE.damping, temperature: opts.temperature ?? 1e-4 },
    bodies: [
      {
        name: 'a',
        shape: { type: 'sphere', radius: GLANCE.radius },
        mass: GLANCE.mass,
        position: [GLANCE.x0, b, 0],
        linearVelocity: [GLANCE.speed, 0, 0],
      },
      { name: 'b', shape: { type: 'sphere', radius: GLANCE.radius }, mass: GLANCE.mass, position: [0, 0, 0] },
    ],
  });
}

/** The step a kink label names (`step 299: ground/ball onset` → 299), or NaN. */
export function kinkStep(label: string): number {
  const m = /^step (\d+):/.exec(label);
  return m === null ? NaN : Number(m[1]);
}

// ---- hard-mode onsets and box scenes (test/sim/continuity-regression.test.ts) ----------
//
// Hard ball drop (restitution e > 0, time-of-impact placement). The impulse of step j is
// decided from the free-flight prediction: the restitution switch fires when
// d_j + dt·u⁻_j < 0, with d_j = z_j − r, z_j = h − ½ g dt² j(j+1) and u⁻_j = −U_j,
// U_j = g dt (j+1), i.e. when the free-flight height after the step is below r. The last
// step that can bounce is j = N−1, so the hard onset is h_N = r + ½ g dt² N(N+1) =
// dropOnset(N): ½ g T dt above the continuous-time h* = r + ½ g T², the semi-implicit
// free flight's own offset. A bounce in step j meets the ground at s = d_j/(U_j dt) into
// it, at speed g dt j + s g dt; the bound (problem.ts) reverses that with e and lets the
// rest of the step's gravity act, v⁺ = e(g dt j + s g dt) − (1 − s) g dt, and placement
// moves the ball only after the impact: z_{j+1} = r + (1 − s) dt v⁺. Free flight follows
// for m = N − j − 1 steps: z_N = z_{j+1} + m dt v⁺ − ½ g dt² m(m+1). With ds/dh = 1/(U_j dt),
//   d z_N/d h = (−dt v⁺ + ((1 − s) dt + m dt)(1 + e) g dt) / (U_j dt),
// which is −e as s → 1 in the last step (m = 0), as in continuous time, where
// dz/dh = ((1 + e)τ − e t_c)/t_c → −e as the time after impact τ → 0. Above h_N the ball
// is in free flight: slope 1. So the gradient of z_N jumps by 1 + e at h_N. Where the
// bounce moves from step j to j+1 (h = dropOnset(j+1)) the value steps by O((1+e) g dt²)
// and the slope by (1 + e)(j + 1 − m)/((j + 1)(j + 2)) ≈ (1 + e)/N (s = 1 in step j against
// s = 0 in step j+1): the O(dt) trace of the continuous slope's variation, 0.5 % of the
// gradient at N = 300, e = 0.5.
//
// Hard glancing spheres (frictionless, e = 0): equal masses, relative position
// p = p_a − p_b = (x_j, b) with x_j = x₀ + j v dt, relative velocity (v, 0). The contact of
// step j is active when the linearized gap closes within the step,
//   s_j = D_j + dt·x_j v / D_j < R,   D_j = √(b² + x_j²),
// i.e. (b² + x_j(x_j + v dt)) / D_j < R. In free flight (no earlier contact) that is
// b < b_j with b_j² = (R² − 2q + R√(R² − 4q + 4x_j²)) / 2, q = x_j(x_j + v dt). To second
// order s_j ≈ b + (x_j²/2 + x_j v dt)/b, least at x = −v dt, which the grid x_j = −0.1 m +
// j mm hits at j = 99: the first onset as b decreases is b_99 = √((R² + R√(R² + 4v²dt²))/2)
// ≈ R + (v dt)²/(2R), 2.5 µm above R; b_98 and b_100 follow at ≈ R. Each active step sets the relative normal velocity so the
// gap closes exactly: with n ≈ y (|x_j|/R ≤ 1.5 %), a single contact after free flight
// leaves a relative y velocity (R − c_j − b)/dt (c_j = s_j − b: the x part), and b's final
// y velocity is minus half of it: slope +1/(2 dt) in b. A contact that follows an active
// step starts from the gap the previous one pinned at R, so its velocity and everything
// after no longer depend on b: slope 0. Inside the contact region the slope is therefore a
// staircase of 0 and 1/(2 dt), changing by ±1/(2 dt) = ±m_eff/(m_b dt) (m_eff = m/2)
// whenever the set of active steps changes — the discrete scheme's resolution of the
// continuous-time slope, which is unbounded (∝ 1/√(R − b)) just inside the onset. Above
// b_99 nothing touches: value and slope 0.

/** Restitution of the hard ball drop: large enough to bounce, away from 0 and 1. */
export const HARD_DROP_RESTITUTION = 0.5;

/** h_N: the drop height at which the hard scheme's last bounce (step N−1) switches on (comment above). */
export function hardDropOnset(steps: number = DROP.steps, dt: number = DROP.dt): number {
  return dropOnset(steps, dt);
}

/**
 * z_N and d z_N/d h of the hard ball drop from height `h` in closed form (comment above):
 * the first step whose free-flight prediction goes below r bounces, free flight after it.
 * Valid while the rebound does not come back down before T (bounces in the last few dozen
 * steps).
 */
export function hardDropFinal(h: number, e: number = HARD_DROP_RESTITUTION): { value: number; slope: number } {
  const { g, dt, radius: r, steps: N } = DROP;
  for (let j = 0; j < N; j++) {
    const d = h - 0.5 * g * dt * dt * j * (j + 1) - r;
    const U = g * dt * (j + 1);
    if (!(d - dt * U < 0)) continue;
    const s = d / (U * dt);
    const vPlus = e * (g * dt * j + s * g * dt) - (1 - s) * g * dt;
    const m = N - j - 1;
    const value = r + (1 - s) * dt * vPlus + m * dt * vPlus - 0.5 * g * dt * dt * m * (m + 1);
    const slope = (-dt * vPlus + ((1 - s) * dt + m * dt) * (1 + e) * g * dt) / (U * dt);
    return { value, slope };
  }
  return { value: h - 0.5 * g * dt * dt * N * (N + 1), slope: 1 };
}

/** The ball drop from height `h` in hard mode with restitution `e` (time-of-impact placement on, the default). */
export function bouncingDropScene(h: number, e: number = HARD_DROP_RESTITUTION): Scene {
  const scene = dropScene(h, 'hard');
  return parseScene({ ...scene, contact: { ...scene.contact, restitution: e } });
}

/** Relative x offset of the glancing spheres after j steps (free flight). */
export function glanceOffset(j: number): number {
  return GLANCE.x0 + j * GLANCE.speed * GLANCE.dt;
}

/**
 * b_j: the impact parameter below which the hard contact of step j switches on in free
 * flight (comment above): b² = (R² − 2q + R√(R² − 4q + 4x²)) / 2, q = x(x + v dt).
 */
export function hardGlanceOnset(j: number): number {
  const R = GLANCE_REACH;
  const x = glanceOffset(j);
  const q = x * (x + GLANCE.speed * GLANCE.dt);
  return Math.sqrt((R * R - 2 * q + R * Math.sqrt(R * R - 4 * q + 4 * x * x)) / 2);
}

/** The hard step of the grazing staircase: 1/(2 dt) = m_eff/(m_b dt) for equal masses (comment above). */
export const HARD_GLANCE_SLOPE = GLANCE.mass / 2 / (GLANCE.mass * GLANCE.dt);

/** The glancing scene with impact parameter `b`, frictionless and inelastic (any mode). */
export function frictionlessGlanceScene(
  b: number,
  mode: 'penalty' | 'soft' | 'hard',
  opts: { temperature?: number } = {},
): Scene {
  const scene = glanceScene(b, mode, opts);
  return parseScene({ ...scene, contact: { ...scene.contact, friction: 0, restitution: 0 } });
}

// Box scenes: a box sliding along +x on the ground (flat floor, z up), friction μ, no
// restitution. In soft and penalty mode the contact is the default spring k = 1e4 N/m per
// corner with the dashpot of restitution 0 (derived per contact), so the box does not
// bounce (a bouncing box modulates its friction and rocks); it also starts at the resting
// sink φ = m g/(4k) of each corner (the soft penetration φ = τ·softplus(−d/τ) solved for d;
// the softplus clamp of the force adds ≲ 1 %, settled by the damping). In hard mode it
// starts touching (d = 0).

/** Spring of the box scenes in the force modes (comment above). */
export const BOX_CONTACT = { stiffness: 1e4 } as const;

/** The soft signed distance d < 0 at which one of four corners carries a quarter of `mass`·g. */
export function softRestingGap(temperature: number, mass: number, g: number = DROP.g): number {
  const phi = (mass * g) / (4 * BOX_CONTACT.stiffness);
  return -temperature * Math.log(Math.expm1(phi / temperature));
}

/** A box of half extents `half` sliding at `speed` along +x on the ground, in `mode`. */
function slidingBoxScene(
  half: [number, number, number],
  speed: number,
  friction: number,
  steps: number,
  mode: 'penalty' | 'soft' | 'hard',
  temperature: number,
): Scene {
  const sink = mode === 'hard' ? 0 : softRestingGap(temperature, 1);
  return parseScene({
    dt: DROP.dt,
    steps,
    gravity: [0, 0, -DROP.g],
    contact: { mode, friction, restitution: 0, temperature, ...BOX_CONTACT },
    bodies: [
      { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } },
      {
        name: 'box',
        shape: { type: 'box', halfExtents: half },
        mass: 1,
        position: [0, 0, half[2] + sink],
        linearVelocity: [speed, 0, 0],
      },
    ],
  });
}

// Slide to stick. A box sliding at v on four corners loses μ g dt of speed per step (hard
// mode: the Coulomb disk of every corner slides, Σλ_n = m g dt), so v_N = v − μ g N dt while
// it slides and 0 once stopped: d v_N / d v jumps from 0 to 1 at v* = μ g T, T = N dt, the
// same as in continuous time (v_N = max(v − μ g T, 0)). The box is flat (h_z = 2 cm) so the
// friction torque rocks it little: in soft mode its corners then slip at the body's speed.

/** Slide-to-stick constants (SI). */
export const SLIDE = {
  steps: 200,
  friction: 0.5,
  halfExtents: [0.1, 0.1, 0.02] as [number, number, number],
} as const;

/** v* = μ g T: the initial speed that stops exactly at the end (comment above). */
export const SLIDE_STOP_SPEED = SLIDE.friction * DROP.g * SLIDE.steps * DROP.dt;

/** The sliding box with initial speed `v`. */
export function slideScene(
  v: number,
  mode: 'penalty' | 'soft' | 'hard',
  opts: { temperature?: number; frictionVelocity?: number } = {},
): Scene {
  const scene = slidingBoxScene([...SLIDE.halfExtents], v, SLIDE.friction, SLIDE.steps, mode, opts.temperature ?? 1e-4);
  if (opts.frictionVelocity !== undefined) scene.contact.frictionVelocity = opts.frictionVelocity;
  return scene;
}

/**
 * Soft friction near the stop, as a 1-D map: each step, every corner's friction
 * λ·v·φ₁(dt·λ·W_t) with λ = μ (m g/4)/√(v² + ε²) (friction.ts's soft law, integrated over
 * the step as wrenches.ts does), W_t = N·u_t the corner's inverse mass across the normal
 * (u_t = 1/m + ½(|r|²·tr I⁻¹ − rᵀI⁻¹r − |r × n|²_{I⁻¹}), shared by N = 1 + 3a corners
 * of activation a = 1 − e^{−φ/τ} at the soft sink), iterated N times from `v0`. Returns
 * v_N and d v_N / d v0 (the product of the map's slopes, by central differences of one
 * step: the map is smooth).
 */
export function softStopMap(
  v0: number,
  steps: number = SLIDE.steps,
  eps: number = DEFAULT_FRICTION_VELOCITY,
  temperature = 1e-4,
): { value: number; slope: number } {
  const [a, , c] = SLIDE.halfExtents;
  const m = 1;
  // principal inverse moments of the box and one corner's lever r = (a, a, −c)
  const ix = 3 / (m * (a * a + c * c)),
    iz = 3 / (m * 2 * a * a);
  const r2 = 2 * a * a + c * c;
  const ut = 1 / m + 0.5 * (r2 * (2 * ix + iz) - (ix * 2 * a * a + iz * c * c) - ix * 2 * a * a);
  const activation = -Math.expm1(-(m * DROP.g) / (4 * BOX_CONTACT.stiffness) / temperature);
  const wt = (1 + 3 * activation) * ut;
  const dt = DROP.dt;
  const phi1 = (y: number): number => (y < 1e-8 ? 1 - y / 2 : -Math.expm1(-y) / y);
  const stepOf = (v: number): number => {
    const lambda = (SLIDE.friction * ((m * DROP.g) / 4)) / Math.sqrt(v * v + eps * eps);
    return v - (4 * dt * lambda * v * phi1(dt * lambda * wt)) / m;
  };
  let v = v0;
  let slope = 1;
  const h = 1e-7;
  for (let j = 0; j < steps; j++) {
    slope *= (stepOf(v + h) - stepOf(v - h)) / (2 * h);
    v = stepOf(v);
  }
  return { value: v, slope };
}

// Tipping over the front edge. A box of half extents (a, a, b) slides at v along +x with
// friction μ: the friction μλ at the bottom (a height b below the centre) turns it forward
// (about +y), the normal impulses hold it. Its moment about the centre vanishes with the
// rear corners unloaded when μ b = a (front normal λ_f, rear λ_r: λ_f(μb − a) + λ_r(μb + a)
// = 0), so the rear lifts off iff μ > μ* = a/b — in each hard step as in continuous time.
// Above μ*, pivoting on the sliding front edge with λ ≈ m g dt per step, the pitch θ obeys
// (to first order in δ = μ − μ*, θ = O(δ))
//   ω_{j+1} = ω_j + dt (m g / I)(b δ + (μ* a + b) θ_j),  θ_{j+1} = θ_j + dt ω_{j+1},
// I = m(a² + b²)/3 the pitch inertia about the centre: θ'' = c δ + k θ with c = m g b/I,
// k = 3 g / b, in semi-implicit Euler. From rest, θ_j + cδ/k = (cδ/k)(cosh jμ_d +
// tanh(μ_d/2) sinh jμ_d) with cosh μ_d = 1 + k dt²/2, so
//   d θ_N / d μ (μ*⁺) = (b² / (a² + b²)) (cosh Nμ_d + tanh(μ_d/2) sinh Nμ_d − 1),
// and the final orientation's y component sin(θ/2) has half that slope; below μ* the box
// slides flat and both are 0.

/** Tipping constants (SI): a tall box, μ* = a/b = 0.5. */
export const TIP = {
  steps: 200,
  speed: 2,
  /** half extents (a, a, b) */
  halfExtents: [0.05, 0.05, 0.1] as [number, number, number],
} as const;

/** μ* = a / b: the friction above which the sliding box lifts its rear edge (comment above). */
export const TIP_FRICTION = TIP.halfExtents[0] / TIP.halfExtents[2];

/** d(orientation.y at T)/dμ just above μ*, from the linearized discrete pivot (comment above). */
export function tipSlope(steps: number = TIP.steps, dt: number = DROP.dt): number {
  const [a, , b] = TIP.halfExtents;
  const k = (3 * DROP.g) / b;
  const mu = Math.acosh(1 + (k * dt * dt) / 2);
  const theta = ((b * b) / (a * a + b * b)) * (Math.cosh(steps * mu) + Math.tanh(mu / 2) * Math.sinh(steps * mu) - 1);
  return theta / 2;
}

/**
 * The speed at which the rear corners lift after the first hard step, per unit δ = μ − μ*:
 * 2a·ω₁ with ω₁ = (m g dt b / I) δ (comment above), m/s. The solve resolves contact
 * velocities to its tolerance, so which side of μ* a point falls on is decided only beyond
 * |δ| = tolerance / this.
 */
export function tipLiftSpeedPerFriction(dt: number = DROP.dt): number {
  const [a, , b] = TIP.halfExtents;
  const inertia = (a * a + b * b) / 3;
  return 2 * a * ((DROP.g * dt * b) / inertia);
}

/** The sliding tall box with friction `mu`. */
export function tipScene(mu: number, mode: 'penalty' | 'soft' | 'hard', opts: { temperature?: number } = {}): Scene {
  return slidingBoxScene([...TIP.halfExtents], TIP.speed, mu, TIP.steps, mode, opts.temperature ?? 1e-4);
}
