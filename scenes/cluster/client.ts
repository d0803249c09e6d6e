/**
 * The cluster back-end of the job layer: a {@link BatchEvaluator} (the interface the local
 * worker-thread pool of sim/smoothing.ts implements) whose batches become BullMQ jobs on
 * Redis, computed by `diffcontact worker` processes on any machine (worker.ts).
 *
 * A batch is split into self-contained jobs (the objective's portable source, the points,
 * the setting; wire.ts), added under ids of their own (`<batch>-<k>`), and collected from
 * BullMQ's completion events; every result lands at its point's index, so the batch's
 * answer does not depend on which worker computed what, nor in which order. Faults
 * (docs/cluster.md):
 * - a worker dies mid-job: its lock expires and BullMQ hands the job to another worker
 *   (settings.ts `lockDurationMs`, `maxStalledCount`); the result is the same, since a job
 *   is a pure function of its payload;
 * - a completion arrives twice (an event replayed, a reconciliation racing an event): the
 *   first is kept, the others are counted and ignored;
 * - Redis restarts: the connection comes back by itself; the client then compares its
 *   unfinished jobs with Redis and submits again those Redis lost; after
 *   `outageBudgetMs` without Redis it fails with a clear error, never a partial answer;
 * - a job throws (a divergence): the batch still completes, then fails with a
 *   {@link ClusterJobError} that lists each failed job's inputs and message and holds every
 *   other result.
 * bullmq is imported on first use: a process that never touches the cluster never loads it.
 */
import { randomUUID } from 'node:crypto';
import type { Job, Queue, QueueEvents } from 'bullmq';
import type { ValueGrad } from '../../ad/optim/types.ts';
import type { BatchEvaluator, WorkerObjectiveSource } from '../../sim/smoothing.ts';
import { DEFAULT_QUEUE, DEFAULT_TIMING, redisConnection, safeUrl, type ClusterTiming } from './settings.ts';
import {
  decodeExact,
  encodeExact,
  portableSource,
  sourceKey,
  type JobData,
  type JobOp,
  type JobPayload,
  type JobResult,
} from './wire.ts';

/** How far a batch has got. */
export interface ClusterProgress {
  /** jobs finished (completed or failed), of `total` */
  done: number;
  total: number;
  /** distinct worker processes that have returned a result to this client so far */
  workers: number;
}

/** Settings of {@link clusterEvaluator}. */
export interface ClusterOptions {
  /** redis:// URL of the cluster's Redis */
  url: string;
  /** this package's version: workers of another version refuse the jobs (their numbers could differ) */
  version: string;
  /** BullMQ queue (default {@link DEFAULT_QUEUE}) */
  queue?: string;
  /** `evaluate`: points per job (default {@link defaultPointsPerJob}); `run` always sends one point per job */
  pointsPerJob?: number;
  /** timeouts and retry counts (default {@link DEFAULT_TIMING}) */
  timing?: Partial<ClusterTiming>;
  /** called whenever a job of the running batch finishes */
  onProgress?(progress: ClusterProgress): void;
}

/** What a client has seen: for progress displays and for the fault tests. */
export interface ClusterStats {
  /** distinct workers that returned results */
  workers: string[];
  /** completions ignored because the job had already finished (or was not this client's) */
  duplicates: number;
  /** jobs submitted again because Redis no longer had them */
  resubmitted: number;
  /** jobs finished, over all batches */
  jobs: number;
}

/** A failed job of a batch, with the inputs that make it reproducible. */
export interface JobFailure {
  /** the job's index in its batch */
  job: number;
  /** the points it held (the inputs), and where the first sits in the batch */
  points: number[][];
  first: number;
  setting: unknown;
  /** the worker's error message */
  message: string;
}

/** Some jobs of a batch threw: every other job completed; their results are in `results`. */
export class ClusterJobError extends Error {
  constructor(
    readonly failures: JobFailure[],
    /** per point of the batch: its result, or undefined where its job failed */
    readonly results: unknown[],
  ) {
    const shown = failures
      .slice(0, 3)
      .map((f) => `job ${f.job} (points ${encodeExact(f.points)}, setting ${encodeExact(f.setting)}): ${f.message}`)
      .join('; ');
    super(
      `${failures.length} cluster job(s) failed, the other results are complete: ${shown}${failures.length > 3 ? '; …' : ''}`,
    );
    this.name = 'ClusterJobError';
  }
}

