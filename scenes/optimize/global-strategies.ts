/**
 * Global strategies, for losses with several basins (a ball that must bounce once before T,
 * started on a throw that bounces twice: gradient methods started on the wrong hump of
 * z(T) against the launch speed cannot leave it):
 *
 * - `multistart`: a seeded Latin hypercube of starts (ad/optim/space-filling.ts) inside the
 *   search box, each polished by projected L-BFGS in one contact mode (hard by default, the
 *   verification mode), the starts spread over the worker pool of sim/smoothing.ts (one
 *   start per free worker); the best polished start is the result;
 * - `sampling`: the cross-entropy method over the box (a Gaussian per coordinate, refitted
 *   to the best quarter of each generation), sampled values only, spread over the same
 *   pool; then an L-BFGS polish of the best sample on its gradient.
 *
 * The search box is the objective's bounds; an unbounded coordinate is searched within
 * ±{@link UNBOUNDED_HALF_WIDTH} scales of its initial value. Starts and samples come from
 * `seededRng(seed)` on the calling thread and each polish is deterministic, so a seed gives
 * the same result on any number of threads.
 */
import { latinHypercube } from '../../ad/optim/space-filling.ts';
import type { Bounds } from '../../ad/optim/types.ts';
import { seededRng } from '../../ad/random.ts';
import { inlineEvaluator, siblingModule, type BatchEvaluator } from '../../sim/smoothing.ts';
import { batchPool } from '../cluster/pool.ts';
import { batchObjective, type OptimizationProblem, type Setting } from './problem.ts';
import { lbfgsStage, scaling, type StrategyOptions, type StrategyResult } from './strategies.ts';

/** Half-width of the search box of an unbounded coordinate, in units of its scale. */
export const UNBOUNDED_HALF_WIDTH = 5;
/** Starts of `multistart` when the caller does not say. */
export const DEFAULT_STARTS = 16;
/** Samples per generation of `sampling` when the caller does not say. */
export const DEFAULT_POPULATION = 16;
/** Generations of `sampling` when the caller does not say. */
export const DEFAULT_GENERATIONS = 6;
/** Share of a generation that refits the sampling distribution (the elite). */
const ELITE_SHARE = 0.25;
/** Smallest standard deviation of a sampled coordinate, as a share of its box width (keeps the distribution from collapsing onto a point before the polish). */
const MIN_SPREAD = 1e-3;

/**
 * A polish stops once the projected gradient in scaled units (loss per scale) is this
 * small: a start that has converged spends no more rollouts (many starts run).
 */
const POLISH_TOLERANCE = 1e-9;

/** A local polish a worker runs from one start. */
export interface PolishJob {
  setting: Setting;
  /** L-BFGS iterations */
  iters: number;
}

/** A polished start. */
export interface Polished {
  start: number[];
  x: number[];
  /** loss at the start, then after each iteration */
  loss: number[];
  iterations: number;
  evaluations: number;
}

/**
 * L-BFGS from `x0` on `problem` in `job.setting`, in scaled coordinates, within the bounds.
 *
 * @example
 * const p = polish(problem, [1, 3], { setting: { mode: 'hard', temperature: 1e-4 }, iters: 30 });
 */
export function polish(problem: OptimizationProblem, x0: readonly number[], job: PolishJob): Polished {
  const scaled = scaling(problem);
  let evaluations = 0;
  const loss: number[] = [];
  const u = lbfgsStage(
    (v) => {
      evaluations++;
      const r = problem.lossAndGrad(scaled.toX(v), job.setting);
      return { value: r.value, grad: r.grad.map((g, j) => g * problem.scale[j]) };
    },
    scaled.toU(x0),
    job.iters,
    scaled.bounds,
    (v) => loss.push(v),
    (v) => loss.push(v),
    POLISH_TOLERANCE,
  );
  return { start: x0.slice(), x: scaled.toX(u), loss, iterations: loss.length - 1, evaluations };
}

/** The box the global strategies search: the bounds, and ±{@link UNBOUNDED_HALF_WIDTH} scales where a side is open. */
export function searchBox(problem: OptimizationProblem): Bounds {
  const open = (j: number, side: -1 | 1) => problem.x0[j] + side * UNBOUNDED_HALF_WIDTH * problem.scale[j];
  return {
    lower: problem.x0.map((_, j) =>
      Number.isFinite(problem.bounds?.lower[j] ?? -Infinity) ? problem.bounds!.lower[j] : open(j, -1),
    ),
    upper: problem.x0.map((_, j) =>
      Number.isFinite(problem.bounds?.upper[j] ?? Infinity) ? problem.bounds!.upper[j] : open(j, 1),
    ),
  };
}

/** The pool the starts and samples run on: worker threads or a cluster (scenes/cluster/pool.ts), or the calling thread when `threads` is 0. */
function evaluatorFor(problem: OptimizationProblem, opts: StrategyOptions): BatchEvaluator {
  return opts.threads === 0 && opts.cluster === undefined
    ? inlineEvaluator({ ...batchObjective(problem), run: (x, job) => polish(problem, x, job as PolishJob) })
    : batchPool(
        { module: siblingModule('./registry', import.meta.url), factory: 'workerObjective', spec: problem.spec },
        opts,
      );
}

/** The strategy's contact setting: `opts.mode` at the scene's temperature. */
function settingOf(problem: OptimizationProblem, opts: StrategyOptions): Setting {
  return { mode: opts.mode, temperature: problem.scene.contact.temperature };
}

/** The threads a multistart ran on, in words: the workers and the calling thread. */
function threadsOf(threads: number | undefined, evaluator: BatchEvaluator): string {
  return threads === 0
    ? 'the calling thread (no workers)'
    : `${evaluator.threads} worker thread(s) and the calling thread`;
}

