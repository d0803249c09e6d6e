/**
 * The scene file's `objective` section as a differentiable loss (docs/scene-format.md
 * "Objective"). The decision variables are the parameters named in `objective.wrt`, then
 * the knots of each control of `objective.controls` (a world-frame force or torque on a
 * body, held constant over each knot); the loss is a weighted sum of terms,
 *
 *   L = |q(T) − target|²                                   (`of`, `target`: the main term)
 *     + Σ_terms w·Σ_{t ∈ at} |q(t) − target(t)|²            (state terms; no `at`: t = T)
 *     + Σ_terms w·Σ_steps |u|²·dt                          (effort terms)
 *
 * in the units of the quantities squared (m², (m/s)², …) and N²·s for the effort. The
 * parameters are written into a copy of the scene (so a value outside a parameter's domain
 * is a SceneError naming the field, as in sweeps), the contact mode and temperature may be
 * overridden per evaluation (continuation anneals the temperature), and the gradient comes
 * from one rollout primitive on the AD tape (sim/rollout.ts) with the controls and the
 * states at the terms' times as its inputs and outputs; the plain value from the tape-free
 * simulator with the same controls. Both read the loss from one function
 * ({@link ObjectiveTerms.loss}), written with ad ops that also take plain numbers.
 */
import * as ad from '../ad/index.ts';
import type { Bounds } from '../ad/optim/types.ts';
import type { Real } from '../ad/tape.ts';
import { buildModel, initialState } from './builder.ts';
import { SceneError } from './errors.ts';
import { applyParams } from './param-inputs.ts';
import type { ContactMode, Model } from './model.ts';
import {
  parseParamPath,
  parseQuantityPath,
  pathBodies,
  readParam,
  readQuantity,
  stateOffset,
  writeParam,
  type ParamPath,
  type QuantityPath,
} from './paths.ts';
import { rolloutInputs, rolloutLayout, rolloutPrimitive, type RolloutLayout } from './rollout.ts';
import type { Kink } from './scene-function.ts';
import { parseScene, stepAtTime, type ControlSpec, type Scene } from './scene.ts';
import { cloneState, STATE_FIELDS, type State } from './state.ts';
import { simulate } from './step.ts';

/** Contact settings an evaluation runs under; absent fields keep the scene's. */
export interface ContactSetting {
  mode?: ContactMode;
  /** soft-contact temperature, m */
  temperature?: number;
}

/** A loss value with its AD gradient (one entry per decision variable) and the kinks near it. */
export interface LossGradient {
  value: number;
  grad: number[];
  kinks: Kink[];
}

/** A plain (tape-free) evaluation: the loss, the miss the success criterion reads, the final `of`. */
export interface PlainEvaluation {
  loss: number;
  /** √(Σ of the state terms, weighted): |q(T) − target| for an objective of one final term */
  miss: number;
  /** the main quantity `of` in the final state */
  final: number[];
}

/** Default success threshold on the miss, in the units of the objective's quantities (1 cm, 1 cm/s). */
export const OBJECTIVE_TOLERANCE = 0.01;

/** A scene's objective, ready for an optimizer. */
export interface SceneObjective {
  /** the main quantity path (`objective.of`) */
  readonly of: string;
  /** its target, one number per component of `of` */
  readonly target: readonly number[];
  /** the decision variables' names: the `wrt` paths, then `<body>.<force|torque>[knot].<x|y|z>` */
  readonly wrt: readonly string[];
  /** their values in the scene (controls: their `start`) */
  readonly x0: readonly number[];
  /** the bounds as a box (±Infinity where a variable is unbounded) */
  readonly bounds: Bounds;
  /** a typical size of each variable (its magnitude, at least 1; a control's largest start component) */
  readonly typical: readonly number[];
  /** whether the objective has controls (many variables) */
  readonly hasControls: boolean;
  /** success: miss ≤ tolerance, or with `maxLoss` loss ≤ maxLoss */
  readonly tolerance: number;
  readonly maxLoss?: number;
  /** the scene with the `wrt` parameters set from `x` and the setting applied, validated */
  sceneAt(x: readonly number[], setting?: ContactSetting): Scene;
  /** the main quantity `of` in a state (e.g. the final state of a recorded rollout) */
  read(state: State): number[];
  /** the control wrenches of a plain rollout at `x` (the `simulate` control callback), or undefined without controls */
  controlAt(x: readonly number[], model: Model): ((t: number) => Float64Array | null) | undefined;
  /** the final `of` at `x`, from the plain (tape-free) simulator */
  final(x: readonly number[], setting?: ContactSetting): number[];
  /** the loss at `x` from the plain simulator (no tape): for verification and zeroth-order estimates */
  value(x: readonly number[], setting?: ContactSetting): number;
  /** loss, miss and final `of` at `x` from the plain simulator; `onStep` sees every state (to record a trajectory) */
  evaluate(
    x: readonly number[],
    setting?: ContactSetting,
    onStep?: (scene: Scene, model: Model) => (t: number, s: State) => void,
  ): PlainEvaluation;
  /** the loss and its AD gradient at `x` */
  lossAndGrad(x: readonly number[], setting?: ContactSetting): LossGradient;
}

