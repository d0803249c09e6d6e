/**
 * One hard-contact step on the trace, for the backward pass of the hard rollout
 * (sim/hard/stepper.ts) — the path of steps that place an impact, and the reference that
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
 *   impact placement     s = d/(−u⁻dt); the bodies' poses at s·dt, the features' geometry
 *                        there (normal, point, lever arms), their inertia there, b and the
 *                        slip target from the contact velocity at the impact        (★)
 *   velocity solve       [v⁺ | λ] = impulseSolvePrimitive(θ)   (implicit adjoint)
 *   after an impact      state ω = ω⁺ + (1 − s)·[(G(ω⁺) − ω⁺) − (G(ω₀) − ω₀)], G the gyroscopic step (★)
 *   position pass        v_p = −s·M⁻¹J_kᵀλ_k (placed impacts and the impulses between dynamic
 *                        bodies of their islands at the island's earliest s, ★) + the drift correction
 *   positions            x' = x + dt(v⁺ + v_p),  q' = normalize(exp(½dt(ω⁺ + ω_p)) ⊗ q̂)
 *                        (advancePosesPrimitive); the rest (lever arms, bounds, placement) ad ops
 *
 * (★) is where time-of-impact gradients come from: the impact time moves with the state,
 * so an impact that comes earlier moves the bodies with their new velocities for longer.
 * With `contact.timeOfImpact = false` the forward pass does not place impacts and (★) is
 * absent: the derivative of that executed trace.
 *
 * Conventions: a contact resting within `restingGap` of d = 0 differentiates its
 * speculative bound on the open side (b = −d/dt), see below. The split-impulse drift
 * correction (position.ts's second pass, which runs only on penetration beyond tolerance)
 * is differentiated with its active set fixed on every step it runs (after a placement ★,
 * where it corrects what the placement leaves, a placed impulse that carries weight or a
 * cascade of placed impacts on one body; elsewhere rotation over the step, solver tolerance,
 * initial overlap; issue 13): v_p = v_place + M⁻¹J_Aᵀλ_A with
 * W_AA λ_A = −d_A/dt − J_A(v⁺ + v_place) on the active rows (position.ts `independentRows`).
 */
import { add, div, mul, neg, sub, value } from '../../../../ad/ops.ts';
import { customVjp } from '../../../../ad/primitive.ts';
import { valueAndGrad } from '../../../../ad/transforms.ts';
import type { Real } from '../../../../ad/tape.ts';
import { cross, dot, subVec } from '../../../../ad/vec.ts';
import { contactGeometryPrimitive } from '../../../../sim/contact/geometry.ts';
import { integrateRule, integratorLayout } from '../../../../sim/integrator/semiImplicitEuler.ts';
import type { HardStepRecord, TracedStepContext } from '../../../../sim/hard/record.ts';
import {
  bounceBound,
  changeAfterImpact,
  impactBound,
  impactFraction,
  leverArms,
  pairFriction,
  pairRestitution,
  refinedImpactFraction,
  speculativeBound,
} from '../../../../sim/hard/contact-rules.ts';
import { impulseSolvePrimitive } from '../../../../sim/hard/impulse-adjoint.ts';
import { PlacementIslands } from '../../../../sim/hard/placement-islands.ts';
import { independentRows } from '../../../../sim/hard/position.ts';
import {
  CONTACT_BOUND,
  CONTACT_MU,
  CONTACT_R_A,
  CONTACT_R_B,
  CONTACT_SLIP_TARGET,
  IMPULSE_CONTACT_WIDTH,
  impulseLayout,
} from '../../../../sim/hard/impulse-layout.ts';
import { contactFramesPrimitive, FRAME_WIDTH } from '../../../../sim/hard/frame.ts';
import {
  advancePosesPrimitive,
  POSE_OUTPUT_WIDTH,
  worldInvInertiaPrimitive,
} from '../../../../sim/hard/pose-kernels.ts';

/** The integrator primitive of a context's model, one per context (the trace's free flight). */
const _integrators = new WeakMap<TracedStepContext, (x: readonly Real[]) => Real[]>();

