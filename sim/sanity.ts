/**
 * The physical sanity monitor: a check every rollout runs after every step (simulate, the
 * penalty/soft and hard rollouts, hence grad, sweep and optimize), separate from the
 * physics it watches. A run that blows up to finite but absurd values (a box at 11 km/s,
 * a ball 7e28 m up) is as wrong as one that reaches NaN, so both end in a
 * {@link DivergenceError} naming the step, the body and the quantity.
 *
 * The law checked is the energy balance of the scene. With E = Σ ½m|v|² + ½ωᵀIω − m g·p
 * (kinetic plus gravitational energy of the dynamic bodies, J), every contact model of the
 * simulator is passive — hard impulses with restitution ≤ 1, Hunt–Crossley springs with
 * damping, soft springs with damping — so the only sources of energy are
 *
 *   - the work of the applied controls, W(t) = Σ_steps Σ_b (F_b·v_b + τ_b·ω_b)·dt, J;
 *   - the energy of initially overlapping bodies, U₀, J: in the force modes what their
 *     springs store (penalty ½·k·max(0, −d)², soft its softplus spring's integral, bounded
 *     in closed form); in hard mode the lift the position pass can give when it pushes them
 *     apart, Σ_contacts max(0, −d)·|g|·(m_A + m_B).
 *
 * So E(t) − E(0) − W(t) − U₀ ≤ 0 in the exact dynamics. The discrete step is allowed an
 * error of `energyGrowth` × E_scale, where the scene's energy scale (J) is
 *
 *   E_scale = E_kin(0) + Σ_b m_b·|g|·L + U₀ + Σ|ΔW|,
 *
 * L (m) being the scene's length scale: the diagonal of the box holding the dynamic
 * bodies' initial centres plus the largest body's diameter. With the default growth 1, a
 * run is declared diverged once it has gained as much energy as it takes to lift every
 * body by the scene's own size: no passive contact does that, every blow-up of the
 * reliability issue does it within a few steps of starting, and a stable run with the
 * shipped scenes stays orders of magnitude below (sanity.test.ts).
 *
 * A body gaining energy while another loses the same amount passes the check (that is
 * momentum exchange); a body so light that its blow-up does not move the total (1e-30 kg
 * next to 1 kg: at 7e28 m up it holds 0.7 J) is caught by the second law checked, on
 * speeds and distances, which does not weigh the bodies:
 *
 *   s_b(t) = √(|v_b|² + (|ω_b|·r_b)²) ≤ F·V + |g|·t            (m/s)
 *   |p_b(t) − p_b(0)| ≤ F·(L + V·t) + ½|g|·t·(t + dt)           (m)
 *
 * (a fall by the semi-implicit step covers Σₖ k·|g|·dt² = ½|g|·t·(t + dt) in t = n·dt,
 * more than ½|g|·t² by a step's worth: a body far smaller than its first step's fall
 * would otherwise trip the bound on step 1), with r_b the body's bounding radius (m), F = `speedFactor` (dimensionless, default 100)
 * and the scene's speed scale V (m/s) = V₀ + √(2|g|L) + V_U + V_W: the fastest initial
 * speed s_b(0), the speed of a fall through the scene's own size, the speed the initial
 * overlaps can give the lighter body of each overlapping pair, √(2·U_c/m), and the speed
 * the controls' work so far can give the body it is done on, √(2·Σ|ΔW_b|/m_b). A fall
 * adds |g|·t exactly; contacts are passive, so a body can only be faster than V by
 * collisions with faster ones (a light ball struck by a heavy one leaves at up to
 * (1 + e) times the striker's speed): F = 100 leaves room for chains of such collisions,
 * and the shipped scenes stay below 0.1 of both bounds (sanity.test.ts). The light-body
 * escape breaks them on the step its contact launches it. A light body that starts
 * overlapping, or carries a control, has a large V and is watched loosely.
 *
 * The third law is geometric: no contact sinks deeper than a bound. Two bodies pressed
 * into each other by as much as the sum of their half-thicknesses have their centres level
 * along the contact normal: past that point the contact pushes one on through the other
 * (a 1e6 kg ball sinking through a 1e-6 kg one in hard mode loses energy: the impulse solve
 * cannot hold a mass ratio of 1e12, and the energy balance sees nothing). With h_b (m) the
 * half-thickness of body b — the radius of the largest ball about its centre inside its
 * shape: a sphere's or capsule's radius, a box's smallest half-extent, min(radius,
 * halfLength) of a cylinder, ∞ for a plane — and o_b (m) the summed depth of b's contacts
 * in the initial pose, each contact c between A and B must keep
 *
 *   −dist_c ≤ P·(h_A + h_B) + max(o_A, o_B) + (s_A + s_B)·dt               (m)
 *
 * and in hard mode against a plane (a half-space, whose centre no body reaches) P·2h_b in
 * place of P·(h_A + h_B): at P = ½ the body's centre reaches the surface, at 1 it is wholly
 * inside (issue 13: with the hard solve's contacts in pair order a 1e-6 kg ball under a
 * 1e6 kg one is pressed wholly into the ground, 0.2 m, where the bound's ∞ let it pass as
 * exit 0; no spring lets a hard contact sink: that depth is the solver failing). In the
 * force modes a plane stays ∞: how deep a body sits in the ground is the spring's law and
 * the energy balance's business,
 *
 * with P = `penetrationFactor` (dimensionless, default ½: halfway to the point where the
 * centres cross). The bound is relative to the initial overlap: bodies that start inside
 * each other are pushed apart by up to the sum of their overlaps (the hard position pass
 * moves a body by at most that; the springs of the force modes throw it as far), possibly
 * into a third body (50 balls started at one point: one goes 0.59 m into the ground on
 * the first step, then out), so a body that starts overlapping is watched loosely, as by
 * the kinematic bounds. The last term is one step's travel of the pair at the speeds s
 * (m/s, as above) that carried them into the pose: a body may end a step that deep before
 * the next step's contact pushes it out, while sinking further is no artefact of the step.
 * The bound is not weighed: the force modes' weight feed-forward (contact/wrenches.ts)
 * holds a body resting on a contact at any mass (a 1e4 kg ball on k = 1e6 N/m rests
 * 0.5 mm deep, not m·|g|/k = 0.1 m), a load W pressing from above sinks it W/k (m) and an
 * impact at speed v by v·√(m/k) (m), so a contact too soft for its impacts, k ≲
 * m·v²/(P·(h_A + h_B))², breaks it (a 1 kg ball dropped 0.9 m onto a 0.2 m thick floor
 * through an undamped k = 100 N/m sinks 0.42 m, through the floor); the shipped scenes stay
 * below 0.2 of it in every mode (sanity-kinematic.test.ts: 0.084 at most, billiards in
 * penalty mode). The depths are the ones the step's own collision pass computed at its
 * start, at the pose after step − 1 steps, and are named as such (a penetration is seen
 * one step after the pose that has it; a run's last pose is not checked for it: its
 * contacts are never computed).
 *
 * The cost is one pass over the dynamic bodies per step that gathers the first two laws'
 * figures (about 30 flops a body; 3 more multiplies and the frame rotation's 30 for a body
 * whose principal moments differ), no division, no allocation, and one load and compare per
 * contact for the third (a contact's two bodies are looked up only when it is deeper than
 * the deepest ratio seen so far allows; 0.7 µs for the 400 contacts of the 100-box pile):
 * about 0.5 % of a plain step of that pile (bench `forward.boxes100.sanityOverhead`). Every step is checked, so a divergence is
 * named at the step it happens.
 */
