/**
 * Randomized smoothing of a rollout loss f: the gradient of the Gaussian-smoothed loss
 * f_σ(x) = E_ε[f(x + σ∘ε)], ε ~ N(0, I), which exists and is informative where f itself is
 * flat or jumps (a pusher out of contact, a hard bounce). Two unbiased estimators, both with
 * antithetic pairs ±ε (they cancel the odd part of the noise):
 *
 * - first order:  ∇f_σ(x) ≈ (1/2N) Σ_i [∇f(x + σ∘ε_i) + ∇f(x − σ∘ε_i)]   (AD gradients)
 * - zeroth order: ∇f_σ(x) ≈ (1/N) Σ_i [f(x + σ∘ε_i) − f(x − σ∘ε_i)] / 2 · ε_i / σ
 *                 (values only: works even where AD gives a branch derivative or zero)
 *
 * The 2N rollouts are independent, so they run on worker threads (node:worker_threads, one
 * per core by default). A worker cannot receive a closure, so it rebuilds the objective
 * itself: the caller names a module, an exported factory and a structured-cloneable spec,
 * and each worker imports the module and calls `factory(spec)` once. The perturbations are
 * drawn on the calling thread from a seeded generator, so the estimate does not depend on
 * the number of threads or on scheduling.
 *
 * This file is also the workers' entry point (see the end): sim/ stays free of any
 * knowledge of who supplies the objective.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Bounds, ValueGrad } from '../ad/optim/types.ts';
import type { Rng } from '../ad/random.ts';

/** The objective a worker evaluates: the loss, and its AD gradient when asked for. */
export interface BatchObjective {
  /** the loss at `x` under `setting` (an opaque, structured-cloneable value the caller defines) */
  value(x: number[], setting: unknown): number;
  /** the loss and its gradient at `x` */
  valueAndGrad(x: number[], setting: unknown): ValueGrad;
  /**
   * a job of the caller's own started at `x` (e.g. a local optimization from a start of a
   * multi-start search), run by {@link BatchEvaluator.run}; its result must be structured-cloneable
   */
  run?(x: number[], setting: unknown): unknown;
}

/** A factory a worker calls with the caller's spec to build its objective. */
export type BatchObjectiveFactory = (spec: unknown) => BatchObjective | Promise<BatchObjective>;

/** Evaluates many points at once, possibly in parallel. */
export interface BatchEvaluator {
  /** threads the points are spread over */
  readonly threads: number;
  /** value (and gradient if `withGrad`, else an empty grad) at every point, in order */
  evaluate(points: number[][], withGrad: boolean, setting: unknown): Promise<ValueGrad[]>;
  /**
   * the objective's own `run` job at every point, in order; each point goes to the next free
   * worker (jobs of very different lengths, such as local optimizations, stay balanced).
   * With `here` (the same job as a function), the calling thread takes points too, between
   * the workers' replies: its code is already warm while new workers still load and compile
   * theirs, so a short batch is not slower than on the calling thread alone
   */
  run(points: number[][], setting: unknown, here?: (x: number[]) => unknown): Promise<unknown[]>;
  /** stop the workers (an inline evaluator has none) */
  close(): Promise<void>;
}

/**
 * Evaluate on the calling thread: the reference the worker pool must agree with, and the
 * fallback for tiny batches.
 *
 * @example
 * const ev = inlineEvaluator({ value: f, valueAndGrad: (x) => valueAndGrad(f, x) });
 */
export function inlineEvaluator(objective: BatchObjective): BatchEvaluator {
  return {
    threads: 1,
    evaluate: async (points, withGrad, setting) =>
      points.map((x) =>
        withGrad ? objective.valueAndGrad(x, setting) : { value: objective.value(x, setting), grad: [] },
      ),
    run: async (points, setting) => points.map((x) => runJob(objective, x, setting)),
    close: async () => {},
  };
}

/** Where a worker finds its objective. */
export interface WorkerObjectiveSource {
  /** URL (file:) of an ES module exporting the factory */
  module: string;
  /** name of the exported {@link BatchObjectiveFactory} */
  factory: string;
  /** argument of the factory; must survive structuredClone */
  spec: unknown;
}

/** Marks this file's workers, so importing it in any other worker does nothing. */
const WORKER_TAG = 'diffcontact/smoothing-worker';

interface Request {
  points: number[][];
  /** 'value', 'grad' (value and gradient) or 'run' (the objective's own job) */
  op: 'value' | 'grad' | 'run';
  setting: unknown;
}
type Reply = { ok: true; results: unknown[] } | { ok: false; message: string };

