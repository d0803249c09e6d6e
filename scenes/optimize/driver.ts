/**
 * The shared driver of the optimization scenes: run a strategy on a problem, verify the
 * result by simulating it in hard mode, and write
 * out/<scene>/result.json, trajectory.json and loss.svg. `diffcontact optimize` and the
 * standalone scripts both come through here.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ContactMode } from '../../sim/model.ts';
import { UsageError } from '../cli/errors.ts';
import { writeFileAtomic } from '../cli/files.ts';
import { VERIFICATION_MODE, type OptimizationProblem, type Outcome } from './problem.ts';
import {
  runStrategy,
  type RunStrategyName,
  type Stage,
  type StrategyName,
  type StrategyOptions,
  type StrategyResult,
} from './strategies.ts';
import { PlottingUnavailableError } from '../plotting.ts';

/** What the caller chooses; everything else comes from the problem. */
export interface OptimizeOptions extends Omit<StrategyOptions, 'iters' | 'mode'> {
  strategy: StrategyName;
  /** default: the problem's */
  iters?: number;
  /**
   * contact mode of `plain` (default: the scene's) and `smoothing` (default: hard, the
   * verification mode — smoothing is for the non-smooth model); `anneal` runs soft stages
   * and a hard finish
   */
  mode?: ContactMode;
  /** `auto`: no further rung starts after this many seconds (default: none) */
  budget?: number;
}

/** A finished optimization with its verification. */
export interface OptimizeRun {
  problem: OptimizationProblem;
  strategy: StrategyName;
  /** the mode the optimizer ran in (soft for anneal, whose finish is hard) */
  mode: ContactMode;
  result: StrategyResult;
  /** the result simulated in hard mode */
  verification: Outcome & { mode: ContactMode };
  /** the initial guess simulated the same way, for comparison */
  initial: Outcome;
  /** wall time of the optimization and verification, s */
  seconds: number;
  /** `auto`: every strategy it ran, in order, with why (auto.ts) */
  attempts?: Attempt[];
  /** `auto`: why it stopped escalating before reaching the tolerance or the ladder's end (auto.ts) */
  stopped?: string;
}

/** One strategy `auto` ran: why, and what its verified result was. */
export interface Attempt {
  strategy: RunStrategyName;
  /** why this strategy ran (the first: where the ladder starts; later ones: what the previous one missed) */
  reason: string;
  /** verified miss and success (hard mode) */
  miss: number;
  success: boolean;
  iterations: number;
  evaluations: number;
  seconds: number;
}

/**
 * Optimize `problem` and verify the result.
 *
 * @example
 * const run = await optimize(namedProblem('bounce-to-target'), { strategy: 'plain' });
 * run.verification.success; // within 1 cm of the target
 */
export async function optimize(problem: OptimizationProblem, opts: OptimizeOptions): Promise<OptimizeRun> {
  if (opts.strategy === 'auto') {
    const { optimizeAuto } = await import('./auto.ts');
    return optimizeAuto(problem, opts);
  }
  const start = performance.now();
  const mode: ContactMode =
    opts.strategy === 'anneal'
      ? 'soft'
      : (opts.mode ?? (opts.strategy === 'plain' ? problem.scene.contact.mode : VERIFICATION_MODE));
  const result = await runStrategy(problem, opts.strategy, {
    ...opts,
    iters: opts.iters ?? defaultIters(problem, opts.strategy),
    mode,
  });
  const verification = { ...problem.outcome(result.x, VERIFICATION_MODE), mode: VERIFICATION_MODE };
  const initial = problem.outcome(problem.x0, VERIFICATION_MODE);
  return {
    problem,
    strategy: opts.strategy,
    mode,
    result,
    verification,
    initial,
    seconds: (performance.now() - start) / 1e3,
  };
}

/** The iterations a strategy runs on `problem` when the caller does not say. */
export function defaultIters(problem: OptimizationProblem, strategy: RunStrategyName): number {
  return strategy === 'smoothing' ? (problem.smoothingIters ?? problem.defaultIters) : problem.defaultIters;
}

/** The `--json` document and result.json (docs/cli.md: scene, iterations, loss, params, seconds; the rest extends it). */
export interface OptimizeReport {
  scene: string;
  iterations: number;
  loss: number[];
  params: Record<string, number>;
  seconds: number;
  strategy: StrategyName;
  mode: ContactMode;
  goal: string;
  evaluations: number;
  stages: { mode: ContactMode; temperature: number; iterations: number }[];
  initial: { params: Record<string, number>; miss: number };
  /** global strategies: the run in words */
  summary?: string;
  /** multistart: each start, where its polish ended, its loss there */
  starts?: { start: Record<string, number>; params: Record<string, number>; loss: number; iterations: number }[];
  /** auto: the strategies it ran, in order, with why */
  attempts?: Attempt[];
  /** auto: why it stopped escalating short of the tolerance and the ladder's end (a budget, a rung that cannot help) */
  stopped?: string;
  verification: {
    mode: ContactMode;
    loss: number;
    miss: number;
    missLabel: string;
    tolerance: number;
    success: boolean;
    details: Record<string, number | number[]>;
  };
}