import { collide, createContacts, type Contacts } from './collision/index.ts';
import type { CollisionInput } from './collision/types.ts';
import { DivergenceError } from './errors.ts';
import type { ContactMode } from './model.ts';
import { GEOM_SIZE_WIDTH, ShapeType, shapeRow } from './shapes.ts';

/** The monitor's settings (scene field `sanity`, CLI `--energy-growth`, `--speed-factor`, `--penetration-factor`). */
export interface SanitySettings {
  /**
   * dimensionless: the energy a run may gain beyond what its controls and initial overlaps
   * supply, as a multiple of the scene's energy scale E_scale (see the file header)
   */
  readonly energyGrowth: number;
  /**
   * dimensionless: how many times the scene's speed scale V a body may move (and how many
   * scene lengths plus V·t it may travel) beyond what gravity gives it (see the file header)
   */
  readonly speedFactor: number;
  /**
   * dimensionless: how deep a contact may sink beyond its bodies' initial overlap and a
   * step's travel, in multiples of the sum of their half-thicknesses (m; see the file header)
   */
  readonly penetrationFactor: number;
}

/**
 * Default {@link SanitySettings}: a run may gain one E_scale of energy from nowhere, a body
 * may reach 100 times the scene's speed scale, and a contact may sink half the sum of its
 * bodies' half-thicknesses deeper than they started.
 */
export const DEFAULT_SANITY: SanitySettings = Object.freeze({
  energyGrowth: 1,
  speedFactor: 100,
  penetrationFactor: 0.5,
});

/**
 * Relative round-off allowed on the gravitational energy −m g·p of bodies far from the
 * origin (its absolute size is arbitrary: it depends on where z = 0 is). 1e-9 is ~10⁷
 * double-precision ulps, more than a million steps of round-off.
 */
const ROUNDOFF = 1e-9;

/** What the monitor reads of a model: a `Model`, or a rollout's model with its parameters from x. */
export interface SanityInput extends CollisionInput {
  readonly bodyName: readonly string[];
  /** (nbody) 1/kg, 0 for static bodies */
  readonly bodyInvMass: Float64Array;
  /** (nbody×3) principal 1/(kg·m²), body frame, 0 for static bodies */
  readonly bodyInvInertia: Float64Array;
  /** (3) m/s² */
  readonly gravity: Float64Array;
  /** s */
  readonly dt: number;
  readonly contact: {
    readonly mode: ContactMode;
    readonly stiffness: number;
    readonly temperature: number;
    readonly margin: number;
  };
  /** absent: {@link DEFAULT_SANITY} */
  readonly sanity?: SanitySettings;
}

/**
 * Watches one rollout: build it on the initial state, call {@link addControlWork} with
 * each step's controls (if any) and {@link check} after each step.
 *
 * @example
 * const monitor = new SanityMonitor(model, state.bodyQ, state.bodyQd);
 * for (let t = 0; t < steps; t++) {
 *   step(model, data, state, null, state);
 *   monitor.check(state.bodyQ, state.bodyQd, t + 1); // throws DivergenceError
 * }
 */
