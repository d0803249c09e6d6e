/**
 * Forward mode of the hard step along several directions at once: the transpose of
 * step-adjoint.ts's `hardStepAdjoint`, kernel by kernel, with every decision of the
 * executed step fixed (its record):
 *
 *   free flight (integrator tangents)  →  contact geometry (geometry-tangent.ts)  →
 *   frames (Duff), lever arms r = p − x, μ = √(μ_A μ_B), bounds (bounce −e·u⁻, speculative
 *   −d/dt, resting on the open side), world inverse inertia R D Rᵀ  →  the impulse solve's
 *   implicit tangent (impulse-tangent.ts, island by island, K factored once)  →  poses
 *   of the touched bodies from v⁺ (+ the position pass's pseudo-velocities, differentiated
 *   with their active set fixed where the pass ran: position-adjoint.ts)
 *
 * The forward values are computed once per step from the record and the step's input
 * (step-values.ts, shared with the adjoint); only the linear propagation runs per
 * direction. Covers the steps the hand adjoint covers without the placed impacts' chain
 * (no impact placed inside the step, `placesImpact` is false); step-tangent-placed.ts
 * handles the others.
 *
 * In: the one-step input `x` (layout `ctx.L`: state, parameters, this step's controls) and
 * `dirs` tangents of it, direction j at `xdot[j·L.size ..]`. Out: direction j's tangent
 * of [q' (7n) | q̇' (6n)] at `ydot[j·13n ..]` (overwritten). The per-contact values and
 * tangents stay in the context's scratch for the decisions' margins (decisions-tangent.ts)
 * until the next call.
 */
import { contactGeometryTangents } from '../contact/geometry-tangent.ts';
import { copyInto } from '../driver/records.ts';
import {
  integrateTangents,
  integratorLayout,
  loadUnitRotation,
  rotationTangent,
} from '../integrator/semiImplicitEuler.ts';
import { quatExp, quatExpTangent } from '../integrator/quatExp.ts';
import { quatMultiply } from '../math/quat.ts';
import { pairRestitution, restitutionBody } from './contact-rules.ts';
import {
  CONTACT_BOUND,
  CONTACT_MU,
  CONTACT_R_A,
  CONTACT_R_B,
  IMPULSE_CONTACT_WIDTH,
  impulseLayout,
} from './impulse-layout.ts';
import { impulseTangentInto } from './impulse-tangent.ts';
import { unplacedDriftOf } from './position-adjoint.ts';
import { dropStaticVelocities, placesImpact } from './step-adjoint.ts';
import { BOUND_BOUNCE, BOUND_GAP, stepValues, StepValues } from './step-values.ts';
import type { HardStepRecord, TracedStepContext } from './record.ts';

/** Floats per body of a pose, a twist. */
const POSE = 7;
const TWIST = 6;

/** A step the hand tangent cannot take (a placed impact): step-tangent-placed.ts takes it. */
export class PlacedImpactTangentError extends Error {
  constructor() {
    super('hardStepTangent: the step places an impact; use placedStepTangent (step-tangent-placed.ts)');
    this.name = 'PlacedImpactTangentError';
  }
}

/**
 * ẏ_j = (∂step/∂x) ẋ_j for the `dirs` directions (module header), into `ydot`.
 *
 * @example
 * hardStepTangent(ctx, rec, x, 2, xdot, ydot); // ydot.subarray(13 * n, 26 * n): direction 1's
 */
