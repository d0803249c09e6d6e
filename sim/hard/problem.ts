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
 * impact s·dt, s = d/(−u⁻·dt). With `settings.placeImpacts` its rows (lever arms) are
 * built at that configuration — centres advanced by s·dt·v*, the contact point by s·dt
 * times the velocity of the feature that carries it (a sphere's centre, a box's corner;
 * `impactCarrierWeight`) — and u⁻, b recomputed there; the
 * position pass then moves the bodies as if the impulse acted from s·dt on. The bound
 * is that of the continuous impact: with Δ the free-flight change of the normal velocity
 * over the step (gravity, controls; from `startVelocity`), the approach at impact is
 * u⁻ − (1 − s)Δ, reversed by e, and the remaining (1 − s)Δ still acts after it:
 * b = −e·(u⁻ − (1 − s)Δ) + (1 − s)Δ. Linear and
 * angular momentum are then conserved exactly by the step (the impulse acts at one point
 * of the configuration where the bodies are when it acts).
 */
import type { Contacts } from '../collision/contacts.ts';
import { worldInertiaMatrix } from '../integrator/worldInertia.ts';
import type { Model } from '../model.ts';
import { ShapeType } from '../shapes.ts';
import { duffFrame } from './frame.ts';
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
  /** (nbody×9) world inverse inertia of every body this step, 1/(kg·m²) */
  readonly worldInvInertia: Float64Array;
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
    bounced: new Uint8Array(capacity),
    impactFraction: new Float64Array(capacity),
    impulse: new Float64Array(3 * capacity),
    positionBound: new Float64Array(capacity),
    positionImpulse: new Float64Array(capacity),
    worldInvInertia: new Float64Array(9 * nbody),
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
  const a = QD_WIDTH * p.bodyA[k], b = QD_WIDTH * p.bodyB[k];
  const d = p.dir, ra = p.angA, rb = p.angB;
  const dvx = qd[b] - qd[a], dvy = qd[b + 1] - qd[a + 1], dvz = qd[b + 2] - qd[a + 2];
  const wax = qd[a + 3], way = qd[a + 4], waz = qd[a + 5];
  const wbx = qd[b + 3], wby = qd[b + 4], wbz = qd[b + 5];
  for (let j = 0; j < 3; j++) {
    const o = 9 * k + 3 * j;
    out[j] =
      d[o] * dvx + d[o + 1] * dvy + d[o + 2] * dvz +
      rb[o] * wbx + rb[o + 1] * wby + rb[o + 2] * wbz -
      ra[o] * wax - ra[o + 1] * way - ra[o + 2] * waz;
  }
  return out;
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
  const a = QD_WIDTH * p.bodyA[k], b = QD_WIDTH * p.bodyB[k];
  const o = 9 * k;
  const d = p.dir, ia = p.invAngA, ib = p.invAngB;
  const ln = impulse[0], l1 = impulse[1], l2 = impulse[2];
  // world impulse vector, and the angular velocity changes per body
  const px = ln * d[o] + l1 * d[o + 3] + l2 * d[o + 6];
  const py = ln * d[o + 1] + l1 * d[o + 4] + l2 * d[o + 7];
  const pz = ln * d[o + 2] + l1 * d[o + 5] + l2 * d[o + 8];
  const ma = p.invMass[2 * k], mb = p.invMass[2 * k + 1];
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

// ---- assembly ------------------------------------------------------------------------

// module scratch: lever arms, a body's world inverse inertia, and the doubles handed
// between helpers through arrays (a double crossing a call V8 does not inline is boxed)
const _rA = new Float64Array(3);
const _rB = new Float64Array(3);
const _invInertia = new Float64Array(9);
const _coupling = new Float64Array(4);
const _turn = new Float64Array(2);
const _delay = new Float64Array(1);
const _offsetA = new Float64Array(3);
const _offsetB = new Float64Array(3);
const _u = new Float64Array(3);

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
  const rx = r[0], ry = r[1], rz = r[2];
  const dx = dir[o], dy = dir[o + 1], dz = dir[o + 2];
  const cx = ry * dz - rz * dy, cy = rz * dx - rx * dz, cz = rx * dy - ry * dx;
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
  const a = p.angA, b = p.angB, ia = p.invAngA, ib = p.invAngB;
  _coupling[slot] =
    a[oi] * ia[oj] + a[oi + 1] * ia[oj + 1] + a[oi + 2] * ia[oj + 2] +
    b[oi] * ib[oj] + b[oi + 1] * ib[oj + 1] + b[oi + 2] * ib[oj + 2];
}

/**
 * Turn two rows by the angle whose cosine and sine are `_turn[0..1]`:
 * out[o..o+2] ← c·x + s·y, out[o+3..o+5] ← −s·x + c·y.
 */
function turnRows(out: Float64Array, o: number): void {
  const c = _turn[0], s = _turn[1];
  for (let i = 0; i < 3; i++) {
    const x = out[o + i], y = out[o + 3 + i];
    out[o + i] = c * x + s * y;
    out[o + 3 + i] = -s * x + c * y;
  }
}

