/**
 * The hard step's adjoint composed by hand from its kernels' rules, without a tape: the
 * same chain as the trace in test/sim/hard/oracle/traced-step.ts (free flight → contact geometry → frames,
 * world inertia, lever arms, friction, bounds → impulse solve → poses), each kernel's
 * forward run once for the values the next needs and its hand-written adjoint run
 * backward, Warp-style. The contact geometry's values are the step's own record (the
 * narrowphase's), and the poses are not recomputed: those two rules' adjoints need only
 * their inputs.
 *
 * Covers every step, those that place an impact included (the chain of the impact's time,
 * geometry, bound, inertia, gyroscopic term and move after it: placed-adjoint.ts). The
 * trace stays the reference: the tests compare the two on steps of every contact kind
 * (test/sim/hard/step-adjoint.test.ts).
 *
 * In: the one-step input `x` (the rollout layout for one step: state, parameters, this
 * step's controls) and the cotangent `ybar` of [q' (7n) | q̇' (6n)]. Out: x̄.
 */
import { contactGeometryAdjoint } from '../contact/geometry.ts';
import {
  VELOCITY_KEPT_PER_BODY,
  integrateAdjoint,
  integratorLayout,
  type IntegratorParams,
} from '../integrator/semiImplicitEuler.ts';
import { addInto } from '../driver/records.ts';
import { restitutionBody } from './contact-rules.ts';
import { contactFramesAdjoint } from './frame.ts';
import { impulseAdjointInto } from './impulse-adjoint.ts';
import { predictVelocities } from './integrate.ts';
import {
  CONTACT_BOUND,
  CONTACT_MU,
  CONTACT_R_A,
  CONTACT_R_B,
  IMPULSE_CONTACT_WIDTH,
  impulseLayout,
} from './impulse-layout.ts';
import {
  advancePosesAdjoint,
  dropIsotropicOrientation,
  POSE_INPUT_WIDTH,
  POSE_OUTPUT_WIDTH,
  worldInvInertiaAdjoint,
} from './pose-kernels.ts';
import { PlacedImpacts, sideVelocityAdjoint } from './placed-adjoint.ts';
import { unplacedDriftOf } from './position-adjoint.ts';
import { BOUND_BOUNCE, BOUND_GAP, BOUND_PLACED, stepValues, StepValues } from './step-values.ts';
import type { HardStepRecord, TracedStepContext } from './record.ts';
import { freeFlightLayout } from './step.ts';
import { SliceCopy } from './slice-copy.ts';

/** Whether the step places an impact (a bounce solved at its time of impact inside the step). */
export function placesImpact(rec: HardStepRecord): boolean {
  for (let k = 0; k < rec.contacts.count; k++) if (rec.impactFraction[k] > 0) return true;
  return false;
}

/**
 * x̄ = (∂step/∂x)ᵀ ȳ of one step, written to `out` when given (length `x.length`,
 * overwritten) or to a new array. `free`: the step's free flight as its forward pass kept
 * it (step.ts `HardFreeFlight`, in `free.values` from `free.at`), read instead of computed
 * again; null: computed here.
 *
 * @example
 * const xbar = hardStepAdjoint(ctx, rec, x, ybar); // = tracedPullback(ctx, rec, x, ybar) to rounding
 */