export function hardStepTangent(
  ctx: TracedStepContext,
  rec: HardStepRecord,
  x: Float64Array,
  dirs: number,
  xdot: Float64Array,
  ydot: Float64Array,
): void {
  if (placesImpact(rec)) throw new PlacedImpactTangentError();
  const { model, L } = ctx;
  const n = model.nbody;
  const c = rec.contacts.count;
  const ss = (POSE + TWIST) * n;
  const sc = tangentScratchOf(ctx);
  sc.ensure(c, dirs);
  sc.count = c;
  sc.dirs = dirs;

  // ---- free flight, with its tangents ----
  const IL = sc.IL;
  const xi = sc.xi;
  copyInto(xi, IL.q, x, L.q, ss);
  const bodies = ctx.controlBodies;
  xi.fill(0, IL.wrench, IL.wrench + TWIST * n);
  for (let j = 0; j < bodies.length; j++) copyInto(xi, IL.wrench + TWIST * bodies[j], x, L.controls + TWIST * j, TWIST);
  copyInto(xi, IL.invMass, x, L.invMass, n);
  copyInto(xi, IL.invInertia, x, L.invInertia, 3 * n);
  copyInto(xi, IL.gravity, x, L.gravity, 3);
  for (let j = 0; j < dirs; j++) {
    const xd = sc.xiDots[j],
      o = j * L.size;
    copyInto(xd, IL.q, xdot, o + L.q, ss);
    xd.fill(0, IL.wrench, IL.wrench + TWIST * n);
    for (let b = 0; b < bodies.length; b++)
      copyInto(xd, IL.wrench + TWIST * bodies[b], xdot, o + L.controls + TWIST * b, TWIST);
    copyInto(xd, IL.invMass, xdot, o + L.invMass, n);
    copyInto(xd, IL.invInertia, xdot, o + L.invInertia, 3 * n);
    copyInto(xd, IL.gravity, xdot, o + L.gravity, 3);
  }
  integrateTangents(ctx.integratorConfig, xi, sc.xiDots, sc.freeDots, sc.freeQ, sc.freeQd);
  if (c === 0) {
    for (let j = 0; j < dirs; j++) {
      copyInto(ydot, j * ss, sc.freeDots[j], 0, ss);
      // static bodies' velocities are not differentiated (as in a step with contacts)
      dropStaticVelocities(ydot, j * ss + POSE * n, model.bodyStatic);
    }
    return;
  }
  contactTangent(ctx, sc, rec, x, dirs, xdot, ydot);
}