/** The report of a run (what `--json` prints and result.json holds). */
export function optimizeReport(run: OptimizeRun): OptimizeReport {
  const { problem, result, verification: v } = run;
  const named = (x: readonly number[]) => Object.fromEntries(problem.params.map((p, j) => [p, x[j]]));
  return {
    scene: problem.name,
    iterations: result.iterations,
    loss: result.loss,
    params: named(result.x),
    seconds: run.seconds,
    strategy: run.strategy,
    mode: run.mode,
    goal: problem.goal,
    evaluations: result.evaluations,
    stages: result.stages.map((s) => ({ ...s.setting, iterations: s.iterations })),
    initial: { params: named(problem.x0), miss: run.initial.miss },
    ...(result.summary === undefined ? {} : { summary: result.summary }),
    ...(result.starts === undefined
      ? {}
      : {
          starts: result.starts.map((s) => ({
            start: named(s.start),
            params: named(s.x),
            loss: s.loss,
            iterations: s.iterations,
          })),
        }),
    ...(run.attempts === undefined ? {} : { attempts: run.attempts }),
    ...(run.stopped === undefined ? {} : { stopped: run.stopped }),
    verification: {
      mode: v.mode,
      loss: v.loss,
      miss: v.miss,
      missLabel: problem.missLabel,
      tolerance: problem.tolerance,
      success: v.success,
      details: v.details,
    },
  };
}

/**
 * The stages of a run in words, e.g. `soft τ 5.0e-3 → 2.5e-4 m (4 stages, 48 it.), hard (12 it.)`.
 */
export function describeStages(stages: readonly Stage[]): string {
  const parts: string[] = [];
  for (let i = 0; i < stages.length;) {
    let j = i;
    while (j + 1 < stages.length && stages[j + 1].setting.mode === stages[i].setting.mode) j++;
    const run = stages.slice(i, j + 1);
    const iterations = run.reduce((n, s) => n + s.iterations, 0);
    const first = run[0].setting;
    if (first.mode !== 'soft') parts.push(`${first.mode} (${iterations} it.)`);
    else if (run.length === 1) parts.push(`soft τ ${first.temperature.toExponential(1)} m (${iterations} it.)`);
    else
      parts.push(
        `soft τ ${first.temperature.toExponential(1)} → ${run[run.length - 1].setting.temperature.toExponential(1)} m (${run.length} stages, ${iterations} it.)`,
      );
    i = j + 1;
  }
  return parts.join(', ');
}

/** The files an optimization writes into its output folder. */
export const OUTPUT_FILES = ['result.json', 'trajectory.json', 'loss.svg'] as const;

/**
 * Write result.json, trajectory.json and loss.svg into `dir` (created); returns their
 * paths. Everything is rendered first and each file written atomically (scenes/cli/files.ts),
 * so a failed or interrupted run leaves the previous files, not a half-written one; the
 * CLI also locks the folder for the run (`claimOutputFolder`) so two runs never mix.
 * Without the optional plotting packages the last entry says why loss.svg is missing
 * instead of failing a finished optimization.
 */
export async function writeOutputs(run: OptimizeRun, dir: string): Promise<string[]> {
  const { renderLossSvg } = await import('./loss-plot.ts');
  let svg: string | null = null;
  let noSvg = '';
  try {
    svg = await renderLossSvg(run);
  } catch (err) {
    if (!(err instanceof PlottingUnavailableError)) throw err;
    noSvg = `no loss.svg (${err.message})`;
  }
  const texts = [
    `${JSON.stringify(optimizeReport(run), null, 2)}\n`,
    `${JSON.stringify(run.verification.trajectory)}\n`,
    svg,
  ];
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new UsageError(`cannot create output folder '${dir}': ${(err as Error).message}`);
  }
  const files = OUTPUT_FILES.map((f) => join(dir, f));
  files.forEach((file, i) => {
    const text = texts[i];
    if (text !== null) writeFileAtomic(file, text, 'output file');
  });
  if (svg === null) files[2] = noSvg;
  return files;
}

/** True when the module at `url` is the script node was started with. */
export function isMainModule(url: string): boolean {
  return process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === url;
}

/**
 * A scene script run on its own: `diffcontact optimize <name>` with the script's
 * arguments, in a child process running the CLI entry (scenes/cli.ts, or its compiled
 * .js) with this process's node flags (tsx's loader). A child rather than an import: the
 * CLI loads the scene scripts through the registry, so importing it from here would make
 * an import cycle.
 */
export function runStandalone(name: string): Promise<void> {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  const cli = fileURLToPath(new URL(`../cli.${ext}`, import.meta.url));
  const args = [...process.execArgv, cli, 'optimize', name, ...process.argv.slice(2)];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit' });
    child.on('error', (err) => {
      process.stderr.write(`diffcontact: could not start the CLI for '${name}': ${err.message}\n`);
      process.exitCode = 1;
      resolve();
    });
    child.on('exit', (code) => {
      process.exitCode = code ?? 1;
      resolve();
    });
  });
}
