/**
 * The position pass's drift correction (position.ts) in the hand adjoint of a step that
 * places an impact (placed-adjoint.ts): test/sim/hard/oracle/traced-step.ts's `driftCorrection` in plain
 * arithmetic with its adjoint written out. With the active set A fixed (the record's
 * `positionActive`, its independent rows by position.ts `independentRows`), J the normal
 * rows of the solve (frame n, lever arms r_A, r_B in θ), M⁻¹ the inverse masses and world
 * inverse inertias, v⁺ the solve's velocities and v_place the placement's pseudo-velocities:
 *
 *   w = v⁺ + v_place,  W λ = ρ,  W = J M⁻¹ Jᵀ,  ρ = −d/dt − J w,   v_p = v_place + M⁻¹Jᵀλ
 *
 * Backward from v̄_p (ν):  λ̄ = J M⁻¹ ν,  ρ̄ = W⁻¹ λ̄,  g = ν − Jᵀρ̄,  F = Jᵀλ, and
 *
 *   v̄_place = g,  v̄⁺ += g − ν,  d̄ = −ρ̄/dt,  m̄⁻¹_b += g_lin·F_lin,  W̄_b += g_ang ⊗ F_ang,
 *   J̄_i = λ_i·(M⁻¹g) − ρ̄_i·(v⁺ + v_p)     (the row J_i's cotangent as that of J_i·z)
 *
 * (W̄ = −ρ̄λᵀ and the response's M⁻¹Jᵀ collected into g and F). Nothing is allocated per
 * step: scratch grows with the bodies and the active rows.
 */
import { CONTACT_R_A, CONTACT_R_B, IMPULSE_CONTACT_WIDTH } from './impulse-layout.ts';
import { contactRowVelocity } from './impulse-adjoint.ts';
import { independentRows } from './position.ts';
import { sideVelocityTangent } from './step-tangent.ts';
import type { HardStepRecord, TracedStepContext } from './record.ts';

const VEL = 6;
/** Per row: n̄ (3), r̄_A (3), r̄_B (3). */
const ROW_BAR = 9;

/**
 * Adds M_b⁻¹ times the impulse (p0, p1, p2) at the lever arm `theta[r ..]` to `out[vo ..]`
 * (6): linear m⁻¹p, angular W (r × p), W at `theta[w ..]` (row-major).
 */
export function applyToBody(
  theta: Float64Array,
  r: number,
  w: number,
  invMass: number,
  p0: number,
  p1: number,
  p2: number,
  out: Float64Array,
  vo: number,
): void {
  const rx = theta[r],
    ry = theta[r + 1],
    rz = theta[r + 2];
  const t0 = ry * p2 - rz * p1,
    t1 = rz * p0 - rx * p2,
    t2 = rx * p1 - ry * p0;
  out[vo] += invMass * p0;
  out[vo + 1] += invMass * p1;
  out[vo + 2] += invMass * p2;
  out[vo + 3] += theta[w] * t0 + theta[w + 1] * t1 + theta[w + 2] * t2;
  out[vo + 4] += theta[w + 3] * t0 + theta[w + 4] * t1 + theta[w + 5] * t2;
  out[vo + 5] += theta[w + 6] * t0 + theta[w + 7] * t1 + theta[w + 8] * t2;
}

/** The placement's side of the step adjoint that the drift correction reads (placed-adjoint.ts `PlacedImpacts`). */
export interface PlacementValues {
  /** W̄ of the world inverse inertias (9 per body), added to */
  readonly inertiaBar: Float64Array;
  /** v_place (6n) into `out` */
  placementValue(
    theta: Float64Array,
    contactBase: number,
    invInertiaBase: number,
    lambda: Float64Array,
    x: Float64Array,
    out: Float64Array,
  ): void;
}

/** The drift correction's adjoint (module header), one step at a time. */
export class DriftCorrectionAdjoint {
  /** kept rows this step: their contacts */
  count = 0;
  private rows = new Int32Array(0);
  private all = new Int32Array(0);
  private keep = new Uint8Array(0);
  private w0 = new Float64Array(0);
  private chol = new Float64Array(0);
  /** (12 per row) M⁻¹J_iᵀ at body A (6) and body B (6) */
  private resp = new Float64Array(0);
  private lam = new Float64Array(0);
  private rhoBar = new Float64Array(0);
  private rowsBar = new Float64Array(0);
  private distBar = new Float64Array(0);
  private readonly vPlace: Float64Array;
  private readonly full: Float64Array;
  private readonly g: Float64Array;
  private readonly force: Float64Array;
  private readonly z1: Float64Array;
  private readonly z2: Float64Array;

