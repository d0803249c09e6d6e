/**
 * The non-smooth decisions of one hard step, with their margins (m/s), reported to a kink
 * sink after `hardStep` ran: the rollout's kink report (rollout.ts) and the decision log
 * of the validity radius (sim/validity.ts) read the same numbers.
 *
 * - onset — λ_n·W_nn for a contact carrying an impulse, else u_n − b, and for an
 *   approaching contact also |u⁻ + d/dt| (the "closes within this step" test of the
 *   restitution/speculative switch, which also decides whether an impact is placed in
 *   the step);
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

/** Report the step just taken on `data`: every decision within the sink's radius (kinks.ts `reportRadius`). */
export function reportHardDecisions(model: Model, data: HardStepData, sink: KinkSink): void {
  const p = data.problem;
  const dt = model.dt;
  const within = reportRadius(sink);
  for (let k = 0; k < p.count; k++) {
    const a = p.bodyA[k],
      b = p.bodyB[k];
    const ln = p.impulse[3 * k];
    contactVelocity(p, data.velocity, k, _u);
    let onset = ln > 0 ? ln * p.diag[3 * k] : Math.abs(_u[0] - p.bound[k]);
    if (p.approach[k] < 0) onset = Math.min(onset, Math.abs(p.approach[k] + p.dist[k] / dt));
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
