/**
 * Contact wrenches of the force-based modes (`penalty`, `soft`): from contact geometry
 * and body velocities to a force and a torque on every body. Two faces, one model:
 * - `contactWrenches`, the plain kernel on typed arrays (no tape, no allocation);
 * - `contactWrenchPrimitive`, the same kernel as an AD primitive over a flat input
 *   vector, with a hand-written adjoint loop (reverse) and tangent loop (forward).
 *
 * Model, per contact between bodies A and B (n unit from A to B, p the contact point):
 *
 *   r_A = p − x_A,  r_B = p − x_B                                  m
 *   v_rel = (v_B + ω_B × r_B) − (v_A + ω_A × r_A)                  m/s, B relative to A
 *   v_n = n·v_rel (> 0 separating),  φ̇ = −v_n,  v_t = v_rel − v_n n
 *   a = the share of the step's window in contact (step-exact.ts; soft: σ(−d/s),
 *       penalty: a ramp over d ∈ [−h, h]); a_s the same at rest (for the mass shares)
 *   un, ut = each side's inverse mass along n / across n (lever arms and inertia included)
 *   N = 1 + (sum of the share activations a_s of the pair's contacts) − a_s   mass share
 *   W₀ = un_A + un_B,  W_n = N·m + ½(N + 1)(W₀ − m) (m = m_A⁻¹ + m_B⁻¹),  W_t = N_A ut_A + N_B ut_B
 *   b = 2ζ(e)·√(k/W₀)  (e = max(e_A, e_B), restitution.ts), or the scene's damping
 *   f_n = penalty or soft law of (d, φ̇; k·κ, D = b·φ₁(dt·b·a·W_n)·a, τ or s)
 *         + a·c·max(0, −n·(g_B − g_A))   the weight feed-forward, c = 1/(W₀ + (N−1)(m_A⁻¹ + m_B⁻¹))
 *   κ = κ(k·W₀·dt², dt·b·a·W₀)   the step-exact spring factor (step-exact.ts)      N
 *   f_t = −s v_t,  s = λ·φ₁(dt·λ·W_t),  λ = μ f_n w(|v_t|², ε)      N (friction.ts)
 *   F = f_n n + f_t on B at p, −F on A at p
 *   wrench_B += [F, r_B × F],  wrench_A += [−F, −r_A × F]          N, N·m about the COM
 *
 * with φ₁(y) = (1 − e^{−y})/y. Why φ₁: the dashpot and the regularized friction are
 * viscous laws whose slopes (b·a, and μ f_n/ε when sticking) far exceed m/dt at impacts
 * (an explicit step of them diverges). Integrated exactly over the step with the
 * contact's effective mass, a viscous force c·u on a velocity u decays it by e^{−y},
 * y = dt·c·W, and its mean force over the step is c·φ₁(y)·u: stable at any slope and
 * any dt, equal to c·u as dt → 0, and never reversing the velocity it damps. The
 * parallel contacts of one pair share its effective mass (each sees it scaled by N, the
 * mass splitting of Tonge et al. 2012), so a box on four corners does not stop its slip
 * four times over; N counts contacts by their smooth activations, so it adds no
 * discontinuity. Contacts with different bodies are not split: in series (a stack) each
 * stopping its own relative velocity overshoots at most twofold, which the exponential
 * factor keeps stable, while splitting there would weaken the damping of the stack's
 * slow modes.
 *
 * Static bodies accumulate too (the integrator ignores them). Body orientations enter
 * through the effective masses only (the inertia turned to the world frame).
 * Non-smooth decisions are reported through the kink sink (kinks.ts) in traced calls.
 */
import { customVjp, type KinkSink } from '../../ad/primitive.ts';
import type { Real } from '../../ad/tape.ts';
import type { Contacts } from '../collision/contacts.ts';
import { addNormalizeAdjoint, addRotationAdjoint, loadUnitRotation } from '../integrator/semiImplicitEuler.ts';
import {
  createFrictionWeight,
  createPairFriction,
  pairFriction,
  penaltyFrictionWeight,
  softFrictionWeight,
} from './friction.ts';
import {
  KINK_DAMPING_CLAMP,
  KINK_DAMPING_RAMP,
  KINK_MARGIN,
  KINK_ONSET,
  KINK_STICK_SLIP,
  reportContactKink,
  reportRadius,
} from './kinks.ts';
import { createNormalForce, normalForceArgs } from './normal-force.ts';
import { checkBodies, checkFriction, checkGravity, checkScalars, type ContactForceParams } from './params.ts';
import { penaltyNormalForce } from './penalty.ts';
import { createDampingRatio, dampingRatioOfRestitution } from './restitution.ts';
import { softNormalForce } from './soft.ts';
import { createWindowActivation, stepStiffnessFactor, windowActivation } from './step-exact.ts';
import {
  addDissipative,
  dissipativeNormal,
  sweepGainAdd,
  reportSweepDecision,
  sweepGainReset,
  sweepNeeded,
  sweepOrder,
  sweepPairEnd,
  sweepPairStart,
  sweepSpring,
  sweepMayBeNeeded,
  sweepStart,
  sweepVelocities,
} from './pair-sweep.ts';
import { dissipativeAdjoint, dissipativeBar, sweepPairEnter } from './pair-sweep-adjoint.ts';

/** The parts of a contact buffer the force kernel reads (a `Contacts` is one). */
export type ContactGeometry = Pick<Contacts, 'count' | 'bodyA' | 'bodyB' | 'dist' | 'normal' | 'point'>;

/** The static configuration of a primitive call: the non-differentiable part of the params. */
export type ContactStaticConfig = Pick<
  ContactForceParams,
  'mode' | 'nbody' | 'margin' | 'bodyName' | 'dt' | 'dampingFromRestitution'
>;

// ---- per-contact evaluation (shared by all faces) ---------------------------------------

/** Kinematics and intermediate values of the contact being evaluated; one module-private record. */
const _e = {
  a: 0,
  b: 0,
  dist: 0,
  nx: 0,
  ny: 0,
  nz: 0,
  rAx: 0,
  rAy: 0,
  rAz: 0,
  rBx: 0,
  rBy: 0,
  rBz: 0,
  wAx: 0,
  wAy: 0,
  wAz: 0,
  wBx: 0,
  wBy: 0,
  wBz: 0,
  vrx: 0,
  vry: 0,
  vrz: 0,
  vn: 0,
  vtx: 0,
  vty: 0,
  vtz: 0,
  speed2: 0,
  // activation a ∈ [0, 1] and its partials (∂/∂d, ∂/∂τ)
  gate: 0,
  gateDDist: 0,
  gateDTemperature: 0,
  // mass shares N_A, N_B and the sides' inverse masses along n (un) and across it (ut)
  shareA: 0,
  shareB: 0,
  unA: 0,
  unB: 0,
  utA: 0,
  utB: 0,
  // W₀ = un_A + un_B (pair), W_n, W_t (shared)
  w0: 0,
  wn: 0,
  wt: 0,
  // the dashpot: b, the body whose restitution sets it, ζ and dζ/de, the step factor φ₁(y_n)
  dashpot: 0,
  restitutionBody: 0,
  zeta: 0,
  zetaDe: 0,
  yn: 0,
  phiN: 0,
  phiNDy: 0,
  effDamping: 0,
  // friction: λ = μ f_n w, y_t = dt·λ·W_t, φ₁(y_t), and the force's slip factor s = λ φ₁(y_t)
  lambda: 0,
  yt: 0,
  phiT: 0,
  phiTDy: 0,
  slip: 0,
  // the weight feed-forward: x = −(δ_B − δ_A)·n·g (m/s², > 0: gravity presses the pair
  // together), its positive part and slope, the carried mass c (kg), and the force a·c·pos
  relDyn: 0,
  pressX: 0,
  press: 0,
  pressDx: 0,
  // soft: the smoothing's √(x² + w²)
  pressRoot: 0,
  carried: 0,
  weight: 0,
  // the contact's total normal force: the law's f_n plus the weight feed-forward
  fn: 0,
  // its dissipative part f_n − weight − (the law without its dashpot), for the pair sweep
  fd: 0,
};
const _args = normalForceArgs();
const _fn = createNormalForce();
const _w = createFrictionWeight();
const _mu = createPairFriction();
const _zeta = createDampingRatio();
const _win = createWindowActivation();
/** (ω·dt)² = k·W₀·dt² beyond which κ is not applied: ω·dt = 2, the explicit spring's stability limit */
const UNRESOLVED_STEP = 4;
/** [κ, ∂κ/∂p, ∂κ/∂y, p, y] of the current contact (step-exact.ts) */
const _kappa = new Float64Array(5);
/** the restitution `_zeta` was computed for (NaN: none yet) */
let _zetaOf = NaN;

/** Per side (A at 0, B at 1): unit quaternion, |q|, rotation, s = Rᵀr, c = r × n, t = Rᵀc. */
const _qHat = [new Float64Array(4), new Float64Array(4)];
const _qLen = new Float64Array(2);
const _rot = [new Float64Array(9), new Float64Array(9)];
const _s = [new Float64Array(3), new Float64Array(3)];
const _c = [new Float64Array(3), new Float64Array(3)];
const _t = [new Float64Array(3), new Float64Array(3)];
const _rotBar = new Float64Array(9);
const _qHatBar = new Float64Array(4);

/**
 * Activation per contact, the run of same-pair contacts it belongs to, and each run's sum
 * of activations (grown as needed, never shrunk).
 */
let _gate = new Float64Array(64);
let _run = new Int32Array(64);
let _gateSum = new Float64Array(64);
/** Each activation's partials (∂/∂d, ∂/∂τ), for the adjoint's pass over the runs' sums. */
let _gateDDist = new Float64Array(64);
let _gateDTemperature = new Float64Array(64);
/** Adjoint: cotangent of each run's activation sum. */
let _gateSumBar = new Float64Array(64);