  constructor(private readonly ctx: TracedStepContext) {
    const n = ctx.model.nbody;
    this.vPlace = new Float64Array(VEL * n);
    this.full = new Float64Array(VEL * n);
    this.g = new Float64Array(VEL * n);
    this.force = new Float64Array(VEL * n);
    this.z1 = new Float64Array(VEL * n);
    this.z2 = new Float64Array(VEL * n);
  }

  private ensure(m: number): void {
    if (this.all.length >= m) return;
    const cap = Math.max(m, 2 * this.all.length, 4);
    this.rows = new Int32Array(cap);
    this.all = new Int32Array(cap);
    this.keep = new Uint8Array(cap);
    this.w0 = new Float64Array(cap * cap);
    this.chol = new Float64Array(cap * cap);
    this.resp = new Float64Array(2 * VEL * cap);
    this.lam = new Float64Array(cap);
    this.rhoBar = new Float64Array(cap);
    this.rowsBar = new Float64Array(ROW_BAR * cap);
    this.distBar = new Float64Array(cap);
  }

  /**
   * The correction's values on the record's active rows (module header): the kept rows,
   * their responses M⁻¹J_iᵀ, W's Cholesky factor, λ, w = v⁺ + v_place (`full`) and
   * z = w + M⁻¹Jᵀλ; `force` = Jᵀλ. Returns false (count 0) where the correction did not run.
   */
  values(
    rec: HardStepRecord,
    placement: PlacementValues,
    theta: Float64Array,
    contactBase: number,
    invInertiaBase: number,
    lambda: Float64Array,
    solved: Float64Array,
    x: Float64Array,
  ): boolean {
    const { model, L } = this.ctx;
    const n = model.nbody,
      dt = model.dt;
    const contacts = rec.contacts;
    const c = contacts.count;
    this.count = 0;
    let m0 = 0;
    for (let k = 0; k < c; k++) if (rec.positionActive[k]) m0++;
    if (m0 === 0) return false;
    this.ensure(m0);
    const { all, resp, full } = this;
    m0 = 0;
    for (let k = 0; k < c; k++) if (rec.positionActive[k]) all[m0++] = k;
    // responses M⁻¹J_iᵀ of a unit impulse along each row's normal, and W0 = J M⁻¹ Jᵀ
    resp.fill(0, 0, 2 * VEL * m0);
    for (let i = 0; i < m0; i++) {
      const k = all[i];
      const o = contactBase + IMPULSE_CONTACT_WIDTH * k;
      for (let side = 0; side < 2; side++) {
        const body = side === 0 ? contacts.bodyA[k] : contacts.bodyB[k];
        if (model.bodyStatic[body]) continue;
        const f = side === 0 ? -1 : 1;
        const r = o + (side === 0 ? CONTACT_R_A : CONTACT_R_B);
        const w = invInertiaBase + 9 * body;
        applyToBody(
          theta,
          r,
          w,
          x[L.invMass + body],
          f * theta[o],
          f * theta[o + 1],
          f * theta[o + 2],
          resp,
          2 * VEL * i + VEL * side,
        );
      }
    }
    full.fill(0);
    for (let j = 0; j < m0; j++) {
      this.scatter(rec, j, all[j], 1);
      for (let i = 0; i < m0; i++) this.w0[i * m0 + j] = this.row(theta, contactBase, rec, all[i], full);
      this.scatter(rec, j, all[j], 0);
    }
    independentRows(this.w0, m0, this.keep, this.chol);
    let m = 0;
    for (let i = 0; i < m0; i++) {
      if (!this.keep[i]) continue;
      // compact the kept rows (their responses move down with them)
      this.rows[m] = all[i];
      if (m !== i) resp.copyWithin(2 * VEL * m, 2 * VEL * i, 2 * VEL * (i + 1));
      m++;
    }
    this.count = m;
    const rows = this.rows;
    // W on the kept rows, Cholesky into chol
    const W = this.w0; // reused: kept rows' W, m × m
    let ki = 0;
    for (let i = 0; i < m0; i++) {
      if (!this.keep[i]) continue;
      let kj = 0;
      for (let j = 0; j < m0; j++) {
        if (!this.keep[j]) continue;
        this.chol[ki * m + kj] = this.w0[i * m0 + j];
        kj++;
      }
      ki++;
    }
    W.set(this.chol.subarray(0, m * m));
    cholesky(W, m);
    // λ = W⁻¹ρ, ρ = −d/dt − J(v⁺ + v_place)
    const vPlace = this.vPlace;
    placement.placementValue(theta, contactBase, invInertiaBase, lambda, x, vPlace);
    for (let j = 0; j < VEL * n; j++) full[j] = solved[j] + vPlace[j];
    const lam = this.lam;
    for (let i = 0; i < m; i++)
      lam[i] = -contacts.dist[rows[i]] / dt - this.row(theta, contactBase, rec, rows[i], full);
    choleskySolve(W, m, lam);
    // F = Jᵀλ, z2 = v⁺ + v_place + M⁻¹Jᵀλ
    const { force, z2 } = this;
    force.fill(0);
    for (let j = 0; j < VEL * n; j++) z2[j] = full[j];
    for (let i = 0; i < m; i++) {
      const k = rows[i];
      const o = contactBase + IMPULSE_CONTACT_WIDTH * k;
      addRowTranspose(theta, o, contacts.bodyA[k], contacts.bodyB[k], lam[i], force);
      for (let side = 0; side < 2; side++) {
        const vo = VEL * (side === 0 ? contacts.bodyA[k] : contacts.bodyB[k]);
        for (let e = 0; e < VEL; e++) z2[vo + e] += lam[i] * resp[2 * VEL * i + VEL * side + e];
      }
    }
    return true;
  }

