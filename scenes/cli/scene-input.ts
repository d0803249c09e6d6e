/**
 * The scene a command runs: read from a file, validated, then overridden by the flags
 * (`--steps`, `--dt`, `--contact`, `--temperature`). Flags change the parsed Scene before
 * `buildModel`, so everything the builder derives follows them (the default contact
 * margin follows `--temperature`).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
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
  /** lift {@link INPUT_LIMITS} */
  allowLarge?: boolean;
  /** sanity.energyGrowth of the divergence monitor (sim/sanity.ts) */
  energyGrowth?: number;
  /** sanity.speedFactor of the divergence monitor (sim/sanity.ts) */
  speedFactor?: number;
  /** sanity.penetrationFactor of the divergence monitor (sim/sanity.ts) */
  penetrationFactor?: number;
}

/** The scene overrides among a command's flags (a command's own flags left out). */
export function overridesOf(flags: SceneOverrides): SceneOverrides {
  const { steps, dt, contact, temperature, allowLarge, energyGrowth, speedFactor, penetrationFactor } = flags;
  return { steps, dt, contact, temperature, allowLarge, energyGrowth, speedFactor, penetrationFactor };
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
 * Caps on the input, so that a hostile or mistaken input fails at once (exit 2) instead of
 * filling memory or running for days. `--allow-large` lifts them all.
 */
export const INPUT_LIMITS = Object.freeze({
  /** bytes of a scene file: 64 MiB holds ~200,000 bodies written out (boxes100.json is 30 kB) */
  sceneBytes: 64 * 1024 * 1024,
  /** bodies of a scene: 10,000 (the broadphase and a step's contacts grow with them) */
  bodies: 10_000,
  /** steps × bodies of a run: 1e9 body-steps is ~30 min of stepping at ~2 µs each */
  bodySteps: 1e9,
});

/** Read at most `limit` bytes (a device or pipe has no size to check first); null past it. */
function readCapped(file: string, limit: number): string | null {
  const fd = openSync(file, 'r');
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw Object.assign(new Error('it is a directory'), { code: 'EISDIR' });
    if (stat.isFile() && stat.size > limit) return null;
    const chunks: Buffer[] = [];
    let total = 0;
    const chunk = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > limit) return null;
      chunks.push(Buffer.from(chunk.subarray(0, n)));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Read and validate a scene file. An unreadable file, or one larger than
 * {@link INPUT_LIMITS} allows (unless `allowLarge`), is a {@link UsageError}; invalid JSON
 * or an invalid scene is a SceneError whose message starts with the file name and names
 * the JSON path of every problem.
 */
export function readSceneFile(file: string, allowLarge = false): Scene {
  let text: string | null;
  const limit = allowLarge ? Infinity : INPUT_LIMITS.sceneBytes;
  try {
    text = readCapped(file, limit);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
    throw new UsageError(`cannot read scene file '${file}': ${reason}`);
  }
  if (text === null) {
    throw new UsageError(
      `scene file '${file}' is larger than ${INPUT_LIMITS.sceneBytes / 1024 / 1024} MiB (INPUT_LIMITS.sceneBytes); pass --allow-large if it really is a scene`,
    );
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
  if (overrides.energyGrowth !== undefined) out.sanity = { ...out.sanity, energyGrowth: overrides.energyGrowth };
  if (overrides.speedFactor !== undefined) out.sanity = { ...out.sanity, speedFactor: overrides.speedFactor };
  if (overrides.penetrationFactor !== undefined)
    out.sanity = { ...out.sanity, penetrationFactor: overrides.penetrationFactor };
  return out;
}

/**
 * Throw a {@link UsageError} if `scene` (flags applied) is beyond {@link INPUT_LIMITS}:
 * too many bodies, or too many steps × bodies.
 */
export function checkSceneLimits(scene: Scene, file: string): void {
  const nbody = scene.bodies.length;
  if (nbody > INPUT_LIMITS.bodies) {
    throw new UsageError(
      `${file}: ${nbody} bodies, more than the ${INPUT_LIMITS.bodies} allowed (INPUT_LIMITS.bodies); pass --allow-large to run it anyway`,
    );
  }
  const work = nbody * scene.steps;
  if (work > INPUT_LIMITS.bodySteps) {
    throw new UsageError(
      `${file}: ${scene.steps} steps × ${nbody} bodies = ${work.toExponential(2)} body-steps, more than the ${INPUT_LIMITS.bodySteps.toExponential(0)} allowed (INPUT_LIMITS.bodySteps); lower --steps or pass --allow-large`,
    );
  }
}

/**
 * Throw a {@link UsageError} if a sweep of `points` grid points over `modes` contact modes
 * of `scene` is beyond {@link INPUT_LIMITS}: each point is at least one rollout, so the run
 * is points × modes × steps × bodies body-steps (`--n 1000000000` would otherwise start
 * a billion rollouts).
 */
export function checkSweepLimits(scene: Scene, points: number, modes: number, file: string): void {
  const work = points * modes * scene.steps * scene.bodies.length;
  if (work > INPUT_LIMITS.bodySteps) {
    throw new UsageError(
      `${file}: ${points} points × ${modes} contact mode${modes === 1 ? '' : 's'} × ${scene.steps} steps × ${scene.bodies.length} bodies = ${work.toExponential(2)} body-steps, more than the ${INPUT_LIMITS.bodySteps.toExponential(0)} allowed (INPUT_LIMITS.bodySteps); lower --n or --steps, or pass --allow-large`,
    );
  }
}

/** Read a scene file and apply the flags: the scene a command runs (within {@link INPUT_LIMITS} unless `allowLarge`). */
export function loadScene(file: string, overrides: SceneOverrides): Scene {
  const scene = applyOverrides(readSceneFile(file, overrides.allowLarge), overrides);
  if (overrides.allowLarge !== true) checkSceneLimits(scene, file);
  return scene;
}
