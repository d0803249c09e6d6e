/**
 * The forward values of a hard step's contact part, computed once from the step's record
 * and its one-step input, for the two hand-written linearizations of the step: the adjoint
 * (step-adjoint.ts) and the tangent (step-tangent.ts). Both read the same values (so both
 * differentiate the same function at the same point):
 *
 *   contact geometry (the narrowphase's, from the record)  →  world inverse inertia  →
 *   frames (Duff)  →  θ of the impulse solve: v*, per contact (frame, r_A, r_B, μ, b),
 *   M⁻¹, I_w⁻¹  →  λ in those frames  →  the solve's values [v⁺ | λ]  →  the touched bodies
 *
 * A placed impact (a bounce solved at its time of impact, only the adjoint takes those)
 * changes its contact's normal, lever arms and bound and its bodies' inertia: those come
 * from `placed` (placed-adjoint.ts), whose forward runs here on the same step.
 */
import { copyInto } from '../driver/records.ts';
import { duffFrame } from './frame.ts';
import { SliceCopy } from './slice-copy.ts';
import { contactRowVelocity, impulseSolveValues, type ImpulseStructure } from './impulse-adjoint.ts';
import {
  CONTACT_BOUND,
  CONTACT_MU,
  CONTACT_SLIP_TARGET,
  CONTACT_R_A,
  CONTACT_R_B,
  IMPULSE_CONTACT_WIDTH,
  impulseLayout,
  impulseLayoutInto,
  type ImpulseLayout,
} from './impulse-layout.ts';
import type { PlacedImpacts } from './placed-adjoint.ts';
import { worldInertiaMatrix } from '../integrator/worldInertia.ts';
import type { HardStepRecord, TracedStepContext } from './record.ts';

/** Which bound formula a contact took (contact-rules.ts): deeper than the resting gap, b = 0 constant. */
export const BOUND_CONSTANT = 0;
/** b = −e·u⁻ */
export const BOUND_BOUNCE = 1;
/** b = −max(d, 0)/dt, a resting contact on the open side */
export const BOUND_GAP = 2;
/** a placed impact: impactBound at the impact (placed-adjoint.ts) */
export const BOUND_PLACED = 3;

const _w = new Float64Array(9);

/** Floats of a pose (position, quaternion) per body; of a size row. */
const POSE = 7;
const SIZE = 4;

/**
 * The values of one step (buffers per context, the per-contact ones grown to the most
 * contacts seen). After {@link stepValues}: the fields below hold that step's.
 */
export class StepValues {
  readonly n: number;
  /** the geometry's input [q (7n) | sizes (4n)] at the start of the step, and views of its two parts */
  readonly xg: Float64Array;
  readonly xgQ: Float64Array;
  readonly xgSize: Float64Array;
  /** world inverse inertia of the dynamic bodies: input [q (4 per body) | d (3 per)] (its values go into θ) */
  readonly xw: Float64Array;
  /** the dynamic bodies the contacts touch, in order of first appearance (`nm` of them), and a mark per body */
  readonly moving: Int32Array;
  readonly isMoving: Uint8Array;
  /** the impulse solve's fixed structure (bodies per contact, λ) */
  readonly solve: ImpulseStructure & { count: number; bodyA: Int32Array; bodyB: Int32Array; lambda: Float64Array };
  /** contacts, placed impacts and touched bodies of the last step */
  count = 0;
  np = 0;
  nm = 0;
  capacity = -1;
  /** [d (c) | n (3c) | point (3c)] */
  geom = new Float64Array(0);
  /** the normals the frames (in θ) are built from (a placed impact's: at the impact) */
  normals = new Float64Array(0);
  theta = new Float64Array(0);
  lambda = new Float64Array(0);
  /** per contact: its bound formula (BOUND_*), its index among the placed impacts or −1, a bounce's approach speed */
  boundKind = new Uint8Array(0);
  /**
   * per contact: 1 when it carried no impulse and places no impact, and the values were
   * asked without such contacts (the adjoint's): its frame, θ block (zero) and bound are
   * not computed, since its θ̄ is zero (impulse-adjoint.ts: a separated contact drops out)
   */
  idle = new Uint8Array(0);
  placedIndex = new Int32Array(0);
  approach = new Float64Array(0);
  /** [v⁺ (6n) | λ (3c)] */
  solved = new Float64Array(0);
  /** fixed-slice copies (slice-copy.ts): x's poses and sizes into xg, v* into θ */
  readonly toXg = [new SliceCopy(), new SliceCopy()];
  readonly toTheta = new SliceCopy();
  /** θ's layout for the last step's contacts */
  readonly layout: ImpulseLayout = impulseLayout(0, 0);