  /**
   * The correction pulled back: `poseVelBar` (ν, 6n) is replaced by v̄_place; v̄⁺ into
   * `solvedBar` (first 6n), m̄⁻¹ into x̄, W̄ into `placement.inertiaBar`; the rows' θ̄ and d̄
   * kept for {@link addRowsBar} and {@link addDistBar}. `solved` holds v⁺ (first 6n).
   */
  backward(
    rec: HardStepRecord,
    placement: PlacementValues,
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
    if (!this.values(rec, placement, theta, contactBase, invInertiaBase, lambda, solved, x)) return;
    const { model, L } = this.ctx;
    const n = model.nbody,
      dt = model.dt;
    const contacts = rec.contacts;
    const { resp, rows, lam } = this;
    const m = this.count;
    const W = this.w0;
    // λ̄ = resp · ν, ρ̄ = W⁻¹λ̄
    const rhoBar = this.rhoBar;
    for (let i = 0; i < m; i++) {
      const k = rows[i];
      let s = 0;
      for (let side = 0; side < 2; side++) {
        const vo = VEL * (side === 0 ? contacts.bodyA[k] : contacts.bodyB[k]);
        for (let e = 0; e < VEL; e++) s += resp[2 * VEL * i + VEL * side + e] * poseVelBar[vo + e];
      }
      rhoBar[i] = s;
    }
    choleskySolve(W, m, rhoBar);
    // g = ν − Jᵀρ̄
    const { g, force, z1, z2 } = this;
    g.set(poseVelBar.subarray(0, VEL * n));
    for (let i = 0; i < m; i++) {
      const k = rows[i];
      const o = contactBase + IMPULSE_CONTACT_WIDTH * k;
      addRowTranspose(theta, o, contacts.bodyA[k], contacts.bodyB[k], -rhoBar[i], g);
    }
    // z1 = M⁻¹g; m̄⁻¹, W̄
    z1.fill(0);
    const inertiaBar = placement.inertiaBar;
    for (let b = 0; b < n; b++) {
      if (model.bodyStatic[b]) continue;
      const vo = VEL * b;
      const im = x[L.invMass + b];
      xbar[L.invMass + b] += g[vo] * force[vo] + g[vo + 1] * force[vo + 1] + g[vo + 2] * force[vo + 2];
      const w = invInertiaBase + 9 * b;
      for (let r = 0; r < 3; r++) {
        z1[vo + r] = im * g[vo + r];
        z1[vo + 3 + r] =
          theta[w + 3 * r] * g[vo + 3] + theta[w + 3 * r + 1] * g[vo + 4] + theta[w + 3 * r + 2] * g[vo + 5];
        for (let col = 0; col < 3; col++) inertiaBar[9 * b + 3 * r + col] += g[vo + 3 + r] * force[vo + 3 + col];
      }
    }
    // the rows' cotangents, d̄; v̄⁺ += g − ν; v̄_place = g
    this.rowsBar.fill(0, 0, ROW_BAR * m);
    for (let i = 0; i < m; i++) {
      const k = rows[i];
      const o = contactBase + IMPULSE_CONTACT_WIDTH * k;
      rowAdjoint(theta, o, contacts.bodyA[k], contacts.bodyB[k], z1, lam[i], this.rowsBar, ROW_BAR * i);
      rowAdjoint(theta, o, contacts.bodyA[k], contacts.bodyB[k], z2, -rhoBar[i], this.rowsBar, ROW_BAR * i);
      this.distBar[i] = -rhoBar[i] / dt;
    }
    for (let j = 0; j < VEL * n; j++) {
      solvedBar[j] += g[j] - poseVelBar[j];
      poseVelBar[j] = g[j];
    }
  }

