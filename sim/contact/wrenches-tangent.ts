/**
 * Forward mode of the contact-wrench kernel (wrenches.ts) along several directions at
 * once: each contact's forward values (kinematics, activation, effective masses, dashpot,
 * step-exact factor, normal law, weight feed-forward, friction) are computed ONCE by the
 * kernel's own per-contact pass (`wrenchForwardPass`), then every direction's tangent is
 * propagated through them: the transpose, line by line, of the kernel's adjoint
 * (`contactWrenchAdjoint`), so both differentiate the same branch at a kink.
 *
 * The decisions the kernel reports (kinks.ts: onset, damping ramp, damping clamp,
 * stick/slip, soft margin entry) go to the sink with the same margins, labels and order
 * as the plain step's, each followed by its margin's tangent along every direction: what
 * the validity radius (sim/validity.ts) turns into first-order distances.
 *
 * Inputs per direction j (all stride-packed, j-major):
 *   geometry  [ḋ (c) | ṅ (3c) | ṗ (3c)]         stride 7c (contactGeometryTangents)
 *   state     [q̇ (7n) | q̇d (6n)]                 stride 13n
 *   params    [k̇, ċ, τ̇, ε̇ | μ̇ (n) | (m⁻¹)˙ (n) | (I⁻¹)˙ (3n) | ė (n) | ġ (3)]
 *             stride 7 + 6n ({@link contactParamTangentLayout}: the wrench primitive's
 *             layout from its `params` block on)
 */
import type { KinkSink } from '../../ad/primitive.ts';
import {
  contactKinkLabel,
  KINK_DAMPING_CLAMP,
  KINK_DAMPING_RAMP,
  KINK_MARGIN,
  KINK_ONSET,
  KINK_STICK_SLIP,
  reportRadius,
} from './kinks.ts';
import type { ContactForceParams } from './params.ts';
import { wrenchForwardPass as F, type ContactGeometry } from './wrenches.ts';

/**
 * A kink sink that also takes each reported margin's tangents: `kink(m, label, jump)` then
 * `tangents(ṁ)` with ṁ[j] = ∂m/∂(direction j), for the decision just reported.
 */
export interface MarginTangentSink extends KinkSink {
  tangents(mdot: Float64Array): void;
}

/** Offsets of the parameter tangents of one direction (see the module comment). */
export interface ContactParamTangentLayout {
  /** k, c, τ, ε */
  readonly stiffness: 0;
  readonly damping: 1;
  readonly temperature: 2;
  readonly frictionVelocity: 3;
  readonly friction: number;
  readonly invMass: number;
  readonly invInertia: number;
  readonly restitution: number;
  readonly gravity: number;
  readonly size: number;
}

/** The parameter-tangent layout for `nbody` bodies. */
export function contactParamTangentLayout(nbody: number): ContactParamTangentLayout {
  return {
    stiffness: 0,
    damping: 1,
    temperature: 2,
    frictionVelocity: 3,
    friction: 4,
    invMass: 4 + nbody,
    invInertia: 4 + 2 * nbody,
    restitution: 4 + 5 * nbody,
    gravity: 4 + 6 * nbody,
    size: 7 + 6 * nbody,
  };
}

/** Decisions one contact may report (penalty: onset, ramp, clamp, slip). */
const MAX_DECISIONS = 4;

/** Per-direction scratch, grown as needed. */
let _gateDot = new Float64Array(64);
let _gateSumDot = new Float64Array(64);
let _mdot = new Float64Array(MAX_DECISIONS * 8);
let _mdotOut = new Float64Array(8);
const _kinds = new Int32Array(MAX_DECISIONS);
const _margins = new Float64Array(MAX_DECISIONS);
/** which of d − h, d + h, d − τ/2, d + τ/2 sets the ramp margin, and its sign */
let _rampWhich = 0;
let _rampSign = 0;

