/**
 * `diffcontact optimize <scene-name | scene.json>`: run a strategy on a named
 * optimization scene (scenes/optimize/) or on a scene file's `objective`, verify the
 * result by simulating it, print a summary (or one JSON document with `--json`) and write
 * out/<scene>/result.json, trajectory.json and loss.svg (files.ts: the folder is locked
 * for the run, and the three files appear together: out/<scene> links to the latest
 * complete run's folder, replaced by one rename). A progress bar (cli-progress)
 * shows on a terminal only, never with `--json`.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import cliProgress from 'cli-progress';
import type { ContactMode } from '../../sim/model.ts';
import { UnsupportedGradientError } from '../../sim/contact/geometry-features.ts';
import {
  defaultIters,
  describeStages,
  optimize,
  optimizeReport,
  OUTPUT_FILES,
  writeOutputs,
  type OptimizeRun,
} from '../optimize/driver.ts';
import { sceneFileProblem, type OptimizationProblem } from '../optimize/problem.ts';
import { PROBLEM_NAMES, type StrategyName } from '../optimize/names.ts';
import { namedProblem } from '../optimize/registry.ts';
import { autoLadder } from '../optimize/auto.ts';
import { UsageError } from './errors.ts';
import { canonicalPath, claimOutputFolder, refuseInputAsOutput, type OutputFolder } from './files.ts';
import { loadScene, overridesOf, type SceneOverrides } from './scene-input.ts';

/** The flags of `optimize`. */
export interface OptimizeFlags extends Pick<
  SceneOverrides,
  'steps' | 'dt' | 'temperature' | 'allowLarge' | 'energyGrowth' | 'speedFactor' | 'penetrationFactor'
> {
  iters?: number;
  contact?: ContactMode;
  /** default: auto */
  strategy?: StrategyName;
  order?: 'first' | 'zeroth';
  samples?: number;
  seed?: number;
  threads?: number;
  starts?: number;
  /** auto: seconds after which no further strategy starts */
  budget?: number;
  /** redis:// URL: smoothing, multistart and sampling batches run as jobs there (scenes/cluster/) */
  cluster?: string;
  out?: string;
  json?: boolean;
}

/**
 * The problem `target` names: a scene file (a path ending in .json, or any existing file)
 * with an objective, or one of the named scenes. Scene flags apply to a scene file only.
 */
export function resolveProblem(target: string, flags: OptimizeFlags): OptimizationProblem {
  if (isSceneFile(target)) {
    const scene = loadScene(target, { ...overridesOf(flags), contact: undefined });
    if (scene.objective === undefined)
      throw new UsageError(`${target}: the scene has no "objective" section to optimize (docs/scene-format.md)`);
    return sceneFileProblem(basename(target, '.json'), scene);
  }
  if (
    flags.steps !== undefined ||
    flags.dt !== undefined ||
    flags.temperature !== undefined ||
    flags.energyGrowth !== undefined ||
    flags.speedFactor !== undefined ||
    flags.penetrationFactor !== undefined
  ) {
    throw new UsageError(
      `--steps, --dt, --temperature, --energy-growth, --speed-factor and --penetration-factor apply to a scene file; '${target}' is a named scene (${PROBLEM_NAMES.join(', ')})`,
    );
  }
  return namedProblem(target);
}

/**
 * The default output folder: out/<name> for a named scene; for a scene file
 * out/<file name>-<8 hex digits of its real path>, so two files of one name in different
 * folders never share (and overwrite) a folder.
 */
export function defaultOutputFolder(target: string, problem: OptimizationProblem): string {
  if (!isSceneFile(target)) return join('out', problem.name);
  const key = createHash('sha256').update(canonicalPath(target)).digest('hex').slice(0, 8);
  return join('out', `${problem.name}-${key}`);
}

function isSceneFile(target: string): boolean {
  return target.endsWith('.json') || existsSync(target);
}

/** What the command prints on stdout, and whether the verified result reached the target (exit 0) or not (exit 3). */
export interface OptimizeCommandResult {
  text: string;
  success: boolean;
  /** one sentence on the miss, for stderr when the target was not reached */
  verdict: string;
}

/** Run the command. */
export async function runOptimizeCommand(target: string, flags: OptimizeFlags): Promise<OptimizeCommandResult> {
  const problem = resolveProblem(target, flags);
  const outDir = flags.out ?? defaultOutputFolder(target, problem);
  if (isSceneFile(target)) {
    for (const name of OUTPUT_FILES) refuseInputAsOutput(join(outDir, name), [target]);
  }
  // the folder is created and locked before the work: a bad or busy one fails now (exit 2)
  const folder = claimOutputFolder(outDir, OUTPUT_FILES);
  try {
    return await optimizeInto(problem, flags, folder);
  } finally {
    folder.release();
  }
}

