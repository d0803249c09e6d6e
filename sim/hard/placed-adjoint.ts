/**
 * The placed impacts of a hard step in the hand-composed adjoint (step-adjoint.ts): the
 * part of the step that test/sim/hard/oracle/traced-step.ts marks (★), in plain arithmetic with each piece's
 * adjoint written by hand, so a step that places an impact needs no tape.
 *
 * For each placed contact k (a bounce decided open at the start of the step; bodies a, b;
 * start geometry d₀, n₀, p₀ from the record; v* the free flight's velocities, v₀ the
 * start's; poses advance along the free flight, `flight(q, s) = advancePoses(q, s·v*)`):
 *
 *   u⁻ = u(n₀, r₀; v*),  r₀ = p₀ − x             the approach at the start
 *   s₀ = d₀/(−dt·u⁻)                              impactFraction
 *   (d₁, n₁, p₁) = geometry(flight(q, s₀))        the features there, r₁ = p₁ − x(s₀)
 *   rate = s₀·u(n₁, r₁; v*) + (1 − s₀)·u(n₁, r₁; v₀)
 *   s = s₀ + d₁/(−dt·rate) if it closes inside the step, else s₀     refinedImpactFraction
 *   (d₂, n₂, p₂) = geometry(flight(q, s)),  r₂ = p₂ − x(s)            the impact's rows
 *   bound = impactBound(e, u₀, after₀), slip targets after₁, after₂,
 *   after_j = (1 − s)·(u(d_j, r₂; v*) − u(d_j, r₂; v₀))               changeAfterImpact
 *
 * and per body its earliest impact s_b: the world inverse inertia at flight(q_b, s_b), the
 * gyroscopic term after the impact (integrate.ts `gyroscopicAfterImpacts`, bodies no other
 * contact carries: ω ← ω⁺ + (1 − s_b)[(G(ω⁺) − ω⁺) − (G(ω₀) − ω₀)]) and, when the position
 * pass ran, the impulse's move after the impact (v_p += ∓s·M⁻¹J_kᵀλ_k, for the impulses
 * between dynamic bodies of its island too, at the island's earliest s: placement-islands.ts;
 * the drift correction a constant). The rules are contact-rules.ts's, written out on numbers (as problem.ts does);
 * the tests hold this path equal to the trace's reverse sweep on steps with placed impacts
 * (test/sim/hard/step-adjoint.test.ts).
 *
 * Nothing is allocated per step: scratch per context, grown with the placed contacts.
 */
import { contactGeometryAdjoint, contactGeometryValues, type ContactFeatures } from '../contact/geometry.ts';
import {
  integrate,
  integrateAdjoint,
  integratorLayout,
  type IntegratorParams,
} from '../integrator/semiImplicitEuler.ts';
import { restitutionBody } from './contact-rules.ts';
import { contactRowVelocity } from './impulse-adjoint.ts';
import {
  CONTACT_BOUND,
  CONTACT_R_A,
  CONTACT_R_B,
  CONTACT_SLIP_TARGET,
  IMPULSE_CONTACT_WIDTH,
} from './impulse-layout.ts';
import { PlacementIslands } from './placement-islands.ts';
import { applyToBody, DriftCorrectionAdjoint } from './position-adjoint.ts';
import {
  advancePosesAdjoint,
  advancePosesValues,
  dropIsotropicOrientation,
  POSE_INPUT_WIDTH,
  POSE_OUTPUT_WIDTH,
} from './pose-kernels.ts';
import type { HardStepRecord, TracedStepContext } from './record.ts';

/** Floats of a pose (position, quaternion) and of a body's velocity. */
const POSE = 7;
const VEL = 6;
/** A θ-like block of one contact (impulse-layout.ts): direction at 0, lever arms at CONTACT_R_A, CONTACT_R_B. */
const BLOCK = IMPULSE_CONTACT_WIDTH;
/** Per placed contact: scalars of the chain above. */
const S0 = 0,
  APPROACH0 = 1,
  RATE = 2,
  U_END1 = 3,
  U_START1 = 4,
  REFINED = 5,
  S = 6,
  S_BAR = 7,
  SCALARS = 8;

/**
 * One body's side of ū·∂u/∂(d, r, v) for the contact velocity u = d·(v_B − v_A) +
 * (r_B × d)·ω_B − (r_A × d)·ω_A along the direction at `theta[o..o+2]` (`contactRowVelocity`),
 * with s = ±ū its sign (+ for B): d̄ into `dirBar[f ..]`, r̄ into `thetaBar` at the lever
 * arm `r`, v̄ into `vBar[vBarOffset + 6·body ..]`. (r × d)·ω = d·(ω × r) = r·(d × ω).
 */
export function sideVelocityAdjoint(
  theta: Float64Array,
  o: number,
  r: number,
  v: Float64Array,
  body: number,
  s: number,
  thetaBar: Float64Array,
  dirBar: Float64Array,
  f: number,
  vBar: Float64Array,
  vBarOffset: number,
): void {
  const nx = theta[o],
    ny = theta[o + 1],
    nz = theta[o + 2];
  const vo = 6 * body;
  const rx = theta[r],
    ry = theta[r + 1],
    rz = theta[r + 2];
  const wx = v[vo + 3],
    wy = v[vo + 4],
    wz = v[vo + 5];
  // d̄ += s (v + ω × r)
  dirBar[f] += s * (v[vo] + wy * rz - wz * ry);
  dirBar[f + 1] += s * (v[vo + 1] + wz * rx - wx * rz);
  dirBar[f + 2] += s * (v[vo + 2] + wx * ry - wy * rx);
  // r̄ += s (d × ω)
  thetaBar[r] += s * (ny * wz - nz * wy);
  thetaBar[r + 1] += s * (nz * wx - nx * wz);
  thetaBar[r + 2] += s * (nx * wy - ny * wx);
  // v̄ += s d, ω̄ += s (r × d)
  const bo = vBarOffset + vo;
  vBar[bo] += s * nx;
  vBar[bo + 1] += s * ny;
  vBar[bo + 2] += s * nz;
  vBar[bo + 3] += s * (ry * nz - rz * ny);
  vBar[bo + 4] += s * (rz * nx - rx * nz);
  vBar[bo + 5] += s * (rx * ny - ry * nx);
}

