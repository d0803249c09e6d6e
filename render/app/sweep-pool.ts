/**
 * The sweep over a pool of workers (sweep-worker.ts), one per core: every (mode, grid
 * point) is a task. The order: first the validity radius at the scene's own value in each
 * mode (the page's mode first), then the coarse curve of every mode ({@link COARSE_POINTS}
 * points each, sweep-grid.ts `refinementOrder`, interleaved), then the rest of the page's
 * mode, then the rest of the others: the curve a person is looking at completes first.
 * A new sweep cancels the old one: its queued points are dropped and a reply to a point
 * still in flight is ignored. Progress reaches the page at most every
 * {@link PROGRESS_INTERVAL_MS}, and once more when the sweep is done; it carries each
 * mode's compute time per point as the workers measured it.
 */
import type { ContactMode } from '../../sim/model.ts';
import type { Scene } from '../../sim/scene.ts';
import {
  labelJumps,
  refinementOrder,
  sweepGrid,
  type SweepCurve,
  type SweepSpec,
  type SweepValidity,
} from '../sweep-grid.ts';
import type { SweepWorkerReply, SweepWorkerRequest } from './sweep-worker.ts';

/** Shortest time between two progress reports, ms: the plots redraw no faster. */
const PROGRESS_INTERVAL_MS = 100;
/** Points of every mode's coarse curve, computed before any mode is refined (ends, midpoint, quarters, eighths). */
export const COARSE_POINTS = 9;

/** What a sweep has produced so far. */
export interface SweepProgress {
  /** the sweep's number (increases with every start) */
  sweep: number;
  spec: SweepSpec;
  /** the modes still in the sweep, in the order asked (a failed mode is left out) */
  curves: SweepCurve[];
  /** per failed mode, why */
  errors: { mode: ContactMode; message: string }[];
  /** points evaluated, of `total` */
  computed: number;
  total: number;
  done: boolean;
  /** since the sweep started, s */
  seconds: number;
  /** the mode refined first (the page's), and when its curve was complete, s (null: not yet) */
  primary: ContactMode;
  primarySeconds: number | null;
  /** per mode: when its curve was complete, s since the sweep started (absent: not yet) */
  modeSeconds: Partial<Record<ContactMode, number>>;
  /** per mode: the validity radius at the scene's value of the parameter (absent: not yet or failed) */
  validity: Partial<Record<ContactMode, SweepValidity>>;
  /** per mode: grid points computed and the workers' compute time for them, ms */
  compute: Partial<Record<ContactMode, { points: number; ms: number }>>;
}

interface Task {
  kind: 'point' | 'validity';
  mode: ContactMode;
  /** grid index (point tasks) */
  index: number;
}

/**
 * Tasks a worker holds at once: the next one waits in the worker while it computes, so it
 * never idles for a round trip through the page's thread (busy drawing) between points.
 */
const TASKS_PER_WORKER = 2;

/** A pool of sweep workers and the one sweep it runs. */
export class SweepPool {
  private readonly workers: Worker[] = [];
  /** the tasks each worker holds, oldest first (a worker answers in order); all of the running sweep */
  private readonly held = new Map<Worker, Task[]>();
  private sweep = 0;
  private queue: Task[] = [];
  private progress: SweepProgress | null = null;
  private started = 0;
  private lastReport = 0;
  private reportTimer: ReturnType<typeof setTimeout> | null = null;
  private onProgress: (p: SweepProgress) => void = () => {};
  /** the scene's value of the parameter, where the validity radius is computed */
  private anchor = NaN;

  constructor(readonly size: number = Math.max(1, navigator.hardwareConcurrency || 2)) {}

  /**
   * Start the missing workers: on the first sweep, not at page load (the first
   * trajectory's worker boots alone), and after a cancel stopped busy ones.
   */
  private boot(): void {
    while (this.workers.length < this.size) {
      const w = new Worker(new URL('./sweep-worker.ts', import.meta.url), { type: 'module' });
      w.onmessage = (event: MessageEvent<SweepWorkerReply>) => this.receive(w, event.data);
      this.workers.push(w);
      this.held.set(w, []);
    }
  }

