/**
 * Where the cluster is and how patient it is: the Redis URL (`--cluster URL`, else the
 * DIFFCONTACT_REDIS environment variable), the queue name, and the timeouts and retry
 * counts of docs/cluster.md in one table, so a test can shorten them and the docs can
 * quote them.
 */

/** Environment variable naming the cluster's Redis when `--cluster` is not given. */
export const CLUSTER_ENV = 'DIFFCONTACT_REDIS';

/** The BullMQ queue every client and worker uses unless told otherwise. */
export const DEFAULT_QUEUE = 'diffcontact';

/** Timeouts and retry counts of the job layer (docs/cluster.md "Faults"). */
export interface ClusterTiming {
  /**
   * A worker holds a job's lock this long, ms, and renews it every half of it while the job
   * runs (the job computes on a worker thread, so the renewal is never starved). A worker
   * that dies stops renewing: its job is handed to another worker after at most
   * lockDurationMs + stalledIntervalMs.
   */
  lockDurationMs: number;
  /** How often workers look for jobs whose lock has expired (a dead worker's), ms. */
  stalledIntervalMs: number;
  /** Times a job may lose its worker and be restarted before it is failed ("stalled too often"). */
  maxStalledCount: number;
  /**
   * Attempts of a job that throws. 1: a throw (a divergence, a bad scene) is deterministic,
   * so it is reported with its inputs at once instead of being computed again.
   */
  attempts: number;
  /** The client gives up when Redis has been unreachable this long, ms (a clear error, no partial result). */
  outageBudgetMs: number;
  /**
   * The client compares its unfinished jobs with Redis this often, ms, and at once after
   * a reconnection: a job Redis lost (restarted without its data) is submitted again, a
   * result whose event was missed is read from the job.
   */
  reconcileIntervalMs: number;
  /** First connection: the client or worker fails with a clear message after this long, ms. */
  connectTimeoutMs: number;
}

/** The defaults (docs/cluster.md lists them). */
export const DEFAULT_TIMING: Readonly<ClusterTiming> = {
  lockDurationMs: 30_000,
  stalledIntervalMs: 15_000,
  maxStalledCount: 3,
  attempts: 1,
  outageBudgetMs: 60_000,
  reconcileIntervalMs: 5_000,
  connectTimeoutMs: 10_000,
};

/**
 * The cluster's Redis URL: `flag` when given, else DIFFCONTACT_REDIS, else undefined (run
 * on the local worker threads). A value that is not a redis:// or rediss:// URL is an error
 * naming where it came from.
 *
 * @example
 * clusterUrl('redis://10.0.0.5:6379'); // 'redis://10.0.0.5:6379'
 */
export function clusterUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = flag ?? (env[CLUSTER_ENV] === '' ? undefined : env[CLUSTER_ENV]);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new TypeError(
      `${flag === undefined ? CLUSTER_ENV : '--cluster'}: expected a Redis URL such as redis://host:6379, got '${value}'`,
    );
  }
  return value;
}

/**
 * ioredis options for `url`: commands wait through a reconnection instead of failing after
 * a fixed count (BullMQ needs this for its blocking connections), reconnection attempts
 * back off to one every 2 s, and stop for good once `stopped()` says so (a closed client
 * must not keep the process alive by reconnecting to a Redis that is gone).
 */
export function redisConnection(
  url: string,
  stopped: () => boolean = () => false,
): { url: string; maxRetriesPerRequest: null; retryStrategy: (times: number) => number | null } {
  return {
    url,
    maxRetriesPerRequest: null,
    retryStrategy: (times) => (stopped() ? null : Math.min(100 * times, 2000)),
  };
}

/** `redis://host:port` without a password, for messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    u.username = '';
    return u.href.replace(/\/$/, '');
  } catch {
    return '(unparsable URL)';
  }
}