/**
 * ū·∂u/∂(·) of `contactRowVelocity(theta, o, v, a, b, j)`: both sides, the direction's
 * cotangent into `dirBar[f + 3j ..]`, the lever arms' into `thetaBar` at the block's.
 */
function rowVelocityAdjoint(
  theta: Float64Array,
  o: number,
  j: number,
  v: Float64Array,
  a: number,
  b: number,
  ubar: number,
  thetaBar: Float64Array,
  dirBar: Float64Array,
  f: number,
  vBar: Float64Array,
  vBarOffset: number,
): void {
  if (ubar === 0) return;
  sideVelocityAdjoint(theta, o + 3 * j, o + CONTACT_R_B, v, b, ubar, thetaBar, dirBar, f + 3 * j, vBar, vBarOffset);
  sideVelocityAdjoint(theta, o + 3 * j, o + CONTACT_R_A, v, a, -ubar, thetaBar, dirBar, f + 3 * j, vBar, vBarOffset);
}

/**
 * The placed impacts of one step: {@link forward} before the solve's θ is filled, {@link
 * bounds} once the frames are in θ, then the backward pieces in the order step-adjoint.ts
 * calls them. Read its fields between the calls (one step at a time).
 */
export class PlacedImpacts {
  /** placed contacts this step, and their indices */
  count = 0;
  contact = new Int32Array(0);
  /** (SCALARS per placed contact) s₀, u⁻, rate, its two velocities, refined?, s, s̄ */
  scalars = new Float64Array(0);
  /** (BLOCK per placed contact) [n ; · ; · ; r_A ; r_B] at the start (0) and at s₀ (1), and their cotangents */
  block0 = new Float64Array(0);
  block1 = new Float64Array(0);
  private blockBar = new Float64Array(BLOCK);
  /** (7 per placed contact) [d, n, p] at s₀ and at s, and the cotangent of the latter */
  g1 = new Float64Array(0);
  g2 = new Float64Array(0);
  g2Bar = new Float64Array(0);
  /** (14 per placed contact) poses of a, b at s₀ and at s; the cotangent of those at s */
  q1 = new Float64Array(0);
  q2 = new Float64Array(0);
  q2Bar = new Float64Array(0);
  /** (3 per placed contact) contact velocities along the impact's rows at v* and v₀ */
  uEnd = new Float64Array(0);
  uStart = new Float64Array(0);
  /** the position pass's drift correction after the placement, differentiated (position-adjoint.ts) */
  private readonly drift: DriftCorrectionAdjoint;
  /** the contacts whose impulses the placement moves ({@link moveBackward}: placed ones and their islands') */
  moverCount = 0;
  mover = new Int32Array(0);
  /** (9 + 6 per moved contact) the position pass's cotangents of the directions and lever arms, added to θ̄ after the solve's adjoint */
  moveBar = new Float64Array(0);
  private readonly islands = new PlacementIslands();
  /** per body: its earliest impact's placed index (−1: none), that impact's fraction, the pose there */
  readonly earliestOf: Int32Array;
  readonly earliestS: Float64Array;
  readonly impactPose: Float64Array;
  /** (9 per body) W̄ of the world inverse inertia at the impact from the position pass */
  readonly inertiaBar: Float64Array;
  /** (6 per body) start velocities v₀ */
  readonly v0: Float64Array;
  private readonly qFull: Float64Array;
  private readonly qBarFull: Float64Array;
  private readonly sizeBarFull: Float64Array;
  private readonly one: ContactFeatures;
  private readonly geom = new Float64Array(7);
  private readonly gBar = new Float64Array(7);
  private readonly flightIn = new Float64Array(POSE_INPUT_WIDTH);
  private readonly flightOut = new Float64Array(POSE_OUTPUT_WIDTH);
  private readonly flightBar = new Float64Array(POSE_INPUT_WIDTH);
  // the gyroscopic step G: the integrator on [q | ω | no wrench | m⁻¹ | I⁻¹ | no gravity]
  private readonly IL: ReturnType<typeof integratorLayout>;
  private readonly xiG: Float64Array;
  private readonly paramsG: IntegratorParams;
  private readonly outQ: Float64Array;
  private readonly afterQd: Float64Array;
  private readonly beforeQd: Float64Array;
  private readonly ybarG: Float64Array;
  private readonly xiGBar: Float64Array;
  private readonly gyroBody: Uint8Array;
  // the step at hand ({@link forward})
  private rec!: HardStepRecord;
  private startPose: Float64Array = new Float64Array(0);
  private sizes: Float64Array = new Float64Array(0);
  private vStar: Float64Array = new Float64Array(0);

  constructor(private readonly ctx: TracedStepContext) {
    const n = ctx.model.nbody;
    this.earliestOf = new Int32Array(n);
    this.earliestS = new Float64Array(n);
    this.impactPose = new Float64Array(POSE * n);
    this.inertiaBar = new Float64Array(9 * n);
    this.v0 = new Float64Array(VEL * n);
    this.qFull = new Float64Array(POSE * n);
    this.qBarFull = new Float64Array(POSE * n);
    this.sizeBarFull = new Float64Array(4 * n);
    this.one = { count: 1, bodyA: new Int32Array(1), bodyB: new Int32Array(1), pair: new Int32Array(1) };
    const IL = (this.IL = integratorLayout(n));
    this.xiG = new Float64Array(IL.size);
    this.paramsG = {
      nbody: n,
      dt: ctx.model.dt,
      gravity: this.xiG.subarray(IL.gravity, IL.gravity + 3),
      invMass: this.xiG.subarray(IL.invMass, IL.invMass + n),
      invInertia: this.xiG.subarray(IL.invInertia, IL.invInertia + 3 * n),
      isStatic: ctx.model.bodyStatic,
    };
    this.outQ = new Float64Array(POSE * n);
    this.afterQd = new Float64Array(VEL * n);
    this.beforeQd = new Float64Array(VEL * n);
    this.ybarG = new Float64Array(13 * n);
    this.xiGBar = new Float64Array(IL.size);
    this.gyroBody = new Uint8Array(n);
    this.drift = new DriftCorrectionAdjoint(ctx);
  }