/** Index of the smallest value (the first on a tie, so the choice is deterministic); NaN never wins. */
function argmin(values: readonly number[]): number {
  let best = -1;
  for (let i = 0; i < values.length; i++)
    if (!Number.isNaN(values[i]) && (best < 0 || values[i] < values[best])) best = i;
  return Math.max(best, 0);
}

/**
 * `multistart`: `opts.starts` (default 16) Latin-hypercube starts from `seededRng(opts.seed)`,
 * each polished by `opts.iters` L-BFGS iterations on the pool; the best is the result.
 */
export async function runMultiStart(
  problem: OptimizationProblem,
  opts: StrategyOptions,
  out: StrategyResult,
): Promise<void> {
  const setting = settingOf(problem, opts);
  const count = opts.starts ?? DEFAULT_STARTS;
  const starts = latinHypercube(count, searchBox(problem), seededRng(opts.seed ?? 1));
  const evaluator = evaluatorFor(problem, opts);
  let polished: Polished[];
  try {
    const job: PolishJob = { setting, iters: opts.iters };
    // the calling thread polishes too: its code is warm (auto ran plain and anneal on it)
    // while each new worker spends ~1.6 s of CPU loading the simulator and more compiling
    // it, which on a short batch costs more than the polishes (bench/multistart.ts)
    polished = (await evaluator.run(starts, job, (x) => polish(problem, x, job))) as Polished[];
  } finally {
    await evaluator.close();
  }
  const best = argmin(polished.map((p) => p.loss[p.loss.length - 1]));
  const chosen = polished[best];
  out.x = chosen.x;
  out.loss = chosen.loss.slice();
  out.stageOf = chosen.loss.map(() => 0);
  out.stages.push({ setting, iterations: chosen.iterations });
  out.iterations = chosen.iterations;
  out.evaluations = polished.reduce((n, p) => n + p.evaluations, 0);
  out.starts = polished.map((p) => ({
    start: p.start,
    x: p.x,
    loss: p.loss[p.loss.length - 1],
    iterations: p.iterations,
  }));
  out.summary = `${count} Latin-hypercube starts (seed ${opts.seed ?? 1}) on ${threadsOf(opts.threads, evaluator)}, each L-BFGS in ${setting.mode} mode (≤ ${opts.iters} it.); best: start ${best + 1} (${chosen.iterations} it.)`;
  opts.onIteration?.(out.iterations, out.loss[out.loss.length - 1]);
}

/**
 * `sampling`: the cross-entropy method in the search box — `opts.population` (default 16)
 * samples per generation from a per-coordinate Gaussian (first: centred in the box, a
 * quarter of its width wide), clamped to the box, their values evaluated on the pool; the
 * best quarter refits the Gaussian; after `opts.generations` (default 6) generations an
 * L-BFGS polish of `opts.iters` iterations from the best sample seen.
 */
export async function runSampling(
  problem: OptimizationProblem,
  opts: StrategyOptions,
  out: StrategyResult,
): Promise<void> {
  const setting = settingOf(problem, opts);
  const box = searchBox(problem);
  const population = opts.population ?? DEFAULT_POPULATION;
  const generations = opts.generations ?? DEFAULT_GENERATIONS;
  const eliteCount = Math.max(2, Math.round(ELITE_SHARE * population));
  const width = box.lower.map((lo, j) => box.upper[j] - lo);
  let mean = box.lower.map((lo, j) => lo + width[j] / 2);
  let spread = width.map((w) => w / 4);
  const rng = seededRng(opts.seed ?? 1);
  const evaluator = evaluatorFor(problem, opts);
  let best = { x: mean, value: Infinity };
  out.stages.push({ setting, iterations: 0 });
  try {
    for (let g = 0; g < generations; g++) {
      const points = Array.from({ length: population }, () =>
        mean.map((m, j) => Math.min(Math.max(m + spread[j] * rng.normal(), box.lower[j]), box.upper[j])),
      );
      const values = (await evaluator.evaluate(points, false, setting)).map((r) => r.value);
      out.evaluations += points.length;
      const order = values
        .map((_, i) => i)
        .filter((i) => Number.isFinite(values[i]))
        .sort((a, b) => values[a] - values[b] || a - b);
      if (order.length > 0 && values[order[0]] < best.value) best = { x: points[order[0]], value: values[order[0]] };
      const elite = order.slice(0, eliteCount).map((i) => points[i]);
      if (elite.length >= 2) {
        mean = mean.map((_, j) => elite.reduce((s, p) => s + p[j], 0) / elite.length);
        spread = mean.map((m, j) =>
          Math.max(Math.sqrt(elite.reduce((s, p) => s + (p[j] - m) ** 2, 0) / elite.length), MIN_SPREAD * width[j]),
        );
      }
      out.loss.push(best.value);
      out.stageOf.push(0);
      if (g > 0) {
        out.iterations++;
        out.stages[0].iterations++;
        opts.onIteration?.(out.iterations, best.value);
      }
    }
  } finally {
    await evaluator.close();
  }
  const polished = polish(problem, best.x, { setting, iters: opts.iters });
  out.stages.push({ setting, iterations: polished.iterations });
  for (const v of polished.loss.slice(1)) {
    out.loss.push(v);
    out.stageOf.push(1);
    out.iterations++;
    opts.onIteration?.(out.iterations, v);
  }
  out.evaluations += polished.evaluations;
  out.x = polished.x;
  out.summary = `cross-entropy sampling in ${setting.mode} mode, ${generations} generations × ${population} samples (seed ${opts.seed ?? 1}) on ${evaluator.threads} thread(s), then L-BFGS from the best sample (${polished.iterations} it.)`;
}