export class SanityMonitor {
  private readonly input: SanityInput;
  private readonly nbody: number;
  /** (nbody) kg, 0 for static */
  private readonly mass: Float64Array;
  /** the dynamic bodies' indices: the bodies the hot loop visits */
  private readonly dynamic: Int32Array;
  /** (nbody×3) principal inertia, kg·m² (1/invI; 0 where invI is 0) */
  private readonly inertia: Float64Array;
  /** (nbody) 1 where the three principal moments are equal (ωᵀIω = I|ω|² in any frame) */
  private readonly isotropic: Uint8Array;
  /** what the last {@link scan} found: E (J), the largest s_b² ((m/s)²) and |p_b − p_b(0)|² (m²) */
  private readonly scanned = { energy: 0, fastest2: 0, farthest2: 0 };
  /** (nbody) each body's energy at t = 0, J */
  private readonly bodyEnergy0: Float64Array;
  /** E(0), J */
  private readonly energy0: number;
  /** U₀, J */
  readonly contactEnergy0: number;
  /** E_scale without the control work, J */
  private readonly baseScale: number;
  /** L, m */
  readonly lengthScale: number;
  private readonly growth: number;
  /** F of the kinematic bounds */
  private readonly speedFactor: number;
  /** (nbody) bounding radius r_b, m */
  private readonly radius: Float64Array;
  /** (nbody×3) initial centres, m */
  private readonly position0: Float64Array;
  /** |g|, m/s² */
  private readonly gravityNorm: number;
  /** V₀ + √(2|g|L) + V_U, m/s (the speed scale without the controls' share) */
  private readonly baseSpeed: number;
  /** (nbody) Σ|ΔW_b|, the absolute work of the controls on each body, J */
  private readonly bodyWork: Float64Array;
  /** V_W², (m/s)² */
  private controlSpeed2 = 0;
  /** P of the penetration bound */
  private readonly penetrationFactor: number;
  /** (nbody) h_b, the half-thickness, m (∞ for a plane) */
  private readonly thickness: Float64Array;
  /** (nbody) o_b, the summed depth of body b's contacts in the initial pose, m */
  private readonly overlap0: Float64Array;
  /**
   * (nbody) s_b² of the state the last {@link scan} read, (m/s)² (0 for static bodies): when
   * the penetration check runs, the speed that carried each body into the pose its contacts
   * describe (the semi-implicit step moves positions by the new velocity)
   */
  private readonly lastSpeed2: Float64Array;
  /** (nbody) a_b = P·h_b, m (∞ for a plane): a contact may sink a_A + a_B (2a_b against a plane) + max(o_A, o_B) + (s_A + s_B)·dt */
  private readonly allowance: Float64Array;
  /** twice the smallest a_b, m: no contact shallower than peak × this can raise the peak */
  private readonly minAllowance: number;
  /**
   * the deepest contact over its bound seen so far, −dist / min(a_A, a_B) (the geometric
   * counterpart of {@link peak}; a run breaks the bound past 1)
   */
  penetrationPeak = 0;
  /**
   * the largest speed or distance of a body over its bound seen so far (the kinematic
   * counterpart of {@link peak}; a run breaks the bound past 1)
   */
  kinematicPeak = 0;
  /** W(t), J */
  private work = 0;
  /** Σ|ΔW|, J */
  private absWork = 0;
  /**
   * the largest (energy gained) / (energy allowed) seen so far, after U₀ and the control
   * work: how close the run came to the bound (≤ 0: it never held more energy than it was given)
   */
  peak = -Infinity;

  constructor(
    input: SanityInput,
    q0: Float64Array,
    qd0: Float64Array,
    settings: SanitySettings = input.sanity ?? DEFAULT_SANITY,
  ) {
    this.input = input;
    const n = (this.nbody = input.nbody);
    this.growth = settings.energyGrowth;
    this.mass = new Float64Array(n);
    for (let b = 0; b < n; b++) this.mass[b] = input.bodyInvMass[b] > 0 ? 1 / input.bodyInvMass[b] : 0;
    this.dynamic = Int32Array.from({ length: n }, (_, b) => b).filter((b) => this.mass[b] > 0);
    const ii = input.bodyInvInertia;
    this.inertia = ii.map((i) => (i > 0 ? 1 / i : 0));
    this.isotropic = Uint8Array.from({ length: n }, (_, b) =>
      Number(ii[3 * b] === ii[3 * b + 1] && ii[3 * b] === ii[3 * b + 2]),
    );
    this.radius = new Float64Array(n);
    this.lastSpeed2 = new Float64Array(n);
    this.position0 = new Float64Array(3 * n);
    for (let b = 0; b < n; b++) {
      this.radius[b] = boundingRadius(input, b);
      for (let k = 0; k < 3; k++) this.position0[3 * b + k] = q0[7 * b + k];
    }
    // a state that is not finite to begin with, or whose energy overflows, cannot be watched
    this.checkFinite(q0, qd0, 0);
    this.bodyEnergy0 = new Float64Array(n);
    let kinetic = 0;
    let gravityScale = 0;
    let potential = 0;
    const L = (this.lengthScale = lengthScale(input, q0));
    const g = Math.hypot(input.gravity[0], input.gravity[1], input.gravity[2]);
    for (let b = 0; b < n; b++) {
      if (this.mass[b] === 0) continue;
      const pe = this.potentialOf(b, q0);
      this.bodyEnergy0[b] = this.kineticOf(b, q0, qd0) + pe;
      kinetic += this.kineticOf(b, q0, qd0);
      potential += Math.abs(pe);
      gravityScale += this.mass[b] * g * L;
    }
    this.energy0 = this.energy(q0, qd0);
    if (!Number.isFinite(this.energy0)) {
      const b = this.worstBody(q0, qd0);
      throw new DivergenceError(0, input.bodyName[b], 'energy', {
        reason: `the initial energy of body '${input.bodyName[b]}' overflows (${speedOf(qd0, b).toExponential(2)} m/s)`,
        hint: 'the scene starts outside the range of double precision: give speeds and positions of physical size',
      });
    }
    this.overlap0 = new Float64Array(n);
    const overlap = initialContactEnergy(input, this.mass, q0, this.overlap0);
    this.contactEnergy0 = overlap.energy;
    this.baseScale = kinetic + gravityScale + this.contactEnergy0 + ROUNDOFF * potential;

    this.speedFactor = settings.speedFactor ?? DEFAULT_SANITY.speedFactor;
    this.gravityNorm = g;
    this.bodyWork = new Float64Array(n);
    let fastest = 0;
    for (let b = 0; b < n; b++) if (this.mass[b] > 0) fastest = Math.max(fastest, Math.sqrt(this.speed2(b, qd0)));
    this.baseSpeed = fastest + Math.sqrt(2 * g * L) + overlap.speed;

    this.penetrationFactor = settings.penetrationFactor ?? DEFAULT_SANITY.penetrationFactor;
    this.thickness = new Float64Array(n);
    this.allowance = new Float64Array(n);
    let least = Infinity;
    for (let b = 0; b < n; b++) {
      this.thickness[b] = halfThickness(input, b);
      this.allowance[b] = this.penetrationFactor * this.thickness[b];
      if (this.allowance[b] < least) least = this.allowance[b];
    }
    // only planes: no contact can happen, and peak × ∞ would be NaN
    this.minAllowance = least < Infinity ? 2 * least : 0;
  }

