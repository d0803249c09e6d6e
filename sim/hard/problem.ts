/**
 * The velocity-level contact problem of one step, assembled from the contact buffer and
 * the free-flight velocities: per contact, a frame (normal n from A to B and two tangents),
 * the Jacobian rows of both bodies along each direction, the diagonal blocks of the
 * Delassus matrix W = J M⁻¹ Jᵀ, the friction coefficient and the normal-velocity bound b.
 *
 * Velocity of contact k along its direction j (d = n, t₁ or t₂; r = point − centre of mass):
 *
 *   u_kj = d·(v_B − v_A) + (r_B × d)·ω_B − (r_A × d)·ω_A
 *
 * and an impulse λ along d changes the velocities by
 *
 *   v_B += λ d / m_B,  ω_B += λ I_B⁻¹(r_B × d),  v_A −= λ d / m_A,  ω_A −= λ I_A⁻¹(r_A × d)
 *
 * with I⁻¹ the world inverse inertia R diag(I⁻¹) Rᵀ (sim/integrator/worldInertia.ts) and
 * m⁻¹ = I⁻¹ = 0 for static bodies. The tangents are turned in the tangent plane so that
 * they diagonalize the contact's 2×2 tangential block of W, which makes the exact local
 * friction solve a 2-D problem in closed form plus a scalar root (solver.ts).
 *
 * The normal bound b_k (what the solve enforces as u_n ≥ b, see solver.ts):
 *
 *   - Newton restitution, when the contact would close within this step at an approach
 *     speed above the threshold — u⁻ < −threshold and d + dt·u⁻ < 0, with u⁻ the normal
 *     velocity of the free-flight prediction and d the signed distance —:
 *         b = −e·u⁻,   e = max(e_A, e_B)
 *   - otherwise the speculative bound  b = −max(d, 0)/dt: a contact still open by d may
 *     approach by at most d within the step (so it closes exactly, without an impulse
 *     before it must), a touching or penetrating one may not approach at all. No bound
 *     is positive here, so no velocity is ever added to push bodies apart (that is the
 *     position pass's job, position.ts, which does not touch velocities).
 *
 * Both the restitution decision and the speculative bound switch on the sign of
 * d + dt·u⁻ and of u⁻ + threshold: contact onset, the discontinuity of hard contact.
 *
 * A restitution contact still open at the start of the step (d > 0) meets at the time of
 * impact s·dt, s = d/(−u⁻·dt). With `settings.placeImpacts` the impact is solved where and
 * when it happens (`placeImpacts` below): both bodies are advanced along their free flight
 * to s·dt (x + s·dt·v*, q ← exp(½s·dt·ω*) ⊗ q), the contact geometry of the same features
 * is evaluated there (sim/contact/geometry.ts: the normal, contact point and lever arms AT
 * the impact — for two moving bodies the normal turns with the impact time), and the
 * bodies' world inertia is taken at that orientation; the position pass then moves the
 * bodies as if the impulse acted from s·dt on. The impact law is that of the continuous
 * impact: with Δu = J(v* − v) the free-flight change of the contact velocity over the step
 * (gravity, controls), the contact velocity just before the impact is u⁻ − (1 − s)Δu;
 * its normal part is reversed by e and its slip is what friction acts on, and the
 * remaining (1 − s)Δu acts after the impact:
 *     b = −e·(u⁻_n − (1 − s)Δu_n) + (1 − s)Δu_n,   slip target u°_t = (1 − s)Δu_t
 * (so a sticking impact stops the slip AT the impact, and gravity makes it slip again
 * after). Linear and angular momentum are then conserved exactly by the step (the impulse
 * acts at one point of the configuration where the bodies are when it acts), and every
 * quantity that depends on the impact time — normal, lever arms, inertia, approach and slip
 * velocity — is a function of s, which the trace (test/sim/hard/oracle/traced-step.ts) differentiates.
 */
