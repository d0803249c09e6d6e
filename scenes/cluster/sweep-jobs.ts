/**
 * A sweep on the cluster: one job per contact mode, each the whole sweep of that mode
 * (grid, FD gradient, refinement of its jumps: sim/sweep.ts), so a 3-mode sweep runs on
 * three workers at once and returns what `sweep` returns on one machine, bit for bit (a
 * mode's sweep does not depend on the others). The refinement of a mode depends on its
 * grid, so a finer split (per grid point) would need a second round trip per level; it is
 * not done (docs/cluster.md "Sweeps").
 */
import { siblingModule, type BatchObjective } from '../../sim/smoothing.ts';
import type { Scene } from '../../sim/scene.ts';
import { sweep, type SweepOptions, type SweepResult } from '../../sim/sweep.ts';
import type { ContactMode } from '../../sim/model.ts';
import { clusterEvaluator, type ClusterOptions } from './client.ts';

/** What a sweep job rebuilds: the scene (overrides applied) and the sweep's settings, modes included. */
export interface SweepSpec {
  scene: Scene;
  options: SweepOptions & { modes: ContactMode[] };
}

/**
 * The workers' factory: a job at point `[k]` is the sweep of the spec's k-th mode. A sweep
 * has no value or gradient of its own to evaluate.
 */
export function sweepObjective(spec: unknown): BatchObjective {
  const { scene, options } = spec as SweepSpec;
  const none = (): never => {
    throw new Error('a sweep job is run, not evaluated');
  };
  return {
    value: none,
    valueAndGrad: none,
    run: ([k]) => {
      const mode = options.modes[k];
      return sweep(scene, { ...options, modes: [mode] })[mode];
    },
  };
}

/**
 * Sweep `scene` as sim/sweep.ts `sweep` does, one job per mode on the cluster of `cluster`.
 *
 * @example
 * const r = await clusterSweep(scene, { of: 'ball.position.z', wrt: 'ball.position.z', from: 0.5, to: 0.6, n: 41, modes: ['hard', 'penalty', 'soft'] },
 *                              { url: 'redis://127.0.0.1:6379', version: packageVersion() });
 */
export async function clusterSweep(scene: Scene, options: SweepOptions, cluster: ClusterOptions): Promise<SweepResult> {
  const modes = [...new Set(options.modes ?? [scene.contact.mode])];
  const spec: SweepSpec = { scene, options: { ...options, modes } };
  const evaluator = clusterEvaluator(
    { module: siblingModule('./sweep-jobs', import.meta.url), factory: 'sweepObjective', spec },
    cluster,
  );
  try {
    const perMode = await evaluator.run(
      modes.map((_, k) => [k]),
      null,
    );
    const out: SweepResult = {};
    modes.forEach((mode, k) => (out[mode] = perMode[k] as SweepResult[ContactMode]));
    return out;
  } finally {
    await evaluator.close();
  }
}
