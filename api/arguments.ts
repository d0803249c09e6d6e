/**
 * The public API's argument checks: every function of api/ validates what it is given
 * and throws an {@link ArgumentError} naming the argument (`options.steps`,
 * `options.controls.pusher.force[12]`) instead of failing deep inside the simulator with a
 * typed-array RangeError. Scene content is checked by the scene schema (sim/scene.ts) and
 * fails with a SceneError naming the JSON path.
 */
import { readFileSync } from 'node:fs';
import { SceneError } from '../sim/errors.ts';
import { CONTACT_MODES, type ContactMode } from '../sim/model.ts';
import { parseScene, parseSceneText, type Scene, type SceneInput } from '../sim/scene.ts';

/** A bad argument of a public function: `argument` names it as the caller wrote it. */
export class ArgumentError extends TypeError {
  readonly argument: string;
  constructor(argument: string, message: string) {
    super(`${argument}: ${message}`);
    this.name = 'ArgumentError';
    this.argument = argument;
  }
}

/** What the API accepts as a scene: a parsed scene, scene JSON as an object, or a file path. */
export type SceneSource = Scene | SceneInput | string;

/**
 * Validate a scene and apply its defaults (a path is read as a JSON file). Throws a
 * SceneError naming every bad JSON path, an ArgumentError for anything that is not a scene.
 *
 * @example
 * const scene = loadScene('scenes/ball-drop.json');
 * const same = loadScene({ bodies: [{ name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 1 }] });
 */
export function loadScene(source: SceneSource, argument = 'scene'): Scene {
  if (typeof source === 'string') {
    let text: string;
    try {
      text = readFileSync(source, 'utf8');
    } catch (err) {
      throw new ArgumentError(
        argument,
        `cannot read scene file '${source}' (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
    }
    try {
      return parseSceneText(text);
    } catch (err) {
      if (err instanceof SceneError) err.message = `${source}: ${err.message}`;
      throw err;
    }
  }
  if (source === null || typeof source !== 'object' || Array.isArray(source)) {
    throw new ArgumentError(argument, `expected a scene object or a scene file path, got ${describe(source)}`);
  }
  return parseScene(source);
}

/** A short description of a value for a message: its type, and the value when it is short. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (typeof value === 'string') return `string '${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  return typeof value;
}

/** `value` if it is a plain object (or undefined, then `{}`), else an ArgumentError. */
export function optionsObject<T extends object>(value: T | undefined, argument = 'options'): T {
  if (value === undefined) return {} as T;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ArgumentError(argument, `expected an options object, got ${describe(value)}`);
  }
  return value;
}

/** A whole number ≥ `min`. */
export function wholeNumber(value: unknown, argument: string, min = 0): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ArgumentError(argument, `expected a whole number ≥ ${min}, got ${describe(value)}`);
  }
  return value;
}

/** A finite number > 0. */
export function positiveNumber(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ArgumentError(argument, `expected a finite number > 0, got ${describe(value)}`);
  }
  return value;
}

/** A finite number. */
export function finiteNumber(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new ArgumentError(argument, `expected a finite number, got ${describe(value)}`);
  return value;
}

/** One of the contact modes. */
export function contactMode(value: unknown, argument: string): ContactMode {
  if (typeof value !== 'string' || !(CONTACT_MODES as readonly string[]).includes(value)) {
    throw new ArgumentError(argument, `expected one of ${CONTACT_MODES.join(', ')}, got ${describe(value)}`);
  }
  return value as ContactMode;
}

/** A non-empty string. */
export function pathString(value: unknown, argument: string): string {
  if (typeof value !== 'string' || value === '')
    throw new ArgumentError(argument, `expected a path string such as 'ball.position.z', got ${describe(value)}`);
  return value;
}

/** A list of path strings (at least `min`). */
export function pathList(value: unknown, argument: string, min = 1): string[] {
  if (!Array.isArray(value))
    throw new ArgumentError(argument, `expected an array of path strings, got ${describe(value)}`);
  if (value.length < min) throw new ArgumentError(argument, `name at least ${min} path${min === 1 ? '' : 's'}`);
  return value.map((p, k) => pathString(p, `${argument}[${k}]`));
}

/** The scene-level overrides every running function accepts (the CLI's flags). */
export interface SceneOverrides {
  /** number of steps (default: the scene's) */
  steps?: number;
  /** time step, s (default: the scene's) */
  dt?: number;
  /** contact model (default: the scene's) */
  contact?: ContactMode;
  /** soft-contact temperature, m (default: the scene's) */
  temperature?: number;
}

/** `scene` with the validated overrides of `options` applied (a new scene; the input is not modified). */
export function withOverrides(scene: Scene, options: SceneOverrides, argument = 'options'): Scene {
  const out: Scene = { ...scene, contact: { ...scene.contact } };
  if (options.steps !== undefined) out.steps = wholeNumber(options.steps, `${argument}.steps`, 1);
  if (options.dt !== undefined) out.dt = positiveNumber(options.dt, `${argument}.dt`);
  if (options.contact !== undefined) out.contact.mode = contactMode(options.contact, `${argument}.contact`);
  if (options.temperature !== undefined)
    out.contact.temperature = positiveNumber(options.temperature, `${argument}.temperature`);
  return out;
}