import type { Contacts } from '../collision/contacts.ts';
import { contactGeometryValues, type ContactFeatures } from '../contact/geometry.ts';
import { worldInertiaMatrix } from '../integrator/worldInertia.ts';
import type { Model } from '../model.ts';
import { changeAfterImpact, impactBound, pairRestitution, refinedImpactFraction } from './contact-rules.ts';
import { duffFrame } from './frame.ts';
import { flightPose } from './integrate.ts';
import type { HardContactSettings } from './settings.ts';

const Q_WIDTH = 7;
const QD_WIDTH = 6;

/**
 * One step's contact problem, struct-of-arrays, contact k at index k < `count`.
 * Directions are indexed j = 0 (normal), 1, 2 (tangents) within each group of 3 or 9.
 */
export interface ContactProblem {
  /** contacts in the current problem */
  count: number;
  /** s: the time step the problem was built for (the position pass reads it here) */
  dt: number;
  /** maximum contacts; arrays have this length (× width) */
  readonly capacity: number;
  /** (capacity) body A, the normal points away from it */
  readonly bodyA: Int32Array;
  /** (capacity) body B */
  readonly bodyB: Int32Array;
  /** (capacity×2) inverse masses of A and B, 1/kg (0: static) */
  readonly invMass: Float64Array;
  /** (capacity×9) unit directions n, t₁, t₂, world */
  readonly dir: Float64Array;
  /** (capacity×9) r_A × d for d = n, t₁, t₂, m */
  readonly angA: Float64Array;
  /** (capacity×9) r_B × d, m */
  readonly angB: Float64Array;
  /** (capacity×9) I_A⁻¹(r_A × d), world, 1/(kg·m) */
  readonly invAngA: Float64Array;
  /** (capacity×9) I_B⁻¹(r_B × d), 1/(kg·m) */
  readonly invAngB: Float64Array;
  /** (capacity×3) W_nn, W_t₁t₁, W_t₂t₂, 1/kg (W_t₁t₂ = 0 by the choice of tangents) */
  readonly diag: Float64Array;
  /** (capacity) pair Coulomb coefficient √(μ_A μ_B) */
  readonly friction: Float64Array;
  /** (capacity) signed distance at the start of the step, m */
  readonly dist: Float64Array;
  /** (capacity) normal velocity of the free-flight prediction u⁻, m/s (< 0: approaching) */
  readonly approach: Float64Array;
  /** (capacity) the bound b of u_n ≥ b, m/s */
  readonly bound: Float64Array;
  /**
   * (capacity×2) the slip target u°_t along t₁, t₂, m/s: the tangential velocity friction
   * treats as no slip (solver.ts). 0, except at a placed impact: (1 − s)Δu_t, the slip the
   * free flight adds after the impact
   */
  readonly slipTarget: Float64Array;
  /** (capacity) 1 where Newton restitution set the bound, else 0 (speculative bound) */
  readonly bounced: Uint8Array;
  /**
   * (capacity) time-of-impact fraction s ∈ (0, 1] of the step, for bounced contacts still
   * open at its start when `placeImpacts` is on (else 0); their rows are built at that
   * configuration, and position.ts places the impulse there
   */
  readonly impactFraction: Float64Array;
  /** (capacity×3) the solution: normal and tangential impulses λ_n, λ_t₁, λ_t₂, N·s */
  readonly impulse: Float64Array;
  /** (capacity) position pass: the bound of the pseudo normal velocity, m/s */
  readonly positionBound: Float64Array;
  /** (capacity) position pass: pseudo normal impulse, N·s */
  readonly positionImpulse: Float64Array;
  /**
   * (nbody×9) world inverse inertia of every body this step, 1/(kg·m²): at the start of
   * the step, or at its earliest placed impact for a body in one
   */
  readonly worldInvInertia: Float64Array;
  /** whether this step placed an impact (then `impactDelay` is filled) */
  placed: boolean;
  /** (nbody) time into the step of the body's earliest placed impact, s·dt in s; −1: none */
  readonly impactDelay: Float64Array;
  /**
   * (nbody) after the solve (`isolatedImpactDelays`): `impactDelay` for a body whose other
   * contacts carry no impulse, −1 otherwise
   */
  readonly isolatedDelay: Float64Array;
  /** (nbody×7) scratch: poses at a time of impact (only the bodies of the contact at hand) */
  readonly impactQ: Float64Array;
}