/** The contact part (a step with contacts): every direction's ẏ into `ydot`. */
function contactTangent(
  ctx: TracedStepContext,
  sc: StepTangentScratch,
  rec: HardStepRecord,
  x: Float64Array,
  dirs: number,
  xdot: Float64Array,
  ydot: Float64Array,
): void {
  const { model, L } = ctx;
  const n = model.nbody;
  const dt = model.dt;
  const contacts = rec.contacts;
  const c = contacts.count;
  const ss = (POSE + TWIST) * n;
  const vStar = sc.freeQd;
  const stride = L.size;

  // ---- values, the adjoint's (step-values.ts) ----
  stepValues(ctx, sc, rec, x, vStar, null);
  const { geom, theta, boundKind, approach, solved, solve } = sc;
  const qStart = sc.xgQ;
  const dynamic = ctx.dynamicBodies;
  const nd = dynamic.length;
  const IM = impulseLayout(n, c);
  const nm = sc.nm;

  // ---- tangents: geometry (all directions at once), world inertia, θ̇ per direction ----
  const geomDot = sc.geomDot;
  contactGeometryTangents(
    ctx.geometryInput,
    contacts,
    qStart,
    sc.xgSize,
    dirs,
    sc.stateDotView(xdot, L.q),
    stride,
    sc.sizeDotView(xdot, L.geomSize),
    stride,
    geomDot,
  );
  const thetaDot = sc.thetaDot;
  const tw = IM.size;
  for (let j = 0; j < dirs; j++) {
    const t = j * tw,
      xo = j * stride,
      g = j * 7 * c;
    thetaDot.fill(0, t, t + tw);
    copyInto(thetaDot, t + IM.velocity, sc.freeDots[j], POSE * n, TWIST * n);
    for (let jj = 0; jj < nd; jj++) {
      const b = dynamic[jj];
      thetaDot[t + IM.invMass + b] = xdot[xo + L.invMass + b];
    }
    for (let m = 0; m < nm; m++) {
      const b = sc.moving[m];
      worldInvInertiaTangent(
        x,
        L.q + POSE * b + 3,
        x,
        L.invInertia + 3 * b,
        xdot,
        xo + L.q + POSE * b + 3,
        xdot,
        xo + L.invInertia + 3 * b,
        thetaDot,
        t + IM.invInertia + 9 * b,
      );
    }
    for (let k = 0; k < c; k++) {
      const a = contacts.bodyA[k],
        b = contacts.bodyB[k];
      const o = t + IM.contacts + IMPULSE_CONTACT_WIDTH * k;
      const th = IM.contacts + IMPULSE_CONTACT_WIDTH * k;
      frameTangent(geom, c + 3 * k, geomDot, g + c + 3 * k, thetaDot, o);
      for (let i = 0; i < 3; i++) {
        const pd = geomDot[g + 4 * c + 3 * k + i];
        thetaDot[o + CONTACT_R_A + i] = pd - xdot[xo + L.q + POSE * a + i];
        thetaDot[o + CONTACT_R_B + i] = pd - xdot[xo + L.q + POSE * b + i];
      }
      const mu = theta[th + CONTACT_MU];
      if (mu > 0)
        thetaDot[o + CONTACT_MU] =
          (xdot[xo + L.friction + a] * x[L.friction + b] + x[L.friction + a] * xdot[xo + L.friction + b]) / (2 * mu);
      if (boundKind[k] === BOUND_BOUNCE) {
        const ea = x[L.restitution + a],
          eb = x[L.restitution + b];
        const e = pairRestitution(ea, eb) as number;
        const eDot = xdot[xo + L.restitution + (restitutionBody(ea, eb) === 0 ? a : b)];
        const free = sc.freeDots[j];
        const uDot =
          sideVelocityTangent(theta, thetaDot, th, th + CONTACT_R_B, t, vStar, free, 6 * b, POSE * n + 6 * b) -
          sideVelocityTangent(theta, thetaDot, th, th + CONTACT_R_A, t, vStar, free, 6 * a, POSE * n + 6 * a);
        sc.approachDot[j * c + k] = uDot;
        thetaDot[o + CONTACT_BOUND] = -(eDot * approach[k] + e * uDot);
      } else if (boundKind[k] === BOUND_GAP) {
        thetaDot[o + CONTACT_BOUND] = -geomDot[g + k] / dt;
      }
    }
  }

  // ---- the solve's tangent ----
  const sw = TWIST * n + 3 * c;
  const solvedDot = sc.solvedDot;
  impulseTangentInto(solve, theta, solved, dirs, thetaDot, tw, solvedDot, sw);
  // the position pass's drift correction where it ran (position-adjoint.ts), its active set fixed
  const pseudoDot = rec.moved
    ? unplacedDriftOf(ctx).tangent(
        rec,
        theta,
        IM.contacts,
        IM.invInertia,
        sc.lambda,
        solved,
        x,
        dirs,
        thetaDot,
        tw,
        geomDot,
        7 * c,
        xdot,
        stride,
        solvedDot,
        sw,
      )
    : null;

  // ---- the state after: q̇' = v̇⁺ (static bodies: 0, as the adjoint's), poses ----
  const moving = sc.moving,
    isMoving = sc.isMoving;
  for (let j = 0; j < dirs; j++) {
    const yo = j * ss,
      so = j * sw,
      xo = j * stride;
    const free = sc.freeDots[j];
    for (let b = 0; b < n; b++) if (!isMoving[b]) copyInto(ydot, yo + POSE * b, free, POSE * b, POSE);
    copyInto(ydot, yo + POSE * n, solvedDot, so, TWIST * n);
    for (let m = 0; m < nm; m++) {
      const b = moving[m];
      poseTangent(
        x,
        L.q + POSE * b,
        solved,
        6 * b,
        rec.moved ? rec.pseudo : null,
        pseudoDot,
        j * TWIST * n + 6 * b,
        xdot,
        xo + L.q + POSE * b,
        solvedDot,
        so + 6 * b,
        dt,
        ydot,
        yo + POSE * b,
      );
    }
  }
}

