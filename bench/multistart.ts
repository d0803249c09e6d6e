/**
 * Multi-start scaling (issue 14): seconds for 16 starts of `multistart` on the small
 * wrong-hump bounce (scenes/bounce-wrong-hump-small.json, hard mode, each start ≤ 10 L-BFGS
 * iterations) on one worker thread, over the same on every core. Each side builds and closes
 * its own pool, as `diffcontact optimize --strategy multistart` does, so worker start-up
 * (loading the simulator through tsx) is in both times; the two runs must give identical
 * starts and results (the seed fixes them, not the thread count).
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { readSceneFile } from '../scenes/cli/scene-input.ts';
import { optimize, type OptimizeRun } from '../scenes/optimize/driver.ts';
import { sceneFileProblem } from '../scenes/optimize/problem.ts';
import { median, type Figure } from './harness.ts';

/** Starts the figure's name promises. */
const STARTS = 16;
/** L-BFGS iterations per start: enough for the starts that converge, short enough to repeat. */
const ITERS_PER_START = 10;
/** Interleaved rounds: one untimed (JIT, disk cache), then the timed ones. */
const ROUNDS = { warmup: 1, reps: 3 };
const THREADS = availableParallelism();

async function multistartSpeedup(): Promise<number> {
  const file = fileURLToPath(new URL('../scenes/bounce-wrong-hump-small.json', import.meta.url));
  const problem = sceneFileProblem('bounce-wrong-hump-small', readSceneFile(file));
  const run = async (threads: number): Promise<{ ms: number; run: OptimizeRun }> => {
    const t0 = performance.now();
    const r = await optimize(problem, { strategy: 'multistart', starts: STARTS, iters: ITERS_PER_START, seed: 1, threads });
    return { ms: performance.now() - t0, run: r };
  };
  const oneMs: number[] = [];
  const allMs: number[] = [];
  for (let round = 0; round < ROUNDS.warmup + ROUNDS.reps; round++) {
    const a = await run(1);
    const b = await run(THREADS);
    if (JSON.stringify(a.run.result.starts) !== JSON.stringify(b.run.result.starts)) throw new Error('bench: multistart on 1 thread and on all threads differ');
    if (round >= ROUNDS.warmup) {
      oneMs.push(a.ms);
      allMs.push(b.ms);
    }
  }
  process.stderr.write(`bench: multistart (${STARTS} starts): 1 thread ${(median(oneMs) / 1e3).toFixed(1)} s, ${THREADS} threads ${(median(allMs) / 1e3).toFixed(1)} s (medians)\n`);
  return median(oneMs) / median(allMs);
}

/** The multi-start figure (listed in bench/index.ts). */
export const multistartFigures: Figure[] = [
  {
    name: 'multistart.workers.speedup',
    describe: `${STARTS} multistart starts (≤ ${ITERS_PER_START} hard-mode L-BFGS iterations each) on the small wrong-hump bounce: 1 worker thread over ${THREADS} (all cores), pools built in both; identical results`,
    unit: 'ratio',
    run: multistartSpeedup,
  },
];
