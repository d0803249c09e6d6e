/**
 * The hard step's decisions (decisions.ts: the same margins, labels and order) each
 * followed by its margin's tangents along every direction, for the validity radius from
 * one tangent rollout (sim/validity.ts). The tangents come from the step tangent's
 * per-contact values (step-tangent.ts's scratch, filled by `hardStepTangent` for the same
 * step), in its Duff frames: every margin is frame-invariant (normal quantities, slip and
 * impulse norms, the larger eigenvalue of the tangential Delassus block).
 *
 *   onset, pressing       m = λ_n W_nn              ṁ = λ̇_n W_nn + λ_n Ẇ_nn
 *   onset, open           m = |u_n − b|             ṁ = sgn·(u̇_n − ḃ)       (u at v⁺)
 *   onset, closing        m = |u⁻ + d/dt|           ṁ = sgn·(u̇⁻ + ḋ/dt)     (u⁻ at v*, e > 0), the smaller of the two
 *   restitution threshold m = |u⁻ + threshold|     ṁ = sgn·u̇⁻              (e > 0, u⁻ + d/dt < 0)
 *   stick/slip, sliding   m = ‖u_t − u°_t‖          ṁ = û·(u̇_t − u̇°_t)
 *   stick/slip, sticking  m = (μλ_n − ‖λ_t‖)·W_t,max
 *
 * with W_nn, W_t the Delassus blocks of the contact (both bodies' sides; static sides
 * have zero inverse mass and inertia) and Ẇ their tangents through the directions,
 * lever arms and inverse inertias. At |·| = 0 the one-sided derivative |ẋ| is taken.
 *   position pass         m = |g + tol|             ṁ = sgn·(ḋ + dt·u̇_n)    (g = d + dt·u_n(v⁺), the smallest first-order end gap)
 *
 * The step must not place an impact (the placed steps: step-tangent-placed.ts). So the
 * decisions of placed impacts, `impact beside contacts` and `earliest impact`, never reach
 * this file: their tangents are the one-sided difference of their step (stepper-tangent.ts).
 */
import {
  contactKinkLabel,
  KINK_ONSET,
  KINK_POSITION_PASS,
  KINK_RESTITUTION_THRESHOLD,
  KINK_STICK_SLIP,
  reportRadius,
} from '../contact/kinks.ts';
import type { MarginTangentSink } from '../contact/wrenches-tangent.ts';
import type { Model } from '../model.ts';
import {
  CONTACT_BOUND,
  CONTACT_MU,
  CONTACT_R_A,
  CONTACT_R_B,
  IMPULSE_CONTACT_WIDTH,
  impulseLayout,
} from './impulse-layout.ts';
import { closingMargin, positionPassContact } from './decisions.ts';
import { contactVelocity } from './problem.ts';
import type { HardStepData } from './step.ts';
import { sideVelocityTangent, type StepTangentScratch } from './step-tangent.ts';

const _u = new Float64Array(3);
/** per direction: the margin's tangent, and scratch for the alternatives */
let _mdot = new Float64Array(8);
let _alt = new Float64Array(8);
/** W entries of a contact: [value, tangent per direction] */
let _w = new Float64Array(9);

/**
 * Report the step just taken on `data` to `sink` as decisions.ts does, each decision
 * followed by `sink.tangents(ṁ)` (ṁ[j] along direction j), from the step tangent's
 * scratch `sc` of the same step.
 */
