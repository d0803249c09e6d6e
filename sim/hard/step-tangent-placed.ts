/**
 * The tangent of a step that places an impact (the rare steps `hardStepTangent` does not
 * cover: a bounce or a break, a few per rollout), by the split of placed-split.ts: the step
 * acts per connected component, so the bodies outside the impacts' components take the
 * hand tangent of the rest of the record (step-tangent.ts), and each dynamic body of a
 * placed component its 13 rows of the step's Jacobian from the hand pullback of the placed
 * components' record (`hardStepAdjoint`, with placed-adjoint.ts's chain and the drift
 * correction's, position-adjoint.ts): row i = Jᵀeᵢ, then ẏᵢ = ⟨row i, ẋ_j⟩ for every
 * direction. So the placed step's tangent is the exact transpose of its pullback by
 * construction (⟨ȳ, Jẋ⟩ = ⟨Jᵀȳ, ẋ⟩ to rounding), with no tape; its cost is 13 pullbacks
 * per placed body (a billiard break's two or three balls: 26 to 39), not per direction.
 */
import { hardStepAdjoint } from './step-adjoint.ts';
import { hardStepTangent } from './step-tangent.ts';
import type { PlacedSplitter } from './placed-split.ts';
import type { HardStepRecord, TracedStepContext } from './record.ts';

/** Floats per body of a pose and a twist. */
const POSE = 7;
const TWIST = 6;

/** Reusable rows of the placed components' Jacobian: a unit cotangent and the row it pulls back to. */
export class PlacedJacobianRows {
  private ybar = new Float64Array(0);
  private row = new Float64Array(0);

  /** ȳ (13n) and x̄ (one step's input) of the context's sizes. */
  ensure(ctx: TracedStepContext): { ybar: Float64Array; row: Float64Array } {
    const ss = (POSE + TWIST) * ctx.model.nbody;
    if (this.ybar.length !== ss) this.ybar = new Float64Array(ss);
    if (this.row.length !== ctx.L.size) this.row = new Float64Array(ctx.L.size);
    return { ybar: this.ybar, row: this.row };
  }
}

/**
 * ẏ_j = (∂step/∂x) ẋ_j of a step with a placed impact (layouts as `hardStepTangent`).
 *
 * @example
 * placedStepTangent(ctx, new PlacedSplitter(model.bodyStatic), new PlacedJacobianRows(), rec, x, 1, xdot, ydot);
 */
export function placedStepTangent(
  ctx: TracedStepContext,
  splitter: PlacedSplitter,
  rows: PlacedJacobianRows,
  rec: HardStepRecord,
  x: Float64Array,
  dirs: number,
  xdot: Float64Array,
  ydot: Float64Array,
): void {
  const split = splitter.split(rec);
  hardStepTangent(ctx, split.rest, x, dirs, xdot, ydot);
  const n = ctx.model.nbody;
  const size = ctx.L.size;
  const ss = (POSE + TWIST) * n;
  const { ybar, row } = rows.ensure(ctx);
  ybar.fill(0);
  for (let b = 0; b < n; b++) {
    if (split.inPlaced[b] === 0) continue;
    for (let i = 0; i < POSE + TWIST; i++) {
      const out = i < POSE ? POSE * b + i : POSE * n + TWIST * b + i - POSE;
      ybar[out] = 1;
      hardStepAdjoint(ctx, split.placed, x, ybar, row);
      ybar[out] = 0;
      for (let j = 0; j < dirs; j++) {
        const o = j * size;
        let v = 0;
        for (let k = 0; k < size; k++) v += row[k] * xdot[o + k];
        ydot[j * ss + out] = v;
      }
    }
  }
}
