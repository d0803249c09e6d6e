/**
 * The tangent of a step that places an impact (the rare steps `hardStepTangent` does not
 * cover), by the same split as its pullback (placed-split.ts): the step acts per connected
 * component, so the bodies outside the impacts' components take the hand tangent of the
 * rest of the record (step-tangent.ts), and each body of a placed component its 13 output
 * rows of the Jacobian, one pullback of a unit cotangent each through the compact trace of
 * the placed contacts (compact-trace.ts), applied to every direction. Thirteen small
 * traces per body of an impact: correct and rare (a bounce or a break, not every step),
 * not fast; the transpose of `placedStepPullback` by construction (the tests hold the two
 * to rounding).
 */
import { addCompactTracedPullback } from './compact-trace.ts';
import type { PlacedSplitter } from './placed-split.ts';
import { hardStepTangent } from './step-tangent.ts';
import type { HardStepRecord, TracedStepContext } from './traced-step.ts';

/** Floats per body of a pose and a twist. */
const POSE = 7;
const TWIST = 6;

/** Scratch of the rows (one per context). */
const _rows = new WeakMap<TracedStepContext, { ybar: Float64Array; row: Float64Array }>();

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
  const n = ctx.model.nbody;
  const ss = (POSE + TWIST) * n;
  const size = ctx.L.size;
  const split = splitter.split(rec);
  hardStepTangent(ctx, split.rest, x, dirs, xdot, ydot);
  let sc = _rows.get(ctx);
  if (sc === undefined) {
    sc = { ybar: new Float64Array(ss), row: new Float64Array(size) };
    _rows.set(ctx, sc);
  }
  const { ybar, row } = sc;
  for (let b = 0; b < n; b++) {
    if (split.inPlaced[b] !== 1) continue;
    for (let i = 0; i < POSE + TWIST; i++) {
      const out = i < POSE ? POSE * b + i : POSE * n + TWIST * b + i - POSE;
      ybar[out] = 1;
      row.fill(0);
      addCompactTracedPullback(ctx, split.placed, x, ybar, row);
      ybar[out] = 0;
      for (let j = 0; j < dirs; j++) {
        let v = 0;
        for (let k = 0; k < size; k++) v += row[k] * xdot[j * size + k];
        ydot[j * ss + out] = v;
      }
    }
  }
}
