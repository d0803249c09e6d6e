/**
 * `sweep`, `probe` and `optimize` on a scene given as a path, JSON or a parsed scene, with
 * their arguments checked: the public faces of sim/sweep.ts, sim/probe.ts and the
 * optimization driver (scenes/optimize/).
 */
import type { ContactMode } from '../sim/model.ts';
import { probe as probeScene, type ProbeOptions as SceneProbeOptions, type ProbeResult } from '../sim/probe.ts';
import { sweep as sweepScene, type SweepOptions as SceneSweepOptions, type SweepResult } from '../sim/sweep.ts';
import type { OptimizeReport } from '../scenes/optimize/driver.ts';
import { STRATEGIES, type StrategyName } from '../scenes/optimize/names.ts';
import type { Trajectory } from '../scenes/cli/trajectory.ts';
import {
  ArgumentError,
  contactMode,
  describe,
  finiteNumber,
  loadScene,
  optionsObject,
  pathList,
  pathString,
  positiveNumber,
  wholeNumber,
  withOverrides,
  type SceneOverrides,
  type SceneSource,
} from './arguments.ts';

export type { ProbeResult, SweepResult, OptimizeReport, Trajectory };

/**
 * What to sweep (sim/sweep.ts `SweepOptions`: `of`, `wrt`, `from`, `to`, `n`, `modes`,
 * `kinkTol`, `jumpTol`, `levels`) and the scene overrides `steps`, `dt`, `temperature`.
 */
export type SweepOptions = Omit<SceneOverrides, 'contact'> & SceneSweepOptions;

/**
 * Value, AD gradient and finite-difference gradient of `of` over `wrt ∈ [from, to]`, per
 * contact mode, with the gradient jumps that persist under refinement and the contact
 * events (step, pair) that cause them.
 *
 * @example
 * const r = sweep('scenes/ball-drop.json', { steps: 300, of: 'ball.linearVelocity.z', wrt: 'ball.position.z',
 *                                           from: 0.53, to: 0.55, n: 21, modes: ['penalty', 'soft'] });
 * r.penalty?.jumps; r.soft?.jumps;
 */
export function sweep(source: SceneSource, options: SweepOptions): SweepResult {
  const { scene, settings } = sweepArguments(source, options);
  return sweepScene(scene, settings);
}

/** `sweep`'s arguments checked (each bad one an ArgumentError naming it): the scene with its overrides, and sim/sweep.ts's settings. */
function sweepArguments(source: SceneSource, options: SweepOptions) {
  const opts = optionsObject(options);
  const { steps, dt, temperature } = opts;
  const scene = withOverrides(loadScene(source), { steps, dt, temperature });
  const from = finiteNumber(opts.from, 'options.from');
  const to = finiteNumber(opts.to, 'options.to');
  if (!(to > from)) throw new ArgumentError('options.to', `must be greater than options.from (${from}), got ${to}`);
  const modes =
    opts.modes === undefined
      ? undefined
      : Array.isArray(opts.modes)
        ? opts.modes.map((m, j) => contactMode(m, `options.modes[${j}]`))
        : undefined;
  if (opts.modes !== undefined && modes === undefined)
    throw new ArgumentError('options.modes', `expected an array of contact modes, got ${describe(opts.modes)}`);
  const settings = {
    of: pathString(opts.of, 'options.of'),
    wrt: pathString(opts.wrt, 'options.wrt'),
    from,
    to,
    n: wholeNumber(opts.n, 'options.n', 2),
    modes,
    kinkTol: opts.kinkTol === undefined ? undefined : finiteNumber(opts.kinkTol, 'options.kinkTol'),
    jumpTol: opts.jumpTol === undefined ? undefined : positiveNumber(opts.jumpTol, 'options.jumpTol'),
    levels: opts.levels === undefined ? undefined : wholeNumber(opts.levels, 'options.levels', 2),
  };
  return { scene, settings };
}