  /**
   * Add the work of one step's controls, J: Σ_b (F·v + τ·ω)·dt with the velocities after
   * the step. `controls` holds 6 values (force then torque, world, N and N·m) per entry
   * from `offset`: entry j belongs to body `bodies[j]`, or to body j when `bodies` is null.
   */
  addControlWork(qd: Float64Array, controls: Float64Array, offset: number, bodies: readonly number[] | null): void {
    const count = bodies === null ? this.nbody : bodies.length;
    let power = 0;
    for (let j = 0; j < count; j++) {
      const b = bodies === null ? j : bodies[j];
      const c = offset + 6 * j;
      const v = 6 * b;
      const p =
        controls[c] * qd[v] +
        controls[c + 1] * qd[v + 1] +
        controls[c + 2] * qd[v + 2] +
        controls[c + 3] * qd[v + 3] +
        controls[c + 4] * qd[v + 4] +
        controls[c + 5] * qd[v + 5];
      power += p;
      if (this.mass[b] === 0) continue;
      // V_W: the speed this body's share of the work could give it
      this.bodyWork[b] += Math.abs(p) * this.input.dt;
      const v2 = (2 * this.bodyWork[b]) / this.mass[b];
      if (v2 > this.controlSpeed2) this.controlSpeed2 = v2;
    }
    const dW = power * this.input.dt;
    this.work += dW;
    this.absWork += Math.abs(dW);
  }

  /**
   * Throw a {@link DivergenceError} if the state after `step` steps is not finite or has
   * gained more energy than the scene can supply, or a body breaks the kinematic bounds.
   * One pass over the dynamic bodies gathers both laws' figures ({@link scan}); the body to
   * blame is looked for only when a bound is broken. Allocates nothing when it passes.
   */
  check(q: Float64Array, qd: Float64Array, step: number, contacts: Contacts | null = null): void {
    // the contacts describe the pose before this step: checked first, as the older fact (and
    // before the scan overwrites the speeds that brought the bodies there)
    if (contacts !== null) this.checkPenetration(contacts, step > 0 ? step - 1 : 0);
    this.scan(q, qd);
    const gained = this.scanned.energy - this.energy0 - this.work - this.contactEnergy0;
    const allowed = this.growth * (this.baseScale + this.absWork);
    if (gained <= allowed) {
      if (gained > this.peak * allowed) this.peak = gained / allowed;
      this.checkKinematics(q, qd, step);
      return;
    }
    // NaN lands here too: name the non-finite field first
    this.checkFinite(q, qd, step);
    this.energyError(q, qd, step, gained, allowed);
  }

  /**
   * The monitor's hot loop: E (as {@link energy}), the largest s_b² and the largest
   * |p_b − p_b(0)|² over the dynamic bodies, into {@link scanned}. The bounds are the same
   * for every body, so the largest of each is all the check needs.
   */
  private scan(q: Float64Array, qd: Float64Array): void {
    const { dynamic, mass, inertia, isotropic, radius, position0: p0, lastSpeed2 } = this;
    const g = this.input.gravity;
    const gx = g[0],
      gy = g[1],
      gz = g[2];
    let e = 0;
    let fastest2 = 0;
    let farthest2 = 0;
    for (let i = 0; i < dynamic.length; i++) {
      const b = dynamic[i];
      const m = mass[b];
      const o = 7 * b,
        v = 6 * b,
        p = 3 * b;
      const vx = qd[v],
        vy = qd[v + 1],
        vz = qd[v + 2];
      const wx = qd[v + 3],
        wy = qd[v + 4],
        wz = qd[v + 5];
      const v2 = vx * vx + vy * vy + vz * vz;
      const w2 = wx * wx + wy * wy + wz * wz;
      const x = q[o],
        y = q[o + 1],
        z = q[o + 2];
      const qw = q[o + 3],
        qx = q[o + 4],
        qy = q[o + 5],
        qz = q[o + 6];
      let rot: number;
      if (isotropic[b] === 1) {
        // ωᵀIω = I|ω|² in any frame; 0·(quaternion) keeps a non-finite orientation visible (0·∞ and 0·NaN are NaN)
        rot = inertia[p] * w2 + 0 * (qw + qx + qy + qz);
      } else {
        rot = rotationalTwice(inertia, p, qw, qx, qy, qz, wx, wy, wz);
      }
      e += 0.5 * (m * v2 + rot) - m * (gx * x + gy * y + gz * z);
      const r = radius[b];
      const s2 = v2 + r * r * w2;
      lastSpeed2[b] = s2;
      if (s2 > fastest2) fastest2 = s2;
      const dx = x - p0[p],
        dy = y - p0[p + 1],
        dz = z - p0[p + 2];
      const d2 = dx * dx + dy * dy + dz * dz;
      if (d2 > farthest2) farthest2 = d2;
    }
    this.scanned.energy = e;
    this.scanned.fastest2 = fastest2;
    this.scanned.farthest2 = farthest2;
  }

  /**
   * The penetration bound of the file header on `contacts` (found by the step at the pose
   * after `poseStep` steps). A contact's bodies are looked up only when it is deeper than
   * {@link penetrationPeak} × the smallest allowance (a shallower one cannot raise the
   * peak), so a resting scene costs one load and compare per contact. Allocates nothing
   * when the bound holds.
   */
  checkPenetration(contacts: Contacts, poseStep: number): void {
    const { dist, bodyA, bodyB, count } = contacts;
    const least = this.minAllowance;
    let peak = this.penetrationPeak;
    let floor = peak * least;
    for (let c = 0; c < count; c++) {
      const depth = -dist[c];
      if (depth <= floor) continue;
      const ratio = depth / this.allowed(bodyA[c], bodyB[c]);
      if (ratio > peak) {
        peak = ratio;
        floor = ratio * least;
      }
    }
    this.penetrationPeak = peak;
    if (peak > 1) this.penetrationError(contacts, poseStep);
  }