/**
 * d/dε of one body's side of a contact velocity, d·v + (r × d)·ω, at (d, r, v) along
 * (ḋ, ṙ, v̇): ḋ·v + d·v̇ + (ṙ × d + r × ḋ)·ω + (r × d)·ω̇. θ holds d at `d` and r at `r`;
 * θ̇ at `td + d`, `td + r`; v at `v[o ..]`, v̇ at `vdot[od ..]`. Shared with the
 * decisions' margins (decisions-tangent.ts).
 */
export function sideVelocityTangent(
  theta: Float64Array,
  thetaDot: Float64Array,
  d: number,
  r: number,
  td: number,
  v: Float64Array,
  vdot: Float64Array,
  o: number,
  od: number,
): number {
  const dx = theta[d],
    dy = theta[d + 1],
    dz = theta[d + 2];
  const rx = theta[r],
    ry = theta[r + 1],
    rz = theta[r + 2];
  const ddx = thetaDot[td + d],
    ddy = thetaDot[td + d + 1],
    ddz = thetaDot[td + d + 2];
  const rdx = thetaDot[td + r],
    rdy = thetaDot[td + r + 1],
    rdz = thetaDot[td + r + 2];
  return (
    ddx * v[o] +
    ddy * v[o + 1] +
    ddz * v[o + 2] +
    dx * vdot[od] +
    dy * vdot[od + 1] +
    dz * vdot[od + 2] +
    (rdy * dz - rdz * dy + ry * ddz - rz * ddy) * v[o + 3] +
    (rdz * dx - rdx * dz + rz * ddx - rx * ddz) * v[o + 4] +
    (rdx * dy - rdy * dx + rx * ddy - ry * ddx) * v[o + 5] +
    (ry * dz - rz * dy) * vdot[od + 3] +
    (rz * dx - rx * dz) * vdot[od + 4] +
    (rx * dy - ry * dx) * vdot[od + 5]
  );
}

/**
 * The tangent of Duff's frame (frame.ts) of the normal at `n[no ..]` along `nd[ndo ..]`,
 * into `out[o .. o + 8]` (ṅ, ṫ₁, ṫ₂): the transpose of `contactFramesAdjoint`.
 */
export function frameTangent(
  n: Float64Array,
  no: number,
  nd: Float64Array,
  ndo: number,
  out: Float64Array,
  o: number,
): void {
  const nx = n[no],
    ny = n[no + 1],
    nz = n[no + 2];
  const dx = nd[ndo],
    dy = nd[ndo + 1],
    dz = nd[ndo + 2];
  const sign = nz >= 0 ? 1 : -1;
  const h = -1 / (sign + nz);
  const hd = h * h * dz;
  const xyd = (dx * ny + nx * dy) * h + nx * ny * hd;
  out[o] = dx;
  out[o + 1] = dy;
  out[o + 2] = dz;
  out[o + 3] = sign * (2 * nx * dx * h + nx * nx * hd);
  out[o + 4] = sign * xyd;
  out[o + 5] = -sign * dx;
  out[o + 6] = xyd;
  out[o + 7] = 2 * ny * dy * h + ny * ny * hd;
  out[o + 8] = -dy;
}

const _qHat = new Float64Array(4);
const _rot = new Float64Array(9);
const _len = new Float64Array(1);
const _qHatDot = new Float64Array(4);
const _rotDot = new Float64Array(9);

/**
 * Ẇ of W = R(q̂) diag(d) R(q̂)ᵀ (pose-kernels.ts `worldInvInertiaValues`), q at `q[qo ..]`
 * (w x y z), d at `d[dO ..]`, along q̇ at `qd[qdo ..]` and ḋ at `dd[ddo ..]`, into
 * `out[o .. o + 8]` (row-major): Ṙ D Rᵀ + R Ḋ Rᵀ + R D Ṙᵀ.
 */