  /**
   * The correction's tangent on a step WITHOUT a placement (v_place = 0), after
   * {@link values}: with a = Ṁ⁻¹F + M⁻¹J̇ᵀλ (F = Jᵀλ) and z = v⁺ + v_p,
   *
   *   W λ̇ = −ḋ/dt − J̇ z − J(v̇⁺ + a),   v̇_p = a + M⁻¹Jᵀλ̇
   *
   * (the derivative of W λ = −d/dt − J v⁺, v_p = M⁻¹Jᵀλ, with Ẇλ = J̇ v_p + J(Ṁ⁻¹F + M⁻¹J̇ᵀλ)).
   * Direction j reads θ̇ (frames' n, lever arms, world inverse inertias at `invInertiaBase`)
   * at `thetaDot[j·tw ..]`, ḋ_k at `distDot[j·ds + k]`, ṁ⁻¹ at `xdot[j·xs + L.invMass ..]`,
   * v̇⁺ at `solvedDot[j·sw ..]`; writes v̇_p (6n) to `out[j·6n ..]`.
   */
  tangent(
    rec: HardStepRecord,
    theta: Float64Array,
    contactBase: number,
    invInertiaBase: number,
    x: Float64Array,
    dirs: number,
    thetaDot: Float64Array,
    tw: number,
    distDot: Float64Array,
    ds: number,
    xdot: Float64Array,
    xs: number,
    solvedDot: Float64Array,
    sw: number,
    out: Float64Array,
  ): void {
    const { model, L } = this.ctx;
    const n = model.nbody,
      dt = model.dt;
    const { bodyA, bodyB } = rec.contacts;
    const { resp, rows, lam, force, z2, g: a } = this;
    const m = this.count;
    const rhs = this.rhoBar;
    for (let j = 0; j < dirs; j++) {
      const t = j * tw,
        vd = j * sw,
        od = VEL * n * j;
      // a = Ṁ⁻¹F + M⁻¹(J̇ᵀλ): J̇ᵀλ into z1 first
      const jt = this.z1;
      jt.fill(0);
      for (let i = 0; i < m; i++) {
        const o = contactBase + IMPULSE_CONTACT_WIDTH * rows[i];
        addRowTransposeTangent(theta, thetaDot, t, o, bodyA[rows[i]], bodyB[rows[i]], lam[i], jt);
      }
      a.fill(0);
      for (let b = 0; b < n; b++) {
        if (model.bodyStatic[b]) continue;
        const vo = VEL * b;
        const im = x[L.invMass + b],
          imDot = xdot[j * xs + L.invMass + b];
        const w = invInertiaBase + 9 * b;
        for (let r = 0; r < 3; r++) {
          a[vo + r] = imDot * force[vo + r] + im * jt[vo + r];
          let ang = 0;
          for (let col = 0; col < 3; col++)
            ang += thetaDot[t + w + 3 * r + col] * force[vo + 3 + col] + theta[w + 3 * r + col] * jt[vo + 3 + col];
          a[vo + 3 + r] = ang;
        }
      }
      // rhs = −ḋ/dt − (J̇ z + J(v̇⁺ + a)): the row's tangent at z along v̇⁺ + a (in jt); λ̇ = W⁻¹ rhs
      for (let e = 0; e < VEL * n; e++) jt[e] = solvedDot[vd + e] + a[e];
      for (let i = 0; i < m; i++) {
        const k = rows[i];
        const o = contactBase + IMPULSE_CONTACT_WIDTH * k;
        const A = VEL * bodyA[k],
          B = VEL * bodyB[k];
        rhs[i] =
          -distDot[j * ds + k] / dt -
          (sideVelocityTangent(theta, thetaDot, o, o + CONTACT_R_B, t, z2, jt, B, B) -
            sideVelocityTangent(theta, thetaDot, o, o + CONTACT_R_A, t, z2, jt, A, A));
      }
      choleskySolve(this.w0, m, rhs);
      for (let e = 0; e < VEL * n; e++) out[od + e] = a[e];
      for (let i = 0; i < m; i++) {
        const k = rows[i];
        for (let side = 0; side < 2; side++) {
          const vo = od + VEL * (side === 0 ? bodyA[k] : bodyB[k]);
          for (let e = 0; e < VEL; e++) out[vo + e] += rhs[i] * resp[2 * VEL * i + VEL * side + e];
        }
      }
    }
  }