/** Side tangents (A 0, B 1): u̇n, u̇t of the side just differentiated. */
const _side = new Float64Array(2);
/** the current direction's lever and normal tangents (ṙ_A, ṙ_B, ṅ) */
const _rA = new Float64Array(3);
const _rB = new Float64Array(3);
const _n = new Float64Array(3);

/** Floats per side in `_sideCoef`; the offsets of its groups (see `sidePrepare`). */
const SIDE_STRIDE = 24;
const SC_STATIC = 0,
  SC_RN = 1,
  SC_NN = 4,
  SC_WN = 7,
  SC_RT = 10,
  SC_WT = 13,
  SC_TT = 16,
  SC_SS = 19;
/** Per side (A at 0, B at SIDE_STRIDE): the coefficients of u̇n and u̇t of the current contact. */
const _sideCoef = new Float64Array(2 * SIDE_STRIDE);

/**
 * The coefficients of the tangents of un and ut of one side (`side` 0: A, 1: B) of the
 * current contact, once for all directions (the kernel's `sideInverseMass` left s, t, R):
 * with G_t = R(2λ⊙t), G_s = R(2λ⊙s), Λ = Σλ and Ω the rotation's rate (Ṙ = [Ω]×R),
 *
 *   u̇n − ṁ = Σλ̇_k t_k² + ṙ·(n × G_t) + ṅ·(G_t × r) − Ω·(c × G_t)          (ṫ = Rᵀ(ċ − Ω × c))
 *   tr K̇   = Σλ̇_k (|r|² − s_k²) + ṙ·(2Λr − G_s) + Ω·(r × G_s)             (ṡ = Rᵀ(ṙ − Ω × r))
 *   u̇t     = ṁ + ½(tr K̇ − (u̇n − ṁ))
 */
function sidePrepare(p: ContactForceParams, side: number, body: number): void {
  const o = side * SIDE_STRIDE;
  const lx = p.invInertia[3 * body],
    ly = p.invInertia[3 * body + 1],
    lz = p.invInertia[3 * body + 2];
  if (p.invMass[body] === 0 && lx === 0 && ly === 0 && lz === 0) {
    _sideCoef[o + SC_STATIC] = 1;
    return;
  }
  _sideCoef[o + SC_STATIC] = 0;
  const S = F.side;
  const rot = S.rot[side],
    s = S.s[side],
    t = S.t[side],
    c = S.c[side];
  const e = F.e;
  const rx = side === 0 ? e.rAx : e.rBx,
    ry = side === 0 ? e.rAy : e.rBy,
    rz = side === 0 ? e.rAz : e.rBz;
  const r2 = s[0] * s[0] + s[1] * s[1] + s[2] * s[2];
  const t0 = 2 * lx * t[0],
    t1 = 2 * ly * t[1],
    t2 = 2 * lz * t[2];
  const s0 = 2 * lx * s[0],
    s1 = 2 * ly * s[1],
    s2 = 2 * lz * s[2];
  const gtx = rot[0] * t0 + rot[1] * t1 + rot[2] * t2,
    gty = rot[3] * t0 + rot[4] * t1 + rot[5] * t2,
    gtz = rot[6] * t0 + rot[7] * t1 + rot[8] * t2;
  const gsx = rot[0] * s0 + rot[1] * s1 + rot[2] * s2,
    gsy = rot[3] * s0 + rot[4] * s1 + rot[5] * s2,
    gsz = rot[6] * s0 + rot[7] * s1 + rot[8] * s2;
  const sc = _sideCoef;
  // n × G_t, G_t × r, −(c × G_t)
  sc[o + SC_RN] = e.ny * gtz - e.nz * gty;
  sc[o + SC_RN + 1] = e.nz * gtx - e.nx * gtz;
  sc[o + SC_RN + 2] = e.nx * gty - e.ny * gtx;
  sc[o + SC_NN] = gty * rz - gtz * ry;
  sc[o + SC_NN + 1] = gtz * rx - gtx * rz;
  sc[o + SC_NN + 2] = gtx * ry - gty * rx;
  sc[o + SC_WN] = -(c[1] * gtz - c[2] * gty);
  sc[o + SC_WN + 1] = -(c[2] * gtx - c[0] * gtz);
  sc[o + SC_WN + 2] = -(c[0] * gty - c[1] * gtx);
  // 2Λr − G_s, r × G_s
  const lam2 = 2 * (lx + ly + lz);
  sc[o + SC_RT] = lam2 * rx - gsx;
  sc[o + SC_RT + 1] = lam2 * ry - gsy;
  sc[o + SC_RT + 2] = lam2 * rz - gsz;
  sc[o + SC_WT] = ry * gsz - rz * gsy;
  sc[o + SC_WT + 1] = rz * gsx - rx * gsz;
  sc[o + SC_WT + 2] = rx * gsy - ry * gsx;
  for (let k = 0; k < 3; k++) {
    sc[o + SC_TT + k] = t[k] * t[k];
    sc[o + SC_SS + k] = r2 - s[k] * s[k];
  }
}