function worldInvInertiaTangent(
  q: Float64Array,
  qo: number,
  d: Float64Array,
  dO: number,
  qd: Float64Array,
  qdo: number,
  dd: Float64Array,
  ddo: number,
  out: Float64Array,
  o: number,
): void {
  loadUnitRotation(q, qo - 3, _qHat, _rot, _len, 0);
  const len = _len[0];
  let radial = 0;
  for (let k = 0; k < 4; k++) radial += _qHat[k] * qd[qdo + k];
  for (let k = 0; k < 4; k++) _qHatDot[k] = (qd[qdo + k] - _qHat[k] * radial) / len;
  rotationTangent(_rotDot, _qHat, _qHatDot);
  const R = _rot,
    Rd = _rotDot;
  for (let a = 0; a < 3; a++) {
    for (let b = 0; b < 3; b++) {
      let v = 0;
      for (let k = 0; k < 3; k++) {
        const dk = d[dO + k];
        v +=
          (Rd[3 * a + k] * R[3 * b + k] + R[3 * a + k] * Rd[3 * b + k]) * dk +
          R[3 * a + k] * R[3 * b + k] * dd[ddo + k];
      }
      out[o + 3 * a + b] = v;
    }
  }
}

const _u = new Float64Array(3);
const _uDot = new Float64Array(3);
const _dq = new Float64Array(4);
const _dqDot = new Float64Array(4);
const _p = new Float64Array(4);
const _pDot = new Float64Array(4);
const _part = new Float64Array(4);

/**
 * The tangent of one body's pose after the step (pose-kernels.ts `advancePosesPrimitive`:
 * x' = x + dt·v, q' = normalize(exp(½dt·ω) ⊗ q̂)) with v the body's v⁺ (`v[vo ..]`) plus
 * the position pass's pseudo-velocity, along the pose's tangent at `qd[qdo ..]`, v̇⁺ at
 * `vd[vdo ..]` and the pseudo-velocity's v̇_p at `pseudoDot[pdo ..]` (null: none), into
 * `out[o .. o + 6]`.
 */
function poseTangent(
  q: Float64Array,
  qo: number,
  v: Float64Array,
  vo: number,
  pseudo: Float64Array | null,
  pseudoDot: Float64Array | null,
  pdo: number,
  qd: Float64Array,
  qdo: number,
  vd: Float64Array,
  vdo: number,
  dt: number,
  out: Float64Array,
  o: number,
): void {
  for (let k = 0; k < 3; k++)
    out[o + k] = qd[qdo + k] + dt * (vd[vdo + k] + (pseudoDot === null ? 0 : pseudoDot[pdo + k]));
  const half = 0.5 * dt;
  let len2 = 0;
  for (let k = 0; k < 4; k++) len2 += q[qo + 3 + k] * q[qo + 3 + k];
  const len = Math.sqrt(len2);
  let radial = 0;
  for (let k = 0; k < 4; k++) {
    _qHat[k] = q[qo + 3 + k] / len;
    radial += _qHat[k] * qd[qdo + 3 + k];
  }
  for (let k = 0; k < 4; k++) _qHatDot[k] = (qd[qdo + 3 + k] - _qHat[k] * radial) / len;
  for (let k = 0; k < 3; k++) {
    _u[k] = half * (v[vo + 3 + k] + (pseudo === null ? 0 : pseudo[vo + 3 + k]));
    _uDot[k] = half * (vd[vdo + 3 + k] + (pseudoDot === null ? 0 : pseudoDot[pdo + 3 + k]));
  }
  quatExp(_dq, 0, _u, 0);
  quatExpTangent(_dqDot, 0, _u, 0, _uDot, 0);
  quatMultiply(_p, 0, _dq, 0, _qHat, 0);
  quatMultiply(_pDot, 0, _dqDot, 0, _qHat, 0);
  quatMultiply(_part, 0, _dq, 0, _qHatDot, 0);
  let pLen2 = 0;
  for (let k = 0; k < 4; k++) {
    _pDot[k] += _part[k];
    pLen2 += _p[k] * _p[k];
  }
  const pLen = Math.sqrt(pLen2);
  let along = 0;
  for (let k = 0; k < 4; k++) along += (_p[k] / pLen) * _pDot[k];
  for (let k = 0; k < 4; k++) out[o + 3 + k] = (_pDot[k] - (_p[k] / pLen) * along) / pLen;
}

