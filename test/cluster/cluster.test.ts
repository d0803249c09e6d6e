/**
 * The cluster back-end against real parts: Debian's redis-server on a free 127.0.0.1 port
 * and three `diffcontact worker` processes (bin/diffcontact.js, as a user runs them).
 * Every result is compared bit for bit (wire.ts encodeExact: NaN, −0 and ±Infinity
 * included) with the local back-end's: the worker-thread pool of sim/smoothing.ts, or the
 * objective evaluated on this thread. Faults: a worker SIGKILLed mid-job, Redis killed
 * and restarted empty mid-run, Redis gone for good, a job that throws, a forged duplicate
 * completion, cancellation. Skipped, with a notice, only where redis-server is missing
 * (.ci/run installs it).
 */
import * as api from '../../api/index.ts';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { seededRng } from '../../ad/random.ts';
import { inlineEvaluator, siblingModule, smoothedGradient, workerEvaluator } from '../../sim/smoothing.ts';
import {
  clusterEvaluator,
  ClusterCancelledError,
  ClusterJobError,
  ClusterUnavailableError,
  type ClusterOptions,
} from '../../scenes/cluster/client.ts';
import { DEFAULT_QUEUE, redisConnection } from '../../scenes/cluster/settings.ts';
import { encodeExact } from '../../scenes/cluster/wire.ts';
import { readSceneFile } from '../../scenes/cli/scene-input.ts';
import { runCli } from '../../scenes/cli/program.ts';
import { packageVersion } from '../../scenes/cli/version.ts';
import { latinHypercube } from '../../ad/optim/space-filling.ts';
import { searchBox, type PolishJob } from '../../scenes/optimize/global-strategies.ts';
import { sceneFileProblem } from '../../scenes/optimize/problem.ts';
import { logisticOrbit, slowObjective } from './fixtures.ts';
import { haveRedis, killWorker, RedisServer, startWorker, type WorkerProcess } from './redis.ts';

if (!haveRedis) {
  // visible in every run's output: the cluster tests did not run here
  console.warn(
    'NOTICE: test/cluster skipped: /usr/bin/redis-server is not installed (apt-get install redis-server; .ci/run does it)',
  );
}

/** Job lock of the test workers, ms: a SIGKILLed worker's job moves on after ~1.5× this. */
const LOCK_MS = 3000;
const WORKERS = 3;
/** Logistic-map steps of a slow job: 50–350 ms on this machine (idle to loaded). */
const SLOW_STEPS = 2e7;
const fixtures = siblingModule('./fixtures', import.meta.url);
const slowSource = { module: fixtures, factory: 'slowObjective', spec: { steps: SLOW_STEPS } };
/** Quick client-side timing for the fault tests. */
const quick: ClusterOptions['timing'] = { reconcileIntervalMs: 300, outageBudgetMs: 30_000, connectTimeoutMs: 5_000 };

