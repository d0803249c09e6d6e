/**
 * The terminal's progress line for a batch on the cluster (jobs done of total, workers
 * seen), for commands without a progress bar of their own (sweep). Loaded on first use,
 * with cli-progress.
 */
import cliProgress from 'cli-progress';
import type { ClusterProgress } from '../cluster/client.ts';

/**
 * The terminal's view of a cluster batch: `cluster ▓▓▓░░ 12/64 jobs | 3 worker(s)` on
 * stderr, on a terminal only (never in --json output or a pipe). `stop()` clears it.
 */
export function clusterProgressBar(show: boolean): { onProgress(p: ClusterProgress): void; stop(): void } {
  if (!show || !process.stderr.isTTY) return { onProgress: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: 'cluster {bar} {value}/{total} jobs | {workers} worker(s) seen',
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    onProgress(p) {
      if (!started) bar.start(p.total, p.done, { workers: p.workers });
      else {
        bar.setTotal(p.total);
        bar.update(p.done, { workers: p.workers });
      }
      started = true;
    },
    stop: () => started && bar.stop(),
  };
}