/**
 * `sweep` on a cluster of `diffcontact worker` processes (docs/cluster.md): one BullMQ job
 * per contact mode on the Redis at `cluster` (default: DIFFCONTACT_REDIS), the same result
 * as `sweep` bit for bit. Asynchronous, unlike `sweep`, whose contract stays synchronous.
 *
 * @example
 * const r = await sweepOnCluster('scenes/ball-drop.json', { of: 'ball.position.z', wrt: 'ball.position.z',
 *                                                           from: 0.5, to: 0.6, n: 41 }, 'redis://10.0.0.5:6379');
 */
export async function sweepOnCluster(
  source: SceneSource,
  options: SweepOptions,
  cluster?: string,
): Promise<SweepResult> {
  const { scene, settings } = sweepArguments(source, options);
  const url = await clusterArgument(cluster, 'cluster');
  if (url === undefined) throw new ArgumentError('cluster', 'no cluster given and DIFFCONTACT_REDIS is not set');
  // loaded on first use: importing the package should not load BullMQ
  const [{ clusterSweep }, { packageVersion }] = await Promise.all([
    import('../scenes/cluster/sweep-jobs.ts'),
    import('../scenes/cli/version.ts'),
  ]);
  return clusterSweep(scene, settings, { url, version: packageVersion() });
}

/**
 * A cluster argument checked: a redis:// URL, or (undefined) DIFFCONTACT_REDIS's, or undefined
 * when neither is given (scenes/cluster/settings.ts `clusterUrl`); anything else is an
 * ArgumentError naming `name`.
 */
async function clusterArgument(value: unknown, name: string): Promise<string | undefined> {
  if (value !== undefined && typeof value !== 'string')
    throw new ArgumentError(name, `expected a redis:// URL, got ${describe(value)}`);
  const { clusterUrl } = await import('../scenes/cluster/settings.ts');
  try {
    return clusterUrl(value);
  } catch (err) {
    throw new ArgumentError(name, err instanceof Error ? err.message : String(err));
  }
}

/**
 * What to probe (sim/probe.ts `ProbeOptions`: `of`, `wrt`, `radius`, `kinkTol`, `samples`,
 * `seed`, `levels`, `valueTol`) and the scene overrides.
 */
export type ProbeOptions = SceneOverrides & SceneProbeOptions;

/**
 * What the gradient means near the scene's parameters: one-sided directional derivatives,
 * the range of gradients within `radius`, and a verdict (smooth, kink, discontinuous).
 *
 * @example
 * const p = probe('scenes/ball-drop.json', { steps: 300, contact: 'penalty', of: 'ball.linearVelocity.z',
 *                                           wrt: ['ball.position.z'], radius: 1e-4 });
 * p.verdict; p.directional['ball.position.z']; // [d+, d−]
 */
export function probe(source: SceneSource, options: ProbeOptions): ProbeResult {
  const opts = optionsObject(options);
  const scene = withOverrides(loadScene(source), opts);
  return probeScene(scene, {
    samples: opts.samples === undefined ? undefined : wholeNumber(opts.samples, 'options.samples', 1),
    seed: opts.seed === undefined ? undefined : wholeNumber(opts.seed, 'options.seed'),
    levels: opts.levels === undefined ? undefined : wholeNumber(opts.levels, 'options.levels', 2),
    valueTol: opts.valueTol === undefined ? undefined : positiveNumber(opts.valueTol, 'options.valueTol'),
    of: pathString(opts.of, 'options.of'),
    wrt: pathList(opts.wrt, 'options.wrt'),
    radius: positiveNumber(opts.radius, 'options.radius'),
    kinkTol: opts.kinkTol === undefined ? undefined : finiteNumber(opts.kinkTol, 'options.kinkTol'),
  });
}