/**
 * A problem with room for `capacity` contacts among `nbody` bodies. Allocates: once per
 * model (and when the contact buffer grows).
 *
 * @example
 * const problem = createContactProblem(model.nbody, contacts.capacity);
 */
export function createContactProblem(nbody: number, capacity: number): ContactProblem {
  return {
    count: 0,
    dt: 0.001,
    capacity,
    bodyA: new Int32Array(capacity),
    bodyB: new Int32Array(capacity),
    invMass: new Float64Array(2 * capacity),
    dir: new Float64Array(9 * capacity),
    angA: new Float64Array(9 * capacity),
    angB: new Float64Array(9 * capacity),
    invAngA: new Float64Array(9 * capacity),
    invAngB: new Float64Array(9 * capacity),
    diag: new Float64Array(3 * capacity),
    friction: new Float64Array(capacity),
    dist: new Float64Array(capacity),
    approach: new Float64Array(capacity),
    bound: new Float64Array(capacity),
    slipTarget: new Float64Array(2 * capacity),
    bounced: new Uint8Array(capacity),
    impactFraction: new Float64Array(capacity),
    impulse: new Float64Array(3 * capacity),
    positionBound: new Float64Array(capacity),
    positionImpulse: new Float64Array(capacity),
    worldInvInertia: new Float64Array(9 * nbody),
    placed: false,
    impactDelay: new Float64Array(nbody),
    isolatedDelay: new Float64Array(nbody),
    impactQ: new Float64Array(7 * nbody),
  };
}

/**
 * Velocities of contact k along n, t₁, t₂ for the body velocities `qd` (nbody×6) into
 * `out[0..2]`, m/s; returns `out`. (Results go through an array, not a return value: V8
 * boxes a double returned from a call it does not inline.)
 *
 * @example
 * contactVelocity(problem, velocity, k, u); // u[0]: normal velocity, > 0 separating
 */
export function contactVelocity(p: ContactProblem, qd: Float64Array, k: number, out: Float64Array): Float64Array {
  contactRowVelocities(p, qd, k, 0, 3, out);
  return out;
}

/** Velocities of contact k along its directions j = `first` .. `end` − 1 (0: n, 1, 2: t₁, t₂) into `out[j]`. */
export function contactRowVelocities(
  p: ContactProblem,
  qd: Float64Array,
  k: number,
  first: number,
  end: number,
  out: Float64Array,
): void {
  const a = QD_WIDTH * p.bodyA[k],
    b = QD_WIDTH * p.bodyB[k];
  const d = p.dir,
    ra = p.angA,
    rb = p.angB;
  const dvx = qd[b] - qd[a],
    dvy = qd[b + 1] - qd[a + 1],
    dvz = qd[b + 2] - qd[a + 2];
  const wax = qd[a + 3],
    way = qd[a + 4],
    waz = qd[a + 5];
  const wbx = qd[b + 3],
    wby = qd[b + 4],
    wbz = qd[b + 5];
  for (let j = first; j < end; j++) {
    const o = 9 * k + 3 * j;
    out[j] =
      d[o] * dvx +
      d[o + 1] * dvy +
      d[o + 2] * dvz +
      rb[o] * wbx +
      rb[o + 1] * wby +
      rb[o + 2] * wbz -
      ra[o] * wax -
      ra[o + 1] * way -
      ra[o + 2] * waz;
  }
}

/**
 * Add the velocity change of the impulse `impulse[0..2]` (along n, t₁, t₂, N·s) at
 * contact k to `qd` (nbody×6).
 *
 * @example
 * delta.set([0.01, 0, 0]);                   // 0.01 N·s along the normal
 * applyContactImpulse(problem, velocity, k, delta);
 */