  /**
   * The depth a contact between bodies A and B may reach, m: min(a_A, a_B) plus the step's
   * own travel (s_A + s_B)·dt — a body may end one step that far inside another before the
   * next step's contact pushes it out (a ball falling 981 m in one 10 s step, hard mode);
   * sinking beyond it is not the step's discreteness.
   */
  private allowed(A: number, B: number): number {
    const oA = this.overlap0[A],
      oB = this.overlap0[B];
    return (
      this.pairAllowance(A, B) +
      (oA > oB ? oA : oB) +
      (Math.sqrt(this.lastSpeed2[A]) + Math.sqrt(this.lastSpeed2[B])) * this.input.dt
    );
  }

  /**
   * a_A + a_B, m; in hard mode against a plane (a half-space, ∞) twice the other body's own
   * a_b: at P = ½ its centre reaches the surface, as two bodies' centres are level at P = ½ of
   * theirs (a light ball under a 1e12 times heavier one is pressed wholly into the ground by
   * the hard solve: 0.2 m deep, which the plane's ∞ let pass as exit 0). In the force modes a
   * body's depth in the ground is the spring's law (ball-drop's impact: 0.40 of that bound),
   * the energy balance's business: ∞ there.
   */
  private pairAllowance(A: number, B: number): number {
    const aA = this.allowance[A],
      aB = this.allowance[B];
    if (this.input.contact.mode !== 'hard') return aA + aB;
    return aA === Infinity ? 2 * aB : aB === Infinity ? 2 * aA : aA + aB;
  }

  /** The contact furthest beyond its bound, reported with its pair, depth, bound and a hint. */
  private penetrationError(contacts: Contacts, step: number): void {
    let worst = -1;
    let most = 0;
    for (let c = 0; c < contacts.count; c++) {
      const ratio = -contacts.dist[c] / this.allowed(contacts.bodyA[c], contacts.bodyB[c]);
      if (ratio > most) {
        most = ratio;
        worst = c;
      }
    }
    // the peak was set by an earlier call (a monitor checked again after it threw): nothing to name now
    if (worst < 0 || most <= 1) return;
    const A = contacts.bodyA[worst],
      B = contacts.bodyB[worst];
    // the body named sinks into the other: the heavier dynamic one (a static body weighs ∞ here)
    const weight = (b: number) => (this.mass[b] > 0 ? this.mass[b] : Infinity);
    const [sinker, holder] = weight(A) >= weight(B) && this.mass[A] > 0 ? [A, B] : [B, A];
    const depth = -contacts.dist[worst];
    const allowed = this.allowed(A, B);
    const overlap = Math.max(this.overlap0[A], this.overlap0[B]);
    const travel = allowed - this.pairAllowance(A, B) - overlap;
    const names = this.input.bodyName;
    // an initial overlap or a travel at round-off level is not worth a mention
    const initial = overlap > 1e-6 * allowed ? ` + their initial overlaps ${fmt(overlap)} m` : '';
    const moved = travel > 1e-6 * allowed ? ` + the pair's travel in the step ${fmt(travel)} m` : '';
    // just past the bound, 3 digits may print depth and bound alike
    const close = fmt(depth) === fmt(allowed);
    const [shown, bound] = close ? [depth.toPrecision(6), allowed.toPrecision(6)] : [fmt(depth), fmt(allowed)];
    const thicknesses =
      this.thickness[holder] === Infinity
        ? `twice the half-thickness of body '${names[sinker]}' ${fmt(this.thickness[sinker])} m, the other a half-space`
        : `their half-thicknesses ${fmt(this.thickness[A])} m + ${fmt(this.thickness[B])} m`;
    const reason =
      `body '${names[sinker]}' is ${shown} m deep in body '${names[holder]}' (penetration depth of their contact), ` +
      `more than the ${bound} m allowed (sanity.penetrationFactor ${this.penetrationFactor} × ${thicknesses}${initial}${moved})`;
    throw new DivergenceError(step, names[sinker], 'penetration', {
      reason,
      hint: penetrationHint(this.input, this.mass, sinker, holder, allowed),
      other: names[holder],
    });
  }

  /** V, m/s: the scene's speed scale, the controls' share included. */
  speedScale(): number {
    return this.baseSpeed + Math.sqrt(this.controlSpeed2);
  }

  /** s_b² = |v_b|² + (|ω_b|·r_b)², (m/s)². */
  private speed2(b: number, qd: Float64Array): number {
    const v = 6 * b;
    const r = this.radius[b];
    return (
      qd[v] * qd[v] +
      qd[v + 1] * qd[v + 1] +
      qd[v + 2] * qd[v + 2] +
      r * r * (qd[v + 3] * qd[v + 3] + qd[v + 4] * qd[v + 4] + qd[v + 5] * qd[v + 5])
    );
  }

  /** The speed and distance bounds of the file header on {@link scanned}; allocates nothing when they hold. */
  private checkKinematics(q: Float64Array, qd: Float64Array, step: number): void {
    const t = step * this.input.dt;
    const V = this.speedScale();
    const F = this.speedFactor;
    const g = this.gravityNorm;
    const speedBound = F * V + g * t;
    const reachBound = F * (this.lengthScale + V * t) + 0.5 * g * t * (t + this.input.dt);
    const s = this.scanned.fastest2 / (speedBound * speedBound);
    const d = this.scanned.farthest2 / (reachBound * reachBound);
    const ratio = Math.sqrt(s > d ? s : d);
    if (ratio > this.kinematicPeak) this.kinematicPeak = ratio;
    if (ratio <= 1) return;
    this.kinematicError(q, qd, step, this.worstKinematic(q, qd, speedBound, reachBound), speedBound, reachBound);
  }

