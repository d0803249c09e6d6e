/**
 * A Track: a sampled trajectory ready for playback, as flat typed arrays (cheap to
 * transfer from the worker, cheap to index every frame), and the one function playback
 * needs: the poses of every body at any time between two samples.
 *
 * Poses follow the State layout (sim/state.ts `bodyQ`): per body the centre of mass
 * (x, y, z; world, m) then the unit quaternion (w, x, y, z), body → world.
 */
import { parseScene, type Scene } from '../sim/scene.ts';
import { SceneError, type SceneIssue } from '../sim/errors.ts';
import { STATE_FIELDS } from '../sim/state.ts';

/** Floats per body of a pose (the State's `bodyQ` width). */
export const POSE_WIDTH = STATE_FIELDS.bodyQ;

/** Contacts of every frame, concatenated; frame f owns indices `offsets[f] .. offsets[f+1]−1`. */
export interface TrackContacts {
  /** (nframe + 1) start index of each frame's contacts, then the total */
  offsets: Int32Array;
  /** (total×3) contact point, world, m */
  point: Float64Array;
  /** (total×3) unit normal, world, from body A to body B (the force on B points along it) */
  normal: Float64Array;
  /** (total) normal force on body B, N (friction is not drawn; hard mode: λ_n / dt, the mean over the step) */
  force: Float64Array;
}

/** A sampled trajectory. */
export interface Track {
  /** number of bodies (planes included, at the identity pose) */
  nbody: number;
  /** (nframe) sample times, s, increasing */
  times: Float64Array;
  /** (nframe × nbody × 7) poses, frame-major */
  poses: Float64Array;
  /** contacts per frame; absent for a track loaded from a trajectory file (it has none) */
  contacts?: TrackContacts;
}

/** Number of frames of a track. */
export function frameCount(track: Track): number {
  return track.times.length;
}

/**
 * The frame at or before `time` (clamped to the track) and the fraction of the way to the
 * next one, in [0, 1). Binary search: tracks have thousands of frames.
 */
export function locateTime(times: Float64Array, time: number): { frame: number; alpha: number } {
  const last = times.length - 1;
  if (last <= 0 || !(time > times[0])) return { frame: 0, alpha: 0 };
  if (time >= times[last]) return { frame: last, alpha: 0 };
  let lo = 0;
  let hi = last;
  // invariant: times[lo] ≤ time < times[hi]
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (times[mid] <= time) lo = mid;
    else hi = mid;
  }
  return { frame: lo, alpha: (time - times[lo]) / (times[hi] - times[lo]) };
}

/**
 * Poses of every body at `time`, into `out` (nbody×7): positions interpolated linearly,
 * orientations by spherical interpolation along the shorter arc (q and −q are one
 * rotation), so playback at any rate looks continuous between samples. Returns the frame
 * at or before `time` (whose contacts playback shows).
 *
 * @example
 * const poses = new Float64Array(track.nbody * POSE_WIDTH);
 * const frame = samplePoses(track, 0.5, poses);
 */
export function samplePoses(track: Track, time: number, out: Float64Array): number {
  const { frame, alpha } = locateTime(track.times, time);
  const stride = track.nbody * POSE_WIDTH;
  const a = frame * stride;
  if (alpha === 0) {
    out.set(track.poses.subarray(a, a + stride));
    return frame;
  }
  const b = a + stride;
  const p = track.poses;
  for (let body = 0; body < track.nbody; body++) {
    const o = body * POSE_WIDTH;
    for (let k = 0; k < 3; k++) out[o + k] = p[a + o + k] + alpha * (p[b + o + k] - p[a + o + k]);
    slerpInto(p, a + o + 3, p, b + o + 3, alpha, out, o + 3);
  }
  return frame;
}

/** Below this 1 − cos of the half angle, slerp falls back to a normalized lerp (sin θ → 0 divides). */
const SLERP_LINEAR_BELOW = 1e-6;

