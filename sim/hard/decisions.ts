/**
 * The non-smooth decisions of one hard step, with their margins (m/s), reported to a kink
 * sink after `hardStep` ran: the rollout's kink report (rollout.ts) and the decision log
 * of the validity radius (sim/validity.ts) read the same numbers.
 *
 * - onset — λ_n·W_nn for a contact carrying an impulse, else |u_n − b|, or, when nearer,
 *   the restitution/speculative switch ({@link restitutionSwitchMargin}: the bounce test
 *   u⁻ < −threshold and u⁻ + d/dt < 0, which also decides whether an impact is placed in
 *   the step), whose margin is the distance to that test's boundary, continuous in the
 *   state: a contact at rest (u⁻ = 0, the balls of a rack) keeps one margin on either side;
 * - stick/slip — the slip speed ‖u_t − u°_t‖ (from the slip target, problem.ts) of a
 *   sliding contact, else (μλ_n − ‖λ_t‖)·W_tt of a sticking one;
 * - impact beside contacts (m) — an impact placed inside a step while its bodies carry
 *   other contacts: margin min(s, 1 − s)·dt·|u⁻|, the approach distance to the nearest
 *   step boundary (an impact alone on its bodies is exact to first order in dt and reports
 *   nothing; two impacts on one body in one step count as beside each other).
 */
import type { KinkSink } from '../../ad/primitive.ts';
import {
  contactKinkLabel,
  KINK_IMPACT_BESIDE_CONTACTS,
  KINK_ONSET,
  KINK_STICK_SLIP,
  reportRadius,
} from '../contact/kinks.ts';
import type { Model } from '../model.ts';
import { contactVelocity, type ContactProblem } from './problem.ts';
import type { HardStepData } from './step.ts';

const _u = new Float64Array(3);
const _switch = new Float64Array(3);

/**
 * The margin of the restitution/speculative switch (problem.ts: a contact bounces when
 * e > 0, c₁ = u⁻ + threshold < 0 and c₂ = u⁻ + d/dt < 0; m/s) into `out`: [margin, α, σ]
 * with margin = σ·(u⁻ + α·d/dt + (1 − α)·threshold), so its tangent is σ·(u̇⁻ + α·ḋ/dt)
 * (decisions-tangent.ts). The distance to the boundary of the bounce set, continuous in
 * (u⁻, d): inside it, the nearer of |c₁|, |c₂|; outside with one test failing, that
 * test's c; with both failing, the larger (both must flip; exact along u⁻). Margin ∞
 * (never flips) for e = 0.
 *
 * It was |c₂| taken only while u⁻ < 0, and λ_n·W_nn or |u_n − b| otherwise: a margin that
 * jumped (1.47 → 1.00 m/s at billiards' rack, every ball-ball contact starting at u⁻ = 0)
 * wherever a contact's approach changed sign, so any one-sided difference read a slope
 * of (jump)/h and a "distance" of a few h — a discontinuity of the bookkeeping, not of the
 * step, whose impulses are smooth there.
 */
export function restitutionSwitchMargin(
  e: number,
  approach: number,
  dist: number,
  dt: number,
  threshold: number,
  out: Float64Array,
): void {
  if (!(e > 0)) {
    out[0] = Infinity;
    out[1] = 0;
    out[2] = 1;
    return;
  }
  const c1 = approach + threshold,
    c2 = approach + dist / dt;
  let alpha: number, sign: number;
  if (c1 < 0 && c2 < 0) {
    sign = -1;
    alpha = -c1 <= -c2 ? 0 : 1;
  } else if (c1 < 0) {
    sign = 1;
    alpha = 1;
  } else if (c2 < 0) {
    sign = 1;
    alpha = 0;
  } else {
    sign = 1;
    alpha = c1 >= c2 ? 0 : 1;
  }
  out[0] = sign * (alpha === 1 ? c2 : c1);
  out[1] = alpha;
  out[2] = sign;
}

/** Report the step just taken on `data`: every decision within the sink's radius (kinks.ts `reportRadius`). */
export function reportHardDecisions(model: Model, data: HardStepData, sink: KinkSink): void {
  const p = data.problem;
  const dt = model.dt;
  const within = reportRadius(sink);
  const threshold = data.settings.restitutionThreshold;
  for (let k = 0; k < p.count; k++) {
    const a = p.bodyA[k],
      b = p.bodyB[k];
    const ln = p.impulse[3 * k];
    contactVelocity(p, data.velocity, k, _u);
    let onset = ln > 0 ? ln * p.diag[3 * k] : Math.abs(_u[0] - p.bound[k]);
    const e = Math.max(model.bodyRestitution[a], model.bodyRestitution[b]);
    restitutionSwitchMargin(e, p.approach[k], p.dist[k], dt, threshold, _switch);
    if (_switch[0] < onset) onset = _switch[0];
    if (onset < within) sink.kink(onset, contactKinkLabel(model.bodyName, a, b, KINK_ONSET));
    const s = p.impactFraction[k];
    if (s > 0 && ln > 0 && besideOtherContacts(model, p, k)) {
      // exact only for an impact alone on its bodies: margin, the approach to the nearest step boundary
      const beside = Math.min(s, 1 - s) * dt * Math.abs(p.approach[k]);
      if (beside < within) sink.kink(beside, contactKinkLabel(model.bodyName, a, b, KINK_IMPACT_BESIDE_CONTACTS));
    }
    const radius = p.friction[k] * ln;
    if (!(radius > 0)) continue;
    const tangential = Math.hypot(p.impulse[3 * k + 1], p.impulse[3 * k + 2]);
    const slip = Math.hypot(_u[1] - p.slipTarget[2 * k], _u[2] - p.slipTarget[2 * k + 1]);
    const sliding = tangential >= radius * (1 - 1e-9);
    const margin = sliding ? slip : (radius - tangential) * Math.max(p.diag[3 * k + 1], p.diag[3 * k + 2]);
    if (margin < within) sink.kink(margin, contactKinkLabel(model.bodyName, a, b, KINK_STICK_SLIP));
  }
}

/** Whether another contact carrying an impulse shares a dynamic body with contact k. */
function besideOtherContacts(model: Model, p: ContactProblem, k: number): boolean {
  const a = p.bodyA[k],
    b = p.bodyB[k];
  for (let j = 0; j < p.count; j++) {
    if (j === k || !(p.impulse[3 * j] > 0)) continue;
    const c = p.bodyA[j],
      d = p.bodyB[j];
    if ((!model.bodyStatic[a] && (c === a || d === a)) || (!model.bodyStatic[b] && (c === b || d === b))) return true;
  }
  return false;
}
