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
 */
import { performance } from 'node:perf_hooks';
import { optimize, type Attempt, type OptimizeOptions, type OptimizeRun } from './driver.ts';
import type { RunStrategyName } from './names.ts';
import type { OptimizationProblem } from './problem.ts';

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
  for (const strategy of autoLadder(problem)) {
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