/** One control of the objective as a block of decision variables. */
export interface ControlBlock {
  body: number;
  name: string;
  /** 0: force, 1: torque (the half of the body's 6-wide wrench) */
  half: 0 | 1;
  knots: number;
  /** steps the control acts (from step 0) */
  span: number;
  /** first decision variable of the block (knot-major, then x, y, z) */
  offset: number;
  /** the knot of each step of the span */
  knotOf: Int32Array;
  /** steps each knot covers */
  stepsPerKnot: Float64Array;
  spec: ControlSpec;
}

/**
 * Write the controls of step `t` from the decision variables `x` into one step's wrench
 * block `out[base + j·6 + k]` (bodies × [force | torque], world frame), `j` the block's
 * body among `bodies`: the step's slice of the rollout's control input
 * (sim/driver/inputs.ts) or the plain simulator's per-step control. The one place where
 * objective controls meet those layouts, so it can follow a generated field table.
 */
export function writeControls(
  out: { [i: number]: Real },
  base: number,
  blocks: readonly ControlBlock[],
  bodies: readonly number[],
  x: readonly Real[],
  t: number,
): void {
  for (const b of blocks) {
    if (t >= b.span) continue;
    const at = base + bodies.indexOf(b.body) * 6 + 3 * b.half;
    const v = b.offset + 3 * b.knotOf[t];
    for (let c = 0; c < 3; c++) out[at + c] = x[v + c];
  }
}

/** A state term with its steps and flat targets. */
interface StateTerm {
  quantity: QuantityPath;
  /** the step of each time (steps = the final state) */
  steps: number[];
  targets: number[][];
  weight: number;
}

/** The objective's terms, compiled against the scene: what a loss reads and how it sums. */
export interface ObjectiveTerms {
  /** steps whose state a term reads, other than the final one (ascending) */
  record: number[];
  /**
   * the loss from `read(quantity, step)` (the quantity's components after `step` steps) and
   * the decision variables `x`; with `missOnly`, the state terms alone (the miss squared)
   */
  loss(read: (q: QuantityPath, step: number) => Real[], x: readonly Real[], missOnly?: boolean): Real;
}

function compileTerms(scene: Scene, blocks: readonly ControlBlock[]): ObjectiveTerms {
  const spec = scene.objective!;
  const bodies = pathBodies(scene);
  const main = parseQuantityPath(spec.of, bodies, 'objective.of');
  const state: StateTerm[] = [
    {
      quantity: main,
      steps: [scene.steps],
      targets: [typeof spec.target === 'number' ? [spec.target] : [...spec.target]],
      weight: 1,
    },
  ];
  const effort: { block: ControlBlock; weight: number }[] = [];
  for (const term of spec.terms ?? []) {
    const weight = term.weight ?? 1;
    if ('effort' in term) {
      const [name, kind] = term.effort.split('.');
      effort.push({ block: blocks.find((b) => b.name === name && b.half === (kind === 'force' ? 0 : 1))!, weight });
      continue;
    }
    const quantity = parseQuantityPath(term.of, bodies, 'objective.terms');
    const flat = (t: number | number[]) => (typeof t === 'number' ? [t] : [...t]);
    if (term.at === undefined)
      state.push({ quantity, steps: [scene.steps], targets: [flat(term.target as number | number[])], weight });
    else
      state.push({
        quantity,
        steps: term.at.map((t) => stepAtTime(t, scene.dt, scene.steps)!),
        targets: (term.target as (number | number[])[]).map(flat),
        weight,
      });
  }
  const record = [...new Set(state.flatMap((s) => s.steps).filter((k) => k !== scene.steps))].sort((a, b) => a - b);
  return {
    record,
    loss(read, x, missOnly = false) {
      const parts: Real[] = [];
      for (const s of state) {
        const sq: Real[] = [];
        s.steps.forEach((k, i) =>
          read(s.quantity, k).forEach((q, c) => sq.push(ad.square(ad.sub(q, s.targets[i][c])))),
        );
        parts.push(ad.mul(s.weight, ad.sum(sq)));
      }
      if (!missOnly) {
        for (const { block, weight } of effort) {
          // Σ_steps |u|²·dt = Σ_knots |u_k|²·(steps of the knot)·dt
          const sq: Real[] = [];
          for (let k = 0; k < block.knots; k++) {
            for (let c = 0; c < 3; c++)
              sq.push(ad.mul(block.stepsPerKnot[k] * scene.dt, ad.square(x[block.offset + 3 * k + c])));
          }
          parts.push(ad.mul(weight, ad.sum(sq)));
        }
      }
      return ad.sum(parts);
    },
  };
}