  /** θ̄ += the kept rows' n̄ (frame's first direction), r̄_A, r̄_B. */
  addRowsBar(thetaBar: Float64Array, contactBase: number): void {
    for (let i = 0; i < this.count; i++) {
      const o = contactBase + IMPULSE_CONTACT_WIDTH * this.rows[i];
      for (let e = 0; e < 3; e++) {
        thetaBar[o + e] += this.rowsBar[ROW_BAR * i + e];
        thetaBar[o + CONTACT_R_A + e] += this.rowsBar[ROW_BAR * i + 3 + e];
        thetaBar[o + CONTACT_R_B + e] += this.rowsBar[ROW_BAR * i + 6 + e];
      }
    }
  }

  /** The start distances' cotangents d̄ into `geomBar[k]` (the start geometry's [d (c) | …]). */
  addDistBar(geomBar: Float64Array): void {
    for (let i = 0; i < this.count; i++) geomBar[this.rows[i]] += this.distBar[i];
  }

  /** Row i's response into `full` (on = 1) or zeroes its bodies' entries (on = 0). */
  private scatter(rec: HardStepRecord, i: number, k: number, on: number): void {
    const { bodyA, bodyB } = rec.contacts;
    for (let side = 0; side < 2; side++) {
      const vo = VEL * (side === 0 ? bodyA[k] : bodyB[k]);
      for (let e = 0; e < VEL; e++)
        this.full[vo + e] = on === 0 ? 0 : this.full[vo + e] + this.resp[2 * VEL * i + VEL * side + e];
    }
  }

  /** J_k·v along contact k's normal row (θ's frame n, lever arms). */
  private row(theta: Float64Array, contactBase: number, rec: HardStepRecord, k: number, v: Float64Array): number {
    const o = contactBase + IMPULSE_CONTACT_WIDTH * k;
    return contactRowVelocity(theta, o, v, rec.contacts.bodyA[k], rec.contacts.bodyB[k], 0);
  }
}

/** out += c·J_kᵀ: body B +c[n ; r_B × n], body A −c[n ; r_A × n]. */
function addRowTranspose(theta: Float64Array, o: number, a: number, b: number, c: number, out: Float64Array): void {
  for (let side = 0; side < 2; side++) {
    const vo = VEL * (side === 0 ? a : b);
    const r = o + (side === 0 ? CONTACT_R_A : CONTACT_R_B);
    const f = (side === 0 ? -1 : 1) * c;
    const nx = theta[o],
      ny = theta[o + 1],
      nz = theta[o + 2];
    const rx = theta[r],
      ry = theta[r + 1],
      rz = theta[r + 2];
    out[vo] += f * nx;
    out[vo + 1] += f * ny;
    out[vo + 2] += f * nz;
    out[vo + 3] += f * (ry * nz - rz * ny);
    out[vo + 4] += f * (rz * nx - rx * nz);
    out[vo + 5] += f * (rx * ny - ry * nx);
  }
}

/**
 * c·∂(J_k·z)/∂(n, r_A, r_B) into `bar[at ..]` (n̄, r̄_A, r̄_B): ∂/∂n = z_B − z_A + ω_B × r_B − ω_A × r_A
 * (linear parts z, angular ω), ∂/∂r_B = n × ω_B, ∂/∂r_A = −n × ω_A.
 */
