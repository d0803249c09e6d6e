/**
 * Scene → Track: the plain rollout (sim/step.ts) sampled for display, in any contact
 * mode. Physics is sim's; this file only decides which states to keep and what contact
 * force to draw at each:
 *
 *   - penalty and soft: the contact law evaluated at the kept state (the force the next
 *     step applies);
 *   - hard: the impulses of the step that produced the kept state, λ_n / dt — the mean
 *     normal force over that step (an impulse has no force of its own to evaluate). The
 *     initial state has none: no step has acted yet.
 *
 * Written as a generator that yields its progress at every kept frame (≤ 1/60 s of
 * simulated time: a few steps, whatever a step costs), so the worker running it can
 * interleave other jobs, take new requests and send the first frames within its time
 * budget (the page stays responsive even on the 100-box scene in hard mode, ~40 ms a step).
 */
import { buildModel, initialState } from '../sim/builder.ts';
import { collide, createContacts } from '../sim/collision/index.ts';
import { contactForceParams, type ContactForceParams } from '../sim/contact/params.ts';
import { contactNormalForces } from '../sim/contact/wrenches.ts';
import type { HardStepData } from '../sim/hard/step.ts';
import type { Model } from '../sim/model.ts';
import type { Scene } from '../sim/scene.ts';
import { createStepData, step } from '../sim/step.ts';
import { assertFiniteState, type State } from '../sim/state.ts';
import { POSE_WIDTH, type Track } from './track.ts';

/**
 * Highest sampling rate of a track, frames per simulated second. Above a display's rate
 * samples only cost memory; playback interpolates between them (track.ts).
 */
export const TRACK_FRAME_RATE = 60;

/**
 * Contacts whose normal force is below this are not kept (N). A soft contact exerts a
 * force at any distance within the margin, almost all of it far too small to draw.
 */
export const MIN_DRAWN_FORCE = 1e-3;

/** Progress of a rollout being recorded. */
export interface RecordProgress {
  /** steps taken */
  done: number;
  /** steps in all */
  total: number;
  /** the frames kept so far, as a Track of their own (copied: it may be transferred while recording goes on) */
  partial(): Track;
}

/**
 * Steps between kept frames: the fewest spanning at least 1/{@link TRACK_FRAME_RATE} s
 * (the rule of the CLI's trajectory file, scenes/README.md).
 *
 * @example
 * trackStride(0.001); // 17
 */
export function trackStride(dt: number): number {
  // the tolerance keeps exact ratios (dt = 1/240 → 4) from rounding up to the next step
  return Math.max(1, Math.ceil((1 / (TRACK_FRAME_RATE * dt)) * (1 - 1e-9)));
}

/**
 * Run the scene's rollout and keep every {@link trackStride}-th state (and the first and
 * last), with the contacts at each kept state. Yields progress after every kept state
 * but the last; returns the Track. A
 * diverging rollout throws sim's `DivergenceError` (step, body, field).
 *
 * @example
 * const track = drain(recordTrack(scene)); // or step it from a scheduler
 */
export function* recordTrack(scene: Scene): Generator<RecordProgress, Track, void> {
  const model = buildModel(scene);
  const state = initialState(model, scene);
  const data = createStepData(model);
  const stride = trackStride(scene.dt);
  const steps = scene.steps;
  const frames = Math.floor(steps / stride) + 1 + (steps % stride === 0 ? 0 : 1);
  const recorder = new FrameRecorder(model, frames);
  recorder.keep(state, null);
  for (let t = 1; t <= steps; t++) {
    step(model, data, state, null, state);
    if (t % stride === 0 || t === steps) {
      assertFiniteState(state, model, t);
      recorder.keep(state, data.hard);
      if (t < steps) yield { done: t, total: steps, partial: () => recorder.track(true) };
    }
  }
  return recorder.track();
}

/** Run a generator to its end and return its result (for callers that need no interleaving). */
export function drain<T>(gen: Generator<unknown, T, void>): T {
  for (;;) {
    const r = gen.next();
    if (r.done) return r.value;
  }
}

