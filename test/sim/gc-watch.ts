// Counting the young-generation collections (scavenges) while a loop runs: the sign that
// it allocates. Full collections are left out: V8's memory reducer starts them on a timer
// after earlier work, which says nothing about the loop (counting them made the no-
// allocation tests fail now and then on a loaded machine).
import { constants, PerformanceObserver } from 'node:perf_hooks';

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
