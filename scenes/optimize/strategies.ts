/**
 * Three ways to minimise a problem's loss, all in scaled coordinates u = x / scale (so one
 * step size suits a control force in newtons and a friction coefficient alike):
 *
 * - `plain`: projected L-BFGS on the AD gradient in one contact mode (Adam instead where
 *   the problem says so: its step does not shrink with a tiny gradient, as push-box's
 *   first soft gradients are, ~1e-4 per newton);
 * - `anneal`: continuation — soft contacts, the temperature lowered geometrically from
 *   `problem.annealFrom` to the scene's own over a few stages, each stage an L-BFGS run
 *   warm-started from the previous one (a wide soft force reaches across gaps where the
 *   non-smooth gradient is zero; the later stages approach the sharp model), then a short
 *   finish in hard mode with its own (time-of-impact) gradients: τ → 0 recovers the penalty
 *   model, not the impulse one, so the soft optimum is off the hard one by the gap between
 *   the models (a compliant contact against an impulse, regularized against Coulomb
 *   friction), which only the hard model can close;
 * - `smoothing`: Adam on a randomized-smoothing gradient estimate (sim/smoothing.ts) of the
 *   loss in a non-smooth mode, the perturbed rollouts spread over worker threads.
 */
import { LbfgsSolver } from '../../ad/optim/lbfgs.ts';
import { adam } from '../../ad/optim/adam.ts';
import { cosineDecay } from '../../ad/optim/schedule.ts';
import type { Bounds, Objective } from '../../ad/optim/types.ts';
import { seededRng } from '../../ad/random.ts';
import type { ContactMode } from '../../sim/model.ts';
import { inlineEvaluator, siblingModule, smoothedGradient, type BatchEvaluator } from '../../sim/smoothing.ts';
import type { ClusterProgress } from '../cluster/client.ts';
import { batchPool } from '../cluster/pool.ts';
import type { RunStrategyName } from './names.ts';
import { batchObjective, VERIFICATION_MODE, type OptimizationProblem, type Setting } from './problem.ts';

export type { RunStrategyName, StrategyName } from './names.ts';

/** Settings of one run. */
export interface StrategyOptions {
  /** optimizer iterations (L-BFGS iterations or Adam updates), all stages together */
  iters: number;
  /** contact mode of `plain` and `smoothing` */
  mode: ContactMode;
  /** continuation stages of `anneal` (default 4) */
  stages?: number;
  /** final temperature of `anneal`, m (default: the scene's) */
  annealTo?: number;
  /** `anneal`: L-BFGS iterations of the final hard stage, part of `iters` (default: the problem's, else a fifth; 0 = none) */
  finish?: number;
  /** randomized smoothing: estimator order (default: the problem's, else 'first') */
  order?: 'first' | 'zeroth';
  /** randomized smoothing: antithetic pairs per estimate (default 8) */
  samples?: number;
  /** seed of smoothing's perturbations, multistart's starts and sampling's samples (default 1) */
  seed?: number;
  /** randomized smoothing, multistart, sampling: worker threads (default every core; 0 = evaluate inline, no workers) */
  threads?: number;
  /** randomized smoothing, multistart, sampling: redis:// URL of a cluster to run the batches on instead (scenes/cluster/) */
  cluster?: string;
  /** cluster: called as a batch's jobs finish */
  onJobs?(progress: ClusterProgress): void;
  /** multistart: starts (default 16) */
  starts?: number;
  /** sampling: samples per generation (default 16) */
  population?: number;
  /** sampling: generations before the polish (default 6) */
  generations?: number;
  /** called after every iteration with the loss of the current iterate */
  onIteration?(iteration: number, loss: number): void;
}

/** One stage of a run (one for plain and smoothing, one per temperature for anneal). */
export interface Stage {
  setting: Setting;
  /** iterations taken in this stage */
  iterations: number;
}

/** The outcome of a strategy, before verification. */
export interface StrategyResult {
  /** the final parameters */
  x: number[];
  /** loss of the iterate after each iteration, the start first (each in its stage's setting) */
  loss: number[];
  /** the stage of each entry of `loss` */
  stageOf: number[];
  stages: Stage[];
  iterations: number;
  /** rollouts run (gradient evaluations and plain ones) */
  evaluations: number;
  /** multistart: every start with where its polish ended and its loss there */
  starts?: { start: number[]; x: number[]; loss: number; iterations: number }[];
  /** global strategies: the run in words (the stages alone do not say it) */
  summary?: string;
}

/** Share of anneal's iterations spent in the final hard stage. */
const ANNEAL_FINISH_SHARE = 0.2;

