/**
 * This process's own peak resident set, MB. On Linux it is VmHWM of /proc/self/status: the
 * high-water mark of the process's current address space. `process.resourceUsage().maxRSS`
 * is not that: execve keeps the pre-exec high-water mark, so a child spawned (fork, then
 * exec) from a large parent reports at least the parent's resident set at the fork. The
 * memory figures' children are spawned by the bench, whose own RSS grows as it runs; with
 * maxRSS, `memory.rollout10k.peakMB` read 332 in a full run and 142 run alone. Elsewhere
 * (no /proc) maxRSS is the only figure there is.
 */
import { readFileSync } from 'node:fs';

export function ownPeakMB(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm !== null) return Number(hwm[1]) / 1024;
  } catch {
    // no procfs (macOS, Windows): fall through to maxRSS
  }
  // maxRSS is in kibibytes
  return process.resourceUsage().maxRSS / 1024;
}