export function reportHardDecisionTangents(
  model: Model,
  data: HardStepData,
  sc: StepTangentScratch,
  sink: MarginTangentSink,
): void {
  const p = data.problem;
  const dt = model.dt;
  const within = reportRadius(sink);
  const threshold = data.settings.restitutionThreshold;
  const dirs = sc.dirs;
  const n = model.nbody;
  const c = p.count;
  if (_mdot.length < dirs) {
    _mdot = new Float64Array(2 * dirs);
    _alt = new Float64Array(2 * dirs);
  }
  if (_w.length < 3 * (1 + dirs)) _w = new Float64Array(6 * (1 + dirs));
  const IM = impulseLayout(n, c);
  const tw = IM.size,
    sw = 6 * n + 3 * c;
  const { theta, thetaDot, solved, solvedDot, lambda, geomDot } = sc;
  for (let k = 0; k < c; k++) {
    const a = p.bodyA[k],
      b = p.bodyB[k];
    const th = IM.contacts + IMPULSE_CONTACT_WIDTH * k;
    const ln = p.impulse[3 * k];
    contactVelocity(p, data.velocity, k, _u);
    let onset: number;
    if (ln > 0) {
      onset = ln * p.diag[3 * k];
      delassus(sc, th, a, b, 0, 0, tw, dirs, _w, 0);
      for (let j = 0; j < dirs; j++) _mdot[j] = solvedDot[j * sw + 6 * n + 3 * k] * _w[0] + lambda[3 * k] * _w[1 + j];
    } else {
      const gap = _u[0] - p.bound[k];
      onset = Math.abs(gap);
      for (let j = 0; j < dirs; j++) {
        const d =
          rowTangent(sc, th, a, b, 0, solved, solvedDot, j * sw, j * tw) - thetaDot[j * tw + th + CONTACT_BOUND];
        _mdot[j] = gap > 0 ? d : gap < 0 ? -d : Math.abs(d);
      }
    }
    // the "closes within this step" test, when nearer (decisions.ts closingMargin)
    const e = Math.max(model.bodyRestitution[a], model.bodyRestitution[b]);
    const closing = closingMargin(e, p.approach[k], p.dist[k], dt);
    if (closing < onset) {
      onset = closing;
      const sw0 = p.approach[k] + p.dist[k] / dt;
      for (let j = 0; j < dirs; j++) {
        const d = approachTangent(sc, th, a, b, j, tw) + geomDot[j * 7 * c + k] / dt;
        _mdot[j] = sw0 > 0 ? d : sw0 < 0 ? -d : Math.abs(d);
      }
    }
    if (onset < within) {
      sink.kink(onset, contactKinkLabel(model.bodyName, a, b, KINK_ONSET));
      sink.tangents(_mdot.subarray(0, dirs));
    }
    if (e > 0 && p.approach[k] + p.dist[k] / dt < 0) {
      // the restitution threshold |u⁻ + threshold| (the threshold is a constant)
      const th0 = p.approach[k] + threshold;
      const margin = Math.abs(th0);
      if (margin < within) {
        for (let j = 0; j < dirs; j++) {
          const d = approachTangent(sc, th, a, b, j, tw);
          _mdot[j] = th0 > 0 ? d : th0 < 0 ? -d : Math.abs(d);
        }
        sink.kink(margin, contactKinkLabel(model.bodyName, a, b, KINK_RESTITUTION_THRESHOLD));
        sink.tangents(_mdot.subarray(0, dirs));
      }
    }
    const radius = p.friction[k] * ln;
    if (!(radius > 0)) continue;
    const tangential = Math.hypot(p.impulse[3 * k + 1], p.impulse[3 * k + 2]);
    const slip = Math.hypot(_u[1] - p.slipTarget[2 * k], _u[2] - p.slipTarget[2 * k + 1]);
    const sliding = tangential >= radius * (1 - 1e-9);
    const margin = sliding ? slip : (radius - tangential) * Math.max(p.diag[3 * k + 1], p.diag[3 * k + 2]);
    if (!(margin < within)) continue;
    if (sliding) {
      // û·u̇_t in the Duff frame (u°_t = 0 without a placed impact)
      const u1 = rowValue(theta, th, a, b, 1, solved),
        u2 = rowValue(theta, th, a, b, 2, solved);
      const speed = Math.hypot(u1, u2);
      for (let j = 0; j < dirs; j++) {
        const d1 = rowTangent(sc, th, a, b, 1, solved, solvedDot, j * sw, j * tw),
          d2 = rowTangent(sc, th, a, b, 2, solved, solvedDot, j * sw, j * tw);
        _mdot[j] = speed > 0 ? (u1 * d1 + u2 * d2) / speed : Math.hypot(d1, d2);
      }
    } else {
      // (μλ_n − ‖λ_t‖)·W_t,max: the larger eigenvalue of the 2×2 block and its tangent eᵀẆe
      const l1 = lambda[3 * k + 1],
        l2 = lambda[3 * k + 2];
      const lt = Math.hypot(l1, l2);
      const mu = theta[th + CONTACT_MU];
      delassus(sc, th, a, b, 1, 1, tw, dirs, _w, 0);
      const w11 = _w[0];
      for (let j = 0; j < dirs; j++) _alt[j] = _w[1 + j];
      delassus(sc, th, a, b, 2, 2, tw, dirs, _w, 0);
      const w22 = _w[0];
      const base = 1 + dirs;
      delassus(sc, th, a, b, 1, 2, tw, dirs, _w, base);
      const w12 = _w[base];
      const half = 0.5 * (w11 - w22);
      const r = Math.hypot(half, w12);
      const wmax = 0.5 * (w11 + w22) + r;
      // eigenvector of the larger eigenvalue
      let e1 = w12,
        e2 = wmax - w11;
      let norm = Math.hypot(e1, e2);
      if (!(norm > 0)) {
        e1 = w11 >= w22 ? 1 : 0;
        e2 = w11 >= w22 ? 0 : 1;
        norm = 1;
      }
      e1 /= norm;
      e2 /= norm;
      for (let j = 0; j < dirs; j++) {
        const so = j * sw + 6 * n + 3 * k;
        const ltDot =
          lt > 0
            ? (l1 * solvedDot[so + 1] + l2 * solvedDot[so + 2]) / lt
            : Math.hypot(solvedDot[so + 1], solvedDot[so + 2]);
        const radiusDot = thetaDot[j * tw + th + CONTACT_MU] * lambda[3 * k] + mu * solvedDot[so];
        const wmaxDot = e1 * e1 * _alt[j] + 2 * e1 * e2 * _w[base + 1 + j] + e2 * e2 * _w[1 + j];
        _mdot[j] = (radiusDot - ltDot) * wmax + (mu * lambda[3 * k] - lt) * wmaxDot;
      }
    }
    sink.kink(margin, contactKinkLabel(model.bodyName, a, b, KINK_STICK_SLIP));
    sink.tangents(_mdot.subarray(0, dirs));
  }
  // the position pass (decisions.ts): on a step without a placed impact it ran, g = d + dt·u_n(v⁺)
  const k = positionPassContact(data);
  if (k >= 0) {
    const g0 = data.stats.positionGap + data.settings.penetrationTolerance;
    const margin = Math.abs(g0);
    if (margin < within) {
      const a = p.bodyA[k],
        b = p.bodyB[k];
      const th = IM.contacts + IMPULSE_CONTACT_WIDTH * k;
      for (let j = 0; j < dirs; j++) {
        const d = geomDot[j * 7 * c + k] + dt * rowTangent(sc, th, a, b, 0, solved, solvedDot, j * sw, j * tw);
        _mdot[j] = g0 > 0 ? d : g0 < 0 ? -d : Math.abs(d);
      }
      sink.kink(margin, contactKinkLabel(model.bodyName, a, b, KINK_POSITION_PASS));
      sink.tangents(_mdot.subarray(0, dirs));
    }
  }
}

