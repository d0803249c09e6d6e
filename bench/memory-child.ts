/**
 * Child process of the memory figures: runs one workload and prints one JSON line on stdout,
 * `{ "peakMB": number, "value": number, "grad": number[] }`, with the process's own peak RSS (peak-rss.ts).
 * A fresh process per measurement keeps one workload's heap from inflating the next's.
 *
 *   node --import tsx bench/memory-child.ts idle|checkpoint|nocheckpoint
 *
 * `idle` loads the same modules and computes nothing: the baseline to subtract.
 */
import { valueAndGrad } from '../ad/transforms.ts';
import { ownPeakMB } from './peak-rss.ts';
import { OSC_INPUTS, oscillators } from './workloads.ts';

/** Steps of the recurrence whose gradient is measured (the figures' names say 100k). */
const MEMORY_STEPS = 100_000;

const mode = process.argv[2];
let value = 0;
let grad: number[] = [];
if (mode === 'checkpoint' || mode === 'nocheckpoint') {
  ({ value, grad } = valueAndGrad(oscillators(MEMORY_STEPS, mode === 'checkpoint'), OSC_INPUTS));
} else if (mode !== 'idle') {
  process.stderr.write(`memory-child: unknown mode '${mode}' (idle|checkpoint|nocheckpoint)\n`);
  process.exit(2);
}
const peakMB = ownPeakMB();
process.stdout.write(`${JSON.stringify({ peakMB, value, grad })}\n`);
