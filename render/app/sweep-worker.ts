/**
 * One worker of the sweep pool (sweep-pool.ts): evaluates grid points of a sweep (value,
 * AD gradient and kinks) and the validity radius at the scene's own value, for any
 * contact mode. The pool sends the scene once per sweep (`setup`); each worker builds one
 * evaluator per mode for the sweep and keeps it (sweep-grid.ts). Points come one at a
 * time, so a cancelled sweep costs at most the point in flight; each reply carries the
 * worker's compute time, so the page can tell compute from waiting and transfer.
 */
import type { ContactMode } from '../../sim/model.ts';
import type { Scene } from '../../sim/scene.ts';
import {
  sweepEvaluator,
  validityEvaluator,
  type SweepPoint,
  type SweepSpec,
  type SweepValidity,
} from '../sweep-grid.ts';

/** Pool → worker. */
export type SweepWorkerRequest =
  | { type: 'setup'; sweep: number; scene: Scene; spec: SweepSpec }
  | { type: 'point'; sweep: number; mode: ContactMode; index: number; x: number }
  | { type: 'validity'; sweep: number; mode: ContactMode; x: number };

/** Worker → pool: the point or validity report with its compute time (ms), or why its mode cannot be swept. */
export type SweepWorkerReply =
  | ({ type: 'point'; sweep: number; mode: ContactMode; index: number; ms: number } & SweepPoint)
  | { type: 'validity'; sweep: number; mode: ContactMode; ms: number; validity: SweepValidity }
  | { type: 'error'; sweep: number; mode: ContactMode; index: number; message: string; validity: boolean };

const scope = self as unknown as {
  postMessage(message: SweepWorkerReply): void;
  onmessage: ((event: MessageEvent<SweepWorkerRequest>) => void) | null;
};

let current: { sweep: number; scene: Scene; spec: SweepSpec } | null = null;
const evaluators = new Map<ContactMode, (x: number) => SweepPoint>();

scope.onmessage = (event) => {
  const req = event.data;
  if (req.type === 'setup') {
    current = req;
    evaluators.clear();
    return;
  }
  if (current === null || current.sweep !== req.sweep) return; // a point of a cancelled sweep
  const t0 = performance.now();
  try {
    if (req.type === 'validity') {
      const validity = validityEvaluator(current.scene, current.spec, req.mode)(req.x);
      scope.postMessage({ type: 'validity', sweep: req.sweep, mode: req.mode, ms: performance.now() - t0, validity });
      return;
    }
    let f = evaluators.get(req.mode);
    if (f === undefined) {
      f = sweepEvaluator(current.scene, current.spec, req.mode);
      evaluators.set(req.mode, f);
    }
    const point = f(req.x);
    scope.postMessage({
      type: 'point',
      sweep: req.sweep,
      mode: req.mode,
      index: req.index,
      ms: performance.now() - t0,
      ...point,
    });
  } catch (err) {
    const index = req.type === 'point' ? req.index : -1;
    scope.postMessage({
      type: 'error',
      sweep: req.sweep,
      mode: req.mode,
      index,
      message: err instanceof Error ? err.message : String(err),
      validity: req.type === 'validity',
    });
  }
};