  private ensure(c: number): void {
    if (this.contact.length >= c) return;
    const cap = Math.max(c, 2 * this.contact.length, 4);
    this.contact = new Int32Array(cap);
    this.scalars = new Float64Array(SCALARS * cap);
    this.block0 = new Float64Array(BLOCK * cap);
    this.block1 = new Float64Array(BLOCK * cap);
    this.g1 = new Float64Array(7 * cap);
    this.g2 = new Float64Array(7 * cap);
    this.g2Bar = new Float64Array(7 * cap);
    this.q1 = new Float64Array(2 * POSE * cap);
    this.q2 = new Float64Array(2 * POSE * cap);
    this.q2Bar = new Float64Array(2 * POSE * cap);
    this.uEnd = new Float64Array(3 * cap);
    this.uStart = new Float64Array(3 * cap);
  }

  /**
   * The chain up to each placed contact's impact geometry (header), from the one-step input
   * `x` (layout `ctx.L`), the start poses `qStart`, the sizes and v*; and each body's
   * earliest impact and its pose there. Returns the count of placed contacts.
   */
  forward(
    rec: HardStepRecord,
    x: Float64Array,
    qStart: Float64Array,
    sizes: Float64Array,
    vStar: Float64Array,
  ): number {
    const { model, L } = this.ctx;
    const n = model.nbody,
      dt = model.dt;
    const contacts = rec.contacts;
    const c = contacts.count;
    this.rec = rec;
    this.startPose = qStart;
    this.sizes = sizes;
    this.vStar = vStar;
    let count = 0;
    for (let k = 0; k < c; k++) if (rec.bounced[k] && rec.impactFraction[k] > 0) count++;
    this.count = count;
    this.earliestOf.fill(-1);
    if (count === 0) return 0;
    this.ensure(count);
    for (let j = 0; j < VEL * n; j++) this.v0[j] = x[L.qd + j];
    for (let j = 0; j < POSE * n; j++) this.qFull[j] = qStart[j];
    const v0 = this.v0;
    let i = 0;
    for (let k = 0; k < c; k++) {
      if (!(rec.bounced[k] && rec.impactFraction[k] > 0)) continue;
      this.contact[i] = k;
      const a = contacts.bodyA[k],
        b = contacts.bodyB[k];
      const sc = SCALARS * i;
      // the approach at the start, from the recorded geometry
      const B0 = this.block0,
        o0 = BLOCK * i;
      for (let e = 0; e < 3; e++) {
        const p = contacts.point[3 * k + e];
        B0[o0 + e] = contacts.normal[3 * k + e];
        B0[o0 + CONTACT_R_A + e] = p - qStart[POSE * a + e];
        B0[o0 + CONTACT_R_B + e] = p - qStart[POSE * b + e];
      }
      const u0 = contactRowVelocity(B0, o0, vStar, a, b, 0);
      // impactFraction: s₀ = d/(−dt·u⁻)
      const s0 = contacts.dist[k] / (-dt * u0);
      this.scalars[sc + S0] = s0;
      this.scalars[sc + APPROACH0] = u0;
      // refinedImpactFraction: the gap and its rate at s₀·dt
      this.flightGeometry(k, i, s0, qStart, sizes, vStar, this.q1, this.g1);
      const B1 = this.block1,
        o1 = BLOCK * i,
        g = 7 * i;
      for (let e = 0; e < 3; e++) {
        const p = this.g1[g + 4 + e];
        B1[o1 + e] = this.g1[g + 1 + e];
        B1[o1 + CONTACT_R_A + e] = p - this.q1[2 * POSE * i + e];
        B1[o1 + CONTACT_R_B + e] = p - this.q1[2 * POSE * i + POSE + e];
      }
      const uEnd = contactRowVelocity(B1, o1, vStar, a, b, 0);
      const uStart = contactRowVelocity(B1, o1, v0, a, b, 0);
      const rate = s0 * uEnd + (1 - s0) * uStart;
      const refined = s0 + this.g1[g] / (-dt * rate);
      const kept = rate < 0 && refined > 0 && refined <= 1;
      const s = kept ? refined : s0;
      this.scalars[sc + RATE] = rate;
      this.scalars[sc + U_END1] = uEnd;
      this.scalars[sc + U_START1] = uStart;
      this.scalars[sc + REFINED] = kept ? 1 : 0;
      this.scalars[sc + S] = s;
      this.scalars[sc + S_BAR] = 0;
      this.flightGeometry(k, i, s, qStart, sizes, vStar, this.q2, this.g2);
      for (let side = 0; side < 2; side++) {
        const body = side === 0 ? a : b;
        if (model.bodyStatic[body]) continue;
        if (this.earliestOf[body] < 0 || s < this.earliestS[body]) {
          this.earliestOf[body] = i;
          this.earliestS[body] = s;
        }
      }
      i++;
    }
    for (let body = 0; body < n; body++) {
      if (this.earliestOf[body] < 0) continue;
      this.flight(body, this.earliestS[body], qStart, vStar);
      for (let e = 0; e < POSE; e++) this.impactPose[POSE * body + e] = this.flightOut[e];
    }
    return count;
  }

