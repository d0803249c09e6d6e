/**
 * Objectives for the cluster's fault tests, built by workers from this module (named
 * `diffcontact:test/cluster/fixtures`, so any checkout resolves it):
 * - `slowObjective`: a deterministic floating-point computation per point (a logistic-map
 *   orbit of `spec.steps` steps, chaotic, so any difference in arithmetic would show), long
 *   enough to kill a worker or restart Redis in the middle of a job; its gradient and run
 *   results carry NaN, −0 and Infinity, which must cross Redis unchanged;
 * - `throwingObjective`: throws for x[0] < 0 (a stand-in for a divergent rollout), else
 *   returns a value.
 */
import type { BatchObjective } from '../../sim/smoothing.ts';

/** The logistic map r·x·(1 − x) from x0 for `steps` steps: chaotic, so any difference in arithmetic shows. */
export function logisticOrbit(x0: number, steps: number): number {
  let x = x0;
  for (let i = 0; i < steps; i++) x = 3.9 * x * (1 - x);
  return x;
}

export function slowObjective(spec: unknown): BatchObjective {
  const { steps } = spec as { steps: number };
  const value = (x: number[]) => logisticOrbit(0.1 + 0.8 * Math.abs(Math.sin(x[0])), steps);
  return {
    value,
    valueAndGrad: (x) => ({ value: value(x), grad: [NaN, -0] }),
    run: (x) => ({ value: value(x), special: [NaN, -0, Infinity] }),
  };
}

export function throwingObjective(): BatchObjective {
  const value = (x: number[]) => {
    if (x[0] < 0) throw new Error(`diverged at x = ${x[0]}`);
    return x[0] * 2;
  };
  return { value, valueAndGrad: (x) => ({ value: value(x), grad: [2] }) };
}