  /** The dynamic body furthest beyond its speed or distance bound. */
  private worstKinematic(q: Float64Array, qd: Float64Array, speedBound: number, reachBound: number): number {
    let worst = -1;
    let worstBody = -1;
    for (let b = 0; b < this.nbody; b++) {
      if (this.mass[b] === 0) continue;
      const o = 7 * b;
      const p0 = this.position0;
      const s = Math.sqrt(this.speed2(b, qd)) / speedBound;
      const d = Math.hypot(q[o] - p0[3 * b], q[o + 1] - p0[3 * b + 1], q[o + 2] - p0[3 * b + 2]) / reachBound;
      const r = s > d ? s : d;
      if (r > worst) {
        worst = r;
        worstBody = b;
      }
    }
    return worstBody;
  }

  private kinematicError(
    q: Float64Array,
    qd: Float64Array,
    step: number,
    b: number,
    speedBound: number,
    reachBound: number,
  ): never {
    const name = this.input.bodyName[b];
    const o = 7 * b;
    const p0 = this.position0;
    const speed = Math.sqrt(this.speed2(b, qd));
    const distance = Math.hypot(q[o] - p0[3 * b], q[o + 1] - p0[3 * b + 1], q[o + 2] - p0[3 * b + 2]);
    const fast = speed > speedBound;
    const what = fast
      ? `moves at ${fmt(speed)} m/s (√(|v|² + (|ω|·r)²)), more than the ${fmt(speedBound)} m/s allowed`
      : `is ${fmt(distance)} m from where it started, more than the ${fmt(reachBound)} m allowed`;
    const scale =
      `sanity.speedFactor ${this.speedFactor} × the scene's speed scale ${fmt(this.speedScale())} m/s` +
      (fast
        ? ', plus |g|·t'
        : ` over ${fmt(step * this.input.dt)} s and its size ${fmt(this.lengthScale)} m, plus ½|g|·t·(t + dt)`);
    const reason = `body '${name}' ${what} (${scale})`;
    throw new DivergenceError(step, name, fast ? 'speed' : 'position', {
      reason,
      hint: divergenceHint(this.input, this.mass, b),
    });
  }

  /**
   * E = Σ ½m|v|² + ½ωᵀIω − m g·p over the dynamic bodies of state (q, qd), J. Between
   * checks it also sets the speeds the next penetration check allows for.
   */
  energy(q: Float64Array, qd: Float64Array): number {
    this.scan(q, qd);
    return this.scanned.energy;
  }

  /** ½m|v|² + ½ Σ_k I_k ω_k² with ω in the body frame, J. */
  private kineticOf(b: number, q: Float64Array, qd: Float64Array): number {
    const v = 6 * b;
    const o = 7 * b;
    const rot = rotationalTwice(
      this.inertia,
      3 * b,
      q[o + 3],
      q[o + 4],
      q[o + 5],
      q[o + 6],
      qd[v + 3],
      qd[v + 4],
      qd[v + 5],
    );
    return 0.5 * (this.mass[b] * (qd[v] * qd[v] + qd[v + 1] * qd[v + 1] + qd[v + 2] * qd[v + 2]) + rot);
  }

  /** −m g·p, J. */
  private potentialOf(b: number, q: Float64Array): number {
    const g = this.input.gravity;
    const o = 7 * b;
    return -this.mass[b] * (g[0] * q[o] + g[1] * q[o + 1] + g[2] * q[o + 2]);
  }

  /** The dynamic body whose energy grew the most since t = 0. */
  private worstBody(q: Float64Array, qd: Float64Array): number {
    let worst = -1;
    let most = -Infinity;
    for (let b = 0; b < this.nbody; b++) {
      if (this.mass[b] === 0) continue;
      const gain = this.kineticOf(b, q, qd) + this.potentialOf(b, q) - this.bodyEnergy0[b];
      if (worst < 0 || gain > most) {
        worst = b;
        most = gain;
      }
    }
    return Math.max(worst, 0);
  }

  /** Non-finite values, dynamic bodies first (a static body only changes if a dynamic one broke it). */
  private checkFinite(q: Float64Array, qd: Float64Array, step: number): void {
    for (const staticPass of [false, true]) {
      for (let b = 0; b < this.nbody; b++) {
        if ((this.mass[b] === 0) !== staticPass) continue;
        const field = nonFiniteField(q, qd, b);
        if (field !== '') throw new DivergenceError(step, this.input.bodyName[b], field);
      }
    }
  }

  private energyError(q: Float64Array, qd: Float64Array, step: number, gained: number, allowed: number): never {
    const b = this.worstBody(q, qd);
    const name = this.input.bodyName[b];
    const o = 7 * b;
    const up = this.input.gravity;
    const gNorm = Math.hypot(up[0], up[1], up[2]);
    // height along −g (m), when there is gravity
    const height = gNorm > 0 ? -(up[0] * q[o] + up[1] * q[o + 1] + up[2] * q[o + 2]) / gNorm : NaN;
    const where = Number.isFinite(height) ? `, height ${fmt(height)} m` : '';
    const bodyGain = this.kineticOf(b, q, qd) + this.potentialOf(b, q) - this.bodyEnergy0[b];
    const reason =
      `body '${name}' gained ${fmt(bodyGain)} J (speed ${fmt(speedOf(qd, b))} m/s${where}); the scene gained ` +
      `${fmt(gained)} J of energy that no force supplied, more than the ${fmt(allowed)} J allowed ` +
      `(sanity.energyGrowth ${this.growth} × the scene's energy scale)`;
    throw new DivergenceError(step, name, 'energy', { reason, hint: divergenceHint(this.input, this.mass, b) });
  }
}

/**
 * ω_bᵀ I ω_b, J·2 (twice the rotational energy): ω (world) rotated into the body frame by the
 * conjugate of the orientation (w, x, y, z), against the principal inertia I (kg·m²) at
 * `inertia[p..p+2]`.
 */