export function hardStepAdjoint(
  ctx: TracedStepContext,
  rec: HardStepRecord,
  x: Float64Array,
  ybar: Float64Array,
  out?: Float64Array,
  free: KeptFreeFlight | null = null,
): Float64Array {
  const { model, L } = ctx;
  const n = model.nbody;
  const c = rec.contacts.count;
  const xbar = out ?? new Float64Array(x.length);
  if (out !== undefined) xbar.fill(0);
  // a zero cotangent pulls back to zero (as a tape's sweep skips an entry nobody reads):
  // common in hard mode, where a resting contact pins what the loss depends on
  if (isZero(ybar, 0, ybar.length)) return xbar;
  const sc = scratchOf(ctx);
  sc.ensure(c);

  // ---- forward: free flight, then (below) each contact kernel once ----
  const IL = sc.IL;
  const xi = sc.xi;
  sc.toXi[0].copy(xi, IL.q, x, L.q, 13 * n);
  const bodies = ctx.controlBodies;
  for (let j = 0; j < bodies.length; j++)
    for (let z = 0; z < 6; z++) xi[IL.wrench + 6 * bodies[j] + z] = x[L.controls + 6 * j + z];
  sc.toXi[1].copy(xi, IL.invMass, x, L.invMass, n);
  sc.toXi[2].copy(xi, IL.invInertia, x, L.invInertia, 3 * n);
  sc.toXi[3].copy(xi, IL.gravity, x, L.gravity, 3);
  const F = sc.F;
  if (free === null) predictVelocities(sc.params, sc.xiQ, sc.xiQd, sc.xiWrench, sc.freeQd, sc.kept);
  else {
    const fv = free.values,
      at = free.at;
    const vStar = sc.freeQd,
      kept = sc.kept;
    for (let j = 0; j < 6 * n; j++) vStar[j] = fv[at + F.velocity + j];
    for (let j = 0; j < kept.length; j++) kept[j] = fv[at + F.gyroscopic + j];
  }
  const freeBar = sc.freeBar;
  if (c === 0) {
    sc.toFreeBar.copy(freeBar, 0, ybar, 0, 13 * n);
    // as a step with contacts leaves them (the solve's adjoint: v̄* = 0 on a static body)
    dropStaticVelocities(freeBar, 7 * n, model.bodyStatic);
  } else {
    freeBar.fill(0);
    contactAdjoint(ctx, sc, rec, x, ybar, xbar, free);
  }
  const xiBar = integrateAdjoint(ctx.integratorConfig, xi, freeBar, sc.xiBar, sc.kept);
  dropIsotropicOrientation(xiBar, IL.q, freeBar, 0, x, L.invInertia, model.bodyStatic);
  addInto(xbar, L.q, xiBar, IL.q, 13 * n);
  for (let j = 0; j < bodies.length; j++)
    for (let z = 0; z < 6; z++) xbar[L.controls + 6 * j + z] += xiBar[IL.wrench + 6 * bodies[j] + z];
  addInto(xbar, L.invMass, xiBar, IL.invMass, n);
  addInto(xbar, L.invInertia, xiBar, IL.invInertia, 3 * n);
  addInto(xbar, L.gravity, xiBar, IL.gravity, 3);
  return xbar;
}

