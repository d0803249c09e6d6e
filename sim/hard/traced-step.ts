/**
 * One hard-contact step on the trace, for the backward pass of the hard rollout
 * (sim/hard/rollout.ts) — the path of steps that place an impact, and the reference that
 * step-adjoint.ts's tape-free pullback is tested against: the same pipeline as `hardStep` (step.ts), with every decision
 * the plain step made (contact set and features, restitution or speculative bound, impact
 * placement, the impulses it found, the position pass's correction) fixed from a
 * {@link HardStepRecord}, so the trace is the executed branch and its values are the
 * executed values (to rounding).
 *
 *   free flight          v* = integrate(q, q̇, control)        (integratePrimitive, hand adjoint)
 *   contact geometry     (d, n, p) per contact                 (contactGeometryPrimitive)
 *   rows                 frame (n, t₁, t₂), lever arms r = p − x, world I⁻¹ = R diag(I⁻¹) Rᵀ
 *                        (contactFramesPrimitive, worldInvInertiaPrimitive: hand adjoints)
 *   bound                b = −e·u⁻ (bounce) | −d/dt (open, speculative) | 0
 *   impact placement     s = d/(−u⁻dt): lever arms at the time of impact, b there     (★)
 *   velocity solve       [v⁺ | λ] = impulseSolvePrimitive(θ)   (implicit adjoint)
 *   position pass        v_p = −s·M⁻¹J_kᵀλ_k (placed impacts, ★) + the drift correction
 *   positions            x' = x + dt(v⁺ + v_p),  q' = normalize(exp(½dt(ω⁺ + ω_p)) ⊗ q̂)
 *                        (advancePosesPrimitive); the rest (lever arms, bounds, placement) ad ops
 *
 * (★) is where time-of-impact gradients come from: the impact time moves with the state,
 * so an impact that comes earlier moves the bodies with their new velocities for longer.
 * With `contact.timeOfImpact = false` the forward pass does not place impacts and (★) is
 * absent: the derivative of that executed trace.
 *
 * Conventions: a contact resting within `restingGap` of d = 0 differentiates its
 * speculative bound on the open side (b = −d/dt), see below; the split-impulse drift correction (position.ts's second pass, which runs
 * only on penetration beyond tolerance) enters as a constant — it is not differentiated.
 */
import { add, div, mul, sqrt, sub, value } from '../../ad/ops.ts';
import { customVjp, type PrimitiveRule } from '../../ad/primitive.ts';
import type { Real } from '../../ad/tape.ts';
import { cross, dot, subVec } from '../../ad/vec.ts';
import type { Contacts } from '../collision/contacts.ts';
import { contactGeometryPrimitive, type GeometryInput } from '../contact/geometry.ts';
import { integrateRule as integrateRuleOf, integratorLayout } from '../integrator/semiImplicitEuler.ts';
import type { Model } from '../model.ts';
import type { RolloutLayout } from '../rollout-shared.ts';
import { ShapeType } from '../shapes.ts';
import { impulseSolvePrimitive } from './impulse-adjoint.ts';
import { CONTACT_BOUND, CONTACT_MU, CONTACT_R_A, CONTACT_R_B, IMPULSE_CONTACT_WIDTH, impulseLayout } from './impulse-layout.ts';
import { contactFramesPrimitive, FRAME_WIDTH } from './frame.ts';
import { advancePosesPrimitive, POSE_OUTPUT_WIDTH, worldInvInertiaPrimitive } from './pose-kernels.ts';
import { impactCarrierWeight } from './problem.ts';

/** What the plain step decided and found, per step: the trace replays it. */
export interface HardStepRecord {
  /** the contacts of the step (bodies, features; their geometry is recomputed on the trace) */
  contacts: Contacts;
  /** (3c) the solver's impulses as world vectors P = λ_n n + λ_t₁ t₁ + λ_t₂ t₂, N·s */
  impulse: Float64Array;
  /** (c) 1 where Newton restitution set the bound */
  bounced: Uint8Array;
  /** (c) time-of-impact fraction s ∈ (0, 1) (0: not placed; never clipped at 1, as a bounce needs d < −u⁻·dt) */
  impactFraction: Float64Array;
  /** (6n) the pseudo-velocities the position pass used (all zero when it did not run) */
  pseudo: Float64Array;
  moved: boolean;
}