/** Fill `_e` for contact `i`. */
function contactKinematics(geom: ContactGeometry, q: Float64Array, qd: Float64Array, i: number): void {
  const a = geom.bodyA[i];
  const b = geom.bodyB[i];
  const nx = geom.normal[3 * i],
    ny = geom.normal[3 * i + 1],
    nz = geom.normal[3 * i + 2];
  const px = geom.point[3 * i],
    py = geom.point[3 * i + 1],
    pz = geom.point[3 * i + 2];
  const rAx = px - q[7 * a],
    rAy = py - q[7 * a + 1],
    rAz = pz - q[7 * a + 2];
  const rBx = px - q[7 * b],
    rBy = py - q[7 * b + 1],
    rBz = pz - q[7 * b + 2];
  const wAx = qd[6 * a + 3],
    wAy = qd[6 * a + 4],
    wAz = qd[6 * a + 5];
  const wBx = qd[6 * b + 3],
    wBy = qd[6 * b + 4],
    wBz = qd[6 * b + 5];
  // v_rel = (v_B + ω_B × r_B) − (v_A + ω_A × r_A)
  const vrx = qd[6 * b] + (wBy * rBz - wBz * rBy) - qd[6 * a] - (wAy * rAz - wAz * rAy);
  const vry = qd[6 * b + 1] + (wBz * rBx - wBx * rBz) - qd[6 * a + 1] - (wAz * rAx - wAx * rAz);
  const vrz = qd[6 * b + 2] + (wBx * rBy - wBy * rBx) - qd[6 * a + 2] - (wAx * rAy - wAy * rAx);
  const vn = nx * vrx + ny * vry + nz * vrz;
  const vtx = vrx - vn * nx,
    vty = vry - vn * ny,
    vtz = vrz - vn * nz;
  _e.a = a;
  _e.b = b;
  _e.dist = geom.dist[i];
  _e.nx = nx;
  _e.ny = ny;
  _e.nz = nz;
  _e.rAx = rAx;
  _e.rAy = rAy;
  _e.rAz = rAz;
  _e.rBx = rBx;
  _e.rBy = rBy;
  _e.rBz = rBz;
  _e.wAx = wAx;
  _e.wAy = wAy;
  _e.wAz = wAz;
  _e.wBx = wBx;
  _e.wBy = wBy;
  _e.wBz = wBz;
  _e.vrx = vrx;
  _e.vry = vry;
  _e.vrz = vrz;
  _e.vn = vn;
  _e.vtx = vtx;
  _e.vty = vty;
  _e.vtz = vtz;
  _e.speed2 = vtx * vtx + vty * vty + vtz * vtz;
}

/**
 * The contact's share activation (how much it counts in its pair's mass splitting) and
 * its partials into `_e`: the window activation of step-exact.ts at rest (v_n = 0), so
 * that it depends on the pose only:
 * - soft: σ(−d/τ);
 * - penalty: a ramp over d ∈ [−τ/2, τ/2] (kinks at its ends, `damping ramp`).
 * Both tend to the step H(−d) as τ → 0.
 */
function contactGate(p: ContactForceParams): void {
  const d = _e.dist;
  const tau = p.temperature;
  if (p.mode === 'soft') {
    const z = -d / tau;
    const ez = Math.exp(-Math.abs(z));
    const sig = z >= 0 ? 1 / (1 + ez) : ez / (1 + ez);
    const slope = sig * (1 - sig);
    _e.gate = sig;
    _e.gateDDist = -slope / tau;
    _e.gateDTemperature = (slope * d) / (tau * tau);
    return;
  }
  // the window activation at rest (step-exact.ts): a ramp over d ∈ [−τ/2, τ/2]
  if (d >= 0.5 * tau || d <= -0.5 * tau) {
    _e.gate = d < 0 ? 1 : 0;
    _e.gateDDist = 0;
    _e.gateDTemperature = 0;
    return;
  }
  _e.gate = 0.5 - d / tau;
  _e.gateDDist = -1 / tau;
  _e.gateDTemperature = d / (tau * tau);
}

/**
 * The activations of every contact into `_gate`, and their sums per run of consecutive
 * contacts between the same two bodies (the narrowphase writes a pair's contacts
 * together: a box's four corners on the ground) into `_gateSum`, indexed by `_run`.
 */
function gatePass(p: ContactForceParams, geom: ContactGeometry): void {
  if (_gate.length < geom.count) {
    _gate = new Float64Array(2 * geom.count);
    _run = new Int32Array(2 * geom.count);
    _gateSum = new Float64Array(2 * geom.count);
    _gateSumBar = new Float64Array(2 * geom.count);
    _gateDDist = new Float64Array(2 * geom.count);
    _gateDTemperature = new Float64Array(2 * geom.count);
  }
  let run = -1;
  for (let i = 0; i < geom.count; i++) {
    _e.dist = geom.dist[i];
    contactGate(p);
    if (i === 0 || geom.bodyA[i] !== geom.bodyA[i - 1] || geom.bodyB[i] !== geom.bodyB[i - 1]) _gateSum[++run] = 0;
    _run[i] = run;
    _gate[i] = _e.gate;
    _gateDDist[i] = _e.gateDDist;
    _gateDTemperature[i] = _e.gateDTemperature;
    _gateSum[run] += _e.gate;
  }
  // the pair sweep's decision starts here (pair-sweep.ts: each contact's force adds its gain)
  sweepGainReset(p.nbody);
  _swept = false;
}

/**
 * Inverse mass of one side of the contact (`side` 0: A, 1: B; body `body`, lever r) along
 * the normal, un = m⁻¹ + (r×n)ᵀI⁻¹(r×n), and averaged over the tangent plane,
 * ut = m⁻¹ + ½(tr K − nᵀKn) with K = [r×]ᵀI⁻¹[r×] (tr K = |r|²·tr I⁻¹ − rᵀI⁻¹r);
 * I⁻¹ = R·diag(invInertia)·Rᵀ. Written into `_e.unA/utA` or `_e.unB/utB`.
 */
function sideInverseMass(p: ContactForceParams, q: Float64Array, side: number, body: number): void {
  const m = p.invMass[body];
  const lx = p.invInertia[3 * body],
    ly = p.invInertia[3 * body + 1],
    lz = p.invInertia[3 * body + 2];
  if (m === 0 && lx === 0 && ly === 0 && lz === 0) {
    // a static body (the ground): nothing to turn, no share of the motion
    if (side === 0) _e.unA = _e.utA = 0;
    else _e.unB = _e.utB = 0;
    return;
  }
  sideFrame(q, side, body);
  const s = _s[side],
    t = _t[side];
  const r2 = s[0] * s[0] + s[1] * s[1] + s[2] * s[2];
  const normal = lx * t[0] * t[0] + ly * t[1] * t[1] + lz * t[2] * t[2];
  const trace = lx * (r2 - s[0] * s[0]) + ly * (r2 - s[1] * s[1]) + lz * (r2 - s[2] * s[2]);
  if (side === 0) {
    _e.unA = m + normal;
    _e.utA = m + 0.5 * (trace - normal);
  } else {
    _e.unB = m + normal;
    _e.utB = m + 0.5 * (trace - normal);
  }
}

/**
 * The frame of one side of the current contact (`side` 0: A, 1: B; lever (rx, ry, rz)):
 * the body's unit quaternion, |q| and rotation R, s = Rᵀr, c = r × n, t = Rᵀc, into the
 * side's scratch (the lever read from `_e`). What {@link sideInverseMass} sums and
 * {@link sideInverseMassAdjoint} pulls back through (an adjoint with kept intermediates
 * builds it again: cheaper than keeping its 23 numbers per side).
 */
function sideFrame(q: Float64Array, side: number, body: number): void {
  // the lever from `_e` (no double passes through a call: it would be boxed)
  const rx = side === 0 ? _e.rAx : _e.rBx,
    ry = side === 0 ? _e.rAy : _e.rBy,
    rz = side === 0 ? _e.rAz : _e.rBz;
  const rot = _rot[side],
    s = _s[side],
    c = _c[side],
    t = _t[side];
  loadUnitRotation(q, 7 * body, _qHat[side], rot, _qLen, side);
  const nx = _e.nx,
    ny = _e.ny,
    nz = _e.nz;
  c[0] = ry * nz - rz * ny;
  c[1] = rz * nx - rx * nz;
  c[2] = rx * ny - ry * nx;
  for (let k = 0; k < 3; k++) {
    s[k] = rot[k] * rx + rot[3 + k] * ry + rot[6 + k] * rz;
    t[k] = rot[k] * c[0] + rot[3 + k] * c[1] + rot[6 + k] * c[2];
  }
}

/** φ₁(y) = (1 − e^{−y})/y and φ₁′(y) into `out` = [φ₁, φ₁′] for y = out[2] ≥ 0 (series below 1e-4). */
function phi1(out: Float64Array): void {
  const y = out[2];
  if (y < 1e-4) {
    out[0] = 1 - y / 2 + (y * y) / 6;
    out[1] = -0.5 + y / 3 - (y * y) / 8;
    return;
  }
  const em = -Math.expm1(-y);
  out[0] = em / y;
  out[1] = (y * (1 - em) - em) / (y * y);
}
/** [φ₁, φ₁′, y]: the argument travels in the array (a double argument would be boxed) */
const _phi = new Float64Array(3);

/**
 * Share of |g| over which soft mode smooths the positive part of the pressing gravity
 * (a contact whose normal is within ~3° of horizontal): the feed-forward never pulls.
 */
const PRESS_SMOOTHING = 0.05;

/**
 * The weight feed-forward of the current contact into `_e` (after its activation and
 * effective masses): the force a·c·max(0, x) along n that cancels the gravity pressing the
 * pair together, x = −n·(g_B − g_A) (g of a static side is 0), so that inside the contact
 * the spring–dashpot acts on the motion relative to free fall, as a constraint would (the
 * rebound of restitution.ts then holds under gravity: a ball leaves the ground with e·v).
 * c = 1/(W₀ + (N − 1)·(m_A⁻¹ + m_B⁻¹)) is the contact's effective mass, shared among the
 * pair's N parallel contacts: exact for one contact, and never more than the pair's
 * weight in all. Soft mode smooths the positive part over {@link PRESS_SMOOTHING}·|g|.
 * The activation a is the step window's (`_win.value`, read there rather than passed: a
 * double passed to a call V8 does not inline is boxed).
 */
function contactWeight(p: ContactForceParams): void {
  const gate = _win.value;
  const invA = p.invMass[_e.a],
    invB = p.invMass[_e.b];
  const relDyn = (invB > 0 ? 1 : 0) - (invA > 0 ? 1 : 0);
  _e.relDyn = relDyn;
  const g = p.gravity;
  if (relDyn === 0 || gate === 0) {
    _e.pressX = _e.press = _e.pressDx = _e.carried = _e.weight = 0;
    return;
  }
  const x = -relDyn * (_e.nx * g[0] + _e.ny * g[1] + _e.nz * g[2]);
  _e.pressX = x;
  if (p.mode === 'penalty') {
    _e.press = x > 0 ? x : 0;
    _e.pressDx = x > 0 ? 1 : 0;
  } else {
    const width = PRESS_SMOOTHING * Math.sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
    const root = Math.sqrt(x * x + width * width);
    _e.pressRoot = root;
    _e.press = 0.5 * (x + root);
    _e.pressDx = root > 0 ? 0.5 * (1 + x / root) : x > 0 ? 1 : 0;
  }
  _e.carried = 1 / (_e.w0 + (_e.shareA - 1) * (invA + invB));
  _e.weight = gate * _e.carried * _e.press;
}