/**
 * Run `strategy` on `problem` from its initial guess.
 *
 * @example
 * const r = await runStrategy(problem, 'anneal', { iters: 20, mode: 'soft' });
 * problem.outcome(r.x, 'penalty').miss;
 */
export async function runStrategy(
  problem: OptimizationProblem,
  strategy: RunStrategyName,
  opts: StrategyOptions,
): Promise<StrategyResult> {
  const scaled = scaling(problem);
  const out: StrategyResult = {
    x: problem.x0.slice(),
    loss: [],
    stageOf: [],
    stages: [],
    iterations: 0,
    evaluations: 0,
  };
  const record = (loss: number) => {
    out.loss.push(loss);
    out.stageOf.push(out.stages.length - 1);
    if (out.loss.length > 1) {
      out.iterations++;
      out.stages[out.stages.length - 1].iterations++;
      opts.onIteration?.(out.iterations, loss);
    }
  };
  if (strategy === 'smoothing') {
    await runSmoothing(problem, scaled, opts, out, record);
    return out;
  }
  if (strategy === 'multistart' || strategy === 'sampling') {
    // loaded on use: the global strategies import this module
    const global = await import('./global-strategies.ts');
    await (strategy === 'multistart' ? global.runMultiStart : global.runSampling)(problem, opts, out);
    return out;
  }
  for (const stage of stagePlan(problem, strategy, opts)) runStage(problem, scaled, stage, out, record);
  return out;
}

/** One planned stage: its contact setting, its share of the iterations, its optimizer. */
interface PlannedStage {
  setting: Setting;
  iters: number;
  optimizer: 'lbfgs' | 'adam';
}

/**
 * The stages of `plain` (one, in `opts.mode`) and `anneal` (soft stages at geometrically
 * falling temperatures, then the finish in the verification mode, hard).
 */
function stagePlan(problem: OptimizationProblem, strategy: 'plain' | 'anneal', opts: StrategyOptions): PlannedStage[] {
  const scene = problem.scene;
  if (strategy === 'plain')
    return [
      {
        setting: { mode: opts.mode, temperature: scene.contact.temperature },
        iters: opts.iters,
        optimizer: problem.optimizer,
      },
    ];
  const finish = Math.min(
    opts.iters,
    opts.finish ?? problem.annealFinish ?? Math.round(ANNEAL_FINISH_SHARE * opts.iters),
  );
  const softIters = opts.iters - finish;
  const stageCount = Math.max(1, Math.min(opts.stages ?? 4, softIters));
  const coldest = opts.annealTo ?? problem.annealTo ?? scene.contact.temperature;
  const plan: PlannedStage[] = [];
  for (let k = 0; k < stageCount && softIters > 0; k++) {
    const temperature =
      stageCount === 1 ? coldest : problem.annealFrom * (coldest / problem.annealFrom) ** (k / (stageCount - 1));
    // this stage's share of the iterations (the first stages take the remainder)
    const iters = Math.floor(softIters / stageCount) + (k < softIters % stageCount ? 1 : 0);
    plan.push({ setting: { mode: 'soft', temperature }, iters, optimizer: problem.optimizer });
  }
  // the finish polishes from a good start, where L-BFGS's curvature pays (Adam serves the
  // tiny, rough early gradients of some problems)
  if (finish > 0)
    plan.push({
      setting: { mode: VERIFICATION_MODE, temperature: scene.contact.temperature },
      iters: finish,
      optimizer: 'lbfgs',
    });
  return plan;
}

/** Run one stage from `out.x`, warm-started, appending to `out`. */
function runStage(
  problem: OptimizationProblem,
  scaled: Scaling,
  stage: PlannedStage,
  out: StrategyResult,
  record: (loss: number) => void,
): void {
  const { setting, iters } = stage;
  const k = out.stages.length;
  out.stages.push({ setting, iterations: 0 });
  const fg: Objective = (u) => {
    out.evaluations++;
    const r = problem.lossAndGrad(scaled.toX(u), setting);
    return { value: r.value, grad: r.grad.map((g, j) => g * problem.scale[j]) };
  };
  // a later stage starts with its own loss at the warm start (the model changed): shown on
  // the curve, not counted as an iteration
  const start = (value: number) => {
    if (out.loss.length === 0) record(value);
    else {
      out.loss.push(value);
      out.stageOf.push(k);
    }
  };
  const u0 = scaled.toU(out.x);
  const u =
    stage.optimizer === 'adam'
      ? adamStage(fg, u0, iters, scaled.bounds, problem.adamLr, start, record)
      : lbfgsStage(fg, u0, iters, scaled.bounds, start, record);
  out.x = scaled.toX(u);
}

