/**
 * Per-step control wrenches by body name, the public form of the rollout's flat control
 * block (sim/driver/inputs.ts `rolloutLayout`: steps × bodies × [force | torque], world frame).
 */
import type { Scene, Vec3 } from '../sim/scene.ts';
import { ArgumentError, describe } from './arguments.ts';

/**
 * One of a body's per-step vectors (world frame): the same `[x, y, z]` at every step, an
 * array with one `[x, y, z]` per step, or a function of the step index `t` (0-based: the
 * wrench acts during step t, from time t·dt to (t+1)·dt).
 */
export type ControlSignal = Vec3 | readonly Vec3[] | ((t: number) => Vec3);

/** The control of one body: a force (N, through the centre of mass) and a torque (N·m). */
export interface BodyControl {
  force?: ControlSignal;
  torque?: ControlSignal;
}

/** Controls by body name, e.g. `{ pusher: { force: (t) => [2, 0, 0] } }`. */
export type Controls = Record<string, BodyControl>;

/** Controls resolved against a scene: body indices and a (steps × bodies × 6) block. */
export interface ResolvedControls {
  /** the controlled bodies' names, in the block's order */
  names: string[];
  /** their indices in the scene */
  bodies: number[];
  /** steps × bodies × [fx, fy, fz, τx, τy, τz] */
  values: Float64Array;
}

function vectorAt(signal: ControlSignal, t: number, steps: number, argument: string): Vec3 {
  let v: unknown;
  if (typeof signal === 'function') v = signal(t);
  else if (Array.isArray(signal) && signal.length > 0 && Array.isArray(signal[0])) {
    if (signal.length !== steps)
      throw new ArgumentError(argument, `expected one vector per step (${steps}), got ${signal.length}`);
    v = signal[t];
  } else v = signal;
  if (!Array.isArray(v) || v.length !== 3 || !v.every((c) => typeof c === 'number' && Number.isFinite(c))) {
    const where =
      typeof signal === 'function'
        ? `${argument}(${t})`
        : Array.isArray(signal) && Array.isArray(signal[0])
          ? `${argument}[${t}]`
          : argument;
    throw new ArgumentError(
      where,
      `expected [x, y, z] of finite numbers, got ${describe(v)}${Array.isArray(v) ? ` [${v.join(', ')}]` : ''}`,
    );
  }
  return v as Vec3;
}

/**
 * Check `controls` against `scene` (every name a dynamic body, every vector finite) and
 * lay them out for a rollout of `steps` steps.
 */
export function resolveControls(
  scene: Scene,
  controls: Controls | undefined,
  steps: number,
  argument = 'options.controls',
): ResolvedControls {
  if (controls === undefined) return { names: [], bodies: [], values: new Float64Array(0) };
  if (controls === null || typeof controls !== 'object' || Array.isArray(controls)) {
    throw new ArgumentError(argument, `expected an object of controls by body name, got ${describe(controls)}`);
  }
  const names = Object.keys(controls);
  const bodies = names.map((name) => {
    const b = scene.bodies.findIndex((body) => body.name === name);
    if (b < 0)
      throw new ArgumentError(
        `${argument}.${name}`,
        `no body '${name}' in the scene (bodies: ${scene.bodies.map((x) => x.name).join(', ')})`,
      );
    if (scene.bodies[b].static)
      throw new ArgumentError(`${argument}.${name}`, `'${name}' is static: a control would not move it`);
    return b;
  });
  const values = new Float64Array(steps * names.length * 6);
  names.forEach((name, j) => {
    const c = controls[name];
    if (c === null || typeof c !== 'object')
      throw new ArgumentError(`${argument}.${name}`, `expected { force?, torque? }, got ${describe(c)}`);
    for (const key of Object.keys(c)) {
      if (key !== 'force' && key !== 'torque')
        throw new ArgumentError(`${argument}.${name}.${key}`, 'unknown key: a body control has force and torque');
    }
    (['force', 'torque'] as const).forEach((kind, half) => {
      const signal = c[kind];
      if (signal === undefined) return;
      for (let t = 0; t < steps; t++) {
        const v = vectorAt(signal, t, steps, `${argument}.${name}.${kind}`);
        values.set(v, (t * names.length + j) * 6 + 3 * half);
      }
    });
  });
  return { names, bodies, values };
}