export interface OptimizeOptions extends Omit<SceneOverrides, 'contact'> {
  /** plain (L-BFGS in one mode), anneal (soft contacts cooled in stages, hard finish), smoothing (randomized smoothing); default plain */
  strategy?: StrategyName;
  /** optimizer iterations (default: 30 for plain and anneal) */
  iters?: number;
  /** contact mode of plain and smoothing (default: the scene's for plain, hard for smoothing) */
  contact?: ContactMode;
  /** smoothing: estimator order (default first) */
  order?: 'first' | 'zeroth';
  /** smoothing: antithetic pairs per estimate (default 8) */
  samples?: number;
  /** smoothing: seed of the perturbations (default 1) */
  seed?: number;
  /** smoothing: worker threads (default every core; 0 = none) */
  threads?: number;
  /** multistart: starts (default 16) */
  starts?: number;
  /** auto: seconds after which no further strategy starts (default: no limit; the result's `stopped` says when it cut the ladder short) */
  budget?: number;
  /** smoothing, multistart, sampling: redis:// URL of a cluster of `diffcontact worker` processes to run the batches on (docs/cluster.md; default: DIFFCONTACT_REDIS if set, else this machine's threads) */
  cluster?: string;
  /** called after each iteration with the loss */
  onIteration?(iteration: number, loss: number): void;
}

/** The report of `diffcontact optimize --json`, plus the verified trajectory. */
export interface OptimizeResult extends OptimizeReport {
  /** the result simulated in hard mode (the viewer's trajectory.json) */
  trajectory: Trajectory;
}

/**
 * Minimise the scene's `objective` (squared distance of a final quantity to its target)
 * over its parameters, then verify the result by simulating it in hard mode.
 *
 * @example
 * const r = await optimize('scenes/bounce-to-target.json', { strategy: 'anneal', iters: 40 });
 * r.params; r.verification.success;
 */
export async function optimize(source: SceneSource, options?: OptimizeOptions): Promise<OptimizeResult> {
  const opts = optionsObject(options);
  const { steps, dt, temperature } = opts;
  const scene = withOverrides(loadScene(source), { steps, dt, temperature });
  if (scene.objective === undefined)
    throw new ArgumentError('scene', 'has no "objective" section to optimize (docs/scene-format.md "Objective")');
  const strategy = opts.strategy ?? 'plain';
  if (!(STRATEGIES as readonly string[]).includes(strategy))
    throw new ArgumentError('options.strategy', `expected one of ${STRATEGIES.join(', ')}, got ${describe(strategy)}`);
  if (opts.order !== undefined && opts.order !== 'first' && opts.order !== 'zeroth')
    throw new ArgumentError('options.order', `expected 'first' or 'zeroth', got ${describe(opts.order)}`);
  if (opts.onIteration !== undefined && typeof opts.onIteration !== 'function')
    throw new ArgumentError('options.onIteration', `expected a function, got ${describe(opts.onIteration)}`);
  const name = typeof source === 'string' ? source.replace(/^.*[\\/]/, '').replace(/\.json$/, '') : 'scene';
  // loaded on first use: importing the package should not load the optimizers and strategies
  const [{ optimize: runOptimization, optimizeReport }, { sceneFileProblem }] = await Promise.all([
    import('../scenes/optimize/driver.ts'),
    import('../scenes/optimize/problem.ts'),
  ]);
  const run = await runOptimization(sceneFileProblem(name, scene), {
    strategy,
    iters: opts.iters === undefined ? undefined : wholeNumber(opts.iters, 'options.iters', 1),
    mode: opts.contact === undefined ? undefined : contactMode(opts.contact, 'options.contact'),
    order: opts.order,
    samples: opts.samples === undefined ? undefined : wholeNumber(opts.samples, 'options.samples', 1),
    seed: opts.seed === undefined ? undefined : wholeNumber(opts.seed, 'options.seed'),
    threads: opts.threads === undefined ? undefined : wholeNumber(opts.threads, 'options.threads'),
    starts: opts.starts === undefined ? undefined : wholeNumber(opts.starts, 'options.starts', 1),
    budget: opts.budget === undefined ? undefined : positiveNumber(opts.budget, 'options.budget'),
    cluster: await clusterArgument(opts.cluster, 'options.cluster'),
    onIteration: opts.onIteration,
  });
  return { ...optimizeReport(run), trajectory: run.verification.trajectory };
}
