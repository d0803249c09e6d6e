/**
 * What every optimization scene gives the shared driver: a loss over named parameters
 * with its AD gradient under a contact setting, the same loss from the plain simulator,
 * and a check of a result by simulating it (miss, success, trajectory). A scene file with
 * an `objective` section becomes one through {@link sceneFileProblem}; the scripts in this
 * folder build theirs by hand (controls, losses over the trajectory).
 */
import type { Bounds } from '../../ad/optim/types.ts';
import { buildModel, initialState } from '../../sim/builder.ts';
import type { ContactMode } from '../../sim/model.ts';
import { OBJECTIVE_TOLERANCE, sceneObjective, type LossGradient } from '../../sim/objective.ts';
import type { Scene } from '../../sim/scene.ts';
import type { StrategyName } from './names.ts';
import type { BatchObjective } from '../../sim/smoothing.ts';
import type { State } from '../../sim/state.ts';
import { simulate } from '../../sim/step.ts';
import { TrajectoryRecorder, type Trajectory } from '../cli/trajectory.ts';

/** The contact model one evaluation runs under (structured-cloneable: it crosses to workers). */
export interface Setting {
  mode: ContactMode;
  /** soft-contact temperature, m */
  temperature: number;
}

/** A result simulated with the plain simulator. */
export interface Outcome {
  /** the problem's loss at the result */
  loss: number;
  /** the number the success criterion reads (e.g. distance to the target, m) */
  miss: number;
  /** miss ≤ tolerance (and whatever else the problem requires) */
  success: boolean;
  /** named figures of the result for the report, in the units their names give */
  details: Record<string, number | number[]>;
  trajectory: Trajectory;
}

/** An optimization problem on a scene. */
export interface OptimizationProblem {
  /** short name, also the output folder: out/<name>/ */
  readonly name: string;
  /** one sentence: what is optimized and what counts as success */
  readonly goal: string;
  /** parameter names, in order */
  readonly params: readonly string[];
  /** the documented (poor) initial guess */
  readonly x0: readonly number[];
  readonly bounds?: Bounds;
  /** typical size of a useful change of each parameter: optimizers work in x / scale */
  readonly scale: readonly number[];
  /** the scene the problem runs (its contact settings are the defaults) */
  readonly scene: Scene;
  /** the success threshold on `miss` */
  readonly tolerance: number;
  /** what `miss` is, with its unit */
  readonly missLabel: string;
  /** the strategy when the caller does not say (one that reaches the goal) */
  readonly defaultStrategy: StrategyName;
  /** iterations when the caller does not say */
  readonly defaultIters: number;
  /**
   * iterations of `smoothing` when the caller does not say (default `defaultIters`): each
   * costs 2 × samples gradient rollouts, so long-horizon scenes take fewer
   */
  readonly smoothingIters?: number;
  /** the optimizer of plain and anneal: L-BFGS, or Adam where gradients are tiny or rough (step sizes independent of the gradient's scale) */
  readonly optimizer: 'lbfgs' | 'adam';
  /** Adam's initial learning rate, in units of `scale` */
  readonly adamLr: number;
  /** starting temperature of continuation, m (large enough that the soft force reaches across the initial gap) */
  readonly annealFrom: number;
  /** final temperature of continuation, m (default: the scene's) */
  readonly annealTo?: number;
  /** L-BFGS iterations of continuation's hard finish, part of the total (default a fifth of it) */
  readonly annealFinish?: number;
  /** perturbation of randomized smoothing, in units of `scale` */
  readonly smoothingSigma: number;
  /**
   * estimator of randomized smoothing when the caller does not say (default first order):
   * zeroth order where hard-mode gradients cost many plain rollouts and carry little (a
   * pusher mostly out of contact; a cue that mostly misses)
   */
  readonly smoothingOrder?: 'first' | 'zeroth';
  /** how a worker rebuilds this problem (registry.ts) */
  readonly spec: ProblemSpec;
  /** loss and AD gradient at `x` */
  lossAndGrad(x: readonly number[], setting: Setting): LossGradient;
  /** loss at `x` from the plain simulator */
  value(x: readonly number[], setting: Setting): number;
  /** simulate `x` in `mode` (plain simulator) and judge it */
  outcome(x: readonly number[], mode: ContactMode): Outcome;
}

/** How to rebuild a problem in another thread: a named script at a size, or a scene file's objective. */
export type ProblemSpec =
  { kind: 'named'; name: string; size: ProblemSize } | { kind: 'scene'; name: string; scene: Scene };

/** `full`: the scene as documented; `test`: shorter horizon and fewer knots, for the test suite. */
export type ProblemSize = 'full' | 'test';

/** The problem as the smoothing workers evaluate it (sim/smoothing.ts). */
export function batchObjective(problem: OptimizationProblem): BatchObjective {
  return {
    value: (x, setting) => problem.value(x, setting as Setting),
    valueAndGrad: (x, setting) => problem.lossAndGrad(x, setting as Setting),
  };
}

/** The scene's own contact setting. */
export function sceneSetting(scene: Scene): Setting {
  return { mode: scene.contact.mode, temperature: scene.contact.temperature };
}