/** The objective's `run` job at `x`; an objective without one cannot serve {@link BatchEvaluator.run}. */
function runJob(objective: BatchObjective, x: number[], setting: unknown): unknown {
  if (objective.run === undefined) throw new Error('BatchEvaluator.run: the objective has no run(x, setting) job');
  return objective.run(x, setting);
}

/**
 * The URL of the module `stem` (relative, without extension) next to `base`, with the
 * extension `base` has: `.ts` when running the sources, `.js` in the compiled package. A
 * worker's objective module is named this way, since only import specifiers are rewritten
 * by the build.
 *
 * @example
 * siblingModule('./registry', import.meta.url); // …/registry.ts, or …/registry.js in dist/
 */
export function siblingModule(stem: string, base: string): string {
  return new URL(`${stem}${base.endsWith('.ts') ? '.ts' : '.js'}`, base).href;
}

/**
 * The file URL of tsx's ESM loader API (`tsx/esm/api`), resolved from this package: its
 * package.json found by the CommonJS resolver, the entry read from its `exports` map.
 */
function tsxEsmApiUrl(): string {
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const exports = (
    JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> }
  ).exports;
  return pathToFileURL(join(dirname(manifest), exports['./esm/api'].import.default)).href;
}

/**
 * A pool of `threads` workers (default: every core, `os.availableParallelism()`), each
 * holding the objective built from `source`. A batch is split into one contiguous chunk
 * per worker. From the sources the workers run TypeScript through tsx; from dist/, plain JavaScript.
 *
 * @example
 * const pool = workerEvaluator({ module: new URL('./problems.ts', import.meta.url).href, factory: 'objectiveOf', spec: { name: 'push-box' } });
 * try { await smoothedGradient(pool, x, setting, opts); } finally { await pool.close(); }
 */
