/**
 * The physics worker: every rollout and optimization of the page runs here, so the page's
 * thread only draws (sweeps run on their own pool, sweep-pool.ts). Jobs are generators
 * (render/record.ts, optimize-live.ts) advanced in time slices, round robin, with a macrotask between
 * slices so new requests get in: a new scene cancels the running rollout at once instead
 * of queueing behind it.
 */
import type { Scene } from '../../sim/scene.ts';
import { sceneFileProblem, VERIFICATION_MODE } from '../../scenes/optimize/problem.ts';
import { optimizeLive, type OptimizeIterate } from '../optimize-live.ts';
import { drain, recordTrack } from '../record.ts';
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
    req.type === 'optimize' ? optimizeJob(req.id, req.scene, req.iters) : simulateJob(req.id, req.scene, req.type);
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

function* simulateJob(id: number, scene: Scene, kind: 'simulate' | 'compare'): Generator<Reply | null, void, void> {
  const rollout = recordTrack(scene);
  for (;;) {
    const r = rollout.next();
    if (r.done) {
      yield { type: 'track', kind, id, track: r.value };
      return;
    }
    yield { type: 'progress', kind, id, done: r.value.done, total: r.value.total };
  }
}

function* optimizeJob(id: number, scene: Scene, iters: number): Generator<Reply | null, void, void> {
  let last: OptimizeIterate | null = null;
  for (const it of optimizeLive(scene, { iters })) {
    const withTrack = it.iter % TRACK_EVERY_ITERATES === 0 || it.iter === iters;
    const track = withTrack ? drain(recordTrack(it.scene)) : null;
    last = it;
    yield { type: 'iterate', id, iter: it.iter, loss: it.loss, x: it.x, names: it.names, track };
  }
  if (last === null) return;
  // the CLI's check of a scene file's objective (scenes/optimize/problem.ts): the result
  // simulated in hard mode, its miss against the tolerance
  const problem = sceneFileProblem('viewer', scene);
  const verified = problem.outcome(last.x, VERIFICATION_MODE);
  yield null;
  const start = problem.outcome(problem.x0, VERIFICATION_MODE);
  yield {
    type: 'verdict',
    id,
    mode: VERIFICATION_MODE,
    miss: verified.miss,
    startMiss: start.miss,
    tolerance: problem.tolerance,
    success: verified.success,
    missLabel: problem.missLabel,
    optimizerMode: scene.contact.mode,
    optimizerMiss: Math.sqrt(last.loss),
  };
}
