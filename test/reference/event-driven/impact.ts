/**
 * The impact law at an event: one contact point, Newton restitution on the normal relative
 * velocity and Coulomb friction at the velocity level, with the full 3×3 Delassus matrix.
 *
 * With r_A, r_B the lever arms from the centres to the contact point, the impulse λ on A
 * (−λ on B) changes the relative contact velocity u = (v_A + ω_A × r_A) − (v_B + ω_B × r_B)
 * by W λ, W = Σ (1/m I − [r]× I_world⁻¹ [r]×) over the dynamic bodies of the pair. The
 * post-impact velocity satisfies u_n⁺ = −e u_n⁻ and
 * - stick: u_t⁺ = 0, if the impulse that achieves it has ‖λ_t‖ ≤ μ λ_n;
 * - slide otherwise: λ = λ_n (n − μ d) with d = u_t⁺/‖u_t⁺‖ (maximal dissipation).
 *   Writing d = cos φ t₁ + sin φ t₂, the normal condition fixes λ_n(φ) linearly, and φ is
 *   the root of d⊥·u_t⁺(φ) with d·u_t⁺ > 0, λ_n > 0: found by scanning φ over the circle and
 *   bisecting, which also proves the root unique (several valid roots are an error, not a
 *   silent choice). This handles coupled normal/tangent rows (a box corner) exactly.
 * The stick/slip boundary is at ρ = μ, ρ = ‖λ_t‖/λ_n of the sticking impulse; the result
 * reports ρ − μ so callers can tell how close a case is to it.
 */
import {
  add,
  addScaled,
  cross,
  diag,
  dot,
  identity,
  inverse,
  matAdd,
  matMul,
  matScale,
  matVec,
  norm,
  qToMatrix,
  scale,
  skew,
  sub,
  tangentBasis,
  transpose,
  type M3,
  type V3,
} from './vec.ts';
import type { RefState } from './scene.ts';

/** A body taking part in an impact: its mass properties and its state at the impact. */
export interface ImpactBody {
  mass: number;
  inertia: V3;
  state: RefState;
}

export type Regime = 'stick' | 'slide' | 'frictionless';

export interface ImpactResult {
  /** impulse on A, N·s (world) */
  impulse: V3;
  regime: Regime;
  /** normal relative velocity before (negative: approaching) and after, m/s */
  approach: number;
  separation: number;
  /** ρ − μ: negative sticks, positive slides (NaN when frictionless) */
  stickMargin: number;
  /** states after the impact */
  a: RefState;
  b: RefState | null;
}

/** World inverse inertia R diag(1/I) Rᵀ. */
function worldInverseInertia(body: ImpactBody): M3 {
  const R = qToMatrix(body.state.q);
  return matMul(matMul(R, diag([1 / body.inertia[0], 1 / body.inertia[1], 1 / body.inertia[2]])), transpose(R));
}

/** The point's response matrix 1/m I − [r]× I⁻¹ [r]×: velocity change of the point per impulse. */
function pointResponse(body: ImpactBody, r: V3): M3 {
  const rx = skew(r);
  return matAdd(matScale(identity, 1 / body.mass), matScale(matMul(matMul(rx, worldInverseInertia(body)), rx), -1));
}

const pointVelocity = (s: RefState, r: V3): V3 => add(s.v, cross(s.w, r));

function applyImpulse(body: ImpactBody, r: V3, impulse: V3): RefState {
  const s = body.state;
  return {
    x: s.x,
    q: s.q,
    v: addScaled(s.v, impulse, 1 / body.mass),
    w: add(s.w, matVec(worldInverseInertia(body), cross(r, impulse))),
  };
}

/** Relative width of the band above the stick/slip boundary where the slide takes its limit. */
const BOUNDARY_BAND = 1e-9;

/** Number of slip directions scanned around the circle before bisection. */
const SLIP_SCAN = 720;

