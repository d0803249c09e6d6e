/**
 * The pair sweep's adjoint (pair-sweep.ts): the sweep in reverse. The kernel's adjoint
 * (wrenches.ts) replays the forward sweep, which keeps each pair's start velocities and
 * dissipative wrench, then walks the contacts backwards in the sweep's order. Entering a
 * pair from its end ({@link sweepPairEnter}), the cotangent v̄ of the velocities after its
 * update v += dt·M⁻¹·D gives its dissipative wrench D̄ = dt·M⁻¹·v̄ and M⁻¹ its own
 * cotangent; v̄ itself passes through unchanged (the update adds to v). So v̄ is the
 * cotangent the later pairs' contacts have pushed into the flat input's q̇ slots, and after
 * the first pair it is q̇'s. Each of the pair's contacts then adds its part of D̄
 * ({@link dissipativeAdjoint}) to the cotangents of its force's pieces.
 */
import { addNormalizeAdjoint, addRotationAdjoint, loadUnitRotation } from '../integrator/semiImplicitEuler.ts';
import type { ContactForceParams } from './params.ts';
import { sweepKept, type SweepContact } from './pair-sweep.ts';

/** The flat input offsets the sweep's adjoint writes to (wrenches.ts `ContactWrenchLayout`). */
interface SweepLayout {
  readonly q: number;
  readonly qd: number;
  readonly invMass: number;
  readonly invInertia: number;
}

/** The current pair's dissipative wrench cotangent: [force on B | torque on B | torque on A]. */
export const pairDissipationBar = new Float64Array(9);

const _qHat = new Float64Array(4);
const _qLen = new Float64Array(1);
const _rot = new Float64Array(9);
const _rotBar = new Float64Array(9);
const _qHatBar = new Float64Array(4);

/**
 * Reverse pass, entering pair `run` (bodies a, b) from its end: its bodies' sweep
 * velocities `v` back to the pair's start, and {@link pairDissipationBar} from its update
 * v += dt·M⁻¹·D with v̄ read from `xbar`'s q̇ slots; M⁻¹'s cotangents (inverse mass,
 * inverse inertia, orientation) into `xbar`.
 */
export function sweepPairEnter(
  p: ContactForceParams,
  L: SweepLayout,
  q: Float64Array,
  v: Float64Array,
  run: number,
  a: number,
  b: number,
  xbar: Float64Array,
): void {
  const { startV, diss } = sweepKept();
  const o12 = 12 * run;
  for (let k = 0; k < 6; k++) {
    v[6 * a + k] = startV[o12 + k];
    v[6 * b + k] = startV[o12 + 6 + k];
  }
  const wb = pairDissipationBar;
  wb.fill(0);
  const d0 = 9 * run;
  const h = p.dt;
  for (let side = 0; side < 2; side++) {
    const body = side === 0 ? b : a;
    const m = p.invMass[body];
    const l0 = p.invInertia[3 * body],
      l1 = p.invInertia[3 * body + 1],
      l2 = p.invInertia[3 * body + 2];
    if (m === 0 && l0 === 0 && l1 === 0 && l2 === 0) continue;
    const sign = side === 0 ? 1 : -1;
    const to = side === 0 ? 3 : 6;
    const o = L.qd + 6 * body;
    const vx = xbar[o],
      vy = xbar[o + 1],
      vz = xbar[o + 2];
    // Δv = ±dt·m⁻¹·F
    wb[0] += sign * h * m * vx;
    wb[1] += sign * h * m * vy;
    wb[2] += sign * h * m * vz;
    xbar[L.invMass + body] += sign * h * (diss[d0] * vx + diss[d0 + 1] * vy + diss[d0 + 2] * vz);
    // Δω = dt·R·Λ·Rᵀτ: τ̄ = dt·RΛRᵀω̄, Λ̄_c = dt·(Rᵀτ)_c(Rᵀω̄)_c, R̄ = dt·(τ(ΛRᵀω̄)ᵀ + ω̄(ΛRᵀτ)ᵀ)
    const wx = xbar[o + 3],
      wy = xbar[o + 4],
      wz = xbar[o + 5];
    if (wx === 0 && wy === 0 && wz === 0) continue;
    loadUnitRotation(q, 7 * body, _qHat, _rot, _qLen, 0);
    const R = _rot;
    const tx = diss[d0 + to],
      ty = diss[d0 + to + 1],
      tz = diss[d0 + to + 2];
    const o0 = R[0] * wx + R[3] * wy + R[6] * wz,
      o1 = R[1] * wx + R[4] * wy + R[7] * wz,
      o2 = R[2] * wx + R[5] * wy + R[8] * wz;
    const t0 = R[0] * tx + R[3] * ty + R[6] * tz,
      t1 = R[1] * tx + R[4] * ty + R[7] * tz,
      t2 = R[2] * tx + R[5] * ty + R[8] * tz;
    wb[to] += h * (R[0] * l0 * o0 + R[1] * l1 * o1 + R[2] * l2 * o2);
    wb[to + 1] += h * (R[3] * l0 * o0 + R[4] * l1 * o1 + R[5] * l2 * o2);
    wb[to + 2] += h * (R[6] * l0 * o0 + R[7] * l1 * o1 + R[8] * l2 * o2);
    const li = L.invInertia + 3 * body;
    xbar[li] += h * t0 * o0;
    xbar[li + 1] += h * t1 * o1;
    xbar[li + 2] += h * t2 * o2;
    // u = R·(Λ·(Rᵀτ)), R row-major: ∂/∂R_jk = ω̄_j·(Λ Rᵀτ)_k + τ_j·(Λ Rᵀω̄)_k
    const RB = _rotBar;
    const lt0 = l0 * t0,
      lt1 = l1 * t1,
      lt2 = l2 * t2,
      lo0 = l0 * o0,
      lo1 = l1 * o1,
      lo2 = l2 * o2;
    RB[0] = h * (wx * lt0 + tx * lo0);
    RB[1] = h * (wx * lt1 + tx * lo1);
    RB[2] = h * (wx * lt2 + tx * lo2);
    RB[3] = h * (wy * lt0 + ty * lo0);
    RB[4] = h * (wy * lt1 + ty * lo1);
    RB[5] = h * (wy * lt2 + ty * lo2);
    RB[6] = h * (wz * lt0 + tz * lo0);
    RB[7] = h * (wz * lt1 + tz * lo1);
    RB[8] = h * (wz * lt2 + tz * lo2);
    _qHatBar.fill(0);
    addRotationAdjoint(_qHatBar, _qHat, RB);
    addNormalizeAdjoint(xbar, L.q + 7 * body + 3, _qHat, _qHatBar, _qLen[0]);
  }
}