  constructor(ctx: TracedStepContext) {
    const n = (this.n = ctx.model.nbody);
    this.xg = new Float64Array((POSE + SIZE) * n);
    this.xgQ = this.xg.subarray(0, POSE * n);
    this.xgSize = this.xg.subarray(POSE * n);
    const nd = ctx.dynamicBodies.length;
    this.xw = new Float64Array(7 * nd);
    this.moving = new Int32Array(n);
    this.isMoving = new Uint8Array(n);
    this.solve = {
      nbody: n,
      count: 0,
      bodyA: new Int32Array(0),
      bodyB: new Int32Array(0),
      isStatic: ctx.model.bodyStatic,
      lambda: new Float64Array(0),
    };
  }

  /** Room for `c` contacts (grown to at least twice the old room when short); true when it grew. */
  ensureContacts(c: number): boolean {
    if (c <= this.capacity) return false;
    const cap = Math.max(c, 2 * this.capacity, 4);
    const n = this.n;
    this.capacity = cap;
    this.geom = new Float64Array(7 * cap);
    this.normals = new Float64Array(3 * cap);
    this.theta = new Float64Array(impulseLayout(n, cap).size);
    this.lambda = new Float64Array(3 * cap);
    this.boundKind = new Uint8Array(cap);
    this.idle = new Uint8Array(cap);
    this.placedIndex = new Int32Array(cap);
    this.approach = new Float64Array(cap);
    this.solved = new Float64Array(6 * n + 3 * cap);
    return true;
  }
}

/**
 * Fill `v` with the values of the step `rec` (module header) from its input `x` and its
 * free-flight velocities `vStar`; `placed`: the context's placed impacts, run forward on
 * this step here (null when the caller takes none: the tangent). `skipIdle`: leave out the
 * values of the contacts that carried no impulse (`v.idle`), which the adjoint does not
 * read; the tangent reads them (its decisions' margins).
 */
