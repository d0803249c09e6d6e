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
  /** Bytes `run` added to the young generation, the measurement's own overhead removed. */
  bytes: number;
  /** Attempts made: attempts interrupted by a scavenge are repeated (at most `maxAttempts`). */
  attempts: number;
}

/**
 * Young-generation bytes allocated by `run`, from an attempt no scavenge interrupted.
 * `run` must be repeatable. Throws when every attempt was interrupted: a loop that
 * scavenges each time it runs allocates.
 */
export async function youngBytesDuring(run: () => void, maxAttempts = 5): Promise<YoungAllocation> {
  const overhead = measurementOverheadBytes();
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let bytes = 0;
    const scavenges = await scavengesDuring(() => {
      const before = youngGenerationUsedBytes();
      run();
      bytes = youngGenerationUsedBytes() - before;
    });
    if (scavenges === 0 && bytes >= 0) return { bytes: Math.max(0, bytes - overhead), attempts: attempt };
  }
  throw new Error(`the loop was interrupted by a scavenge in each of ${maxAttempts} attempts: it allocates`);
}
