/**
 * The hard-contact rules of one contact, written once: the pair's materials, the normal
 * bound (restitution, speculative, resting), the time of impact and what a placed impact
 * changes (lever arms from the bodies where they are at the impact, the bound and the
 * slip target split at the impact). The plain step (problem.ts), its trace
 * (test/sim/hard/oracle/traced-step.ts) and its hand-composed adjoint (step-adjoint.ts) all read them here.
 *
 * The scalar rules take `Real`s and use ad ops: on plain numbers they are plain
 * arithmetic (an ad op on numbers returns a number and records nothing), on a trace they
 * record their derivative. Where the step makes a decision (bounce or not, which
 * restitution, refine the impact time or not) the rule decides on values, so the trace
 * differentiates the branch the plain step executed. Derivations: problem.ts's header.
 */
import { add, div, mul, sqrt, sub, value } from '../../ad/ops.ts';
import type { Real } from '../../ad/tape.ts';

// ---- materials ---------------------------------------------------------------------------

/** Pair friction coefficient: the geometric mean √(μ_A μ_B). */
export function pairFriction(muA: Real, muB: Real): Real {
  return sqrt(mul(muA, muB));
}

/**
 * Pair restitution: the larger of e_A, e_B; at a tie the first (its derivative goes to
 * one body: a kink, not reported). {@link restitutionBody} says which.
 */
export function pairRestitution(eA: Real, eB: Real): Real {
  return value(eA) >= value(eB) ? eA : eB;
}

/** 0 when {@link pairRestitution} takes body A's coefficient, 1 when B's. */
export function restitutionBody(eA: number, eB: number): 0 | 1 {
  return eA >= eB ? 0 : 1;
}

// ---- the normal bound --------------------------------------------------------------------

/**
 * Newton restitution applies: the contact closes within this step (d + dt·u⁻ < 0) at an
 * approach speed above the threshold (u⁻ < −threshold), with e > 0.
 */
export function bounces(e: number, approach: number, dist: number, dt: number, threshold: number): boolean {
  return e > 0 && approach < -threshold && dist + dt * approach < 0;
}

/** The bound of a bounce solved at the start of the step: b = −e·u⁻. */
export function bounceBound(e: Real, approach: Real): Real {
  return mul(-1, mul(e, approach));
}

/**
 * The speculative bound b = −max(d, 0)/dt: an open contact may approach by at most d
 * within the step, a touching or penetrating one not at all. Differentiation convention
 * (test/sim/hard/oracle/traced-step.ts): a contact resting within `restingGap` below d = 0 sits at the kink;
 * it takes the open side (value 0, derivative −1/dt), so every corner of a manifold takes
 * the same branch and the contact follows the surface it rests on. Deeper: b = 0.
 */
export function speculativeBound(dist: Real, dt: number, restingGap: number): Real {
  const d = value(dist);
  if (d > 0) return div(mul(-1, dist), dt);
  if (d > -restingGap) return sub(div(mul(-1, dist), dt), -d / dt);
  return 0;
}

// ---- placed impacts ----------------------------------------------------------------------

/** Time-of-impact fraction of a bounce still open at the start of the step: s = d/(−u⁻·dt). */
export function impactFraction(dist: Real, approach: Real, dt: number): Real {
  return div(dist, mul(-dt, approach));
}

/**
 * One Newton step on the time of impact: with the gap d' and its rate at s·dt,
 * s ← s + d'/(−rate·dt), kept only while the rate closes and the refined time stays
 * inside the step (else s stays).
 */
export function refinedImpactFraction(s: Real, gap: Real, rate: Real, dt: number): Real {
  const refined = add(s, div(gap, mul(-dt, rate)));
  return value(rate) < 0 && value(refined) > 0 && value(refined) <= 1 ? refined : s;
}

/**
 * The free-flight change of a contact velocity that acts after a placed impact at s:
 * (1 − s)·(u_end − u_start), along one direction of the impact's rows.
 */
export function changeAfterImpact(s: Real, uEnd: Real, uStart: Real): Real {
  return mul(sub(1, s), sub(uEnd, uStart));
}

/**
 * The bound of a placed impact: the approach just before it, u⁻ − (1 − s)Δu_n, is
 * reversed by e, and the change after it follows: b = −e·(u⁻ − after) + after, with
 * `after` = {@link changeAfterImpact} along the normal. (The slip target is the same
 * change along the tangents.)
 */
export function impactBound(e: Real, approach: Real, after: Real): Real {
  return add(mul(-1, mul(e, sub(approach, after))), after);
}

// ---- lever arms --------------------------------------------------------------------------

/**
 * Lever arms r = p − x of a contact point p on bodies A and B: `out[0..2]` = p − x_A,
 * `out[3..5]` = p − x_B, with p at `point[po..po+2]` and the centres at `bodyQ[7a..]`,
 * `bodyQ[7b..]`. At a placed impact p and the centres are those at the impact's
 * configuration (problem.ts `impactGeometry`): pass the poses there.
 */
export function leverArms<T extends Real>(
  out: { [i: number]: T },
  point: ArrayLike<T>,
  po: number,
  bodyQ: ArrayLike<T>,
  a: number,
  b: number,
): void {
  for (let i = 0; i < 3; i++) {
    out[i] = sub(point[po + i], bodyQ[7 * a + i]) as T;
    out[3 + i] = sub(point[po + i], bodyQ[7 * b + i]) as T;
  }
}