/** Redis could not be reached, or was lost for longer than the outage budget. */
export class ClusterUnavailableError extends Error {
  override name = 'ClusterUnavailableError';
}

/** The batch was cancelled (close() or Ctrl-C) before it finished. */
export class ClusterCancelledError extends Error {
  override name = 'ClusterCancelledError';
}

/** Jobs a batch of `evaluate` is cut into at most, when the caller does not say: enough for 64 busy workers, few enough that the per-job cost stays small (docs/cluster.md). */
export const TARGET_JOBS_PER_BATCH = 64;

/** Points per job of a batch of `points` points: {@link TARGET_JOBS_PER_BATCH} jobs, at least one point each. */
export function defaultPointsPerJob(points: number): number {
  return Math.max(1, Math.ceil(points / TARGET_JOBS_PER_BATCH));
}

/** A cluster evaluator: the {@link BatchEvaluator} interface, plus what it has seen. */
export interface ClusterEvaluator extends BatchEvaluator {
  stats(): ClusterStats;
}

type Outcome = { ok: true; result: JobResult } | { ok: false; message: string };

interface Batch {
  ids: string[];
  data: JobData[];
  payloads: JobPayload[];
  outcomes: (Outcome | undefined)[];
  remaining: number;
  resolve(): void;
  reject(err: Error): void;
}

interface Connection {
  bullmq: typeof import('bullmq');
  queue: Queue;
  events: QueueEvents;
}

/**
 * An evaluator whose batches run as BullMQ jobs on the Redis at `opts.url`, computed by
 * `diffcontact worker` processes (any number, on any machine). Connects on the first batch.
 *
 * @example
 * const ev = clusterEvaluator(source, { url: 'redis://127.0.0.1:6379', version: packageVersion() });
 * try { const r = await ev.evaluate(points, true, setting); } finally { await ev.close(); }
 */