/**
 * Frame, Jacobian rows and Delassus diagonal of contact k (bodies and inverse masses
 * already set) for the normal (nx, ny, nz) and the lever arms in `_rA`, `_rB`.
 */
function assembleRows(out: ContactProblem, k: number, normal: Float64Array): void {
  const w = out.worldInvInertia;
  const a = out.bodyA[k], b = out.bodyB[k];
  const dir = out.dir;
  // frame: n and a first tangent pair (Duff et al. 2017, branchless orthonormal basis)
  const o = 9 * k;
  duffFrame(dir, o, normal, 3 * k);
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
  const w11 = linear + _coupling[0], w22 = linear + _coupling[1], w12 = _coupling[2];
  const theta = 0.5 * Math.atan2(2 * w12, w11 - w22);
  const c = Math.cos(theta), s = Math.sin(theta);
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
 * Which body carries a placed impact's contact point between the start of the step and
 * the impact: the weight of body A's carrier velocity in the contact point's velocity
 * (B's is 1 − it). The point is where the two surfaces meet, so it moves with the feature
 * that defines it: a round shape's lowest point (sphere, capsule) follows that shape, a box
 * corner on a face follows the box, nothing follows a static body. Ranks: static −1 <
 * box 1 < round 2; the higher carries, a tie (two dynamic boxes, two spheres) splits it
 * evenly. Constant per contact (a choice of feature, like the contact set).
 *
 * @example
 * const wA = impactCarrierWeight(model, a, b); // sphere B on the static ground: 0
 */
export function impactCarrierWeight(model: Model, a: number, b: number): number {
  const rankA = carrierRank(model, a), rankB = carrierRank(model, b);
  return rankA > rankB ? 1 : rankA < rankB ? 0 : 0.5;
}

function carrierRank(model: Model, body: number): number {
  if (model.bodyStatic[body]) return -1;
  const type = model.geomType[body];
  return type === ShapeType.sphere || type === ShapeType.capsule ? 2 : 1;
}

/**
 * The offset from body `body`'s centre to the point of it that carries the contact point,
 * for a contact with lever arm `r` (centre → contact point) and unit normal n (A → B),
 * `side` = −1 for body A, +1 for body B; into `out[0..2]`. A sphere's carrying point is its
 * centre (its lowest point translates with it, whatever its spin), a capsule's the centre
 * of the hemisphere or segment point under the contact (r ± radius·n), any other shape's
 * the material point at the contact (r itself).
 */
function carrierOffset(model: Model, body: number, r: Float64Array, normal: Float64Array, k: number, side: number, out: Float64Array): void {
  const type = model.geomType[body];
  const reach = type === ShapeType.sphere ? 1 : 0;
  const radius = type === ShapeType.capsule ? side * model.geomSize[4 * body] : 0;
  for (let i = 0; i < 3; i++) out[i] = (1 - reach) * (r[i] + radius * normal[3 * k + i]);
}

/**
 * Move the lever arms in `_rA`, `_rB` to the configuration at the time of impact,
 * `_delay[0]` = s·dt into the step: both centres advance by s·dt·v, the contact point by
 * s·dt times the velocity of its carrier ({@link impactCarrierWeight}) across the normal
 * and midway between the two surfaces along it. Velocities are the free-flight ones in `qd`.
 */
function leverArmsAtImpact(model: Model, qd: Float64Array, normal: Float64Array, k: number, a: number, b: number): void {
  const delay = _delay[0];
  // impactCarrierWeight, from the ranks (integers) so that no double crosses a call
  const rankOrder = carrierRank(model, a) - carrierRank(model, b);
  const weightA = rankOrder > 0 ? 1 : rankOrder < 0 ? 0 : 0.5;
  const va = QD_WIDTH * a, vb = QD_WIDTH * b;
  carrierOffset(model, a, _rA, normal, k, -1, _offsetA);
  carrierOffset(model, b, _rB, normal, k, 1, _offsetB);
  const ax = _offsetA[0], ay = _offsetA[1], az = _offsetA[2], bx = _offsetB[0], by = _offsetB[1], bz = _offsetB[2];
  // carrier velocities v + ω × offset of A and B
  const pa0 = qd[va] + qd[va + 4] * az - qd[va + 5] * ay;
  const pa1 = qd[va + 1] + qd[va + 5] * ax - qd[va + 3] * az;
  const pa2 = qd[va + 2] + qd[va + 3] * ay - qd[va + 4] * ax;
  const pb0 = qd[vb] + qd[vb + 4] * bz - qd[vb + 5] * by;
  const pb1 = qd[vb + 1] + qd[vb + 5] * bx - qd[vb + 3] * bz;
  const pb2 = qd[vb + 2] + qd[vb + 3] * by - qd[vb + 4] * bx;
  const weightB = 1 - weightA;
  let m0 = weightA * pa0 + weightB * pb0, m1 = weightA * pa1 + weightB * pb1, m2 = weightA * pa2 + weightB * pb2;
  // along n the point stays midway between the two surfaces: the mean of their normal
  // velocities at it (material points v + ω × r), so at the impact the gap has closed
  const nx = normal[3 * k], ny = normal[3 * k + 1], nz = normal[3 * k + 2];
  const rA0 = _rA[0], rA1 = _rA[1], rA2 = _rA[2], rB0 = _rB[0], rB1 = _rB[1], rB2 = _rB[2];
  const surfaceA = nx * (qd[va] + qd[va + 4] * rA2 - qd[va + 5] * rA1) + ny * (qd[va + 1] + qd[va + 5] * rA0 - qd[va + 3] * rA2) + nz * (qd[va + 2] + qd[va + 3] * rA1 - qd[va + 4] * rA0);
  const surfaceB = nx * (qd[vb] + qd[vb + 4] * rB2 - qd[vb + 5] * rB1) + ny * (qd[vb + 1] + qd[vb + 5] * rB0 - qd[vb + 3] * rB2) + nz * (qd[vb + 2] + qd[vb + 3] * rB1 - qd[vb + 4] * rB0);
  const normalShift = 0.5 * (surfaceA + surfaceB) - (nx * m0 + ny * m1 + nz * m2);
  m0 += normalShift * nx;
  m1 += normalShift * ny;
  m2 += normalShift * nz;
  _rA[0] += delay * (m0 - qd[va]);
  _rA[1] += delay * (m1 - qd[va + 1]);
  _rA[2] += delay * (m2 - qd[va + 2]);
  _rB[0] += delay * (m0 - qd[vb]);
  _rB[1] += delay * (m1 - qd[vb + 1]);
  _rB[2] += delay * (m2 - qd[vb + 2]);
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
  if (count > out.capacity) throw new RangeError(`buildContactProblem: ${count} contacts exceed the capacity ${out.capacity}`);
  const w = out.worldInvInertia;
  for (let i = 0; i < model.nbody; i++) {
    worldInertiaMatrix(_invInertia, model.bodyInvInertia, 3 * i, bodyQ, Q_WIDTH * i + 3);
    w.set(_invInertia, 9 * i);
  }
  const dt = model.dt;
  for (let k = 0; k < count; k++) {
    const a = contacts.bodyA[k], b = contacts.bodyB[k];
    out.bodyA[k] = a;
    out.bodyB[k] = b;
    const invMassA = model.bodyInvMass[a], invMassB = model.bodyInvMass[b];
    out.invMass[2 * k] = invMassA;
    out.invMass[2 * k + 1] = invMassB;
    for (let i = 0; i < 3; i++) {
      const point = contacts.point[3 * k + i];
      _rA[i] = point - bodyQ[Q_WIDTH * a + i];
      _rB[i] = point - bodyQ[Q_WIDTH * b + i];
    }

    assembleRows(out, k, contacts.normal);
    // materials: geometric mean of the frictions, larger restitution
    out.friction[k] = Math.sqrt(model.bodyFriction[a] * model.bodyFriction[b]);
    const e = Math.max(model.bodyRestitution[a], model.bodyRestitution[b]);

    // the normal bound: restitution if the contact closes this step fast enough, else speculative
    const d = contacts.dist[k];
    const approach = contactVelocity(out, velocity, k, _u)[0];
    out.dist[k] = d;
    out.approach[k] = approach;
    const bounce = e > 0 && approach < -settings.restitutionThreshold && d + dt * approach < 0;
    out.bounced[k] = bounce ? 1 : 0;
    out.impactFraction[k] = 0;
    if (bounce && settings.placeImpacts && d > 0) {
      // the impact happens at s·dt into the step: its impulse acts through the lever arms
      // of that configuration (which keeps angular momentum exact with the placement)
      const fraction = Math.min(1, d / (-approach * dt));
      out.impactFraction[k] = fraction;
      _delay[0] = fraction * dt;
      leverArmsAtImpact(model, velocity, contacts.normal, k, a, b);
      assembleRows(out, k, contacts.normal);
      const approachAtImpact = contactVelocity(out, velocity, k, _u)[0];
      out.approach[k] = approachAtImpact;
      // the free-flight change of the normal velocity over the step (gravity, controls) splits
      // at the impact: the part before it is reversed with the approach, the rest follows
      const change = approachAtImpact - contactVelocity(out, startVelocity, k, _u)[0];
      out.bound[k] = -e * (approachAtImpact - (1 - fraction) * change) + (1 - fraction) * change;
    } else {
      out.bound[k] = bounce ? -e * approach : -Math.max(d, 0) / dt;
    }
    out.impulse[3 * k] = 0;
    out.impulse[3 * k + 1] = 0;
    out.impulse[3 * k + 2] = 0;
  }
  out.count = count;
  return out;
}