  /** Body `body`'s pose after s·dt of free flight into `flightOut` (its input in `flightIn`). */
  private flight(body: number, s: number, qStart: Float64Array, vStar: Float64Array): void {
    const x = this.flightIn;
    for (let e = 0; e < POSE; e++) x[e] = qStart[POSE * body + e];
    for (let e = 0; e < VEL; e++) x[POSE + e] = s * vStar[VEL * body + e];
    advancePosesValues(1, this.ctx.model.dt, x, this.flightOut);
  }

  /** Contact k's features with both bodies at s·dt: poses into `q[14i ..]`, [d, n, p] into `g[7i ..]`. */
  private flightGeometry(
    k: number,
    i: number,
    s: number,
    qStart: Float64Array,
    sizes: Float64Array,
    vStar: Float64Array,
    q: Float64Array,
    g: Float64Array,
  ): void {
    const isStatic = this.ctx.model.bodyStatic;
    this.setFeatures(k);
    for (let side = 0; side < 2; side++) {
      const body = side === 0 ? this.one.bodyA[0] : this.one.bodyB[0];
      const at = 2 * POSE * i + POSE * side;
      if (isStatic[body]) {
        for (let e = 0; e < POSE; e++) q[at + e] = qStart[POSE * body + e];
        continue;
      }
      this.flight(body, s, qStart, vStar);
      for (let e = 0; e < POSE; e++) q[at + e] = this.qFull[POSE * body + e] = this.flightOut[e];
    }
    contactGeometryValues(this.ctx.geometryInput, this.one, this.qFull, sizes, this.geom);
    for (let e = 0; e < 7; e++) g[7 * i + e] = this.geom[e];
    this.restoreFull(qStart);
  }

  /** The one-contact features of contact k (of the step in {@link forward}). */
  private setFeatures(k: number): void {
    const contacts = this.rec.contacts;
    this.one.bodyA[0] = contacts.bodyA[k];
    this.one.bodyB[0] = contacts.bodyB[k];
    this.one.pair[0] = contacts.pair[k];
  }

  /** `qFull` back to the start poses at the two bodies of the current features. */
  private restoreFull(qStart: Float64Array): void {
    for (let side = 0; side < 2; side++) {
      const body = side === 0 ? this.one.bodyA[0] : this.one.bodyB[0];
      for (let e = 0; e < POSE; e++) this.qFull[POSE * body + e] = qStart[POSE * body + e];
    }
  }

  /**
   * With the frames of the impacts' normals n₂ in θ (block of contact k at
   * `contactBase + BLOCK·k`), and their lever arms r₂: the bounds and slip targets
   * (impactBound, changeAfterImpact) into θ.
   */
  bounds(theta: Float64Array, contactBase: number, x: Float64Array, vStar: Float64Array): void {
    const { L } = this.ctx;
    const contacts = this.rec.contacts;
    for (let i = 0; i < this.count; i++) {
      const k = this.contact[i];
      const a = contacts.bodyA[k],
        b = contacts.bodyB[k];
      const o = contactBase + BLOCK * k;
      const s = this.scalars[SCALARS * i + S];
      for (let j = 0; j < 3; j++) {
        this.uEnd[3 * i + j] = contactRowVelocity(theta, o, vStar, a, b, j);
        this.uStart[3 * i + j] = contactRowVelocity(theta, o, this.v0, a, b, j);
      }
      const after0 = (1 - s) * (this.uEnd[3 * i] - this.uStart[3 * i]);
      const eA = x[L.restitution + a],
        eB = x[L.restitution + b];
      const e = eA >= eB ? eA : eB;
      theta[o + CONTACT_BOUND] = -(e * (this.uEnd[3 * i] - after0)) + after0;
      for (let j = 1; j < 3; j++)
        theta[o + CONTACT_SLIP_TARGET + j - 1] = (1 - s) * (this.uEnd[3 * i + j] - this.uStart[3 * i + j]);
    }
  }

  /** The placed index of contact k, or −1. */
  indexOf(k: number): number {
    for (let i = 0; i < this.count; i++) if (this.contact[i] === k) return i;
    return -1;
  }

  // ---- backward ----------------------------------------------------------------------