export function resolveImpact(
  A: ImpactBody,
  B: ImpactBody | null,
  point: V3,
  n: V3,
  friction: number,
  restitution: number,
): ImpactResult {
  const rA = sub(point, A.state.x);
  const rB = B ? sub(point, B.state.x) : null;
  const W = B && rB ? matAdd(pointResponse(A, rA), pointResponse(B, rB)) : pointResponse(A, rA);
  const u = B && rB ? sub(pointVelocity(A.state, rA), pointVelocity(B.state, rB)) : pointVelocity(A.state, rA);
  const un = dot(u, n);
  if (!(un < 0)) throw new Error(`reference: impact with a non-approaching normal velocity ${un}`);
  const ut = sub(u, scale(n, un));
  const finish = (impulse: V3, regime: Regime, stickMargin: number): ImpactResult => {
    const a = applyImpulse(A, rA, impulse);
    const b = B && rB ? applyImpulse(B, rB, scale(impulse, -1)) : null;
    const uAfter = b && rB ? sub(pointVelocity(a, rA), pointVelocity(b, rB)) : pointVelocity(a, rA);
    return { impulse, regime, approach: un, separation: dot(uAfter, n), stickMargin, a, b };
  };

  if (friction === 0) {
    const lambdaN = (-(1 + restitution) * un) / dot(n, matVec(W, n));
    return finish(scale(n, lambdaN), 'frictionless', NaN);
  }
  // the sticking impulse: W λ = −(1 + e) u_n n − u_t
  const stick = matVec(inverse(W), sub(scale(n, -(1 + restitution) * un), ut));
  const stickN = dot(stick, n);
  const rho = norm(sub(stick, scale(n, stickN))) / stickN;
  if (stickN > 0 && rho <= friction) return finish(stick, 'stick', rho - friction);
  // within a hair of the boundary the slip after the impact vanishes and its direction is
  // undefined; the sliding impulse tends to the sticking one scaled onto the cone, its limit
  if (stickN > 0 && rho - friction <= BOUNDARY_BAND * friction) {
    const tangential = sub(stick, scale(n, stickN));
    return finish(add(scale(n, stickN), scale(tangential, friction / rho)), 'slide', rho - friction);
  }
  return finish(slideImpulse(W, u, un, n, friction, restitution), 'slide', rho - friction);
}

/** The sliding impulse λ_n (n − μ d) of maximal dissipation (see the header). */
function slideImpulse(W: M3, u: V3, un: number, n: V3, mu: number, e: number): V3 {
  const [t1, t2] = tangentBasis(n);
  const at = (phi: number) => {
    const d = add(scale(t1, Math.cos(phi)), scale(t2, Math.sin(phi)));
    const perp = add(scale(t1, -Math.sin(phi)), scale(t2, Math.cos(phi)));
    const dir = sub(n, scale(d, mu));
    const lambdaN = (-(1 + e) * un) / dot(n, matVec(W, dir));
    const impulse = scale(dir, lambdaN);
    const after = add(u, matVec(W, impulse));
    return { impulse, lambdaN, residual: dot(perp, after), along: dot(d, after) };
  };
  const valid = (s: ReturnType<typeof at>) => s.lambdaN > 0 && Number.isFinite(s.lambdaN) && s.along > 0;
  const roots: number[] = [];
  let prevPhi = 0;
  let prev = at(0);
  for (let k = 1; k <= SLIP_SCAN; k++) {
    const phi = (2 * Math.PI * k) / SLIP_SCAN;
    const cur = at(phi);
    if (valid(prev) && valid(cur) && Math.sign(prev.residual) !== Math.sign(cur.residual)) {
      let lo = prevPhi;
      let hi = phi;
      const loSign = Math.sign(prev.residual);
      for (let i = 0; i < 200; i++) {
        const mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi) break;
        if (Math.sign(at(mid).residual) === loSign) lo = mid;
        else hi = mid;
      }
      const phiRoot = 0.5 * (lo + hi);
      if (valid(at(phiRoot))) roots.push(phiRoot);
    }
    prevPhi = phi;
    prev = cur;
  }
  if (roots.length !== 1)
    throw new Error(`reference: the sliding impulse has ${roots.length} valid slip directions (expected exactly 1)`);
  return at(roots[0]).impulse;
}
