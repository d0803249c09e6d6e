/**
 * Messages between the page (main.ts) and the physics worker (worker.ts). Each request
 * names a job kind; a newer request of a kind replaces the older one (its later replies
 * carry the new `id`, so the page drops stale ones). Scenes travel as parsed JSON data.
 */
import type { Scene } from '../../sim/scene.ts';
import type { Track } from '../track.ts';

/**
 * The job kinds; one of each may run at a time, interleaved. `compare` is a second
 * rollout in another contact mode, for its trail. (The optimization has its own worker,
 * optimize-worker.ts.)
 */
export type JobKind = 'simulate' | 'compare';

/** Page → worker. */
export type Request =
  | { type: 'simulate'; id: number; scene: Scene }
  | { type: 'compare'; id: number; scene: Scene }
  | { type: 'cancel'; kind: JobKind };

/** Worker → page. */
export type Reply =
  | { type: 'progress'; kind: JobKind; id: number; done: number; total: number }
  /** `complete` false: the frames so far of a rollout still running (the page plays them while the rest computes) */
  | { type: 'track'; kind: 'simulate' | 'compare'; id: number; track: Track; complete: boolean }
  | { type: 'done'; kind: JobKind; id: number }
  | { type: 'error'; kind: JobKind; id: number; message: string };

/** Typed arrays of a track, to pass as transferables (moved, not copied). */
export function trackBuffers(track: Track): ArrayBuffer[] {
  const arrays = [track.times, track.poses];
  if (track.contacts) arrays.push(track.contacts.point, track.contacts.normal, track.contacts.force);
  const buffers = arrays.map((a) => a.buffer as ArrayBuffer);
  if (track.contacts) buffers.push(track.contacts.offsets.buffer as ArrayBuffer);
  // a buffer may back more than one view (subarrays): transfer it once
  return [...new Set(buffers)];
}