  /**
   * The position pass's move after each placed impact (v_p = ∓s·M⁻¹J_kᵀλ_k, when it ran;
   * and of the impulses of its island that it moves, at its s)
   * pulled back from `poseVelBar` (6 per body, the cotangent of the velocities the poses
   * advance with): λ̄ into `solvedBar` (its λ block at 6n), s̄, m̄⁻¹ into x̄, W̄ into
   * `inertiaBar`, d̄ and r̄ into `moveBar` (added to θ̄ by {@link addMoveBar}).
   */
  moveBackward(
    theta: Float64Array,
    contactBase: number,
    invInertiaBase: number,
    lambda: Float64Array,
    solved: Float64Array,
    x: Float64Array,
    poseVelBar: Float64Array,
    solvedBar: Float64Array,
    xbar: Float64Array,
  ): void {
    const { model, L } = this.ctx;
    const n = model.nbody;
    const contacts = this.rec.contacts;
    this.inertiaBar.fill(0);
    this.moverCount = 0;
    if (!this.rec.moved) return;
    // the moved impulses: the placed impacts' and their islands' (placement-islands.ts)
    const c = contacts.count;
    const moves = this.islands.find(
      c,
      contacts.bodyA,
      contacts.bodyB,
      model.bodyStatic,
      lambda,
      this.rec.impactFraction,
    );
    const source = this.islands.source;
    if (this.mover.length < c) {
      this.mover = new Int32Array(Math.max(c, 2 * this.mover.length));
      this.moveBar = new Float64Array(15 * this.mover.length);
    }
    for (let k = 0; moves && k < c; k++) if (source[k] >= 0) this.mover[this.moverCount++] = k;
    this.moveBar.fill(0, 0, 15 * this.moverCount);
    // the drift correction after the placement: v̄_p → v̄_place (in poseVelBar), v̄⁺, its rows' θ̄
    this.drift.backward(
      this.rec,
      this,
      theta,
      contactBase,
      invInertiaBase,
      lambda,
      solved,
      x,
      poseVelBar,
      solvedBar,
      xbar,
    );
    if (!moves) return;
    for (let mi = 0; mi < this.moverCount; mi++) {
      const k = this.mover[mi];
      // the placed impact whose fraction moves this impulse (its own for a placed one)
      const i = this.indexOf(source[k]);
      const o = contactBase + BLOCK * k;
      const s = this.scalars[SCALARS * i + S];
      const l0 = lambda[3 * k],
        l1 = lambda[3 * k + 1],
        l2 = lambda[3 * k + 2];
      const P0 = l0 * theta[o] + l1 * theta[o + 3] + l2 * theta[o + 6];
      const P1 = l0 * theta[o + 1] + l1 * theta[o + 4] + l2 * theta[o + 7];
      const P2 = l0 * theta[o + 2] + l1 * theta[o + 5] + l2 * theta[o + 8];
      let pb0 = 0,
        pb1 = 0,
        pb2 = 0,
        sBar = 0;
      for (let side = 0; side < 2; side++) {
        const body = side === 0 ? contacts.bodyB[k] : contacts.bodyA[k];
        if (model.bodyStatic[body]) continue;
        const sign = side === 0 ? -1 : 1;
        const r = o + (side === 0 ? CONTACT_R_B : CONTACT_R_A);
        const m = r - o - CONTACT_R_A + 9; // r̄'s slot in moveBar: 9 (r_A) or 12 (r_B)
        const f = sign * s;
        const c0 = f * P0,
          c1 = f * P1,
          c2 = f * P2; // scaled = sign·s·P
        const rx = theta[r],
          ry = theta[r + 1],
          rz = theta[r + 2];
        const t0 = ry * c2 - rz * c1,
          t1 = rz * c0 - rx * c2,
          t2 = rx * c1 - ry * c0; // r × scaled
        const vb = VEL * body;
        const lin0 = poseVelBar[vb],
          lin1 = poseVelBar[vb + 1],
          lin2 = poseVelBar[vb + 2];
        const ang0 = poseVelBar[vb + 3],
          ang1 = poseVelBar[vb + 4],
          ang2 = poseVelBar[vb + 5];
        const invMass = x[L.invMass + body];
        xbar[L.invMass + body] += lin0 * c0 + lin1 * c1 + lin2 * c2;
        // dw = W (r × scaled): W̄ += ang ⊗ (r × scaled), (r × scaled)̄ = Wᵀ ang
        const W = invInertiaBase + 9 * body;
        const wb = 9 * body;
        this.inertiaBar[wb] += ang0 * t0;
        this.inertiaBar[wb + 1] += ang0 * t1;
        this.inertiaBar[wb + 2] += ang0 * t2;
        this.inertiaBar[wb + 3] += ang1 * t0;
        this.inertiaBar[wb + 4] += ang1 * t1;
        this.inertiaBar[wb + 5] += ang1 * t2;
        this.inertiaBar[wb + 6] += ang2 * t0;
        this.inertiaBar[wb + 7] += ang2 * t1;
        this.inertiaBar[wb + 8] += ang2 * t2;
        const tb0 = theta[W] * ang0 + theta[W + 3] * ang1 + theta[W + 6] * ang2;
        const tb1 = theta[W + 1] * ang0 + theta[W + 4] * ang1 + theta[W + 7] * ang2;
        const tb2 = theta[W + 2] * ang0 + theta[W + 5] * ang1 + theta[W + 8] * ang2;
        // r̄ += scaled × t̄; scaled̄ = m⁻¹ lin + t̄ × r
        const mb = 15 * mi + m;
        this.moveBar[mb] += c1 * tb2 - c2 * tb1;
        this.moveBar[mb + 1] += c2 * tb0 - c0 * tb2;
        this.moveBar[mb + 2] += c0 * tb1 - c1 * tb0;
        const sc0 = invMass * lin0 + tb1 * rz - tb2 * ry;
        const sc1 = invMass * lin1 + tb2 * rx - tb0 * rz;
        const sc2 = invMass * lin2 + tb0 * ry - tb1 * rx;
        // scaled = (sign·s)·P
        sBar += sign * (P0 * sc0 + P1 * sc1 + P2 * sc2);
        pb0 += f * sc0;
        pb1 += f * sc1;
        pb2 += f * sc2;
      }
      this.scalars[SCALARS * i + S_BAR] += sBar;
      // P = Σ λ_j d_j
      for (let j = 0; j < 3; j++) {
        const d = o + 3 * j;
        solvedBar[6 * n + 3 * k + j] += theta[d] * pb0 + theta[d + 1] * pb1 + theta[d + 2] * pb2;
        const lj = lambda[3 * k + j];
        this.moveBar[15 * mi + 3 * j] += lj * pb0;
        this.moveBar[15 * mi + 3 * j + 1] += lj * pb1;
        this.moveBar[15 * mi + 3 * j + 2] += lj * pb2;
      }
    }
  }

  /** θ̄ += the position pass's d̄ and r̄ ({@link moveBackward}), after the solve's adjoint wrote θ̄. */
  addMoveBar(thetaBar: Float64Array, contactBase: number): void {
    for (let mi = 0; mi < this.moverCount; mi++) {
      const o = contactBase + BLOCK * this.mover[mi];
      for (let e = 0; e < 9; e++) thetaBar[o + e] += this.moveBar[15 * mi + e];
      for (let e = 0; e < 6; e++) thetaBar[o + CONTACT_R_A + e] += this.moveBar[15 * mi + 9 + e];
    }
    this.drift.addRowsBar(thetaBar, contactBase);
  }

