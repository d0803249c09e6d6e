/**
 * `gradient` and `jacobian`: derivatives of a rollout by name. Parameters are paths
 * (`ball.linearVelocity.x`, `box.mass`, `contact.stiffness`: docs/paths.md); a loss reads
 * the final state, recorded states and the controls by body name; controls are
 * differentiated per step. Underneath, the whole rollout is one primitive on the AD tape
 * (sim/rollout.ts) fed from its flat input layout, which never leaves this module.
 */
import * as ad from '../ad/index.ts';
import type { Real } from '../ad/tape.ts';
import { buildModel, initialState } from '../sim/builder.ts';
import { applyParams } from '../sim/param-inputs.ts';
import type { Model } from '../sim/model.ts';
import {
  COMPONENTS,
  parseParamPath,
  parseQuantityPath,
  pathBodies,
  readParam,
  stateOffset,
  STATE_VECTOR_FIELDS,
  type StateVectorField,
} from '../sim/paths.ts';
import { rolloutInputs, rolloutLayout, rolloutPrimitive } from '../sim/rollout.ts';
import type { Scene } from '../sim/scene.ts';
import {
  ArgumentError,
  describe,
  loadScene,
  optionsObject,
  pathList,
  pathString,
  positiveNumber,
  wholeNumber,
  withOverrides,
  type SceneOverrides,
  type SceneSource,
} from './arguments.ts';
import { resolveControls, type Controls } from './controls.ts';

/** A body's state as traced Reals: differentiable functions of the parameters. */
export interface TracedBody {
  position: Real[];
  orientation: Real[];
  linearVelocity: Real[];
  angularVelocity: Real[];
}

/** What a loss can read, by name. */
export interface LossInput {
  /** the state after the last step, by body name */
  final: Record<string, TracedBody>;
  /** the state after `step` steps; the step must be listed in `options.record` */
  at(step: number): Record<string, TracedBody>;
  /** the controls as traced Reals, by body name: `force[t]`, `torque[t]` = [x, y, z] */
  controls: Record<string, { force: Real[][]; torque: Real[][] }>;
  /** the traced parameters by path as written in `wrt` */
  params: Record<string, Real>;
}

export interface GradientOptions extends SceneOverrides {
  /** parameter paths to differentiate with respect to (may be empty when controls are given) */
  wrt?: readonly string[];
  /** a final-state quantity, one component (`ball.position.z`): the loss is that number */
  of?: string;
  /** the loss as a function of the trajectory (use `ad` ops); give `of` or `loss` */
  loss?: (input: LossInput) => Real;
  /** steps (0 = initial state) whose states `loss` reads through `at(step)` */
  record?: readonly number[];
  /** per-step forces and torques by body name; their gradient comes back in `controlGrad` */
  controls?: Controls;
  /** report non-smooth decisions whose margin is at most this (default 1e-3: 1 mm, 1 mm/s) */
  kinkTol?: number;
}

export interface GradientResult {
  value: number;
  /** d loss / d parameter, by path as written */
  grad: Record<string, number>;
  /** d loss / d control, by body name: `force[t]`, `torque[t]` = [x, y, z] */
  controlGrad: Record<string, { force: number[][]; torque: number[][] }>;
  /** non-smooth decisions within `kinkTol` of their boundary, nearest first */
  kinks: { label: string; margin: number }[];
}

/** The bodies' states in `y` from `offset` ([q (7n) | qd (6n)]) by name. */
function tracedBodies(model: Model, y: readonly Real[], offset: number): Record<string, TracedBody> {
  const n = model.nbody;
  const out: Record<string, TracedBody> = {};
  model.bodyName.forEach((name, b) => {
    const body = {} as TracedBody;
    for (const field of STATE_VECTOR_FIELDS) {
      const at = offset + stateOffset(n, b, field);
      body[field] = y.slice(at, at + COMPONENTS[field].length);
    }
    out[name] = body;
  });
  return out;
}

/** A rollout of a scene set up for tracing: parameters by path, controls by name. */
interface TracedRollout {
  scene: Scene;
  model: Model;
  wrt: string[];
  record: number[];
  controlNames: string[];
  /** leaves in order: the parameters, then steps × controlled bodies × 6 control values */
  x0: number[];
  /** the loss's input at the traced leaves */
  input(leaves: Real[]): LossInput;
}