/**
 * Tangents of un and ut of one side (`side` 0: A, 1: B; body `body`) along one direction,
 * from the tangents of its lever (`rDot`), the normal (`_n`), its orientation (`stateDot` at
 * `qo`: the 4 quaternion entries), inverse mass and inertia, and the coefficients of
 * {@link sidePrepare}: into `_side` = [u̇n, u̇t]. A static side has none.
 */
function sideTangent(
  side: number,
  body: number,
  rDot: Float64Array,
  stateDot: Float64Array,
  qo: number,
  paramDot: Float64Array,
  po: number,
  PL: ContactParamTangentLayout,
): void {
  const o = side * SIDE_STRIDE;
  const sc = _sideCoef;
  if (sc[o + SC_STATIC] === 1) {
    _side[0] = _side[1] = 0;
    return;
  }
  // Ω = 2·vec(q̂̇ ⊗ q̂*), q̂̇ = (q̇ − q̂(q̂·q̇))/|q|: the radial part of q̇ adds nothing to Ω
  const S = F.side;
  const qHat = S.qHat[side];
  const scale = 2 / S.qLen[side];
  const w = qHat[0],
    vx = qHat[1],
    vy = qHat[2],
    vz = qHat[3];
  const dw = stateDot[qo],
    dvx = stateDot[qo + 1],
    dvy = stateDot[qo + 2],
    dvz = stateDot[qo + 3];
  const ox = scale * (w * dvx - dw * vx + vy * dvz - vz * dvy),
    oy = scale * (w * dvy - dw * vy + vz * dvx - vx * dvz),
    oz = scale * (w * dvz - dw * vz + vx * dvy - vy * dvx);
  let normalDot =
    sc[o + SC_RN] * rDot[0] +
    sc[o + SC_RN + 1] * rDot[1] +
    sc[o + SC_RN + 2] * rDot[2] +
    sc[o + SC_NN] * _n[0] +
    sc[o + SC_NN + 1] * _n[1] +
    sc[o + SC_NN + 2] * _n[2] +
    sc[o + SC_WN] * ox +
    sc[o + SC_WN + 1] * oy +
    sc[o + SC_WN + 2] * oz;
  let traceDot =
    sc[o + SC_RT] * rDot[0] +
    sc[o + SC_RT + 1] * rDot[1] +
    sc[o + SC_RT + 2] * rDot[2] +
    sc[o + SC_WT] * ox +
    sc[o + SC_WT + 1] * oy +
    sc[o + SC_WT + 2] * oz;
  const li = po + PL.invInertia + 3 * body;
  for (let k = 0; k < 3; k++) {
    const lamDot = paramDot[li + k];
    if (lamDot === 0) continue;
    normalDot += lamDot * sc[o + SC_TT + k];
    traceDot += lamDot * sc[o + SC_SS + k];
  }
  const mDot = paramDot[po + PL.invMass + body];
  _side[0] = mDot + normalDot;
  _side[1] = mDot + 0.5 * (traceDot - normalDot);
}