/** The contact part of the step's adjoint (a step with contacts): fills `sc.freeBar` and adds into `xbar`. */
function contactAdjoint(
  ctx: TracedStepContext,
  sc: StepAdjointScratch,
  rec: HardStepRecord,
  x: Float64Array,
  ybar: Float64Array,
  xbar: Float64Array,
  free: KeptFreeFlight | null,
): void {
  const { model, L } = ctx;
  const n = model.nbody;
  const dt = model.dt;
  const contacts = rec.contacts;
  const c = contacts.count;
  const vStar = sc.freeQd;
  // the values (step-values.ts), placed impacts included
  const placed = sc.placed;
  stepValues(ctx, sc, rec, x, vStar, placed, true, free?.values ?? null, (free?.at ?? 0) + sc.F.inertia);
  const np = sc.np;
  const { normals, theta, lambda, boundKind, approach, placedIndex, solved, xw, solve, idle } = sc;
  const dynamic = ctx.dynamicBodies;
  const nd = dynamic.length;
  const IM = sc.layout; // (stepValues': this step's)
  const nm = sc.nm;
  const moving = sc.moving,
    isMoving = sc.isMoving;
  // poses of the bodies the contacts touched, from v⁺ and the position pass's (constant)
  // pseudo-velocities; the poses themselves are not needed (the adjoint reads only inputs)
  const xp = sc.xp;
  for (let j = 0; j < nm; j++) {
    const b = moving[j];
    const o = POSE_INPUT_WIDTH * j;
    for (let z = 0; z < 7; z++) xp[o + z] = x[L.q + 7 * b + z];
    for (let i = 0; i < 6; i++) xp[o + 7 + i] = solved[6 * b + i] + (rec.moved ? rec.pseudo[6 * b + i] : 0);
  }

  // ---- backward ----
  // q' of untouched bodies is the free flight's; q̇' = v⁺ for every body
  const freeBar = sc.freeBar;
  for (let b = 0; b < n; b++) if (!isMoving[b]) for (let z = 0; z < 7; z++) freeBar[7 * b + z] = ybar[7 * b + z];
  const solvedBar = sc.solvedBar;
  solvedBar.fill(0, 0, 6 * n + 3 * c);
  sc.toSolvedBar.copy(solvedBar, 0, ybar, 7 * n, 6 * n);
  const posesBar = sc.posesBar;
  for (let j = 0; j < nm; j++)
    for (let z = 0; z < 7; z++) posesBar[POSE_OUTPUT_WIDTH * j + z] = ybar[7 * moving[j] + z];
  const xpBar = sc.xpBar;
  if (isZero(posesBar, 0, POSE_OUTPUT_WIDTH * nm)) xpBar.fill(0, 0, POSE_INPUT_WIDTH * nm);
  else advancePosesAdjoint(nm, dt, xp, posesBar, xpBar);
  for (let j = 0; j < nm; j++) {
    const b = moving[j];
    const o = POSE_INPUT_WIDTH * j;
    for (let z = 0; z < 7; z++) xbar[L.q + 7 * b + z] += xpBar[o + z];
    for (let z = 0; z < 6; z++) solvedBar[6 * b + z] += xpBar[o + 7 + z];
  }

  if (np > 0) {
    // the move after each placed impact (its λ, s, lever arms, inertia), and the gyroscopic
    // term after the impacts: both read v⁺'s or λ's cotangent before the solve's adjoint
    const poseVelBar = sc.poseVelBar;
    poseVelBar.fill(0);
    for (let j = 0; j < nm; j++)
      for (let z = 0; z < 6; z++) poseVelBar[6 * moving[j] + z] = xpBar[POSE_INPUT_WIDTH * j + 7 + z];
    placed.moveBackward(theta, IM.contacts, IM.invInertia, lambda, solved, x, poseVelBar, solvedBar, xbar);
    placed.gyroscopicBackward(ybar, solved, lambda, sc.xi, solvedBar, xbar);
  }
  // the drift correction on a step without a placed impact (position-adjoint.ts), its active set fixed
  const drift = np === 0 && rec.moved ? unplacedDriftOf(ctx) : null;
  const drifted =
    drift !== null &&
    drift.backward(
      rec,
      theta,
      IM.contacts,
      IM.invInertia,
      lambda,
      solved,
      x,
      xpBar,
      POSE_INPUT_WIDTH,
      moving,
      nm,
      solvedBar,
      xbar,
    );
  const thetaBar = sc.thetaBar;
  if (isZero(solvedBar, 0, 6 * n + 3 * c)) thetaBar.fill(0, 0, IM.size);
  else impulseAdjointInto(solve, theta, solved, solvedBar, thetaBar);
  if (np > 0) placed.addMoveBar(thetaBar, IM.contacts);
  const vStarBar = 7 * n; // v̄* lives in freeBar after the poses
  addInto(freeBar, vStarBar, thetaBar, IM.velocity, 6 * n);
  const WBar = sc.WBar;
  for (let j = 0; j < nd; j++) {
    const b = dynamic[j];
    xbar[L.invMass + b] += thetaBar[IM.invMass + b];
    for (let z = 0; z < 9; z++) WBar[9 * j + z] = thetaBar[IM.invInertia + 9 * b + z];
    if (np > 0) for (let z = 0; z < 9; z++) WBar[9 * j + z] += placed.inertiaBar[9 * b + z];
  }
  if (drifted) {
    sc.geomBar.fill(0, 0, 7 * c);
    drift.finish(thetaBar, IM.contacts, WBar, dynamic, sc.geomBar);
  }
  const xwBar = worldInvInertiaAdjoint(nd, xw, WBar, sc.xwBar);
  for (let j = 0; j < nd; j++) {
    const b = dynamic[j];
    // a body in a placed impact: its inertia at the pose of its earliest impact
    if (np > 0 && placed.earliestOf[b] >= 0) placed.impactPoseBackward(b, xwBar, 4 * j, freeBar, xbar);
    else for (let z = 0; z < 4; z++) xbar[L.q + 7 * b + 3 + z] += xwBar[4 * j + z];
    for (let z = 0; z < 3; z++) xbar[L.invInertia + 3 * b + z] += xwBar[4 * nd + 3 * j + z];
  }

  // the frames' cotangents stay in θ̄'s contact blocks (zero for an idle contact, which no
  // island reads), where the bounds' adjoints below add to them
  const geomBar = sc.geomBar;
  if (!drifted) geomBar.fill(0, 0, 7 * c); // (else zeroed above, the drift's d̄ in it)
  for (let k = 0; k < c; k++) {
    const a = contacts.bodyA[k],
      b = contacts.bodyB[k];
    const o = IM.contacts + IMPULSE_CONTACT_WIDTH * k;
    // no impulse: its θ̄ is zero (impulse-adjoint.ts), so are its frame's and geometry's
    if (idle[k] !== 0) continue;
    // bound
    const boundBar = thetaBar[o + CONTACT_BOUND];
    if (boundKind[k] === BOUND_BOUNCE) {
      // b = −e·u⁻, e the larger restitution (the first at a tie, as test/sim/hard/oracle/traced-step.ts's maxReal)
      const eA = x[L.restitution + a],
        eB = x[L.restitution + b];
      const e = eA >= eB ? eA : eB;
      xbar[L.restitution + (restitutionBody(eA, eB) === 0 ? a : b)] -= approach[k] * boundBar;
      const uBar = -e * boundBar;
      sideVelocityAdjoint(theta, o, o + CONTACT_R_B, vStar, b, uBar, thetaBar, thetaBar, o, freeBar, vStarBar);
      sideVelocityAdjoint(theta, o, o + CONTACT_R_A, vStar, a, -uBar, thetaBar, thetaBar, o, freeBar, vStarBar);
    } else if (boundKind[k] === BOUND_GAP) {
      geomBar[k] -= boundBar / dt;
    } else if (boundKind[k] === BOUND_PLACED) {
      placed.boundBackward(placedIndex[k], theta, o, x, thetaBar, thetaBar, o, freeBar, xbar);
    }
    // μ = √(μ_A μ_B); at μ = 0 the contact is frictionless and the solve's adjoint gives μ̄ = 0
    const mu = theta[o + CONTACT_MU];
    const muBar = thetaBar[o + CONTACT_MU];
    if (mu > 0 && muBar !== 0) {
      xbar[L.friction + a] += (muBar * x[L.friction + b]) / (2 * mu);
      xbar[L.friction + b] += (muBar * x[L.friction + a]) / (2 * mu);
    }
    // r_A = p − x_A, r_B = p − x_B (a placed impact's: at the impact)
    if (boundKind[k] === BOUND_PLACED) {
      placed.leverBackward(placedIndex[k], o, thetaBar);
      continue;
    }
    for (let i = 0; i < 3; i++) {
      const rABar = thetaBar[o + CONTACT_R_A + i],
        rBBar = thetaBar[o + CONTACT_R_B + i];
      geomBar[4 * c + 3 * k + i] += rABar + rBBar;
      xbar[L.q + 7 * a + i] -= rABar;
      xbar[L.q + 7 * b + i] -= rBBar;
    }
  }
  const normalsBar = contactFramesAdjoint(c, normals, thetaBar, sc.normalsBar, IM.contacts, IMPULSE_CONTACT_WIDTH);
  // the placed impacts' chains back to the start geometry (their normals' cotangents taken)
  if (np > 0) placed.geometryBackward(normalsBar, geomBar, freeBar, xbar);
  addInto(geomBar, c, normalsBar, 0, 3 * c);
  const xgBar = sc.xgBar;
  xgBar.fill(0);
  contactGeometryAdjoint(ctx.geometryInput, contacts, sc.xgQ, sc.xgSize, geomBar, sc.xgBarQ, sc.xgBarSize);
  addInto(xbar, L.q, xgBar, 0, 7 * n);
  addInto(xbar, L.geomSize, xgBar, 7 * n, 4 * n);
}