// ---- scratch: one per step context ----

const _scratch = new WeakMap<TracedStepContext, StepTangentScratch>();

/** The tangent scratch of `ctx` (its per-contact values and tangents: the last step's). */
export function tangentScratchOf(ctx: TracedStepContext): StepTangentScratch {
  let sc = _scratch.get(ctx);
  if (sc === undefined) {
    sc = new StepTangentScratch(ctx);
    _scratch.set(ctx, sc);
  }
  return sc;
}

/**
 * Every buffer of the step tangent; the per-contact and per-direction ones grow to the
 * most seen. After a call: `theta`, `solved` (v⁺ | λ), `thetaDot` (dirs × θ),
 * `solvedDot` (dirs × (6n + 3c)), `geomDot` (dirs × 7c), `approachDot` (dirs × c) hold
 * the step's values and tangents (decisions-tangent.ts reads them).
 */
export class StepTangentScratch extends StepValues {
  readonly IL: ReturnType<typeof integratorLayout>;
  readonly xi: Float64Array;
  readonly free: Float64Array;
  readonly freeQ: Float64Array;
  readonly freeQd: Float64Array;
  xiDots: Float64Array[] = [];
  freeDots: Float64Array[] = [];
  dirs = 0;
  dirCapacity = 0;
  /** the contacts the per-direction buffers below have room for */
  private dotCapacity = -1;
  geomDot = new Float64Array(0);
  thetaDot = new Float64Array(0);
  solvedDot = new Float64Array(0);
  approachDot = new Float64Array(0);
  private stateView: { of: Float64Array; at: number; view: Float64Array } | null = null;
  private sizeView: { of: Float64Array; at: number; view: Float64Array } | null = null;

  constructor(ctx: TracedStepContext) {
    super(ctx);
    const n = this.n;
    const IL = (this.IL = integratorLayout(n));
    this.xi = new Float64Array(IL.size);
    this.free = new Float64Array((POSE + TWIST) * n);
    this.freeQ = this.free.subarray(0, POSE * n);
    this.freeQd = this.free.subarray(POSE * n);
  }

  /** Room for `c` contacts and `dirs` directions. */
  ensure(c: number, dirs: number): void {
    const n = this.n;
    if (dirs > this.dirCapacity) {
      for (let j = this.xiDots.length; j < dirs; j++) {
        this.xiDots.push(new Float64Array(this.IL.size));
        this.freeDots.push(new Float64Array((POSE + TWIST) * n));
      }
      this.dirCapacity = dirs;
      this.dotCapacity = -1; // the per-direction buffers below
    }
    this.ensureContacts(c);
    if (this.capacity <= this.dotCapacity) return;
    const cap = (this.dotCapacity = this.capacity);
    const D = this.dirCapacity;
    const IM = impulseLayout(n, cap);
    this.geomDot = new Float64Array(D * 7 * cap);
    this.thetaDot = new Float64Array(D * IM.size);
    this.solvedDot = new Float64Array(D * (6 * n + 3 * cap));
    this.approachDot = new Float64Array(D * cap);
  }

  /** `xdot` from offset `at` on (a view made once per tangent buffer). */
  stateDotView(xdot: Float64Array, at: number): Float64Array {
    if (this.stateView?.of !== xdot || this.stateView.at !== at)
      this.stateView = { of: xdot, at, view: xdot.subarray(at) };
    return this.stateView.view;
  }

  sizeDotView(xdot: Float64Array, at: number): Float64Array {
    if (this.sizeView?.of !== xdot || this.sizeView.at !== at)
      this.sizeView = { of: xdot, at, view: xdot.subarray(at) };
    return this.sizeView.view;
  }
}