function rowAdjoint(
  theta: Float64Array,
  o: number,
  a: number,
  b: number,
  z: Float64Array,
  c: number,
  bar: Float64Array,
  at: number,
): void {
  if (c === 0) return;
  const nx = theta[o],
    ny = theta[o + 1],
    nz = theta[o + 2];
  for (let side = 0; side < 2; side++) {
    const vo = VEL * (side === 0 ? a : b);
    const r = o + (side === 0 ? CONTACT_R_A : CONTACT_R_B);
    const f = (side === 0 ? -1 : 1) * c;
    const rx = theta[r],
      ry = theta[r + 1],
      rz = theta[r + 2];
    const wx = z[vo + 3],
      wy = z[vo + 4],
      wz = z[vo + 5];
    bar[at] += f * (z[vo] + wy * rz - wz * ry);
    bar[at + 1] += f * (z[vo + 1] + wz * rx - wx * rz);
    bar[at + 2] += f * (z[vo + 2] + wx * ry - wy * rx);
    const rb = at + (side === 0 ? 3 : 6);
    bar[rb] += f * (ny * wz - nz * wy);
    bar[rb + 1] += f * (nz * wx - nx * wz);
    bar[rb + 2] += f * (nx * wy - ny * wx);
  }
}

/** out += c·J̇_kᵀ: body B +c[ṅ ; ṙ_B × n + r_B × ṅ], body A −c[ṅ ; ṙ_A × n + r_A × ṅ]. */
function addRowTransposeTangent(
  theta: Float64Array,
  thetaDot: Float64Array,
  t: number,
  o: number,
  a: number,
  b: number,
  c: number,
  out: Float64Array,
): void {
  const nx = theta[o],
    ny = theta[o + 1],
    nz = theta[o + 2];
  const dx = thetaDot[t + o],
    dy = thetaDot[t + o + 1],
    dz = thetaDot[t + o + 2];
  for (let side = 0; side < 2; side++) {
    const vo = VEL * (side === 0 ? a : b);
    const r = o + (side === 0 ? CONTACT_R_A : CONTACT_R_B);
    const f = (side === 0 ? -1 : 1) * c;
    const rx = theta[r],
      ry = theta[r + 1],
      rz = theta[r + 2];
    const rdx = thetaDot[t + r],
      rdy = thetaDot[t + r + 1],
      rdz = thetaDot[t + r + 2];
    out[vo] += f * dx;
    out[vo + 1] += f * dy;
    out[vo + 2] += f * dz;
    out[vo + 3] += f * (rdy * nz - rdz * ny + ry * dz - rz * dy);
    out[vo + 4] += f * (rdz * nx - rdx * nz + rz * dx - rx * dz);
    out[vo + 5] += f * (rdx * ny - rdy * nx + rx * dy - ry * dx);
  }
}

/** In-place Cholesky W = L Lᵀ (L in the lower triangle) of the m × m symmetric positive definite `w`. */
function cholesky(w: Float64Array, m: number): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = w[i * m + j];
      for (let t = 0; t < j; t++) s -= w[i * m + t] * w[j * m + t];
      w[i * m + j] = i === j ? Math.sqrt(s) : s / w[j * m + j];
    }
  }
}

/** Solves L Lᵀ y = b in place (`b` of length m), L from {@link cholesky}. */
function choleskySolve(l: Float64Array, m: number, b: Float64Array): void {
  for (let i = 0; i < m; i++) {
    let s = b[i];
    for (let t = 0; t < i; t++) s -= l[i * m + t] * b[t];
    b[i] = s / l[i * m + i];
  }
  for (let i = m - 1; i >= 0; i--) {
    let s = b[i];
    for (let t = i + 1; t < m; t++) s -= l[t * m + i] * b[t];
    b[i] = s / l[i * m + i];
  }
}

/**
 * The drift correction on a step that places no impact (issue 13: it runs there on
 * penetration beyond the tolerance — initial overlap, rotation over the step, an
 * unconverged solve — and was a constant of the gradient): v_place = 0, so the placement
 * the correction reads is this object's zero, and W̄ of the world inverse inertias is
 * collected in its own `inertiaBar`. The hooks of step-adjoint.ts (pullback) and
 * step-tangent.ts (tangent) on a step the pass moved (`rec.moved`); one per context.
 */
export class UnplacedDriftCorrection implements PlacementValues {
  readonly inertiaBar: Float64Array;
  readonly drift: DriftCorrectionAdjoint;
  /** (6n) the cotangent of the velocities the poses advance with, from the poses' adjoint */
  private readonly poseVelBar: Float64Array;
  /** (dirs × 6n) v̇_p of the last {@link tangent} */
  pseudoDot = new Float64Array(0);