/**
 * Everything of contact `i` after its kinematics: activation (from `_gate`), effective
 * masses, dashpot, normal force, friction factor. Leaves f_n in `_fn` and the slip factor
 * s (F = f_n n − s v_t) in `_e.slip`.
 */
function contactForce(p: ContactForceParams, q: Float64Array, i: number): void {
  contactDashpot(p, q, i);
  contactNormalAndFriction(p);
}

/** The first part of {@link contactForce}: activation, effective masses, dashpot, y_n and φ₁(y_n) (the pair sweep's gain). */
function contactDashpot(p: ContactForceParams, q: Float64Array, i: number): void {
  // the activation and its partials, as gatePass computed them from this contact's distance
  _e.gate = _gate[i];
  _e.gateDDist = _gateDDist[i];
  _e.gateDTemperature = _gateDTemperature[i];
  const a = _e.a,
    b = _e.b,
    gate = _gate[i];
  // parallel contacts of one pair share its effective mass; contacts with other bodies act
  // in series (a box in a stack), where each may stop its own relative motion
  const share = 1 + _gateSum[_run[i]] - gate;
  _e.shareA = share;
  _e.shareB = share;
  sideInverseMass(p, q, 0, a);
  sideInverseMass(p, q, 1, b);
  _e.w0 = _e.unA + _e.unB;
  // the normal step's inverse mass among the pair's N parallel contacts: the translation
  // split N-fold (exact for a box's heave), the rotation (N + 1)/2-fold (a patch's two tilt
  // axes share it); step-exact.ts, "Parallel contacts"
  const invSum = p.invMass[a] + p.invMass[b];
  _e.wn = share * invSum + 0.5 * (share + 1) * (_e.w0 - invSum);
  _e.wt = _e.shareA * _e.utA + _e.shareB * _e.utB;
  if (!(_e.w0 > 0)) throw new RangeError(`contact ${i}: bodies ${a} and ${b} both have zero inverse mass`);
  // the dashpot: the override, or b = 2ζ(e)·√(k/W₀) from the pair's restitution
  if (p.dampingFromRestitution) {
    const eA = p.bodyRestitution[a],
      eB = p.bodyRestitution[b];
    _e.restitutionBody = eB > eA ? b : a;
    const e = eB > eA ? eB : eA;
    // ζ(e) is a Newton solve: computed again only when the pair's e differs from the last
    if (e !== _zetaOf) {
      dampingRatioOfRestitution(e, _zeta);
      _zetaOf = e;
    }
    _e.zeta = _zeta.value;
    _e.zetaDe = _zeta.dRestitution;
    _e.dashpot = 2 * _zeta.value * Math.sqrt(p.stiffness / _e.w0);
  } else {
    _e.dashpot = p.damping;
  }
  // the share of the step's window in contact (step-exact.ts): the dashpot's and the
  // weight's activation, and soft mode's temperature
  _win.dist = _e.dist;
  _win.normalVelocity = _e.vn;
  _win.temperature = p.temperature;
  _win.dt = p.dt;
  const from = _restoreFrom;
  const o = _restoreAt;
  if (from === null) windowActivation(p.mode, _win);
  else {
    _win.value = from[o + K.window];
    _win.dDist = from[o + K.windowDDist];
    _win.dTemperature = from[o + K.windowDTemperature];
    _win.dNormalVelocity = from[o + K.windowDNormalVelocity];
    _win.widthDTemperature = from[o + K.widthDTemperature];
    _win.widthDNormalVelocity = from[o + K.widthDNormalVelocity];
  }
  const act = _win.value;
  // damping integrated exactly over the step: the dashpot alone would scale the normal
  // velocity by e^{−y_n} in dt, y_n = dt·b·a·W_n; its mean force is b·φ₁(y_n) per unit a·φ̇
  _e.yn = p.dt * _e.dashpot * act * _e.wn;
  _phi[2] = _e.yn;
  if (from === null) phi1(_phi);
  else {
    _phi[0] = from[o + K.phiN];
    _phi[1] = from[o + K.phiNDy];
  }
  _e.phiN = _phi[0];
  _e.phiNDy = _phi[1];
}

/** The rest of {@link contactForce}: the normal law, the weight feed-forward, friction. */
function contactNormalAndFriction(p: ContactForceParams): void {
  const a = _e.a,
    b = _e.b;
  const act = _win.value;
  // a compact slot's laws (the adjoint's recomputation), as in contactDashpot
  const from = _restoreFrom;
  const o = _restoreAt;
  _e.effDamping = _e.dashpot * _e.phiN;
  // the spring scaled so that the step's trace is the continuous contact's (step-exact.ts),
  // for the pair's unshared inverse mass W₀: with the share's W_n a box's four corners
  // would each see a fourfold stiffer, more damped contact than their common mode is
  _kappa[3] = p.stiffness * _e.w0 * p.dt * p.dt;
  _kappa[4] = p.dt * _e.dashpot * act * _e.w0;
  if (from !== null) {
    _kappa[0] = from[o + K.kappa];
    _kappa[1] = from[o + K.kappaDP];
    _kappa[2] = from[o + K.kappaDY];
  } else if (_kappa[3] <= UNRESOLVED_STEP) stepStiffnessFactor(_kappa);
  else {
    // ω·dt > 2: the step cannot follow this contact. κ would keep it bounded but aliased,
    // silently wrong; the plain explicit spring diverges instead, and the divergence
    // monitor (sim/sanity.ts) names the stiffness, dt and mass
    _kappa[0] = 1;
    _kappa[1] = 0;
    _kappa[2] = 0;
  }
  _args.dist = _e.dist;
  _args.rate = -_e.vn;
  _args.stiffness = p.stiffness * _kappa[0];
  _args.damping = _e.effDamping * act;
  _args.temperature = p.mode === 'soft' ? _win.width : p.temperature;
  if (from !== null) {
    _fn.value = from[o + K.lawValue];
    _fn.dDist = from[o + K.lawDDist];
    _fn.dStiffness = from[o + K.lawDStiffness];
    _fn.dRate = from[o + K.lawDRate];
    _fn.dDamping = from[o + K.lawDDamping];
    _fn.dTemperature = from[o + K.lawDTemperature];
  } else if (p.mode === 'penalty') penaltyNormalForce(_args, _fn);
  else softNormalForce(_args, _fn);
  contactWeight(p);
  const fn = _fn.value + _e.weight;
  _e.fn = fn;
  if (fn === 0) {
    _e.slip = 0;
    return;
  }
  // friction: the regularized Coulomb law is viscous with slope λ = μ·f_n·w; integrated
  // exactly over the step like the dashpot, it can stop the slip but never reverse it
  _w.speed2 = _e.speed2;
  _w.velocity = p.frictionVelocity;
  if (p.mode === 'penalty') penaltyFrictionWeight(_w, _e.speed2 >= p.frictionVelocity * p.frictionVelocity);
  else softFrictionWeight(_w);
  pairFriction(p.bodyFriction, a, b, _mu);
  _e.lambda = _mu.value * fn * _w.value;
  _e.yt = p.dt * _e.lambda * _e.wt;
  _phi[2] = _e.yt;
  if (from === null) phi1(_phi);
  else {
    _phi[0] = from[o + K.phiT];
    _phi[1] = from[o + K.phiTDy];
  }
  _e.phiT = _phi[0];
  _e.phiTDy = _phi[1];
  _e.slip = _e.lambda * _e.phiT;
}

/**
 * {@link contactForce}, then its intermediates kept when a Stepper asked for them
 * ({@link keepContactIntermediatesIn}): the forward steps' per-contact pass (plain and
 * tangent). Apart from contactForce, which the pullback's recomputation and the drawing
 * call too, so that its optimized code stays the plain force's.
 */
function contactForceKept(p: ContactForceParams, q: Float64Array, i: number): void {
  contactForce(p, q, i);
  sweepGainAdd(_e, _run[i], i);
  if (_keepInto !== null) keepContactIntermediates(_keepInto, i);
}

/** Report the current contact's decisions within the sink's radius (kinks.ts `reportRadius`; after its force). */
function reportKinks(p: ContactForceParams, sink: KinkSink): void {
  const radius = reportRadius(sink);
  if (p.mode === 'penalty') {
    const onset = Math.abs(_e.dist);
    if (onset <= radius) reportContactKink(sink, onset, p.bodyName, _e.a, _e.b, KINK_ONSET);
    // the window activation's ends d = ±h, and the mass share's d = ±τ/2 (its ramp at rest)
    const h = _win.width;
    const rest = 0.5 * p.temperature;
    const ramp = Math.min(
      Math.abs(_e.dist - h),
      Math.abs(_e.dist + h),
      Math.abs(_e.dist - rest),
      Math.abs(_e.dist + rest),
    );
    if ((_e.dashpot > 0 || _e.relDyn !== 0) && ramp <= radius)
      reportContactKink(sink, ramp, p.bodyName, _e.a, _e.b, KINK_DAMPING_RAMP);
    if (_e.dist < 0) {
      const rate = -_e.vn;
      const damping = _args.damping;
      if (damping > 0) {
        // distance of φ̇ to the clamp speed −k·κ·φ/D
        const clamp = Math.abs(rate + (_args.stiffness * -_e.dist) / damping);
        if (clamp <= radius) reportContactKink(sink, clamp, p.bodyName, _e.a, _e.b, KINK_DAMPING_CLAMP);
      }
      if (_e.fn > 0 && _mu.value > 0) {
        const slip = Math.abs(Math.sqrt(_e.speed2) - p.frictionVelocity);
        if (slip <= radius) reportContactKink(sink, slip, p.bodyName, _e.a, _e.b, KINK_STICK_SLIP);
      }
    }
  } else {
    const edge = Math.abs(p.margin - _e.dist);
    if (edge <= radius) reportContactKink(sink, edge, p.bodyName, _e.a, _e.b, KINK_MARGIN, true);
  }
}

/**
 * Zero `out` and accumulate every contact's wrench; report kinks to `sink` when given.
 * When the contacts' dashpots would overshoot together (pair-sweep.ts, `sweepNeeded`), the
 * step is the pair sweep's instead: a second pass over the contacts in the sweep's order
 * (the kinks stay the first pass's reports, followed by the sweep's own decision).
 */
function accumulateWrenches(
  p: ContactForceParams,
  geom: ContactGeometry,
  q: Float64Array,
  qd: Float64Array,
  out: Float64Array,
  sink: KinkSink | null,
): Float64Array {
  gatePass(p, geom);
  contactPass(p, geom, q, qd, out, sink, null);
  if (sink !== null) reportSweepDecision(p, geom, sink);
  if (geom.count > 1 && sweepNeeded(p)) {
    _swept = true;
    contactPass(p, geom, q, qd, out, null, sweepOrder(p.nbody, geom, _run));
  }
  return out;
}