  /**
   * The value of the placement's pseudo-velocities v_place (6n, into `out`): −s·M⁻¹J_kᵀλ_k
   * of every moved impulse (after {@link moveBackward}'s `find`), as position.ts `placeImpacts`.
   */
  placementValue(
    theta: Float64Array,
    contactBase: number,
    invInertiaBase: number,
    lambda: Float64Array,
    x: Float64Array,
    out: Float64Array,
  ): void {
    const { model, L } = this.ctx;
    const contacts = this.rec.contacts;
    out.fill(0);
    const source = this.islands.source;
    for (let mi = 0; mi < this.moverCount; mi++) {
      const k = this.mover[mi];
      const s = this.scalars[SCALARS * this.indexOf(source[k]) + S];
      const o = contactBase + BLOCK * k;
      const l0 = lambda[3 * k],
        l1 = lambda[3 * k + 1],
        l2 = lambda[3 * k + 2];
      const P0 = l0 * theta[o] + l1 * theta[o + 3] + l2 * theta[o + 6];
      const P1 = l0 * theta[o + 1] + l1 * theta[o + 4] + l2 * theta[o + 7];
      const P2 = l0 * theta[o + 2] + l1 * theta[o + 5] + l2 * theta[o + 8];
      for (let side = 0; side < 2; side++) {
        const body = side === 0 ? contacts.bodyB[k] : contacts.bodyA[k];
        if (model.bodyStatic[body]) continue;
        const f = (side === 0 ? -1 : 1) * s;
        applyToBody(
          theta,
          o + (side === 0 ? CONTACT_R_B : CONTACT_R_A),
          invInertiaBase + 9 * body,
          x[L.invMass + body],
          f * P0,
          f * P1,
          f * P2,
          out,
          VEL * body,
        );
      }
    }
  }

  /** d̄ of the drift correction's rows into the start geometry's cotangent ([d (c) | …]), from {@link geometryBackward}. */
  private addDistBar(geomBar: Float64Array): void {
    this.drift.addDistBar(geomBar);
  }

  /**
   * The gyroscopic term after the impacts (header) pulled back: `ybar` the step's output
   * cotangent ([q̄' (7n) | q̇̄' (6n)]), `solved` v⁺ (first 6n), `xi` the integrator's input
   * of the step (layout `IL`: start poses, m⁻¹, I⁻¹). Adds into v̄⁺ (`solvedBar`), x̄ and s̄.
   */
  gyroscopicBackward(
    ybar: Float64Array,
    solved: Float64Array,
    lambda: Float64Array,
    xi: Float64Array,
    solvedBar: Float64Array,
    xbar: Float64Array,
  ): void {
    const { model, L, integratorConfig } = this.ctx;
    const n = model.nbody;
    const contacts = this.rec.contacts;
    const gyro = this.gyroBody;
    gyro.fill(0);
    let any = false;
    for (let b = 0; b < n; b++) if (this.earliestOf[b] >= 0) gyro[b] = 1;
    // not on a body that a contact other than a placed impact carries
    for (let k = 0; k < contacts.count; k++) {
      if (this.indexOf(k) >= 0 || !(lambda[3 * k] > 0)) continue;
      gyro[contacts.bodyA[k]] = 0;
      gyro[contacts.bodyB[k]] = 0;
    }
    const yg = this.ybarG;
    yg.fill(0);
    for (let b = 0; b < n; b++) {
      if (!gyro[b]) continue;
      const s = this.earliestS[b];
      for (let e = 3; e < 6; e++) {
        const y = ybar[POSE * n + VEL * b + e];
        yg[POSE * n + VEL * b + e] = (1 - s) * y;
        if (y !== 0) any = true;
      }
    }
    if (!any) return;
    const IL = this.IL,
      xg = this.xiG;
    xg.set(xi);
    xg.fill(0, IL.wrench, IL.wrench + VEL * n);
    xg.fill(0, IL.gravity, IL.gravity + 3);
    const qG = xg.subarray(IL.q, IL.q + POSE * n),
      qdG = xg.subarray(IL.qd, IL.qd + VEL * n),
      wrenchG = xg.subarray(IL.wrench, IL.wrench + VEL * n);
    for (let pass = 0; pass < 2; pass++) {
      // G(v⁺) enters with +, G(v₀) with −
      const sign = pass === 0 ? 1 : -1;
      const v = pass === 0 ? solved : this.v0;
      for (let j = 0; j < VEL * n; j++) qdG[j] = v[j];
      const out = pass === 0 ? this.afterQd : this.beforeQd;
      integrate(this.paramsG, qG, qdG, wrenchG, this.outQ, out);
      const xgBar = integrateAdjoint(integratorConfig, xg, yg, this.xiGBar);
      // (G has no pose cotangent: an equal-moments body's q̄ from it is rounding, zeroed)
      dropIsotropicOrientation(xgBar, IL.q, yg, 0, xg, IL.invInertia, model.bodyStatic);
      for (let j = 0; j < POSE * n; j++) xbar[L.q + j] += sign * xgBar[IL.q + j];
      for (let j = 0; j < n; j++) xbar[L.invMass + j] += sign * xgBar[IL.invMass + j];
      for (let j = 0; j < 3 * n; j++) xbar[L.invInertia + j] += sign * xgBar[IL.invInertia + j];
      for (let j = 0; j < VEL * n; j++) {
        // the −ω⁺ (resp. +ω₀) beside G's
        const qdBar = sign * (xgBar[IL.qd + j] - yg[POSE * n + j]);
        if (pass === 0) solvedBar[j] += qdBar;
        else xbar[L.qd + j] += qdBar;
      }
    }
    for (let b = 0; b < n; b++) {
      if (!gyro[b]) continue;
      let sBar = 0;
      for (let e = 3; e < 6; e++) {
        const j = VEL * b + e;
        const change = this.afterQd[j] - solved[j] - (this.beforeQd[j] - this.v0[j]);
        sBar -= ybar[POSE * n + j] * change;
      }
      this.scalars[SCALARS * this.earliestOf[b] + S_BAR] += sBar;
    }
  }

