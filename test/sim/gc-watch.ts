// Watching a loop for allocation. Two measures:
// - `scavengesDuring`: young-generation collections (scavenges) that start while the loop
//   runs. Full collections are left out: V8's memory reducer starts them on a timer after
//   earlier work, which says nothing about the loop.
// - `youngBytesDuring`: the bytes the loop adds to the young generation, read from V8's
//   heap-space statistics before and after. A scavenge in between makes the difference
//   meaningless, so such an attempt is repeated. This is the measure the no-allocation tests
//   assert on: a single scavenge can be started by a loop that allocates nothing, when code
//   that ran before it left the young generation nearly full (it failed CI that way once),
//   while the byte count catches even a few bytes per step.
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';

/** Scavenges that started while `run` ran (entries are delivered asynchronously: awaited). */
export async function scavengesDuring(run: () => void): Promise<number> {
  const starts: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (
        (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ===
        constants.NODE_PERFORMANCE_GC_MINOR
      )
        starts.push(entry.startTime);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const start = performance.now();
  run();
  const end = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  return starts.filter((t) => t >= start && t <= end).length;
}

function youngGenerationUsedBytes(): number {
  const space = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  if (!space) throw new Error('V8 reports no new_space: cannot measure young-generation allocation');
  return space.space_used_size;
}

/** What reading the statistics twice costs by itself (the array of space records), bytes. */
function measurementOverheadBytes(): number {
  let least = Infinity;
  for (let k = 0; k < 5; k++) {
    const before = youngGenerationUsedBytes();
    const after = youngGenerationUsedBytes();
    if (after >= before) least = Math.min(least, after - before);
  }
  return least;
}

export interface YoungAllocation {
  /** Least bytes `run` added to the young generation over the clean attempts, the measurement's own overhead removed. */
  bytes: number;
  /** Times `run` ran (attempts interrupted by a scavenge included). */
  attempts: number;
  /** Which run (1-based) measured `bytes`: for callers whose runs differ (a simulation that goes on). */
  leastAttempt: number;
}

export interface YoungBytesOptions {
  /** Most times `run` is run (default 5). */
  maxAttempts?: number;
  /** Stop at the first clean attempt below this many bytes (default 1: stop at zero). */
  settledBelow?: number;
}

/**
 * Young-generation bytes allocated by `run` once warm: the least over attempts no
 * scavenge interrupted. `run` must be repeatable. Why the least and not the first: V8
 * compiles optimized code on a background thread, and on a loaded machine (CI on 2
 * shared cores) it can arrive after the caller's warm-up; until then the lower tiers box
 * doubles, and a first attempt measured 640 kB over 1,000 collide calls that allocate
 * nothing once optimized. A loop that allocates in optimized code shows it in every
 * attempt, so the least still catches it. Throws when every attempt was interrupted: a
 * loop that scavenges each time it runs allocates.
 */
export async function youngBytesDuring(run: () => void, options: YoungBytesOptions = {}): Promise<YoungAllocation> {
  const maxAttempts = options.maxAttempts ?? 5;
  const settledBelow = options.settledBelow ?? 1;
  const overhead = measurementOverheadBytes();
  let least = Infinity;
  let leastAttempt = 0;
  let attempt = 0;
  while (attempt < maxAttempts && least >= settledBelow) {
    attempt++;
    let bytes = 0;
    const scavenges = await scavengesDuring(() => {
      const before = youngGenerationUsedBytes();
      run();
      bytes = youngGenerationUsedBytes() - before;
    });
    const clean = Math.max(0, bytes - overhead);
    if (scavenges === 0 && bytes >= 0 && clean < least) {
      least = clean;
      leastAttempt = attempt;
    }
  }
  if (least === Infinity)
    throw new Error(`the loop was interrupted by a scavenge in each of ${maxAttempts} attempts: it allocates`);
  return { bytes: least, attempts: attempt, leastAttempt };
}
