/**
 * What travels through Redis: a job's payload and its result, encoded so that every number
 * comes back bit for bit (JSON alone turns NaN and ±Infinity into null and −0 into 0, and a
 * NaN loss must stay a NaN, not become a 0), and the module a worker builds its objective
 * from, named relative to the package so another machine's checkout or install finds it.
 */
import { createHash } from 'node:crypto';
import type { WorkerObjectiveSource } from '../../sim/smoothing.ts';

/** Tag of an encoded number JSON cannot hold (`{"$n":"NaN"}`, `"-0"`, `"Infinity"`, `"-Infinity"`). */
const NUMBER_TAG = '$n';

/**
 * JSON text of `value` in which non-finite numbers and −0 survive the round trip through
 * {@link decodeExact}; finite numbers are written as JavaScript's shortest round-trip form.
 *
 * @example
 * decodeExact(encodeExact([NaN, -0, 1 / 3])); // [NaN, -0, 0.3333333333333333]
 */
export function encodeExact(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))
      ? { [NUMBER_TAG]: Object.is(v, -0) ? '-0' : String(v) }
      : v,
  );
}

/** The value {@link encodeExact} wrote. */
export function decodeExact(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === NUMBER_TAG) return Number((v as Record<string, string>)[NUMBER_TAG]);
    }
    return v;
  });
}

/**
 * The folder the package's modules are resolved against: the checkout root when running the
 * TypeScript sources (this file is scenes/cluster/wire.ts), dist/ in the compiled package
 * (dist/scenes/cluster/wire.js). Both hold scenes/, sim/, api/ at the same relative paths.
 */
const CODE_ROOT = new URL('../../', import.meta.url);
/** `.ts` from the sources, `.js` from dist/. */
const OWN_EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
/** Prefix of a module named relative to the package. */
const PACKAGE_PREFIX = 'diffcontact:';

/**
 * A module URL as another machine can resolve it: `diffcontact:scenes/optimize/registry`
 * for a module of this package (no extension: a worker running the sources adds `.ts`, one
 * running dist/ `.js`), the URL unchanged otherwise (it must then exist at that path on
 * every worker).
 *
 * @example
 * portableModule(new URL('../optimize/registry.ts', import.meta.url).href); // 'diffcontact:scenes/optimize/registry'
 */
export function portableModule(url: string): string {
  const root = CODE_ROOT.href;
  if (!url.startsWith(root)) return url;
  return PACKAGE_PREFIX + url.slice(root.length).replace(/\.(ts|js)$/, '');
}

/** The URL of a module named by {@link portableModule}, in this process's own package. */
export function localModule(id: string): string {
  return id.startsWith(PACKAGE_PREFIX) ? new URL(id.slice(PACKAGE_PREFIX.length) + OWN_EXTENSION, CODE_ROOT).href : id;
}

/** An objective source with its module named portably. */
export function portableSource(source: WorkerObjectiveSource): WorkerObjectiveSource {
  return { ...source, module: portableModule(source.module) };
}

/**
 * The identity of an objective: a hash of its portable module, factory and spec (the scene
 * and problem). Workers keep built objectives under it, so a scene is built once per worker
 * process, not once per job.
 */
export function sourceKey(source: WorkerObjectiveSource): string {
  return createHash('sha256')
    .update(encodeExact([portableModule(source.module), source.factory, source.spec]))
    .digest('hex')
    .slice(0, 16);
}

/** What a job asks: evaluate its points (value, or value and gradient) or run the objective's own job at each. */
export type JobOp = 'value' | 'grad' | 'run';

/** A job's payload (the `payload` field of its data, encoded with {@link encodeExact}). */
export interface JobPayload {
  source: WorkerObjectiveSource;
  op: JobOp;
  points: number[][];
  setting: unknown;
}

/** A job's data in Redis: small fields in the clear (they show in Redis tools), the rest encoded. */
export interface JobData {
  /** the client's package version: a worker of another version refuses the job (its numbers could differ) */
  version: string;
  /** {@link sourceKey} of the payload's source */
  key: string;
  /** index of the job's first point in its batch */
  first: number;
  /** {@link JobPayload}, {@link encodeExact}-encoded */
  payload: string;
}

/** A job's result (its return value, {@link encodeExact}-encoded). */
export interface JobResult {
  /** one result per point of the job, in order */
  results: unknown[];
  /** `host:pid` of the worker process that computed it */
  worker: string;
}
