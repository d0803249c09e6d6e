/**
 * `simulate`: roll a scene forward with the plain (non-differentiated) simulator, with
 * optional per-step controls by body name, and return the final state of every body and
 * the recorded frames, by name.
 */
import { buildModel, initialState } from '../sim/builder.ts';
import type { Scene } from '../sim/scene.ts';
import { createStepData, simulate as stepMany } from '../sim/step.ts';
import { finalBodies, type FinalBodyState } from '../scenes/cli/simulate.ts';
import {
  ArgumentError,
  describe,
  loadScene,
  optionsObject,
  wholeNumber,
  withOverrides,
  type SceneOverrides,
  type SceneSource,
} from './arguments.ts';
import { resolveControls, type Controls } from './controls.ts';

/** The state of one body, world frame, SI units (position m, orientation w,x,y,z, m/s, rad/s). */
export type BodyState = FinalBodyState;

/** The state of every body after `step` steps. */
export interface Frame {
  step: number;
  /** s */
  time: number;
  bodies: Record<string, BodyState>;
}

export interface SimulateOptions extends SceneOverrides {
  /** per-step forces and torques by body name */
  controls?: Controls;
  /**
   * frames to keep: `true` every step, a number k every k-th step, an array the listed
   * steps (0 = the initial state); default none
   */
  record?: boolean | number | readonly number[];
}

export interface SimulateResult {
  steps: number;
  /** simulated time at the end, s */
  time: number;
  /** the final state of every body (static ones too), by name */
  final: Record<string, BodyState>;
  /** the recorded frames, in step order */
  trajectory: Frame[];
}

/** The steps to record, as a membership test over 0..steps. */
function recordedSteps(record: SimulateOptions['record'], steps: number): (t: number) => boolean {
  if (record === undefined || record === false) return () => false;
  if (record === true) return () => true;
  if (typeof record === 'number') {
    const every = wholeNumber(record, 'options.record', 1);
    return (t) => t % every === 0;
  }
  if (!Array.isArray(record))
    throw new ArgumentError(
      'options.record',
      `expected true, a step interval or an array of steps, got ${describe(record)}`,
    );
  const set = new Set(record.map((k, j) => wholeNumber(k, `options.record[${j}]`)));
  for (const k of set)
    if (k > steps) throw new ArgumentError('options.record', `step ${k} is after the last step (${steps})`);
  return (t) => set.has(t);
}

/**
 * Simulate a scene (a file path, scene JSON or a parsed scene) and report the final state
 * of every body; `record` keeps frames along the way. Throws SceneError for an invalid
 * scene, ArgumentError for a bad option, DivergenceError (naming step and body) when the
 * state stops being finite.
 *
 * @example
 * const run = simulate('scenes/ball-drop.json', { steps: 500, contact: 'hard', record: 100 });
 * run.final.ball.position[2];   // height after 0.5 s, m
 * run.trajectory.map((f) => f.bodies.ball.linearVelocity[2]);
 */
export function simulate(source: SceneSource, options?: SimulateOptions): SimulateResult {
  const opts = optionsObject(options);
  const scene: Scene = withOverrides(loadScene(source), opts);
  const model = buildModel(scene);
  const state = initialState(model, scene);
  const keep = recordedSteps(opts.record, scene.steps);
  const controls = resolveControls(scene, opts.controls, scene.steps);
  const wrench = new Float64Array(6 * model.nbody);
  const nc = controls.bodies.length;
  const control =
    nc === 0
      ? undefined
      : (t: number) => {
          for (let j = 0; j < nc; j++)
            wrench.set(controls.values.subarray((t * nc + j) * 6, (t * nc + j + 1) * 6), 6 * controls.bodies[j]);
          return wrench;
        };
  const trajectory: Frame[] = [];
  const frame = (t: number) => trajectory.push({ step: t, time: t * scene.dt, bodies: finalBodies(model, state) });
  if (keep(0)) frame(0);
  stepMany(model, state, scene.steps, {
    data: createStepData(model),
    control,
    onStep: (t) => {
      if (keep(t)) frame(t);
    },
  });
  return { steps: scene.steps, time: scene.steps * scene.dt, final: finalBodies(model, state), trajectory };
}