  constructor(private readonly ctx: TracedStepContext) {
    const n = ctx.model.nbody;
    this.inertiaBar = new Float64Array(9 * n);
    this.poseVelBar = new Float64Array(VEL * n);
    this.drift = new DriftCorrectionAdjoint(ctx);
  }

  /** v_place = 0: no impact placed. */
  placementValue(
    _theta: Float64Array,
    _contactBase: number,
    _invInertiaBase: number,
    _lambda: Float64Array,
    _x: Float64Array,
    out: Float64Array,
  ): void {
    out.fill(0);
  }

  /**
   * The pullback: `poseInputBar` the poses' input cotangents (pose-kernels.ts layout, one
   * block of `width` per body of `moving[0 .. nm]`, velocities from 7), already added to
   * v̄⁺; adds the correction's v̄⁺ (solvedBar), m̄⁻¹ (x̄) and keeps W̄, the rows' θ̄ and d̄ for
   * {@link finish}. Returns whether the correction ran (its rows are then to be finished).
   */
  backward(
    rec: HardStepRecord,
    theta: Float64Array,
    contactBase: number,
    invInertiaBase: number,
    lambda: Float64Array,
    solved: Float64Array,
    x: Float64Array,
    poseInputBar: Float64Array,
    width: number,
    moving: Int32Array | readonly number[],
    nm: number,
    solvedBar: Float64Array,
    xbar: Float64Array,
  ): boolean {
    const nu = this.poseVelBar;
    nu.fill(0);
    for (let j = 0; j < nm; j++)
      for (let z = 0; z < VEL; z++) nu[VEL * moving[j] + z] = poseInputBar[width * j + 7 + z];
    this.inertiaBar.fill(0);
    this.drift.backward(rec, this, theta, contactBase, invInertiaBase, lambda, solved, x, nu, solvedBar, xbar);
    return this.drift.count > 0;
  }

  /**
   * After the solve's adjoint: the rows' θ̄ into `thetaBar`, W̄ into `WBar` (9 per dynamic
   * body, `dynamic` order), d̄ into `geomBar` (the start geometry's [d (c) | …]).
   */
  finish(
    thetaBar: Float64Array,
    contactBase: number,
    WBar: Float64Array,
    dynamic: readonly number[],
    geomBar: Float64Array,
  ): void {
    this.drift.addRowsBar(thetaBar, contactBase);
    for (let j = 0; j < dynamic.length; j++)
      for (let z = 0; z < 9; z++) WBar[9 * j + z] += this.inertiaBar[9 * dynamic[j] + z];
    this.drift.addDistBar(geomBar);
  }

  /**
   * The tangent v̇_p (dirs × 6n, in {@link pseudoDot}) of the correction on the step
   * (`DriftCorrectionAdjoint.tangent`'s inputs); returns null where it did not run.
   */
  tangent(
    rec: HardStepRecord,
    theta: Float64Array,
    contactBase: number,
    invInertiaBase: number,
    lambda: Float64Array,
    solved: Float64Array,
    x: Float64Array,
    dirs: number,
    thetaDot: Float64Array,
    tw: number,
    distDot: Float64Array,
    ds: number,
    xdot: Float64Array,
    xs: number,
    solvedDot: Float64Array,
    sw: number,
  ): Float64Array | null {
    if (!this.drift.values(rec, this, theta, contactBase, invInertiaBase, lambda, solved, x)) return null;
    const size = VEL * this.ctx.model.nbody * dirs;
    if (this.pseudoDot.length < size) this.pseudoDot = new Float64Array(size);
    this.drift.tangent(
      rec,
      theta,
      contactBase,
      invInertiaBase,
      x,
      dirs,
      thetaDot,
      tw,
      distDot,
      ds,
      xdot,
      xs,
      solvedDot,
      sw,
      this.pseudoDot,
    );
    return this.pseudoDot;
  }
}

const _unplaced = new WeakMap<TracedStepContext, UnplacedDriftCorrection>();

/** The context's {@link UnplacedDriftCorrection} (made at its first use). */
export function unplacedDriftOf(ctx: TracedStepContext): UnplacedDriftCorrection {
  let d = _unplaced.get(ctx);
  if (d === undefined) {
    d = new UnplacedDriftCorrection(ctx);
    _unplaced.set(ctx, d);
  }
  return d;
}
