/**
 * The benchmark harness: named figures, each a number with a goal, timed as ratios of
 * medians measured side by side in one run (machines are noisy; a lone time says little).
 *
 * To add a figure, export a `Figure` from a bench module and list it in bench/index.ts.
 */

/** A bound a figure should meet; `max` for costs, `min` for speed-ups. */
export interface Goal {
  max?: number;
  min?: number;
}

/** One named number the benchmark reports. */
export interface Figure {
  /** dotted name, the key in the JSON output, e.g. `ad.chain200k.gradOverPlain` */
  name: string;
  /** what is measured, over what, in one line */
  describe: string;
  /** unit of the value: 'ratio', 'ns', 'MB', … */
  unit: string;
  goal?: Goal;
  /** measure and return the figure (may take a few seconds; async where the measurement is, e.g. GC events) */
  run: () => number | Promise<number>;
}

/** Does `value` meet `goal`? Undefined when there is no goal. */
export function meetsGoal(value: number, goal: Goal | undefined): boolean | undefined {
  if (!goal) return undefined;
  if (goal.max !== undefined && !(value <= goal.max)) return false;
  if (goal.min !== undefined && !(value >= goal.min)) return false;
  return true;
}

/** The median of a non-empty list. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('bench: median of no samples');
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

export interface TimingOptions {
  /** untimed rounds first, so the JIT has compiled and the tape buffers have grown */
  warmup?: number;
  /** timed rounds; the median is reported */
  reps?: number;
  /** calls per timed sample, to lift short calls well above the timer's resolution */
  inner?: number;
}

// results are folded in here so the optimizer cannot drop a timed call as dead code
let blackhole = 0;

function consume(r: unknown): void {
  if (typeof r === 'number') blackhole += r;
  else if (r !== undefined && r !== null) blackhole += 1;
}

/**
 * Median milliseconds per call of each function, sampled in interleaved rounds (one sample
 * of each per round), so that drifts in machine load hit every function alike.
 */
export function medianTimes(fns: readonly (() => unknown)[], opts: TimingOptions = {}): number[] {
  const warmup = opts.warmup ?? 3;
  const reps = opts.reps ?? 11;
  const inner = opts.inner ?? 1;
  const samples: number[][] = fns.map(() => []);
  for (let round = 0; round < warmup + reps; round++) {
    for (let f = 0; f < fns.length; f++) {
      const fn = fns[f];
      const t0 = performance.now();
      for (let i = 0; i < inner; i++) consume(fn());
      const ms = (performance.now() - t0) / inner;
      if (round >= warmup) samples[f].push(ms);
    }
  }
  return samples.map(median);
}

/** Ratio of the median times of `num` and `den`, measured side by side. */
export function timeRatio(num: () => unknown, den: () => unknown, opts: TimingOptions = {}): number {
  const [a, b] = medianTimes([num, den], opts);
  return a / b;
}

/** The sink's value: exported so that the sink is observable and its updates cannot be elided. */
export function blackholeValue(): number {
  return blackhole;
}
