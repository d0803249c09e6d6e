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
import { AtomicFile } from './files.ts';
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
 * Which steps of a rollout of `scene` make frames: those on the stride
 * ({@link frameStride}) and the last one.
 */
function keepsFrame(scene: Scene): (step: number) => boolean {
  const stride = frameStride(scene.dt);
  return (step) => step % stride === 0 || step === scene.steps;
}

/**
 * Collects the frames of a rollout in memory: call `record(step, state)` with the initial
 * state (step 0) and after every step; it keeps the ones on the stride and the last one.
 * For a file, {@link TrajectoryFileWriter} writes them as they come instead.
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
  private readonly keeps: (step: number) => boolean;

  constructor(
    scene: Scene,
    private readonly model: Model,
  ) {
    this.trajectory = { scene, dt: scene.dt, frames: [] };
    this.keeps = keepsFrame(scene);
  }

  /** Keep `state` (after `step` steps) if it falls on the stride or is the final state. */
  record(step: number, state: State): void {
    if (this.keeps(step)) this.trajectory.frames.push({ time: state.time, bodies: framePoses(this.model, state) });
  }
}

/**
 * Writes a trajectory file while the rollout runs: the same frames and the same text as
 * `JSON.stringify` of a {@link TrajectoryRecorder}'s trajectory, but each frame goes to the
 * file (files.ts {@link AtomicFile}: a temporary file renamed into place by `finish`) as it
 * is recorded, so memory does not grow with the number of steps. A run that fails calls
 * `abort`: the target keeps its old contents.
 *
 * @example
 * const writer = new TrajectoryFileWriter('trajectory.json', scene, model);
 * try { writer.record(0, state); simulate(model, state, scene.steps, { onStep: (t, s) => writer.record(t, s) }); writer.finish(); }
 * catch (e) { writer.abort(); throw e; }
 */
export class TrajectoryFileWriter {
  /** frames written so far */
  frames = 0;
  private readonly out: AtomicFile;
  private readonly keeps: (step: number) => boolean;

  constructor(
    file: string,
    scene: Scene,
    private readonly model: Model,
  ) {
    this.out = new AtomicFile(file, 'trajectory file');
    this.keeps = keepsFrame(scene);
    this.out.write(`{"scene":${JSON.stringify(scene)},"dt":${JSON.stringify(scene.dt)},"frames":[`);
  }

  /** Write `state` (after `step` steps) if it falls on the stride or is the final state. */
  record(step: number, state: State): void {
    if (!this.keeps(step)) return;
    const frame: TrajectoryFrame = { time: state.time, bodies: framePoses(this.model, state) };
    this.out.write(`${this.frames === 0 ? '' : ','}${JSON.stringify(frame)}`);
    this.frames++;
  }

  /** Close the frame list and put the file in place. */
  finish(): void {
    this.out.write(']}\n');
    this.out.commit();
  }

  /** Drop the temporary file; the target keeps its old contents. */
  abort(): void {
    this.out.abort();
  }
}