/** u̇⁻ of the contact at θ offset `th` along direction j: its normal row at the free-flight velocities v*. */
function approachTangent(sc: StepTangentScratch, th: number, a: number, b: number, j: number, tw: number): number {
  return rowTangent(sc, th, a, b, 0, sc.freeQd, sc.freeDots[j], 7 * sc.n, j * tw);
}

/** The velocity of the contact at θ offset `th` along its direction `dir` at body velocities `v`. */
function rowValue(theta: Float64Array, th: number, a: number, b: number, dir: number, v: Float64Array): number {
  return side(theta, th + 3 * dir, th + CONTACT_R_B, v, 6 * b) - side(theta, th + 3 * dir, th + CONTACT_R_A, v, 6 * a);
}

function side(theta: Float64Array, d: number, r: number, v: Float64Array, o: number): number {
  const dx = theta[d],
    dy = theta[d + 1],
    dz = theta[d + 2];
  const rx = theta[r],
    ry = theta[r + 1],
    rz = theta[r + 2];
  return (
    dx * v[o] +
    dy * v[o + 1] +
    dz * v[o + 2] +
    (ry * dz - rz * dy) * v[o + 3] +
    (rz * dx - rx * dz) * v[o + 4] +
    (rx * dy - ry * dx) * v[o + 5]
  );
}

/**
 * The tangent of {@link rowValue} along one direction: the frame and lever arms' tangents
 * from θ̇ at `td`, the velocities' at `vdot[vo ..]`.
 */
function rowTangent(
  sc: StepTangentScratch,
  th: number,
  a: number,
  b: number,
  dir: number,
  v: Float64Array,
  vdot: Float64Array,
  vo: number,
  td: number,
): number {
  return (
    sideVelocityTangent(sc.theta, sc.thetaDot, th + 3 * dir, th + CONTACT_R_B, td, v, vdot, 6 * b, vo + 6 * b) -
    sideVelocityTangent(sc.theta, sc.thetaDot, th + 3 * dir, th + CONTACT_R_A, td, v, vdot, 6 * a, vo + 6 * a)
  );
}

const _ai = new Float64Array(6);
const _aj = new Float64Array(6);
const _aid = new Float64Array(6);
const _ajd = new Float64Array(6);
const _mai = new Float64Array(6);
const _maj = new Float64Array(6);

