/**
 * Cluster scaling (issue 18), on a real redis-server (127.0.0.1, a free port) and real
 * `diffcontact worker` processes (test/cluster/redis.ts starts both):
 * - `cluster.smoothing256.speedup2`, `.speedup4`: a 256-rollout randomized-smoothing
 *   batch (128 antithetic pairs, first order, bounce-to-target at test size in hard mode:
 *   value and AD gradient per rollout) on 1 worker process over on 2 and on 4 (one job at a time
 *   each). Each configuration is warmed by a small batch (threads booted, objective built)
 *   before {@link REPS} timed batches (median); every batch must return the local pool's
 *   numbers bit for bit.
 * - `cluster.perJobOverheadMs`: what a job costs beyond its rollouts: (the batch sent as
 *   256 one-rollout jobs to 1 worker − the batch on a local pool of 1 thread) / 256.
 * - `cluster.emptyJobsPerSecond`: jobs a client and 4 workers push through Redis when a
 *   job computes nothing: the queue's own ceiling, the number the 10- and 100-machine plan
 *   of docs/cluster.md is built on.
 * - `cluster.rolloutMs`: one rollout of the batch on the local pool (1 thread), for the plan.
 * The figures share one Redis and run in one go (module-level cache), whichever is asked first.
 */
import { seededRng } from '../ad/random.ts';
import {
  siblingModule,
  smoothedGradient,
  workerEvaluator,
  type BatchEvaluator,
  type WorkerObjectiveSource,
} from '../sim/smoothing.ts';
import { clusterEvaluator } from '../scenes/cluster/client.ts';
import { packageVersion } from '../scenes/cli/version.ts';
import { namedProblem } from '../scenes/optimize/registry.ts';
import { Queue } from 'bullmq';
import { DEFAULT_QUEUE, redisConnection } from '../scenes/cluster/settings.ts';
import { encodeExact } from '../scenes/cluster/wire.ts';
import { killWorker, RedisServer, startWorker, type WorkerProcess } from '../test/cluster/redis.ts';
import { median, type Figure } from './harness.ts';

/** Antithetic pairs: 2 × 128 = 256 rollouts. */
const PAIRS = 128;
/** Timed rounds per configuration (a full batch each); the warm-up is a small batch that boots the threads and builds the objective. */
const REPS = 2;
/** Rollouts of the warm-up batch. */
const WARMUP_POINTS = 8;
/** Empty jobs timed for the queue's ceiling. */
const EMPTY_JOBS = 2000;
/** Job lock of the bench workers (the default: nobody is killed here). */
const LOCK_MS = 30_000;

interface ClusterFigures {
  speedup2: number;
  speedup4: number;
  perJobOverheadMs: number;
  emptyJobsPerSecond: number;
  rolloutMs: number;
}

let measured: Promise<ClusterFigures> | null = null;