/** What the traced step reads besides its record: fixed for a rollout. */
export interface TracedStepContext {
  model: Model;
  /** rollout layout for ONE step (controls: this step's only) */
  L: RolloutLayout;
  controlBodies: readonly number[];
  /**
   * m: contacts penetrating less than this count as resting at the kink d = 0 of the
   * speculative bound (settings.ts `penetrationTolerance`: what the position pass leaves)
   */
  restingGap: number;
  integrate: (x: readonly Real[]) => Real[];
  /** the integrator's rule, for the hand-composed adjoint (step-adjoint.ts) */
  integrateRule: PrimitiveRule<Float64Array>;
  geometryInput: GeometryInput;
  /** the bodies that are not static, in index order */
  dynamicBodies: readonly number[];
}

/** Context of the traced step for a model (one per rollout). */
export function tracedStepContext(model: Model, L: RolloutLayout, controlBodies: readonly number[], restingGap: number): TracedStepContext {
  const integrateRule = integrateRuleOf({ nbody: model.nbody, dt: model.dt, isStatic: model.bodyStatic });
  const dynamicBodies: number[] = [];
  for (let b = 0; b < model.nbody; b++) if (!model.bodyStatic[b]) dynamicBodies.push(b);
  return {
    model,
    L,
    controlBodies,
    restingGap,
    integrate: customVjp(integrateRule),
    integrateRule,
    geometryInput: { nbody: model.nbody, geomType: model.geomType, geomSize: model.geomSize, bodyStatic: model.bodyStatic, bodyName: model.bodyName },
    dynamicBodies,
  };
}

/**
 * The step `x ↦ [q' (7n) | q̇' (6n)]` on the trace, `x` in the one-step rollout layout
 * `ctx.L` (state, parameters, this step's controls).
 */