/** Spherical interpolation of two unit quaternions (w, x, y, z) stored at offsets, shorter arc. */
function slerpInto(
  qa: Float64Array,
  ia: number,
  qb: Float64Array,
  ib: number,
  t: number,
  out: Float64Array,
  io: number,
): void {
  const aw = qa[ia],
    ax = qa[ia + 1],
    ay = qa[ia + 2],
    az = qa[ia + 3];
  let bw = qb[ib],
    bx = qb[ib + 1],
    by = qb[ib + 2],
    bz = qb[ib + 3];
  let cos = aw * bw + ax * bx + ay * by + az * bz;
  if (cos < 0) {
    // −b is the same rotation, on the near side of a
    cos = -cos;
    bw = -bw;
    bx = -bx;
    by = -by;
    bz = -bz;
  }
  let wa: number;
  let wb: number;
  if (1 - cos < SLERP_LINEAR_BELOW) {
    wa = 1 - t;
    wb = t;
  } else {
    const theta = Math.acos(Math.min(1, cos));
    const sin = Math.sin(theta);
    wa = Math.sin((1 - t) * theta) / sin;
    wb = Math.sin(t * theta) / sin;
  }
  const w = wa * aw + wb * bw,
    x = wa * ax + wb * bx,
    y = wa * ay + wb * by,
    z = wa * az + wb * bz;
  const inv = 1 / Math.hypot(w, x, y, z);
  out[io] = w * inv;
  out[io + 1] = x * inv;
  out[io + 2] = y * inv;
  out[io + 3] = z * inv;
}

/**
 * A trajectory file written by `diffcontact simulate --out` (scenes/README.md): its scene
 * (validated by `parseScene`) and its frames as a Track. Every problem is reported with
 * its JSON path in a {@link SceneError} headed "invalid trajectory file", so the page can
 * show it as is.
 *
 * @example
 * const { scene, track } = trackFromTrajectoryFile(JSON.parse(text));
 */
export function trackFromTrajectoryFile(json: unknown): { scene: Scene; track: Track } {
  const fail = (issues: SceneIssue[]): never => {
    throw new SceneError(issues, 'invalid trajectory file');
  };
  if (!isRecord(json)) return fail([{ path: '', message: 'must be an object with "scene", "dt" and "frames"' }]);
  let scene: Scene;
  try {
    scene = parseScene(json.scene);
  } catch (err) {
    if (!(err instanceof SceneError)) throw err;
    return fail(err.issues.map((i) => ({ path: i.path === '' ? 'scene' : `scene.${i.path}`, message: i.message })));
  }
  const frames = json.frames;
  if (!Array.isArray(frames) || frames.length === 0)
    return fail([{ path: 'frames', message: 'must be a non-empty array' }]);
  const names = scene.bodies.map((b) => b.name);
  const nbody = names.length;
  const times = new Float64Array(frames.length);
  const poses = new Float64Array(frames.length * nbody * POSE_WIDTH);
  const issues: SceneIssue[] = [];
  frames.forEach((frame: unknown, f) => {
    if (issues.length > 0) return;
    const at = `frames[${f}]`;
    if (!isRecord(frame) || !isRecord(frame.bodies)) {
      issues.push({ path: at, message: 'must be an object with "time" and "bodies"' });
      return;
    }
    const time = frame.time;
    if (typeof time !== 'number' || !Number.isFinite(time) || (f > 0 && time < times[f - 1])) {
      issues.push({ path: `${at}.time`, message: 'must be a finite number, not before the previous frame' });
      return;
    }
    times[f] = time;
    const bodies = frame.bodies;
    names.forEach((name, b) => {
      // own keys only: a body named 'constructor' must not find Object.prototype's
      const pose = Object.hasOwn(bodies, name) ? bodies[name] : undefined;
      const o = (f * nbody + b) * POSE_WIDTH;
      if (!isRecord(pose) || !isVector(pose.position, 3) || !isVector(pose.orientation, 4)) {
        issues.push({
          path: `${at}.bodies.${name}`,
          message: 'must have "position" [x, y, z] and "orientation" [w, x, y, z] (finite numbers)',
        });
        return;
      }
      poses.set(pose.position, o);
      poses.set(pose.orientation, o + 3);
    });
  });
  if (issues.length > 0) fail(issues);
  return { scene, track: { nbody, times, poses } };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isVector(v: unknown, length: number): v is number[] {
  return Array.isArray(v) && v.length === length && v.every((x) => typeof x === 'number' && Number.isFinite(x));
}