/** `scene` with a contact setting applied (a copy). */
export function withSetting(scene: Scene, setting: Partial<Setting>): Scene {
  const out = structuredClone(scene);
  if (setting.mode !== undefined) out.contact.mode = setting.mode;
  if (setting.temperature !== undefined) out.contact.temperature = setting.temperature;
  return out;
}

/**
 * Every result is verified by simulating it in hard mode: impulses with Newton restitution
 * and Coulomb friction are the physics the smooth models approximate, so a success counts
 * only there, whatever mode the optimizer ran in.
 */
export const VERIFICATION_MODE: ContactMode = 'hard';

/**
 * Run `scene` with the plain simulator, recording the trajectory (the `simulate --out`
 * format); `control(t)` (nbody×6 per step) and `onStep(t, state)` as in `simulate`.
 */
export function simulateRecorded(
  scene: Scene,
  control?: (t: number) => Float64Array | null,
  onStep?: (t: number, s: State) => void,
): { state: State; trajectory: Trajectory } {
  const model = buildModel(scene);
  const state = initialState(model, scene);
  const recorder = new TrajectoryRecorder(scene, model);
  recorder.record(0, state);
  simulate(model, state, scene.steps, {
    control,
    onStep: (t, s) => {
      recorder.record(t, s);
      onStep?.(t, s);
    },
  });
  return { state, trajectory: recorder.trajectory };
}

/** Default success threshold of a scene file's objective, in the units of `objective.of` (1 cm, 1 cm/s). */
export const SCENE_FILE_TOLERANCE = OBJECTIVE_TOLERANCE;

/**
 * A scene file's `objective` (sim/objective.ts) as a problem: its loss; success when the
 * miss (√ of the state terms: |q(T) − target| for one final target) is at most
 * `objective.tolerance` (default 1 cm, 1 cm/s), or, when the objective states `maxLoss`
 * (a known optimum with a margin), when the loss is at most that. Starts from the
 * parameters' values in the file and the controls' `start`.
 *
 * @example
 * const problem = sceneFileProblem('bounce-to-target', readSceneFile('scenes/bounce-to-target.json'));
 */
export function sceneFileProblem(
  name: string,
  scene: Scene,
  overrides: Partial<OptimizationProblem> = {},
): OptimizationProblem {
  const objective = sceneObjective(scene);
  const x0 = overrides.x0 ?? objective.x0;
  const { lower, upper } = objective.bounds;
  // a bounded variable moves across its range; an unbounded one by its own size (or 1)
  const scale = x0.map((_, j) =>
    Number.isFinite(upper[j] - lower[j]) ? (upper[j] - lower[j]) / 10 : objective.typical[j],
  );
  const byLoss = objective.maxLoss !== undefined;
  const controls = Object.keys(scene.objective?.controls ?? {});
  const wrt = scene.objective?.wrt ?? [];
  const choosing = [...wrt, ...controls.map((b) => `${b}'s controls`)].join(', ');
  const goal = byLoss
    ? `bring the loss to at most ${objective.maxLoss} by choosing ${choosing}`
    : `bring ${objective.of} to [${objective.target.join(', ')}] at t = ${scene.dt * scene.steps} s${(scene.objective?.terms ?? []).length > 0 ? ' (with the stated terms)' : ''} by choosing ${choosing}`;
  return {
    name,
    goal,
    params: objective.wrt,
    x0,
    bounds: objective.bounds,
    scale,
    scene,
    tolerance: byLoss ? objective.maxLoss! : objective.tolerance,
    missLabel: byLoss
      ? 'loss'
      : (scene.objective?.terms ?? []).length > 0
        ? 'miss (√ of the state terms)'
        : `|${objective.of} − target|`,
    defaultStrategy: 'plain',
    // per-step controls are hundreds of variables: L-BFGS needs more iterations
    defaultIters: objective.hasControls ? CONTROL_ITERATIONS : 30,
    optimizer: 'lbfgs',
    adamLr: 0.1,
    annealFrom: Math.max(10 * scene.contact.temperature, 0.01),
    smoothingSigma: 0.1,
    spec: { kind: 'scene', name, scene },
    lossAndGrad: (x, setting) => objective.lossAndGrad(x, setting),
    value: (x, setting) => objective.value(x, setting),
    outcome(x, mode) {
      let recorder: TrajectoryRecorder | undefined;
      const r = objective.evaluate(x, { mode }, (s, model) => {
        recorder = new TrajectoryRecorder(s, model);
        recorder.record(0, initialState(model, s));
        return (t, state) => recorder!.record(t, state);
      });
      const miss = byLoss ? r.loss : r.miss;
      return {
        loss: r.loss,
        miss,
        success: miss <= (byLoss ? objective.maxLoss! : objective.tolerance),
        details: { final: r.final },
        trajectory: recorder!.trajectory,
      };
    },
    ...overrides,
  };
}

/** Default L-BFGS iterations of a scene file whose objective has controls. */
const CONTROL_ITERATIONS = 150;