/**
 * W_pq = Σ_sides a_p·M⁻¹a_q of the contact at θ offset `th` (directions p, q; rows
 * a = [d ; r × d] of each body's side) and its tangent along each direction, into
 * `out[o]` and `out[o + 1 + j]`.
 */
function delassus(
  sc: StepTangentScratch,
  th: number,
  a: number,
  b: number,
  p: number,
  q: number,
  tw: number,
  dirs: number,
  out: Float64Array,
  o: number,
): void {
  const theta = sc.theta,
    thetaDot = sc.thetaDot;
  const IM = impulseLayout(sc.n, sc.count);
  out.fill(0, o, o + 1 + dirs);
  for (let end = 0; end < 2; end++) {
    const body = end === 0 ? b : a;
    const im = theta[IM.invMass + body];
    const I = IM.invInertia + 9 * body;
    if (im === 0 && theta[I] === 0 && theta[I + 4] === 0 && theta[I + 8] === 0) continue; // static
    const r = th + (end === 0 ? CONTACT_R_B : CONTACT_R_A);
    row(theta, th + 3 * p, r, _ai);
    row(theta, th + 3 * q, r, _aj);
    inv(theta, im, I, _ai, _mai);
    inv(theta, im, I, _aj, _maj);
    let w = 0;
    for (let e = 0; e < 6; e++) w += _ai[e] * _maj[e];
    out[o] += w;
    for (let j = 0; j < dirs; j++) {
      const td = j * tw;
      rowDot(theta, thetaDot, td, th + 3 * p, r, _aid);
      rowDot(theta, thetaDot, td, th + 3 * q, r, _ajd);
      const imd = thetaDot[td + IM.invMass + body];
      // ȧ_p·M⁻¹a_q + a_p·M⁻¹ȧ_q + a_p·Ṁ⁻¹a_q
      let v = 0;
      for (let e = 0; e < 6; e++) v += _aid[e] * _maj[e] + _mai[e] * _ajd[e];
      v += imd * (_ai[0] * _aj[0] + _ai[1] * _aj[1] + _ai[2] * _aj[2]);
      for (let x = 0; x < 3; x++)
        for (let y = 0; y < 3; y++) v += _ai[3 + x] * thetaDot[td + I + 3 * x + y] * _aj[3 + y];
      out[o + 1 + j] += v;
    }
  }
}

/** The row [d ; r × d] of the direction at θ offset `d` and lever arm `r`. */
function row(theta: Float64Array, d: number, r: number, out: Float64Array): void {
  out[0] = theta[d];
  out[1] = theta[d + 1];
  out[2] = theta[d + 2];
  out[3] = theta[r + 1] * theta[d + 2] - theta[r + 2] * theta[d + 1];
  out[4] = theta[r + 2] * theta[d] - theta[r] * theta[d + 2];
  out[5] = theta[r] * theta[d + 1] - theta[r + 1] * theta[d];
}

/** Its tangent [ḋ ; ṙ × d + r × ḋ] from θ̇ at `td`. */
function rowDot(
  theta: Float64Array,
  thetaDot: Float64Array,
  td: number,
  d: number,
  r: number,
  out: Float64Array,
): void {
  const dx = theta[d],
    dy = theta[d + 1],
    dz = theta[d + 2];
  const rx = theta[r],
    ry = theta[r + 1],
    rz = theta[r + 2];
  const ddx = thetaDot[td + d],
    ddy = thetaDot[td + d + 1],
    ddz = thetaDot[td + d + 2];
  const rdx = thetaDot[td + r],
    rdy = thetaDot[td + r + 1],
    rdz = thetaDot[td + r + 2];
  out[0] = ddx;
  out[1] = ddy;
  out[2] = ddz;
  out[3] = rdy * dz - rdz * dy + ry * ddz - rz * ddy;
  out[4] = rdz * dx - rdx * dz + rz * ddx - rx * ddz;
  out[5] = rdx * dy - rdy * dx + rx * ddy - ry * ddx;
}

/** M⁻¹a = [m⁻¹ a_lin ; I⁻¹ a_ang] for one body (I⁻¹ at θ offset `I`, row-major). */
function inv(theta: Float64Array, im: number, I: number, a: Float64Array, out: Float64Array): void {
  out[0] = im * a[0];
  out[1] = im * a[1];
  out[2] = im * a[2];
  for (let e = 0; e < 3; e++)
    out[3 + e] = theta[I + 3 * e] * a[3] + theta[I + 3 * e + 1] * a[4] + theta[I + 3 * e + 2] * a[5];
}
