/**
 * The scene a command runs: read from a file, validated, then overridden by the flags
 * (`--steps`, `--dt`, `--contact`, `--temperature`). Flags change the parsed Scene before
 * `buildModel`, so everything the builder derives follows them (the default contact
 * margin follows `--temperature`).
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { CONTACT_MODES, type ContactMode } from '../../sim/model.ts';
import { parseSceneText, type Scene } from '../../sim/scene.ts';
import { SceneError } from '../../sim/errors.ts';
import { UsageError } from './errors.ts';

/** The flags that override a scene file; absent ones leave the file's value. */
export interface SceneOverrides {
  /** number of steps */
  steps?: number;
  /** time step, s */
  dt?: number;
  /** contact mode */
  contact?: ContactMode;
  /** soft-contact temperature, m */
  temperature?: number;
}

// a plain decimal number: rejects '', '0x10', 'Infinity' and trailing junk that Number() would accept
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseDecimal(text: string): number {
  const value = DECIMAL.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isFinite(value)) throw new InvalidArgumentError(`'${text}' is not a number.`);
  return value;
}

/** Commander argument parser: a finite number > 0 (e.g. `--dt`, `--temperature`). */
export function positiveNumber(text: string): number {
  const value = parseDecimal(text);
  if (!(value > 0)) throw new InvalidArgumentError(`must be > 0, got ${text}.`);
  return value;
}

/** Commander argument parser: a finite number ≥ 0 (e.g. `--kink-tol`). */
export function nonNegativeNumber(text: string): number {
  const value = parseDecimal(text);
  if (!(value >= 0)) throw new InvalidArgumentError(`must be >= 0, got ${text}.`);
  return value;
}

/** Commander argument parser: an integer ≥ 0 (e.g. `--steps`). */
export function stepCount(text: string): number {
  const value = parseDecimal(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(`must be a whole number >= 0, got ${text}.`);
  }
  return value;
}

/** Commander argument parser: one of the contact modes. */
export function contactMode(text: string): ContactMode {
  if (!(CONTACT_MODES as readonly string[]).includes(text)) {
    throw new InvalidArgumentError(`unknown contact mode '${text}'; valid: ${CONTACT_MODES.join(', ')}.`);
  }
  return text as ContactMode;
}

/**
 * Read and validate a scene file. An unreadable file is a {@link UsageError}; invalid JSON
 * or an invalid scene is a SceneError whose message starts with the file name and names
 * the JSON path of every problem.
 */
export function readSceneFile(file: string): Scene {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
    throw new UsageError(`cannot read scene file '${file}': ${reason}`);
  }
  try {
    return parseSceneText(text);
  } catch (err) {
    if (err instanceof SceneError) throw new SceneError(err.issues, `${file}: invalid scene`);
    throw err;
  }
}

/**
 * A copy of `scene` with the flags applied (the input is not modified). The flags were
 * validated by their parsers, so the result is a valid scene.
 *
 * @example
 * const effective = applyOverrides(scene, { steps: 500, contact: 'penalty' });
 */
export function applyOverrides(scene: Scene, overrides: SceneOverrides): Scene {
  const out = structuredClone(scene);
  if (overrides.steps !== undefined) out.steps = overrides.steps;
  if (overrides.dt !== undefined) out.dt = overrides.dt;
  if (overrides.contact !== undefined) out.contact.mode = overrides.contact;
  if (overrides.temperature !== undefined) out.contact.temperature = overrides.temperature;
  return out;
}

/** Read a scene file and apply the flags: the scene a command runs. */
export function loadScene(file: string, overrides: SceneOverrides): Scene {
  return applyOverrides(readSceneFile(file), overrides);
}
