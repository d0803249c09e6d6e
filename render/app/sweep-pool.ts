/**
 * The sweep over a pool of workers (sweep-worker.ts), one per core: every (mode, grid
 * point) is a task, handed out coarse to fine (sweep-grid.ts `refinementOrder`) and
 * interleaved across the modes, so each mode's curve takes shape after a few points and
 * fills in. A new sweep cancels the old one: its queued points are dropped and a reply to
 * a point still in flight is ignored. Progress reaches the page at most every
 * {@link PROGRESS_INTERVAL_MS}, and once more when the sweep is done.
 */
import type { ContactMode } from '../../sim/model.ts';
import type { Scene } from '../../sim/scene.ts';
import { labelJumps, refinementOrder, sweepGrid, type SweepCurve, type SweepSpec } from '../sweep-grid.ts';
import type { SweepWorkerReply, SweepWorkerRequest } from './sweep-worker.ts';

/** Shortest time between two progress reports, ms: the plots redraw no faster. */
const PROGRESS_INTERVAL_MS = 100;

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
}

interface Task {
  mode: ContactMode;
  index: number;
}

/** A pool of sweep workers and the one sweep it runs. */
export class SweepPool {
  private readonly workers: Worker[] = [];
  /** the task each worker is evaluating (null: idle) */
  private readonly busy = new Map<Worker, { sweep: number; task: Task } | null>();
  private sweep = 0;
  private queue: Task[] = [];
  private progress: SweepProgress | null = null;
  private started = 0;
  private lastReport = 0;
  private reportTimer: ReturnType<typeof setTimeout> | null = null;
  private onProgress: (p: SweepProgress) => void = () => {};

  constructor(readonly size: number = Math.max(1, navigator.hardwareConcurrency || 2)) {}

  /** Start the workers on the first sweep, not at page load: the first trajectory's worker boots alone. */
  private boot(): void {
    if (this.workers.length > 0) return;
    for (let k = 0; k < this.size; k++) {
      const w = new Worker(new URL('./sweep-worker.ts', import.meta.url), { type: 'module' });
      w.onmessage = (event: MessageEvent<SweepWorkerReply>) => this.receive(w, event.data);
      this.workers.push(w);
      this.busy.set(w, null);
    }
  }

  /**
   * Sweep `spec` of `scene` in every mode of `modes`, cancelling the running sweep.
   * Throws a RangeError for a bad grid before any work.
   */
  start(scene: Scene, spec: SweepSpec, modes: readonly ContactMode[], onProgress: (p: SweepProgress) => void): void {
    const x = sweepGrid(spec);
    this.boot();
    this.cancel();
    this.onProgress = onProgress;
    const n = x.length;
    this.progress = {
      sweep: this.sweep,
      spec,
      curves: modes.map((mode) => ({ mode, x, value: Array(n).fill(null), grad: Array(n).fill(null), kinks: Array(n).fill(null), jumps: [] })),
      errors: [],
      computed: 0,
      total: n * modes.length,
      done: false,
      seconds: 0,
    };
    this.queue = refinementOrder(n).flatMap((index) => modes.map((mode) => ({ mode, index })));
    this.started = performance.now();
    this.lastReport = 0;
    const setup: SweepWorkerRequest = { type: 'setup', sweep: this.sweep, scene, spec };
    for (const w of this.workers) w.postMessage(setup);
    for (const w of this.workers) if (this.busy.get(w) === null) this.dispatch(w);
  }

  /** Stop the running sweep (its partial curves stay with whoever received them). */
  cancel(): void {
    this.sweep++;
    this.queue = [];
    this.progress = null;
    if (this.reportTimer !== null) clearTimeout(this.reportTimer);
    this.reportTimer = null;
  }

  /** Whether a sweep is running. */
  get running(): boolean {
    return this.progress !== null && !this.progress.done;
  }

  /**
   * The next task: the first queued one of the mode with the fewest points in flight, so a
   * mode whose points are slow (hard contact on boxes100) holds one worker while the
   * others keep the rest busy, instead of every worker waiting on it.
   */
  private nextTask(): Task | undefined {
    const inFlight = new Map<ContactMode, number>();
    for (const b of this.busy.values()) if (b !== null && b.sweep === this.sweep) inFlight.set(b.task.mode, (inFlight.get(b.task.mode) ?? 0) + 1);
    let best = -1;
    for (let i = 0; i < this.queue.length; i++) {
      const load = inFlight.get(this.queue[i].mode) ?? 0;
      if (best < 0 || load < (inFlight.get(this.queue[best].mode) ?? 0)) best = i;
      if (load === 0) break;
    }
    return best < 0 ? undefined : this.queue.splice(best, 1)[0];
  }

  private dispatch(w: Worker): void {
    this.busy.set(w, null);
    const task = this.nextTask();
    const p = this.progress;
    if (task === undefined || p === null) {
      this.busy.set(w, null);
      return;
    }
    this.busy.set(w, { sweep: this.sweep, task });
    const curve = p.curves.find((c) => c.mode === task.mode);
    const req: SweepWorkerRequest = { type: 'point', sweep: this.sweep, mode: task.mode, index: task.index, x: curve?.x[task.index] ?? NaN };
    w.postMessage(req);
  }

  private receive(w: Worker, r: SweepWorkerReply): void {
    const p = this.progress;
    if (p !== null && r.sweep === this.sweep) {
      const curve = p.curves.find((c) => c.mode === r.mode);
      if (r.type === 'error') {
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
        if (curve.value.every((v) => v !== null)) curve.jumps = labelJumps(curve);
      }
    }
    this.dispatch(w);
    if (p !== null && r.sweep === this.sweep) {
      const inFlight = [...this.busy.values()].some((b) => b !== null && b.sweep === this.sweep);
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
