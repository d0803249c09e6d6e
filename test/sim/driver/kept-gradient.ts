// Shared by the Steppers' kept-record tests (force-stepper.test.ts, test/sim/hard/kept-records.test.ts):
// the gradient of several rollouts of one primitive in one trace, under given record budgets.
import * as ad from '../../../ad/index.ts';
import { buildModel, initialState } from '../../../sim/builder.ts';
import { rolloutInputs, rolloutLayout, rolloutPrimitive } from '../../../sim/rollout.ts';
import type { Scene } from '../../../sim/scene.ts';

/** Budgets of the records (states, wrenches or impulses) and of the intermediates beside them, bytes (undefined: the default). */
export interface Budgets {
  records?: number;
  intermediates?: number;
}

/**
 * The gradient of Σ_k (sum of the outputs of rollout k) over `evaluations` rollouts of
 * `steps` steps of one primitive in one trace (checkpoints every 13 steps), rollout k from
 * the scene's initial velocities plus k·(0.05 m/s along x) on every dynamic body, w.r.t.
 * all inputs of the first.
 */
export function keptGradientOf(s: Scene, steps: number, budgets: Budgets, evaluations = 1): number[] {
  const model = buildModel(s);
  const state = initialState(model, s);
  const config = {
    model,
    steps,
    segment: 13,
    keptRecordsBytes: budgets.records,
    keptIntermediatesBytes: budgets.intermediates,
  };
  const L = rolloutLayout(model.nbody, steps, 0);
  const run = rolloutPrimitive(config);
  const x0 = Array.from(rolloutInputs(config, state.bodyQ, state.bodyQd));
  return ad.valueAndGrad((x) => {
    let total: ad.Real = 0;
    for (let k = 0; k < evaluations; k++) {
      const xk = x.slice();
      for (let b = 1; b < model.nbody; b++) xk[L.qd + 6 * b] = ad.add(x[L.qd + 6 * b], 0.05 * k);
      total = run(xk).reduce<ad.Real>((acc, y) => ad.add(acc, y), total);
    }
    return total;
  }, x0).grad;
}