export function clusterEvaluator(objective: WorkerObjectiveSource, opts: ClusterOptions): ClusterEvaluator {
  const timing: ClusterTiming = { ...DEFAULT_TIMING, ...opts.timing };
  const queueName = opts.queue ?? DEFAULT_QUEUE;
  const source = portableSource(objective);
  const key = sourceKey(source);
  const where = safeUrl(opts.url);
  const open = new Map<string, { batch: Batch; k: number }>();
  const workers = new Set<string>();
  let duplicates = 0;
  let resubmitted = 0;
  let finishedJobs = 0;
  let lastError: Error | null = null;
  let downSince: number | null = null;
  let closed = false;
  /** the first connection failed: no more reconnection attempts */
  let gaveUp = false;
  let busy = false;
  let connection: Promise<Connection> | null = null;
  let timer: ReturnType<typeof setInterval> | null = null;
  let reconciling = false;

  const jobOptions = () => ({
    attempts: timing.attempts,
    // finished jobs are removed by the client once read; these ages only bound what a crashed client leaves behind
    removeOnComplete: { age: 3600 },
    removeOnFail: { age: 24 * 3600 },
  });

  const connect = (): Promise<Connection> =>
    (connection ??= (async () => {
      const bullmq = await import('bullmq');
      const stopped = () => closed || gaveUp;
      const queue = new bullmq.Queue(queueName, { connection: redisConnection(opts.url, stopped) });
      const events = new bullmq.QueueEvents(queueName, { connection: redisConnection(opts.url, stopped) });
      // errors arrive as events while ioredis reconnects; the outage check below decides when they are fatal
      queue.on('error', (err) => (lastError = err));
      events.on('error', (err) => (lastError = err));
      const ready = Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
      let timeout: ReturnType<typeof setTimeout> | undefined;
      try {
        await Promise.race([
          ready,
          new Promise((_, reject) => {
            timeout = setTimeout(() => reject(new Error('timeout')), timing.connectTimeoutMs);
          }),
        ]);
      } catch {
        gaveUp = true;
        await closeWithin([queue, events], CLOSE_WAIT_MS);
        throw new ClusterUnavailableError(
          `cannot reach Redis at ${where} within ${timing.connectTimeoutMs / 1e3} s${lastError === null ? '' : ` (${lastError.message})`}: is redis-server running there, and is --cluster (or DIFFCONTACT_REDIS) right?`,
        );
      } finally {
        clearTimeout(timeout);
      }
      const client = await queue.getBackend().client;
      client.on('close', () => (downSince ??= Date.now()));
      client.on('ready', () => {
        if (downSince === null) return;
        downSince = null;
        void reconcile();
      });
      events.on('completed', ({ jobId, returnvalue }) => settle(jobId, parseResult(returnvalue)));
      events.on('failed', ({ jobId, failedReason }) => settle(jobId, { ok: false, message: failedReason }));
      timer = setInterval(tick, Math.min(timing.reconcileIntervalMs, 1000));
      return { bullmq, queue, events };
    })());

  let lastReconcile = Date.now();
  function tick(): void {
    if (open.size === 0) return;
    if (downSince !== null && Date.now() - downSince > timing.outageBudgetMs) {
      failAll(
        new ClusterUnavailableError(
          `lost Redis at ${where} for more than ${timing.outageBudgetMs / 1e3} s with ${open.size} job(s) unfinished${lastError === null ? '' : ` (${lastError.message})`}; no partial result is returned`,
        ),
      );
      return;
    }
    if (downSince === null && Date.now() - lastReconcile >= timing.reconcileIntervalMs) void reconcile();
  }

  function parseResult(returnvalue: unknown): Outcome {
    try {
      const result = decodeExact(typeof returnvalue === 'string' ? returnvalue : String(returnvalue)) as JobResult;
      if (!Array.isArray(result.results) || typeof result.worker !== 'string') throw new Error('not a job result');
      return { ok: true, result };
    } catch (err) {
      return {
        ok: false,
        message: `unreadable result (${err instanceof Error ? err.message : String(err)}): is the worker a diffcontact worker of the same version?`,
      };
    }
  }

  function settle(jobId: string, outcome: Outcome): void {
    const entry = open.get(jobId);
    if (entry === undefined || entry.batch.outcomes[entry.k] !== undefined) {
      // ours and already finished, or another client's job on the shared queue
      if (jobId.startsWith(`${key}.`)) duplicates++;
      return;
    }
    const { batch, k } = entry;
    open.delete(jobId);
    batch.outcomes[k] = outcome;
    if (outcome.ok) workers.add(outcome.result.worker);
    batch.remaining--;
    finishedJobs++;
    opts.onProgress?.({ done: batch.ids.length - batch.remaining, total: batch.ids.length, workers: workers.size });
    if (batch.remaining === 0) batch.resolve();
  }

  function failAll(err: Error): void {
    const batches = new Set([...open.values()].map((e) => e.batch));
    open.clear();
    for (const b of batches) b.reject(err);
  }

  /** Compare the unfinished jobs with Redis: read results whose events were missed, resubmit jobs Redis lost. */
  async function reconcile(): Promise<void> {
    if (reconciling || connection === null) return;
    reconciling = true;
    lastReconcile = Date.now();
    try {
      const { bullmq, queue } = await connection;
      for (const [id, { batch, k }] of [...open]) {
        const job: Job | undefined = await bullmq.Job.fromId(queue, id);
        if (!open.has(id)) continue;
        if (job === undefined) {
          await queue.add('batch', batch.data[k], { ...jobOptions(), jobId: id });
          resubmitted++;
          continue;
        }
        if (job.finishedOn === undefined) continue;
        const state = await job.getState();
        if (state === 'completed') settle(id, parseResult(job.returnvalue));
        else if (state === 'failed') settle(id, { ok: false, message: job.failedReason });
      }
    } catch {
      // Redis went away again: the next tick or reconnection tries again
    } finally {
      reconciling = false;
    }
  }

  /** Run one batch of jobs and return their results in order (throws ClusterJobError after all finished if any failed). */
  async function runBatch(payloads: JobPayload[]): Promise<JobResult['results'][]> {
    if (closed) throw new ClusterCancelledError('clusterEvaluator: used after close()');
    if (busy) throw new Error('clusterEvaluator: a batch was started before the previous one finished');
    busy = true;
    const stopGuard = guardInterrupt(() => void close());
    try {
      const { queue } = await connect();
      const batchId = `${key}.${randomUUID()}`;
      let first = 0;
      const data = payloads.map((p): JobData => {
        const d = { version: opts.version, key, first, payload: encodeExact(p) };
        first += p.points.length;
        return d;
      });
      const ids = payloads.map((_, k) => `${batchId}-${k}`);
      let batch!: Batch;
      const done = new Promise<void>((resolve, reject) => {
        batch = { ids, data, payloads, outcomes: ids.map(() => undefined), remaining: ids.length, resolve, reject };
        ids.forEach((id, k) => open.set(id, { batch, k }));
        if (ids.length === 0) resolve();
      });
      opts.onProgress?.({ done: 0, total: ids.length, workers: workers.size });
      await queue.addBulk(ids.map((id, k) => ({ name: 'batch', data: data[k], opts: { ...jobOptions(), jobId: id } })));
      await done.finally(() => ids.forEach((id) => open.delete(id)));
      const outcomes = batch.outcomes as Outcome[];
      // the outcomes are read: clear the batch's jobs from Redis
      await Promise.allSettled(ids.map((id) => queue.remove(id)));
      const failures: JobFailure[] = [];
      const results: unknown[][] = outcomes.map((o, k) => {
        if (o.ok) return o.result.results;
        failures.push({
          job: k,
          points: payloads[k].points,
          first: data[k].first,
          setting: payloads[k].setting,
          message: o.message,
        });
        return payloads[k].points.map(() => undefined);
      });
      if (failures.length > 0) throw new ClusterJobError(failures, results.flat());
      return results;
    } finally {
      stopGuard();
      busy = false;
    }
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    if (timer !== null) clearInterval(timer);
    const pending = [...open.keys()];
    failAll(
      new ClusterCancelledError(
        `cancelled with ${pending.length} cluster job(s) unfinished; they were removed from the queue`,
      ),
    );
    if (connection === null) return;
    let conn: Connection;
    try {
      conn = await connection;
    } catch {
      return;
    }
    // jobs still waiting are removed; a job a worker is computing is locked and finishes, its result expires with the queue's removeOnComplete age
    await Promise.allSettled(pending.map((id) => conn.queue.remove(id)));
    await closeWithin([conn.events, conn.queue], CLOSE_WAIT_MS);
  }

  return {
    get threads() {
      return Math.max(1, workers.size);
    },
    async evaluate(points, withGrad, setting) {
      const size = opts.pointsPerJob ?? defaultPointsPerJob(points.length);
      const op: JobOp = withGrad ? 'grad' : 'value';
      const payloads: JobPayload[] = [];
      for (let i = 0; i < points.length; i += size)
        payloads.push({ source, op, points: points.slice(i, i + size), setting });
      return (await runBatch(payloads)).flat() as ValueGrad[];
    },
    async run(points, setting) {
      return (await runBatch(points.map((x) => ({ source, op: 'run', points: [x], setting })))).flat();
    },
    close,
    stats: () => ({ workers: [...workers], duplicates, resubmitted, jobs: finishedJobs }),
  };
}

