/**
 * Multi-start scaling (issue 14): seconds for the 16 polishes of `multistart` on the
 * wrong-hump bounce (scenes/bounce-wrong-hump.json, hard mode, each start ≤ 30 L-BFGS
 * iterations, as `diffcontact optimize --strategy multistart` runs them) on a pool of one
 * worker thread, over the same on a pool of every core. Both pools are built and warmed
 * before the timed rounds (a worker's start-up, loading the simulator through tsx, is paid
 * once per run and is not what more cores speed up; it is printed on stderr); the two
 * pools must return identical polished starts (the seed fixes them, not the thread count).
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { latinHypercube } from '../ad/optim/space-filling.ts';
import { seededRng } from '../ad/random.ts';
import { workerEvaluator, type BatchEvaluator } from '../sim/smoothing.ts';
import { readSceneFile } from '../scenes/cli/scene-input.ts';
import { searchBox, type PolishJob } from '../scenes/optimize/global-strategies.ts';
import { sceneFileProblem } from '../scenes/optimize/problem.ts';
import { median, type Figure } from './harness.ts';

/** Starts the figure's name promises. */
const STARTS = 16;
/** L-BFGS iterations per start: the scene-file default. */
const ITERS_PER_START = 30;
/** Interleaved rounds: one untimed (JIT in each fresh worker), then the timed ones. */
const ROUNDS = { warmup: 1, reps: 3 };
const THREADS = availableParallelism();

async function multistartSpeedup(): Promise<number> {
  const file = fileURLToPath(new URL('../scenes/bounce-wrong-hump.json', import.meta.url));
  const problem = sceneFileProblem('bounce-wrong-hump', readSceneFile(file));
  const starts = latinHypercube(STARTS, searchBox(problem), seededRng(1));
  const job: PolishJob = { setting: { mode: 'hard', temperature: problem.scene.contact.temperature }, iters: ITERS_PER_START };
  const source = { module: new URL('../scenes/optimize/registry.ts', import.meta.url).href, factory: 'workerObjective', spec: problem.spec };
  const t0 = performance.now();
  const one = workerEvaluator(source, 1);
  const all = workerEvaluator(source, THREADS);
  try {
    const time = async (ev: BatchEvaluator): Promise<{ ms: number; out: string }> => {
      const t = performance.now();
      const out = JSON.stringify(await ev.run(starts, job));
      return { ms: performance.now() - t, out };
    };
    const oneMs: number[] = [];
    const allMs: number[] = [];
    for (let round = 0; round < ROUNDS.warmup + ROUNDS.reps; round++) {
      const a = await time(one);
      const b = await time(all);
      if (a.out !== b.out) throw new Error('bench: multistart on 1 thread and on all threads differ');
      if (round === 0) process.stderr.write(`bench: multistart pools built and first round done in ${((performance.now() - t0) / 1e3).toFixed(1)} s\n`);
      if (round >= ROUNDS.warmup) {
        oneMs.push(a.ms);
        allMs.push(b.ms);
      }
    }
    process.stderr.write(`bench: multistart (${STARTS} starts): 1 thread ${(median(oneMs) / 1e3).toFixed(1)} s, ${THREADS} threads ${(median(allMs) / 1e3).toFixed(1)} s (medians)\n`);
    return median(oneMs) / median(allMs);
  } finally {
    await Promise.all([one.close(), all.close()]);
  }
}

/** The multi-start figure (listed in bench/index.ts). */
export const multistartFigures: Figure[] = [
  {
    name: 'multistart.workers.speedup',
    describe: `${STARTS} multistart polishes (≤ ${ITERS_PER_START} hard-mode L-BFGS iterations each) on the wrong-hump bounce: 1 worker thread over ${THREADS} (all cores), warmed pools; identical results`,
    unit: 'ratio',
    run: multistartSpeedup,
  },
];