/**
 * Zero the static bodies' velocity cotangents (or tangents) in `v`, 6 per body from `at`:
 * hard mode does not differentiate static bodies' velocities (README's forward-mode
 * section). A step with contacts drops them in the solve's adjoint and tangent; a step
 * without contacts, whose integrator passes a static body's velocity through, drops them
 * here, so that whether a step has contacts does not decide it.
 */
export function dropStaticVelocities(v: Float64Array, at: number, isStatic: Uint8Array): void {
  for (let b = 0; b < isStatic.length; b++) if (isStatic[b]) v.fill(0, at + 6 * b, at + 6 * b + 6);
}

/** A step's free flight kept by its forward pass: step.ts `HardFreeFlight`'s values in `values` from `at`. */
export interface KeptFreeFlight {
  values: Float64Array;
  at: number;
}

function isZero(v: Float64Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (v[i] !== 0) return false;
  return true;
}

// ---- scratch: one per step context, sized by the bodies, grown with the contacts ----

const _scratch = new WeakMap<TracedStepContext, StepAdjointScratch>();

function scratchOf(ctx: TracedStepContext): StepAdjointScratch {
  let sc = _scratch.get(ctx);
  if (sc === undefined) {
    sc = new StepAdjointScratch(ctx);
    _scratch.set(ctx, sc);
  }
  return sc;
}