  /**
   * Sweep `spec` of `scene` in every mode of `modes`, cancelling the running sweep.
   * Throws a RangeError for a bad grid before any work.
   */
  start(
    scene: Scene,
    spec: SweepSpec,
    modes: readonly ContactMode[],
    onProgress: (p: SweepProgress) => void,
    opts: { primary?: ContactMode; anchor?: number } = {},
  ): void {
    const x = sweepGrid(spec);
    this.cancel();
    this.boot();
    this.onProgress = onProgress;
    const n = x.length;
    this.progress = {
      sweep: this.sweep,
      spec,
      curves: modes.map((mode) => ({
        mode,
        x,
        value: Array(n).fill(null),
        grad: Array(n).fill(null),
        kinks: Array(n).fill(null),
        jumps: [],
      })),
      errors: [],
      computed: 0,
      total: n * modes.length,
      done: false,
      seconds: 0,
      primary: opts.primary ?? modes[0],
      primarySeconds: null,
      modeSeconds: {},
      validity: {},
      compute: {},
    };
    this.anchor = opts.anchor ?? NaN;
    this.queue = taskOrder(n, modes, this.progress.primary, Number.isFinite(this.anchor));
    this.started = performance.now();
    this.lastReport = 0;
    const setup: SweepWorkerRequest = { type: 'setup', sweep: this.sweep, scene, spec };
    for (const w of this.workers) w.postMessage(setup);
    for (const w of this.workers) this.fill(w);
  }

  /**
   * Stop the running sweep (its partial curves stay with whoever received them). A worker
   * still computing is terminated rather than waited for: one billiards point in hard
   * mode is seconds of CPU that the page's drawing needs; the pool starts a fresh one
   * with the next sweep.
   */
  cancel(): void {
    this.sweep++;
    this.queue = [];
    this.progress = null;
    if (this.reportTimer !== null) clearTimeout(this.reportTimer);
    this.reportTimer = null;
    for (const w of [...this.workers]) {
      if ((this.held.get(w) ?? []).length === 0) continue;
      w.terminate();
      this.workers.splice(this.workers.indexOf(w), 1);
      this.held.delete(w);
    }
  }

  /** Whether a sweep is running. */
  get running(): boolean {
    return this.progress !== null && !this.progress.done;
  }

  /**
   * The next task: the queue's first while it is a validity radius or a point of the
   * page's mode (those complete first, on every worker); otherwise the first queued point
   * of the mode with the fewest points in flight, so a mode whose points are slow (hard
   * contact on boxes100) holds one worker while the others keep the rest busy.
   */
  private nextTask(): Task | undefined {
    const head = this.queue[0];
    if (head === undefined) return undefined;
    if (head.kind === 'validity' || head.mode === this.progress?.primary) return this.queue.shift();
    const inFlight = new Map<ContactMode, number>();
    for (const tasks of this.held.values())
      for (const t of tasks) inFlight.set(t.mode, (inFlight.get(t.mode) ?? 0) + 1);
    let best = 0;
    for (let i = 0; i < this.queue.length; i++) {
      const load = inFlight.get(this.queue[i].mode) ?? 0;
      if (load < (inFlight.get(this.queue[best].mode) ?? 0)) best = i;
      if (load === 0) break;
    }
    return this.queue.splice(best, 1)[0];
  }

  /** Hand `w` tasks until it holds {@link TASKS_PER_WORKER}. */
  private fill(w: Worker): void {
    const held = this.held.get(w);
    const p = this.progress;
    if (held === undefined || p === null) return;
    while (held.length < TASKS_PER_WORKER) {
      const task = this.nextTask();
      if (task === undefined) return;
      held.push(task);
      const curve = p.curves.find((c) => c.mode === task.mode);
      const req: SweepWorkerRequest =
        task.kind === 'validity'
          ? { type: 'validity', sweep: this.sweep, mode: task.mode, x: this.anchor }
          : { type: 'point', sweep: this.sweep, mode: task.mode, index: task.index, x: curve?.x[task.index] ?? NaN };
      w.postMessage(req);
    }
  }