  /**
   * The world inverse inertia taken at a body's earliest impact: `quatBar` the cotangent of
   * that pose's quaternion (4), pulled back through its flight into x̄ (start pose), v̄*
   * (`freeBar` at 7n) and the impact's s̄.
   */
  impactPoseBackward(body: number, quatBar: Float64Array, qo: number, freeBar: Float64Array, xbar: Float64Array): void {
    const y = this.gBar; // 7 entries: the pose's cotangent
    y.fill(0, 0, 3);
    for (let e = 0; e < 4; e++) y[3 + e] = quatBar[qo + e];
    const sBar = this.flightBackward(body, this.earliestS[body], y, freeBar, xbar);
    this.scalars[SCALARS * this.earliestOf[body] + S_BAR] += sBar;
  }

  /**
   * x̄, v̄* of one body's flight pose at s (cotangent `poseBar`, 7), added; returns s̄.
   * The flight input was [q_b, s·v*_b] (`flightIn`, rebuilt here).
   */
  private flightBackward(
    body: number,
    s: number,
    poseBar: Float64Array,
    freeBar: Float64Array,
    xbar: Float64Array,
  ): number {
    const { model, L } = this.ctx;
    const n = model.nbody;
    const x = this.flightIn;
    const vStarAt = POSE * n; // v* in `free` = [q (7n) | v* (6n)]; the same offsets in freeBar
    for (let e = 0; e < POSE; e++) x[e] = this.startPose[POSE * body + e];
    for (let e = 0; e < VEL; e++) x[POSE + e] = s * this.vStar[VEL * body + e];
    const xb = advancePosesAdjoint(1, model.dt, x, poseBar, this.flightBar);
    for (let e = 0; e < POSE; e++) xbar[L.q + POSE * body + e] += xb[e];
    let sBar = 0;
    for (let e = 0; e < VEL; e++) {
      const g = xb[POSE + e];
      freeBar[vStarAt + VEL * body + e] += s * g;
      sBar += this.vStar[VEL * body + e] * g;
    }
    return sBar;
  }

  /**
   * Placed contact i's bound and slip targets pulled back (θ̄ at its block `o`): ē into x̄;
   * the contact velocities' cotangents into the directions (`framesBar[f ..]`), the lever
   * arms (θ̄), v̄* (`freeBar` at 7n) and v̄₀ (x̄); s̄.
   */
  boundBackward(
    i: number,
    theta: Float64Array,
    o: number,
    x: Float64Array,
    thetaBar: Float64Array,
    framesBar: Float64Array,
    f: number,
    freeBar: Float64Array,
    xbar: Float64Array,
  ): void {
    const { model, L } = this.ctx;
    const n = model.nbody;
    const k = this.contact[i];
    const a = this.rec.contacts.bodyA[k],
      b = this.rec.contacts.bodyB[k];
    const s = this.scalars[SCALARS * i + S];
    const boundBar = thetaBar[o + CONTACT_BOUND];
    const eA = x[L.restitution + a],
      eB = x[L.restitution + b];
    const e = eA >= eB ? eA : eB;
    // b = −e·(u₀ − after₀) + after₀, after_j = (1 − s)(u_j − w_j), targets after₁, after₂
    const u0 = this.uEnd[3 * i],
      after0 = (1 - s) * (u0 - this.uStart[3 * i]);
    xbar[L.restitution + (restitutionBody(eA, eB) === 0 ? a : b)] -= (u0 - after0) * boundBar;
    let sBar = 0;
    for (let j = 0; j < 3; j++) {
      const afterBar = j === 0 ? (e + 1) * boundBar : thetaBar[o + CONTACT_SLIP_TARGET + j - 1];
      const uBar = (j === 0 ? -e * boundBar : 0) + (1 - s) * afterBar;
      const wBar = -(1 - s) * afterBar;
      sBar -= (this.uEnd[3 * i + j] - this.uStart[3 * i + j]) * afterBar;
      rowVelocityAdjoint(theta, o, j, this.vStar, a, b, uBar, thetaBar, framesBar, f, freeBar, POSE * n);
      rowVelocityAdjoint(theta, o, j, this.v0, a, b, wBar, thetaBar, framesBar, f, xbar, L.qd);
    }
    this.scalars[SCALARS * i + S_BAR] += sBar;
  }

  /** Placed contact i's lever arms r₂ = p₂ − x(s) pulled back from θ̄ at its block `o`: p̄₂, x̄(s). */
  leverBackward(i: number, o: number, thetaBar: Float64Array): void {
    const g = 7 * i,
      q = 2 * POSE * i;
    this.g2Bar.fill(0, g, g + 7);
    this.q2Bar.fill(0, q, q + 2 * POSE);
    for (let e = 0; e < 3; e++) {
      const rA = thetaBar[o + CONTACT_R_A + e],
        rB = thetaBar[o + CONTACT_R_B + e];
      this.g2Bar[g + 4 + e] = rA + rB;
      this.q2Bar[q + e] = -rA;
      this.q2Bar[q + POSE + e] = -rB;
    }
  }

