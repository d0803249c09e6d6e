/**
 * `--strategy auto`, the default of `diffcontact optimize`: run the cheapest strategy that
 * can work, verify its result in hard mode, and escalate while the verified miss is above
 * the problem's tolerance —
 *
 *   plain → anneal → multistart → sampling
 *
 * starting at the problem's documented strategy (plain for a scene file; anneal where a
 * named scene documents that plain cannot start, e.g. push-box; a scene whose documented
 * strategy is smoothing runs it first, then the global ones). `plain` is skipped when the
 * gradient is exactly zero at the start (L-BFGS could not take a step). Each rung starts
 * from the problem's initial guess; the best verified result over all rungs is the result
 * (its loss curve and iterations; `evaluations` counts the rollouts of every rung), and
 * every rung is listed with why it ran.
 *
 * Two caps keep auto from running for hours on problems the ladder's top cannot help:
 * - the global rungs (multistart, sampling) are skipped above {@link AUTO_GLOBAL_MAX_PARAMS}
 *   parameters: they search the bounds box with a fixed number of points (16 starts, 16
 *   samples a generation) that does not grow with the dimension, so on a control problem
 *   (3 forces × 480 steps = 1,440 parameters) they cost 16 full L-BFGS polishes and sample
 *   nothing of the box;
 * - `budget` (seconds, `--budget`): no rung starts once the budget is spent (a running rung
 *   finishes).
 * Either stop is stated in the run's `stopped`.
 */
import { performance } from 'node:perf_hooks';
import { optimize, type Attempt, type OptimizeOptions, type OptimizeRun } from './driver.ts';
import type { RunStrategyName } from './names.ts';
import type { OptimizationProblem } from './problem.ts';

/**
 * Auto runs multistart and sampling only up to this many parameters (see the file comment):
 * 16 Latin-hypercube points leave every coordinate's 16 strata covered once, a spread that
 * means something for a handful to a few dozen parameters, not for hundreds.
 */
export const AUTO_GLOBAL_MAX_PARAMS = 64;

/** The rungs that search the bounds box instead of descending from the initial guess. */
const GLOBAL_RUNGS: readonly RunStrategyName[] = ['multistart', 'sampling'];

/** The escalation order. */
export const AUTO_LADDER: readonly RunStrategyName[] = ['plain', 'anneal', 'multistart', 'sampling'];

/** The rungs `auto` may run on `problem`, in order. */
export function autoLadder(problem: OptimizationProblem): RunStrategyName[] {
  const first = problem.defaultStrategy === 'auto' ? 'plain' : problem.defaultStrategy;
  const at = AUTO_LADDER.indexOf(first);
  return at >= 0 ? AUTO_LADDER.slice(at) : [first, 'multistart', 'sampling'];
}

/**
 * Escalate through {@link autoLadder} until a verified result is within tolerance.
 *
 * @example
 * const run = await optimizeAuto(problem, { strategy: 'auto', seed: 1 });
 * run.attempts?.map((a) => `${a.strategy}: ${a.reason}`);
 */
export async function optimizeAuto(problem: OptimizationProblem, opts: OptimizeOptions): Promise<OptimizeRun> {
  const start = performance.now();
  const attempts: Attempt[] = [];
  let best: OptimizeRun | undefined;
  let reason =
    problem.defaultStrategy === 'plain' || problem.defaultStrategy === 'auto'
      ? 'the first rung: L-BFGS from the initial guess'
      : `the scene's documented strategy`;
  let stopped: string | undefined;
  for (const strategy of autoLadder(problem)) {
    const spent = (performance.now() - start) / 1e3;
    if (opts.budget !== undefined && spent >= opts.budget && attempts.length > 0) {
      stopped = `the budget of ${opts.budget} s was spent (${spent.toFixed(1)} s) before ${strategy}`;
      break;
    }
    if (GLOBAL_RUNGS.includes(strategy) && problem.params.length > AUTO_GLOBAL_MAX_PARAMS && attempts.length > 0) {
      stopped = `${GLOBAL_RUNGS.join(' and ')} skipped: ${problem.params.length} parameters, above the ${AUTO_GLOBAL_MAX_PARAMS} a search of the bounds box with 16 points can cover (run --strategy multistart to force it)`;
      break;
    }
    if (strategy === 'plain' && zeroGradientAtStart(problem, opts)) {
      reason = 'the gradient is exactly zero at the initial guess, so plain L-BFGS cannot move';
      continue;
    }
    const run = await optimize(problem, { ...opts, strategy });
    const v = run.verification;
    attempts.push({
      strategy,
      reason,
      miss: v.miss,
      success: v.success,
      iterations: run.result.iterations,
      evaluations: run.result.evaluations,
      seconds: run.seconds,
    });
    if (best === undefined || v.miss < best.verification.miss) best = run;
    if (v.success) break;
    reason = `${strategy} verified ${problem.missLabel} = ${v.miss.toPrecision(3)} in hard mode, above the tolerance ${problem.tolerance}`;
  }
  if (best === undefined) throw new Error('auto: no strategy ran');
  // the loss curve and iterations are the best rung's; the rollouts are every rung's (what auto cost)
  const evaluations = attempts.reduce((n, a) => n + a.evaluations, 0);
  return {
    ...best,
    strategy: 'auto',
    result: { ...best.result, evaluations },
    attempts,
    ...(stopped === undefined ? {} : { stopped }),
    seconds: (performance.now() - start) / 1e3,
  };
}

/** True when every component of plain's gradient at the initial guess is exactly zero. */
function zeroGradientAtStart(problem: OptimizationProblem, opts: OptimizeOptions): boolean {
  const mode = opts.mode ?? problem.scene.contact.mode;
  return problem
    .lossAndGrad(problem.x0, { mode, temperature: problem.scene.contact.temperature })
    .grad.every((g) => g === 0);
}
