/**
 * `diffcontact worker --cluster URL [--concurrency N]`: compute cluster jobs (sweeps,
 * multi-start polishes, sampling and smoothing batches) for clients anywhere, until
 * Ctrl-C or SIGTERM, which let the running jobs finish first (a second signal stops at
 * once; the jobs it drops are retried by other workers, docs/cluster.md). bullmq is loaded
 * by this command only.
 */
import { availableParallelism } from 'node:os';
import { InvalidArgumentError, Option } from 'commander';
import { CLUSTER_ENV, clusterUrl, safeUrl } from '../cluster/settings.ts';
import { UsageError } from './errors.ts';
import type { CliIo } from './program.ts';
import { packageVersion } from './version.ts';

/** Commander argument parser: a redis:// or rediss:// URL. */
export function redisUrl(text: string): string {
  try {
    return clusterUrl(text) as string;
  } catch (err) {
    throw new InvalidArgumentError(`${err instanceof Error ? err.message : String(err)}.`);
  }
}

/** The `--cluster` flag of the commands that can fan out (sweep, optimize, worker). */
export function clusterOption(what: string): Option {
  return new Option(
    '--cluster <redis://host:port>',
    `${what} (default: $${CLUSTER_ENV} if set, else this machine's worker threads); see docs/cluster.md`,
  ).argParser(redisUrl);
}

/** The cluster a command runs on: the flag, else DIFFCONTACT_REDIS (invalid: exit 2), else none. */
export function resolveCluster(flag: string | undefined): string | undefined {
  try {
    return clusterUrl(flag);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** The flags of `worker`. */
export interface WorkerFlags {
  cluster: string;
  /** jobs at once (default: every core) */
  concurrency?: number;
  queue?: string;
  /** job lock, ms (settings.ts `lockDurationMs`; the stalled check runs every half of it) */
  lockMs?: number;
}

/** Run a worker until a signal; resolves when it has stopped. */
export async function runWorkerCommand(flags: WorkerFlags, io: CliIo): Promise<void> {
  const { startClusterWorker } = await import('../cluster/worker.ts');
  const concurrency = flags.concurrency ?? availableParallelism();
  const worker = await startClusterWorker({
    url: flags.cluster,
    version: packageVersion(),
    concurrency,
    queue: flags.queue,
    timing:
      flags.lockMs === undefined
        ? undefined
        : { lockDurationMs: flags.lockMs, stalledIntervalMs: Math.max(1, Math.round(flags.lockMs / 2)) },
    log: (line) => io.stderr(`${line}\n`),
  });
  io.stderr(
    `worker ${worker.name}: diffcontact ${packageVersion()} on ${safeUrl(flags.cluster)}, queue ${flags.queue ?? 'diffcontact'}, ${concurrency} job(s) at once; Ctrl-C to stop\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.stderr(`worker ${worker.name}: ${signal}: finishing the running jobs (${worker.completed()} done)…\n`);
      // a second signal ends the process at once
      process.once(signal, () => process.exit(130));
      void worker.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  io.stderr(`worker ${worker.name}: stopped after ${worker.completed()} job(s)\n`);
}