/**
 * The contact wrenches (nbody×6, into `wrenchOut`, as `contactWrenches` computes them) and
 * their tangents along `dirs` directions (into `wrenchDot`, dirs × 6n, overwritten), from
 * the tangents of the geometry, the state and the parameters (module comment). Decisions
 * go to `sink` with their margins' tangents.
 *
 * @example
 * contactWrenchTangents(p, contacts, q, qd, 8, geomDot, stateDot, paramDot, wrench, wrenchDot, null);
 */
export function contactWrenchTangents(
  p: ContactForceParams,
  geom: ContactGeometry,
  q: Float64Array,
  qd: Float64Array,
  dirs: number,
  geomDot: Float64Array,
  stateDot: Float64Array,
  paramDot: Float64Array,
  wrenchOut: Float64Array,
  wrenchDot: Float64Array,
  sink: MarginTangentSink | null,
): void {
  const n = p.nbody;
  const count = geom.count;
  const PL = contactParamTangentLayout(n);
  const gs = 7 * count,
    ss = 13 * n,
    ws = 6 * n;
  wrenchOut.fill(0, 0, ws);
  wrenchDot.fill(0, 0, dirs * ws);
  F.gatePass(p, geom);
  const run = F.run();
  // the share activations' tangents, and their sums per run
  if (_gateDot.length < count * dirs) {
    _gateDot = new Float64Array(2 * count * dirs);
    _gateSumDot = new Float64Array(2 * count * dirs);
  }
  if (_mdotOut.length < dirs) {
    _mdot = new Float64Array(MAX_DECISIONS * dirs);
    _mdotOut = new Float64Array(dirs);
  }
  const e = F.e;
  const lastRun = count > 0 ? run[count - 1] : -1;
  _gateSumDot.fill(0, 0, (lastRun + 1) * dirs);
  for (let i = 0; i < count; i++) {
    // the activation's partials (gatePass keeps only the values)
    e.dist = geom.dist[i];
    F.gateOf(p);
    for (let j = 0; j < dirs; j++) {
      const g = e.gateDDist * geomDot[j * gs + i] + e.gateDTemperature * paramDot[j * PL.size + PL.temperature];
      _gateDot[i * dirs + j] = g;
      _gateSumDot[run[i] * dirs + j] += g;
    }
  }
  const radius = sink === null ? 0 : reportRadius(sink);
  const dt = p.dt;
  // which directions move any parameter (else a contact whose own inputs do not move is skipped)
  if (_paramMoves.length < dirs) _paramMoves = new Uint8Array(dirs);
  for (let j = 0; j < dirs; j++) {
    let any = 0;
    for (let k = 0; k < PL.size && any === 0; k++) any = paramDot[j * PL.size + k] !== 0 ? 1 : 0;
    _paramMoves[j] = any;
  }
  for (let i = 0; i < count; i++) {
    F.kinematics(geom, q, qd, i);
    F.force(p, q, i);
    const a = e.a,
      b = e.b;
    const fn = e.fn;
    const nk = sink === null ? 0 : decisionsOf(p, radius);
    if (fn !== 0) {
      const s = e.slip;
      const fx = fn * e.nx - s * e.vtx,
        fy = fn * e.ny - s * e.vty,
        fz = fn * e.nz - s * e.vtz;
      const ob = 6 * b,
        oa = 6 * a;
      wrenchOut[ob] += fx;
      wrenchOut[ob + 1] += fy;
      wrenchOut[ob + 2] += fz;
      wrenchOut[ob + 3] += e.rBy * fz - e.rBz * fy;
      wrenchOut[ob + 4] += e.rBz * fx - e.rBx * fz;
      wrenchOut[ob + 5] += e.rBx * fy - e.rBy * fx;
      wrenchOut[oa] -= fx;
      wrenchOut[oa + 1] -= fy;
      wrenchOut[oa + 2] -= fz;
      wrenchOut[oa + 3] -= e.rAy * fz - e.rAz * fy;
      wrenchOut[oa + 4] -= e.rAz * fx - e.rAx * fz;
      wrenchOut[oa + 5] -= e.rAx * fy - e.rAy * fx;
    } else if (nk === 0) continue;
    const shareValue = e.shareA;
    sidePrepare(p, 0, a);
    sidePrepare(p, 1, b);
    const act = F.window.value;
    const win = F.window;
    const kappa = F.kappa;
    const law = F.normal;
    const kEff = p.stiffness * kappa[0];
    // direction-independent factors of the per-direction formulas below
    const dashpotRoot = p.dampingFromRestitution ? Math.sqrt(p.stiffness / e.w0) : 0;
    let pressWidthSlope = 0;
    if (e.weight !== 0 && p.mode === 'soft') {
      // soft press smoothing: ∂press/∂|g| = ½·width/root·pressSmoothing, with ∂|g| = (g·ġ)/|g|
      const g = p.gravity;
      const gNorm = Math.sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
      const width = F.pressSmoothing * gNorm;
      const root = Math.sqrt(e.pressX * e.pressX + width * width);
      if (root > 0 && gNorm > 0) pressWidthSlope = ((0.5 * width) / root) * (F.pressSmoothing / gNorm);
    }
    for (let j = 0; j < dirs; j++) {
      const go = j * gs,
        so = j * ss,
        po = j * PL.size;
      if (
        _paramMoves[j] === 0 &&
        _gateSumDot[run[i] * dirs + j] === 0 &&
        _gateDot[i * dirs + j] === 0 &&
        !localMoves(geomDot, go, count, i, stateDot, so, n, a, b)
      ) {
        // nothing of this contact moves along direction j: no tangent
        for (let k = 0; k < nk; k++) _mdot[k * dirs + j] = 0;
        continue;
      }
      const dd = geomDot[go + i];
      for (let k = 0; k < 3; k++) _n[k] = geomDot[go + count + 3 * i + k];
      // r = p − x
      for (let k = 0; k < 3; k++) {
        const pk = geomDot[go + 4 * count + 3 * i + k];
        _rA[k] = pk - stateDot[so + 7 * a + k];
        _rB[k] = pk - stateDot[so + 7 * b + k];
      }
      // v_rel = (v_B + ω_B × r_B) − (v_A + ω_A × r_A)
      const va = so + 7 * n + 6 * a,
        vb = so + 7 * n + 6 * b;
      const wAx = stateDot[va + 3],
        wAy = stateDot[va + 4],
        wAz = stateDot[va + 5];
      const wBx = stateDot[vb + 3],
        wBy = stateDot[vb + 4],
        wBz = stateDot[vb + 5];
      const vrx =
        stateDot[vb] +
        (wBy * e.rBz - wBz * e.rBy + e.wBy * _rB[2] - e.wBz * _rB[1]) -
        stateDot[va] -
        (wAy * e.rAz - wAz * e.rAy + e.wAy * _rA[2] - e.wAz * _rA[1]);
      const vry =
        stateDot[vb + 1] +
        (wBz * e.rBx - wBx * e.rBz + e.wBz * _rB[0] - e.wBx * _rB[2]) -
        stateDot[va + 1] -
        (wAz * e.rAx - wAx * e.rAz + e.wAz * _rA[0] - e.wAx * _rA[2]);
      const vrz =
        stateDot[vb + 2] +
        (wBx * e.rBy - wBy * e.rBx + e.wBx * _rB[1] - e.wBy * _rB[0]) -
        stateDot[va + 2] -
        (wAx * e.rAy - wAy * e.rAx + e.wAx * _rA[1] - e.wAy * _rA[0]);
      const vn = _n[0] * e.vrx + _n[1] * e.vry + _n[2] * e.vrz + e.nx * vrx + e.ny * vry + e.nz * vrz;
      const vtx = vrx - vn * e.nx - e.vn * _n[0],
        vty = vry - vn * e.ny - e.vn * _n[1],
        vtz = vrz - vn * e.nz - e.vn * _n[2];
      const speed2 = 2 * (e.vtx * vtx + e.vty * vty + e.vtz * vtz);
      const tauDot = paramDot[po + PL.temperature];
      const kDot = paramDot[po + PL.stiffness];
      // mass shares and effective masses
      const shareDot = _gateSumDot[run[i] * dirs + j] - _gateDot[i * dirs + j];
      sideTangent(0, a, _rA, stateDot, so + 7 * a + 3, paramDot, po, PL);
      const unA = _side[0],
        utA = _side[1];
      sideTangent(1, b, _rB, stateDot, so + 7 * b + 3, paramDot, po, PL);
      const unB = _side[0],
        utB = _side[1];
      const w0 = unA + unB;
      // W_n = N·m + ½(N + 1)(W₀ − m), m = m_A⁻¹ + m_B⁻¹ (wrenches.ts): its tangent
      const massSum = p.invMass[a] + p.invMass[b];
      const massSumDot = paramDot[po + PL.invMass + a] + paramDot[po + PL.invMass + b];
      const wn = 0.5 * shareDot * (e.w0 + massSum) + 0.5 * (shareValue - 1) * massSumDot + 0.5 * (shareValue + 1) * w0;
      const wt = shareDot * (e.utA + e.utB) + shareValue * (utA + utB);
      // the dashpot b
      let dashpot: number;
      if (p.dampingFromRestitution) {
        const eDot = paramDot[po + PL.restitution + e.restitutionBody];
        dashpot =
          2 * e.zetaDe * eDot * dashpotRoot + (e.dashpot * kDot) / (2 * p.stiffness) - (e.dashpot * w0) / (2 * e.w0);
      } else dashpot = paramDot[po + PL.damping];
      // the window activation a(d, v_n, τ) and its width
      const actDot = win.dDist * dd + win.dNormalVelocity * vn + win.dTemperature * tauDot;
      const widthDot = win.widthDNormalVelocity * vn + win.widthDTemperature * tauDot;
      // y_n = dt·b·a·W_n, b_eff = b·φ₁(y_n)
      const yn = dt * (dashpot * act * e.wn + e.dashpot * actDot * e.wn + e.dashpot * act * wn);
      const effDot = dashpot * e.phiN + e.dashpot * e.phiNDy * yn;
      // κ(p, y₀), p = k·W₀·dt², y₀ = dt·b·a·W₀
      const pDot = dt * dt * (kDot * e.w0 + p.stiffness * w0);
      const y0Dot = dt * (dashpot * act * e.w0 + e.dashpot * actDot * e.w0 + e.dashpot * act * w0);
      const kEffDot = kDot * kappa[0] + p.stiffness * (kappa[1] * pDot + kappa[2] * y0Dot);
      const rateDot = -vn;
      const dampingDot = effDot * act + e.effDamping * actDot;
      const lawTemperatureDot = p.mode === 'soft' ? widthDot : tauDot;
      // the decisions' margins
      for (let k = 0; k < nk; k++) {
        let m = 0;
        switch (_kinds[k]) {
          case KINK_ONSET:
            m = e.dist >= 0 ? dd : -dd;
            break;
          case KINK_MARGIN:
            m = p.margin - e.dist >= 0 ? -dd : dd;
            break;
          case KINK_DAMPING_RAMP: {
            const edge = _rampWhich < 2 ? widthDot : 0.5 * tauDot;
            m = _rampSign * (dd + ((_rampWhich & 1) === 0 ? -edge : edge));
            break;
          }
          case KINK_DAMPING_CLAMP: {
            // u = φ̇ − kκ·d/D
            const D = F.args.damping;
            const u = -e.vn - (kEff * e.dist) / D;
            const uDot = rateDot - (kEffDot * e.dist + kEff * dd) / D + (kEff * e.dist * dampingDot) / (D * D);
            m = u >= 0 ? uDot : -uDot;
            break;
          }
          case KINK_STICK_SLIP: {
            const speed = Math.sqrt(e.speed2);
            const uDot = (speed > 0 ? speed2 / (2 * speed) : 0) - paramDot[po + PL.frictionVelocity];
            m = speed - p.frictionVelocity >= 0 ? uDot : -uDot;
            break;
          }
        }
        _mdot[k * dirs + j] = m;
      }
      if (fn === 0) continue;
      // the normal law
      let fnDot =
        law.dDist * dd +
        law.dRate * rateDot +
        law.dStiffness * kEffDot +
        law.dDamping * dampingDot +
        law.dTemperature * lawTemperatureDot;
      // the weight feed-forward a·c·press(x)
      if (e.weight !== 0) {
        const c = e.carried;
        const invSum = p.invMass[a] + p.invMass[b];
        const invSumDot = paramDot[po + PL.invMass + a] + paramDot[po + PL.invMass + b];
        const denDot = w0 + shareDot * invSum + (e.shareA - 1) * invSumDot;
        const cDot = -c * c * denDot;
        const g = p.gravity;
        const gx = paramDot[po + PL.gravity],
          gy = paramDot[po + PL.gravity + 1],
          gz = paramDot[po + PL.gravity + 2];
        const xDot = -e.relDyn * (_n[0] * g[0] + _n[1] * g[1] + _n[2] * g[2] + e.nx * gx + e.ny * gy + e.nz * gz);
        let pressDot = e.pressDx * xDot;
        if (pressWidthSlope !== 0) pressDot += pressWidthSlope * (g[0] * gx + g[1] * gy + g[2] * gz);
        fnDot += actDot * c * e.press + act * cDot * e.press + act * c * pressDot;
      }
      // friction: s = λ·φ₁(y_t), y_t = dt·λ·W_t, λ = μ f_n w
      const mu = F.pairFriction.value,
        w = F.frictionWeight.value;
      const muDot =
        F.pairFriction.dA * paramDot[po + PL.friction + a] + F.pairFriction.dB * paramDot[po + PL.friction + b];
      const wDot = F.frictionWeight.dSpeed2 * speed2 + F.frictionWeight.dVelocity * paramDot[po + PL.frictionVelocity];
      const lambdaDot = muDot * fn * w + mu * fnDot * w + mu * fn * wDot;
      const ytDot = dt * (lambdaDot * e.wt + e.lambda * wt);
      const slipDot = lambdaDot * e.phiT + e.lambda * e.phiTDy * ytDot;
      // F = f_n n − s v_t
      const s = e.slip;
      const fx = fn * e.nx - s * e.vtx,
        fy = fn * e.ny - s * e.vty,
        fz = fn * e.nz - s * e.vtz;
      const Fx = fnDot * e.nx + fn * _n[0] - slipDot * e.vtx - s * vtx;
      const Fy = fnDot * e.ny + fn * _n[1] - slipDot * e.vty - s * vty;
      const Fz = fnDot * e.nz + fn * _n[2] - slipDot * e.vtz - s * vtz;
      const wo = j * ws;
      const ob = wo + 6 * b,
        oa = wo + 6 * a;
      wrenchDot[ob] += Fx;
      wrenchDot[ob + 1] += Fy;
      wrenchDot[ob + 2] += Fz;
      wrenchDot[ob + 3] += _rB[1] * fz - _rB[2] * fy + e.rBy * Fz - e.rBz * Fy;
      wrenchDot[ob + 4] += _rB[2] * fx - _rB[0] * fz + e.rBz * Fx - e.rBx * Fz;
      wrenchDot[ob + 5] += _rB[0] * fy - _rB[1] * fx + e.rBx * Fy - e.rBy * Fx;
      wrenchDot[oa] -= Fx;
      wrenchDot[oa + 1] -= Fy;
      wrenchDot[oa + 2] -= Fz;
      wrenchDot[oa + 3] -= _rA[1] * fz - _rA[2] * fy + e.rAy * Fz - e.rAz * Fy;
      wrenchDot[oa + 4] -= _rA[2] * fx - _rA[0] * fz + e.rAz * Fx - e.rAx * Fz;
      wrenchDot[oa + 5] -= _rA[0] * fy - _rA[1] * fx + e.rAx * Fy - e.rAy * Fx;
    }
    if (sink !== null) {
      for (let k = 0; k < nk; k++) {
        const kind = _kinds[k];
        sink.kink(_margins[k], contactKinkLabel(p.bodyName, a, b, kind), kind === KINK_MARGIN);
        for (let j = 0; j < dirs; j++) _mdotOut[j] = _mdot[k * dirs + j];
        sink.tangents(dirs === _mdotOut.length ? _mdotOut : _mdotOut.subarray(0, dirs));
      }
    }
  }
}