export function stepValues(
  ctx: TracedStepContext,
  v: StepValues,
  rec: HardStepRecord,
  x: Float64Array,
  vStar: Float64Array,
  placed: PlacedImpacts | null,
  skipIdle = false,
  keptInertia: Float64Array | null = null,
  keptAt = 0,
): void {
  const { model, L } = ctx;
  const n = model.nbody;
  const dt = model.dt;
  const contacts = rec.contacts;
  const c = contacts.count;
  v.ensureContacts(c);
  v.count = c;
  // contact geometry of the fixed features, [d (c) | n (3c) | point (3c)]: its values are the
  // narrowphase's, which the step recorded; its adjoint and tangent need only the inputs [q | sizes]
  const geom = v.geom;
  copyInto(geom, 0, contacts.dist, 0, c);
  copyInto(geom, c, contacts.normal, 0, 3 * c);
  copyInto(geom, 4 * c, contacts.point, 0, 3 * c);
  v.toXg[0].copy(v.xg, 0, x, L.q, POSE * n);
  v.toXg[1].copy(v.xg, POSE * n, x, L.geomSize, SIZE * n);
  // placed impacts: each one's time and geometry at the impact, each body's pose at its earliest
  const np = (v.np = placed === null ? 0 : placed.forward(rec, x, v.xgQ, v.xgSize, vStar));
  // world inverse inertia of the dynamic bodies (a body in a placed impact: at the pose of its earliest)
  const dynamic = ctx.dynamicBodies;
  const nd = dynamic.length;
  const xw = v.xw;
  for (let j = 0; j < nd; j++) {
    const b = dynamic[j];
    for (let z = 0; z < 4; z++) xw[4 * j + z] = x[L.q + POSE * b + 3 + z];
    for (let z = 0; z < 3; z++) xw[4 * nd + 3 * j + z] = x[L.invInertia + 3 * b + z];
  }
  if (placed !== null && np > 0)
    for (let j = 0; j < nd; j++) {
      const b = dynamic[j];
      if (placed.earliestOf[b] >= 0) for (let z = 0; z < 4; z++) xw[4 * j + z] = placed.impactPose[POSE * b + 3 + z];
    }
  // θ of the solve: v*, per contact (frame, r_A, r_B, μ, b, slip target), M⁻¹, I_w⁻¹;
  // written in place (each value once: no zero fill of θ first, no frames or inertias
  // beside it), zero where nothing is written (static bodies, idle contacts, the bounds
  // and slip targets their rule leaves at 0)
  const IM = impulseLayoutInto(v.layout, n, c);
  const theta = v.theta;
  v.toTheta.copy(theta, IM.velocity, vStar, 0, 6 * n);
  theta.fill(0, IM.invMass, IM.size);
  // world inverse inertia (pose-kernels.ts worldInvInertiaValues, body by body; a body not
  // in a placed impact takes the step's own, kept by the forward pass from the same
  // expression when given)
  for (let j = 0; j < nd; j++) {
    const b = dynamic[j];
    theta[IM.invMass + b] = x[L.invMass + b];
    const to = IM.invInertia + 9 * b;
    if (keptInertia !== null && (np === 0 || placed === null || placed.earliestOf[b] < 0))
      for (let i = 0; i < 9; i++) theta[to + i] = keptInertia[keptAt + 9 * b + i];
    else {
      worldInertiaMatrix(_w, xw, 4 * nd + 3 * j, xw, 4 * j);
      for (let i = 0; i < 9; i++) theta[to + i] = _w[i];
    }
  }
  // frames (a placed impact's from its normal at the impact), into θ
  const normals = v.normals;
  copyInto(normals, 0, geom, c, 3 * c);
  const placedIndex = v.placedIndex;
  placedIndex.fill(-1, 0, c);
  if (placed !== null)
    for (let i = 0; i < np; i++) {
      const k = placed.contact[i];
      placedIndex[k] = i;
      for (let z = 0; z < 3; z++) normals[3 * k + z] = placed.g2[7 * i + 1 + z];
    }
  const idle = v.idle;
  const impulse = rec.impulse;
  const lambda = v.lambda;
  const boundKind = v.boundKind,
    approach = v.approach;
  boundKind.fill(BOUND_CONSTANT, 0, c);
  const qStart = v.xgQ;
  for (let k = 0; k < c; k++) {
    const a = contacts.bodyA[k],
      b = contacts.bodyB[k];
    const o = IM.contacts + IMPULSE_CONTACT_WIDTH * k;
    idle[k] =
      skipIdle &&
      placedIndex[k] < 0 &&
      rec.positionActive[k] === 0 &&
      impulse[3 * k] === 0 &&
      impulse[3 * k + 1] === 0 &&
      impulse[3 * k + 2] === 0
        ? 1
        : 0;
    if (idle[k] !== 0) {
      // λ = 0 exactly (the world impulse is 0): the islands leave the contact out
      theta.fill(0, o, o + IMPULSE_CONTACT_WIDTH);
      lambda[3 * k] = 0;
      lambda[3 * k + 1] = 0;
      lambda[3 * k + 2] = 0;
      continue;
    }
    const d = geom[k];
    duffFrame(theta, o, normals, 3 * k);
    theta[o + CONTACT_BOUND] = 0;
    theta[o + CONTACT_SLIP_TARGET] = 0;
    theta[o + CONTACT_SLIP_TARGET + 1] = 0;
    // The rules of contact-rules.ts on plain numbers, written out rather than called (as
    // problem.ts does): they take and return `Real`s, a double returned from a call V8
    // does not inline is boxed, and their ad ops on numbers branch on the type per entry.
    // The tests hold this path equal to the trace, which calls the rules.
    // lever arms (leverArms): r_A = p − x_A, r_B = p − x_B (at a placed impact: where the
    // point and the bodies are at the impact)
    const pi = placedIndex[k];
    if (pi < 0) {
      const po = 4 * c + 3 * k;
      for (let i = 0; i < 3; i++) {
        const p = geom[po + i];
        theta[o + CONTACT_R_A + i] = p - qStart[POSE * a + i];
        theta[o + CONTACT_R_B + i] = p - qStart[POSE * b + i];
      }
    } else if (placed !== null) {
      const g = placed.g2,
        q = placed.q2;
      for (let i = 0; i < 3; i++) {
        const p = g[7 * pi + 4 + i];
        theta[o + CONTACT_R_A + i] = p - q[2 * POSE * pi + i];
        theta[o + CONTACT_R_B + i] = p - q[2 * POSE * pi + POSE + i];
      }
    }
    // pairFriction: √(μ_A μ_B)
    theta[o + CONTACT_MU] = Math.sqrt(x[L.friction + a] * x[L.friction + b]);
    if (pi >= 0) {
      // impactBound and the slip targets: once the frames are in θ (placed.bounds below)
      boundKind[k] = BOUND_PLACED;
    } else if (rec.bounced[k]) {
      boundKind[k] = BOUND_BOUNCE;
      const u = contactRowVelocity(theta, o, vStar, a, b, 0);
      approach[k] = u;
      // bounceBound −e·u⁻ with e the pair's (pairRestitution: the larger, the first at a tie)
      const eA = x[L.restitution + a],
        eB = x[L.restitution + b];
      theta[o + CONTACT_BOUND] = -((eA >= eB ? eA : eB) * u);
    } else if (d > -ctx.restingGap) {
      // speculativeBound −max(d, 0)/dt; a resting contact on the open side of its kink
      // (value 0, derivative −1/dt below)
      boundKind[k] = BOUND_GAP;
      theta[o + CONTACT_BOUND] = d > 0 ? -d / dt : 0;
    }
    for (let j = 0; j < 3; j++) {
      const f = o + 3 * j;
      lambda[3 * k + j] =
        rec.impulse[3 * k] * theta[f] + rec.impulse[3 * k + 1] * theta[f + 1] + rec.impulse[3 * k + 2] * theta[f + 2];
    }
  }
  if (placed !== null && np > 0) placed.bounds(theta, IM.contacts, x, vStar);
  const solve = v.solve;
  solve.count = c;
  solve.bodyA = contacts.bodyA;
  solve.bodyB = contacts.bodyB;
  solve.lambda = lambda;
  impulseSolveValues(solve, theta, v.solved, skipIdle ? idle : null);
  v.nm = touchedBodies(ctx, rec, v);
}

/**
 * The dynamic bodies a step's contacts touch, in order of first appearance (test/sim/hard/oracle/traced-step.ts),
 * into `sc.moving` (marked in `sc.isMoving`); returns their count.
 */
export function touchedBodies(
  ctx: TracedStepContext,
  rec: HardStepRecord,
  sc: { readonly isMoving: Uint8Array; readonly moving: Int32Array },
): number {
  const isStatic = ctx.model.bodyStatic;
  sc.isMoving.fill(0);
  let count = 0;
  for (let k = 0; k < rec.contacts.count; k++) {
    for (let end = 0; end < 2; end++) {
      const b = end === 0 ? rec.contacts.bodyA[k] : rec.contacts.bodyB[k];
      if (isStatic[b] || sc.isMoving[b]) continue;
      sc.isMoving[b] = 1;
      sc.moving[count++] = b;
    }
  }
  return count;
}