/** How long a graceful close may take before the connections are cut, ms (a close waits for Redis, which may be gone). */
export const CLOSE_WAIT_MS = 2000;

/** Close BullMQ objects gracefully, or cut their connections if that has not finished within `ms`. */
export async function closeWithin(
  items: readonly { close(): Promise<void>; disconnect(): Promise<void> }[],
  ms: number,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const graceful = Promise.allSettled(items.map((i) => i.close())).then(() => true);
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const done = await Promise.race([graceful, late]);
  clearTimeout(timer);
  // a disconnect can itself wait for a Redis that is gone: start it, do not wait for it
  if (!done) for (const i of items) i.disconnect().catch(() => {});
}

/**
 * While a batch runs, Ctrl-C (SIGINT) first removes the batch's waiting jobs from the queue,
 * then ends the process as SIGINT would. Only when nobody else listens for SIGINT (a caller
 * with its own handler keeps control). Returns the function that removes the guard.
 */
function guardInterrupt(cancel: () => void): () => void {
  if (process.listenerCount('SIGINT') > 0) return () => {};
  const onInterrupt = () => {
    process.off('SIGINT', onInterrupt);
    cancel();
    // give the removal a moment, then die of SIGINT as the default handler would
    setTimeout(() => process.kill(process.pid, 'SIGINT'), 500).unref();
  };
  process.on('SIGINT', onInterrupt);
  return () => process.off('SIGINT', onInterrupt);
}
