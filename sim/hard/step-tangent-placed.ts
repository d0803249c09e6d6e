/**
 * The tangent of a step that places an impact (the rare steps `hardStepTangent` does not
 * cover), by the same split as its pullback (placed-split.ts): the step acts per connected
 * component, so the bodies outside the impacts' components take the hand tangent of the
 * rest of the record (step-tangent.ts), and each body of a placed component its 13 output
 * rows of the Jacobian from one recording of the compact trace of the placed contacts
 * (compact-trace.ts, a reverse sweep per row), applied to every direction: correct and
 * rare (a bounce or a break, not every step), not fast; the transpose of `placedStepPullback` by construction (the tests hold the two
 * to rounding).
 */
import { setCompactTracedTangents } from './compact-trace.ts';
import type { PlacedSplitter } from './placed-split.ts';
import { hardStepTangent } from './step-tangent.ts';
import type { HardStepRecord, TracedStepContext } from './traced-step.ts';

/**
 * ẏ_j = (∂step/∂x) ẋ_j of a step with a placed impact (layouts as `hardStepTangent`).
 *
 * @example
 * placedStepTangent(ctx, new PlacedSplitter(model.bodyStatic), rec, x, 1, xdot, ydot);
 */
export function placedStepTangent(
  ctx: TracedStepContext,
  splitter: PlacedSplitter,
  rec: HardStepRecord,
  x: Float64Array,
  dirs: number,
  xdot: Float64Array,
  ydot: Float64Array,
): void {
  const split = splitter.split(rec);
  hardStepTangent(ctx, split.rest, x, dirs, xdot, ydot);
  setCompactTracedTangents(ctx, split.placed, x, dirs, xdot, ydot);
}
