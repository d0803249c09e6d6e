/**
 * One hard-contact step written with ad ops, for the backward pass of the hard rollout
 * (sim/hard/rollout.ts): the same pipeline as `hardStep` (step.ts), with every decision
 * the plain step made (contact set and features, restitution or speculative bound, impact
 * placement, the impulses it found, the position pass's correction) fixed from a
 * {@link HardStepRecord}, so the trace is the executed branch and its values are the
 * executed values (to rounding).
 *
 *   free flight          v* = integrate(q, q̇, control)        (integratePrimitive, hand adjoint)
 *   contact geometry     (d, n, p) per contact                 (contactGeometryPrimitive)
 *   rows                 frame (n, t₁, t₂), lever arms r = p − x, world I⁻¹ = R diag(I⁻¹) Rᵀ
 *   bound                b = −e·u⁻ (bounce) | −d/dt (open, speculative) | 0
 *   impact placement     s = d/(−u⁻dt): lever arms at the time of impact, b there     (★)
 *   velocity solve       [v⁺ | λ] = impulseSolvePrimitive(θ)   (implicit adjoint)
 *   position pass        v_p = −s·M⁻¹J_kᵀλ_k (placed impacts, ★) + the drift correction
 *   positions            x' = x + dt(v⁺ + v_p),  q' = normalize(exp(½dt(ω⁺ + ω_p)) ⊗ q̂)
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
import { add, cos as cosR, div, mul, sin as sinR, sqrt, sub, value } from '../../ad/ops.ts';
import type { Real } from '../../ad/tape.ts';
import { cross, dot, quatMul, quatNormalize, subVec } from '../../ad/vec.ts';
import type { Contacts } from '../collision/contacts.ts';
import { contactGeometryPrimitive, type GeometryInput } from '../contact/geometry.ts';
import { COS_SERIES, EXP_TAYLOR_MAX_S, SINC_SERIES } from '../integrator/quatExp.ts';
import { integratePrimitive, integratorLayout } from '../integrator/semiImplicitEuler.ts';
import type { Model } from '../model.ts';
import type { RolloutLayout } from '../rollout-shared.ts';
import { ShapeType } from '../shapes.ts';
import { IMPULSE_CONTACT_WIDTH, impulseLayout, impulseSolvePrimitive } from './impulse-adjoint.ts';
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
  geometryInput: GeometryInput;
}

/** Context of the traced step for a model (one per rollout). */
export function tracedStepContext(model: Model, L: RolloutLayout, controlBodies: readonly number[], restingGap: number): TracedStepContext {
  return {
    model,
    L,
    controlBodies,
    restingGap,
    integrate: integratePrimitive({ nbody: model.nbody, dt: model.dt, isStatic: model.bodyStatic }),
    geometryInput: { nbody: model.nbody, geomType: model.geomType, geomSize: model.geomSize, bodyStatic: model.bodyStatic, bodyName: model.bodyName },
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
  const pos = (b: number): Real[] => x.slice(L.q + 7 * b, L.q + 7 * b + 3);
  // problem.ts's carrierOffset: a sphere's centre, a capsule's segment point, else r itself
  const carrierOffset = (b: number, r: Real[], normal: Real[], side: number): Real[] => {
    const type = model.geomType[b];
    if (type === ShapeType.sphere) return [0, 0, 0];
    if (type !== ShapeType.capsule) return r;
    const radius = mul(side, x[L.geomSize + 4 * b]);
    return r.map((ri, i) => add(ri, mul(radius, normal[i])));
  };
  const unitQuat = new Map<number, Real[]>();
  const quatOf = (b: number): Real[] => {
    let q = unitQuat.get(b);
    if (q === undefined) {
      q = quatNormalize(x.slice(L.q + 7 * b + 3, L.q + 7 * b + 7));
      unitQuat.set(b, q);
    }
    return q;
  };
  const worldInvInertia = new Map<number, Real[]>();
  const invInertiaOf = (b: number): Real[] => {
    let w = worldInvInertia.get(b);
    if (w === undefined) {
      w = model.bodyStatic[b] ? new Array(9).fill(0) : worldInverseInertia(quatOf(b), x.slice(L.invInertia + 3 * b, L.invInertia + 3 * b + 3));
      worldInvInertia.set(b, w);
    }
    return w;
  };

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
  for (let k = 0; k < c; k++) {
    const a = rec.contacts.bodyA[k], b = rec.contacts.bodyB[k];
    const d = geom[k];
    const normal = [geom[c + 3 * k], geom[c + 3 * k + 1], geom[c + 3 * k + 2]];
    const point = [geom[4 * c + 3 * k], geom[4 * c + 3 * k + 1], geom[4 * c + 3 * k + 2]];
    const dirs = frame(normal);
    let rA = subVec(point, pos(a)), rB = subVec(point, pos(b));
    const vA = vStar.slice(6 * a, 6 * a + 6), vB = vStar.slice(6 * b, 6 * b + 6);
    const approachAt = (ra: Real[], rb: Real[]): Real =>
      sub(add(dot(normal, subVec(vB.slice(0, 3), vA.slice(0, 3))), dot(cross(rb, normal), vB.slice(3))), dot(cross(ra, normal), vA.slice(3)));
    const v0A = x.slice(L.qd + 6 * a, L.qd + 6 * a + 6), v0B = x.slice(L.qd + 6 * b, L.qd + 6 * b + 6);
    const startApproachAt = (ra: Real[], rb: Real[]): Real =>
      sub(add(dot(normal, subVec(v0B.slice(0, 3), v0A.slice(0, 3))), dot(cross(rb, normal), v0B.slice(3))), dot(cross(ra, normal), v0A.slice(3)));
    const e = maxReal(x[L.restitution + a], x[L.restitution + b]);
    let bound: Real = 0;
    let s: Real = 0;
    if (rec.bounced[k]) {
      const approach = approachAt(rA, rB);
      if (rec.impactFraction[k] > 0) {
        // the impact at s·dt into the step: lever arms and approach speed at that configuration
        s = div(d, mul(-dt, approach));
        const delay = mul(s, dt);
        // problem.ts: the contact point moves with the feature that carries it
        const weightA = impactCarrierWeight(model, a, b);
        const pa = pointVelocity(vA, carrierOffset(a, rA, normal, -1)), pb = pointVelocity(vB, carrierOffset(b, rB, normal, 1));
        const carried = [0, 1, 2].map((i) => add(mul(weightA, pa[i]), mul(1 - weightA, pb[i])));
        const surfaces = mul(0.5, add(dot(normal, pointVelocity(vA, rA)), dot(normal, pointVelocity(vB, rB))));
        const normalShift = sub(surfaces, dot(normal, carried));
        const mid = carried.map((m, i) => add(m, mul(normalShift, normal[i])));
        rA = [0, 1, 2].map((i) => add(rA[i], mul(delay, sub(mid[i], vA[i]))));
        rB = [0, 1, 2].map((i) => add(rB[i], mul(delay, sub(mid[i], vB[i]))));
        // problem.ts: the approach at the impact, u⁻ − (1 − s)Δ, reversed; (1 − s)Δ follows
        const atImpact = approachAt(rA, rB);
        const change = sub(atImpact, startApproachAt(rA, rB));
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
    dirs.forEach((dir, j) => dir.forEach((v, i) => (theta[o + 3 * j + i] = v)));
    for (let i = 0; i < 3; i++) {
      theta[o + 9 + i] = rA[i];
      theta[o + 12 + i] = rB[i];
    }
    theta[o + 15] = mu;
    theta[o + 16] = bound;
    // the solver's world impulse in this frame
    for (let j = 0; j < 3; j++) {
      const dv = dirs[j].map((v) => value(v));
      lambda[3 * k + j] = rec.impulse[3 * k] * dv[0] + rec.impulse[3 * k + 1] * dv[1] + rec.impulse[3 * k + 2] * dv[2];
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
    for (let j = 0; j < 6 * n; j++) pseudo[j] = add(pseudo[j], rec.pseudo[j] - value(pseudo[j]));
  }

  // positions of the bodies the contacts touched; the others keep the free-flight step
  const out: Real[] = free.slice();
  for (let j = 0; j < 6 * n; j++) out[7 * n + j] = vPlus[j];
  for (const b of touched) {
    const v = [0, 1, 2, 3, 4, 5].map((i) => add(vPlus[6 * b + i], pseudo[6 * b + i]));
    const p = pos(b);
    for (let i = 0; i < 3; i++) out[7 * b + i] = add(p[i], mul(dt, v[i]));
    const u = v.slice(3).map((w) => mul(0.5 * dt, w));
    const qn = quatNormalize(quatMul(expQuat(u), quatOf(b)));
    for (let i = 0; i < 4; i++) out[7 * b + 3 + i] = qn[i];
  }
  return out;
}

const matVec = (m: Real[], v: Real[]): Real[] => [0, 1, 2].map((r) => add(add(mul(m[3 * r], v[0]), mul(m[3 * r + 1], v[1])), mul(m[3 * r + 2], v[2])));

/** v + ω × r of a body with velocity [v | ω]. */
function pointVelocity(vel: Real[], r: Real[]): Real[] {
  const w = cross(vel.slice(3, 6), r);
  return [add(vel[0], w[0]), add(vel[1], w[1]), add(vel[2], w[2])];
}

/** The larger restitution; at a tie, the first (the derivative goes to one body: a kink, not reported here). */
function maxReal(a: Real, b: Real): Real {
  return value(a) >= value(b) ? a : b;
}

/**
 * An orthonormal frame (n, t₁, t₂) that is a smooth function of n (Duff et al. 2017,
 * smooth on each side of n_z = 0). Friction is isotropic, so v⁺ does not depend on
 * which tangents are used: any smooth choice gives the same derivatives.
 */
function frame(n: Real[]): Real[][] {
  const [nx, ny, nz] = n;
  const sign = value(nz) >= 0 ? 1 : -1;
  const h = div(-1, add(sign, nz));
  const xy = mul(mul(nx, ny), h);
  const t1 = [add(1, mul(sign, mul(mul(nx, nx), h))), mul(sign, xy), mul(-sign, nx)];
  const t2 = [xy, add(sign, mul(mul(ny, ny), h)), mul(-1, ny)];
  return [n, t1, t2];
}

/** R diag(d) Rᵀ (row-major 3×3) for the unit quaternion q = [w, x, y, z]. */
function worldInverseInertia(q: Real[], d: Real[]): Real[] {
  const [w, x, y, z] = q;
  const two = (a: Real, b: Real) => mul(2, mul(a, b));
  const R = [
    sub(1, mul(2, add(mul(y, y), mul(z, z)))), sub(two(x, y), two(w, z)), add(two(x, z), two(w, y)),
    add(two(x, y), two(w, z)), sub(1, mul(2, add(mul(x, x), mul(z, z)))), sub(two(y, z), two(w, x)),
    sub(two(x, z), two(w, y)), add(two(y, z), two(w, x)), sub(1, mul(2, add(mul(x, x), mul(y, y)))),
  ];
  const out: Real[] = new Array(9);
  for (let i = 0; i < 3; i++) {
    for (let j = i; j < 3; j++) {
      const e = add(add(mul(mul(R[3 * i], d[0]), R[3 * j]), mul(mul(R[3 * i + 1], d[1]), R[3 * j + 1])), mul(mul(R[3 * i + 2], d[2]), R[3 * j + 2]));
      out[3 * i + j] = e;
      out[3 * j + i] = e;
    }
  }
  return out;
}

/** exp of the pure quaternion u: (cos|u|, sin|u|/|u|·u); a series near 0 (no 0/0 in the derivative). */
function expQuat(u: Real[]): Real[] {
  const s = add(add(mul(u[0], u[0]), mul(u[1], u[1])), mul(u[2], u[2]));
  let c: Real, sinc: Real;
  if (value(s) < EXP_TAYLOR_MAX_S) {
    // quatExp.ts's series, so both faces agree to rounding
    c = horner(COS_SERIES, s);
    sinc = horner(SINC_SERIES, s);
  } else {
    const a = sqrt(s);
    c = cosR(a);
    sinc = div(sinR(a), a);
  }
  return [c, mul(sinc, u[0]), mul(sinc, u[1]), mul(sinc, u[2])];
}

function horner(terms: Float64Array, s: Real): Real {
  let acc: Real = terms[terms.length - 1];
  for (let i = terms.length - 2; i >= 0; i--) acc = add(terms[i], mul(acc, s));
  return acc;
}