function tracedRollout(source: SceneSource, opts: GradientOptions): TracedRollout {
  const scene = withOverrides(loadScene(source), opts);
  const bodies = pathBodies(scene);
  const wrt = opts.wrt === undefined ? [] : pathList(opts.wrt, 'options.wrt', 0);
  const params = wrt.map((p, j) => {
    try {
      return parseParamPath(p, bodies, `options.wrt[${j}]`);
    } catch (err) {
      throw err instanceof Error ? new ArgumentError(`options.wrt[${j}]`, err.message) : err;
    }
  });
  const record =
    opts.record === undefined
      ? []
      : Array.isArray(opts.record)
        ? opts.record.map((k, j) => wholeNumber(k, `options.record[${j}]`))
        : [];
  if (opts.record !== undefined && !Array.isArray(opts.record))
    throw new ArgumentError('options.record', `expected an array of steps, got ${describe(opts.record)}`);
  for (const k of record)
    if (k > scene.steps) throw new ArgumentError('options.record', `step ${k} is after the last step (${scene.steps})`);
  const controls = resolveControls(scene, opts.controls, scene.steps);
  const nc = controls.bodies.length;
  const model = buildModel(scene);
  const state0 = initialState(model, scene);
  const config = { model, steps: scene.steps, controlBodies: controls.bodies, record };
  const L = rolloutLayout(model.nbody, scene.steps, nc);
  const base = rolloutInputs(config, state0.bodyQ, state0.bodyQd);
  const run = rolloutPrimitive(config);
  const stateWidth = 13 * model.nbody;
  return {
    scene,
    model,
    wrt,
    record,
    controlNames: controls.names,
    x0: [...params.map((p) => readParam(scene, p)), ...controls.values],
    input(leaves) {
      const x: Real[] = Array.from(base);
      applyParams(x, L, scene, model, params, leaves);
      const controlLeaves = leaves.slice(params.length);
      for (let k = 0; k < controlLeaves.length; k++) x[L.controls + k] = controlLeaves[k];
      const y = run(x);
      const named: LossInput['controls'] = {};
      controls.names.forEach((name, j) => {
        const of = (half: number) =>
          Array.from({ length: scene.steps }, (_, t) =>
            controlLeaves.slice((t * nc + j) * 6 + 3 * half, (t * nc + j) * 6 + 3 * half + 3),
          );
        named[name] = { force: of(0), torque: of(1) };
      });
      return {
        final: tracedBodies(model, y, 0),
        at(step) {
          const k = record.indexOf(step);
          if (k < 0)
            throw new ArgumentError(
              'at(step)',
              `step ${step} was not recorded: list it in options.record (recorded: ${record.join(', ') || 'none'})`,
            );
          return tracedBodies(model, y, stateWidth * (k + 1));
        },
        controls: named,
        params: Object.fromEntries(wrt.map((p, j) => [p, leaves[j]])),
      };
    },
  };
}

/** The loss of `opts`: the `of` quantity's component, or the user's function. */
function lossOf(scene: Scene, opts: GradientOptions): (input: LossInput) => Real {
  if ((opts.of === undefined) === (opts.loss === undefined))
    throw new ArgumentError('options', "give exactly one of 'of' (a quantity path) or 'loss' (a function)");
  if (opts.loss !== undefined) {
    if (typeof opts.loss !== 'function')
      throw new ArgumentError(
        'options.loss',
        `expected a function of { final, at, controls, params }, got ${describe(opts.loss)}`,
      );
    const loss = opts.loss;
    return (input) => {
      const value = loss(input);
      if (typeof value !== 'number' && !(value instanceof ad.Var)) {
        throw new ArgumentError('options.loss', `must return one number or ad.Real, got ${describe(value)}`);
      }
      return value;
    };
  }
  const of = pathString(opts.of, 'options.of');
  let q;
  try {
    q = parseQuantityPath(of, pathBodies(scene), 'options.of');
  } catch (err) {
    throw err instanceof Error ? new ArgumentError('options.of', err.message) : err;
  }
  if (q.component === null)
    throw new ArgumentError('options.of', `'${of}' is a vector: name one component (${of}.x) or use jacobian()`);
  const [body, field, c] = [q.body, q.field, q.component];
  return (input) => input.final[scene.bodies[body].name][field][c];
}

export interface ObjectiveOptions extends SceneOverrides {
  /** parameter paths that are free (the first entries of x) */
  wrt?: readonly string[];
  /** the controls x starts from, by body name: every step's force and torque of these bodies is free */
  controls?: Controls;
  /** the loss as a function of the trajectory and the controls (use `ad` ops) */
  loss: (input: LossInput) => Real;
  /** steps (0 = initial state) whose states `loss` reads through `at(step)` */
  record?: readonly number[];
  /** report non-smooth decisions whose margin is at most this (default 0: none, the fastest) */
  kinkTol?: number;
}

/**
 * A rollout's loss as a function of one vector x, for an optimizer: x holds the free
 * parameters (in `wrt` order), then every step's control wrench of every controlled body.
 * The scene is loaded and the rollout prepared once; each call is one recorded rollout
 * and one reverse sweep.
 */