export function applyContactImpulse(p: ContactProblem, qd: Float64Array, k: number, impulse: Float64Array): void {
  const a = QD_WIDTH * p.bodyA[k],
    b = QD_WIDTH * p.bodyB[k];
  const o = 9 * k;
  const d = p.dir,
    ia = p.invAngA,
    ib = p.invAngB;
  const ln = impulse[0],
    l1 = impulse[1],
    l2 = impulse[2];
  // world impulse vector, and the angular velocity changes per body
  const px = ln * d[o] + l1 * d[o + 3] + l2 * d[o + 6];
  const py = ln * d[o + 1] + l1 * d[o + 4] + l2 * d[o + 7];
  const pz = ln * d[o + 2] + l1 * d[o + 5] + l2 * d[o + 8];
  const ma = p.invMass[2 * k],
    mb = p.invMass[2 * k + 1];
  qd[b] += mb * px;
  qd[b + 1] += mb * py;
  qd[b + 2] += mb * pz;
  qd[b + 3] += ln * ib[o] + l1 * ib[o + 3] + l2 * ib[o + 6];
  qd[b + 4] += ln * ib[o + 1] + l1 * ib[o + 4] + l2 * ib[o + 7];
  qd[b + 5] += ln * ib[o + 2] + l1 * ib[o + 5] + l2 * ib[o + 8];
  qd[a] -= ma * px;
  qd[a + 1] -= ma * py;
  qd[a + 2] -= ma * pz;
  qd[a + 3] -= ln * ia[o] + l1 * ia[o + 3] + l2 * ia[o + 6];
  qd[a + 4] -= ln * ia[o + 1] + l1 * ia[o + 4] + l2 * ia[o + 7];
  qd[a + 5] -= ln * ia[o + 2] + l1 * ia[o + 5] + l2 * ia[o + 8];
}

// The sweeps' normal-only update (solver.ts, position.ts): `applyContactImpulse` with
// zero tangential impulses, the same arithmetic in the same order without the zero terms
// (the same results up to the sign of a zero).

/** Add the velocity change of the normal impulse `impulse[0]` (N·s) at contact k to `qd`. */
export function applyNormalImpulse(p: ContactProblem, qd: Float64Array, k: number, impulse: Float64Array): void {
  const a = QD_WIDTH * p.bodyA[k],
    b = QD_WIDTH * p.bodyB[k];
  const o = 9 * k;
  const d = p.dir,
    ia = p.invAngA,
    ib = p.invAngB;
  const ln = impulse[0];
  const px = ln * d[o],
    py = ln * d[o + 1],
    pz = ln * d[o + 2];
  const ma = p.invMass[2 * k],
    mb = p.invMass[2 * k + 1];
  qd[b] += mb * px;
  qd[b + 1] += mb * py;
  qd[b + 2] += mb * pz;
  qd[b + 3] += ln * ib[o];
  qd[b + 4] += ln * ib[o + 1];
  qd[b + 5] += ln * ib[o + 2];
  qd[a] -= ma * px;
  qd[a + 1] -= ma * py;
  qd[a + 2] -= ma * pz;
  qd[a + 3] -= ln * ia[o];
  qd[a + 4] -= ln * ia[o + 1];
  qd[a + 5] -= ln * ia[o + 2];
}

// ---- assembly ------------------------------------------------------------------------

// module scratch: lever arms, a body's world inverse inertia, and the doubles handed
// between helpers through arrays (a double crossing a call V8 does not inline is boxed)
/** lever arms r_A (0..2), r_B (3..5) of the contact at hand (contact-rules.ts `leverArms`) */
const _lever = new Float64Array(6);
const _rA = _lever.subarray(0, 3);
const _rB = _lever.subarray(3, 6);
const _invInertia = new Float64Array(9);
const _coupling = new Float64Array(4);
const _turn = new Float64Array(2);
const _u = new Float64Array(3);
const _uStart = new Float64Array(3);
/** one contact's geometry at its time of impact: [dist, normal (3), point (3)] */
const _impactGeometry = new Float64Array(7);
/** the features of the contact at hand, as a one-contact buffer for the geometry */
const _impactFeatures: ContactFeatures = {
  count: 1,
  bodyA: new Int32Array(1),
  bodyB: new Int32Array(1),
  pair: new Int32Array(1),
};

