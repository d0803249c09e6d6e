/**
 * The hard step's adjoint composed by hand from its kernels' rules, without a tape: the
 * same chain as the trace in traced-step.ts (free flight → contact geometry → frames,
 * world inertia, lever arms, friction, bounds → impulse solve → poses), each kernel's
 * forward run once for the values the next needs and its hand-written adjoint run
 * backward, Warp-style. The contact geometry's values are the step's own record (the
 * narrowphase's), and the poses are not recomputed: those two rules' adjoints need only
 * their inputs.
 *
 * Covers every step without a placed impact (a bounce at its time of impact, whose lever
 * arms and bound are a longer formula that only the trace carries): the rollout uses it
 * for those and the trace for the rest (rollout.ts). The trace stays the reference: the
 * tests compare the two on steps of every contact kind (test/sim/hard/step-adjoint.test.ts).
 *
 * In: the one-step input `x` (the rollout layout for one step: state, parameters, this
 * step's controls) and the cotangent `ybar` of [q' (7n) | q̇' (6n)]. Out: x̄.
 */
import type { KinkSink } from '../../ad/primitive.ts';
import { contactGeometryRule } from '../contact/geometry.ts';
import { integratorLayout } from '../integrator/semiImplicitEuler.ts';
import { addInto } from '../driver/records.ts';
import {
  bounceBound,
  leverArms,
  pairFriction,
  pairRestitution,
  restitutionBody,
  speculativeBound,
} from './contact-rules.ts';
import { contactFramesRule, FRAME_WIDTH } from './frame.ts';
import { contactRowVelocity, impulseSolveRule } from './impulse-adjoint.ts';
import {
  CONTACT_BOUND,
  CONTACT_MU,
  CONTACT_R_A,
  CONTACT_R_B,
  IMPULSE_CONTACT_WIDTH,
  impulseLayout,
} from './impulse-layout.ts';
import { advancePosesRule, POSE_INPUT_WIDTH, POSE_OUTPUT_WIDTH, worldInvInertiaRule } from './pose-kernels.ts';
import type { HardStepRecord, TracedStepContext } from './traced-step.ts';

/** Lever arms r_A (0..2), r_B (3..5) of the contact at hand. */
const _lever = new Float64Array(6);

/** Kinks are reported by the forward pass; the adjoint's kernels report none. */
const silent: KinkSink = { kink() {} };

/** Whether {@link hardStepAdjoint} covers the step: no impact placed inside it. */
export function handAdjointCovers(rec: HardStepRecord): boolean {
  for (let k = 0; k < rec.contacts.count; k++) if (rec.impactFraction[k] > 0) return false;
  return true;
}

/**
 * x̄ = (∂step/∂x)ᵀ ȳ for a step the hand adjoint covers ({@link handAdjointCovers}).
 *
 * @example
 * const xbar = handAdjointCovers(rec) ? hardStepAdjoint(ctx, rec, x, ybar) : tracedPullback(...);
 */
export function hardStepAdjoint(
  ctx: TracedStepContext,
  rec: HardStepRecord,
  x: Float64Array,
  ybar: Float64Array,
): Float64Array {
  if (!handAdjointCovers(rec))
    throw new Error('hardStepAdjoint: the step places an impact; pull it back through its trace');
  const { model, L } = ctx;
  const n = model.nbody;
  const c = rec.contacts.count;
  const xbar = new Float64Array(x.length);
  // a zero cotangent pulls back to zero (as a tape's sweep skips an entry nobody reads):
  // common in hard mode, where a resting contact pins what the loss depends on
  if (isZero(ybar)) return xbar;

  // ---- forward: each kernel once, keeping its residuals ----
  const IL = integratorLayout(n);
  const xi = new Float64Array(IL.size);
  xi.set(x.subarray(L.q, L.q + 13 * n), IL.q);
  ctx.controlBodies.forEach((b, j) =>
    xi.set(x.subarray(L.controls + 6 * j, L.controls + 6 * j + 6), IL.wrench + 6 * b),
  );
  xi.set(x.subarray(L.invMass, L.invMass + n), IL.invMass);
  xi.set(x.subarray(L.invInertia, L.invInertia + 3 * n), IL.invInertia);
  xi.set(x.subarray(L.gravity, L.gravity + 3), IL.gravity);
  const [free, integrateRes] = ctx.integrateRule.fwd(xi, silent);
  const freeBar = new Float64Array(13 * n);
  if (c === 0) {
    freeBar.set(ybar);
  } else {
    contactAdjoint(ctx, rec, x, ybar, free, xbar, freeBar);
  }
  const xiBar = ctx.integrateRule.bwd(integrateRes, freeBar);
  addInto(xbar, L.q, xiBar, IL.q, 13 * n);
  ctx.controlBodies.forEach((b, j) => addInto(xbar, L.controls + 6 * j, xiBar, IL.wrench + 6 * b, 6));
  addInto(xbar, L.invMass, xiBar, IL.invMass, n);
  addInto(xbar, L.invInertia, xiBar, IL.invInertia, 3 * n);
  addInto(xbar, L.gravity, xiBar, IL.gravity, 3);
  return xbar;
}