/** The cotangents a contact's force pieces get from its share of D̄ (see {@link dissipativeAdjoint}). */
export const dissipativeBar = { normal: 0, slip: 0, vtx: 0, vty: 0, vtz: 0 };

/** The lever and normal cotangents the kernel's adjoint gathers (wrenches.ts `_bar`). */
interface LeverBars {
  n: Float64Array;
  rA: Float64Array;
  rB: Float64Array;
}

/**
 * The current contact's part of its pair's dissipative wrench D = f_d·n − s·v_t (at its
 * lever arms) pulled back from {@link pairDissipationBar}: the lever and normal cotangents
 * into `bar`, and into {@link dissipativeBar} the cotangents of f_d (`normal`, which the
 * kernel gives f_n and takes back from the spring and the weight feed-forward), s and v_t.
 */
export function dissipativeAdjoint(e: SweepContact, bar: LeverBars): void {
  const db = pairDissipationBar;
  const { nx, ny, nz, rAx, rAy, rAz, rBx, rBy, rBz, vtx, vty, vtz } = e;
  const fd = e.fd,
    s = e.slip;
  const dx = fd * nx - s * vtx,
    dy = fd * ny - s * vty,
    dz = fd * nz - s * vtz;
  const uBx = db[3],
    uBy = db[4],
    uBz = db[5],
    uAx = db[6],
    uAy = db[7],
    uAz = db[8];
  const Dbx = db[0] + (uBy * rBz - uBz * rBy) - (uAy * rAz - uAz * rAy);
  const Dby = db[1] + (uBz * rBx - uBx * rBz) - (uAz * rAx - uAx * rAz);
  const Dbz = db[2] + (uBx * rBy - uBy * rBx) - (uAx * rAy - uAy * rAx);
  bar.rA[0] -= dy * uAz - dz * uAy;
  bar.rA[1] -= dz * uAx - dx * uAz;
  bar.rA[2] -= dx * uAy - dy * uAx;
  bar.rB[0] += dy * uBz - dz * uBy;
  bar.rB[1] += dz * uBx - dx * uBz;
  bar.rB[2] += dx * uBy - dy * uBx;
  bar.n[0] += fd * Dbx;
  bar.n[1] += fd * Dby;
  bar.n[2] += fd * Dbz;
  const r = dissipativeBar;
  r.normal = Dbx * nx + Dby * ny + Dbz * nz;
  r.slip = -(Dbx * vtx + Dby * vty + Dbz * vtz);
  r.vtx = -s * Dbx;
  r.vty = -s * Dby;
  r.vtz = -s * Dbz;
}