/**
 * contact-rules.ts \`leverArms\` on plain arrays, into \`_lever\`: r_A = p − x_A, r_B = p − x_B
 * with p at \`point[po..po+2]\`. Its own copy because the rule is generic over \`Real\`: shared
 * with the trace, its element stores see both arrays of numbers and of tape values, and V8
 * then boxes every double it writes here.
 */
function leverArmsAt(point: Float64Array, po: number, bodyQ: Float64Array, a: number, b: number): void {
  for (let i = 0; i < 3; i++) {
    const p = point[po + i];
    _lever[i] = p - bodyQ[Q_WIDTH * a + i];
    _lever[3 + i] = p - bodyQ[Q_WIDTH * b + i];
  }
}

/** r × d into `ang[o..o+2]` and I⁻¹(r × d) into `invAng[o..o+2]`, with I⁻¹ at `w[wo..wo+8]`. */
function angularRow(
  ang: Float64Array,
  invAng: Float64Array,
  o: number,
  r: Float64Array,
  dir: Float64Array,
  w: Float64Array,
  wo: number,
): void {
  const rx = r[0],
    ry = r[1],
    rz = r[2];
  const dx = dir[o],
    dy = dir[o + 1],
    dz = dir[o + 2];
  const cx = ry * dz - rz * dy,
    cy = rz * dx - rx * dz,
    cz = rx * dy - ry * dx;
  ang[o] = cx;
  ang[o + 1] = cy;
  ang[o + 2] = cz;
  // I⁻¹ is symmetric, so its column-major layout reads the same row-major
  invAng[o] = w[wo] * cx + w[wo + 3] * cy + w[wo + 6] * cz;
  invAng[o + 1] = w[wo + 1] * cx + w[wo + 4] * cy + w[wo + 7] * cz;
  invAng[o + 2] = w[wo + 2] * cx + w[wo + 5] * cy + w[wo + 8] * cz;
}

/**
 * `_coupling[slot]` = (r_A × d_i)·I_A⁻¹(r_A × d_j) + (r_B × d_i)·I_B⁻¹(r_B × d_j) for the
 * directions at offsets oi, oj (through an array: no boxed double crosses the call).
 */
function angularCoupling(p: ContactProblem, oi: number, oj: number, slot: number): void {
  const a = p.angA,
    b = p.angB,
    ia = p.invAngA,
    ib = p.invAngB;
  _coupling[slot] =
    a[oi] * ia[oj] +
    a[oi + 1] * ia[oj + 1] +
    a[oi + 2] * ia[oj + 2] +
    b[oi] * ib[oj] +
    b[oi + 1] * ib[oj + 1] +
    b[oi + 2] * ib[oj + 2];
}

/**
 * Turn two rows by the angle whose cosine and sine are `_turn[0..1]`:
 * out[o..o+2] ← c·x + s·y, out[o+3..o+5] ← −s·x + c·y.
 */
function turnRows(out: Float64Array, o: number): void {
  const c = _turn[0],
    s = _turn[1];
  for (let i = 0; i < 3; i++) {
    const x = out[o + i],
      y = out[o + 3 + i];
    out[o + i] = c * x + s * y;
    out[o + 3 + i] = -s * x + c * y;
  }
}

/**
 * Frame, Jacobian rows and Delassus diagonal of contact k (bodies and inverse masses
 * already set) for the normal at `normal[no..no+2]` and the lever arms in `_rA`, `_rB`.
 */