// worker processes boot their TypeScript loader and threads: slow on a loaded 2-core machine, never a timing assertion
describe.skipIf(!haveRedis)(
  'cluster back-end (BullMQ on a real redis-server, 3 worker processes)',
  { timeout: 120_000 },
  () => {
    let redis: RedisServer;
    let workers: WorkerProcess[] = [];
    let queue: Queue;
    const options = (extra: Partial<ClusterOptions> = {}): ClusterOptions => ({
      url: redis.url,
      version: packageVersion(),
      timing: quick,
      ...extra,
    });

    /** Until `n` workers are connected to the queue. */
    async function waitForWorkers(n: number, ms = 45_000): Promise<void> {
      const until = Date.now() + ms;
      while ((await queue.getWorkersCount()) < n) {
        if (Date.now() > until)
          throw new Error(
            `only ${await queue.getWorkersCount()} of ${n} workers connected: ${workers.map((w) => w.log.join('')).join(' | ')}`,
          );
        await new Promise((r) => setTimeout(r, 200));
      }
    }

    beforeAll(async () => {
      redis = await RedisServer.start();
      workers = Array.from({ length: WORKERS }, () => startWorker(redis.url, LOCK_MS));
      queue = new Queue(DEFAULT_QUEUE, { connection: redisConnection(redis.url) });
      queue.on('error', () => {});
      await waitForWorkers(WORKERS);
    }, 60_000);

    afterAll(async () => {
      await queue?.close();
      await Promise.all(workers.map(killWorker));
      await redis?.down();
    });

    it('gives the local pool’s results bit for bit: a smoothing batch, multistart polishes', async () => {
      const file = fileURLToPath(new URL('../../scenes/bounce-wrong-hump-small.json', import.meta.url));
      const problem = sceneFileProblem('bounce-wrong-hump-small', readSceneFile(file));
      const source = {
        module: siblingModule('../../scenes/optimize/registry', import.meta.url),
        factory: 'workerObjective',
        spec: problem.spec,
      };
      const setting = { mode: 'hard', temperature: problem.scene.contact.temperature };
      const sigma = problem.scale.map((s) => 0.05 * s);
      const local = workerEvaluator(source, 2);
      const cluster = clusterEvaluator(source, options({ pointsPerJob: 2 }));
      try {
        const estimate = (ev: typeof local) =>
          smoothedGradient(ev, problem.x0, setting, {
            order: 'first',
            sigma,
            samples: 4,
            rng: seededRng(5),
            bounds: problem.bounds,
          });
        expect(encodeExact(await estimate(cluster))).toBe(encodeExact(await estimate(local)));
        const starts = latinHypercube(2, searchBox(problem), seededRng(2));
        const job: PolishJob = { setting: { mode: 'hard', temperature: problem.scene.contact.temperature }, iters: 3 };
        expect(encodeExact(await cluster.run(starts, job))).toBe(encodeExact(await local.run(starts, job)));
        expect(cluster.stats().workers.length).toBeGreaterThanOrEqual(2);
      } finally {
        await Promise.all([local.close(), cluster.close()]);
      }
    });

    it('`diffcontact sweep --cluster` (one job per mode) prints what the local sweep prints, 3 modes', async () => {
      const args = [
        'sweep',
        'scenes/ball-drop.json',
        '--of',
        'ball.position.z',
        '--wrt',
        'ball.position.z',
        '--from',
        '0.53',
        '--to',
        '0.55',
        '--n',
        '3',
        '--steps',
        '300',
        '--contact',
        'hard,penalty,soft',
        '--levels',
        '2',
        '--json',
      ];
      const run = async (extra: string[]) => {
        let out = '';
        let err = '';
        const code = await runCli([...args, ...extra], { stdout: (s) => (out += s), stderr: (s) => (err += s) });
        return { code, out, err };
      };
      const [a, b] = [await run(['--cluster', redis.url]), await run([])];
      expect(a.err).toBe('');
      expect(a.code).toBe(0);
      expect(a.out).toBe(b.out);
    });

    it('the API: sweepOnCluster returns what sweep returns, bit for bit; a bad URL is an ArgumentError naming `cluster`', async () => {
      const opts = {
        of: 'ball.position.z',
        wrt: 'ball.position.z',
        from: 0.53,
        to: 0.55,
        n: 3,
        steps: 300,
        modes: ['hard', 'soft'] as ('hard' | 'soft')[],
        levels: 2,
      };
      const scene = fileURLToPath(new URL('../../scenes/ball-drop.json', import.meta.url));
      expect(encodeExact(await api.sweepOnCluster(scene, opts, redis.url))).toBe(encodeExact(api.sweep(scene, opts)));
      await expect(api.sweepOnCluster(scene, opts, 'http://127.0.0.1:1')).rejects.toThrow(/cluster/);
    });

    it('a worker SIGKILLed mid-job: its job is retried on another worker, the batch completes with identical results', async () => {
      const points = Array.from({ length: 9 }, (_, i) => [0.1 + 0.1 * i]);
      const cluster = clusterEvaluator(slowSource, options({ pointsPerJob: 1 }));
      const stalled: string[] = [];
      const events = new QueueEvents(DEFAULT_QUEUE, { connection: redisConnection(redis.url) });
      events.on('stalled', ({ jobId }) => stalled.push(jobId));
      await events.waitUntilReady();
      let victim: WorkerProcess | undefined;
      try {
        const pending = cluster.evaluate(points, false, null);
        // the first job a worker holds: kill that worker
        for (let tries = 0; victim === undefined && tries < 200; tries++) {
          for (const job of await queue.getActive()) {
            const pid = Number(job.processedBy?.split(':').pop());
            victim ??= workers.find((w) => w.pid === pid);
          }
          if (victim === undefined) await new Promise((r) => setTimeout(r, 50));
        }
        expect(victim, 'no worker was seen holding a job').toBeDefined();
        await killWorker(victim!);
        const results = await pending;
        const reference = await inlineEvaluator(slowObjective(slowSource.spec)).evaluate(points, false, null);
        expect(encodeExact(results)).toBe(encodeExact(reference));
        expect(results.map((r) => r.value)).toEqual(
          points.map((x) => logisticOrbit(0.1 + 0.8 * Math.abs(Math.sin(x[0])), SLOW_STEPS)),
        );
        expect(stalled.length, 'the killed worker’s job was never declared stalled').toBeGreaterThanOrEqual(1);
        expect(cluster.stats().workers).not.toContain(`${victim!.pid}`);
      } finally {
        await Promise.all([cluster.close(), events.close()]);
        // a replacement, so the later tests keep three workers
        if (victim !== undefined) {
          workers = workers.filter((w) => w !== victim);
          workers.push(startWorker(redis.url, LOCK_MS));
        }
      }
    });

    it('Redis killed and restarted empty mid-run: the client reconnects, resubmits the lost jobs, identical results', async () => {
      await waitForWorkers(WORKERS);
      const points = Array.from({ length: 9 }, (_, i) => [1 + 0.05 * i]);
      let restarted: Promise<void> | null = null;
      const cluster = clusterEvaluator(
        slowSource,
        options({
          pointsPerJob: 1,
          onProgress: (p) => {
            if (p.done >= 1 && restarted === null)
              restarted = redis
                .down()
                .then(() => new Promise((r) => setTimeout(r, 300)))
                .then(() => redis.up());
          },
        }),
      );
      try {
        const results = await cluster.evaluate(points, false, null);
        await restarted;
        const reference = await inlineEvaluator(slowObjective(slowSource.spec)).evaluate(points, false, null);
        expect(encodeExact(results)).toBe(encodeExact(reference));
        expect(
          cluster.stats().resubmitted,
          'Redis lost the jobs; the client must have submitted them again',
        ).toBeGreaterThan(0);
      } finally {
        await cluster.close();
      }
    });

    it('Redis gone for good: a clear error after the outage budget, no partial result; an unreachable Redis: a clear error at once', async () => {
      await waitForWorkers(WORKERS);
      const points = Array.from({ length: 6 }, (_, i) => [2 + 0.05 * i]);
      let down: Promise<void> | null = null;
      const cluster = clusterEvaluator(
        slowSource,
        options({
          pointsPerJob: 1,
          timing: { ...quick, outageBudgetMs: 1500 },
          onProgress: (p) => void (p.done >= 1 && (down ??= redis.down())),
        }),
      );
      try {
        await expect(cluster.evaluate(points, false, null)).rejects.toThrow(
          /lost Redis at redis:\/\/127\.0\.0\.1:\d+ for more than 1\.5 s/,
        );
      } finally {
        await cluster.close();
        await down;
        await redis.up();
      }
      const nowhere = clusterEvaluator(slowSource, {
        url: 'redis://127.0.0.1:1',
        version: packageVersion(),
        timing: { connectTimeoutMs: 1000 },
      });
      await expect(nowhere.evaluate([[0]], false, null)).rejects.toThrow(ClusterUnavailableError);
      await expect(nowhere.evaluate([[0]], false, null)).rejects.toThrow(
        /cannot reach Redis at redis:\/\/127\.0\.0\.1:1/,
      );
      await nowhere.close();
    });

    it('a job that throws is reported with its inputs; every other job completes', async () => {
      await waitForWorkers(WORKERS);
      const cluster = clusterEvaluator(
        { module: fixtures, factory: 'throwingObjective', spec: null },
        options({ pointsPerJob: 1 }),
      );
      try {
        const err = await cluster.evaluate([[1], [-1], [2], [3]], false, { tag: 'setting' }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ClusterJobError);
        const { failures, results } = err as ClusterJobError;
        expect(failures).toEqual([
          { job: 1, points: [[-1]], first: 1, setting: { tag: 'setting' }, message: 'diverged at x = -1' },
        ]);
        expect(results.map((r) => (r as { value: number } | undefined)?.value)).toEqual([2, undefined, 4, 6]);
        expect((err as Error).message).toContain('points [[-1]]');
      } finally {
        await cluster.close();
      }
    });

    it('a duplicate completion (a forged second event with a wrong value) is ignored', async () => {
      await waitForWorkers(WORKERS);
      const points = Array.from({ length: 6 }, (_, i) => [3 + 0.05 * i]);
      const forger = new Redis(redis.url);
      const events = new QueueEvents(DEFAULT_QUEUE, { connection: redisConnection(redis.url) });
      await events.waitUntilReady();
      let forged = 0;
      events.on('completed', ({ jobId }) => {
        if (forged++ > 0) return;
        const wrong = encodeExact({ results: [{ value: 999, grad: [] }], worker: 'forger:1' });
        void forger.xadd(
          `bull:${DEFAULT_QUEUE}:events`,
          '*',
          'event',
          'completed',
          'jobId',
          jobId,
          'returnvalue',
          JSON.stringify(wrong),
        );
      });
      const cluster = clusterEvaluator(slowSource, options({ pointsPerJob: 1 }));
      try {
        const results = await cluster.evaluate(points, false, null);
        const reference = await inlineEvaluator(slowObjective(slowSource.spec)).evaluate(points, false, null);
        expect(encodeExact(results)).toBe(encodeExact(reference));
        expect(cluster.stats().duplicates).toBeGreaterThanOrEqual(1);
        expect(cluster.stats().workers).not.toContain('forger:1');
      } finally {
        await Promise.all([cluster.close(), events.close()]);
        forger.disconnect();
      }
    });

    it('cancellation (close() mid-batch) rejects the batch and leaves no job waiting in the queue', async () => {
      await waitForWorkers(WORKERS);
      const points = Array.from({ length: 15 }, (_, i) => [4 + 0.05 * i]);
      let closing: Promise<void> | null = null;
      const cluster = clusterEvaluator(
        slowSource,
        options({ pointsPerJob: 1, onProgress: (p) => void (p.done >= 1 && (closing ??= cluster.close())) }),
      );
      await expect(cluster.evaluate(points, false, null)).rejects.toThrow(ClusterCancelledError);
      await closing;
      const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed');
      expect(counts).toEqual({ waiting: 0, prioritized: 0, delayed: 0 });
    });
  },
);