/** Whether the last forward call swept its pairs (kept with each contact's intermediates). */
let _swept = false;

/** Whether the last call of the plain kernel ({@link contactWrenches}) ran the pair sweep (pair-sweep.ts). */
export function contactStepSwept(): boolean {
  return _swept;
}
/** {@link contactNormalForces}: where the passes write each contact's f_n, and their scratch wrench */
let _normalsOut: Float64Array | null = null;
let _normalsWrench = new Float64Array(0);

/**
 * One pass over the contacts into `out` (zeroed first): in their own order with the
 * velocities `qd` (`order` null; the dashpot gains summed for the sweep's decision), or in
 * the pair sweep's `order`, each pair reading the velocities the pairs before it moved.
 */
function contactPass(
  p: ContactForceParams,
  geom: ContactGeometry,
  q: Float64Array,
  qd: Float64Array,
  out: Float64Array,
  sink: KinkSink | null,
  order: Int32Array | null,
): void {
  out.fill(0, 0, 6 * p.nbody);
  const count = geom.count;
  const v = order === null ? qd : sweepStart(p, qd, count > 0 ? _run[count - 1] + 1 : 0);
  for (let k = 0; k < count; k++) {
    const i = order === null ? k : order[k];
    if (order !== null && (k === 0 || _run[i] !== _run[order[k - 1]])) {
      if (k > 0) {
        const j = order[k - 1];
        sweepPairEnd(p, q, v, _run[j], geom.bodyA[j], geom.bodyB[j]);
      }
      sweepPairStart(v, _run[i], geom.bodyA[i], geom.bodyB[i]);
    }
    contactKinematics(geom, q, v, i);
    contactForce(p, q, i);
    if (_keepInto !== null) keepContactIntermediates(_keepInto, i);
    if (sink !== null) reportKinks(p, sink);
    if (order === null) sweepGainAdd(_e, _run[i], i);
    if (_normalsOut !== null) _normalsOut[i] = _e.fn;
    const fn = _e.fn;
    if (fn === 0) continue;
    if (order !== null) {
      dissipativeNormal(p, _args, _e);
      addDissipative(_e);
    }
    // F = f_n n − s v_t
    const s = _e.slip;
    const fx = fn * _e.nx - s * _e.vtx;
    const fy = fn * _e.ny - s * _e.vty;
    const fz = fn * _e.nz - s * _e.vtz;
    const ob = 6 * _e.b;
    out[ob] += fx;
    out[ob + 1] += fy;
    out[ob + 2] += fz;
    out[ob + 3] += _e.rBy * fz - _e.rBz * fy;
    out[ob + 4] += _e.rBz * fx - _e.rBx * fz;
    out[ob + 5] += _e.rBx * fy - _e.rBy * fx;
    const oa = 6 * _e.a;
    out[oa] -= fx;
    out[oa + 1] -= fy;
    out[oa + 2] -= fz;
    out[oa + 3] -= _e.rAy * fz - _e.rAz * fy;
    out[oa + 4] -= _e.rAz * fx - _e.rAx * fz;
    out[oa + 5] -= _e.rAx * fy - _e.rAy * fx;
  }
  if (order !== null && count > 0) {
    const j = order[count - 1];
    sweepPairEnd(p, q, v, _run[j], geom.bodyA[j], geom.bodyB[j]);
  }
}

// ---- kept intermediates ------------------------------------------------------------------

/**
 * What the adjoint reads of a contact's force besides its kinematics (which are cheap to
 * compute again from the geometry and the state): the intermediates of
 * {@link contactForce}, one slot of this many numbers per contact, in this order.
 * The sides' frames (rotation, s, t) are not kept: {@link sideFrame} builds them again.
 */
const KEPT_FIELDS = [
  // a compact slot (CONTACT_KEPT_COMPACT): the outputs of the laws' transcendental
  // functions and solves, which contactForce reads from it instead of computing them
  'window',
  'windowDDist',
  'windowDTemperature',
  'windowDNormalVelocity',
  'widthDTemperature',
  'widthDNormalVelocity',
  'phiN',
  'phiNDy',
  'kappa',
  'kappaDP',
  'kappaDY',
  'lawValue',
  'lawDDist',
  'lawDStiffness',
  'lawDRate',
  'lawDDamping',
  'lawDTemperature',
  'phiT',
  'phiTDy',
  // whether the step swept its pairs (pair-sweep.ts): the adjoint's sweepReplay reads it from either slot
  'swept',
  // a full slot: also everything else contactForce leaves for the adjoint
  'share',
  'utA',
  'utB',
  'w0',
  'wn',
  'restitutionBody',
  'zetaDe',
  'dashpot',
  'effDamping',
  'weight',
  'carried',
  'press',
  'pressDx',
  'pressRoot',
  'relDyn',
  'fn',
  'slip',
  'lambda',
  'yt',
  'mu',
  'muDA',
  'muDB',
  'frictionWeight',
  'frictionWeightDSpeed2',
  'frictionWeightDVelocity',
] as const;
/** offset of each kept field within a contact's slot */
const K = Object.freeze(
  Object.fromEntries(KEPT_FIELDS.map((name, at) => [name, at])) as Record<(typeof KEPT_FIELDS)[number], number>,
);

/** Numbers kept per contact by {@link keepContactIntermediatesIn} (a full slot's width). */
export const CONTACT_KEPT_PER_CONTACT = KEPT_FIELDS.length;

/**
 * Numbers of a compact slot (its first fields): what the laws' transcendental functions
 * and solves gave. A pullback from it runs {@link contactForce} again without them (the
 * effective masses, dashpot, weight and friction factor are a few square roots), so it
 * saves about two thirds of the force's recomputation in less than half a full slot: a
 * rollout whose full slots would not fit its budget keeps twice as many steps' forces.
 */
export const CONTACT_KEPT_COMPACT = K.swept + 1;

/** where {@link contactForce} keeps each contact's intermediates (from `_keepAt`, `_keepWidth` each), or null (see the setter) */
let _keepInto: Float64Array | null = null;
let _keepAt = 0;
let _keepWidth: number = CONTACT_KEPT_PER_CONTACT;
/** a compact slot {@link contactForce} reads instead of computing its laws (from `_restoreAt`), or null */
let _restoreFrom: Float64Array | null = null;
let _restoreAt = 0;

/**
 * Keep every contact's force intermediates in `into` (contact i at
 * `at + i × CONTACT_KEPT_PER_CONTACT`; contacts past its end are not kept) from now on, or
 * stop (null). A rollout's Stepper sets it around its forward step, plain or tangent (both
 * compute the force through the same per-contact pass), so that the step's pullback reads
 * them ({@link contactWrenchesPullback}'s `kept`) instead of computing the forces again;
 * the pullback itself recomputes without keeping.
 */
export function keepContactIntermediatesIn(
  into: Float64Array | null,
  at = 0,
  width: number = CONTACT_KEPT_PER_CONTACT,
): void {
  if (width !== CONTACT_KEPT_PER_CONTACT && width !== CONTACT_KEPT_COMPACT)
    throw new RangeError(
      `keepContactIntermediatesIn: a slot is ${CONTACT_KEPT_PER_CONTACT} or ${CONTACT_KEPT_COMPACT} numbers wide, not ${width}`,
    );
  _keepInto = into;
  _keepAt = at;
  _keepWidth = width;
}

/** The current contact's (`i`) intermediates (after {@link contactForce}) into `out` at its slot from `_keepAt`. */
function keepContactIntermediates(out: Float64Array, i: number): void {
  const o = _keepAt + i * _keepWidth;
  if (o + _keepWidth > out.length) return;
  out[o + K.window] = _win.value;
  out[o + K.windowDDist] = _win.dDist;
  out[o + K.windowDTemperature] = _win.dTemperature;
  out[o + K.windowDNormalVelocity] = _win.dNormalVelocity;
  out[o + K.widthDTemperature] = _win.widthDTemperature;
  out[o + K.widthDNormalVelocity] = _win.widthDNormalVelocity;
  out[o + K.phiN] = _e.phiN;
  out[o + K.phiNDy] = _e.phiNDy;
  out[o + K.kappa] = _kappa[0];
  out[o + K.kappaDP] = _kappa[1];
  out[o + K.kappaDY] = _kappa[2];
  out[o + K.lawValue] = _fn.value;
  out[o + K.lawDDist] = _fn.dDist;
  out[o + K.lawDStiffness] = _fn.dStiffness;
  out[o + K.lawDRate] = _fn.dRate;
  out[o + K.lawDDamping] = _fn.dDamping;
  out[o + K.lawDTemperature] = _fn.dTemperature;
  out[o + K.phiT] = _e.phiT;
  out[o + K.phiTDy] = _e.phiTDy;
  out[o + K.swept] = _swept ? 1 : 0;
  if (_keepWidth === CONTACT_KEPT_COMPACT) return;
  out[o + K.share] = _e.shareA;
  out[o + K.utA] = _e.utA;
  out[o + K.utB] = _e.utB;
  out[o + K.w0] = _e.w0;
  out[o + K.wn] = _e.wn;
  out[o + K.restitutionBody] = _e.restitutionBody;
  out[o + K.zetaDe] = _e.zetaDe;
  out[o + K.dashpot] = _e.dashpot;
  out[o + K.effDamping] = _e.effDamping;
  out[o + K.weight] = _e.weight;
  out[o + K.carried] = _e.carried;
  out[o + K.press] = _e.press;
  out[o + K.pressDx] = _e.pressDx;
  out[o + K.pressRoot] = _e.pressRoot;
  out[o + K.relDyn] = _e.relDyn;
  out[o + K.fn] = _e.fn;
  out[o + K.slip] = _e.slip;
  out[o + K.lambda] = _e.lambda;
  out[o + K.yt] = _e.yt;
  out[o + K.mu] = _mu.value;
  out[o + K.muDA] = _mu.dA;
  out[o + K.muDB] = _mu.dB;
  out[o + K.frictionWeight] = _w.value;
  out[o + K.frictionWeightDSpeed2] = _w.dSpeed2;
  out[o + K.frictionWeightDVelocity] = _w.dVelocity;
}

/**
 * {@link contactForce} for contact `i` from its kept intermediates `kept[o ..]`
 * (after its kinematics and the gate pass): the same numbers into the same scratch, bit
 * for bit, without the laws' transcendental functions and solves.
 */