/** The controls of `scene`'s objective as blocks of decision variables after the `first` parameters. */
function controlBlocks(scene: Scene, first: number): ControlBlock[] {
  const blocks: ControlBlock[] = [];
  let offset = first;
  for (const [name, c] of Object.entries(scene.objective?.controls ?? {})) {
    const body = scene.bodies.findIndex((b) => b.name === name);
    (['force', 'torque'] as const).forEach((kind, half) => {
      const spec = c[kind];
      if (spec === undefined) return;
      const span = spec.until === undefined ? scene.steps : stepAtTime(spec.until, scene.dt, scene.steps);
      if (span === null || span === 0 || span > scene.steps) {
        throw new SceneError([
          {
            path: `objective.controls.${name}.${kind}.until`,
            message: `must be a positive multiple of dt within T = ${scene.steps * scene.dt} s`,
          },
        ]);
      }
      const knots = Math.min(spec.knots ?? span, span);
      const knotOf = new Int32Array(span);
      const stepsPerKnot = new Float64Array(knots);
      for (let t = 0; t < span; t++) {
        knotOf[t] = Math.floor((t * knots) / span);
        stepsPerKnot[knotOf[t]]++;
      }
      blocks.push({ body, name, half: half as 0 | 1, knots, span, offset, knotOf, stepsPerKnot, spec });
      offset += 3 * knots;
    });
  }
  return blocks;
}

/** The rollout of one scene (one setting, one set of parameter values), kept while they repeat. */
interface PreparedRollout {
  key: string;
  scene: Scene;
  model: Model;
  state0: State;
  layout: RolloutLayout;
  base: Float64Array;
  run: (x: readonly Real[]) => Real[];
}

/**
 * The objective of `scene` (which must have an `objective` section: a SceneError says so
 * otherwise).
 *
 * @example
 * const obj = sceneObjective(parseSceneText(readFileSync('scenes/bounce-to-target.json', 'utf8')));
 * const { value, grad } = obj.lossAndGrad(obj.x0, { mode: 'soft', temperature: 1e-3 });
 */