function rotationalTwice(
  inertia: Float64Array,
  p: number,
  qw: number,
  x: number,
  y: number,
  z: number,
  wx: number,
  wy: number,
  wz: number,
): number {
  // conjugate (w, −x, −y, −z); t = 2 (q⃗ × ω);  ω' = ω + w t + q⃗ × t  (unit quaternion)
  const qx = -x,
    qy = -y,
    qz = -z;
  const tx = 2 * (qy * wz - qz * wy),
    ty = 2 * (qz * wx - qx * wz),
    tz = 2 * (qx * wy - qy * wx);
  const bx = wx + qw * tx + (qy * tz - qz * ty);
  const by = wy + qw * ty + (qz * tx - qx * tz);
  const bz = wz + qw * tz + (qx * ty - qy * tx);
  return inertia[p] * bx * bx + inertia[p + 1] * by * by + inertia[p + 2] * bz * bz;
}

/** 3 significant digits, plain or exponential. */
function fmt(x: number): string {
  return Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : String(Number(x.toPrecision(3)));
}

function speedOf(qd: Float64Array, b: number): number {
  return Math.hypot(qd[6 * b], qd[6 * b + 1], qd[6 * b + 2]);
}

function nonFiniteField(q: Float64Array, qd: Float64Array, b: number): string {
  const o = 7 * b;
  const v = 6 * b;
  // x − x is 0 for a finite x and NaN otherwise
  if (q[o] - q[o] + q[o + 1] - q[o + 1] + q[o + 2] - q[o + 2] !== 0) return 'position';
  if (q[o + 3] - q[o + 3] + q[o + 4] - q[o + 4] + q[o + 5] - q[o + 5] + q[o + 6] - q[o + 6] !== 0) return 'orientation';
  if (qd[v] - qd[v] + qd[v + 1] - qd[v + 1] + qd[v + 2] - qd[v + 2] !== 0) return 'linearVelocity';
  if (qd[v + 3] - qd[v + 3] + qd[v + 4] - qd[v + 4] + qd[v + 5] - qd[v + 5] !== 0) return 'angularVelocity';
  return '';
}

/**
 * A dynamic body lighter than the heaviest by more than this factor makes an explicit
 * contact step as stiff as the heavy body's contact divided by this ratio: beyond it, the
 * light body is the likely cause and the hint says so.
 */
const TINY_MASS_RATIO = 1e6;

/**
 * Steps per contact oscillation period below which the force modes are not resolved in
 * time. Semi-implicit Euler is stable for ω·dt < 2 (T/dt > π); 10 steps a period keeps the
 * energy error of one bounce to a few per cent.
 */
const STEPS_PER_PERIOD = 10;

/** A hint that fits the cause: contact stiffness against dt, a tiny mass, or neither. */
export function divergenceHint(input: SanityInput, mass: Float64Array, b: number): string {
  const m = mass[b];
  let heaviest = 0;
  for (let k = 0; k < mass.length; k++) heaviest = Math.max(heaviest, mass[k]);
  const tiny =
    m > 0 && heaviest / m > TINY_MASS_RATIO
      ? `body '${input.bodyName[b]}' weighs ${fmt(m)} kg, ${fmt(heaviest / m)} times lighter than the heaviest body; `
      : '';
  if (input.contact.mode !== 'hard' && m > 0) {
    const period = 2 * Math.PI * Math.sqrt(m / input.contact.stiffness);
    if (period < STEPS_PER_PERIOD * input.dt) {
      return (
        `${tiny}a contact of stiffness ${fmt(input.contact.stiffness)} N/m on ${fmt(m)} kg oscillates with period ` +
        `2π√(m/k) = ${fmt(period)} s, less than ${STEPS_PER_PERIOD} steps of dt = ${input.dt} s: lower contact.stiffness, ` +
        `raise the mass, or use dt ≤ ${fmt(period / STEPS_PER_PERIOD)} s`
      );
    }
  }
  if (tiny !== '') return `${tiny}give it a mass of physical size`;
  return input.contact.mode === 'hard'
    ? 'check for bodies that start overlapping deeply or move faster than a body length per step'
    : 'try a smaller dt or a softer contact (contact.stiffness), or check for bodies that start overlapping';
}

/**
 * A mass ratio across a hard contact beyond which the impulse solve (projected Gauss–Seidel,
 * a capped number of sweeps a step) lets the heavy body sink: measured on a heavy ball resting
 * on a light one (r = 0.1 m, dt = 2 ms), 1e3 sinks 1.1 mm (1 % of r), 1e4 14 mm, 1e6 all the way.
 */
const HARD_MASS_RATIO = 1e3;

/**
 * A hint for a contact that sank too deep (`sinker` into `holder`, more than `allowed` m):
 * a force contact too soft for an impact (v·√(m/k) against the bound) or too stiff for dt,
 * a mass ratio the hard solver cannot hold, or neither.
 */