function integratorOf(ctx: TracedStepContext): (x: readonly Real[]) => Real[] {
  let integrate = _integrators.get(ctx);
  if (integrate === undefined) {
    integrate = customVjp(integrateRule(ctx.integratorConfig));
    _integrators.set(ctx, integrate);
  }
  return integrate;
}

/** (∂step/∂x)ᵀȳ by one reverse sweep of the step's trace. */
export function tracedPullback(
  ctx: TracedStepContext,
  rec: HardStepRecord,
  x: Float64Array,
  ybar: Float64Array,
): Float64Array {
  const { grad } = valueAndGrad((v) => {
    const y = hardStepTraced(ctx, rec, v);
    let sum: Real = 0;
    for (let j = 0; j < y.length; j++) if (ybar[j] !== 0) sum = add(sum, mul(ybar[j], y[j]));
    return sum;
  }, Array.from(x));
  return Float64Array.from(grad);
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
  const free = integratorOf(ctx)(xi);
  if (c === 0) return free; // bit for bit the hard step without contacts
  const vStar = free.slice(7 * n);

  // contact geometry of the fixed features
  const qStart = x.slice(L.q, L.q + 7 * n);
  const sizes = x.slice(L.geomSize, L.geomSize + 4 * n);
  const geom = contactGeometryPrimitive(ctx.geometryInput, rec.contacts)([...qStart, ...sizes]);
  const pointOf = (g: Real[], k: number, count: number): Real[] => g.slice(4 * count + 3 * k, 4 * count + 3 * k + 3);
  const normalOf = (g: Real[], k: number, count: number): Real[] => g.slice(count + 3 * k, count + 3 * k + 3);
  const positionOf = (q: Real[], b: number): Real[] => q.slice(7 * b, 7 * b + 3);

  // placed impacts (problem.ts `placeImpacts`): the impact fraction s = d/(−u⁻·dt) from the
  // start of the step and its Newton step on the gap at s·dt, each body's pose at its
  // earliest impact (for its inertia), and each placed contact's geometry at its own impact
  /** poses of `bodies` after s·dt of free flight (advancePosesPrimitive with the velocities scaled by s) */
  const flight = (bodies: readonly number[], s: Real): Real[][] => {
    const input: Real[] = [];
    for (const b of bodies) {
      input.push(...qStart.slice(7 * b, 7 * b + 7));
      for (let i = 0; i < 6; i++) input.push(mul(s, vStar[6 * b + i]));
    }
    const poses = advancePosesPrimitive(bodies.length, dt)(input);
    return bodies.map((_, j) => poses.slice(POSE_OUTPUT_WIDTH * j, POSE_OUTPUT_WIDTH * (j + 1)));
  };
  /** contact k's features with both bodies at s·dt: the poses (all bodies) and [dist, normal, point] */
  const geometryAt = (k: number, s: Real): { q: Real[]; g: Real[] } => {
    const moving = [rec.contacts.bodyA[k], rec.contacts.bodyB[k]].filter((body) => !model.bodyStatic[body]);
    const poses = flight(moving, s);
    const q = qStart.slice();
    moving.forEach((body, j) => {
      for (let i = 0; i < 7; i++) q[7 * body + i] = poses[j][i];
    });
    const one = {
      count: 1,
      bodyA: rec.contacts.bodyA.subarray(k, k + 1),
      bodyB: rec.contacts.bodyB.subarray(k, k + 1),
      pair: rec.contacts.pair.subarray(k, k + 1),
    };
    return { q, g: contactGeometryPrimitive(ctx.geometryInput, one)([...q, ...sizes]) };
  };
  const velocityOf = (v: readonly Real[], b: number): Real[] => v.slice(6 * b, 6 * b + 6);
  const vStart = x.slice(L.qd, L.qd + 6 * n);
  const fraction: Real[] = new Array(c).fill(0);
  const earliest = new Map<number, Real>();
  for (let k = 0; k < c; k++) {
    if (!(rec.bounced[k] && rec.impactFraction[k] > 0)) continue;
    const a = rec.contacts.bodyA[k],
      b = rec.contacts.bodyB[k];
    const point = pointOf(geom, k, c);
    const approach = rowVelocity(
      normalOf(geom, k, c),
      velocityOf(vStar, a),
      velocityOf(vStar, b),
      subVec(point, positionOf(qStart, a)),
      subVec(point, positionOf(qStart, b)),
    );
    let s = impactFraction(geom[k], approach, dt);
    // problem.ts `refineImpactFraction`: one Newton step on the gap at s·dt
    const { q, g } = geometryAt(k, s);
    const [rA, rB] = leverArmsOf(g, 4, q, a, b);
    const normal = g.slice(1, 4);
    const rate = add(
      mul(s, rowVelocity(normal, velocityOf(vStar, a), velocityOf(vStar, b), rA, rB)),
      mul(sub(1, s), rowVelocity(normal, velocityOf(vStart, a), velocityOf(vStart, b), rA, rB)),
    );
    s = refinedImpactFraction(s, g[0], rate, dt);
    fraction[k] = s;
    for (const body of [a, b]) {
      const seen = earliest.get(body);
      if (!model.bodyStatic[body] && (seen === undefined || value(s) < value(seen))) earliest.set(body, s);
    }
  }
  const impactPose = new Map<number, Real[]>();
  for (const [body, s] of earliest) impactPose.set(body, flight([body], s)[0]);
  const contactGeom: Real[][] = [];
  const placedQ: (Real[] | null)[] = new Array(c).fill(null);
  for (let k = 0; k < c; k++) {
    if (fraction[k] === 0) {
      contactGeom.push([geom[k], ...normalOf(geom, k, c), ...pointOf(geom, k, c)]);
      continue;
    }
    const { q, g } = geometryAt(k, fraction[k]);
    placedQ[k] = q;
    contactGeom.push(g);
  }

  // world inverse inertia of every dynamic body (at its earliest impact, if in one), one primitive for all of them
  const dynamic = ctx.dynamicBodies;
  const inertiaInput: Real[] = [];
  for (const b of dynamic) {
    const pose = impactPose.get(b);
    for (let i = 3; i < 7; i++) inertiaInput.push(pose === undefined ? x[L.q + 7 * b + i] : pose[i]);
  }
  for (const b of dynamic) for (let i = 0; i < 3; i++) inertiaInput.push(x[L.invInertia + 3 * b + i]);
  const inertia = dynamic.length > 0 ? worldInvInertiaPrimitive(dynamic.length)(inertiaInput) : [];
  const worldInvInertia = new Map<number, Real[]>(dynamic.map((b, j) => [b, inertia.slice(9 * j, 9 * j + 9)]));
  const staticInertia: Real[] = new Array(9).fill(0);
  const invInertiaOf = (b: number): Real[] => worldInvInertia.get(b) ?? staticInertia;

  // rows, bounds, slip targets and (placed) lever arms, per contact, into the solve's θ
  const IM = impulseLayout(n, c);
  const theta: Real[] = new Array(IM.size).fill(0);
  for (let j = 0; j < 6 * n; j++) theta[IM.velocity + j] = vStar[j];
  for (let b = 0; b < n; b++) {
    theta[IM.invMass + b] = model.bodyStatic[b] ? 0 : x[L.invMass + b];
    const w = invInertiaOf(b);
    for (let j = 0; j < 9; j++) theta[IM.invInertia + 9 * b + j] = w[j];
  }
  const lambda = new Float64Array(3 * c);
  const rows: { rA: Real[]; rB: Real[]; dirs: Real[][] }[] = new Array(c);
  const frames = contactFramesPrimitive(c)(contactGeom.flatMap((g) => g.slice(1, 4)));
  for (let k = 0; k < c; k++) {
    const a = rec.contacts.bodyA[k],
      b = rec.contacts.bodyB[k];
    const d = geom[k];
    const dirs = [
      frames.slice(FRAME_WIDTH * k, FRAME_WIDTH * k + 3),
      frames.slice(FRAME_WIDTH * k + 3, FRAME_WIDTH * k + 6),
      frames.slice(FRAME_WIDTH * k + 6, FRAME_WIDTH * k + 9),
    ];
    const [rA, rB] = leverArmsOf(contactGeom[k], 4, placedQ[k] ?? qStart, a, b);
    const vA = vStar.slice(6 * a, 6 * a + 6),
      vB = vStar.slice(6 * b, 6 * b + 6);
    let bound: Real;
    const target: Real[] = [0, 0];
    const s = fraction[k];
    if (rec.bounced[k]) {
      const e = pairRestitution(x[L.restitution + a], x[L.restitution + b]);
      const approach = rowVelocity(dirs[0], vA, vB, rA, rB);
      if (s !== 0) {
        // problem.ts: the free-flight change of the contact velocity splits at the impact;
        // the approach before it is reversed, its slip is what friction stops, the rest follows
        const v0A = x.slice(L.qd + 6 * a, L.qd + 6 * a + 6),
          v0B = x.slice(L.qd + 6 * b, L.qd + 6 * b + 6);
        const changeAfter = (j: number): Real =>
          changeAfterImpact(
            s,
            j === 0 ? approach : rowVelocity(dirs[j], vA, vB, rA, rB),
            rowVelocity(dirs[j], v0A, v0B, rA, rB),
          );
        bound = impactBound(e, approach, changeAfter(0));
        target[0] = changeAfter(1);
        target[1] = changeAfter(2);
      } else {
        bound = bounceBound(e, approach);
      }
    } else {
      // speculative; a resting contact on the open side of its kink (contact-rules.ts)
      bound = speculativeBound(d, dt, ctx.restingGap);
    }
    const mu = pairFriction(x[L.friction + a], x[L.friction + b]);
    const o = IM.contacts + IMPULSE_CONTACT_WIDTH * k;
    for (let j = 0; j < FRAME_WIDTH; j++) theta[o + j] = frames[FRAME_WIDTH * k + j];
    for (let i = 0; i < 3; i++) {
      theta[o + CONTACT_R_A + i] = rA[i];
      theta[o + CONTACT_R_B + i] = rB[i];
    }
    theta[o + CONTACT_MU] = mu;
    theta[o + CONTACT_BOUND] = bound;
    theta[o + CONTACT_SLIP_TARGET] = target[0];
    theta[o + CONTACT_SLIP_TARGET + 1] = target[1];
    // the solver's world impulse in this frame
    for (let j = 0; j < 3; j++) {
      const f = FRAME_WIDTH * k + 3 * j;
      lambda[3 * k + j] =
        rec.impulse[3 * k] * value(frames[f]) +
        rec.impulse[3 * k + 1] * value(frames[f + 1]) +
        rec.impulse[3 * k + 2] * value(frames[f + 2]);
    }
    rows[k] = { rA, rB, dirs };
  }
  // the impulses the placement moves: the placed impacts' and their islands' (placement-islands.ts)
  const islands = new PlacementIslands();
  const movedAny = islands.find(
    c,
    rec.contacts.bodyA,
    rec.contacts.bodyB,
    model.bodyStatic,
    lambda,
    rec.impactFraction,
  );
  const placed: { k: number; s: Real; rA: Real[]; rB: Real[]; dirs: Real[][] }[] = [];
  for (let k = 0; movedAny && k < c; k++) {
    const from = islands.source[k];
    if (from >= 0) placed.push({ k, s: fraction[from], ...rows[k] });
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
  // the state's velocity: v⁺, after a placed impact with the gyroscopic term on ω⁺
  const vState = vPlus.slice();
  if (earliest.size > 0) {
    // after a placed impact the gyroscopic term acts on the post-impact ω (integrate.ts
    // `gyroscopicAfterImpacts`): G, the torque-free step of the integrator primitive
    const gyroscopic = (qd: readonly Real[]): Real[] => {
      const xg = xi.slice();
      for (let j = 0; j < 6 * n; j++) {
        xg[IL.qd + j] = qd[j];
        xg[IL.wrench + j] = 0;
      }
      for (let j = 0; j < 3; j++) xg[IL.gravity + j] = 0;
      return integratorOf(ctx)(xg).slice(7 * n);
    };
    const after = gyroscopic(vPlus),
      before = gyroscopic(vStart);
    // not on a body that another contact carries (problem.ts `isolatedImpactDelays`)
    const carried = new Set<number>();
    for (let k = 0; k < c; k++) {
      if (fraction[k] === 0 && lambda[3 * k] > 0) carried.add(rec.contacts.bodyA[k]).add(rec.contacts.bodyB[k]);
    }
    for (const [b, s] of earliest) {
      if (carried.has(b)) continue;
      for (let k = 3; k < 6; k++) {
        const o = 6 * b + k;
        vState[o] = add(vPlus[o], mul(sub(1, s), sub(sub(after[o], vPlus[o]), sub(before[o], vStart[o]))));
      }
    }
  }

  // the position pass: placed impulses move the bodies only after the impact (★), then
  // the drift correction with its active set fixed
  const touched = new Set<number>();
  for (let k = 0; k < c; k++) {
    for (const b of [rec.contacts.bodyA[k], rec.contacts.bodyB[k]]) if (!model.bodyStatic[b]) touched.add(b);
  }
  const pseudo: Real[] = new Array(6 * n).fill(0);
  if (rec.moved) {
    for (const { k, s, rA, rB, dirs } of placed) {
      const l = solved.slice(6 * n + 3 * k, 6 * n + 3 * k + 3);
      const P = [0, 1, 2].map((i) => add(add(mul(l[0], dirs[0][i]), mul(l[1], dirs[1][i])), mul(l[2], dirs[2][i])));
      for (const [b, sign, r] of [
        [rec.contacts.bodyB[k], -1, rB],
        [rec.contacts.bodyA[k], 1, rA],
      ] as const) {
        if (model.bodyStatic[b]) continue;
        const scaled = P.map((p) => mul(mul(sign, s), p));
        const dw = matVec(invInertiaOf(b), cross(r, scaled));
        for (let i = 0; i < 3; i++) {
          pseudo[6 * b + i] = add(pseudo[6 * b + i], mul(x[L.invMass + b], scaled[i]));
          pseudo[6 * b + 3 + i] = add(pseudo[6 * b + 3 + i], dw[i]);
        }
      }
    }
    // the drift correction on the active rows (after the placement ★, or alone: issue 13)
    driftCorrection(ctx, rec, geom, rows, vPlus, invInertiaOf, x, pseudo);
    for (let j = 0; j < 6 * n; j++) {
      const traced = pseudo[j];
      pseudo[j] = typeof traced === 'number' ? rec.pseudo[j] : add(traced, rec.pseudo[j] - value(traced));
    }
  }

  // positions of the bodies the contacts touched; the others keep the free-flight step
  const out: Real[] = free.slice();
  for (let j = 0; j < 6 * n; j++) out[7 * n + j] = vState[j];
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

/**
 * The position pass's drift correction with its active set fixed (header): adds
 * M⁻¹J_Aᵀλ_A to `pseudo` (which holds the placement's v_place), with
 * W_AA λ_A = −d_A/dt − J_A(v⁺ + v_place) on the independent active rows, J the normal rows
 * (the frame's n and the lever arms the solve used, a placed impact's at its impact).
 */
function driftCorrection(
  ctx: TracedStepContext,
  rec: HardStepRecord,
  dist: readonly Real[],
  rows: readonly { rA: Real[]; rB: Real[]; dirs: Real[][] }[],
  vPlus: readonly Real[],
  invInertiaOf: (b: number) => Real[],
  x: readonly Real[],
  pseudo: Real[],
): void {
  const { model, L } = ctx;
  const n = model.nbody;
  const c = rec.contacts.count;
  const all: number[] = [];
  for (let k = 0; k < c; k++) if (rec.positionActive[k]) all.push(k);
  if (all.length === 0) return;
  const { bodyA, bodyB } = rec.contacts;
  /** M⁻¹J_kᵀ (6n): the velocity change of a unit impulse along contact k's normal */
  const response = (k: number): Real[] => {
    const out: Real[] = new Array(6 * n).fill(0);
    const { rA, rB, dirs } = rows[k];
    for (const [b, sign, r] of [
      [bodyB[k], 1, rB],
      [bodyA[k], -1, rA],
    ] as const) {
      if (model.bodyStatic[b]) continue;
      const f = dirs[0].map((d) => mul(sign, d));
      const dw = matVec(invInertiaOf(b), cross(r, f));
      for (let i = 0; i < 3; i++) {
        out[6 * b + i] = add(out[6 * b + i], mul(x[L.invMass + b], f[i]));
        out[6 * b + 3 + i] = add(out[6 * b + 3 + i], dw[i]);
      }
    }
    return out;
  };
  const rowOf = (k: number, v: readonly Real[]): Real =>
    rowVelocity(
      rows[k].dirs[0],
      v.slice(6 * bodyA[k], 6 * bodyA[k] + 6),
      v.slice(6 * bodyB[k], 6 * bodyB[k] + 6),
      rows[k].rA,
      rows[k].rB,
    );
  const m0 = all.length;
  const responses = all.map(response);
  const w0 = new Float64Array(m0 * m0);
  for (let i = 0; i < m0; i++) for (let j = 0; j < m0; j++) w0[i * m0 + j] = value(rowOf(all[i], responses[j]));
  const keep = new Uint8Array(m0);
  independentRows(w0, m0, keep, new Float64Array(m0 * m0));
  const act = all.filter((_, i) => keep[i] === 1);
  const resp = responses.filter((_, i) => keep[i] === 1);
  const m = act.length;
  // W λ = rhs, Gaussian elimination on the symmetric positive definite W (no pivoting)
  const end = vPlus.map((v, j) => add(v, pseudo[j]));
  const W: Real[][] = act.map((k) => resp.map((r) => rowOf(k, r)));
  const rhs: Real[] = act.map((k) => sub(neg(div(dist[k], model.dt)), rowOf(k, end)));
  for (let p = 0; p < m; p++)
    for (let i = p + 1; i < m; i++) {
      const f = div(W[i][p], W[p][p]);
      for (let j = p; j < m; j++) W[i][j] = sub(W[i][j], mul(f, W[p][j]));
      rhs[i] = sub(rhs[i], mul(f, rhs[p]));
    }
  const lam: Real[] = new Array(m).fill(0);
  for (let i = m - 1; i >= 0; i--) {
    let r = rhs[i];
    for (let j = i + 1; j < m; j++) r = sub(r, mul(W[i][j], lam[j]));
    lam[i] = div(r, W[i][i]);
  }
  for (let i = 0; i < m; i++)
    for (let j = 0; j < 6 * n; j++) if (resp[i][j] !== 0) pseudo[j] = add(pseudo[j], mul(lam[i], resp[i][j]));
}

const matVec = (m: Real[], v: Real[]): Real[] =>
  [0, 1, 2].map((r) => add(add(mul(m[3 * r], v[0]), mul(m[3 * r + 1], v[1])), mul(m[3 * r + 2], v[2])));

/** Velocity d·(v_B − v_A) + (r_B × d)·ω_B − (r_A × d)·ω_A of a contact along its direction d (problem.ts `contactVelocity`). */
function rowVelocity(d: Real[], vA: Real[], vB: Real[], rA: Real[], rB: Real[]): Real {
  return sub(
    add(dot(d, subVec(vB.slice(0, 3), vA.slice(0, 3))), dot(cross(rB, d), vB.slice(3))),
    dot(cross(rA, d), vA.slice(3)),
  );
}

/** Lever arms [r_A, r_B] of the point at `g[po..]` from the centres in the poses `q` (contact-rules.ts `leverArms`). */
function leverArmsOf(g: readonly Real[], po: number, q: readonly Real[], a: number, b: number): [Real[], Real[]] {
  const r: Real[] = new Array(6);
  leverArms(r, g, po, q, a, b);
  return [r.slice(0, 3), r.slice(3, 6)];
}