/**
 * `iters` L-BFGS iterations from `u0` (fewer once the projected gradient, in scaled units,
 * is at most `tol`; 0 never stops early); returns the last iterate.
 */
export function lbfgsStage(
  fg: Objective,
  u0: number[],
  iters: number,
  bounds: Bounds | undefined,
  start: (v: number) => void,
  record: (v: number) => void,
  tol = 0,
): number[] {
  const solver = new LbfgsSolver(fg, u0, { maxIter: iters, bounds, tol });
  start(solver.value);
  while (solver.step()) record(solver.value);
  return solver.x;
}

/**
 * `iters` Adam updates from `u0` (learning rate cosine-decayed to a tenth), fewer if the
 * gradient is exactly zero from the start; returns the best iterate seen, since Adam's last
 * step on a rough loss need not be its best.
 */
function adamStage(
  fg: Objective,
  u0: number[],
  iters: number,
  bounds: Bounds | undefined,
  lr: number,
  start: (v: number) => void,
  record: (v: number) => void,
): number[] {
  const optimizer = adam({ lr: cosineDecay({ init: lr, steps: Math.max(1, iters), final: 0.1 * lr }), bounds });
  let u = u0;
  let state = optimizer.init(u);
  let best = { u, value: Infinity };
  let moving = false;
  for (let k = 0; ; k++) {
    const { value, grad } = fg(u);
    if (value < best.value) best = { u, value };
    if (k === 0) start(value);
    else record(value);
    if (k >= iters || !Number.isFinite(value)) break;
    // an exactly zero gradient before any momentum: Adam would never move (push-box in a
    // non-smooth mode at its start), so stop rather than spend the remaining rollouts
    moving ||= grad.some((g) => g !== 0);
    if (!moving) break;
    ({ params: u, state } = optimizer.update(grad, state, u));
  }
  return best.u;
}

/** The map x ↔ u = x / scale, and the bounds in u. */
export interface Scaling {
  toU(x: readonly number[]): number[];
  toX(u: readonly number[]): number[];
  bounds?: Bounds;
}

/** The map x ↔ u = x / scale, and the bounds in u. */
export function scaling(problem: OptimizationProblem): Scaling {
  const s = problem.scale;
  const b = problem.bounds;
  return {
    toU: (x) => x.map((v, j) => v / s[j]),
    toX: (u) => u.map((v, j) => v * s[j]),
    bounds:
      b === undefined ? undefined : { lower: b.lower.map((v, j) => v / s[j]), upper: b.upper.map((v, j) => v / s[j]) },
  };
}

/** Adam learning rate in scaled units at the start of a smoothing run (cosine-decayed to 10 %). */
const SMOOTHING_LR = 0.2;

async function runSmoothing(
  problem: OptimizationProblem,
  scaled: Scaling,
  opts: StrategyOptions,
  out: StrategyResult,
  record: (loss: number) => void,
): Promise<void> {
  const setting: Setting = { mode: opts.mode, temperature: problem.scene.contact.temperature };
  out.stages.push({ setting, iterations: 0 });
  const threads = opts.threads;
  const evaluator: BatchEvaluator =
    threads === 0 && opts.cluster === undefined
      ? inlineEvaluator(batchObjective(problem))
      : batchPool(
          { module: siblingModule('./registry', import.meta.url), factory: 'workerObjective', spec: problem.spec },
          opts,
        );
  const rng = seededRng(opts.seed ?? 1);
  const order = opts.order ?? problem.smoothingOrder ?? 'first';
  const samples = opts.samples ?? 8;
  const sigma = problem.scale.map((s) => problem.smoothingSigma * s);
  const optimizer = adam({
    lr: cosineDecay({ init: SMOOTHING_LR, steps: Math.max(1, opts.iters), final: 0.1 * SMOOTHING_LR }),
    bounds: scaled.bounds,
  });
  let u = scaled.toU(problem.x0);
  let state = optimizer.init(u);
  try {
    for (let k = 0; ; k++) {
      const x = scaled.toX(u);
      // the loss curve shows the unperturbed loss of the iterate, not the noisy estimate
      record(problem.value(x, setting));
      out.evaluations++;
      out.x = x;
      if (k >= opts.iters) break;
      const est = await smoothedGradient(evaluator, x, setting, { order, sigma, samples, rng, bounds: problem.bounds });
      out.evaluations += est.evaluations;
      ({ params: u, state } = optimizer.update(
        est.grad.map((g, j) => g * problem.scale[j]),
        state,
        u,
      ));
    }
  } finally {
    await evaluator.close();
  }
}
