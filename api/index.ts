/**
 * diffcontact's public API: `import { simulate, gradient, ad } from 'diffcontact'`.
 *
 * Scenes come in as a file path, scene JSON (an object) or a parsed scene; parameters and
 * quantities are named by path (`ball.linearVelocity.x`, `contact.stiffness`: docs/paths.md);
 * controls by body name. Every function checks its arguments and throws a typed error:
 * SceneError (a bad scene, naming the JSON path), ArgumentError (a bad argument, naming it),
 * DivergenceError (a state that stopped being finite, naming step and body).
 *
 * Model and state follow MuJoCo's split: `buildModel` holds everything constant over a
 * rollout, `initialState` the positions and velocities (struct-of-arrays Float64Arrays),
 * `step(model, data, state, control, out)` advances one step.
 */
import { buildModel as buildSceneModel, initialState as sceneInitialState } from '../sim/builder.ts';
import type { Model } from '../sim/model.ts';
import type { State } from '../sim/state.ts';
import { packageVersion } from '../scenes/cli/version.ts';
import { ArgumentError, loadScene, type SceneSource } from './arguments.ts';

export { simulate, type SimulateOptions, type SimulateResult, type BodyState, type Frame } from './simulate.ts';
export {
  gradient,
  jacobian,
  objective,
  type GradientOptions,
  type GradientResult,
  type JacobianOptions,
  type JacobianResult,
  type LossInput,
  type Objective,
  type ObjectiveOptions,
  type TracedBody,
} from './gradient.ts';
export {
  sweep,
  sweepOnCluster,
  probe,
  optimize,
  type SweepOptions,
  type SweepResult,
  type ProbeOptions,
  type ProbeResult,
  type OptimizeOptions,
  type OptimizeResult,
  type Trajectory,
} from './analysis.ts';
export type {
  ModeSweep,
  SweepJump,
  ValueJump,
  SawTooth,
  SawFlank,
  JumpCause,
  SweepOptions as ModeSweepOptions,
} from '../sim/sweep.ts';
export {
  CAUSE_SLACK,
  DEFAULT_LEVELS,
  DEFAULT_RELATIVE_VALUE_TOL,
  JUMP_TOL_FLOOR,
  VALUE_TOL_FLOOR,
} from '../sim/sweep.ts';
export type { ProbeOptions as PointProbeOptions } from '../sim/probe.ts';
export { DEFAULT_PROBE_LEVELS, DEFAULT_SAMPLES, DEFAULT_VALUE_TOL } from '../sim/probe.ts';
export type { SanitySettings } from '../sim/sanity.ts';
export type { Attempt } from '../scenes/optimize/driver.ts';
export type { ValidWithin, Decision } from '../sim/validity.ts';
export type { Verdict } from '../sim/probe.ts';
export type { Kink as ProbeKink } from '../sim/scene-function.ts';
export type { BodyPose, TrajectoryFrame } from '../scenes/cli/trajectory.ts';
export type { FinalBodyState } from '../scenes/cli/simulate.ts';
export { loadScene, ArgumentError, type SceneSource, type SceneOverrides } from './arguments.ts';
export type { Controls, BodyControl, ControlSignal } from './controls.ts';
export { SceneError, PathError, DivergenceError, type SceneIssue } from '../sim/errors.ts';
export {
  SCENE_DEFAULTS,
  type Scene,
  type SceneInput,
  type BodySpec,
  type ShapeSpec,
  type PlaneSpec,
  type SphereSpec,
  type BoxSpec,
  type CapsuleSpec,
  type CylinderSpec,
  type ContactSpec,
  type ObjectiveSpec,
  type ObjectiveTerm,
  type BodyControlSpec,
  type ControlSpec,
  type Vec3,
  type Quat,
} from '../sim/scene.ts';
export { CONTACT_MODES, type ContactMode, type ContactModel, type Model } from '../sim/model.ts';
export { step, createStepData, type StepData } from '../sim/step.ts';
export { allocState, cloneState, type State } from '../sim/state.ts';
export { paramPaths, quantityPaths, pathBodies, type PathBody } from '../sim/paths.ts';
export { STRATEGIES, type StrategyName, type RunStrategyName } from '../scenes/optimize/names.ts';
export * as ad from '../ad/index.ts';

/** The installed package's version (package.json). */
export const version: string = packageVersion();

/**
 * The constant part of a scene (masses, inertias, shapes, contact settings, dt, gravity) as
 * struct-of-arrays, after validating the scene.
 *
 * @example
 * const model = buildModel('scenes/ball-drop.json');
 * model.bodyName; // ['ground', 'ball']
 */
export function buildModel(source: SceneSource): Model {
  return buildSceneModel(loadScene(source));
}

/**
 * The scene's initial state (positions, unit orientations, velocities) for `model`.
 *
 * @example
 * const scene = loadScene('scenes/ball-drop.json');
 * const model = buildModel(scene), state = initialState(model, scene), data = createStepData(model);
 * for (let t = 0; t < 100; t++) step(model, data, state, null, state);
 */
export function initialState(model: Model, source: SceneSource): State {
  const scene = loadScene(source);
  if (scene.bodies.length !== model.nbody || scene.bodies.some((b, i) => b.name !== model.bodyName[i])) {
    throw new ArgumentError(
      'scene',
      `the scene's bodies (${scene.bodies.map((b) => b.name).join(', ')}) are not the model's (${model.bodyName.join(', ')})`,
    );
  }
  return sceneInitialState(model, scene);
}