function assembleRows(out: ContactProblem, k: number, normal: Float64Array, no: number): void {
  const w = out.worldInvInertia;
  const a = out.bodyA[k],
    b = out.bodyB[k];
  const dir = out.dir;
  // frame: n and a first tangent pair (Duff et al. 2017, branchless orthonormal basis)
  const o = 9 * k;
  duffFrame(dir, o, normal, no);
  for (let j = 0; j < 3; j++) {
    angularRow(out.angA, out.invAngA, o + 3 * j, _rA, dir, w, 9 * a);
    angularRow(out.angB, out.invAngB, o + 3 * j, _rB, dir, w, 9 * b);
  }

  // turn the tangents onto the eigenvectors of the 2×2 tangential block of W (Jacobi rotation)
  const linear = out.invMass[2 * k] + out.invMass[2 * k + 1];
  angularCoupling(out, o + 3, o + 3, 0);
  angularCoupling(out, o + 6, o + 6, 1);
  angularCoupling(out, o + 3, o + 6, 2);
  angularCoupling(out, o, o, 3);
  const w11 = linear + _coupling[0],
    w22 = linear + _coupling[1],
    w12 = _coupling[2];
  const theta = 0.5 * Math.atan2(2 * w12, w11 - w22);
  const c = Math.cos(theta),
    s = Math.sin(theta);
  _turn[0] = c;
  _turn[1] = s;
  turnRows(dir, o + 3);
  turnRows(out.angA, o + 3);
  turnRows(out.angB, o + 3);
  turnRows(out.invAngA, o + 3);
  turnRows(out.invAngB, o + 3);
  out.diag[3 * k] = linear + _coupling[3];
  out.diag[3 * k + 1] = c * c * w11 + 2 * c * s * w12 + s * s * w22;
  out.diag[3 * k + 2] = s * s * w11 - 2 * c * s * w12 + c * c * w22;
}

/**
 * Assemble the problem of this step from `contacts` (found at the poses `bodyQ`) and the
 * free-flight velocities `velocity` (nbody×6), with `startVelocity` (nbody×6) the
 * velocities at the start of the step they were predicted from: frames, Jacobian rows,
 * Delassus diagonal, friction, restitution bounds (see the file header). Impulses are
 * zeroed. Allocates nothing; `out.capacity` must be at least `contacts.count`.
 *
 * @example
 * buildContactProblem(model, settings, contacts, state.bodyQ, velocity, problem, state.bodyQd);
 */
export function buildContactProblem(
  model: Model,
  settings: HardContactSettings,
  contacts: Contacts,
  bodyQ: Float64Array,
  velocity: Float64Array,
  out: ContactProblem,
  startVelocity: Float64Array,
): ContactProblem {
  const count = contacts.count;
  if (count > out.capacity)
    throw new RangeError(`buildContactProblem: ${count} contacts exceed the capacity ${out.capacity}`);
  const w = out.worldInvInertia;
  for (let i = 0; i < model.nbody; i++) {
    worldInertiaMatrix(_invInertia, model.bodyInvInertia, 3 * i, bodyQ, Q_WIDTH * i + 3);
    w.set(_invInertia, 9 * i);
  }
  const dt = model.dt;
  out.dt = dt;
  let placed = false;
  for (let k = 0; k < count; k++) {
    const a = contacts.bodyA[k],
      b = contacts.bodyB[k];
    out.bodyA[k] = a;
    out.bodyB[k] = b;
    const invMassA = model.bodyInvMass[a],
      invMassB = model.bodyInvMass[b];
    out.invMass[2 * k] = invMassA;
    out.invMass[2 * k + 1] = invMassB;
    leverArmsAt(contacts.point, 3 * k, bodyQ, a, b);

    assembleRows(out, k, contacts.normal, 3 * k);
    // The rules of contact-rules.ts on plain numbers, written out rather than called: they
    // take and return \`Real\`s, and a double passed to or returned from a call V8 does not
    // inline is boxed (about 100 bytes per contact per step when this loop called them).
    // solver.test.ts checks every value here against the rule it stands for.
    // materials: geometric mean of the frictions (pairFriction), larger restitution (pairRestitution)
    const muA = model.bodyFriction[a],
      muB = model.bodyFriction[b];
    out.friction[k] = Math.sqrt(muA * muB);
    const eA = model.bodyRestitution[a],
      eB = model.bodyRestitution[b];
    const e = eA >= eB ? eA : eB;

    // the normal bound: restitution if the contact closes this step fast enough, else speculative
    const d = contacts.dist[k];
    const approach = contactVelocity(out, velocity, k, _u)[0];
    out.dist[k] = d;
    out.approach[k] = approach;
    // bounces: closing within the step (d + dt·u⁻ < 0) faster than the threshold, e > 0
    const bounce = e > 0 && approach < -settings.restitutionThreshold && d + dt * approach < 0;
    out.bounced[k] = bounce ? 1 : 0;
    out.impactFraction[k] = 0;
    out.slipTarget[2 * k] = 0;
    out.slipTarget[2 * k + 1] = 0;
    // a bounce that starts open happens at s·dt into the step (impactFraction): placed below
    if (bounce && settings.placeImpacts && d > 0) {
      out.impactFraction[k] = Math.min(1, d / (-dt * approach));
      placed = true;
    }
    // bounceBound −e·u⁻, else speculativeBound −max(d, 0)/dt (its resting-gap convention
    // changes derivatives only)
    out.bound[k] = bounce ? -(e * approach) : d > 0 ? -d / dt : 0;
    out.impulse[3 * k] = 0;
    out.impulse[3 * k + 1] = 0;
    out.impulse[3 * k + 2] = 0;
  }
  out.count = count;
  out.placed = placed;
  if (placed) placeImpacts(model, contacts, bodyQ, velocity, startVelocity, out);
  return out;
}