/**
 * Every buffer of the step adjoint (a rollout pulls back a thousand steps through one
 * context: allocating these per step cost more than their arithmetic). Names as in
 * {@link contactAdjoint}; the per-contact ones grow to the most contacts seen.
 */
class StepAdjointScratch extends StepValues {
  readonly IL: ReturnType<typeof integratorLayout>;
  /** where a kept free flight's parts lie (step.ts) */
  readonly F: ReturnType<typeof freeFlightLayout>;
  /** the integrator's flat input and its views for the plain kernel */
  readonly xi: Float64Array;
  readonly xiQ: Float64Array;
  readonly xiQd: Float64Array;
  readonly xiWrench: Float64Array;
  readonly params: IntegratorParams;
  readonly xiBar: Float64Array;
  /** the free flight's velocities v* (6n; its poses are not needed) and the cotangent of [q (7n) | v* (6n)] */
  readonly freeQd: Float64Array;
  readonly freeBar: Float64Array;
  /** the free flight's intermediates, so that its adjoint does not compute it again */
  readonly kept: Float64Array;
  /** the cotangent of the geometry's input [q (7n) | sizes (4n)] and its views */
  readonly xgBar: Float64Array;
  readonly xgBarQ: Float64Array;
  readonly xgBarSize: Float64Array;
  /** the step's fixed-slice copies (slice-copy.ts): x into xi (state, m⁻¹, I⁻¹, g); ȳ into freeBar, into v̄⁺ */
  readonly toXi = [new SliceCopy(), new SliceCopy(), new SliceCopy(), new SliceCopy()];
  readonly toFreeBar = new SliceCopy();
  readonly toSolvedBar = new SliceCopy();
  /** cotangents of the world inverse inertia's values and input */
  readonly WBar: Float64Array;
  readonly xwBar: Float64Array;
  readonly placed: PlacedImpacts;
  /** (6n) the cotangent of the velocities the touched bodies' poses advance with */
  readonly poseVelBar: Float64Array;
  // per contact
  geomBar = new Float64Array(0);
  normalsBar = new Float64Array(0);
  thetaBar = new Float64Array(0);
  solvedBar = new Float64Array(0);
  xp: Float64Array;
  xpBar: Float64Array;
  posesBar: Float64Array;

  constructor(ctx: TracedStepContext) {
    super(ctx);
    const n = ctx.model.nbody;
    const IL = (this.IL = integratorLayout(n));
    this.F = freeFlightLayout(n);
    this.xi = new Float64Array(IL.size);
    this.xiQ = this.xi.subarray(IL.q, IL.qd);
    this.xiQd = this.xi.subarray(IL.qd, IL.wrench);
    this.xiWrench = this.xi.subarray(IL.wrench, IL.invMass);
    this.params = {
      nbody: n,
      dt: ctx.model.dt,
      gravity: this.xi.subarray(IL.gravity, IL.gravity + 3),
      invMass: this.xi.subarray(IL.invMass, IL.invMass + n),
      invInertia: this.xi.subarray(IL.invInertia, IL.invInertia + 3 * n),
      isStatic: ctx.model.bodyStatic,
    };
    this.xiBar = new Float64Array(IL.size);
    this.freeQd = new Float64Array(6 * n);
    this.freeBar = new Float64Array(13 * n);
    this.kept = new Float64Array(VELOCITY_KEPT_PER_BODY * n);
    this.xgBar = new Float64Array(11 * n);
    this.xgBarQ = this.xgBar.subarray(0, 7 * n);
    this.xgBarSize = this.xgBar.subarray(7 * n);
    const nd = ctx.dynamicBodies.length;
    this.WBar = new Float64Array(9 * nd);
    this.xwBar = new Float64Array(7 * nd);
    this.placed = new PlacedImpacts(ctx);
    this.poseVelBar = new Float64Array(6 * n);
    this.xp = new Float64Array(POSE_INPUT_WIDTH * n);
    this.xpBar = new Float64Array(POSE_INPUT_WIDTH * n);
    this.posesBar = new Float64Array(POSE_OUTPUT_WIDTH * n);
  }

  /** Room for `c` contacts, values and cotangents. */
  ensure(c: number): void {
    if (!this.ensureContacts(c)) return;
    const cap = this.capacity;
    const n = this.n;
    this.geomBar = new Float64Array(7 * cap);
    this.normalsBar = new Float64Array(3 * cap);
    this.thetaBar = new Float64Array(impulseLayout(n, cap).size);
    this.solvedBar = new Float64Array(6 * n + 3 * cap);
  }
}