function restoreContactIntermediates(kept: Float64Array, o: number, i: number): void {
  _e.gate = _gate[i];
  _e.gateDDist = _gateDDist[i];
  _e.gateDTemperature = _gateDTemperature[i];
  _e.shareA = _e.shareB = kept[o + K.share];
  _e.utA = kept[o + K.utA];
  _e.utB = kept[o + K.utB];
  _e.w0 = kept[o + K.w0];
  _e.wn = kept[o + K.wn];
  _e.restitutionBody = kept[o + K.restitutionBody];
  _e.zetaDe = kept[o + K.zetaDe];
  _e.dashpot = kept[o + K.dashpot];
  _e.phiN = kept[o + K.phiN];
  _e.phiNDy = kept[o + K.phiNDy];
  _e.effDamping = kept[o + K.effDamping];
  _e.weight = kept[o + K.weight];
  _e.carried = kept[o + K.carried];
  _e.press = kept[o + K.press];
  _e.pressDx = kept[o + K.pressDx];
  _e.pressRoot = kept[o + K.pressRoot];
  _e.relDyn = kept[o + K.relDyn];
  _e.fn = kept[o + K.fn];
  _e.slip = kept[o + K.slip];
  _e.lambda = kept[o + K.lambda];
  _e.yt = kept[o + K.yt];
  _e.phiT = kept[o + K.phiT];
  _e.phiTDy = kept[o + K.phiTDy];
  _mu.value = kept[o + K.mu];
  _mu.dA = kept[o + K.muDA];
  _mu.dB = kept[o + K.muDB];
  _w.value = kept[o + K.frictionWeight];
  _w.dSpeed2 = kept[o + K.frictionWeightDSpeed2];
  _w.dVelocity = kept[o + K.frictionWeightDVelocity];
  _fn.dDist = kept[o + K.lawDDist];
  _fn.dStiffness = kept[o + K.lawDStiffness];
  _fn.dRate = kept[o + K.lawDRate];
  _fn.dDamping = kept[o + K.lawDDamping];
  _fn.dTemperature = kept[o + K.lawDTemperature];
  _win.value = kept[o + K.window];
  _win.dDist = kept[o + K.windowDDist];
  _win.dTemperature = kept[o + K.windowDTemperature];
  _win.dNormalVelocity = kept[o + K.windowDNormalVelocity];
  _win.widthDTemperature = kept[o + K.widthDTemperature];
  _win.widthDNormalVelocity = kept[o + K.widthDNormalVelocity];
  _kappa[0] = kept[o + K.kappa];
  _kappa[1] = kept[o + K.kappaDP];
  _kappa[2] = kept[o + K.kappaDY];
}

// ---- plain kernel -----------------------------------------------------------------------

/**
 * Contact wrenches, plain: zeroes `wrenchOut` (nbody×6: force N, world; torque N·m about
 * the centre of mass, world), then accumulates the force of every contact in `contacts`
 * (see the module comment). `q` is nbody×7 (`bodyQ`), `qd` nbody×6 (`bodyQd`). No tape,
 * no allocation; kink reports go to `kinks` when given (a rollout's forward pass).
 * Returns `wrenchOut`.
 *
 * @example
 * const params = contactForceParams(model);
 * const wrench = new Float64Array(6 * model.nbody); // once, outside the loop
 * collide(model, state.bodyQ, params.margin, contacts);
 * contactWrenches(params, contacts, state.bodyQ, state.bodyQd, wrench);
 */
export function contactWrenches(
  p: ContactForceParams,
  contacts: ContactGeometry,
  q: Float64Array,
  qd: Float64Array,
  wrenchOut: Float64Array,
  kinks: KinkSink | null = null,
): Float64Array {
  return accumulateWrenches(p, contacts, q, qd, wrenchOut, kinks);
}

/**
 * The normal force f_n (N) of every contact into `out[0 .. count − 1]`, by the same law
 * and effective masses as {@link contactWrenches} (for drawing and diagnostics).
 */
export function contactNormalForces(
  p: ContactForceParams,
  contacts: ContactGeometry,
  q: Float64Array,
  qd: Float64Array,
  out: Float64Array,
): Float64Array {
  const keep = _keepInto;
  _keepInto = null;
  if (_normalsWrench.length < 6 * p.nbody) _normalsWrench = new Float64Array(6 * p.nbody);
  _normalsOut = out;
  accumulateWrenches(p, contacts, q, qd, _normalsWrench, null);
  _normalsOut = null;
  _keepInto = keep;
  return out;
}

/**
 * The adjoint of {@link contactWrenches} at plain inputs: x̄ = Jᵀ ȳ for the wrench
 * cotangent `ybar` (nbody×6), in the flat layout of {@link contactWrenchLayout} for
 * `contacts.count` contacts, written to `out[0 .. L.size − 1]` (overwritten; `out` may be
 * longer: one buffer for every step's count).
 * The primitive's backward rule on the plain kernel's own arguments, for rollouts that run
 * their own adjoint loop over the contacts the forward pass found: nothing is copied into
 * a flat input and nothing is checked per call (`p` is the params the forward pass ran
 * with, checked when they were built). With `kept` (the intermediates the forward step
 * kept, {@link keepContactIntermediatesIn}; this step's first contact at `keptAt`, slots
 * `keptWidth` wide), the forces are read rather than computed again (a compact slot: its
 * laws' values read, the rest computed again): the same numbers, so the same cotangents.
 *
 * @example
 * const L = contactWrenchLayout(contacts.count, p.nbody);
 * contactWrenchesPullback(p, contacts, q, qd, wrenchBar, xbar); // xbar.length === L.size
 * xbar[L.params]; // ∂/∂k
 */
export function contactWrenchesPullback(
  p: ContactForceParams,
  contacts: ContactGeometry,
  q: Float64Array,
  qd: Float64Array,
  ybar: Float64Array,
  out: Float64Array,
  kept: Float64Array | null = null,
  keptAt = 0,
  keptWidth: number = CONTACT_KEPT_PER_CONTACT,
  layout: ContactWrenchLayout | null = null,
): Float64Array {
  // the caller's layout, or the last call's when the counts match (a rollout calls this every step)
  let L = layout ?? _pullbackLayout;
  if (L === null || L.count !== contacts.count || L.nbody !== p.nbody)
    L = _pullbackLayout = contactWrenchLayout(contacts.count, p.nbody);
  if (out.length < L.size) {
    throw new RangeError(`contactWrenchesPullback: out has ${out.length} entries, the layout ${L.size}`);
  }
  const v = (_pullbackViews ??= { params: p, geom: contacts, q, qd });
  v.params = p;
  v.geom = contacts;
  v.q = q;
  v.qd = qd;
  return contactWrenchAdjoint(v, L, ybar, out, kept, keptAt, keptWidth);
}

/** The arguments of {@link contactWrenchesPullback} as the adjoint reads them (one object, refilled per call). */
let _pullbackViews: InputViews | null = null;
let _pullbackLayout: ContactWrenchLayout | null = null;

// ---- primitive --------------------------------------------------------------------------

/**
 * Offsets of the input groups in the primitive's flat input vector, for `count` contacts
 * and `nbody` bodies. The geometry is struct-of-arrays, as in the `Contacts` buffer, so
 * the kernel reads it through `subarray` views:
 *
 *   [dist (c) | normal (3c) | point (3c) | q (7n) | qd (6n) | k, b, τ, ε | bodyFriction (n)
 *    | invMass (n) | invInertia (3n) | bodyRestitution (n) | gravity (3)]
 */
export interface ContactWrenchLayout {
  readonly count: number;
  readonly nbody: number;
  readonly dist: number;
  readonly normal: number;
  readonly point: number;
  readonly q: number;
  readonly qd: number;
  /** k at `params`, c at +1, τ at +2, ε at +3 */
  readonly params: number;
  readonly friction: number;
  readonly invMass: number;
  readonly invInertia: number;
  readonly restitution: number;
  /** gravity (3, m/s²) */
  readonly gravity: number;
  /** total input length, 7c + 19n + 7 */
  readonly size: number;
}

/**
 * The flat input layout of {@link contactWrenchPrimitive}.
 *
 * @example
 * const L = contactWrenchLayout(contacts.count, model.nbody);
 * inputs[L.params + 1]; // the damping c
 */
export function contactWrenchLayout(count: number, nbody: number): ContactWrenchLayout {
  const q = 7 * count;
  const qd = q + 7 * nbody;
  const params = qd + 6 * nbody;
  const friction = params + 4;
  const invMass = friction + nbody;
  const invInertia = invMass + nbody;
  const restitution = invInertia + 3 * nbody;
  const gravity = restitution + nbody;
  return {
    count,
    nbody,
    dist: 0,
    normal: count,
    point: 4 * count,
    q,
    qd,
    params,
    friction,
    invMass,
    invInertia,
    restitution,
    gravity,
    size: gravity + 3,
  };
}

/**
 * Pack plain inputs into the primitive's flat layout (a fresh array; for tests, and for
 * callers that then replace some entries with traced values).
 *
 * @example
 * const x: Real[] = Array.from(contactWrenchInputs(params, contacts, q, qd));
 * x[contactWrenchLayout(contacts.count, params.nbody).params] = stiffnessVar;
 */
export function contactWrenchInputs(
  p: ContactForceParams,
  contacts: ContactGeometry,
  q: Float64Array,
  qd: Float64Array,
  out?: Float64Array,
): Float64Array {
  const c = contacts.count;
  const L = contactWrenchLayout(c, p.nbody);
  // `out` is reused when it has exactly the layout's size (a rollout's adjoint loop)
  const x = out !== undefined && out.length === L.size ? out : new Float64Array(L.size);
  x.set(contacts.dist.subarray(0, c), L.dist);
  x.set(contacts.normal.subarray(0, 3 * c), L.normal);
  x.set(contacts.point.subarray(0, 3 * c), L.point);
  x.set(q.subarray(0, 7 * p.nbody), L.q);
  x.set(qd.subarray(0, 6 * p.nbody), L.qd);
  x[L.params] = p.stiffness;
  x[L.params + 1] = p.damping;
  x[L.params + 2] = p.temperature;
  x[L.params + 3] = p.frictionVelocity;
  x.set(p.bodyFriction.subarray(0, p.nbody), L.friction);
  x.set(p.invMass.subarray(0, p.nbody), L.invMass);
  x.set(p.invInertia.subarray(0, 3 * p.nbody), L.invInertia);
  x.set(p.bodyRestitution.subarray(0, p.nbody), L.restitution);
  x.set(p.gravity.subarray(0, 3), L.gravity);
  return x;
}

/** Views of one flat input vector: the kernel's arguments, no copies. */
interface InputViews {
  params: ContactForceParams;
  geom: ContactGeometry;
  q: Float64Array;
  qd: Float64Array;
}