export function workerEvaluator(source: WorkerObjectiveSource, threads = availableParallelism()): BatchEvaluator {
  if (!(Number.isInteger(threads) && threads >= 1))
    throw new RangeError(`workerEvaluator: threads must be an integer ≥ 1, got ${threads}`);
  // a worker starts as plain JavaScript: the compiled package (dist/) loads this file as is;
  // in a checkout running the TypeScript sources, register tsx's loader first. An eval'd
  // worker resolves bare names from the working directory, not from this package, so it
  // gets tsx by the absolute URL resolved here (works from any folder)
  const self = JSON.stringify(import.meta.url);
  const boot = import.meta.url.endsWith('.ts')
    ? `import(${JSON.stringify(tsxEsmApiUrl())}).then((tsx) => { tsx.register(); return import(${self}); });`
    : `import(${self});`;
  const workers = Array.from(
    { length: threads },
    () => new Worker(boot, { eval: true, workerData: { tag: WORKER_TAG, source } }),
  );
  const ask = (w: Worker, request: Request): Promise<unknown[]> =>
    new Promise((resolve, reject) => {
      const onError = (err: Error) => {
        w.off('message', onMessage);
        reject(err);
      };
      const onMessage = (reply: Reply) => {
        w.off('error', onError);
        if (reply.ok) resolve(reply.results);
        else reject(new Error(reply.message));
      };
      w.once('message', onMessage);
      w.once('error', onError);
      w.postMessage(request);
    });
  let busy = false;
  // one request per worker at a time keeps replies matched to requests without ids
  const exclusive = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    if (busy) throw new Error(`workerEvaluator: ${what}() called again before the previous batch finished`);
    busy = true;
    try {
      return await work();
    } finally {
      busy = false;
    }
  };
  return {
    threads,
    evaluate: (points, withGrad, setting) =>
      exclusive('evaluate', async () => {
        const chunk = Math.ceil(points.length / threads);
        const parts = workers
          .map((w, k) => ({ w, slice: points.slice(k * chunk, (k + 1) * chunk) }))
          .filter((p) => p.slice.length > 0)
          .map((p) => ask(p.w, { points: p.slice, op: withGrad ? 'grad' : 'value', setting }));
        return (await Promise.all(parts)).flat() as ValueGrad[];
      }),
    run: (points, setting, here) =>
      exclusive('run', async () => {
        const results = new Array<unknown>(points.length);
        let next = 0;
        // each worker takes the next point as soon as it is free
        const drain = async (w: Worker): Promise<void> => {
          for (let i = next++; i < points.length; i = next++)
            [results[i]] = await ask(w, { points: [points[i]], op: 'run', setting });
        };
        // the calling thread: one point at a time, yielding first so that the workers'
        // replies are handled and they get their next points before it blocks again
        const drainHere = async (job: (x: number[]) => unknown): Promise<void> => {
          for (;;) {
            await new Promise<void>((resolve) => setImmediate(resolve));
            const i = next++;
            if (i >= points.length) return;
            results[i] = job(points[i]);
          }
        };
        await Promise.all([...workers.map(drain), ...(here === undefined ? [] : [drainHere(here)])]);
        return results;
      }),
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/** Settings of {@link smoothedGradient}. */
export interface SmoothingOptions {
  /** 'first' (average AD gradients) or 'zeroth' (value differences only) */
  order: 'first' | 'zeroth';
  /** standard deviation of the perturbation of each parameter, in its units */
  sigma: readonly number[];
  /** antithetic pairs per estimate (2 × samples rollouts) */
  samples: number;
  /** the seeded stream the perturbations come from (ad/random.ts) */
  rng: Rng;
  /** perturbed points are projected onto this box (the smoothing of f∘P), so every rollout is a valid scene */
  bounds?: Bounds;
}

/** A smoothed estimate: mean loss over the perturbed points, and the gradient estimate. */
export interface SmoothedGradient {
  /** the Monte-Carlo estimate of f_σ(x) */
  value: number;
  grad: number[];
  /** rollouts run */
  evaluations: number;
}

/**
 * Estimate ∇f_σ(x) by randomized smoothing (module comment), evaluating the 2·samples
 * perturbed rollouts with `evaluator`.
 *
 * @example
 * const rng = seededRng(1);
 * const { grad } = await smoothedGradient(inlineEvaluator(obj), [0, 0], null, { order: 'zeroth', sigma: [0.1, 0.1], samples: 16, rng });
 */
export async function smoothedGradient(
  evaluator: BatchEvaluator,
  x: readonly number[],
  setting: unknown,
  opts: SmoothingOptions,
): Promise<SmoothedGradient> {
  const n = x.length;
  const { sigma, samples } = opts;
  if (sigma.length !== n)
    throw new RangeError(`smoothedGradient: sigma has ${sigma.length} entries for ${n} parameters`);
  if (!(Number.isInteger(samples) && samples >= 1))
    throw new RangeError(`smoothedGradient: samples must be an integer ≥ 1, got ${samples}`);
  const eps: number[][] = [];
  const points: number[][] = [];
  for (let i = 0; i < samples; i++) {
    const e = Array.from({ length: n }, () => opts.rng.normal());
    eps.push(e);
    for (const sign of [1, -1]) {
      points.push(x.map((xj, j) => clampTo(xj + sign * sigma[j] * e[j], j, opts.bounds)));
    }
  }
  const results = await evaluator.evaluate(points, opts.order === 'first', setting);
  const grad = new Array<number>(n).fill(0);
  let value = 0;
  for (const r of results) value += r.value;
  for (let i = 0; i < samples; i++) {
    const plus = results[2 * i];
    const minus = results[2 * i + 1];
    for (let j = 0; j < n; j++) {
      grad[j] +=
        opts.order === 'first'
          ? (plus.grad[j] + minus.grad[j]) / (2 * samples)
          : (((plus.value - minus.value) / 2) * (eps[i][j] / sigma[j])) / samples;
    }
  }
  return { value: value / results.length, grad, evaluations: results.length };
}

function clampTo(v: number, j: number, bounds: Bounds | undefined): number {
  return bounds === undefined ? v : Math.min(Math.max(v, bounds.lower[j]), bounds.upper[j]);
}

// ---- worker side -------------------------------------------------------------------------
// runs only inside a worker started by workerEvaluator: build the objective once, then
// answer one batch per message
if (!isMainThread && parentPort !== null && (workerData as { tag?: string } | null)?.tag === WORKER_TAG) {
  const port = parentPort;
  const { source } = workerData as { source: WorkerObjectiveSource };
  const objective: Promise<BatchObjective> = import(source.module).then((mod: Record<string, unknown>) => {
    const factory = mod[source.factory];
    if (typeof factory !== 'function')
      throw new Error(`${source.module} does not export a function '${source.factory}'`);
    return (factory as BatchObjectiveFactory)(source.spec);
  });
  port.on('message', (request: Request) => {
    objective
      .then((obj): Reply => ({
        ok: true,
        results: request.points.map((x) =>
          request.op === 'run'
            ? runJob(obj, x, request.setting)
            : request.op === 'grad'
              ? obj.valueAndGrad(x, request.setting)
              : { value: obj.value(x, request.setting), grad: [] },
        ),
      }))
      .catch((err: unknown): Reply => ({ ok: false, message: err instanceof Error ? err.message : String(err) }))
      .then((reply) => port.postMessage(reply));
  });
}
