/**
 * The job layer's front door: one {@link BatchEvaluator} for a batch of independent
 * rollouts, on this machine's worker threads (sim/smoothing.ts, the default: no setup) or
 * on a Redis cluster of `diffcontact worker` processes (client.ts) when a cluster URL is
 * given. The two compute the same numbers for the same inputs and seeds; only where and
 * how fast differ.
 */
import { workerEvaluator, type BatchEvaluator, type WorkerObjectiveSource } from '../../sim/smoothing.ts';
import { packageVersion } from '../cli/version.ts';
import { clusterEvaluator, type ClusterProgress } from './client.ts';

/** Where a batch runs. */
export interface PoolOptions {
  /** local worker threads (default every core); ignored on a cluster */
  threads?: number;
  /** redis:// URL of a cluster: run the batch as BullMQ jobs there */
  cluster?: string;
  /** cluster: called as jobs finish (jobs done/total, workers seen) */
  onJobs?(progress: ClusterProgress): void;
}

/**
 * The evaluator for `source`'s objective: the cluster's when `opts.cluster` is set, else a
 * pool of local worker threads.
 *
 * @example
 * const pool = batchPool({ module: siblingModule('./registry', import.meta.url), factory: 'workerObjective', spec }, { cluster: 'redis://10.0.0.5:6379' });
 * try { await pool.run(starts, job); } finally { await pool.close(); }
 */
export function batchPool(source: WorkerObjectiveSource, opts: PoolOptions): BatchEvaluator {
  return opts.cluster === undefined
    ? workerEvaluator(source, opts.threads)
    : clusterEvaluator(source, { url: opts.cluster, version: packageVersion(), onProgress: opts.onJobs });
}
