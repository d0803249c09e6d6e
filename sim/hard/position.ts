/**
 * Drift control without energy: a split-impulse position pass (Catto; Bullet's
 * `splitImpulse`). After the velocity solve, each contact's gap at the end of the step is
 * predicted to first order, g_k = d_k + dt·u_n,k(v⁺). If some g_k < −tolerance, a second,
 * frictionless complementarity problem is solved for pseudo-velocities v_p:
 *
 *   0 ≤ λ_p,k  ⊥  u_n,k(v_p) + g_k/dt ≥ 0      for every contact k
 *
 * (the same Jacobians and W_nn as the velocity problem; contacts with g_k ≥ 0 take part
 * so that pushing one body out does not push it into another). The positions then move
 * with v⁺ + v_p, but v_p is discarded: velocities, hence kinetic energy, are untouched.
 * Together with the speculative bound of problem.ts (a velocity bound is never positive),
 * no step adds velocity to separate bodies: a penetration is removed by moving them, and
 * the contact then holds them at its gap with zero normal velocity (no jitter).
 *
 * Penetration arises only from what the linear velocity model misses: rotation over the
 * step (the contact point moves on an arc), solver tolerance, scenes that start
 * overlapping, or bodies pushed into each other by the pass itself.
 *
 * Before it, the same pseudo-velocities place each impact at its time of impact
 * (`settings.placeImpacts`, see `placeImpacts` below). A speculative bounce is decided in
 * the step before the surfaces touch, at a gap d ∈ (0, |u⁻|·dt); moving the bodies with
 * the post-impact velocity for the whole step would leave them (1 + e)·d too far apart —
 * the potential energy of an extra (1 + e)·d of height per bounce, which compounds: at
 * dt = 1 ms a ball with e = 0.8 dropped from 1 m would bounce 0.5 %, 1.2 % and 2 % too
 * high on its first three bounces. Placed at the time of impact, the end-of-step gap is
 * the one of the piecewise-linear path (approach at u⁻ until contact, leave at −e·u⁻), so
 * positions are continuous across contact onset. The impulses between dynamic bodies of
 * the impact's island are placed with it (placement-islands.ts: a struck ball's push on the
 * next one starts at the impact too), so this holds for an impact the solve resolves by
 * impulses between dynamic bodies (a ball on the ground, two free spheres, a ball struck
 * against a row); a static support's reaction is not placed (a ball on a box on the ground:
 * the ground's impulse acts over the whole step).
 */
import { applyContactImpulse, applyNormalImpulse, contactRowVelocities, type ContactProblem } from './problem.ts';
import { PlacementIslands } from './placement-islands.ts';
import type { HardContactSettings } from './settings.ts';
import type { HardSolveStats } from './solver.ts';

const _u = new Float64Array(3);
const _delta = new Float64Array(3);
const _islands = new PlacementIslands();
let _static = new Uint8Array(0);

/**
 * The position pass: writes pseudo-velocities into `pseudo` (nbody×6) and returns true,
 * or returns false (leaving `pseudo` alone) when there is nothing to correct. `qd` holds
 * the end-of-step velocities v⁺; the time step is the problem's (`p.dt`: a double passed
 * to a call V8 does not inline is boxed). Writes `stats.positionIterations` and
 * `stats.positionResidual`. Allocates nothing.
 *
 * @example
 * const moved = solvePositions(problem, velocity, settings, data.pseudo, stats);
 * integratePositions(params, q, velocity, moved ? data.pseudo : null, out.bodyQ);
 */
export function solvePositions(
  p: ContactProblem,
  qd: Float64Array,
  settings: HardContactSettings,
  pseudo: Float64Array,
  stats: HardSolveStats,
): boolean {
  const n = p.count;
  const dt = p.dt;
  stats.positionIterations = 0;
  stats.positionResidual = 0;
  const placed = settings.placeImpacts && placeImpacts(p, pseudo);

  // first-order gap at the end of the step, with the impact placement's motion; the pass's
  // bound leaves that motion out, as the pass starts from the placement's pseudo-velocity
  // (counted in the bound as well, a placement that over-corrects one gap by γ < 0 was
  // pushed open to twice the placement and the body beyond it in by |γ|/2)
  let deepest = 0;
  stats.positionGap = Infinity;
  stats.positionGapContact = -1;
  for (let k = 0; k < n; k++) {
    contactRowVelocities(p, qd, k, 0, 1, _u);
    const gap = p.dist[k] + dt * _u[0];
    p.positionBound[k] = -gap / dt;
    p.positionImpulse[k] = 0;
    let placedGap = gap;
    let shift = 0;
    if (placed) {
      contactRowVelocities(p, pseudo, k, 0, 1, _u);
      shift = dt * _u[0];
      placedGap += shift;
    }
    if (-placedGap > deepest) deepest = -placedGap;
    // the pass's switch (decisions.ts `position pass`): the smallest gap against −tolerance,
    // over the contacts that can reach it: those beyond it, and those the placement moves
    // that are not placed themselves (elsewhere the velocity solve holds the gap at ≥ −its
    // tolerance·dt, 1e-9 m; a placed impact's own gap (1 − s)·e·|u⁻|·dt reaches 0 only as
    // s → 1, where the impact leaves the step: its `onset`)
    const reaches = (shift !== 0 && p.impactFraction[k] === 0) || placedGap < -settings.penetrationTolerance;
    if (reaches && placedGap < stats.positionGap) {
      stats.positionGap = placedGap;
      stats.positionGapContact = k;
    }
  }
  if (deepest <= settings.penetrationTolerance || settings.maxPositionIterations === 0) return placed;

  if (!placed) pseudo.fill(0);
  const lam = p.positionImpulse;
  let sweeps = 0;
  let change = 0;
  while (sweeps < settings.maxPositionIterations) {
    sweeps++;
    change = 0;
    for (let k = 0; k < n; k++) {
      const wnn = p.diag[3 * k];
      contactRowVelocities(p, pseudo, k, 0, 1, _u);
      const l = lam[k];
      let next = l - (_u[0] - p.positionBound[k]) / wnn;
      if (next < 0) next = 0;
      const dl = next - l;
      if (dl === 0) continue;
      lam[k] = next;
      _delta[0] = dl;
      applyNormalImpulse(p, pseudo, k, _delta);
      const du = Math.abs(dl) * wnn;
      if (du > change) change = du;
    }
    if (change <= settings.tolerance) break;
  }
  stats.positionIterations = sweeps;
  stats.positionResidual = change;
  return true;
}