export interface Objective {
  /** value and gradient of the loss at x (the shape `ad.optim.lbfgs` and `minimize` take) */
  (x: readonly number[]): { value: number; grad: number[] };
  /** the starting point: the parameters' values in the scene, then the given controls */
  readonly x0: number[];
  /** what each entry of x is: a parameter path, or `<body>.force[t].x`, `<body>.torque[t].z` */
  readonly names: string[];
  /** the same, with the non-smooth decisions within `kinkTol` */
  evaluate(x: readonly number[]): { value: number; grad: number[]; kinks: { label: string; margin: number }[] };
  /** the controls in x, by body name (one vector per step), to pass to `simulate` or `gradient` */
  controlsOf(
    x: readonly number[],
  ): Record<string, { force: [number, number, number][]; torque: [number, number, number][] }>;
}

/**
 * The loss of a rollout as an optimizer's objective over parameters and per-step controls
 * (Warp's tape / JAX's `value_and_grad` in one closure, named entries instead of offsets).
 *
 * @example
 * // drive ball a so that ball b ends at the origin, with a small control effort
 * const f = objective(scene, {
 *   controls: { a: { force: [0, 0, 3] } },
 *   loss: ({ final, controls }) => ad.add(ad.square(final.b.position[0]), ad.sum(controls.a.force.map(([x, , z]) => ad.add(ad.square(x), ad.square(z))))),
 * });
 * const best = ad.optim.lbfgs(f, f.x0, { maxIter: 100 });
 * simulate(scene, { controls: f.controlsOf(best.x) });
 */
export function objective(source: SceneSource, options: ObjectiveOptions): Objective {
  const opts = optionsObject(options);
  if (typeof opts.loss !== 'function')
    throw new ArgumentError(
      'options.loss',
      `expected a function of { final, at, controls, params }, got ${describe(opts.loss)}`,
    );
  if ((opts as { of?: unknown }).of !== undefined)
    throw new ArgumentError('options.of', "an objective takes a 'loss' function (use gradient() for a quantity path)");
  const kinkTol =
    opts.kinkTol === undefined || opts.kinkTol === 0 ? 0 : positiveNumber(opts.kinkTol, 'options.kinkTol');
  const r = tracedRollout(source, opts);
  const loss = lossOf(r.scene, opts);
  if (r.x0.length === 0) throw new ArgumentError('options', 'name at least one parameter in wrt, or give controls');
  const nc = r.controlNames.length;
  const names = [...r.wrt];
  for (let t = 0; t < r.scene.steps; t++) {
    for (const name of r.controlNames)
      for (const kind of ['force', 'torque']) for (const c of 'xyz') names.push(`${name}.${kind}[${t}].${c}`);
  }
  const vector = (x: readonly number[]): number[] => {
    if (!Array.isArray(x) || x.length !== names.length)
      throw new ArgumentError(
        'x',
        `expected ${names.length} numbers (${names.slice(0, 3).join(', ')}, …), got ${Array.isArray(x) ? `${x.length}` : describe(x)}`,
      );
    return x as number[];
  };
  const evaluate = (x: readonly number[]) => {
    const result = ad.valueAndGrad((leaves) => loss(r.input(leaves)), vector(x), { kinkTol });
    return {
      value: result.value,
      grad: result.grad,
      kinks: result.kinks.map((k) => ({ label: k.label, margin: k.margin })),
    };
  };
  const f = (x: readonly number[]) => {
    const { value, grad } = evaluate(x);
    return { value, grad };
  };
  return Object.assign(f, {
    x0: [...r.x0],
    names,
    evaluate,
    controlsOf(x: readonly number[]) {
      const v = vector(x);
      const out: ReturnType<Objective['controlsOf']> = {};
      r.controlNames.forEach((name, j) => {
        const of = (half: number) =>
          Array.from(
            { length: r.scene.steps },
            (_, t) =>
              v.slice(r.wrt.length + (t * nc + j) * 6 + 3 * half, r.wrt.length + (t * nc + j) * 6 + 3 * half + 3) as [
                number,
                number,
                number,
              ],
          );
        out[name] = { force: of(0), torque: of(1) };
      });
      return out;
    },
  });
}

/**
 * Value and gradient of a loss of a rollout with respect to named parameters and the
 * per-step controls. The loss is a final-state quantity (`of`) or any function of the
 * final state, recorded states and controls (`loss`, built from `ad` ops).
 *
 * @example
 * // squared distance of the ball's final position to a target, plus a control effort
 * const g = gradient('scenes/bounce-to-target.json', {
 *   wrt: ['ball.linearVelocity.x', 'ball.linearVelocity.z'],
 *   loss: ({ final }) => ad.add(ad.square(ad.sub(final.ball.position[0], 1.2)), ad.square(ad.sub(final.ball.position[2], 0.25))),
 * });
 * g.grad['ball.linearVelocity.x'];
 */