async function optimizeInto(
  problem: OptimizationProblem,
  flags: OptimizeFlags,
  folder: OutputFolder,
): Promise<OptimizeCommandResult> {
  const strategy = flags.strategy ?? 'auto';
  // auto: the bar counts each rung's iterations from 0 against the first rung's count
  const iters = flags.iters ?? defaultIters(problem, strategy === 'auto' ? autoLadder(problem)[0] : strategy);
  const bar =
    !flags.json && process.stderr.isTTY
      ? new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: `${problem.name} {bar} {value}/{total} iterations | loss {loss}${flags.cluster === undefined ? '' : ' | cluster {jobs}'}`,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
  bar?.start(iters, 0, { loss: '…', jobs: '…' });
  let run: OptimizeRun;
  try {
    run = await optimize(problem, {
      strategy,
      iters: flags.iters ?? (strategy === 'auto' ? undefined : iters),
      starts: flags.starts,
      budget: flags.budget,
      mode: flags.contact,
      order: flags.order,
      samples: flags.samples,
      seed: flags.seed,
      threads: flags.threads,
      cluster: flags.cluster,
      onJobs: (p) => bar?.update({ jobs: `${p.done}/${p.total} jobs, ${p.workers} worker(s) seen` }),
      onIteration: (k, loss) => bar?.update(k, { loss: loss.toExponential(3) }),
    });
  } catch (err) {
    // a scene with a shape pair that has no gradient formula is invalid input (exit 2)
    if (err instanceof UnsupportedGradientError && err.reason === undefined) throw new UsageError(err.message);
    throw err;
  } finally {
    bar?.stop();
  }
  // the set is written into the run's own folder, then shown at outDir in one rename
  const staged = await writeOutputs(run, folder.staging);
  folder.commit();
  const files = staged.map((f) =>
    f.startsWith(folder.staging) ? join(folder.dir, f.slice(folder.staging.length + 1)) : f,
  );
  const v = run.verification;
  const verdict = `target not reached: the best verified ${problem.missLabel} is ${v.miss.toPrecision(3)}, above the tolerance ${problem.tolerance} (exit 3)`;
  return {
    text: flags.json ? `${JSON.stringify(optimizeReport(run), null, 2)}\n` : formatOptimizeSummary(run, files),
    success: v.success,
    verdict,
  };
}

/** The readable summary: what ran, the loss, the parameters, the verified miss, the files. */
export function formatOptimizeSummary(run: OptimizeRun, files: readonly string[]): string {
  const { problem, result, verification: v } = run;
  const width = Math.max(...problem.params.map((p) => p.length));
  const shown =
    problem.params.length <= 8
      ? problem.params.map(
          (p, j) =>
            `  ${p.padEnd(width)}  ${problem.x0[j].toPrecision(5).padStart(11)} → ${result.x[j].toPrecision(5)}`,
        )
      : [`  ${problem.params.length} parameters (see result.json)`];
  const lines = [
    `${problem.name}: ${problem.goal}`,
    ...(run.attempts ?? []).map(
      (a, k) =>
        `auto ${k + 1}. ${a.strategy} — because ${a.reason} → verified miss ${a.miss.toPrecision(3)} (${a.success ? 'reached' : 'missed'}; ${a.evaluations} rollouts, ${a.seconds.toFixed(1)} s)`,
    ),
    ...(run.stopped === undefined ? [] : [`auto stopped: ${run.stopped}`]),
    `strategy ${run.strategy}${run.attempts === undefined ? '' : ` (best: ${bestAttempt(run)})`}: ${result.summary ?? describeStages(result.stages)}; ${result.evaluations} rollouts, ${run.seconds.toFixed(1)} s`,
    `loss ${result.loss[0].toExponential(3)} → ${result.loss[result.loss.length - 1].toExponential(3)}`,
    'parameters (initial → final):',
    ...shown,
    `verified in ${v.mode} mode: ${problem.missLabel} = ${v.miss.toPrecision(3)} (initial guess ${run.initial.miss.toPrecision(3)}; tolerance ${problem.tolerance}) — ${v.success ? 'success' : 'NOT reached'}`,
    `written: ${files.join(', ')}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The strategy of auto's best attempt (the one whose result is reported). */
function bestAttempt(run: OptimizeRun): string {
  const attempts = run.attempts ?? [];
  const best = attempts.reduce((b, a) => (a.miss < b.miss ? a : b), attempts[0]);
  return best.strategy;
}