/** Collects poses and drawable contacts of kept states into flat arrays. */
class FrameRecorder {
  private readonly times: Float64Array;
  private readonly poses: Float64Array;
  private readonly offsets: Int32Array;
  private readonly point: number[] = [];
  private readonly normal: number[] = [];
  private readonly force: number[] = [];
  private count = 0;
  private readonly contacts;
  /** the force modes' settings (made at the first force-mode frame) and f_n per contact */
  private forceParams: ContactForceParams | null = null;
  private normalForce = new Float64Array(64);

  constructor(
    private readonly model: Model,
    capacity: number,
  ) {
    this.times = new Float64Array(capacity);
    this.poses = new Float64Array(capacity * model.nbody * POSE_WIDTH);
    this.offsets = new Int32Array(capacity + 1);
    this.contacts = createContacts(Math.max(64, 16 * model.nbody));
  }

  /**
   * Keep `state`. In hard mode `hard` is the step data of the step that produced it (null
   * for the initial state); in the force modes it is null and the law is evaluated.
   */
  keep(state: State, hard: HardStepData | null): void {
    const f = this.count++;
    this.times[f] = state.time;
    this.poses.set(state.bodyQ, f * this.model.nbody * POSE_WIDTH);
    this.offsets[f] = this.force.length;
    if (this.model.contact.mode !== 'hard') this.keepContacts(state);
    else if (hard !== null) this.keepImpulses(hard);
    this.offsets[f + 1] = this.force.length;
  }

  /** The frames kept so far; `copy`: in arrays of their own (the recorder's may still grow) */
  track(copy = false): Track {
    const cut = <T extends Float64Array | Int32Array>(a: T, n: number): T =>
      (copy ? a.slice(0, n) : a.subarray(0, n)) as T;
    return {
      nbody: this.model.nbody,
      times: cut(this.times, this.count),
      poses: cut(this.poses, this.count * this.model.nbody * POSE_WIDTH),
      contacts: {
        offsets: cut(this.offsets, this.count + 1),
        point: Float64Array.from(this.point),
        normal: Float64Array.from(this.normal),
        force: Float64Array.from(this.force),
      },
    };
  }

  /** Contacts of `state` with their normal force by the model's law (penalty or soft). */
  private keepContacts(state: State): void {
    const { model, contacts: c } = this;
    collide(model, state.bodyQ, model.contact.margin, c);
    if (this.normalForce.length < c.count) this.normalForce = new Float64Array(2 * c.count);
    const params = this.forceParams ?? (this.forceParams = contactForceParams(model));
    contactNormalForces(params, c, state.bodyQ, state.bodyQd, this.normalForce);
    for (let k = 0; k < c.count; k++) {
      const force = this.normalForce[k];
      if (!(force >= MIN_DRAWN_FORCE)) continue;
      this.point.push(c.point[3 * k], c.point[3 * k + 1], c.point[3 * k + 2]);
      this.normal.push(c.normal[3 * k], c.normal[3 * k + 1], c.normal[3 * k + 2]);
      this.force.push(force);
    }
  }

  /**
   * Contacts of the last hard step with their mean normal force λ_n / dt along the
   * problem's normal n (A to B, so the force on B), at the contact point of the step's
   * start. Problem row k is contact k of the step's buffer.
   */
  private keepImpulses(hard: HardStepData): void {
    const c = hard.contacts;
    const p = hard.problem;
    const dt = this.model.dt;
    for (let k = 0; k < p.count; k++) {
      const force = p.impulse[3 * k] / dt;
      if (!(force >= MIN_DRAWN_FORCE)) continue;
      this.point.push(c.point[3 * k], c.point[3 * k + 1], c.point[3 * k + 2]);
      this.normal.push(p.dir[9 * k], p.dir[9 * k + 1], p.dir[9 * k + 2]);
      this.force.push(force);
    }
  }
}
