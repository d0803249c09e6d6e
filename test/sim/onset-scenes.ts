// Contact-onset scenes with closed-form onsets, shared by the sweep, probe and CLI tests.
//
// Ball drop: a ball of radius r released at rest at height h (centre) falls for N steps of
// dt. Semi-implicit Euler in free flight gives z_j = h − ½ g dt² j(j+1) after j steps, so
// the contact force of step j (computed from z_j) switches on at
//   h_j = r + ½ g dt² j(j+1),
// and the last one that reaches the final state is j = N−1: h_{N−1} = r + ½ g T² − ½ g T dt
// (T = N dt), the discrete version of the continuous-time onset h* = ½ g T² + r.
// Penalty force at step N−1 just below it: f = φ·(k + c·φ̇), φ = h_{N−1} − h, φ̇ = |v_{N−1}|
// = g dt (N−1), and it changes only the final velocity: v_N += f dt / m. So
// d v_N / d h jumps from −(k + c g dt (N−1))·dt/m (below) to 0 (above).
//
// Glancing spheres: sphere a (radius ra) slides at speed v along +x, its centre offset by
// b (the impact parameter) along y from sphere b (radius rb) at rest, with no gravity. Its
// x offset from b after j steps is x_j = x₀ + j v dt, exactly 0 at step j₀ = −x₀/(v dt).
// The contact of step j switches on where the centre distance √(b² + x_j²) equals
// R = ra + rb, i.e. at b_j = √(R² − x_j²); the first, as b decreases, is b = R at step j₀.
// Just below it the only contact is at step j₀, with normal −y on b and no normal velocity
// (x_{j₀} = 0), so b's final y velocity is −k (R − b) dt / m_b: its derivative w.r.t. b
// jumps from k dt / m_b (below) to 0 (above).
import { parseScene, type Scene } from '../../sim/scene.ts';

/** Ball-drop constants (SI). */
export const DROP = {
  dt: 1e-3,
  steps: 300,
  g: 9.81,
  radius: 0.1,
  mass: 1,
  stiffness: 1e4,
  damping: 10,
} as const;

/** h_j: the drop height at which step j's contact switches on (module comment). */
export function dropOnset(j: number, dt: number = DROP.dt): number {
  return DROP.radius + 0.5 * DROP.g * dt * dt * j * (j + 1);
}

/** The jump of d v_z(T) / d h at h_{N−1}: (k + c·|v_{N−1}|)·dt/m (module comment). */
export function dropVelocityJump(dt: number = DROP.dt, steps: number = DROP.steps): number {
  return ((DROP.stiffness + DROP.damping * DROP.g * dt * (steps - 1)) * dt) / DROP.mass;
}

/** The ball-drop scene from height `h`. */
export function dropScene(h: number, mode: 'penalty' | 'soft' | 'hard', opts: { temperature?: number; dt?: number; steps?: number } = {}): Scene {
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
  damping: 10,
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
