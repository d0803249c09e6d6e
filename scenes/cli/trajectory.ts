/**
 * The trajectory file `simulate --out` writes and the viewer loads:
 *
 * ```json
 * { "scene": <the effective scene, flags applied>, "dt": 0.001,
 *   "frames": [{ "time": 0, "bodies": { "ball": { "position": [x, y, z], "orientation": [w, x, y, z] } } }] }
 * ```
 *
 * Frames sample the rollout at most 60 times per simulated second (a display's frame
 * rate; finer sampling only makes the file bigger): every `frameStride(dt)` steps, plus
 * the initial state and the final one. Every body appears in every frame, static ones
 * too; a plane's pose is the identity (a plane is placed by its normal and offset, which
 * are in `scene`). Units as in the scene: s, m, unit quaternions (w, x, y, z).
 */
import type { Model } from '../../sim/model.ts';
import type { Quat, Scene, Vec3 } from '../../sim/scene.ts';
import { STATE_FIELDS, type State } from '../../sim/state.ts';

/** Highest frame rate of a trajectory, frames per simulated second. */
export const MAX_FRAME_RATE = 60;

/** Pose of one body in one frame. */
export interface BodyPose {
  /** centre of mass, world, m */
  position: Vec3;
  /** body → world unit quaternion (w, x, y, z) */
  orientation: Quat;
}

/** One sampled state. */
export interface TrajectoryFrame {
  /** simulated time, s */
  time: number;
  /** pose of every body, by name */
  bodies: Record<string, BodyPose>;
}

/** The contents of a trajectory file. */
export interface Trajectory {
  /** the scene that was simulated, flags applied */
  scene: Scene;
  /** time step, s */
  dt: number;
  /** sampled states, in time order, first = initial state, last = final state */
  frames: TrajectoryFrame[];
}

/**
 * Steps between frames: the smallest whole number of steps spanning at least
 * 1/{@link MAX_FRAME_RATE} s (1 when a step is longer than that).
 *
 * @example
 * frameStride(0.001);   // 17 (58.8 frames/s)
 * frameStride(1 / 240); // 4 (60 frames/s)
 */
export function frameStride(dt: number): number {
  // the tolerance keeps exact ratios (dt = 1/240 → 4) from rounding up to the next step
  const ratio = 1 / (MAX_FRAME_RATE * dt);
  return Math.max(1, Math.ceil(ratio * (1 - 1e-9)));
}

/** The poses of every body in `state`, keyed by name (null prototype: any legal name is an own key). */
export function framePoses(model: Model, state: State): Record<string, BodyPose> {
  const bodies = Object.create(null) as Record<string, BodyPose>;
  const q = state.bodyQ;
  model.bodyName.forEach((name, b) => {
    const o = b * STATE_FIELDS.bodyQ;
    bodies[name] = {
      position: [q[o], q[o + 1], q[o + 2]],
      orientation: [q[o + 3], q[o + 4], q[o + 5], q[o + 6]],
    };
  });
  return bodies;
}

/**
 * Collects the frames of a rollout: call `record(step, state)` with the initial state
 * (step 0) and after every step; it keeps the ones on the stride and the last one.
 *
 * @example
 * const recorder = new TrajectoryRecorder(scene, model);
 * recorder.record(0, state);
 * simulate(model, state, scene.steps, { onStep: (t, s) => recorder.record(t, s) });
 * writeFileSync('trajectory.json', JSON.stringify(recorder.trajectory));
 */
export class TrajectoryRecorder {
  /** the trajectory so far */
  readonly trajectory: Trajectory;
  private readonly stride: number;
  private readonly lastStep: number;

  constructor(scene: Scene, private readonly model: Model) {
    this.trajectory = { scene, dt: scene.dt, frames: [] };
    this.stride = frameStride(scene.dt);
    this.lastStep = scene.steps;
  }

  /** Keep `state` (after `step` steps) if it falls on the stride or is the final state. */
  record(step: number, state: State): void {
    if (step % this.stride !== 0 && step !== this.lastStep) return;
    this.trajectory.frames.push({ time: state.time, bodies: framePoses(this.model, state) });
  }
}
