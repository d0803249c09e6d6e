/**
 * The differentiable rollout (sim/rollout.ts) set up for the scripts that go beyond a
 * scene file's objective: per-step control wrenches on chosen bodies, states recorded
 * along the trajectory, and a traced body mass (inverse mass and inertia follow it). One
 * model per contact setting, built on first use and kept.
 */
import * as ad from '../../ad/index.ts';
import type { Real } from '../../ad/tape.ts';
import { buildModel, initialState } from '../../sim/builder.ts';
import type { Model } from '../../sim/model.ts';
import { rolloutInputs, rolloutLayout, rolloutPrimitive, type RolloutLayout } from '../../sim/rollout.ts';
import { shapeRow, sizeVector } from '../../sim/shapes.ts';
import type { Scene } from '../../sim/scene.ts';
import { withSetting, type Setting } from './problem.ts';

/** A rollout of one scene under one setting, ready to be fed traced inputs. */
export interface ControlledRollout {
  scene: Scene;
  model: Model;
  layout: RolloutLayout;
  /** every input at the model's own values, controls zero */
  base: Float64Array;
  /** the rollout primitive: inputs (layout) → [final q | final qd | recorded states] */
  run(x: readonly Real[]): Real[];
}

/**
 * Build (or fetch from `cache`) the rollout of `scene` under `setting` with controls on
 * `controlBodies` and the states after the steps in `record` as extra outputs.
 */
export function controlledRollout(
  cache: Map<string, ControlledRollout>,
  scene: Scene,
  setting: Setting,
  controlBodies: readonly number[],
  record: readonly number[] = [],
): ControlledRollout {
  const key = `${setting.mode}/${setting.temperature}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const s = withSetting(scene, setting);
  const model = buildModel(s);
  const state = initialState(model, s);
  const config = { model, steps: s.steps, controlBodies, record };
  const made: ControlledRollout = {
    scene: s,
    model,
    layout: rolloutLayout(model.nbody, s.steps, controlBodies.length),
    base: rolloutInputs(config, state.bodyQ, state.bodyQd),
    run: rolloutPrimitive(config),
  };
  cache.set(key, made);
  return made;
}

/** Index of the body called `name` in `scene`. */
export function bodyIndex(scene: Scene, name: string): number {
  const b = scene.bodies.findIndex((body) => body.name === name);
  if (b < 0) throw new RangeError(`no body '${name}' in the scene`);
  return b;
}

/**
 * Write a traced mass of body `b` into the rollout inputs: 1/m and the inverse principal
 * moments of its shape (its sim/shapes/ row's `solid.moments`).
 */
export function setBodyMass(x: Real[], L: RolloutLayout, scene: Scene, b: number, mass: Real): void {
  const shape = scene.bodies[b].shape;
  const solid = shapeRow(shape.type).solid;
  if (solid === null) throw new RangeError(`setBodyMass: a ${shape.type} has no mass`);
  const size = sizeVector(shape);
  x[L.invMass + b] = ad.div(1, mass);
  solid.moments(mass, size).forEach((I, k) => (x[L.invInertia + 3 * b + k] = ad.div(1, I)));
}
