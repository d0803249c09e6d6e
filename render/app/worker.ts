/**
 * The physics worker: every rollout of the page runs here, so the page's thread only
 * draws (sweeps run on their own pool, sweep-pool.ts; the optimization on its own worker,
 * optimize-worker.ts). Jobs are generators (render/record.ts) advanced in time slices,
 * round robin, with a macrotask between slices so new requests get in: a new scene
 * cancels the running rollout at once instead of queueing behind it. A long rollout
 * sends its first frames early and more while it computes, so playback starts at once.
 */
import type { Scene } from '../../sim/scene.ts';
import { recordTrack } from '../record.ts';
import type { Track } from '../track.ts';
import { trackBuffers, type JobKind, type Reply, type Request } from './protocol.ts';

/** Work per slice before yielding to the message queue, ms: short enough to feel immediate. */
const SLICE_MS = 15;
/**
 * Work on a rollout before its first frames are sent, ms, and between two later partial
 * tracks: a long rollout starts playing within a fraction of a second and extends while
 * it computes; a short one arrives whole.
 */
const FIRST_PARTIAL_MS = 50;
const PARTIAL_EVERY_MS = 1000;
/** Shortest time between two progress messages of a rollout, ms: the page's status line needs no more. */
const PROGRESS_EVERY_MS = 100;

/** The worker's global scope, typed by the two members used (the project's lib is DOM). */
const scope = self as unknown as {
  postMessage(message: Reply, options?: StructuredSerializeOptions): void;
  onmessage: ((event: MessageEvent<Request>) => void) | null;
};

interface Job {
  kind: JobKind;
  id: number;
  /** each `next()` does one unit of work and may produce a reply */
  run: Generator<Reply | null, void, void>;
}

const jobs = new Map<JobKind, Job>();
let scheduled = false;

scope.onmessage = (event) => {
  const req = event.data;
  if (req.type === 'cancel') {
    jobs.delete(req.kind);
    return;
  }
  const run = simulateJob(req.id, req.scene, req.type);
  jobs.set(req.type, { kind: req.type, id: req.id, run });
  schedule();
};

function schedule(): void {
  if (scheduled || jobs.size === 0) return;
  scheduled = true;
  setTimeout(runSlice, 0);
}

/** Give each job an equal share of one slice, then yield. */
function runSlice(): void {
  scheduled = false;
  const active = [...jobs.values()];
  for (const job of active) {
    const deadline = performance.now() + SLICE_MS / active.length;
    do {
      if (jobs.get(job.kind) !== job) break; // replaced or cancelled meanwhile
      let r: IteratorResult<Reply | null, void>;
      try {
        r = job.run.next();
      } catch (err) {
        jobs.delete(job.kind);
        post({ type: 'error', kind: job.kind, id: job.id, message: errorMessage(err) });
        break;
      }
      if (r.done) {
        jobs.delete(job.kind);
        post({ type: 'done', kind: job.kind, id: job.id });
        break;
      }
      if (r.value !== null) post(r.value);
    } while (performance.now() < deadline);
  }
  schedule();
}

function post(reply: Reply): void {
  const tracks: Track[] = [];
  if (reply.type === 'track') tracks.push(reply.track);
  scope.postMessage(reply, { transfer: tracks.flatMap(trackBuffers) });
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function* simulateJob(id: number, scene: Scene, kind: 'simulate' | 'compare'): Generator<Reply | null, void, void> {
  const rollout = recordTrack(scene);
  let nextPartial = performance.now() + FIRST_PARTIAL_MS;
  let nextProgress = performance.now() + PROGRESS_EVERY_MS;
  for (;;) {
    const r = rollout.next();
    if (r.done) {
      yield { type: 'track', kind, id, track: r.value, complete: true };
      return;
    }
    const now = performance.now();
    if (kind === 'simulate' && now >= nextPartial) {
      nextPartial = now + PARTIAL_EVERY_MS;
      yield { type: 'track', kind, id, track: r.value.partial(), complete: false };
    } else if (now >= nextProgress) {
      nextProgress = now + PROGRESS_EVERY_MS;
      yield { type: 'progress', kind, id, done: r.value.done, total: r.value.total };
    } else yield null;
  }
}
