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
import { pairSweepTangents } from './pair-sweep-tangent.ts';
import { reportSweepDecisionTangents, sweepGainTangentScratch } from './pair-sweep-decision.ts';
import { sweepBodies, sweepGainCounted } from './pair-sweep.ts';

/**
 * A kink sink that also takes each reported margin's tangents: `kink(m, label, jump)` then
 * `tangents(ṁ)` with ṁ[j] = ∂m/∂(direction j), for the decision just reported. A sink with
 * `contactDecisions` takes the contact kernel's decisions a contact at a time instead (the
 * same decisions, order, margins and tangents; its label is `contactKinkLabel(bodyName, a,
 * b, kind)`, its jump flag `kind === KINK_MARGIN`): the validity log, which sees every
 * contact of every step.
 */
export interface MarginTangentSink extends KinkSink {
  tangents(mdot: Float64Array): void;
  contactDecisions?(batch: ContactDecisions): void;
}

/** One contact's decisions, for {@link MarginTangentSink.contactDecisions} (a reused record: read it during the call). */
export interface ContactDecisions {
  /** the scene's body names; the contact's bodies `a`, `b` (indices) */
  bodyName: readonly string[];
  a: number;
  b: number;
  /** decisions k < count: kind (kinks.ts code) `kinds[k]`, margin `margins[k]`, tangents `mdot[k·dirs + j]` */
  count: number;
  dirs: number;
  readonly kinds: Int32Array;
  readonly margins: Float64Array;
  mdot: Float64Array;
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

/** the last layout made, reused while the body count is the same (one per step otherwise) */
let _paramLayout: ContactParamTangentLayout | null = null;

/** The parameter-tangent layout for `nbody` bodies (a shared, read-only record). */
export function contactParamTangentLayout(nbody: number): ContactParamTangentLayout {
  if (_paramLayout !== null && _paramLayout.invMass === 4 + nbody) return _paramLayout;
  return (_paramLayout = {
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
  });
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
/** the sink's report radius, for `decisionsOf` */
const _radius = new Float64Array(1);
/** which of d − h, d + h, d − τ/2, d + τ/2 sets the ramp margin, and its sign */
let _rampWhich = 0;
let _rampSign = 0;

/** The record handed to a sink's `contactDecisions`. */
const _batch: ContactDecisions = {
  bodyName: [],
  a: 0,
  b: 0,
  count: 0,
  dirs: 0,
  kinds: _kinds,
  margins: _margins,
  mdot: _mdot,
};

/** Floats per side in `_sideCoef`; the offsets of its groups (see `sidePrepare`). */
const SIDE_STRIDE = 30;
const SC_STATIC = 0,
  SC_RN = 1,
  SC_NN = 4,
  SC_WN = 7,
  SC_RT = 10,
  SC_WT = 13,
  SC_TT = 16,
  SC_SS = 19,
  SC_QN = 22,
  SC_QT = 26;
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
 *
 * Ω is linear in the quaternion's tangent q̇ (Ω = 2·vec(q̂̇ ⊗ q̂*)/|q|, the radial part of
 * q̇ dropping out), so its two terms are kept folded onto q̇: Ω·(−c × G_t) = QN·q̇ and
 * Ω·(r × G_s) = QT·q̇, four coefficients each (what every direction multiplies). A static
 * side (no inverse mass or inertia) is flagged (`SC_STATIC`) and its coefficients are read
 * as zeros: only its NN, which u̇n sums over both sides, is written. The λ̇ terms' TT and SS
 * are written only when `paramsMove` (some direction moves a parameter: none reads them else).
 */
function sidePrepare(p: ContactForceParams, side: number, body: number, paramsMove: boolean): void {
  const o = side * SIDE_STRIDE;
  const lx = p.invInertia[3 * body],
    ly = p.invInertia[3 * body + 1],
    lz = p.invInertia[3 * body + 2];
  if (p.invMass[body] === 0 && lx === 0 && ly === 0 && lz === 0) {
    // a static side's coefficients are read only where a dynamic side's are (`dynA`, `dynB`),
    // but for the lever's: u̇n sums both sides' n̂̇ terms
    _sideCoef[o + SC_NN] = 0;
    _sideCoef[o + SC_NN + 1] = 0;
    _sideCoef[o + SC_NN + 2] = 0;
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
  // the inverse inertia's tangent terms: read only by a direction that moves a parameter
  if (paramsMove) {
    const r2 = s[0] * s[0] + s[1] * s[1] + s[2] * s[2];
    for (let k = 0; k < 3; k++) {
      sc[o + SC_TT + k] = t[k] * t[k];
      sc[o + SC_SS + k] = r2 - s[k] * s[k];
    }
  }
  // Ω = (2/|q|)·M q̇ with the rows of M (over q̇ = (ẇ, v̇x, v̇y, v̇z)):
  //   (−vx, w, −vz, vy), (−vy, vz, w, −vx), (−vz, −vy, vx, w)   (q̂ = (w, vx, vy, vz))
  const qHat = S.qHat[side];
  const scale = 2 / S.qLen[side];
  const qw = qHat[0],
    qx = qHat[1],
    qy = qHat[2],
    qz = qHat[3];
  for (let g = 0; g < 2; g++) {
    const from = o + (g === 0 ? SC_WN : SC_WT),
      to = o + (g === 0 ? SC_QN : SC_QT);
    const a0 = sc[from],
      a1 = sc[from + 1],
      a2 = sc[from + 2];
    sc[to] = scale * (-a0 * qx - a1 * qy - a2 * qz);
    sc[to + 1] = scale * (a0 * qw + a1 * qz - a2 * qy);
    sc[to + 2] = scale * (-a0 * qz + a1 * qw + a2 * qx);
    sc[to + 3] = scale * (a0 * qy - a1 * qx + a2 * qw);
  }
}

/**
 * The contact wrenches (nbody×6, into `wrenchOut`, as `contactWrenches` computes them) and
 * their tangents along `dirs` directions (into `wrenchDot`, dirs × 6n, overwritten), from
 * the tangents of the geometry, the state and the parameters (module comment). Decisions
 * go to `sink` with their margins' tangents. The wrench tangents of the bodies flagged in
 * `frozen` (the integrator's static bodies, which nothing reads them for) are left zero.
 * `motion`, when given, says which directions move a parameter and which bodies move along
 * each direction (else both are read off the tangents here).
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
  frozen: Uint8Array | null = null,
  motion: TangentMotion | null = null,
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
  const gateDDist = F.gateDDist(),
    gateDTemperature = F.gateDTemperature();
  for (let i = 0; i < count; i++) {
    // the activation's partials, as gatePass left them
    const dDist = gateDDist[i],
      dTemperature = gateDTemperature[i];
    for (let j = 0; j < dirs; j++) {
      const g = dDist * geomDot[j * gs + i] + dTemperature * paramDot[j * PL.size + PL.temperature];
      _gateDot[i * dirs + j] = g;
      _gateSumDot[run[i] * dirs + j] += g;
    }
  }
  // (to decisionsOf through an array: a double argument of a call not inlined is boxed, per contact)
  _radius[0] = sink === null ? 0 : reportRadius(sink);
  const dt = p.dt;
  // which directions move any parameter (else a contact whose own inputs do not move is skipped)
  const paramMoves = motion !== null ? motion.params : directionsMovingParams(paramDot, dirs, PL.size);
  let anyParamMoves = false;
  for (let j = 0; j < dirs; j++) if (paramMoves[j] === 1) anyParamMoves = true;
  const bodyMoves = motion !== null ? motion.bodies : null;
  // the pair sweep decision's gains g·un per side and their tangents (pair-sweep-decision.ts)
  const on = sink !== null && count > 1 ? sweepGainTangentScratch(count, dirs) : null;
  // the bodies whose sweep margin the report can read (moving, in two or more pairs): a
  // contact's side on any other body needs no gain tangent
  const sweepSides = on !== null ? sweepBodies(p, geom) : null;
  for (let i = 0; i < count; i++) {
    F.kinematics(geom, q, qd, i);
    F.force(p, q, i);
    const a = e.a,
      b = e.b;
    const fn = e.fn;
    const nk = sink === null ? 0 : decisionsOf(p);
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
    sidePrepare(p, 0, a, anyParamMoves);
    sidePrepare(p, 1, b, anyParamMoves);
    const sc = _sideCoef;
    const dynA = sc[SC_STATIC] === 0,
      dynB = sc[SIDE_STRIDE + SC_STATIC] === 0;
    const B = SIDE_STRIDE;
    const nnx = sc[SC_NN] + sc[B + SC_NN],
      nny = sc[SC_NN + 1] + sc[B + SC_NN + 1],
      nnz = sc[SC_NN + 2] + sc[B + SC_NN + 2];
    const aRNx = sc[SC_RN],
      aRNy = sc[SC_RN + 1],
      aRNz = sc[SC_RN + 2],
      aRTx = sc[SC_RT],
      aRTy = sc[SC_RT + 1],
      aRTz = sc[SC_RT + 2],
      aQN0 = sc[SC_QN],
      aQN1 = sc[SC_QN + 1],
      aQN2 = sc[SC_QN + 2],
      aQN3 = sc[SC_QN + 3],
      aQT0 = sc[SC_QT],
      aQT1 = sc[SC_QT + 1],
      aQT2 = sc[SC_QT + 2],
      aQT3 = sc[SC_QT + 3];
    const bRNx = sc[B + SC_RN],
      bRNy = sc[B + SC_RN + 1],
      bRNz = sc[B + SC_RN + 2],
      bRTx = sc[B + SC_RT],
      bRTy = sc[B + SC_RT + 1],
      bRTz = sc[B + SC_RT + 2],
      bQN0 = sc[B + SC_QN],
      bQN1 = sc[B + SC_QN + 1],
      bQN2 = sc[B + SC_QN + 2],
      bQN3 = sc[B + SC_QN + 3],
      bQT0 = sc[B + SC_QT],
      bQT1 = sc[B + SC_QT + 1],
      bQT2 = sc[B + SC_QT + 2],
      bQT3 = sc[B + SC_QT + 3];
    // the wrench tangents of a static body are read by nothing (the integrator passes it through)
    const writeA = frozen === null || frozen[a] === 0,
      writeB = frozen === null || frozen[b] === 0;
    const act = F.window.value;
    const win = F.window;
    const kappa = F.kappa;
    const law = F.normal;
    const kEff = p.stiffness * kappa[0];
    // direction-independent factors of the per-direction formulas below
    // (read by a direction that moves a parameter only)
    const dashpotRoot = anyParamMoves && p.dampingFromRestitution ? Math.sqrt(p.stiffness / e.w0) : 0;
    let pressWidthSlope = 0;
    if (anyParamMoves && e.weight !== 0 && p.mode === 'soft') {
      // soft press smoothing: ∂press/∂|g| = ½·width/root·pressSmoothing, with ∂|g| = (g·ġ)/|g|
      const g = p.gravity;
      const gNorm = Math.sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
      const width = F.pressSmoothing * gNorm;
      const root = Math.sqrt(e.pressX * e.pressX + width * width);
      if (root > 0 && gNorm > 0) pressWidthSlope = ((0.5 * width) / root) * (F.pressSmoothing / gNorm);
    }
    // the contact's forward values, read once for all directions (the calls in the loop
    // below are not inlined, and V8 reloads a record's fields after every call)
    const nx = e.nx,
      ny = e.ny,
      nz = e.nz;
    const rAx = e.rAx,
      rAy = e.rAy,
      rAz = e.rAz,
      rBx = e.rBx,
      rBy = e.rBy,
      rBz = e.rBz;
    const eWAx = e.wAx,
      eWAy = e.wAy,
      eWAz = e.wAz,
      eWBx = e.wBx,
      eWBy = e.wBy,
      eWBz = e.wBz;
    const eVrx = e.vrx,
      eVry = e.vry,
      eVrz = e.vrz,
      eVn = e.vn;
    const eVtx = e.vtx,
      eVty = e.vty,
      eVtz = e.vtz;
    const eW0 = e.w0,
      eWn = e.wn,
      eUtSum = e.utA + e.utB,
      eDashpot = e.dashpot,
      ePhiN = e.phiN,
      ePhiNDy = e.phiNDy,
      eEffDamping = e.effDamping,
      eLambda = e.lambda,
      ePhiT = e.phiT,
      ePhiTDy = e.phiTDy,
      eWt = e.wt,
      eSlip = e.slip;
    const winDDist = win.dDist,
      winDNormalVelocity = win.dNormalVelocity,
      winDTemperature = win.dTemperature,
      winWidthDNormalVelocity = win.widthDNormalVelocity,
      winWidthDTemperature = win.widthDTemperature;
    const stiffness = p.stiffness;
    const kappa0 = kappa[0],
      kappa1 = kappa[1],
      kappa2 = kappa[2];
    const lawDDist = law.dDist,
      lawDRate = law.dRate,
      lawDStiffness = law.dStiffness,
      lawDDamping = law.dDamping,
      lawDTemperature = law.dTemperature;
    const massSum = p.invMass[a] + p.invMass[b];
    const soft = p.mode === 'soft';
    const fromRestitution = p.dampingFromRestitution;
    const weight = e.weight;
    const carried = e.carried,
      press = e.press,
      pressDx = e.pressDx,
      relDyn = e.relDyn,
      shareA = e.shareA;
    const g0 = p.gravity[0],
      g1 = p.gravity[1],
      g2 = p.gravity[2];
    const mu = F.pairFriction.value,
      w = F.frictionWeight.value,
      muDA = F.pairFriction.dA,
      muDB = F.pairFriction.dB,
      wDSpeed2 = F.frictionWeight.dSpeed2,
      wDVelocity = F.frictionWeight.dVelocity;
    // The normal law's tangents along the state's motion are linear in five numbers per
    // direction: ḋ, v̇_n, Ẇ₀ (the state's part), the share's ṡ and n̂̇·g. Their coefficients,
    // once per contact, through the chain of wrenches.ts (window a, dashpot b, step factors
    // φ₁, stiffness factor κ, normal law, weight feed-forward), parameters held still:
    //   ȧ = a_d ḋ + a_v v̇_n,  ḃ = b_W Ẇ₀,  Ẇ_n = ½(W₀ + m)ṡ + ½(N + 1)Ẇ₀,
    //   ẏ_n = dt(ḃ a W_n + b ȧ W_n + b a Ẇ_n),  ḃ_eff = ḃ φ₁ + b φ₁' ẏ_n,  ṗ = dt² k Ẇ₀,
    //   ẏ₀ = dt(ḃ a W₀ + b ȧ W₀ + b a Ẇ₀),  (kκ)˙ = k(κ_p ṗ + κ_y ẏ₀),  Ḋ = ḃ_eff a + b_eff ȧ,
    //   ḟ_n = f_d ḋ − f_v v̇_n + f_k (kκ)˙ + f_D Ḋ + f_τ ẇ  (soft: ẇ = w_v v̇_n, the width),
    //   + ȧ c P + a ċ P + a c P' ẋ,  ċ = −c²(Ẇ₀ + m ṡ),  ẋ = −r n̂̇·g
    // (the parameters' part, when a direction moves any, is added by the chain itself below).
    const bW = fromRestitution ? -eDashpot / (2 * eW0) : 0;
    const wnSH = 0.5 * (eW0 + massSum),
      wnW0 = 0.5 * (shareValue + 1);
    const ynDD = dt * eDashpot * winDDist * eWn,
      ynVN = dt * eDashpot * winDNormalVelocity * eWn,
      ynW0 = dt * (bW * act * eWn + eDashpot * act * wnW0),
      ynSH = dt * eDashpot * act * wnSH;
    const phiNDy = eDashpot * ePhiNDy;
    const y0DD = dt * eDashpot * winDDist * eW0,
      y0VN = dt * eDashpot * winDNormalVelocity * eW0,
      y0W0 = dt * (bW * act * eW0 + eDashpot * act);
    const kDD = stiffness * kappa2 * y0DD,
      kVN = stiffness * kappa2 * y0VN,
      kW0 = stiffness * (kappa1 * dt * dt * stiffness + kappa2 * y0W0);
    const dDD = phiNDy * ynDD * act + eEffDamping * winDDist,
      dVN = phiNDy * ynVN * act + eEffDamping * winDNormalVelocity,
      dW0 = (bW * ePhiN + phiNDy * ynW0) * act,
      dSH = phiNDy * ynSH * act;
    let fDD = lawDDist + lawDStiffness * kDD + lawDDamping * dDD,
      fVN =
        -lawDRate + lawDStiffness * kVN + lawDDamping * dVN + (soft ? lawDTemperature * winWidthDNormalVelocity : 0),
      fW0 = lawDStiffness * kW0 + lawDDamping * dW0,
      fSH = lawDDamping * dSH,
      fNG = 0;
    if (weight !== 0) {
      const cp = carried * press;
      fDD += winDDist * cp;
      fVN += winDNormalVelocity * cp;
      fW0 -= act * carried * cp;
      fSH -= act * carried * cp * massSum;
      fNG = -act * carried * pressDx * relDyn;
    }
    // a contact counted in the sweep's gains: g = y_n·φ₁(y_n)/W_n, its side A's and B's g·un
    const sweepTrack = on !== null && sweepGainCounted(i) === 1;
    const sweepG = sweepTrack ? (e.yn * ePhiN) / eWn : 0;
    if (on !== null && sweepTrack) {
      on.onA[i] = sweepG * e.unA;
      on.onB[i] = sweepG * e.unB;
    }
    // which sides' gain tangents the sweep's report reads (pair-sweep-decision.ts: its bodies only)
    const sweepA = sweepTrack && sweepSides !== null && sweepSides[a] >= 2,
      sweepB = sweepTrack && sweepSides !== null && sweepSides[b] >= 2;
    const eUnA = e.unA,
      eUnB = e.unB,
      gainSlope = ePhiN + e.yn * ePhiNDy;
    const runAt = run[i] * dirs;
    for (let j = 0; j < dirs; j++) {
      const go = j * gs,
        so = j * ss,
        po = j * PL.size;
      // a direction that moves no parameter: the parameters' terms are exact zeros, left out
      // (x + 0 = x: the same values, bit for bit, up to the sign of a zero)
      const pm = paramMoves[j] === 1;
      if (
        !pm &&
        _gateSumDot[runAt + j] === 0 &&
        _gateDot[i * dirs + j] === 0 &&
        (bodyMoves !== null
          ? bodyMoves[j * n + a] === 0 && bodyMoves[j * n + b] === 0
          : !localMoves(geomDot, go, count, i, stateDot, so, n, a, b))
      ) {
        // nothing of this contact moves along direction j: no tangent
        for (let k = 0; k < nk; k++) _mdot[k * dirs + j] = 0;
        continue;
      }
      const dd = geomDot[go + i];
      const nDx = geomDot[go + count + 3 * i],
        nDy = geomDot[go + count + 3 * i + 1],
        nDz = geomDot[go + count + 3 * i + 2];
      // r = p − x
      const pDx = geomDot[go + 4 * count + 3 * i],
        pDy = geomDot[go + 4 * count + 3 * i + 1],
        pDz = geomDot[go + 4 * count + 3 * i + 2];
      const rADx = pDx - stateDot[so + 7 * a],
        rADy = pDy - stateDot[so + 7 * a + 1],
        rADz = pDz - stateDot[so + 7 * a + 2];
      const rBDx = pDx - stateDot[so + 7 * b],
        rBDy = pDy - stateDot[so + 7 * b + 1],
        rBDz = pDz - stateDot[so + 7 * b + 2];
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
        (wBy * rBz - wBz * rBy + eWBy * rBDz - eWBz * rBDy) -
        stateDot[va] -
        (wAy * rAz - wAz * rAy + eWAy * rADz - eWAz * rADy);
      const vry =
        stateDot[vb + 1] +
        (wBz * rBx - wBx * rBz + eWBz * rBDx - eWBx * rBDz) -
        stateDot[va + 1] -
        (wAz * rAx - wAx * rAz + eWAz * rADx - eWAx * rADz);
      const vrz =
        stateDot[vb + 2] +
        (wBx * rBy - wBy * rBx + eWBx * rBDy - eWBy * rBDx) -
        stateDot[va + 2] -
        (wAx * rAy - wAy * rAx + eWAx * rADy - eWAy * rADx);
      const vn = nDx * eVrx + nDy * eVry + nDz * eVrz + nx * vrx + ny * vry + nz * vrz;
      const vtx = vrx - vn * nx - eVn * nDx,
        vty = vry - vn * ny - eVn * nDy,
        vtz = vrz - vn * nz - eVn * nDz;
      const speed2 = 2 * (eVtx * vtx + eVty * vty + eVtz * vtz);
      // mass shares and effective masses: only W₀ = un_A + un_B and ut_A + ut_B are read
      // (sidePrepare: u̇n − ṁ = nrm, tr K̇ = trc, per side; Ω folded onto the quaternion's tangent)
      const shareDot = _gateSumDot[runAt + j] - _gateDot[i * dirs + j];
      let nrm = nnx * nDx + nny * nDy + nnz * nDz,
        trc = 0;
      // each side's quaternion tangent (zero for a static side, which reads none)
      let dwA = 0,
        dxA = 0,
        dyA = 0,
        dzA = 0,
        dwB = 0,
        dxB = 0,
        dyB = 0,
        dzB = 0;
      if (dynA) {
        const qa = so + 7 * a + 3;
        dwA = stateDot[qa];
        dxA = stateDot[qa + 1];
        dyA = stateDot[qa + 2];
        dzA = stateDot[qa + 3];
        nrm += aRNx * rADx + aRNy * rADy + aRNz * rADz + aQN0 * dwA + aQN1 * dxA + aQN2 * dyA + aQN3 * dzA;
        trc += aRTx * rADx + aRTy * rADy + aRTz * rADz + aQT0 * dwA + aQT1 * dxA + aQT2 * dyA + aQT3 * dzA;
      }
      if (dynB) {
        const qb = so + 7 * b + 3;
        dwB = stateDot[qb];
        dxB = stateDot[qb + 1];
        dyB = stateDot[qb + 2];
        dzB = stateDot[qb + 3];
        nrm += bRNx * rBDx + bRNy * rBDy + bRNz * rBDz + bQN0 * dwB + bQN1 * dxB + bQN2 * dyB + bQN3 * dzB;
        trc += bRTx * rBDx + bRTy * rBDy + bRTz * rBDz + bQT0 * dwB + bQT1 * dxB + bQT2 * dyB + bQT3 * dzB;
      }
      // the parameters' part of W₀ and of ut_A + ut_B (exact zeros when none moves: 0 + x = x)
      let w0p = 0,
        utSum: number;
      if (pm) {
        let nrmP = 0,
          trcP = 0,
          mass = 0;
        if (dynA) {
          const li = po + PL.invInertia + 3 * a;
          for (let k = 0; k < 3; k++) {
            nrmP += paramDot[li + k] * sc[SC_TT + k];
            trcP += paramDot[li + k] * sc[SC_SS + k];
          }
          mass += paramDot[po + PL.invMass + a];
        }
        if (dynB) {
          const li = po + PL.invInertia + 3 * b;
          for (let k = 0; k < 3; k++) {
            nrmP += paramDot[li + k] * sc[SIDE_STRIDE + SC_TT + k];
            trcP += paramDot[li + k] * sc[SIDE_STRIDE + SC_SS + k];
          }
          mass += paramDot[po + PL.invMass + b];
        }
        w0p = nrmP + mass;
        utSum = mass + 0.5 * (trc + trcP - (nrm + nrmP));
      } else utSum = 0.5 * (trc - nrm);
      const wt = shareDot * eUtSum + shareValue * utSum;
      // the state's part of the normal law's tangents, folded (see the per-contact coefficients)
      const ng = weight !== 0 ? nDx * g0 + nDy * g1 + nDz * g2 : 0;
      // (kκ)˙ and Ḋ are read by the damping clamp's margin only: their parameters' parts kept, the sums made there
      let kEffP = 0,
        dampingP = 0;
      let fnDot = fDD * dd + fVN * vn + fW0 * nrm + fSH * shareDot + fNG * ng;
      const rateDot = -vn;
      const tauDot = pm ? paramDot[po + PL.temperature] : 0;
      const widthDot = pm ? winWidthDNormalVelocity * vn + winWidthDTemperature * tauDot : winWidthDNormalVelocity * vn;
      // the parameters' parts of y_n's and W_n's tangents (for the sweep's gains)
      let ynP = 0,
        wnP = 0;
      if (pm) {
        // the parameters' part: the chain of wrenches.ts's normal law on their tangents alone
        const kDot = paramDot[po + PL.stiffness];
        const massSumDot = paramDot[po + PL.invMass + a] + paramDot[po + PL.invMass + b];
        const wn = 0.5 * (shareValue - 1) * massSumDot + 0.5 * (shareValue + 1) * w0p;
        let dashpot: number;
        if (fromRestitution) {
          const eDot = paramDot[po + PL.restitution + e.restitutionBody];
          dashpot =
            2 * e.zetaDe * eDot * dashpotRoot + (eDashpot * kDot) / (2 * stiffness) - (eDashpot * w0p) / (2 * eW0);
        } else dashpot = paramDot[po + PL.damping];
        const actDot = winDTemperature * tauDot;
        const yn = dt * (dashpot * act * eWn + eDashpot * actDot * eWn + eDashpot * act * wn);
        const effDot = dashpot * ePhiN + eDashpot * ePhiNDy * yn;
        ynP = yn;
        wnP = wn;
        const pDot = dt * dt * (kDot * eW0 + stiffness * w0p);
        const y0Dot = dt * (dashpot * act * eW0 + eDashpot * actDot * eW0 + eDashpot * act * w0p);
        kEffP = kDot * kappa0 + stiffness * (kappa1 * pDot + kappa2 * y0Dot);
        dampingP = effDot * act + eEffDamping * actDot;
        let fnP =
          lawDStiffness * kEffP +
          lawDDamping * dampingP +
          lawDTemperature * (soft ? winWidthDTemperature * tauDot : tauDot);
        if (weight !== 0) {
          const c = carried;
          const invSumDot = paramDot[po + PL.invMass + a] + paramDot[po + PL.invMass + b];
          const cDot = -c * c * (w0p + (shareA - 1) * invSumDot);
          const gx = paramDot[po + PL.gravity],
            gy = paramDot[po + PL.gravity + 1],
            gz = paramDot[po + PL.gravity + 2];
          let pressDot = pressDx * (-relDyn * (nx * gx + ny * gy + nz * gz));
          if (pressWidthSlope !== 0) pressDot += pressWidthSlope * (g0 * gx + g1 * gy + g2 * gz);
          fnP += actDot * c * press + act * cDot * press + act * c * pressDot;
        }
        fnDot += fnP;
      }
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
            const u = -eVn - (kEff * e.dist) / D;
            // (x + 0 = x: without moved parameters the same sums as with their parts)
            let kEffDot = kDD * dd + kVN * vn + kW0 * nrm;
            let dampingDot = dDD * dd + dVN * vn + dW0 * nrm + dSH * shareDot;
            if (pm) {
              kEffDot += kEffP;
              dampingDot += dampingP;
            }
            const uDot = rateDot - (kEffDot * e.dist + kEff * dd) / D + (kEff * e.dist * dampingDot) / (D * D);
            m = u >= 0 ? uDot : -uDot;
            break;
          }
          case KINK_STICK_SLIP: {
            const speed = Math.sqrt(e.speed2);
            const slopeDot = speed > 0 ? speed2 / (2 * speed) : 0;
            const uDot = pm ? slopeDot - paramDot[po + PL.frictionVelocity] : slopeDot;
            m = speed - p.frictionVelocity >= 0 ? uDot : -uDot;
            break;
          }
        }
        _mdot[k * dirs + j] = m;
      }
      if (on !== null && (sweepA || sweepB)) {
        // (g·un)˙ = ġ·un + g·u̇n per side, ġ = (ẏ_n·(φ₁ + y_n·φ₁′) − g·Ẇ_n)/W_n
        const ynDot = ynDD * dd + ynVN * vn + ynW0 * nrm + ynSH * shareDot + ynP;
        const wnDot = wnSH * shareDot + wnW0 * nrm + wnP;
        const gDot = (ynDot * gainSlope - sweepG * wnDot) / eWn;
        // u̇n per side (as nrm sums them, with the side's parameters): the side's lever, orientation, m⁻¹ and I⁻¹
        let unA = sc[SC_NN] * nDx + sc[SC_NN + 1] * nDy + sc[SC_NN + 2] * nDz;
        if (sweepA && dynA) {
          unA += aRNx * rADx + aRNy * rADy + aRNz * rADz;
          unA += aQN0 * dwA;
          unA += aQN1 * dxA;
          unA += aQN2 * dyA;
          unA += aQN3 * dzA;
          if (pm) {
            const li = po + PL.invInertia + 3 * a;
            unA += paramDot[po + PL.invMass + a];
            for (let k = 0; k < 3; k++) unA += paramDot[li + k] * sc[SC_TT + k];
          }
        }
        let unB = sc[B + SC_NN] * nDx + sc[B + SC_NN + 1] * nDy + sc[B + SC_NN + 2] * nDz;
        if (sweepB && dynB) {
          unB += bRNx * rBDx + bRNy * rBDy + bRNz * rBDz;
          unB += bQN0 * dwB;
          unB += bQN1 * dxB;
          unB += bQN2 * dyB;
          unB += bQN3 * dzB;
          if (pm) {
            const li = po + PL.invInertia + 3 * b;
            unB += paramDot[po + PL.invMass + b];
            for (let k = 0; k < 3; k++) unB += paramDot[li + k] * sc[B + SC_TT + k];
          }
        }
        if (sweepA) on.onADot[i * dirs + j] = gDot * eUnA + sweepG * unA;
        if (sweepB) on.onBDot[i * dirs + j] = gDot * eUnB + sweepG * unB;
      }
      if (fn === 0) continue;
      // friction: s = λ·φ₁(y_t), y_t = dt·λ·W_t, λ = μ f_n w
      let lambdaDot: number;
      if (pm) {
        const muDot = muDA * paramDot[po + PL.friction + a] + muDB * paramDot[po + PL.friction + b];
        const wDot = wDSpeed2 * speed2 + wDVelocity * paramDot[po + PL.frictionVelocity];
        lambdaDot = muDot * fn * w + mu * fnDot * w + mu * fn * wDot;
      } else lambdaDot = mu * fnDot * w + mu * fn * (wDSpeed2 * speed2);
      const ytDot = dt * (lambdaDot * eWt + eLambda * wt);
      const slipDot = lambdaDot * ePhiT + eLambda * ePhiTDy * ytDot;
      // F = f_n n − s v_t
      const s = eSlip;
      const fx = fn * nx - s * eVtx,
        fy = fn * ny - s * eVty,
        fz = fn * nz - s * eVtz;
      const Fx = fnDot * nx + fn * nDx - slipDot * eVtx - s * vtx;
      const Fy = fnDot * ny + fn * nDy - slipDot * eVty - s * vty;
      const Fz = fnDot * nz + fn * nDz - slipDot * eVtz - s * vtz;
      const wo = j * ws;
      const ob = wo + 6 * b,
        oa = wo + 6 * a;
      if (writeB) {
        wrenchDot[ob] += Fx;
        wrenchDot[ob + 1] += Fy;
        wrenchDot[ob + 2] += Fz;
        wrenchDot[ob + 3] += rBDy * fz - rBDz * fy + rBy * Fz - rBz * Fy;
        wrenchDot[ob + 4] += rBDz * fx - rBDx * fz + rBz * Fx - rBx * Fz;
        wrenchDot[ob + 5] += rBDx * fy - rBDy * fx + rBx * Fy - rBy * Fx;
      }
      if (writeA) {
        wrenchDot[oa] -= Fx;
        wrenchDot[oa + 1] -= Fy;
        wrenchDot[oa + 2] -= Fz;
        wrenchDot[oa + 3] -= rADy * fz - rADz * fy + rAy * Fz - rAz * Fy;
        wrenchDot[oa + 4] -= rADz * fx - rADx * fz + rAz * Fx - rAx * Fz;
        wrenchDot[oa + 5] -= rADx * fy - rADy * fx + rAx * Fy - rAy * Fx;
      }
    }
    if (sink !== null && nk > 0) {
      if (sink.contactDecisions !== undefined) {
        // the whole contact in one call: no label string, no margin boxed, no copy of the tangents
        const batch = _batch;
        batch.bodyName = p.bodyName;
        batch.a = a;
        batch.b = b;
        batch.count = nk;
        batch.dirs = dirs;
        batch.mdot = _mdot;
        sink.contactDecisions(batch);
        continue;
      }
      for (let k = 0; k < nk; k++) {
        const kind = _kinds[k];
        sink.kink(_margins[k], contactKinkLabel(p.bodyName, a, b, kind), kind === KINK_MARGIN);
        for (let j = 0; j < dirs; j++) _mdotOut[j] = _mdot[k * dirs + j];
        sink.tangents(dirs === _mdotOut.length ? _mdotOut : _mdotOut.subarray(0, dirs));
      }
    }
  }
  // a step whose dashpots would overshoot together is the pair sweep's (pair-sweep.ts)
  if (F.sweepNeeded(p, geom))
    pairSweepTangents(p, geom, q, qd, dirs, geomDot, stateDot, paramDot, PL, wrenchOut, wrenchDot);
  // and that decision's margin, with its tangents (last: it reuses the kernel's scratch)
  if (sink !== null && on !== null) reportSweepDecisionTangents(p, geom, dirs, sink);
}

let _paramMoves = new Uint8Array(8);

/**
 * What moves along each direction, known to the caller before the step (driver/force-tangent.ts):
 * `params[j]` 1 where direction j moves any contact parameter, `bodies[j·n + b]` 1 where it
 * moves body b's pose, velocity or size. A body that moves none of them gives its contacts'
 * geometry a zero tangent (contactGeometryTangents: a linear map of those tangents).
 */
export interface TangentMotion {
  params: Uint8Array;
  bodies: Uint8Array;
}

/** Per direction: 1 where `paramDot` (dirs × `size`) has a nonzero entry (module scratch, reused). */
export function directionsMovingParams(
  paramDot: Float64Array,
  dirs: number,
  size: number,
  out?: Uint8Array,
): Uint8Array {
  if (out === undefined) {
    if (_paramMoves.length < dirs) _paramMoves = new Uint8Array(dirs);
    out = _paramMoves;
  }
  for (let j = 0; j < dirs; j++) {
    let any = 0;
    for (let k = 0; k < size && any === 0; k++) any = paramDot[j * size + k] !== 0 ? 1 : 0;
    out[j] = any;
  }
  return out;
}

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
function decisionsOf(p: ContactForceParams): number {
  const e = F.e;
  const radius = _radius[0];
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
