/**
 * The physics worker: every rollout, sweep and optimization of the page runs here, so the
 * page's thread only draws. Jobs are generators (render/record.ts, sweep-grid.ts,
 * optimize-live.ts) advanced in time slices, round robin, with a macrotask between
 * slices so new requests get in: a new scene cancels the running rollout at once instead
 * of queueing behind it.
 */
import type { ContactMode } from '../../sim/model.ts';
import type { Scene } from '../../sim/scene.ts';
import { optimizeLive } from '../optimize-live.ts';
import { drain, recordTrack } from '../record.ts';
import { findJumps, sweepMode, type SweepCurve, type SweepSpec } from '../sweep-grid.ts';
import type { Track } from '../track.ts';
import { trackBuffers, type JobKind, type Reply, type Request } from './protocol.ts';

/** Work per slice before yielding to the message queue, ms: short enough to feel immediate. */
const SLICE_MS = 15;
/** Optimization iterates that carry a fresh trajectory (every one would double the work). */
const TRACK_EVERY_ITERATES = 5;

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
  const run =
    req.type === 'simulate' ? simulateJob(req.id, req.scene) : req.type === 'sweep' ? sweepJob(req.id, req.scene, req.spec, req.modes) : optimizeJob(req.id, req.scene, req.iters);
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
  if (reply.type === 'iterate' && reply.track !== null) tracks.push(reply.track);
  scope.postMessage(reply, { transfer: tracks.flatMap(trackBuffers) });
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function* simulateJob(id: number, scene: Scene): Generator<Reply | null, void, void> {
  const rollout = recordTrack(scene);
  for (;;) {
    const r = rollout.next();
    if (r.done) {
      yield { type: 'track', id, track: r.value };
      return;
    }
    yield { type: 'progress', kind: 'simulate', id, done: r.value.done, total: r.value.total };
  }
}

function* sweepJob(id: number, scene: Scene, spec: SweepSpec, modes: ContactMode[]): Generator<Reply | null, void, void> {
  const curves: SweepCurve[] = [];
  const errors: { mode: ContactMode; message: string }[] = [];
  for (const mode of modes) {
    const curve: SweepCurve = { mode, x: [], value: [], grad: [], jumps: [] };
    curves.push(curve);
    try {
      for (const p of sweepMode(scene, spec, mode)) {
        curve.x.push(p.x);
        curve.value.push(p.value);
        curve.grad.push(p.grad);
        yield { type: 'sweep', id, curves, errors, done: false };
      }
      curve.jumps = findJumps(curve.x, curve.grad);
    } catch (err) {
      // one mode failing (e.g. a gradient not available for a shape pair) leaves the others
      curves.pop();
      errors.push({ mode, message: errorMessage(err) });
    }
  }
  yield { type: 'sweep', id, curves, errors, done: true };
}

function* optimizeJob(id: number, scene: Scene, iters: number): Generator<Reply | null, void, void> {
  for (const it of optimizeLive(scene, { iters })) {
    const withTrack = it.iter % TRACK_EVERY_ITERATES === 0 || it.iter === iters;
    const track = withTrack ? drain(recordTrack(it.scene)) : null;
    yield { type: 'iterate', id, iter: it.iter, loss: it.loss, x: it.x, names: it.names, track };
  }
}