/**
 * Rebuild the contacts of the bodies in placed impacts at their time of impact (file
 * header): each body's world inertia at its earliest impact; each placed contact's
 * geometry, rows, bound and slip target at its own impact configuration; the other
 * contacts of those bodies' rows with the new inertia. Runs only in a step with a placed
 * impact (rare); allocates nothing but the geometry formula's few small arrays.
 */
function placeImpacts(
  model: Model,
  contacts: Contacts,
  bodyQ: Float64Array,
  velocity: Float64Array,
  startVelocity: Float64Array,
  out: ContactProblem,
): void {
  const dt = model.dt;
  const delay = out.impactDelay;
  delay.fill(-1);
  for (let k = 0; k < out.count; k++)
    if (out.impactFraction[k] > 0) refineImpactFraction(model, contacts, k, bodyQ, velocity, startVelocity, out);
  for (let k = 0; k < out.count; k++) {
    const s = out.impactFraction[k];
    if (s === 0) continue;
    for (let side = 0; side < 2; side++) {
      const body = side === 0 ? out.bodyA[k] : out.bodyB[k];
      if (!model.bodyStatic[body] && (delay[body] < 0 || s * dt < delay[body])) delay[body] = s * dt;
    }
  }
  const q = out.impactQ;
  for (let body = 0; body < model.nbody; body++) {
    if (delay[body] < 0) continue;
    flightPose(bodyQ, velocity, body, delay[body], q, Q_WIDTH * body);
    worldInertiaMatrix(_invInertia, model.bodyInvInertia, 3 * body, q, Q_WIDTH * body + 3);
    out.worldInvInertia.set(_invInertia, 9 * body);
  }
  for (let k = 0; k < out.count; k++) {
    const a = out.bodyA[k],
      b = out.bodyB[k];
    if (delay[a] < 0 && delay[b] < 0) continue;
    const s = out.impactFraction[k];
    if (s === 0) {
      // another contact of a body in an impact: same geometry, the impact's inertia
      leverArmsAt(contacts.point, 3 * k, bodyQ, a, b);
      assembleRows(out, k, contacts.normal, 3 * k);
      continue;
    }
    // both bodies where they are at this contact's impact, and the features' geometry there
    impactGeometry(model, contacts, k, bodyQ, velocity, s, q);
    assembleRows(out, k, _impactGeometry, 1);
    // the contact velocity of the free flight at the step's end and start, in the impact's rows:
    // the change (gravity, controls) splits at the impact, the part after it follows the impulse
    contactVelocity(out, velocity, k, _u);
    contactVelocity(out, startVelocity, k, _uStart);
    const e = pairRestitution(model.bodyRestitution[a], model.bodyRestitution[b]) as number;
    out.approach[k] = _u[0];
    out.bound[k] = impactBound(e, _u[0], changeAfterImpact(s, _u[0], _uStart[0])) as number;
    out.slipTarget[2 * k] = changeAfterImpact(s, _u[1], _uStart[1]) as number;
    out.slipTarget[2 * k + 1] = changeAfterImpact(s, _u[2], _uStart[2]) as number;
  }
}