function inputViews(
  config: ContactStaticConfig,
  bodyA: Int32Array,
  bodyB: Int32Array,
  L: ContactWrenchLayout,
  x: Float64Array,
): InputViews {
  if (x.length !== L.size) {
    throw new RangeError(
      `contactWrenches primitive: expected ${L.size} inputs (${L.count} contacts, ${L.nbody} bodies), got ${x.length}`,
    );
  }
  const n = L.nbody;
  const k = x[L.params],
    c = x[L.params + 1],
    tau = x[L.params + 2],
    eps = x[L.params + 3];
  checkScalars(k, c, tau, eps);
  const bodyFriction = x.subarray(L.friction, L.friction + n);
  checkFriction(bodyFriction);
  const invMass = x.subarray(L.invMass, L.invMass + n);
  const invInertia = x.subarray(L.invInertia, L.invInertia + 3 * n);
  const bodyRestitution = x.subarray(L.restitution, L.restitution + n);
  checkBodies(invMass, invInertia, bodyRestitution);
  const gravity = x.subarray(L.gravity, L.gravity + 3);
  checkGravity(gravity);
  return {
    params: {
      mode: config.mode,
      nbody: n,
      stiffness: k,
      damping: c,
      dampingFromRestitution: config.dampingFromRestitution,
      dt: config.dt,
      temperature: tau,
      frictionVelocity: eps,
      bodyFriction,
      invMass,
      invInertia,
      bodyRestitution,
      gravity,
      margin: config.margin,
      bodyName: config.bodyName,
    },
    geom: {
      count: L.count,
      bodyA,
      bodyB,
      dist: x.subarray(L.dist, L.dist + L.count),
      normal: x.subarray(L.normal, L.normal + 3 * L.count),
      point: x.subarray(L.point, L.point + 3 * L.count),
    },
    q: x.subarray(L.q, L.q + 7 * n),
    qd: x.subarray(L.qd, L.qd + 6 * n),
  };
}

/**
 * The contact-wrench kernel as an AD primitive for one collision pass. The contact count
 * and body pairs are static (the collision pass is not differentiated): they are copied
 * from `contacts` now, so the buffer may be refilled afterwards; the step makes one
 * primitive per time step. Input: the flat vector of {@link contactWrenchLayout}
 * (geometry, q, qd, k, c, τ, ε, body friction: all differentiable); output: the wrench,
 * nbody×6. Forward values are bitwise those of {@link contactWrenches}.
 *
 * Reverse mode differentiates the branch taken, with the conventions of penalty.ts and
 * friction.ts at the kinks; forward mode is one-sided there.
 *
 * @example
 * const wrenchOf = contactWrenchPrimitive(params, contacts);
 * const x: Real[] = Array.from(contactWrenchInputs(params, contacts, q, qd));
 * const wrench = wrenchOf(x); // Real[6·nbody], one tape entry
 */
export function contactWrenchPrimitive(
  config: ContactStaticConfig,
  contacts: ContactGeometry,
): (x: readonly Real[]) => Real[] {
  const count = contacts.count;
  const bodyA = contacts.bodyA.slice(0, count);
  const bodyB = contacts.bodyB.slice(0, count);
  for (let i = 0; i < count; i++) {
    if (!(bodyA[i] >= 0 && bodyA[i] < config.nbody && bodyB[i] >= 0 && bodyB[i] < config.nbody)) {
      throw new RangeError(
        `contactWrenchPrimitive: contact ${i} names body ${bodyA[i]}/${bodyB[i]}, outside 0..${config.nbody - 1}`,
      );
    }
  }
  const layout = contactWrenchLayout(count, config.nbody);
  return customVjp<Float64Array>({
    name: 'contactWrenches',
    fwd: (x, kinks) => {
      const v = inputViews(config, bodyA, bodyB, layout, x);
      const y = accumulateWrenches(v.params, v.geom, v.q, v.qd, new Float64Array(6 * layout.nbody), kinks);
      // customVjp hands fwd a fresh input array, so it can serve as the residual as is
      return [y, x];
    },
    bwd: (x, ybar) => contactWrenchAdjoint(inputViews(config, bodyA, bodyB, layout, x), layout, ybar),
    jvp: (x, xdot, kinks) => {
      const v = inputViews(config, bodyA, bodyB, layout, x);
      const y = accumulateWrenches(v.params, v.geom, v.q, v.qd, new Float64Array(6 * layout.nbody), kinks);
      return [y, contactWrenchTangent(v, layout, xdot)];
    },
  });
}

// ---- adjoint ----------------------------------------------------------------------------

/**
 * x̄ = Jᵀ ȳ, contact by contact, recomputing each contact's forward values. A contact's
 * mass shares read every activation of its bodies' contacts, so the activations'
 * cotangents gathered per body in the first loop go back to each contact in a second one.
 */
