/**
 * One worker of the sweep pool (sweep-pool.ts): evaluates single grid points of a sweep,
 * value, AD gradient and kinks, for any contact mode. The pool sends the scene once per
 * sweep (`setup`), then one point at a time, so a cancelled sweep costs at most the point
 * in flight.
 */
import type { ContactMode } from '../../sim/model.ts';
import type { Scene } from '../../sim/scene.ts';
import { sweepEvaluator, type SweepPoint, type SweepSpec } from '../sweep-grid.ts';

/** Pool → worker. */
export type SweepWorkerRequest =
  | { type: 'setup'; sweep: number; scene: Scene; spec: SweepSpec }
  | { type: 'point'; sweep: number; mode: ContactMode; index: number; x: number };

/** Worker → pool: the point, or why its mode cannot be swept. */
export type SweepWorkerReply =
  | ({ type: 'point'; sweep: number; mode: ContactMode; index: number } & SweepPoint)
  | { type: 'error'; sweep: number; mode: ContactMode; index: number; message: string };

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
  try {
    let f = evaluators.get(req.mode);
    if (f === undefined) {
      f = sweepEvaluator(current.scene, current.spec, req.mode);
      evaluators.set(req.mode, f);
    }
    scope.postMessage({ type: 'point', sweep: req.sweep, mode: req.mode, index: req.index, ...f(req.x) });
  } catch (err) {
    scope.postMessage({ type: 'error', sweep: req.sweep, mode: req.mode, index: req.index, message: err instanceof Error ? err.message : String(err) });
  }
};
