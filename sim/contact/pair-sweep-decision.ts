/**
 * The pair sweep's decision (pair-sweep.ts) with its margins' tangents, for the validity
 * radius from one tangent rollout (sim/validity.ts): the batched tangent of the force
 * kernel (wrenches-tangent.ts) calls {@link reportSweepDecisionTangents} at its end.
 *
 * The decision: the step sweeps when S_b > 1 for some moving body, S_b the sum of body b's
 * pairs' dashpot gains (each pair's at most 1). Each moving body in two or more pairs carries its
 * margin m_b = 1 − S_b (dimensionless), reported as |m_b| on either side (`<b> pair sweep`,
 * a jump in the force); the nearest of them is where the switch flips. Per body, not the
 * max alone: a body's label stays when the max passes to another body (the validity's
 * differences match decisions by label), and the tangent of a max is one-sided at ties.
 *
 * Its tangent ṁ_b = −Ṡ_b along each direction is exact: S_b = Σ_pairs min(1, Σ_c g_c·un_c),
 * g = y_n·φ₁(y_n)/W_n, and the batched tangent pass (wrenches-tangent.ts) hands each counted
 * contact's ġ·un + g·u̇n per side and direction ({@link sweepGainTangentScratch}) from its own
 * tangents of y_n, W_n and un; a pair at its clamp (its sum ≥ 1) adds nothing. Whether a
 * contact counts (f_n ≠ 0, y_n ≠ 0) is the step's, held along the direction.
 */
import { bodyKinkLabel, KINK_PAIR_SWEEP, reportRadius } from './kinks.ts';
import { sweepBodies, sweepGainOf, SWEEP_GAIN_LIMIT } from './pair-sweep.ts';
import type { ContactForceParams } from './params.ts';
import type { MarginTangentSink } from './wrenches-tangent.ts';
import type { ContactGeometry } from './wrenches.ts';

/**
 * Per counted contact i: its gain on side A and B, g·un (`onA[i]`, `onB[i]`), and their
 * tangents along each direction j (`onADot[i·dirs + j]`, `onBDot`); zero for a contact
 * that does not count. Filled by the batched tangent pass, read by the report at its end.
 */
const _on = {
  onA: new Float64Array(16),
  onB: new Float64Array(16),
  onADot: new Float64Array(16),
  onBDot: new Float64Array(16),
};

/** The per-contact gain tangents' scratch for `count` contacts and `dirs` directions, zeroed (see `_on`). */
export function sweepGainTangentScratch(count: number, dirs: number): typeof _on {
  const o = _on;
  if (o.onA.length < count) {
    o.onA = new Float64Array(2 * count);
    o.onB = new Float64Array(2 * count);
  }
  if (o.onADot.length < count * dirs) {
    o.onADot = new Float64Array(2 * count * dirs);
    o.onBDot = new Float64Array(2 * count * dirs);
  }
  o.onA.fill(0, 0, count);
  o.onB.fill(0, 0, count);
  o.onADot.fill(0, 0, count * dirs);
  o.onBDot.fill(0, 0, count * dirs);
  return o;
}

/** the reported bodies, their margins m_b = 1 − S_b */
let _bodies = new Int32Array(16);
let _margin = new Float64Array(16);
/** per body: reported this step (1), and its −Ṡ_b along each direction (n × dirs) */
let _report = new Uint8Array(16);
let _bodyMdot = new Float64Array(16);
/** one body's ṁ, handed to the sink (dirs long: no subarray per report) */
let _mdotOut = new Float64Array(0);

/**
 * Report the sweep's decision of the step whose batched tangent just ran (its gains summed)
 * to `sink`, each body's within its radius followed by `sink.tangents(ṁ)` (module comment).
 * The inputs are the batched tangent's (wrenches-tangent.ts `contactWrenchTangents`).
 */
export function reportSweepDecisionTangents(
  p: ContactForceParams,
  geom: ContactGeometry,
  dirs: number,
  sink: MarginTangentSink,
): void {
  const count = geom.count;
  if (count < 2) return;
  const n = p.nbody;
  const touched = sweepBodies(p, geom);
  const radius = reportRadius(sink);
  if (_bodies.length < n) {
    _bodies = new Int32Array(2 * n);
    _margin = new Float64Array(2 * n);
  }
  let nb = 0;
  for (let b = 0; b < n; b++) {
    if (touched[b] < 2) continue;
    const m = SWEEP_GAIN_LIMIT - sweepGainOf(b);
    if (!(Math.abs(m) <= radius)) continue;
    _bodies[nb] = b;
    _margin[nb++] = m;
  }
  if (nb === 0) return;
  if (_mdotOut.length !== dirs) _mdotOut = new Float64Array(dirs);
  // −Ṡ_b of every body at once, in one pass over the pairs: S_b's pairs are runs of
  // consecutive contacts between the same two bodies (the buffer's order), each adding its
  // side's g·un tangents below the clamp (min(1, sum): at the clamp the pair adds a
  // constant); per body the same terms in the same order as a pass per body
  if (_report.length < n) _report = new Uint8Array(2 * n);
  if (_bodyMdot.length < n * dirs) _bodyMdot = new Float64Array(2 * n * dirs);
  _report.fill(0, 0, n);
  for (let r = 0; r < nb; r++) _report[_bodies[r]] = 1;
  _bodyMdot.fill(0, 0, n * dirs);
  const { onA, onB, onADot, onBDot } = _on;
  // the module's buffers in locals for the loops (V8 reloads a module `let` at every access)
  const report = _report,
    bodyMdot = _bodyMdot,
    mdotOut = _mdotOut;
  for (let i = 0; i < count;) {
    const a = geom.bodyA[i],
      b = geom.bodyB[i];
    let end = i + 1;
    while (end < count && geom.bodyA[end] === a && geom.bodyB[end] === b) end++;
    for (let side = 0; side < 2; side++) {
      const body = side === 0 ? a : b;
      if (report[body] === 0) continue;
      const value = side === 0 ? onA : onB,
        dot = side === 0 ? onADot : onBDot;
      let sum = 0;
      for (let c = i; c < end; c++) sum += value[c];
      if (!(sum < 1)) continue;
      const o = body * dirs;
      for (let c = i; c < end; c++) for (let j = 0; j < dirs; j++) bodyMdot[o + j] -= dot[c * dirs + j];
    }
    i = end;
  }
  for (let r = 0; r < nb; r++) {
    const body = _bodies[r],
      m = _margin[r];
    for (let j = 0; j < dirs; j++) mdotOut[j] = bodyMdot[body * dirs + j];
    // the reported margin is |m|
    if (m < 0) for (let j = 0; j < dirs; j++) mdotOut[j] = -mdotOut[j];
    else if (m === 0) for (let j = 0; j < dirs; j++) mdotOut[j] = Math.abs(mdotOut[j]);
    sink.kink(Math.abs(m), bodyKinkLabel(p.bodyName, body, KINK_PAIR_SWEEP), true);
    sink.tangents(mdotOut);
  }
}
