/**
 * Multi-start scaling (issue 14): seconds for the 16 polishes of `multistart` on the
 * wrong-hump bounce (scenes/bounce-wrong-hump.json, hard mode, each start ≤ 30 L-BFGS
 * iterations, as `diffcontact optimize --strategy multistart` runs them) on a pool of one
 * worker thread, over the same on a pool of every core. Both pools are built and warmed
 * before the timed rounds (a worker's start-up, loading the simulator through tsx, is paid
 * once per run and is not what more cores speed up; it is printed on stderr); the two
 * pools must return identical polished starts (the seed fixes them, not the thread count).
 *
 * Warm-up: each of the all-core pool's workers polishes only its share of the starts per
 * round, so after one round its code is less optimized (V8 tiers a function up by its call
 * count) than the single worker's, which has run all sixteen: measured, its round cost
 * 1.7× the CPU of the single worker's. The pools therefore run {@link ROUNDS}.warmup
 * rounds, enough for every worker to have polished every start once, before the timing.
 *
 * The machine is shared (2 cores, other jobs running): a pool of two threads is faster
 * only when the two cores are free for it. `multistart.workers.cpuRatio` (process CPU
 * seconds of the all-core rounds over the one-thread rounds; 1 when the pool adds no work
 * of its own) separates what the pool costs from what the machine gives: stderr also
 * prints the cores each pool actually got (CPU seconds per wall second).
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
const THREADS = availableParallelism();
/** Interleaved rounds: untimed ones until every worker has run every start once (JIT), then the timed ones. */
const ROUNDS = { warmup: 1 + THREADS, reps: 5 };

/** Wall and process-CPU milliseconds of the timed rounds, per pool (medians). */
interface MultistartTimes {
  oneWall: number;
  allWall: number;
  oneCpu: number;
  allCpu: number;
}

let measured: Promise<MultistartTimes> | undefined;

/** Both figures come from one measurement. */
function multistartTimes(): Promise<MultistartTimes> {
  measured ??= measureMultistart();
  return measured;
}

async function measureMultistart(): Promise<MultistartTimes> {
  const file = fileURLToPath(new URL('../scenes/bounce-wrong-hump.json', import.meta.url));
  const problem = sceneFileProblem('bounce-wrong-hump', readSceneFile(file));
  const starts = latinHypercube(STARTS, searchBox(problem), seededRng(1));
  const job: PolishJob = {
    setting: { mode: 'hard', temperature: problem.scene.contact.temperature },
    iters: ITERS_PER_START,
  };
  const source = {
    module: new URL('../scenes/optimize/registry.ts', import.meta.url).href,
    factory: 'workerObjective',
    spec: problem.spec,
  };
  const t0 = performance.now();
  const one = workerEvaluator(source, 1);
  const all = workerEvaluator(source, THREADS);
  try {
    const time = async (ev: BatchEvaluator): Promise<{ ms: number; cpuMs: number; out: string }> => {
      const t = performance.now();
      const cpu = process.cpuUsage();
      const out = JSON.stringify(await ev.run(starts, job));
      const used = process.cpuUsage(cpu);
      return { ms: performance.now() - t, cpuMs: (used.user + used.system) / 1e3, out };
    };
    const rounds = { one: [] as { ms: number; cpuMs: number }[], all: [] as { ms: number; cpuMs: number }[] };
    for (let round = 0; round < ROUNDS.warmup + ROUNDS.reps; round++) {
      const a = await time(one);
      const b = await time(all);
      if (a.out !== b.out) throw new Error('bench: multistart on 1 thread and on all threads differ');
      if (round === 0)
        process.stderr.write(
          `bench: multistart pools built and first round done in ${((performance.now() - t0) / 1e3).toFixed(1)} s\n`,
        );
      if (round >= ROUNDS.warmup) {
        rounds.one.push(a);
        rounds.all.push(b);
      }
    }
    const times: MultistartTimes = {
      oneWall: median(rounds.one.map((r) => r.ms)),
      allWall: median(rounds.all.map((r) => r.ms)),
      oneCpu: median(rounds.one.map((r) => r.cpuMs)),
      allCpu: median(rounds.all.map((r) => r.cpuMs)),
    };
    const cores = (r: { ms: number; cpuMs: number }[]) => median(r.map((x) => x.cpuMs / x.ms)).toFixed(2);
    process.stderr.write(
      `bench: multistart (${STARTS} starts, medians of ${ROUNDS.reps} rounds after ${ROUNDS.warmup} warm-up): 1 thread ${(times.oneWall / 1e3).toFixed(2)} s wall, ${(times.oneCpu / 1e3).toFixed(2)} s CPU (${cores(rounds.one)} cores used); ` +
        `${THREADS} threads ${(times.allWall / 1e3).toFixed(2)} s wall, ${(times.allCpu / 1e3).toFixed(2)} s CPU (${cores(rounds.all)} cores used)\n`,
    );
    return times;
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
    run: async () => {
      const t = await multistartTimes();
      return t.oneWall / t.allWall;
    },
  },
  {
    name: 'multistart.workers.cpuRatio',
    describe: `the same rounds: process CPU seconds on ${THREADS} threads over 1 thread (1 = the pool adds no work of its own; wall speedup is then bounded by the cores the machine gives)`,
    unit: 'ratio',
    goal: { max: 1.1 },
    run: async () => {
      const t = await multistartTimes();
      return t.allCpu / t.oneCpu;
    },
  },
];
