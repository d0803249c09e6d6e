/**
 * The non-smooth decisions of one hard step, with their margins (m/s), reported to a kink
 * sink after `hardStep` ran: the rollout's kink report (rollout.ts) and the decision log
 * of the validity radius (sim/validity.ts) read the same numbers.
 *
 * - onset — λ_n·W_nn for a contact carrying an impulse, else |u_n − b|, and, with e > 0,
 *   also |u⁻ + d/dt| when nearer (the "closes within this step" test of the
 *   restitution/speculative switch, which also decides whether an impact is placed in
 *   the step), whatever the sign of u⁻: it was taken only while u⁻ < 0, and so jumped
 *   wherever an approach changed sign ({@link closingMargin});
 * - restitution threshold (m/s) — |u⁻ + threshold|, for e > 0 and a contact that closes
 *   within the step: the switch's other test, the approach speed against the threshold
 *   below which an impact is plastic (settings.ts);
 * - stick/slip — the slip speed ‖u_t − u°_t‖ (from the slip target, problem.ts) of a
 *   sliding contact, else (μλ_n − ‖λ_t‖)·W_tt of a sticking one;
 * - impact beside contacts (m) — an impact placed inside a step while its bodies carry
 *   other contacts that act over the whole step or from another impact's time: margin
 *   min(s, 1 − s)·dt·|u⁻|, the approach distance to the nearest step boundary (an impact
 *   alone on its bodies is exact to first order in dt and reports nothing, and so is one
 *   whose other contacts are all impulses between dynamic bodies that the placement moves
 *   by its own s, placement-islands.ts; two impacts on one body in one step count as
 *   beside each other, as do contacts with static bodies);
 * - earliest impact (m) — two placed impacts in one island whose other impulses between
 *   dynamic bodies the placement moves back by the earliest's s (placement-islands.ts):
 *   where the two swap order those impulses switch from one s to the other (a slope
 *   change). Margin (s₂ − s₁)·dt·|u⁻₂|, the later impact's approach distance at the
 *   earlier's time of impact, in the unit of `impact beside contacts`; reported for the
 *   earliest and the runner-up of each such island (islands without moved impulses have
 *   no such decision: each impact is placed at its own s).
 * - position pass (m) — whether the drift correction runs (position.ts): the smallest
 *   first-order end-of-step gap g = d + dt·u_n(v⁺ + v_place), with the placement's motion,
 *   against −penetrationTolerance; margin |g + tolerance|, labelled by that contact.
 *   Reported on a step that places an impact or runs the pass (`stats.moved`), over the
 *   contacts beyond the threshold and those the placement moves that are not placed
 *   themselves (position.ts): elsewhere the velocity solve holds every first-order gap at
 *   ≥ −(its tolerance)·dt (1e-9 m at 1 ms), and a placed impact's own gap
 *   (1 − s)·e·|u⁻|·dt reaches 0 only as s → 1, where the impact leaves the step (its
 *   `onset`). Not counted: a placed contact pushed towards the threshold by another
 *   placement on its bodies before the pass runs (a cascade; once it runs it is counted). Where it runs
 *   it holds its contacts' gaps at 0 (test/sim/hard/oracle/traced-step.ts differentiates it), where it does not
 *   they end where the velocities leave them: a slope change, and a value jump of up to
 *   the tolerance. Issue 13: billiards' rack, where the cue lifts balls 2 and 3 off the
 *   cloth and the placed ball–ball impulse carries their weight (≈1.9 µm at step 237).
 */
import type { KinkSink } from '../../ad/primitive.ts';
import {
  contactPairKinkLabel,
  KINK_EARLIEST_IMPACT,
  KINK_IMPACT_BESIDE_CONTACTS,
  KINK_ONSET,
  KINK_POSITION_PASS,
  KINK_RESTITUTION_THRESHOLD,
  KINK_STICK_SLIP,
  reportContactKink,
  reportRadius,
} from '../contact/kinks.ts';
import { hypot2 } from '../math/hypot.ts';
import type { Model } from '../model.ts';
import { PlacementIslands } from './placement-islands.ts';
import { contactRowVelocities, type ContactProblem } from './problem.ts';
import type { HardStepData } from './step.ts';

const _u = new Float64Array(3);
const _islands = new PlacementIslands();

/**
 * The "closes within this step" margin of the restitution/speculative switch, |u⁻ + d/dt|
 * (m/s), for e > 0; for e = 0 (no bounce either way) the largest double, never nearer than
 * another margin (∞ made V8 box every onset margin it was compared with: 1 MB of garbage
 * per hard billiards gradient). Continuous in the state: the onset
 * took it only while u⁻ < 0, so the margin of every ball-ball contact of billiards' rack
 * (all starting at u⁻ = 0) jumped from λ_n·W_nn = 1.47 to 1.00 m/s for any change of the
 * parameters, and one-sided differences read "distances" of a few h from that jump
 * alone (1e-8 to 3e-7), where the step's impulses are smooth.
 */
export function closingMargin(e: number, approach: number, dist: number, dt: number): number {
  return e > 0 ? Math.abs(approach + dist / dt) : Number.MAX_VALUE;
}