async function measure(): Promise<ClusterFigures> {
  const problem = namedProblem('bounce-to-target', 'test');
  const source: WorkerObjectiveSource = {
    module: siblingModule('../scenes/optimize/registry', import.meta.url),
    factory: 'workerObjective',
    spec: problem.spec,
  };
  const setting = { mode: 'hard', temperature: problem.scene.contact.temperature };
  const sigma = problem.scale.map((s) => problem.smoothingSigma * s);
  const batch = (ev: BatchEvaluator, pairs = PAIRS) =>
    smoothedGradient(ev, problem.x0, setting, {
      order: 'first',
      sigma,
      samples: pairs,
      rng: seededRng(1),
      bounds: problem.bounds,
    });
  const timed = async (ev: BatchEvaluator, reference?: string): Promise<{ ms: number; out: string }> => {
    await batch(ev, WARMUP_POINTS / 2);
    const ms: number[] = [];
    let out = '';
    for (let round = 0; round < REPS; round++) {
      const t = performance.now();
      out = encodeExact(await batch(ev));
      ms.push(performance.now() - t);
      if (reference !== undefined && out !== reference)
        throw new Error('bench: the cluster batch differs from the local pool’s');
    }
    return { ms: median(ms), out };
  };

  const local = workerEvaluator(source, 1);
  let reference: { ms: number; out: string };
  try {
    reference = await timed(local);
  } finally {
    await local.close();
  }
  process.stderr.write(
    `bench: cluster: 256 rollouts on a local pool of 1 thread: ${(reference.ms / 1e3).toFixed(2)} s\n`,
  );

  const redis = await RedisServer.start();
  const queue = new Queue(DEFAULT_QUEUE, { connection: redisConnection(redis.url) });
  queue.on('error', () => {});
  let workers: WorkerProcess[] = [];
  const withWorkers = async <T>(n: number, work: () => Promise<T>): Promise<T> => {
    workers = Array.from({ length: n }, () => startWorker(redis.url, LOCK_MS));
    try {
      while ((await queue.getWorkersCount()) < n) await new Promise((r) => setTimeout(r, 200));
      return await work();
    } finally {
      await Promise.all(workers.map(killWorker));
      workers = [];
      while ((await queue.getWorkersCount()) > 0) await new Promise((r) => setTimeout(r, 100));
    }
  };
  const clusterMs = (pointsPerJob?: number) => async () => {
    const ev = clusterEvaluator(source, { url: redis.url, version: packageVersion(), pointsPerJob });
    try {
      return (await timed(ev, reference.out)).ms;
    } finally {
      await ev.close();
    }
  };
  try {
    const ms1 = await withWorkers(1, clusterMs());
    const perJob1 = await withWorkers(1, clusterMs(1));
    const ms2 = await withWorkers(2, clusterMs());
    const ms4 = await withWorkers(4, clusterMs());
    process.stderr.write(
      `bench: cluster: 256 rollouts (64 jobs of 4): 1 worker ${(ms1 / 1e3).toFixed(2)} s, 2 workers ${(ms2 / 1e3).toFixed(2)} s, 4 workers ${(ms4 / 1e3).toFixed(2)} s; 256 jobs of 1 on 1 worker ${(perJob1 / 1e3).toFixed(2)} s\n`,
    );
    const emptySource = {
      module: siblingModule('../test/cluster/fixtures', import.meta.url),
      factory: 'throwingObjective',
      spec: null,
    };
    const emptyPerSecond = await withWorkers(4, async () => {
      const ev = clusterEvaluator(emptySource, { url: redis.url, version: packageVersion(), pointsPerJob: 1 });
      try {
        const points = Array.from({ length: EMPTY_JOBS }, (_, i) => [i + 1]);
        await ev.evaluate(points.slice(0, 100), false, null);
        const t = performance.now();
        await ev.evaluate(points, false, null);
        return EMPTY_JOBS / ((performance.now() - t) / 1e3);
      } finally {
        await ev.close();
      }
    });
    return {
      speedup2: ms1 / ms2,
      speedup4: ms1 / ms4,
      perJobOverheadMs: (perJob1 - reference.ms) / (2 * PAIRS),
      emptyJobsPerSecond: emptyPerSecond,
      rolloutMs: reference.ms / (2 * PAIRS),
    };
  } finally {
    await queue.close();
    await Promise.all(workers.map(killWorker));
    await redis.down();
  }
}

const figures = (): Promise<ClusterFigures> => (measured ??= measure());

/** The cluster figures (listed in bench/index.ts). */
export const clusterFigures: Figure[] = [
  {
    name: 'cluster.smoothing256.speedup2',
    describe:
      '256-rollout smoothing batch (bounce-to-target test size, hard, value + AD gradient), 64 jobs: 1 worker process over 2 (real redis-server); identical to the local pool',
    unit: 'ratio',
    run: async () => (await figures()).speedup2,
  },
  {
    name: 'cluster.smoothing256.speedup4',
    describe: 'the same batch: 1 worker process over 4 (this machine has 2 cores: ≤ 2 is the ceiling here)',
    unit: 'ratio',
    run: async () => (await figures()).speedup4,
  },
  {
    name: 'cluster.perJobOverheadMs',
    describe:
      'cost of a job beyond its rollout: (256 one-rollout jobs on 1 worker − the batch on a 1-thread local pool) / 256',
    unit: 'ms',
    run: async () => (await figures()).perJobOverheadMs,
  },
  {
    name: 'cluster.emptyJobsPerSecond',
    describe: `${EMPTY_JOBS} jobs that compute nothing, 1 client, 4 workers, one Redis: the queue's ceiling`,
    unit: 'jobs/s',
    run: async () => (await figures()).emptyJobsPerSecond,
  },
  {
    name: 'cluster.rolloutMs',
    describe: 'one rollout of the batch (value + gradient) on a 1-thread local pool',
    unit: 'ms',
    run: async () => (await figures()).rolloutMs,
  },
];