/**
 * The geometry of contact k's features with both bodies advanced along their free flight
 * by s·dt (poses into `q` at the two bodies' rows): `_impactGeometry` = [dist, normal,
 * point], and the lever arms from the advanced centres in `_rA`, `_rB`.
 */
function impactGeometry(
  model: Model,
  contacts: Contacts,
  k: number,
  bodyQ: Float64Array,
  velocity: Float64Array,
  s: number,
  q: Float64Array,
): void {
  const a = contacts.bodyA[k],
    b = contacts.bodyB[k];
  const h = s * model.dt;
  flightPose(bodyQ, velocity, a, model.bodyStatic[a] ? 0 : h, q, Q_WIDTH * a);
  flightPose(bodyQ, velocity, b, model.bodyStatic[b] ? 0 : h, q, Q_WIDTH * b);
  _impactFeatures.bodyA[0] = a;
  _impactFeatures.bodyB[0] = b;
  _impactFeatures.pair[0] = contacts.pair[k];
  contactGeometryValues(model, _impactFeatures, q, model.geomSize, _impactGeometry);
  leverArmsAt(_impactGeometry, 4, q, a, b);
}

/**
 * One Newton step on the time of impact: s = d/(−u⁻·dt) extrapolates the gap linearly from
 * the start of the step, which misses its curvature (a spinning corner, two spheres passing
 * at a glancing angle) by O(dt) in s; the gap d' and its rate at the configuration s·dt
 * give s ← s + d'/(−rate·dt), second order. Kept only while the step's own time of impact
 * stays inside the step with a closing rate (else the linear s stays). The trace
 * (test/sim/hard/oracle/traced-step.ts) repeats it.
 */
function refineImpactFraction(
  model: Model,
  contacts: Contacts,
  k: number,
  bodyQ: Float64Array,
  velocity: Float64Array,
  startVelocity: Float64Array,
  out: ContactProblem,
): void {
  const s = out.impactFraction[k];
  impactGeometry(model, contacts, k, bodyQ, velocity, s, out.impactQ);
  // the gap's rate there: the normal velocity with the free flight's velocities at s·dt,
  // s·v* + (1 − s)·v, in the rows of that configuration (rebuilt at the refined s after)
  assembleRows(out, k, _impactGeometry, 1);
  const rate =
    s * contactVelocity(out, velocity, k, _u)[0] + (1 - s) * contactVelocity(out, startVelocity, k, _uStart)[0];
  out.impactFraction[k] = refinedImpactFraction(s, _impactGeometry[0], rate, model.dt) as number;
}

/**
 * After the solve of a step with a placed impact: `p.isolatedDelay` ← each body's impact
 * delay (`impactDelay`), or −1 where a contact that is not a placed impact carries an
 * impulse on the body (a resting or sliding contact beside the impact, whose constraint a
 * velocity change after the solve would break). Returns `p.isolatedDelay`.
 */
export function isolatedImpactDelays(p: ContactProblem): Float64Array {
  const out = p.isolatedDelay;
  out.set(p.impactDelay);
  for (let k = 0; k < p.count; k++) {
    if (p.impactFraction[k] > 0 || !(p.impulse[3 * k] > 0)) continue;
    out[p.bodyA[k]] = -1;
    out[p.bodyB[k]] = -1;
  }
  return out;
}