let _paramMoves = new Uint8Array(8);

/** Whether contact i's geometry or its bodies' state has a nonzero tangent in the direction at `go`, `so`. */
function localMoves(
  geomDot: Float64Array,
  go: number,
  count: number,
  i: number,
  stateDot: Float64Array,
  so: number,
  n: number,
  a: number,
  b: number,
): boolean {
  if (geomDot[go + i] !== 0) return true;
  for (let k = 0; k < 3; k++) {
    if (geomDot[go + count + 3 * i + k] !== 0 || geomDot[go + 4 * count + 3 * i + k] !== 0) return true;
  }
  for (let k = 0; k < 7; k++) if (stateDot[so + 7 * a + k] !== 0 || stateDot[so + 7 * b + k] !== 0) return true;
  const vo = so + 7 * n;
  for (let k = 0; k < 6; k++) if (stateDot[vo + 6 * a + k] !== 0 || stateDot[vo + 6 * b + k] !== 0) return true;
  return false;
}

/**
 * The decisions the current contact reports (wrenches.ts `reportKinks`: the same rules,
 * margins and order) into `_kinds`/`_margins`; returns how many.
 */
function decisionsOf(p: ContactForceParams, radius: number): number {
  const e = F.e;
  let nk = 0;
  if (p.mode === 'penalty') {
    const onset = Math.abs(e.dist);
    if (onset <= radius) {
      _kinds[nk] = KINK_ONSET;
      _margins[nk++] = onset;
    }
    const h = F.window.width;
    const rest = 0.5 * p.temperature;
    // the nearest of d − h, d + h, d − τ/2, d + τ/2 (the first on ties, as Math.min)
    const u0 = e.dist - h,
      u1 = e.dist + h,
      u2 = e.dist - rest,
      u3 = e.dist + rest;
    let ramp = Math.abs(u0);
    _rampWhich = 0;
    _rampSign = u0 >= 0 ? 1 : -1;
    for (let k = 1; k < 4; k++) {
      const u = k === 1 ? u1 : k === 2 ? u2 : u3;
      if (Math.abs(u) < ramp) {
        ramp = Math.abs(u);
        _rampWhich = k;
        _rampSign = u >= 0 ? 1 : -1;
      }
    }
    if ((e.dashpot > 0 || e.relDyn !== 0) && ramp <= radius) {
      _kinds[nk] = KINK_DAMPING_RAMP;
      _margins[nk++] = ramp;
    }
    if (e.dist < 0) {
      const damping = F.args.damping;
      if (damping > 0) {
        const clamp = Math.abs(-e.vn + (F.args.stiffness * -e.dist) / damping);
        if (clamp <= radius) {
          _kinds[nk] = KINK_DAMPING_CLAMP;
          _margins[nk++] = clamp;
        }
      }
      if (e.fn > 0 && F.pairFriction.value > 0) {
        const slip = Math.abs(Math.sqrt(e.speed2) - p.frictionVelocity);
        if (slip <= radius) {
          _kinds[nk] = KINK_STICK_SLIP;
          _margins[nk++] = slip;
        }
      }
    }
  } else {
    const edge = Math.abs(p.margin - e.dist);
    if (edge <= radius) {
      _kinds[nk] = KINK_MARGIN;
      _margins[nk++] = edge;
    }
  }
  return nk;
}