/** The contact part of the step's adjoint (a step with contacts): fills freeBar and xbar. */
function contactAdjoint(
  ctx: TracedStepContext,
  rec: HardStepRecord,
  x: Float64Array,
  ybar: Float64Array,
  free: Float64Array,
  xbar: Float64Array,
  freeBar: Float64Array,
): void {
  const { model, L } = ctx;
  const n = model.nbody;
  const dt = model.dt;
  const c = rec.contacts.count;
  const vStar = free.subarray(7 * n);
  // contact geometry of the fixed features: [d (c) | n (3c) | point (3c)]
  const geometry = contactGeometryRule(ctx.geometryInput, rec.contacts);
  const xg = new Float64Array(11 * n);
  xg.set(x.subarray(L.q, L.q + 7 * n));
  xg.set(x.subarray(L.geomSize, L.geomSize + 4 * n), 7 * n);
  // its values are the narrowphase's, which the step recorded (the rule re-derives the same
  // numbers from the features); its adjoint needs only the inputs
  const geom = new Float64Array(7 * c);
  geom.set(rec.contacts.dist.subarray(0, c));
  geom.set(rec.contacts.normal.subarray(0, 3 * c), c);
  geom.set(rec.contacts.point.subarray(0, 3 * c), 4 * c);
  const geomRes = xg;
  // world inverse inertia of the dynamic bodies
  const dynamic = ctx.dynamicBodies;
  const inertia = worldInvInertiaRule(dynamic.length);
  const xw = new Float64Array(7 * dynamic.length);
  dynamic.forEach((b, j) => {
    xw.set(x.subarray(L.q + 7 * b + 3, L.q + 7 * b + 7), 4 * j);
    xw.set(x.subarray(L.invInertia + 3 * b, L.invInertia + 3 * b + 3), 4 * dynamic.length + 3 * j);
  });
  const [W, inertiaRes] = inertia.fwd(xw, silent);
  // frames
  const framesRule = contactFramesRule(c);
  const [frames, framesRes] = framesRule.fwd(geom.slice(c, 4 * c), silent);

  // θ of the solve: v*, per contact (frame, r_A, r_B, μ, b), M⁻¹, I_w⁻¹
  const IM = impulseLayout(n, c);
  const theta = new Float64Array(IM.size);
  theta.set(vStar, IM.velocity);
  dynamic.forEach((b, j) => {
    theta[IM.invMass + b] = x[L.invMass + b];
    theta.set(W.subarray(9 * j, 9 * j + 9), IM.invInertia + 9 * b);
  });
  const lambda = new Float64Array(3 * c);
  /** per contact: which bound formula (see traced-step.ts), and the approach speed of a bounce */
  const boundKind = new Uint8Array(c);
  const approach = new Float64Array(c);
  const qStart = x.subarray(L.q, L.q + 7 * n);
  for (let k = 0; k < c; k++) {
    const a = rec.contacts.bodyA[k],
      b = rec.contacts.bodyB[k];
    const o = IM.contacts + IMPULSE_CONTACT_WIDTH * k;
    const d = geom[k];
    theta.set(frames.subarray(FRAME_WIDTH * k, FRAME_WIDTH * (k + 1)), o);
    leverArms(_lever, geom, 4 * c + 3 * k, qStart, a, b);
    theta.set(_lever.subarray(0, 3), o + CONTACT_R_A);
    theta.set(_lever.subarray(3, 6), o + CONTACT_R_B);
    theta[o + CONTACT_MU] = pairFriction(x[L.friction + a], x[L.friction + b]) as number;
    if (rec.bounced[k]) {
      boundKind[k] = BOUND_BOUNCE;
      approach[k] = contactRowVelocity(theta, o, vStar, a, b, 0);
      theta[o + CONTACT_BOUND] = bounceBound(
        pairRestitution(x[L.restitution + a], x[L.restitution + b]),
        approach[k],
      ) as number;
    } else if (d > -ctx.restingGap) {
      // speculative −d/dt; a resting contact on the open side of its kink (contact-rules.ts)
      boundKind[k] = BOUND_GAP;
      theta[o + CONTACT_BOUND] = speculativeBound(d, dt, ctx.restingGap) as number;
    }
    for (let j = 0; j < 3; j++) {
      const f = FRAME_WIDTH * k + 3 * j;
      lambda[3 * k + j] =
        rec.impulse[3 * k] * frames[f] +
        rec.impulse[3 * k + 1] * frames[f + 1] +
        rec.impulse[3 * k + 2] * frames[f + 2];
    }
  }
  const solve = impulseSolveRule({
    nbody: n,
    count: c,
    bodyA: rec.contacts.bodyA,
    bodyB: rec.contacts.bodyB,
    isStatic: model.bodyStatic,
    lambda,
  });
  const [solved, solveRes] = solve.fwd(theta, silent);

  // poses of the bodies the contacts touched, from v⁺ and the position pass's (constant) pseudo-velocities
  const moving = touchedBodies(ctx, rec);
  const poses = advancePosesRule(moving.length, dt);
  const xp = new Float64Array(POSE_INPUT_WIDTH * moving.length);
  moving.forEach((b, j) => {
    const o = POSE_INPUT_WIDTH * j;
    xp.set(x.subarray(L.q + 7 * b, L.q + 7 * b + 7), o);
    for (let i = 0; i < 6; i++) xp[o + 7 + i] = solved[6 * b + i] + (rec.moved ? rec.pseudo[6 * b + i] : 0);
  });
  // the poses themselves are not needed, and the rule's adjoint needs only its inputs
  const posesRes = xp;

  // ---- backward ----
  // q' of untouched bodies is the free flight's; q̇' = v⁺ for every body
  const isMoving = new Uint8Array(n);
  for (const b of moving) isMoving[b] = 1;
  for (let b = 0; b < n; b++) if (!isMoving[b]) freeBar.set(ybar.subarray(7 * b, 7 * b + 7), 7 * b);
  const solvedBar = new Float64Array(6 * n + 3 * c);
  solvedBar.set(ybar.subarray(7 * n, 13 * n));
  const posesBar = new Float64Array(POSE_OUTPUT_WIDTH * moving.length);
  moving.forEach((b, j) => posesBar.set(ybar.subarray(7 * b, 7 * b + 7), POSE_OUTPUT_WIDTH * j));
  const xpBar = isZero(posesBar) ? new Float64Array(xp.length) : poses.bwd(posesRes, posesBar);
  moving.forEach((b, j) => {
    const o = POSE_INPUT_WIDTH * j;
    addInto(xbar, L.q + 7 * b, xpBar, o, 7);
    addInto(solvedBar, 6 * b, xpBar, o + 7, 6);
  });

  const thetaBar = isZero(solvedBar) ? new Float64Array(IM.size) : solve.bwd(solveRes, solvedBar);
  const vStarBar = freeBar.subarray(7 * n);
  addInto(vStarBar, 0, thetaBar, IM.velocity, 6 * n);
  const WBar = new Float64Array(9 * dynamic.length);
  dynamic.forEach((b, j) => {
    xbar[L.invMass + b] += thetaBar[IM.invMass + b];
    WBar.set(thetaBar.subarray(IM.invInertia + 9 * b, IM.invInertia + 9 * b + 9), 9 * j);
  });
  const xwBar = inertia.bwd(inertiaRes, WBar);
  dynamic.forEach((b, j) => {
    addInto(xbar, L.q + 7 * b + 3, xwBar, 4 * j, 4);
    addInto(xbar, L.invInertia + 3 * b, xwBar, 4 * dynamic.length + 3 * j, 3);
  });

  const geomBar = new Float64Array(7 * c);
  const framesBar = new Float64Array(FRAME_WIDTH * c);
  for (let k = 0; k < c; k++) {
    const a = rec.contacts.bodyA[k],
      b = rec.contacts.bodyB[k];
    const o = IM.contacts + IMPULSE_CONTACT_WIDTH * k;
    for (let j = 0; j < FRAME_WIDTH; j++) framesBar[FRAME_WIDTH * k + j] = thetaBar[o + j];
    // bound
    const boundBar = thetaBar[o + CONTACT_BOUND];
    if (boundKind[k] === BOUND_BOUNCE) {
      // b = −e·u⁻, e the larger restitution (the first at a tie, as traced-step.ts's maxReal)
      const e = pairRestitution(x[L.restitution + a], x[L.restitution + b]) as number;
      xbar[L.restitution + (restitutionBody(x[L.restitution + a], x[L.restitution + b]) === 0 ? a : b)] -=
        approach[k] * boundBar;
      normalVelocityAdjoint(theta, o, vStar, a, b, -e * boundBar, thetaBar, framesBar, FRAME_WIDTH * k, vStarBar);
    } else if (boundKind[k] === BOUND_GAP) {
      geomBar[k] -= boundBar / dt;
    }
    // μ = √(μ_A μ_B); at μ = 0 the contact is frictionless and the solve's adjoint gives μ̄ = 0
    const mu = theta[o + CONTACT_MU];
    const muBar = thetaBar[o + CONTACT_MU];
    if (mu > 0 && muBar !== 0) {
      xbar[L.friction + a] += (muBar * x[L.friction + b]) / (2 * mu);
      xbar[L.friction + b] += (muBar * x[L.friction + a]) / (2 * mu);
    }
    // r_A = p − x_A, r_B = p − x_B
    for (let i = 0; i < 3; i++) {
      const rABar = thetaBar[o + CONTACT_R_A + i],
        rBBar = thetaBar[o + CONTACT_R_B + i];
      geomBar[4 * c + 3 * k + i] += rABar + rBBar;
      xbar[L.q + 7 * a + i] -= rABar;
      xbar[L.q + 7 * b + i] -= rBBar;
    }
  }
  addInto(geomBar, c, framesRule.bwd(framesRes, framesBar), 0, 3 * c);
  const xgBar = geometry.bwd(geomRes, geomBar);
  addInto(xbar, L.q, xgBar, 0, 7 * n);
  addInto(xbar, L.geomSize, xgBar, 7 * n, 4 * n);
}