export function hardStepTraced(ctx: TracedStepContext, rec: HardStepRecord, x: Real[]): Real[] {
  const { model, L } = ctx;
  const n = model.nbody;
  const dt = model.dt;
  const c = rec.contacts.count;
  // free flight through the integrator primitive: its q̇' output is v*
  const IL = integratorLayout(n);
  const xi: Real[] = new Array(IL.size).fill(0);
  for (let j = 0; j < 13 * n; j++) xi[IL.q + j] = x[L.q + j];
  ctx.controlBodies.forEach((b, j) => {
    for (let e = 0; e < 6; e++) xi[IL.wrench + 6 * b + e] = x[L.controls + 6 * j + e];
  });
  for (let j = 0; j < n; j++) xi[IL.invMass + j] = x[L.invMass + j];
  for (let j = 0; j < 3 * n; j++) xi[IL.invInertia + j] = x[L.invInertia + j];
  for (let j = 0; j < 3; j++) xi[IL.gravity + j] = x[L.gravity + j];
  const free = ctx.integrate(xi);
  if (c === 0) return free; // bit for bit the hard step without contacts
  const vStar = free.slice(7 * n);

  // contact geometry of the fixed features
  const geom = contactGeometryPrimitive(ctx.geometryInput, rec.contacts)([...x.slice(L.q, L.q + 7 * n), ...x.slice(L.geomSize, L.geomSize + 4 * n)]);
  // world inverse inertia of every dynamic body, one primitive for all of them
  const dynamic = ctx.dynamicBodies;
  const inertiaInput: Real[] = [];
  for (const b of dynamic) for (let i = 3; i < 7; i++) inertiaInput.push(x[L.q + 7 * b + i]);
  for (const b of dynamic) for (let i = 0; i < 3; i++) inertiaInput.push(x[L.invInertia + 3 * b + i]);
  const inertia = dynamic.length > 0 ? worldInvInertiaPrimitive(dynamic.length)(inertiaInput) : [];
  const worldInvInertia = new Map<number, Real[]>(dynamic.map((b, j) => [b, inertia.slice(9 * j, 9 * j + 9)]));
  const staticInertia: Real[] = new Array(9).fill(0);
  const invInertiaOf = (b: number): Real[] => worldInvInertia.get(b) ?? staticInertia;

  // rows, bounds and (placed) lever arms, per contact, into the solve's θ
  const IM = impulseLayout(n, c);
  const theta: Real[] = new Array(IM.size).fill(0);
  for (let j = 0; j < 6 * n; j++) theta[IM.velocity + j] = vStar[j];
  for (let b = 0; b < n; b++) {
    theta[IM.invMass + b] = model.bodyStatic[b] ? 0 : x[L.invMass + b];
    const w = invInertiaOf(b);
    for (let j = 0; j < 9; j++) theta[IM.invInertia + 9 * b + j] = w[j];
  }
  const lambda = new Float64Array(3 * c);
  const placed: { k: number; s: Real; rA: Real[]; rB: Real[]; dirs: Real[][] }[] = [];
  const frames = contactFramesPrimitive(c)(geom.slice(c, 4 * c));
  for (let k = 0; k < c; k++) {
    const a = rec.contacts.bodyA[k], b = rec.contacts.bodyB[k];
    const d = geom[k];
    const normal = geom.slice(c + 3 * k, c + 3 * k + 3);
    const point = geom.slice(4 * c + 3 * k, 4 * c + 3 * k + 3);
    const dirs = [frames.slice(FRAME_WIDTH * k, FRAME_WIDTH * k + 3), frames.slice(FRAME_WIDTH * k + 3, FRAME_WIDTH * k + 6), frames.slice(FRAME_WIDTH * k + 6, FRAME_WIDTH * k + 9)];
    let rA = subVec(point, x.slice(L.q + 7 * a, L.q + 7 * a + 3)), rB = subVec(point, x.slice(L.q + 7 * b, L.q + 7 * b + 3));
    let bound: Real = 0;
    let s: Real = 0;
    if (rec.bounced[k]) {
      const vA = vStar.slice(6 * a, 6 * a + 6), vB = vStar.slice(6 * b, 6 * b + 6);
      const e = maxReal(x[L.restitution + a], x[L.restitution + b]);
      const approach = normalVelocity(normal, vA, vB, rA, rB);
      if (rec.impactFraction[k] > 0) {
        // the impact at s·dt into the step: lever arms and approach speed at that configuration
        s = div(d, mul(-dt, approach));
        const delay = mul(s, dt);
        // problem.ts: the contact point moves with the feature that carries it
        const weightA = impactCarrierWeight(model, a, b);
        const pa = pointVelocity(vA, carrierOffset(model, x, L, a, rA, normal, -1)), pb = pointVelocity(vB, carrierOffset(model, x, L, b, rB, normal, 1));
        const carried = [0, 1, 2].map((i) => add(mul(weightA, pa[i]), mul(1 - weightA, pb[i])));
        const surfaces = mul(0.5, add(dot(normal, pointVelocity(vA, rA)), dot(normal, pointVelocity(vB, rB))));
        const normalShift = sub(surfaces, dot(normal, carried));
        const mid = carried.map((m, i) => add(m, mul(normalShift, normal[i])));
        rA = [0, 1, 2].map((i) => add(rA[i], mul(delay, sub(mid[i], vA[i]))));
        rB = [0, 1, 2].map((i) => add(rB[i], mul(delay, sub(mid[i], vB[i]))));
        // problem.ts: the approach at the impact, u⁻ − (1 − s)Δ, reversed; (1 − s)Δ follows
        const atImpact = normalVelocity(normal, vA, vB, rA, rB);
        const v0A = x.slice(L.qd + 6 * a, L.qd + 6 * a + 6), v0B = x.slice(L.qd + 6 * b, L.qd + 6 * b + 6);
        const change = sub(atImpact, normalVelocity(normal, v0A, v0B, rA, rB));
        const after = mul(sub(1, s), change);
        bound = add(mul(-1, mul(e, sub(atImpact, after))), after);
      } else {
        bound = mul(-1, mul(e, approach));
      }
    } else if (value(d) > 0) {
      bound = div(mul(-1, d), dt);
    } else if (value(d) > -ctx.restingGap) {
      // a resting contact sits at the kink d = 0 of −max(d, 0)/dt; convention: its open
      // side (value 0, derivative −1/dt), so every corner of a manifold takes the same
      // branch and the contact follows the surface it rests on
      bound = sub(div(mul(-1, d), dt), -value(d) / dt);
    }
    const mu = sqrt(mul(x[L.friction + a], x[L.friction + b]));
    const o = IM.contacts + IMPULSE_CONTACT_WIDTH * k;
    for (let j = 0; j < FRAME_WIDTH; j++) theta[o + j] = frames[FRAME_WIDTH * k + j];
    for (let i = 0; i < 3; i++) {
      theta[o + CONTACT_R_A + i] = rA[i];
      theta[o + CONTACT_R_B + i] = rB[i];
    }
    theta[o + CONTACT_MU] = mu;
    theta[o + CONTACT_BOUND] = bound;
    // the solver's world impulse in this frame
    for (let j = 0; j < 3; j++) {
      const f = FRAME_WIDTH * k + 3 * j;
      lambda[3 * k + j] = rec.impulse[3 * k] * value(frames[f]) + rec.impulse[3 * k + 1] * value(frames[f + 1]) + rec.impulse[3 * k + 2] * value(frames[f + 2]);
    }
    if (rec.impactFraction[k] > 0 && lambda[3 * k] > 0) placed.push({ k, s, rA, rB, dirs });
  }
  const solved = impulseSolvePrimitive({
    nbody: n,
    count: c,
    bodyA: rec.contacts.bodyA,
    bodyB: rec.contacts.bodyB,
    isStatic: model.bodyStatic,
    lambda,
  })(theta);
  const vPlus = solved.slice(0, 6 * n);

  // the position pass: placed impulses move the bodies only after the impact (★); the
  // drift correction rides along as a constant
  const touched = new Set<number>();
  for (let k = 0; k < c; k++) {
    for (const b of [rec.contacts.bodyA[k], rec.contacts.bodyB[k]]) if (!model.bodyStatic[b]) touched.add(b);
  }
  const pseudo: Real[] = new Array(6 * n).fill(0);
  if (rec.moved) {
    for (const { k, s, rA, rB, dirs } of placed) {
      const l = solved.slice(6 * n + 3 * k, 6 * n + 3 * k + 3);
      const P = [0, 1, 2].map((i) => add(add(mul(l[0], dirs[0][i]), mul(l[1], dirs[1][i])), mul(l[2], dirs[2][i])));
      for (const [b, sign, r] of [[rec.contacts.bodyB[k], -1, rB], [rec.contacts.bodyA[k], 1, rA]] as const) {
        if (model.bodyStatic[b]) continue;
        const scaled = P.map((p) => mul(mul(sign, s), p));
        const dw = matVec(invInertiaOf(b), cross(r, scaled));
        for (let i = 0; i < 3; i++) {
          pseudo[6 * b + i] = add(pseudo[6 * b + i], mul(x[L.invMass + b], scaled[i]));
          pseudo[6 * b + 3 + i] = add(pseudo[6 * b + 3 + i], dw[i]);
        }
      }
    }
    for (let j = 0; j < 6 * n; j++) {
      const traced = pseudo[j];
      pseudo[j] = typeof traced === 'number' ? rec.pseudo[j] : add(traced, rec.pseudo[j] - value(traced));
    }
  }

  // positions of the bodies the contacts touched; the others keep the free-flight step
  const out: Real[] = free.slice();
  for (let j = 0; j < 6 * n; j++) out[7 * n + j] = vPlus[j];
  const moving = [...touched];
  if (moving.length > 0) {
    const poseInput: Real[] = [];
    for (const b of moving) {
      for (let i = 0; i < 7; i++) poseInput.push(x[L.q + 7 * b + i]);
      for (let i = 0; i < 6; i++) {
        const shift = pseudo[6 * b + i];
        poseInput.push(shift === 0 ? vPlus[6 * b + i] : add(vPlus[6 * b + i], shift));
      }
    }
    const poses = advancePosesPrimitive(moving.length, dt)(poseInput);
    moving.forEach((b, j) => {
      for (let i = 0; i < POSE_OUTPUT_WIDTH; i++) out[7 * b + i] = poses[POSE_OUTPUT_WIDTH * j + i];
    });
  }
  return out;
}