/**
 * Time-of-impact placement: for every contact whose bound came from restitution, that
 * carries an impulse and was still open (d > 0) at the start of the step, the fraction
 * s = d/(−u⁻·dt) ∈ (0, 1] of the step passed before the surfaces met (problem.ts
 * `impactFraction`, whose rows were built at that configuration). The impulse's
 * velocity change M⁻¹J_kᵀλ_k should move the bodies only for the remaining (1 − s)·dt,
 * so a pseudo-velocity −s·M⁻¹J_kᵀλ_k is added for the position update; so is one for
 * every other impulse between dynamic bodies of its island, at the island's earliest s
 * (placement-islands.ts: the impulses that pass the impact on). Zeroes `pseudo` first;
 * returns whether any contact was placed.
 */
function placeImpacts(p: ContactProblem, pseudo: Float64Array): boolean {
  const n = p.count;
  let any = false;
  for (let k = 0; k < n; k++) if (p.impactFraction[k] !== 0 && p.impulse[3 * k] > 0) any = true;
  if (!any) return false;
  // static sides: inverse mass 0 (a dynamic body's mass is positive, builder.ts)
  const nbody = p.worldInvInertia.length / 9;
  if (_static.length < nbody) _static = new Uint8Array(nbody);
  for (let k = 0; k < n; k++) {
    _static[p.bodyA[k]] = p.invMass[2 * k] === 0 ? 1 : 0;
    _static[p.bodyB[k]] = p.invMass[2 * k + 1] === 0 ? 1 : 0;
  }
  _islands.find(n, p.bodyA, p.bodyB, _static, p.impulse, p.impactFraction);
  const source = _islands.source;
  pseudo.fill(0);
  for (let k = 0; k < n; k++) {
    if (source[k] < 0) continue;
    const s = p.impactFraction[source[k]];
    for (let j = 0; j < 3; j++) _delta[j] = -s * p.impulse[3 * k + j];
    applyContactImpulse(p, pseudo, k, _delta);
  }
  return true;
}

/**
 * The rows of the drift correction's active set that its derivative solves with: the
 * position pass's impulses λ_p > 0 satisfy J_A(v⁺ + v_p) = −d_A/dt, and where those rows are
 * linearly dependent (a flat box's four corners on the ground: rank 3) W_AA = J_A M⁻¹ J_Aᵀ is
 * singular and λ_p not unique, while v_p (the M-orthogonal projection onto those
 * constraints) is. A greedy pivoted Cholesky of W_AA (`w`, m × m row-major, values) keeps a
 * row where its pivot exceeds `RANK_TOLERANCE` of its diagonal; the kept rows span the
 * same constraints, so the correction solved on them is the same (the dropped ones hold
 * where the system is consistent, as the pass's converged solve shows). One rule for the
 * trace (test/sim/hard/oracle/traced-step.ts) and the hand adjoint (placed-adjoint.ts). Writes `keep[i]` (1/0),
 * uses `scratch` (≥ m²); returns the count kept.
 */
export function independentRows(w: ArrayLike<number>, m: number, keep: Uint8Array, scratch: Float64Array): number {
  // L Lᵀ of the kept rows, built row by row (scratch holds L, m × m)
  let kept = 0;
  for (let i = 0; i < m; i++) {
    let pivot = w[i * m + i];
    for (let j = 0; j < i; j++) {
      if (!keep[j]) continue;
      let lij = w[i * m + j];
      for (let t = 0; t < j; t++) if (keep[t]) lij -= scratch[i * m + t] * scratch[j * m + t];
      lij /= scratch[j * m + j];
      scratch[i * m + j] = lij;
      pivot -= lij * lij;
    }
    keep[i] = pivot > RANK_TOLERANCE * w[i * m + i] ? 1 : 0;
    if (keep[i]) {
      scratch[i * m + i] = Math.sqrt(pivot);
      kept++;
    }
  }
  return kept;
}

/** Relative pivot below which a drift-correction row counts as dependent on the earlier ones ({@link independentRows}). */
export const RANK_TOLERANCE = 1e-9;