  /**
   * The rest of the chain of every placed contact, from n̄₂ (`normalsBar`, 3 per contact;
   * taken and zeroed here, so the caller's start geometry does not see it) back to the
   * start: the impact geometry, the flight at s, the refinement, the geometry at s₀, the
   * flight there, s₀ and the approach. Adds x̄, v̄* (`freeBar` at 7n), v̄₀ and sizē into x̄,
   * and the start geometry's cotangent into `geomBar` ([d (c) | n (3c) | p (3c)]).
   */
  geometryBackward(normalsBar: Float64Array, geomBar: Float64Array, freeBar: Float64Array, xbar: Float64Array): void {
    const { model, L } = this.ctx;
    const n = model.nbody,
      dt = model.dt;
    const contacts = this.rec.contacts;
    const c = contacts.count;
    this.addDistBar(geomBar);
    for (let i = 0; i < this.count; i++) {
      const k = this.contact[i];
      const a = contacts.bodyA[k],
        b = contacts.bodyB[k];
      const sc = SCALARS * i;
      for (let e = 0; e < 3; e++) {
        this.g2Bar[7 * i + 1 + e] = normalsBar[3 * k + e];
        normalsBar[3 * k + e] = 0;
      }
      // (d₂, n₂, p₂) at flight(q, s), then the flight
      const sBar =
        this.scalars[sc + S_BAR] +
        this.geometryAtBackward(
          k,
          2 * POSE * i,
          this.scalars[sc + S],
          this.q2,
          this.g2Bar,
          7 * i,
          this.q2Bar,
          2 * POSE * i,
          freeBar,
          xbar,
        );
      // refinedImpactFraction
      const s0 = this.scalars[sc + S0];
      let s0Bar = sBar;
      let rateBar = 0;
      const gBar1 = this.gBar1;
      gBar1.fill(0);
      if (this.scalars[sc + REFINED] === 1) {
        const rate = this.scalars[sc + RATE],
          d1 = this.g1[7 * i];
        gBar1[0] = sBar / (-dt * rate);
        rateBar = (sBar * d1) / (dt * rate * rate);
      }
      // rate = s₀·u(n₁, r₁; v*) + (1 − s₀)·u(n₁, r₁; v₀)
      s0Bar += rateBar * (this.scalars[sc + U_END1] - this.scalars[sc + U_START1]);
      const B1 = this.block1,
        o1 = BLOCK * i,
        bb = this.blockBar;
      bb.fill(0);
      // a copy at offset 0 (the adjoint writes r̄ at the block's own offsets, here in blockBar)
      this.blockAt.set(B1.subarray(o1, o1 + BLOCK));
      rowVelocityAdjoint(this.blockAt, 0, 0, this.vStar, a, b, s0 * rateBar, bb, bb, 0, freeBar, POSE * n);
      rowVelocityAdjoint(this.blockAt, 0, 0, this.v0, a, b, (1 - s0) * rateBar, bb, bb, 0, xbar, L.qd);
      // r₁ = p₁ − x(s₀)
      const q1Bar = this.q1Bar;
      q1Bar.fill(0);
      for (let e = 0; e < 3; e++) {
        gBar1[1 + e] = bb[e];
        const rA = bb[CONTACT_R_A + e],
          rB = bb[CONTACT_R_B + e];
        gBar1[4 + e] = rA + rB;
        q1Bar[e] = -rA;
        q1Bar[POSE + e] = -rB;
      }
      s0Bar += this.geometryAtBackward(k, 2 * POSE * i, s0, this.q1, gBar1, 0, q1Bar, 0, freeBar, xbar);
      // s₀ = d₀/(−dt·u⁻): d̄₀, ū⁻
      const u0 = this.scalars[sc + APPROACH0];
      geomBar[k] += s0Bar / (-dt * u0);
      const u0Bar = (s0Bar * contacts.dist[k]) / (dt * u0 * u0);
      // u⁻ = u(n₀, r₀; v*), r₀ = p₀ − x
      bb.fill(0);
      this.blockAt.set(this.block0.subarray(BLOCK * i, BLOCK * i + BLOCK));
      rowVelocityAdjoint(this.blockAt, 0, 0, this.vStar, a, b, u0Bar, bb, bb, 0, freeBar, POSE * n);
      for (let e = 0; e < 3; e++) {
        const rA = bb[CONTACT_R_A + e],
          rB = bb[CONTACT_R_B + e];
        geomBar[c + 3 * k + e] += bb[e];
        geomBar[4 * c + 3 * k + e] += rA + rB;
        xbar[L.q + POSE * a + e] -= rA;
        xbar[L.q + POSE * b + e] -= rB;
      }
    }
  }

  private readonly gBar1 = new Float64Array(7);
  private readonly q1Bar = new Float64Array(2 * POSE);
  private readonly blockAt = new Float64Array(BLOCK);

  /**
   * Contact k's geometry at flight(q, s) pulled back: the poses at `q[qo ..]` (a, then b),
   * ḡ = [d̄, n̄, p̄] at `gBar[go ..]`, the poses' further cotangent at `qBar[qbo ..]`; x̄, v̄*,
   * sizē added; returns s̄.
   */
  private geometryAtBackward(
    k: number,
    qo: number,
    s: number,
    q: Float64Array,
    gBar: Float64Array,
    go: number,
    qBar: Float64Array,
    qbo: number,
    freeBar: Float64Array,
    xbar: Float64Array,
  ): number {
    const { model, L } = this.ctx;
    const n = model.nbody;
    this.setFeatures(k);
    const a = this.one.bodyA[0],
      b = this.one.bodyB[0];
    for (let side = 0; side < 2; side++) {
      const body = side === 0 ? a : b;
      for (let e = 0; e < POSE; e++) this.qFull[POSE * body + e] = q[qo + POSE * side + e];
    }
    for (let e = 0; e < 7; e++) this.geom[e] = gBar[go + e];
    const qb = this.qBarFull,
      sb = this.sizeBarFull;
    qb.fill(0);
    sb.fill(0);
    contactGeometryAdjoint(this.ctx.geometryInput, this.one, this.qFull, this.sizes, this.geom, qb, sb);
    this.restoreFull(this.startPose);
    for (let e = 0; e < 4 * n; e++) xbar[L.geomSize + e] += sb[e];
    let sBar = 0;
    for (let side = 0; side < 2; side++) {
      const body = side === 0 ? a : b;
      if (side === 1 && b === a) break;
      const y = this.poseBar;
      for (let e = 0; e < POSE; e++) y[e] = qb[POSE * body + e] + qBar[qbo + POSE * side + e];
      if (model.bodyStatic[body]) {
        for (let e = 0; e < POSE; e++) xbar[L.q + POSE * body + e] += y[e];
        continue;
      }
      sBar += this.flightBackward(body, s, y, freeBar, xbar);
    }
    return sBar;
  }

  private readonly poseBar = new Float64Array(POSE);
}