export function gradient(source: SceneSource, options: GradientOptions): GradientResult {
  const opts = optionsObject(options);
  if (options === undefined) throw new ArgumentError('options', "give 'wrt' and 'of' or 'loss'");
  const kinkTol =
    opts.kinkTol === undefined ? 1e-3 : opts.kinkTol === 0 ? 0 : positiveNumber(opts.kinkTol, 'options.kinkTol');
  const r = tracedRollout(source, opts);
  const loss = lossOf(r.scene, opts);
  if (r.x0.length === 0)
    throw new ArgumentError('options.wrt', 'name at least one parameter (or give controls to differentiate)');
  const result = ad.valueAndGrad((leaves) => loss(r.input(leaves)), r.x0, { kinkTol });
  const grad: Record<string, number> = {};
  r.wrt.forEach((p, j) => (grad[p] = (grad[p] ?? 0) + result.grad[j]));
  const controlGrad: GradientResult['controlGrad'] = {};
  const nc = r.controlNames.length;
  r.controlNames.forEach((name, j) => {
    const of = (half: number) =>
      Array.from({ length: r.scene.steps }, (_, t) => {
        const at = r.wrt.length + (t * nc + j) * 6 + 3 * half;
        return result.grad.slice(at, at + 3);
      });
    controlGrad[name] = { force: of(0), torque: of(1) };
  });
  return {
    value: result.value,
    grad,
    controlGrad,
    kinks: result.kinks.map((k) => ({ label: k.label, margin: k.margin })),
  };
}

export interface JacobianOptions extends SceneOverrides {
  /** final-state quantities: components (`ball.position.z`) or whole vectors (`ball.position`) */
  of: readonly string[];
  /** parameter paths */
  wrt: readonly string[];
}

export interface JacobianResult {
  /** one name per row: the components of `of`, e.g. `ball.position.x` */
  rows: string[];
  /** the parameters, one per column, as written */
  columns: string[];
  /** the rows' values at the scene's parameters */
  value: number[];
  /** d row / d column */
  jacobian: number[][];
  /** non-smooth decisions within 1 mm (1 mm/s) of their boundary, nearest first */
  kinks: { label: string; margin: number }[];
}

/**
 * The Jacobian of final-state quantities with respect to parameters: one recorded rollout,
 * one reverse sweep per row.
 *
 * @example
 * const J = jacobian('scenes/billiards.json', { of: ['ball2.position'], wrt: ['cue.linearVelocity.x', 'cue.linearVelocity.y'] });
 * J.rows;     // ['ball2.position.x', 'ball2.position.y', 'ball2.position.z']
 * J.jacobian; // 3 × 2
 */
export function jacobian(source: SceneSource, options: JacobianOptions): JacobianResult {
  const opts = optionsObject(options);
  const { steps, dt, contact, temperature } = opts;
  const r = tracedRollout(source, { steps, dt, contact, temperature, wrt: pathList(opts.wrt, 'options.wrt') });
  const bodies = pathBodies(r.scene);
  const rows: { name: string; body: string; field: StateVectorField; c: number }[] = [];
  pathList(opts.of, 'options.of').forEach((text, j) => {
    let q;
    try {
      q = parseQuantityPath(text, bodies, `options.of[${j}]`);
    } catch (err) {
      throw err instanceof Error ? new ArgumentError(`options.of[${j}]`, err.message) : err;
    }
    const body = r.scene.bodies[q.body].name;
    const names = q.field === 'orientation' ? 'wxyz' : 'xyz';
    const components = q.component === null ? [...names].map((_, c) => c) : [q.component];
    for (const c of components)
      rows.push({ name: q.component === null ? `${text}.${names[c]}` : text, body, field: q.field, c });
  });
  const f = (leaves: Real[]) => {
    const final = r.input(leaves).final;
    return rows.map((row) => final[row.body][row.field][row.c]);
  };
  // one recording; the pullback of each unit cotangent is one row
  const { value, vjp, kinks } = ad.vjp(f, r.x0, { kinkTol: 1e-3 });
  const jac = rows.map((_, k) => vjp(rows.map((__, i) => (i === k ? 1 : 0))));
  return {
    rows: rows.map((row) => row.name),
    columns: r.wrt,
    value,
    jacobian: jac,
    kinks: kinks.map((k) => ({ label: k.label, margin: k.margin })),
  };
}