// bound formulas (contact-rules.ts); 0: a contact deeper than the resting gap, b = 0 constant
const BOUND_BOUNCE = 1;
const BOUND_GAP = 2;

/** The dynamic bodies a step's contacts touch, in order of first appearance (traced-step.ts). */
function touchedBodies(ctx: TracedStepContext, rec: HardStepRecord): number[] {
  const seen = new Set<number>();
  for (let k = 0; k < rec.contacts.count; k++) {
    for (const b of [rec.contacts.bodyA[k], rec.contacts.bodyB[k]]) if (!ctx.model.bodyStatic[b]) seen.add(b);
  }
  return [...seen];
}

/**
 * Adds ū·∂u/∂(n, r_A, r_B, v) of the normal velocity (`contactRowVelocity` along n): n̄ into `framesBar[f ..]`, r̄ into
 * `thetaBar` at the lever arms' slots, v̄ into `vBar`. (r × n)·ω = n·(ω × r) = r·(n × ω).
 */
function normalVelocityAdjoint(
  theta: Float64Array,
  o: number,
  v: Float64Array,
  a: number,
  b: number,
  uBar: number,
  thetaBar: Float64Array,
  framesBar: Float64Array,
  f: number,
  vBar: Float64Array,
): void {
  const nx = theta[o],
    ny = theta[o + 1],
    nz = theta[o + 2];
  for (const [body, sign, r] of [
    [b, 1, o + CONTACT_R_B],
    [a, -1, o + CONTACT_R_A],
  ] as const) {
    const vo = 6 * body;
    const s = sign * uBar;
    const rx = theta[r],
      ry = theta[r + 1],
      rz = theta[r + 2];
    const wx = v[vo + 3],
      wy = v[vo + 4],
      wz = v[vo + 5];
    // n̄ += s (v + ω × r)
    framesBar[f] += s * (v[vo] + wy * rz - wz * ry);
    framesBar[f + 1] += s * (v[vo + 1] + wz * rx - wx * rz);
    framesBar[f + 2] += s * (v[vo + 2] + wx * ry - wy * rx);
    // r̄ += s (n × ω)
    thetaBar[r] += s * (ny * wz - nz * wy);
    thetaBar[r + 1] += s * (nz * wx - nx * wz);
    thetaBar[r + 2] += s * (nx * wy - ny * wx);
    // v̄ += s n, ω̄ += s (r × n)
    vBar[vo] += s * nx;
    vBar[vo + 1] += s * ny;
    vBar[vo + 2] += s * nz;
    vBar[vo + 3] += s * (ry * nz - rz * ny);
    vBar[vo + 4] += s * (rz * nx - rx * nz);
    vBar[vo + 5] += s * (rx * ny - ry * nx);
  }
}

function isZero(v: Float64Array): boolean {
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) return false;
  return true;
}