function contactWrenchAdjoint(
  v: InputViews,
  L: ContactWrenchLayout,
  ybar: Float64Array,
  out?: Float64Array,
  kept: Float64Array | null = null,
  keptAt = 0,
  keptWidth: number = CONTACT_KEPT_PER_CONTACT,
): Float64Array {
  const { params: p, geom, q, qd } = v;
  const xbar = out === undefined ? new Float64Array(L.size) : out.fill(0, 0, L.size);
  // |g| of the soft weight feed-forward's smoothing width (as contactWeight computes it)
  const gNorm = Math.sqrt(p.gravity[0] * p.gravity[0] + p.gravity[1] * p.gravity[1] + p.gravity[2] * p.gravity[2]);
  gatePass(p, geom);
  _gateSumBar.fill(0, 0, geom.count);
  const count = geom.count;
  // the pair sweep (pair-sweep-adjoint.ts): the forward step's decision, and its velocities
  // and dissipative wrenches again; then the contacts backwards in the sweep's order
  const order = sweepReplay(p, geom, q, qd, kept, keptAt);
  if (order !== null) kept = null;
  // after the replay: a swept step's contacts are computed again, never read from a slot
  const compact = kept !== null && keptWidth === CONTACT_KEPT_COMPACT;
  const vel = order === null ? qd : sweepVelocities();
  for (let k = 0; k < count; k++) {
    const i = order === null ? k : order[count - 1 - k];
    if (order !== null && (k === 0 || _run[order[count - k]] !== _run[i]))
      sweepPairEnter(p, L, q, vel, _run[i], geom.bodyA[i], geom.bodyB[i], xbar);
    // a contact whose bodies' wrenches have no cotangent adds nothing: skip its force (in the
    // sweep, its dissipative wrench may move the pairs after it)
    const oa = 6 * geom.bodyA[i],
      ob = 6 * geom.bodyB[i];
    if (
      order === null &&
      ybar[oa] === 0 &&
      ybar[oa + 1] === 0 &&
      ybar[oa + 2] === 0 &&
      ybar[oa + 3] === 0 &&
      ybar[oa + 4] === 0 &&
      ybar[oa + 5] === 0 &&
      ybar[ob] === 0 &&
      ybar[ob + 1] === 0 &&
      ybar[ob + 2] === 0 &&
      ybar[ob + 3] === 0 &&
      ybar[ob + 4] === 0 &&
      ybar[ob + 5] === 0
    )
      continue;
    contactKinematics(geom, q, vel, i);
    if (kept === null) contactForce(p, q, i);
    else if (compact) {
      // the force again, its laws read from the slot (the simulator's contactForce never sees one)
      _restoreFrom = kept;
      _restoreAt = keptAt + i * CONTACT_KEPT_COMPACT;
      try {
        contactForce(p, q, i);
      } finally {
        _restoreFrom = null;
      }
    } else restoreContactIntermediates(kept, keptAt + i * CONTACT_KEPT_PER_CONTACT, i);
    const fn = _e.fn;
    if (fn === 0) continue; // inactive: value and every partial are 0
    const { a, b, nx, ny, nz, rAx, rAy, rAz, rBx, rBy, rBz, vtx, vty, vtz } = _e;
    const s = _e.slip;
    const fx = fn * nx - s * vtx,
      fy = fn * ny - s * vty,
      fz = fn * nz - s * vtz;
    const tAx = ybar[oa + 3],
      tAy = ybar[oa + 4],
      tAz = ybar[oa + 5];
    const tBx = ybar[ob + 3],
      tBy = ybar[ob + 4],
      tBz = ybar[ob + 5];

    // wrench_B = [F, r_B × F], wrench_A = [−F, −r_A × F]
    const Fbx = ybar[ob] - ybar[oa] + (tBy * rBz - tBz * rBy) - (tAy * rAz - tAz * rAy);
    const Fby = ybar[ob + 1] - ybar[oa + 1] + (tBz * rBx - tBx * rBz) - (tAz * rAx - tAx * rAz);
    const Fbz = ybar[ob + 2] - ybar[oa + 2] + (tBx * rBy - tBy * rBx) - (tAx * rAy - tAy * rAx);
    _bar.rA[0] = -(fy * tAz - fz * tAy);
    _bar.rA[1] = -(fz * tAx - fx * tAz);
    _bar.rA[2] = -(fx * tAy - fy * tAx);
    _bar.rB[0] = fy * tBz - fz * tBy;
    _bar.rB[1] = fz * tBx - fx * tBz;
    _bar.rB[2] = fx * tBy - fy * tBx;

    // F = f_n n − s v_t
    let fnBar = Fbx * nx + Fby * ny + Fbz * nz;
    _bar.n[0] = fn * Fbx;
    _bar.n[1] = fn * Fby;
    _bar.n[2] = fn * Fbz;
    let sBar = -(Fbx * vtx + Fby * vty + Fbz * vtz);
    let vtbx = -s * Fbx,
      vtby = -s * Fby,
      vtbz = -s * Fbz;
    // in the sweep, also its dissipative part D = f_d n − s v_t, f_d = f_n − weight − spring:
    // f_d's cotangent goes to f_n and is taken back from the spring and the weight
    let springBar = 0;
    if (order !== null) {
      dissipativeNormal(p, _args, _e);
      dissipativeAdjoint(_e, _bar);
      const d = dissipativeBar;
      fnBar += d.normal;
      springBar = -d.normal;
      sBar += d.slip;
      vtbx += d.vtx;
      vtby += d.vty;
      vtbz += d.vtz;
    }

    // s = λ·φ₁(y_t), y_t = dt·λ·W_t;  λ = μ f_n w
    const lambda = _e.lambda;
    const lambdaBar = sBar * (_e.phiT + _e.yt * _e.phiTDy);
    const wtBar = sBar * lambda * _e.phiTDy * p.dt * lambda;
    const mu = _mu.value,
      w = _w.value;
    const muBar = lambdaBar * fn * w;
    fnBar += lambdaBar * mu * w;
    const wBar = lambdaBar * mu * fn;
    const speed2Scale = 2 * wBar * _w.dSpeed2;
    vtbx += speed2Scale * vtx;
    vtby += speed2Scale * vty;
    vtbz += speed2Scale * vtz;
    const L0 = L.params;
    xbar[L0 + 3] += wBar * _w.dVelocity;

    // normal law: f_n(d, φ̇ = −v_n; k·κ, D = b·φ₁(y_n)·a, τ or s), a the window activation
    // (and the sweep's spring, the law with no dashpot: springBar, 0 without the sweep)
    const sp = sweepSpring;
    xbar[L.dist + i] += order === null ? fnBar * _fn.dDist : fnBar * _fn.dDist + springBar * sp.dDist;
    const kEffBar = order === null ? fnBar * _fn.dStiffness : fnBar * _fn.dStiffness + springBar * sp.dStiffness;
    const rateBar = order === null ? fnBar * _fn.dRate : fnBar * _fn.dRate + springBar * sp.dRate;
    const dampingBar = fnBar * _fn.dDamping;
    const lawTemperatureBar =
      order === null ? fnBar * _fn.dTemperature : fnBar * _fn.dTemperature + springBar * sp.dTemperature;
    // soft: the law's temperature is the window's width s(τ, v_n)
    const widthBar = p.mode === 'soft' ? lawTemperatureBar : 0;
    if (p.mode !== 'soft') xbar[L0 + 2] += lawTemperatureBar;
    const act = _win.value;
    const effBar = dampingBar * act;
    let actBar = dampingBar * _e.effDamping;
    // k·κ(p, y₀), p = k·W₀·dt², y₀ = dt·b·a·W₀
    const kappa = _kappa[0];
    xbar[L0] += kEffBar * kappa;
    const kappaBar = kEffBar * p.stiffness;
    const pBar = kappaBar * _kappa[1];
    const y0Bar = kappaBar * _kappa[2];
    const bOf = _e.dashpot;
    xbar[L0] += pBar * _e.w0 * p.dt * p.dt;
    let w0Bar = pBar * p.stiffness * p.dt * p.dt + y0Bar * p.dt * bOf * act;
    // b_eff = b·φ₁(y_n), y_n = dt·b·a·W_n
    let dashpotBar = effBar * _e.phiN + y0Bar * p.dt * act * _e.w0;
    actBar += y0Bar * p.dt * bOf * _e.w0;
    const ynBar = effBar * bOf * _e.phiNDy;
    dashpotBar += ynBar * p.dt * act * _e.wn;
    actBar += ynBar * p.dt * bOf * _e.wn;
    const wnBar = ynBar * p.dt * bOf * act;
    if (p.dampingFromRestitution) {
      // b = 2ζ·√(k/W₀)
      const root = Math.sqrt(p.stiffness / _e.w0);
      const zetaBar = dashpotBar * 2 * root;
      xbar[L0] += (dashpotBar * bOf) / (2 * p.stiffness);
      w0Bar += (-dashpotBar * bOf) / (2 * _e.w0);
      xbar[L.restitution + _e.restitutionBody] += zetaBar * _e.zetaDe;
    } else {
      xbar[L0 + 1] += dashpotBar;
    }
    // the weight feed-forward a·c·press(x), c = 1/(W₀ + (N − 1)(m_A⁻¹ + m_B⁻¹)), x = −δ·n·g
    let shareWeightBar = 0;
    if (_e.weight !== 0) {
      // the sweep's D does not hold the weight: its cotangent is f_n's without f_d's
      const weightBar = fnBar + springBar;
      const c = _e.carried;
      actBar += weightBar * c * _e.press;
      const cBar = weightBar * act * _e.press;
      const pressBar = weightBar * act * c;
      // ∂c/∂(denominator) = −c²
      const denBar = -cBar * c * c;
      w0Bar += denBar;
      shareWeightBar = denBar * (p.invMass[a] + p.invMass[b]);
      xbar[L.invMass + a] += denBar * (_e.shareA - 1);
      xbar[L.invMass + b] += denBar * (_e.shareA - 1);
      const xBar = pressBar * _e.pressDx;
      const g = p.gravity;
      const rel = _e.relDyn;
      _bar.n[0] -= rel * xBar * g[0];
      _bar.n[1] -= rel * xBar * g[1];
      _bar.n[2] -= rel * xBar * g[2];
      let gScale = 0;
      if (p.mode === 'soft') {
        // press = ½(x + √(x² + w²)), w = PRESS_SMOOTHING·|g|: ∂press/∂w = ½w/√(x² + w²)
        const width = PRESS_SMOOTHING * gNorm;
        const root = _e.pressRoot;
        if (root > 0 && gNorm > 0) gScale = (pressBar * 0.5 * width * PRESS_SMOOTHING) / (root * gNorm);
      }
      for (let k = 0; k < 3; k++) {
        const nk = k === 0 ? nx : k === 1 ? ny : nz;
        xbar[L.gravity + k] += -rel * xBar * nk + gScale * g[k];
      }
    }
    // W_t = N_A ut_A + N_B ut_B, W₀ = un_A + un_B, N = 1 + S − a
    // W_n = N·m + ½(N + 1)(W₀ − m), m = m_A⁻¹ + m_B⁻¹
    const invSum = p.invMass[a] + p.invMass[b];
    w0Bar += wnBar * 0.5 * (_e.shareA + 1);
    xbar[L.invMass + a] += wnBar * 0.5 * (_e.shareA - 1);
    xbar[L.invMass + b] += wnBar * 0.5 * (_e.shareA - 1);
    const shareABar = wnBar * 0.5 * (invSum + _e.w0) + wtBar * _e.utA + shareWeightBar;
    const shareBBar = wtBar * _e.utB;
    _gateSumBar[_run[i]] += shareABar + shareBBar;
    const gateBar = -(shareABar + shareBBar);
    // the cotangents travel in `_bar` (double arguments of a call that is not inlined are boxed)
    _bar.un = w0Bar;
    _bar.ut = wtBar * _e.shareA;
    // full kept slots leave the sides' frames to build again (frameOf: the poses); the
    // force computed again, from a compact slot too, built them
    const frameOf = kept === null || compact ? null : q;
    sideInverseMassAdjoint(p, L, 0, a, xbar, frameOf);
    _bar.ut = wtBar * _e.shareB;
    sideInverseMassAdjoint(p, L, 1, b, xbar, frameOf);

    // the share activation (mass splitting) a_s(d, τ)
    xbar[L.dist + i] += gateBar * _e.gateDDist;
    xbar[L0 + 2] += gateBar * _e.gateDTemperature;
    // the window activation a(d, v_n, τ) and the width s(v_n, τ)
    xbar[L.dist + i] += actBar * _win.dDist;
    xbar[L0 + 2] += actBar * _win.dTemperature + widthBar * _win.widthDTemperature;
    const vnWindowBar = actBar * _win.dNormalVelocity + widthBar * _win.widthDNormalVelocity;

    // v_t = v_rel − (n·v_rel) n, v_n = n·v_rel, φ̇ = −v_n
    const nDotVtb = nx * vtbx + ny * vtby + nz * vtbz;
    const vnBar = -rateBar + vnWindowBar;
    const { vrx, vry, vrz, vn } = _e;
    _bar.n[0] += vnBar * vrx - (nDotVtb * vrx + vn * vtbx);
    _bar.n[1] += vnBar * vry - (nDotVtb * vry + vn * vtby);
    _bar.n[2] += vnBar * vrz - (nDotVtb * vrz + vn * vtbz);
    const nScale = vnBar - nDotVtb;
    _bar.vr[0] = vtbx + nScale * nx;
    _bar.vr[1] = vtby + nScale * ny;
    _bar.vr[2] = vtbz + nScale * nz;
    relativeVelocityAdjoint(L, i, xbar);

    // μ = √(μ_A μ_B)
    xbar[L.friction + a] += muBar * _mu.dA;
    xbar[L.friction + b] += muBar * _mu.dB;
  }
  // second loop: each contact's activation carries the cotangent of its run's sum
  for (let i = 0; i < geom.count; i++) {
    const gateBar = _gateSumBar[_run[i]];
    if (gateBar === 0) continue;
    xbar[L.dist + i] += gateBar * _gateDDist[i];
    xbar[L.params + 2] += gateBar * _gateDTemperature[i];
  }
  return xbar;
}

/**
 * For the adjoint: whether the forward step swept its pairs (its kept decision, else taken
 * again: at once when the pose's bound rules it out, pair-sweep.ts `sweepMayBeNeeded`), and
 * if so its pass again, which leaves each pair's start velocities and dissipative wrench
 * in pair-sweep.ts's scratch. Returns the sweep's order, or null (no sweep). Keeps nothing.
 */
function sweepReplay(
  p: ContactForceParams,
  geom: ContactGeometry,
  q: Float64Array,
  qd: Float64Array,
  kept: Float64Array | null,
  keptAt: number,
): Int32Array | null {
  if (geom.count < 2) return null;
  if (kept !== null ? kept[keptAt + K.swept] !== 1 : !sweepMayBeNeeded(p, geom, q)) return null;
  if (_replayWrench.length < 6 * p.nbody) _replayWrench = new Float64Array(6 * p.nbody);
  const keep = _keepInto;
  _keepInto = null;
  try {
    if (kept !== null) contactPass(p, geom, q, qd, _replayWrench, null, sweepOrder(p.nbody, geom, _run));
    else {
      accumulateWrenches(p, geom, q, qd, _replayWrench, null);
      if (!_swept) return null;
    }
  } finally {
    _keepInto = keep;
  }
  return sweepOrder(p.nbody, geom, _run);
}
let _replayWrench = new Float64Array(0);

/**
 * Cotangents of the current contact's normal and levers, gathered before they are written;
 * and the arguments of the adjoint's helpers: the relative velocity's cotangent (`vr`),
 * the cotangents of a side's un and ut.
 */
const _bar = {
  n: new Float64Array(3),
  rA: new Float64Array(3),
  rB: new Float64Array(3),
  vr: new Float64Array(3),
  un: 0,
  ut: 0,
};

/**
 * v_rel = v_B + ω_B × r_B − v_A − ω_A × r_A pulled back from its cotangent (vrb, in
 * `_bar.vr`), then the levers r = p − x (with the lever and normal cotangents already in
 * `_bar`) into `xbar`.
 */