/** Report the step just taken on `data`: every decision within the sink's radius (kinks.ts `reportRadius`). */
export function reportHardDecisions(model: Model, data: HardStepData, sink: KinkSink): void {
  const p = data.problem;
  const names = model.bodyName;
  const dt = model.dt;
  const within = reportRadius(sink);
  const restitutionThreshold = data.settings.restitutionThreshold;
  // the impulses the placement moves, and by whose fraction (placement-islands.ts)
  const placed = _islands.find(p.count, p.bodyA, p.bodyB, model.bodyStatic, p.impulse, p.impactFraction);
  for (let k = 0; k < p.count; k++) {
    const a = p.bodyA[k],
      b = p.bodyB[k];
    const ln = p.impulse[3 * k];
    // each velocity row only when a margin reads it (most contacts carry an impulse and stick)
    let onset = ln > 0 ? ln * p.diag[3 * k] : Math.abs(normalVelocity(p, data.velocity, k) - p.bound[k]);
    const e = Math.max(model.bodyRestitution[a], model.bodyRestitution[b]);
    const closing = closingMargin(e, p.approach[k], p.dist[k], dt);
    if (closing < onset) onset = closing;
    if (onset < within) reportContactKink(sink, onset, names, a, b, KINK_ONSET);
    // the threshold decides only for a contact that closes within the step
    if (e > 0 && p.approach[k] + p.dist[k] / dt < 0) {
      const threshold = Math.abs(p.approach[k] + restitutionThreshold);
      if (threshold < within) reportContactKink(sink, threshold, names, a, b, KINK_RESTITUTION_THRESHOLD);
    }
    const s = p.impactFraction[k];
    if (s > 0 && ln > 0 && besideOtherContacts(model, p, k, _islands.source)) {
      // exact only for an impact alone on its bodies: margin, the approach to the nearest step boundary
      const beside = Math.min(s, 1 - s) * dt * Math.abs(p.approach[k]);
      if (beside < within) reportContactKink(sink, beside, names, a, b, KINK_IMPACT_BESIDE_CONTACTS);
    }
    const radius = p.friction[k] * ln;
    if (!(radius > 0)) continue;
    const tangential = hypot2(p.impulse[3 * k + 1], p.impulse[3 * k + 2]);
    const sliding = tangential >= radius * (1 - 1e-9);
    const margin = sliding
      ? slipSpeed(p, data.velocity, k)
      : (radius - tangential) * Math.max(p.diag[3 * k + 1], p.diag[3 * k + 2]);
    if (margin < within) reportContactKink(sink, margin, names, a, b, KINK_STICK_SLIP);
  }
  if (placed) reportEarliestImpacts(model, p, sink, within);
  reportPositionPass(model, data, sink, within);
}

/**
 * The `position pass` decision (module header) of the step on `data`: the smallest
 * first-order end gap position.ts found, against −penetrationTolerance, on a step that moved
 * positions with pseudo-velocities. Returns its contact, or −1 when not reported.
 */
export function reportPositionPass(model: Model, data: HardStepData, sink: KinkSink, within: number): number {
  const k = positionPassContact(data);
  if (k < 0) return -1;
  const margin = Math.abs(data.stats.positionGap + data.settings.penetrationTolerance);
  if (!(margin < within)) return -1;
  const p = data.problem;
  reportContactKink(sink, margin, model.bodyName, p.bodyA[k], p.bodyB[k], KINK_POSITION_PASS);
  return k;
}

/** The contact of the step's `position pass` decision (its smallest gap), or −1 where the step has none. */
export function positionPassContact(data: HardStepData): number {
  const stats = data.stats;
  if (!stats.moved || data.settings.maxPositionIterations === 0) return -1;
  return stats.positionGapContact;
}

/** Contact k's normal velocity u_n (m/s, > 0 separating). */
function normalVelocity(p: ContactProblem, qd: Float64Array, k: number): number {
  contactRowVelocities(p, qd, k, 0, 1, _u);
  return _u[0];
}

/** Contact k's slip speed ‖u_t − u°_t‖ (m/s) from its slip target. */
function slipSpeed(p: ContactProblem, qd: Float64Array, k: number): number {
  contactRowVelocities(p, qd, k, 1, 3, _u);
  return hypot2(_u[1] - p.slipTarget[2 * k], _u[2] - p.slipTarget[2 * k + 1]);
}

/**
 * The `earliest impact` decisions of the step (module header): per island whose placement
 * moves impulses by its earliest impact's s, that impact against the runner-up. Labelled by
 * the two contacts in the problem's order, so one label on both sides of the swap.
 */
function reportEarliestImpacts(model: Model, p: ContactProblem, sink: KinkSink, within: number): void {
  for (let k = 0; k < p.count; k++) {
    const j = _islands.runnerUp(k);
    if (j < 0) continue;
    const margin = (p.impactFraction[j] - p.impactFraction[k]) * model.dt * Math.abs(p.approach[j]);
    if (!(margin < within)) continue;
    const first = Math.min(k, j),
      second = Math.max(k, j);
    const label = contactPairKinkLabel(
      model.bodyName,
      p.bodyA[first],
      p.bodyB[first],
      p.bodyA[second],
      p.bodyB[second],
      KINK_EARLIEST_IMPACT,
    );
    sink.kink(margin, label);
  }
}

/**
 * Whether another contact carrying an impulse shares a dynamic body with the placed contact
 * k, other than one the placement moves by k's own fraction (`source[j] === k`,
 * placement-islands.ts: between dynamic bodies of k's island, k its earliest impact), which
 * acts from k's impact on as k does: a struck ball's push on the ball it touches crosses a
 * step boundary with the impact, without a jump (placement-chain.test.ts).
 */
function besideOtherContacts(model: Model, p: ContactProblem, k: number, source: Int32Array): boolean {
  const a = p.bodyA[k],
    b = p.bodyB[k];
  for (let j = 0; j < p.count; j++) {
    if (j === k || !(p.impulse[3 * j] > 0) || source[j] === k) continue;
    const c = p.bodyA[j],
      d = p.bodyB[j];
    if ((!model.bodyStatic[a] && (c === a || d === a)) || (!model.bodyStatic[b] && (c === b || d === b))) return true;
  }
  return false;
}
