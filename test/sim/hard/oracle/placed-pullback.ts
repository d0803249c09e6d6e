/**
 * The tests' oracle for a step that places an impact: x̄ = (∂step/∂x)ᵀȳ with the placed
 * impacts' components (sim/hard/placed-split.ts) pulled back through the trace of their
 * bodies alone (compact-trace.ts) and the rest through the hand-composed adjoint
 * (`hardStepAdjoint`), the two x̄ summed (exact: the step acts per component). It was the
 * stepper's path for placed impacts before placed-adjoint.ts.
 */
import { PlacedSplitter } from '../../../../sim/hard/placed-split.ts';
import type { HardStepRecord, TracedStepContext } from '../../../../sim/hard/record.ts';
import { hardStepAdjoint } from '../../../../sim/hard/step-adjoint.ts';
import { addCompactTracedPullback } from './compact-trace.ts';

/**
 * x̄ = (∂step/∂x)ᵀȳ of a step that places an impact (`x` in the one-step layout of
 * `ctx`), into `out`: the placed components through the trace, the rest by hand.
 *
 * @example
 * const xbar = placedStepPullback(ctx, new PlacedSplitter(model.bodyStatic), rec, x, ybar, new Float64Array(x.length));
 */
export function placedStepPullback(
  ctx: TracedStepContext,
  splitter: PlacedSplitter,
  rec: HardStepRecord,
  x: Float64Array,
  ybar: Float64Array,
  out: Float64Array,
): Float64Array {
  const split = splitter.split(rec);
  const n = ctx.model.nbody;
  const ybarPlaced = new Float64Array(13 * n),
    ybarRest = new Float64Array(13 * n);
  // ȳ = [q̄ (7 per body) | q̇̄ (6 per body)], each body's to its part
  for (let b = 0; b < n; b++) {
    const placed = split.inPlaced[b] === 1;
    for (let i = 0; i < 13; i++) {
      const j = i < 7 ? 7 * b + i : 7 * n + 6 * b + i - 7;
      ybarPlaced[j] = placed ? ybar[j] : 0;
      ybarRest[j] = placed ? 0 : ybar[j];
    }
  }
  const xbar = hardStepAdjoint(ctx, split.rest, x, ybarRest, out);
  addCompactTracedPullback(ctx, split.placed, x, ybarPlaced, xbar);
  return xbar;
}
