/**
 * Memory figures: peak RSS of a 100k-step gradient with and without checkpointing, and of
 * an idle process for reference, each measured in a fresh child process (bench/memory-child.ts).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, type Figure } from './harness.ts';

const CHILD = fileURLToPath(new URL('./memory-child.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Child runs per mode; the median peak is reported (RSS varies a little with GC timing). */
const ROUNDS = 5;

type Mode = 'idle' | 'checkpoint' | 'nocheckpoint';

interface ChildResult {
  peakMB: number;
  value: number;
  grad: number[];
}

function runChild(mode: Mode): ChildResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD, mode], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`bench: memory child '${mode}' failed (exit ${r.status}): ${r.stderr || r.error}`);
  return JSON.parse(r.stdout) as ChildResult;
}

let measured: Map<Mode, ChildResult[]> | undefined;

/** Run every mode ROUNDS times, interleaved, once per benchmark run. */
function measureAll(): Map<Mode, ChildResult[]> {
  if (measured) return measured;
  const modes: Mode[] = ['idle', 'checkpoint', 'nocheckpoint'];
  const results = new Map<Mode, ChildResult[]>(modes.map((m) => [m, []]));
  for (let round = 0; round < ROUNDS; round++) for (const m of modes) results.get(m)?.push(runChild(m));
  // both ways must compute the same gradient, bit for bit, or the comparison is void
  const a = results.get('checkpoint')?.[0];
  const b = results.get('nocheckpoint')?.[0];
  if (!a || !b || a.value !== b.value || a.grad.some((g, j) => g !== b.grad[j])) {
    throw new Error('bench: checkpointed and plain gradients differ; the memory figures would compare different work');
  }
  measured = results;
  return results;
}

function peakOf(mode: Mode): number {
  return median((measureAll().get(mode) ?? []).map((r) => r.peakMB));
}

/** Peak-memory figures (MB of resident set; subtract `ad.idle.peakMB` for the workload's own). */
export const memoryFigures: Figure[] = [
  {
    name: 'ad.idle.peakMB',
    describe: 'peak RSS of a child that loads the AD modules and computes nothing (baseline)',
    unit: 'MB',
    run: () => peakOf('idle'),
  },
  {
    name: 'ad.checkpoint100k.peakMB',
    describe: 'peak RSS, gradient of 4-state oscillators over 100k steps through a checkpointed scan',
    unit: 'MB',
    run: () => peakOf('checkpoint'),
  },
  {
    name: 'ad.nocheckpoint100k.peakMB',
    describe: 'peak RSS, the same gradient unrolled on the plain tape',
    unit: 'MB',
    run: () => peakOf('nocheckpoint'),
  },
  {
    name: 'ad.checkpoint100k.extraMBRatio',
    describe: 'memory above idle: plain tape over checkpointed scan (how many times smaller)',
    unit: 'ratio',
    goal: { min: 3 },
    // a floor of 1 MB above idle keeps the ratio finite if the scan's own use is lost in RSS noise
    run: () => (peakOf('nocheckpoint') - peakOf('idle')) / Math.max(1, peakOf('checkpoint') - peakOf('idle')),
  },
];
