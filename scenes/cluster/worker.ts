/**
 * The worker side of the cluster: a BullMQ worker on the shared queue that computes the jobs
 * client.ts adds, `concurrency` at a time. Each job is computed on a worker thread of
 * sim/smoothing.ts (the local back-end, one thread per running job), so this process's
 * event loop stays free to renew the job locks however long a rollout takes, and a job
 * computes exactly what the local pool computes. Built objectives are kept per source key
 * (wire.ts `sourceKey`: module, factory and scene), so a scene is built once per thread,
 * not once per job; the {@link MAX_CACHED_SOURCES} most recently used stay warm.
 */
import { hostname } from 'node:os';
import type { Job, Worker } from 'bullmq';
import { workerEvaluator, type BatchEvaluator } from '../../sim/smoothing.ts';
import { closeWithin, CLOSE_WAIT_MS, ClusterUnavailableError } from './client.ts';
import { DEFAULT_QUEUE, DEFAULT_TIMING, redisConnection, safeUrl, type ClusterTiming } from './settings.ts';
import { decodeExact, encodeExact, localModule, type JobData, type JobPayload, type JobResult } from './wire.ts';

/** Objectives (scenes) kept built at once; the least recently used is dropped past this. */
export const MAX_CACHED_SOURCES = 4;

/** Settings of {@link startClusterWorker}. */
export interface ClusterWorkerOptions {
  /** redis:// URL of the cluster's Redis */
  url: string;
  /** this package's version: jobs of another version are refused */
  version: string;
  /** jobs computed at once (default 1; one per core is the usual choice) */
  concurrency?: number;
  queue?: string;
  timing?: Partial<ClusterTiming>;
  /** one line per event worth a log (connection lost and back, a job refused or failed) */
  log?(line: string): void;
}

/** A running worker process's handle. */
export interface ClusterWorker {
  /** `host:pid`, as results name it */
  readonly name: string;
  /** jobs completed so far */
  completed(): number;
  /** stop taking jobs, let running ones finish, stop the threads */
  close(): Promise<void>;
}

/** Built objectives by source key: idle single-thread pools, most recently used last. */
class ObjectiveCache {
  private readonly idle = new Map<string, BatchEvaluator[]>();

  take(key: string, payload: JobPayload): BatchEvaluator {
    const pools = this.idle.get(key) ?? [];
    // re-insert: the map's order is the recency order
    this.idle.delete(key);
    this.idle.set(key, pools);
    this.evict();
    return pools.pop() ?? workerEvaluator({ ...payload.source, module: localModule(payload.source.module) }, 1);
  }

  give(key: string, pool: BatchEvaluator): void {
    const pools = this.idle.get(key);
    if (pools === undefined) void pool.close();
    else pools.push(pool);
  }

  private evict(): void {
    while (this.idle.size > MAX_CACHED_SOURCES) {
      const [oldest, pools] = this.idle.entries().next().value as [string, BatchEvaluator[]];
      this.idle.delete(oldest);
      for (const p of pools) void p.close();
    }
  }

  async close(): Promise<void> {
    const all = [...this.idle.values()].flat();
    this.idle.clear();
    await Promise.all(all.map((p) => p.close()));
  }
}

/**
 * Start a worker on the cluster at `opts.url`: it takes jobs until closed. Resolves once
 * connected; a Redis that cannot be reached within the connect timeout is an error.
 *
 * @example
 * const worker = await startClusterWorker({ url: 'redis://10.0.0.5:6379', version: packageVersion(), concurrency: 4 });
 * process.on('SIGTERM', () => void worker.close());
 */
export async function startClusterWorker(opts: ClusterWorkerOptions): Promise<ClusterWorker> {
  const timing: ClusterTiming = { ...DEFAULT_TIMING, ...opts.timing };
  const concurrency = opts.concurrency ?? 1;
  if (!(Number.isInteger(concurrency) && concurrency >= 1))
    throw new RangeError(`concurrency must be a whole number ≥ 1, got ${concurrency}`);
  const name = `${hostname()}:${process.pid}`;
  const log = opts.log ?? (() => {});
  const where = safeUrl(opts.url);
  const cache = new ObjectiveCache();
  let completed = 0;
  const { Worker: BullWorker, UnrecoverableError } = await import('bullmq');

  const processor = async (job: Job<JobData>): Promise<string> => {
    const data = job.data;
    if (data.version !== opts.version) {
      throw new UnrecoverableError(
        `worker ${name} runs diffcontact ${opts.version}, the job was made by ${data.version}: run workers of the client's version`,
      );
    }
    const payload = decodeExact(data.payload) as JobPayload;
    const pool = cache.take(data.key, payload);
    let results: unknown[];
    try {
      results =
        payload.op === 'run'
          ? await pool.run(payload.points, payload.setting)
          : await pool.evaluate(payload.points, payload.op === 'grad', payload.setting);
    } catch (err) {
      // the thread may be broken (a crash, not a thrown objective error): start afresh next time
      void pool.close();
      throw err;
    }
    cache.give(data.key, pool);
    completed++;
    return encodeExact({ results, worker: name } satisfies JobResult);
  };

  let connected = false;
  let gaveUp = false;
  const worker: Worker = new BullWorker(opts.queue ?? DEFAULT_QUEUE, processor, {
    connection: redisConnection(opts.url, () => !connected && gaveUp),
    concurrency,
    lockDuration: timing.lockDurationMs,
    stalledInterval: timing.stalledIntervalMs,
    maxStalledCount: timing.maxStalledCount,
    name,
    autorun: false,
  });
  let lost = false;
  worker.on('error', (err) => {
    if (!lost) log(`worker ${name}: Redis at ${where}: ${err.message} (reconnecting)`);
    lost = true;
  });
  worker.on('failed', (job, err) => log(`worker ${name}: job ${job?.id ?? '?'} failed: ${err.message}`));
  let timeout: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      worker.waitUntilReady(),
      new Promise((_, reject) => {
        timeout = setTimeout(() => reject(new Error('timeout')), timing.connectTimeoutMs);
      }),
    ]);
    connected = true;
  } catch {
    gaveUp = true;
    throw new ClusterUnavailableError(
      `cannot reach Redis at ${where} within ${timing.connectTimeoutMs / 1e3} s: is redis-server running there, and is --cluster (or DIFFCONTACT_REDIS) right?`,
    );
  } finally {
    clearTimeout(timeout);
    if (!connected)
      await closeWithin([{ close: () => worker.close(true), disconnect: () => worker.disconnect() }], CLOSE_WAIT_MS);
  }
  (await worker.getBackend().client).on('ready', () => {
    if (lost) log(`worker ${name}: Redis at ${where} is back`);
    lost = false;
  });
  void worker.run();
  return {
    name,
    completed: () => completed,
    async close() {
      await worker.close();
      await cache.close();
    },
  };
}