export function penetrationHint(
  input: SanityInput,
  mass: Float64Array,
  sinker: number,
  holder: number,
  allowed: number,
): string {
  const names = input.bodyName;
  const m = mass[sinker];
  if (input.contact.mode !== 'hard') {
    const k = input.contact.stiffness;
    // the stiffest oscillation of the pair is the lighter dynamic body's
    const lighter = mass[holder] > 0 && mass[holder] < m ? holder : sinker;
    if (2 * Math.PI * Math.sqrt(mass[lighter] / k) < STEPS_PER_PERIOD * input.dt) {
      return divergenceHint(input, mass, lighter);
    }
    // the weight feed-forward (contact/wrenches.ts) holds a body resting on the contact, so
    // what sinks it is an impact, v·√(m/k) deep at v m/s, or a load W pressing from above, W/k
    return (
      `a contact of stiffness ${fmt(k)} N/m is soft for body '${names[sinker]}' (${fmt(m)} kg): an impact at v m/s ` +
      `sinks it v·√(m/k) = ${fmt(Math.sqrt(m / k))} s × v, a load of W N pressing from above W/k; stopping it ` +
      `within the ${fmt(allowed)} m allowed needs k ≥ m·v²/${fmt(allowed)}² = ${fmt(m / (allowed * allowed))} kg/m² × v²: ` +
      `raise contact.stiffness (keeping 2π√(m/k) ≥ ${STEPS_PER_PERIOD}·dt), or lower the speeds`
    );
  }
  const ratio = mass[holder] > 0 ? m / mass[holder] : 0;
  if (ratio > HARD_MASS_RATIO) {
    return (
      `body '${names[sinker]}' is ${fmt(ratio)} times heavier than body '${names[holder]}': the impulse solve ` +
      `(projected Gauss–Seidel, capped sweeps a step) does not hold mass ratios beyond about ${fmt(HARD_MASS_RATIO)} ` +
      `and lets the heavy body sink; give bodies in contact masses of closer size`
    );
  }
  // pressed into a static body: by a much heavier one above it, the solve's other way to fail a mass ratio
  let heaviest = sinker;
  for (let b = 0; b < mass.length; b++) if (mass[b] > mass[heaviest]) heaviest = b;
  if (mass[holder] === 0 && mass[heaviest] > HARD_MASS_RATIO * m) {
    return (
      `body '${names[heaviest]}' is ${fmt(mass[heaviest] / m)} times heavier than body '${names[sinker]}': the impulse ` +
      `solve (projected Gauss–Seidel, capped sweeps a step) does not hold mass ratios beyond about ` +
      `${fmt(HARD_MASS_RATIO)}, and a heavy body resting on a light one may press it into what holds it; give bodies ` +
      `in contact masses of closer size`
    );
  }
  return (
    'the hard solver did not keep these bodies apart: check for controls pressing them together, deep initial ' +
    'overlaps, or bodies moving more than their thickness in a step (use a smaller dt, keep contact.timeOfImpact on)'
  );
}

/** r_b, m: the radius of a sphere about body b's centre holding its shape (its row's; 0 for a plane). */
function boundingRadius(input: SanityInput, b: number): number {
  const solid = shapeRow(input.geomType[b]).solid;
  return solid === null ? 0 : solid.boundingRadius(input.geomSize, GEOM_SIZE_WIDTH * b);
}

/**
 * h_b, m: the radius of the largest ball about body b's centre inside its shape (its row's;
 * ∞ for a plane, a half-space). A surface that sinks this deep reaches the centre.
 */
function halfThickness(input: SanityInput, b: number): number {
  const solid = shapeRow(input.geomType[b]).solid;
  return solid === null ? Infinity : solid.halfThickness(input.geomSize, GEOM_SIZE_WIDTH * b);
}

/** L, m: the diagonal of the box of the dynamic bodies' centres plus the largest body's diameter. */
function lengthScale(input: SanityInput, q: Float64Array): number {
  let lo0 = Infinity,
    lo1 = Infinity,
    lo2 = Infinity;
  let hi0 = -Infinity,
    hi1 = -Infinity,
    hi2 = -Infinity;
  let diameter = 0;
  for (let b = 0; b < input.nbody; b++) {
    if (input.bodyInvMass[b] === 0 || input.geomType[b] === ShapeType.plane) continue;
    const o = 7 * b;
    lo0 = Math.min(lo0, q[o]);
    hi0 = Math.max(hi0, q[o]);
    lo1 = Math.min(lo1, q[o + 1]);
    hi1 = Math.max(hi1, q[o + 1]);
    lo2 = Math.min(lo2, q[o + 2]);
    hi2 = Math.max(hi2, q[o + 2]);
    diameter = Math.max(diameter, 2 * boundingRadius(input, b));
  }
  if (hi0 < lo0) return diameter;
  return Math.hypot(hi0 - lo0, hi1 - lo1, hi2 - lo2) + diameter;
}

/**
 * U₀, J: the energy the contacts of the initial pose can release (and, into `overlaps`,
 * each body's summed initial overlap o_b, m). Force modes: the energy
 * their springs store (an upper bound for soft contacts). Hard mode has no springs, but its position pass pushes overlapping bodies apart,
 * each by at most the sum of its overlaps, which can lift them: Σ_c max(0, −d_c)·|g|·(m_A + m_B).
 */
function initialContactEnergy(
  input: SanityInput,
  mass: Float64Array,
  q0: Float64Array,
  overlaps: Float64Array,
): { energy: number; speed: number } {
  const { mode, stiffness: k, temperature: tau, margin } = input.contact;
  const g = Math.hypot(input.gravity[0], input.gravity[1], input.gravity[2]);
  let contacts = createContacts(Math.max(64, 16 * input.nbody));
  collide(input, q0, margin, contacts);
  if (contacts.dropped > 0) {
    contacts = createContacts(contacts.capacity + contacts.dropped);
    collide(input, q0, margin, contacts);
  }
  let u = 0;
  // V_U²: the largest 2·U_c/m over the contacts, m the lighter dynamic body of the pair
  let speed2 = 0;
  for (let c = 0; c < contacts.count; c++) {
    const d = contacts.dist[c];
    const A = contacts.bodyA[c],
      B = contacts.bodyB[c];
    const mA = mass[A],
      mB = mass[B];
    // o_b of the penetration bound
    if (d < 0) {
      overlaps[A] -= d;
      overlaps[B] -= d;
    }
    let uc: number;
    if (mode === 'hard') {
      uc = Math.max(0, -d) * g * (mA + mB);
    } else if (mode === 'penalty') {
      uc = 0.5 * k * Math.max(0, -d) ** 2;
    } else {
      // soft: the spring kτ·softplus(−s/τ) stores U(d) = ∫_d^∞ kτ·softplus(−s/τ) ds = kτ²·F(−d/τ),
      // F(x) = −Li₂(−eˣ), which is ≤ eˣ for x ≤ 0 and ≤ x²/2 + π²/6 for x > 0
      const x = -d / tau;
      uc = k * tau * tau * (x <= 0 ? Math.exp(x) : 0.5 * x * x + (Math.PI * Math.PI) / 6);
    }
    u += uc;
    const lighter = mA === 0 ? mB : mB === 0 ? mA : Math.min(mA, mB);
    if (lighter > 0) speed2 = Math.max(speed2, (2 * uc) / lighter);
  }
  return { energy: u, speed: Math.sqrt(speed2) };
}