const matVec = (m: Real[], v: Real[]): Real[] => [0, 1, 2].map((r) => add(add(mul(m[3 * r], v[0]), mul(m[3 * r + 1], v[1])), mul(m[3 * r + 2], v[2])));

/** v + ω × r of a body with velocity [v | ω]. */
function pointVelocity(vel: Real[], r: Real[]): Real[] {
  const w = cross(vel.slice(3, 6), r);
  return [add(vel[0], w[0]), add(vel[1], w[1]), add(vel[2], w[2])];
}

/** Normal velocity n·(v_B − v_A) + (r_B × n)·ω_B − (r_A × n)·ω_A of a contact (problem.ts `contactVelocity`). */
function normalVelocity(normal: Real[], vA: Real[], vB: Real[], rA: Real[], rB: Real[]): Real {
  return sub(add(dot(normal, subVec(vB.slice(0, 3), vA.slice(0, 3))), dot(cross(rB, normal), vB.slice(3))), dot(cross(rA, normal), vA.slice(3)));
}

/** problem.ts's carrierOffset on the trace: a sphere's centre, a capsule's segment point, else r itself. */
function carrierOffset(model: Model, x: Real[], L: RolloutLayout, b: number, r: Real[], normal: Real[], side: number): Real[] {
  const type = model.geomType[b];
  if (type === ShapeType.sphere) return [0, 0, 0];
  if (type !== ShapeType.capsule) return r;
  const radius = mul(side, x[L.geomSize + 4 * b]);
  return r.map((ri, i) => add(ri, mul(radius, normal[i])));
}

/** The larger restitution; at a tie, the first (the derivative goes to one body: a kink, not reported here). */
function maxReal(a: Real, b: Real): Real {
  return value(a) >= value(b) ? a : b;
}