export function sceneObjective(scene: Scene): SceneObjective {
  const spec = scene.objective;
  if (spec === undefined) {
    throw new SceneError([
      { path: 'objective', message: 'the scene has no objective: add one to optimize it (docs/scene-format.md)' },
    ]);
  }
  const bodies = pathBodies(scene);
  const quantity = parseQuantityPath(spec.of, bodies, 'objective.of');
  const params: ParamPath[] = spec.wrt.map((p) => parseParamPath(p, bodies, 'objective.wrt'));
  const np = params.length;
  const blocks = controlBlocks(scene, np);
  const controlBodies = [...new Set(blocks.map((b) => b.body))];
  const terms = compileTerms(scene, blocks);
  const names = [...spec.wrt];
  const x0 = params.map((p) => readParam(scene, p));
  const lower = spec.wrt.map((p) => spec.bounds[p]?.[0] ?? -Infinity);
  const upper = spec.wrt.map((p) => spec.bounds[p]?.[1] ?? Infinity);
  const typical = x0.map((v) => Math.max(Math.abs(v), 1));
  for (const b of blocks) {
    const start = b.spec.start ?? [0, 0, 0];
    const size = Math.max(...start.map(Math.abs), 1);
    for (let k = 0; k < b.knots; k++) {
      for (let c = 0; c < 3; c++) {
        names.push(`${b.name}.${b.half === 0 ? 'force' : 'torque'}[${k}].${'xyz'[c]}`);
        x0.push(start[c]);
        lower.push(b.spec.bounds?.[0] ?? -Infinity);
        upper.push(b.spec.bounds?.[1] ?? Infinity);
        typical.push(size);
      }
    }
  }
  const target = typeof spec.target === 'number' ? [spec.target] : [...spec.target];
  const sceneAt = (x: readonly number[], setting: ContactSetting = {}): Scene => {
    if (x.length !== names.length) throw new RangeError(`expected ${names.length} decision variables, got ${x.length}`);
    let s = scene;
    params.forEach((p, j) => (s = writeParam(s, p, x[j])));
    s = structuredClone(s);
    if (setting.mode !== undefined) s.contact.mode = setting.mode;
    // the contact margin follows the temperature (sim/model.ts) unless the scene fixes it
    if (setting.temperature !== undefined) s.contact.temperature = setting.temperature;
    return parseScene(s);
  };
  // the last rollout built: with controls only (no wrt) every evaluation of a setting reuses it
  let prepared: PreparedRollout | undefined;
  const prepare = (x: readonly number[], setting: ContactSetting = {}): PreparedRollout => {
    const key = JSON.stringify([x.slice(0, np), setting.mode, setting.temperature]);
    if (prepared?.key === key) return prepared;
    const s = sceneAt(x, setting);
    const model = buildModel(s);
    const state0 = initialState(model, s);
    const config = { model, steps: s.steps, controlBodies, record: terms.record };
    prepared = {
      key,
      scene: s,
      model,
      state0,
      layout: rolloutLayout(model.nbody, s.steps, controlBodies.length),
      base: rolloutInputs(config, state0.bodyQ, state0.bodyQd),
      run: rolloutPrimitive(config),
    };
    return prepared;
  };
  const controlAt = (x: readonly number[], model: Model) => {
    if (blocks.length === 0) return undefined;
    const wrench = new Float64Array(6 * model.nbody);
    const all = Array.from({ length: model.nbody }, (_, b) => b);
    return (t: number) => {
      wrench.fill(0);
      writeControls(wrench, 0, blocks, all, x, t);
      return wrench;
    };
  };
  const evaluate = (
    x: readonly number[],
    setting?: ContactSetting,
    onStep?: (scene: Scene, model: Model) => (t: number, s: State) => void,
  ): PlainEvaluation => {
    const p = prepare(x, setting);
    const state = cloneState(p.state0);
    const kept = new Map<number, State>();
    if (terms.record.includes(0)) kept.set(0, cloneState(state));
    const watch = onStep?.(p.scene, p.model);
    simulate(p.model, state, p.scene.steps, {
      control: controlAt(x, p.model),
      onStep: (t, s) => {
        if (t < p.scene.steps && terms.record.includes(t)) kept.set(t, cloneState(s));
        watch?.(t, s);
      },
    });
    const read = (q: QuantityPath, k: number) => readQuantity(k === p.scene.steps ? state : kept.get(k)!, q);
    const loss = terms.loss(read, x) as number;
    const miss = Math.sqrt(terms.loss(read, x, true) as number);
    return { loss, miss, final: readQuantity(state, quantity) };
  };
  return {
    of: spec.of,
    target,
    wrt: names,
    x0,
    bounds: { lower, upper },
    typical,
    hasControls: blocks.length > 0,
    tolerance: spec.tolerance ?? OBJECTIVE_TOLERANCE,
    ...(spec.maxLoss === undefined ? {} : { maxLoss: spec.maxLoss }),
    sceneAt,
    read: (state) => readQuantity(state, quantity),
    controlAt,
    final: (x, setting) => evaluate(x, setting).final,
    value: (x, setting) => evaluate(x, setting).loss,
    evaluate,
    lossAndGrad(x, setting) {
      const p = prepare(x, setting);
      const n = p.model.nbody;
      const width = (STATE_FIELDS.bodyQ + STATE_FIELDS.bodyQd) * n;
      const result = ad.valueAndGrad(
        (leaves) => {
          const inputs: Real[] = Array.from(p.base);
          applyParams(inputs, p.layout, p.scene, p.model, params, leaves);
          writeControlSteps(inputs, p.layout.controls, blocks, controlBodies, leaves, p.scene.steps);
          const y = p.run(inputs);
          return terms.loss((q, k) => {
            const block = k === p.scene.steps ? 0 : 1 + terms.record.indexOf(k);
            const at = block * width + stateOffset(n, q.body, q.field, q.component ?? 0);
            return y.slice(at, at + q.width);
          }, leaves);
        },
        x,
        { kinkTol: 1e-3 },
      );
      return { value: result.value, grad: result.grad, kinks: result.kinks };
    },
  };
}

/** Every step's controls into the rollout's inputs. */
function writeControlSteps(
  inputs: Real[],
  base: number,
  blocks: readonly ControlBlock[],
  bodies: readonly number[],
  x: readonly Real[],
  steps: number,
): void {
  if (blocks.length === 0) return;
  for (let t = 0; t < steps; t++) writeControls(inputs, base + 6 * bodies.length * t, blocks, bodies, x, t);
}