  private receive(w: Worker, r: SweepWorkerReply): void {
    const p = this.progress;
    if (r.sweep !== this.sweep) return; // from before a cancel (its worker was stopped or idle)
    this.held.get(w)?.shift();
    if (p !== null) {
      const curve = p.curves.find((c) => c.mode === r.mode);
      if (r.type === 'validity') {
        p.validity[r.mode] = r.validity;
      } else if (r.type === 'error' && r.validity) {
        // the radius is extra: its mode's points report their own errors
      } else if (r.type === 'error') {
        // the mode cannot be swept: drop it and its queued points
        if (curve !== undefined) {
          p.curves = p.curves.filter((c) => c !== curve);
          p.errors.push({ mode: r.mode, message: r.message });
          this.queue = this.queue.filter((t) => t.mode !== r.mode);
          p.total = p.curves.reduce((sum, c) => sum + c.x.length, 0);
          p.computed = p.curves.reduce((sum, c) => sum + c.value.filter((v) => v !== null).length, 0);
        }
      } else if (curve !== undefined) {
        curve.value[r.index] = r.value;
        curve.grad[r.index] = r.grad;
        curve.kinks[r.index] = r.kinks;
        p.computed++;
        const c = (p.compute[r.mode] ??= { points: 0, ms: 0 });
        c.points++;
        c.ms += r.ms;
        if (curve.value.every((v) => v !== null)) {
          curve.jumps = labelJumps(curve);
          const seconds = (performance.now() - this.started) / 1000;
          p.modeSeconds[r.mode] = seconds;
          if (r.mode === p.primary) p.primarySeconds = seconds;
        }
      }
    }
    this.fill(w);
    if (p !== null) {
      const inFlight = [...this.held.values()].some((tasks) => tasks.length > 0);
      p.done = this.queue.length === 0 && !inFlight;
      this.report();
    }
  }

  private report(): void {
    const p = this.progress;
    if (p === null) return;
    const now = performance.now();
    p.seconds = (now - this.started) / 1000;
    if (!p.done && now - this.lastReport < PROGRESS_INTERVAL_MS) {
      this.reportTimer ??= setTimeout(() => {
        this.reportTimer = null;
        this.report();
      }, PROGRESS_INTERVAL_MS);
      return;
    }
    this.lastReport = now;
    if (this.reportTimer !== null) clearTimeout(this.reportTimer);
    this.reportTimer = null;
    this.onProgress(p);
  }
}

/**
 * The sweep's tasks in the order they are handed out: validity radii (the primary mode
 * first), the coarse curve of every mode interleaved, the rest of the primary mode, the
 * rest of the others interleaved.
 *
 * @example
 * taskOrder(41, ['soft', 'hard'], 'hard', true).slice(0, 4); // validity hard, validity soft, point hard 0, point soft 0
 */
export function taskOrder(
  n: number,
  modes: readonly ContactMode[],
  primary: ContactMode,
  withValidity: boolean,
): Task[] {
  const order = refinementOrder(n);
  const coarse = order.slice(0, COARSE_POINTS);
  const fine = order.slice(COARSE_POINTS);
  const ranked = [...modes].sort((a, b) => Number(b === primary) - Number(a === primary));
  const others = ranked.filter((m) => m !== primary);
  const point = (mode: ContactMode, index: number): Task => ({ kind: 'point', mode, index });
  return [
    ...(withValidity ? ranked.map((mode): Task => ({ kind: 'validity', mode, index: -1 })) : []),
    ...coarse.flatMap((index) => ranked.map((mode) => point(mode, index))),
    ...(modes.includes(primary) ? fine.map((index) => point(primary, index)) : []),
    ...fine.flatMap((index) => others.map((mode) => point(mode, index))),
  ];
}
