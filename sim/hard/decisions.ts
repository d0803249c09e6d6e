/**
 * The non-smooth decisions of one hard step, with their margins (m/s), reported to a kink
 * sink after `hardStep` ran: the rollout's kink report (rollout.ts) and the decision log
 * of the validity radius (sim/validity.ts) read the same numbers.
 *
 * - onset — λ_n·W_nn for a contact carrying an impulse, else u_n − b, and for an
 *   approaching contact also |u⁻ + d/dt| (the "closes within this step" test of the
 *   restitution/speculative switch, which also decides whether an impact is placed in
 *   the step);
 * - stick/slip — the slip speed ‖u_t‖ of a sliding contact, else (μλ_n − ‖λ_t‖)·W_tt of
 *   a sticking one.
 */
import type { KinkSink } from '../../ad/primitive.ts';
import { contactKinkLabel, KINK_ONSET, KINK_STICK_SLIP, reportRadius } from '../contact/kinks.ts';
import type { Model } from '../model.ts';
import { contactVelocity } from './problem.ts';
import type { HardStepData } from './step.ts';

const _u = new Float64Array(3);

/** Report the step just taken on `data`: every decision within the sink's radius (kinks.ts `reportRadius`). */
export function reportHardDecisions(model: Model, data: HardStepData, sink: KinkSink): void {
  const p = data.problem;
  const dt = model.dt;
  const within = reportRadius(sink);
  for (let k = 0; k < p.count; k++) {
    const a = p.bodyA[k], b = p.bodyB[k];
    const ln = p.impulse[3 * k];
    contactVelocity(p, data.velocity, k, _u);
    let onset = ln > 0 ? ln * p.diag[3 * k] : Math.abs(_u[0] - p.bound[k]);
    if (p.approach[k] < 0) onset = Math.min(onset, Math.abs(p.approach[k] + p.dist[k] / dt));
    if (onset < within) sink.kink(onset, contactKinkLabel(model.bodyName, a, b, KINK_ONSET));
    const radius = p.friction[k] * ln;
    if (!(radius > 0)) continue;
    const tangential = Math.hypot(p.impulse[3 * k + 1], p.impulse[3 * k + 2]);
    const slip = Math.hypot(_u[1], _u[2]);
    const sliding = tangential >= radius * (1 - 1e-9);
    const margin = sliding ? slip : (radius - tangential) * Math.max(p.diag[3 * k + 1], p.diag[3 * k + 2]);
    if (margin < within) sink.kink(margin, contactKinkLabel(model.bodyName, a, b, KINK_STICK_SLIP));
  }
}