function relativeVelocityAdjoint(L: ContactWrenchLayout, i: number, xbar: Float64Array): void {
  const { a, b, rAx, rAy, rAz, rBx, rBy, rBz, wAx, wAy, wAz, wBx, wBy, wBz } = _e;
  const vrbx = _bar.vr[0],
    vrby = _bar.vr[1],
    vrbz = _bar.vr[2];
  const qa = L.qd + 6 * a,
    qb = L.qd + 6 * b;
  xbar[qb] += vrbx;
  xbar[qb + 1] += vrby;
  xbar[qb + 2] += vrbz;
  xbar[qa] -= vrbx;
  xbar[qa + 1] -= vrby;
  xbar[qa + 2] -= vrbz;
  xbar[qb + 3] += rBy * vrbz - rBz * vrby;
  xbar[qb + 4] += rBz * vrbx - rBx * vrbz;
  xbar[qb + 5] += rBx * vrby - rBy * vrbx;
  xbar[qa + 3] -= rAy * vrbz - rAz * vrby;
  xbar[qa + 4] -= rAz * vrbx - rAx * vrbz;
  xbar[qa + 5] -= rAx * vrby - rAy * vrbx;
  const rB = _bar.rB,
    rA = _bar.rA;
  rB[0] += vrby * wBz - vrbz * wBy;
  rB[1] += vrbz * wBx - vrbx * wBz;
  rB[2] += vrbx * wBy - vrby * wBx;
  rA[0] -= vrby * wAz - vrbz * wAy;
  rA[1] -= vrbz * wAx - vrbx * wAz;
  rA[2] -= vrbx * wAy - vrby * wAx;
  // r = p − x
  const rA0 = rA[0],
    rA1 = rA[1],
    rA2 = rA[2],
    rB0 = rB[0],
    rB1 = rB[1],
    rB2 = rB[2];
  const pi = L.point + 3 * i,
    qa7 = L.q + 7 * a,
    qb7 = L.q + 7 * b,
    ni = L.normal + 3 * i;
  xbar[pi] += rA0 + rB0;
  xbar[qa7] -= rA0;
  xbar[qb7] -= rB0;
  xbar[pi + 1] += rA1 + rB1;
  xbar[qa7 + 1] -= rA1;
  xbar[qb7 + 1] -= rB1;
  xbar[pi + 2] += rA2 + rB2;
  xbar[qa7 + 2] -= rA2;
  xbar[qb7 + 2] -= rB2;
  const nBar = _bar.n;
  xbar[ni] += nBar[0];
  xbar[ni + 1] += nBar[1];
  xbar[ni + 2] += nBar[2];
}

/**
 * {@link sideInverseMass} pulled back from the cotangents of un and ut (`_bar.un`,
 * `_bar.ut`): into the body's inverse mass and inertia and orientation (in `xbar`), and
 * the lever and normal (in `_bar`). The side's frame is the forward pass's, or, with
 * `frameOf` (the poses), built again from them first.
 */
function sideInverseMassAdjoint(
  p: ContactForceParams,
  L: ContactWrenchLayout,
  side: number,
  body: number,
  xbar: Float64Array,
  frameOf: Float64Array | null,
): void {
  const unBar = _bar.un,
    utBar = _bar.ut;
  if (unBar === 0 && utBar === 0) return;
  const lam0 = p.invInertia[3 * body],
    lam1 = p.invInertia[3 * body + 1],
    lam2 = p.invInertia[3 * body + 2];
  // a static body (zero inverse mass and inertia) was skipped by the forward pass: its
  // masses are no parameter (∂/∂ of a zero inverse inertia is the domain's edge)
  if (p.invMass[body] === 0 && lam0 === 0 && lam1 === 0 && lam2 === 0) return;
  if (frameOf !== null) sideFrame(frameOf, side, body);
  // scalars, not loops over 3-vectors: this runs for every contact side of every step of
  // a backward pass (the same operations in the same order as the vector form)
  const rot = _rot[side],
    s = _s[side],
    c = _c[side],
    t = _t[side];
  const s0 = s[0],
    s1 = s[1],
    s2 = s[2];
  const t0 = t[0],
    t1 = t[1],
    t2 = t[2];
  const lamSum = lam0 + lam1 + lam2;
  const r2 = s0 * s0 + s1 * s1 + s2 * s2;
  // un = m + Σλ_k t_k²;  ut = m + ½(Σλ_k (|s|² − s_k²) − Σλ_k t_k²)
  xbar[L.invMass + body] += unBar + utBar;
  const tBarScale = 2 * unBar - utBar;
  const io = L.invInertia + 3 * body;
  xbar[io] += unBar * t0 * t0 + 0.5 * utBar * (r2 - s0 * s0 - t0 * t0);
  xbar[io + 1] += unBar * t1 * t1 + 0.5 * utBar * (r2 - s1 * s1 - t1 * t1);
  xbar[io + 2] += unBar * t2 * t2 + 0.5 * utBar * (r2 - s2 * s2 - t2 * t2);
  const sb0 = utBar * s0 * (lamSum - lam0),
    sb1 = utBar * s1 * (lamSum - lam1),
    sb2 = utBar * s2 * (lamSum - lam2);
  const tb0 = tBarScale * lam0 * t0,
    tb1 = tBarScale * lam1 * t1,
    tb2 = tBarScale * lam2 * t2;
  // s = Rᵀr, t = Rᵀc: r̄ = R s̄, c̄ = R t̄, R̄_ac = r_a s̄_c + c_a t̄_c
  const rx = side === 0 ? _e.rAx : _e.rBx,
    ry = side === 0 ? _e.rAy : _e.rBy,
    rz = side === 0 ? _e.rAz : _e.rBz;
  const c0 = c[0],
    c1 = c[1],
    c2 = c[2];
  const R = _rotBar;
  R[0] = rx * sb0 + c0 * tb0;
  R[1] = rx * sb1 + c0 * tb1;
  R[2] = rx * sb2 + c0 * tb2;
  R[3] = ry * sb0 + c1 * tb0;
  R[4] = ry * sb1 + c1 * tb1;
  R[5] = ry * sb2 + c1 * tb2;
  R[6] = rz * sb0 + c2 * tb0;
  R[7] = rz * sb1 + c2 * tb1;
  R[8] = rz * sb2 + c2 * tb2;
  const cb0 = 0 + rot[0] * tb0 + rot[1] * tb1 + rot[2] * tb2,
    cb1 = 0 + rot[3] * tb0 + rot[4] * tb1 + rot[5] * tb2,
    cb2 = 0 + rot[6] * tb0 + rot[7] * tb1 + rot[8] * tb2;
  // c = r × n: r̄ += n × c̄, n̄ += c̄ × r
  const nx = _e.nx,
    ny = _e.ny,
    nz = _e.nz;
  const rBar = side === 0 ? _bar.rA : _bar.rB;
  rBar[0] += 0 + rot[0] * sb0 + rot[1] * sb1 + rot[2] * sb2;
  rBar[1] += 0 + rot[3] * sb0 + rot[4] * sb1 + rot[5] * sb2;
  rBar[2] += 0 + rot[6] * sb0 + rot[7] * sb1 + rot[8] * sb2;
  rBar[0] += ny * cb2 - nz * cb1;
  rBar[1] += nz * cb0 - nx * cb2;
  rBar[2] += nx * cb1 - ny * cb0;
  const nBar = _bar.n;
  nBar[0] += cb1 * rz - cb2 * ry;
  nBar[1] += cb2 * rx - cb0 * rz;
  nBar[2] += cb0 * ry - cb1 * rx;
  const qHatBar = _qHatBar;
  qHatBar[0] = 0;
  qHatBar[1] = 0;
  qHatBar[2] = 0;
  qHatBar[3] = 0;
  addRotationAdjoint(qHatBar, _qHat[side], R);
  addNormalizeAdjoint(xbar, L.q + 7 * body + 3, _qHat[side], qHatBar, _qLen[side]);
}

// ---- tangent ----------------------------------------------------------------------------

/**
 * ẏ = J ẋ, row by row: ẏ_k = (Jᵀ e_k)·ẋ for the wrench entries of bodies that touch a
 * contact (the others are 0). Exact (the adjoint's derivatives), at the reverse pass's
 * branch at a kink (penalty), not one-sided.
 */
function contactWrenchTangent(v: InputViews, L: ContactWrenchLayout, xdot: Float64Array): Float64Array {
  const ydot = new Float64Array(6 * L.nbody);
  const touched = new Uint8Array(L.nbody);
  for (let i = 0; i < v.geom.count; i++) {
    touched[v.geom.bodyA[i]] = 1;
    touched[v.geom.bodyB[i]] = 1;
  }
  const e = new Float64Array(6 * L.nbody);
  const row = new Float64Array(L.size);
  for (let k = 0; k < 6 * L.nbody; k++) {
    if (touched[Math.floor(k / 6)] === 0) continue;
    e[k] = 1;
    contactWrenchAdjoint(v, L, e, row);
    e[k] = 0;
    let sum = 0;
    for (let j = 0; j < L.size; j++) sum += row[j] * xdot[j];
    ydot[k] = sum;
  }
  return ydot;
}

// ---- for the batched tangent ------------------------------------------------------------

/**
 * The kernel's per-contact forward pass and the scratch it leaves its values in, for the
 * batched forward mode (contact/wrenches-tangent.ts), which differentiates these very
 * values rather than a second copy of the force law. After `gatePass(p, geom)`, per
 * contact `kinematics(geom, q, qd, i)` then `force(p, q, i)` fill the records.
 */
export const wrenchForwardPass = {
  gatePass,
  /** one contact's share activation and its partials (from `e.dist`) into `e` */
  gateOf: contactGate,
  kinematics: contactKinematics,
  force: contactForceKept,
  /** the contact's kinematics and intermediates */
  e: _e,
  /** the normal law's value and partials */
  normal: _fn,
  /** its arguments (kκ, rate, D, τ or s) */
  args: _args,
  frictionWeight: _w,
  pairFriction: _mu,
  window: _win,
  /** [κ, ∂κ/∂p, ∂κ/∂y, p, y] */
  kappa: _kappa,
  /** per side (A 0, B 1): unit quaternion, |q|, rotation, s = Rᵀr, c = r × n, t = Rᵀc */
  side: { qHat: _qHat, qLen: _qLen, rot: _rot, s: _s, c: _c, t: _t },
  /** the share activation of each contact and the run (same-pair block) it belongs to */
  gate: (): Float64Array => _gate,
  run: (): Int32Array => _run,
  /** each contact's ∂a/∂d and ∂a/∂τ of its share activation (gatePass keeps them) */
  gateDDist: (): Float64Array => _gateDDist,
  gateDTemperature: (): Float64Array => _gateDTemperature,
  pressSmoothing: PRESS_SMOOTHING,
  /** after every contact's `force`: whether the step is the pair sweep's (pair-sweep.ts), not this pass's */
  sweepNeeded: (p: ContactForceParams, geom: ContactGeometry): boolean => geom.count > 1 && sweepNeeded(p),
};
