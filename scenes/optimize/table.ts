/**
 * The strategy × success table of every optimization scene: each scene optimized from its
 * documented poor initial guess by plain gradients in soft mode, plain gradients in hard
 * mode, continuation (anneal) and randomized smoothing, every result judged by simulating
 * it in hard mode. Written into scenes/README.md between the markers below, or printed as
 * one JSON document.
 *
 * A run that fails (e.g. a diverging rollout) gets a row reading "failed: <why>" rather
 * than stopping the table; the command then exits 1 after writing it.
 *
 * Run: `npx tsx scenes/optimize/table.ts [--size full|test] [--iters N] [--scenes a,b]
 * [--threads N] [--readme path] [--no-write] [--json]` (full size takes a few minutes on
 * 2 cores; `--size test --iters 5` a few seconds). `--global` makes the second table: the
 * wrong-hump bounce variants (scene files) by plain, anneal, the global strategies and auto
 * (`npm run optimize-table -- --global`, ~10 minutes on 2 idle cores).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { ContactMode } from '../../sim/model.ts';
import { exitCodeOf, messageOf } from '../cli/errors.ts';
import { positiveInteger } from '../cli/program.ts';
import { stepCount } from '../cli/scene-input.ts';
import { describeStages, isMainModule, optimize } from './driver.ts';
import { readSceneFile } from '../cli/scene-input.ts';
import { PROBLEM_NAMES, type StrategyName } from './names.ts';
import { sceneFileProblem, VERIFICATION_MODE, type OptimizationProblem, type ProblemSize } from './problem.ts';
import { namedProblem } from './registry.ts';

/** The table's strategies: a strategy and, for plain, the mode its gradients come from. */
export const TABLE_STRATEGIES = {
  'plain-soft': { strategy: 'plain', mode: 'soft' },
  'plain-hard': { strategy: 'plain', mode: 'hard' },
  anneal: { strategy: 'anneal', mode: undefined },
  smoothing: { strategy: 'smoothing', mode: undefined },
  multistart: { strategy: 'multistart', mode: undefined },
  sampling: { strategy: 'sampling', mode: undefined },
  auto: { strategy: 'auto', mode: undefined },
} as const satisfies Record<string, { strategy: StrategyName; mode: ContactMode | undefined }>;
export type TableStrategy = keyof typeof TABLE_STRATEGIES;

/** The strategies of the named scenes' table (the local ones: the global ones are in the wrong-hump table). */
export const LOCAL_TABLE_STRATEGIES: readonly TableStrategy[] = ['plain-soft', 'plain-hard', 'anneal', 'smoothing'];
/** The strategies of the wrong-hump table (`--global`). */
export const GLOBAL_TABLE_STRATEGIES: readonly TableStrategy[] = [
  'plain-hard',
  'anneal',
  'multistart',
  'sampling',
  'auto',
];

/** The bounce-to-target variants whose initial guess sits on the wrong hump (scenes/<name>.json), the scenes of `--global`. */
export const WRONG_HUMP_SCENES = [
  'bounce-wrong-hump',
  'bounce-wrong-hump-lively',
  'bounce-wrong-hump-dead',
  'bounce-wrong-hump-small',
] as const;

/** A table scene's problem: a named scene at `size`, or a wrong-hump scene file (one size). */
export function tableProblem(scene: string, size: ProblemSize): OptimizationProblem {
  if ((WRONG_HUMP_SCENES as readonly string[]).includes(scene))
    return sceneFileProblem(scene, readSceneFile(fileURLToPath(new URL(`../${scene}.json`, import.meta.url))));
  return namedProblem(scene, size);
}

/** One row: a scene optimized by one strategy, verified in hard mode (or why it could not run). */
export interface TableRow {
  scene: string;
  strategy: TableStrategy;
  /** success threshold on `miss` */
  tolerance: number;
  /** what `miss` measures, with its unit */
  missLabel: string;
  /** the initial guess simulated in hard mode */
  initialMiss: number;
  /** null when the run failed (`note` says why) */
  success: boolean | null;
  /** the result simulated in hard mode; null when the run failed */
  miss: number | null;
  iterations: number | null;
  /** rollouts run (gradient and plain) */
  evaluations: number | null;
  /** wall time of optimization and verification, s */
  seconds: number | null;
  /** how the strategy ran (its stages), or "failed: …" */
  note: string;
}

/** What to tabulate. */
export interface TableOptions {
  size: ProblemSize;
  /** iterations of every run (default: each problem's own) */
  iters?: number;
  /** named scenes or wrong-hump scene files (default: every named scene) */
  scenes?: readonly string[];
  /** default: {@link LOCAL_TABLE_STRATEGIES} */
  strategies?: readonly TableStrategy[];
  /** seed of the global strategies (default 1) */
  seed?: number;
  /** smoothing's and the global strategies' worker threads (default every core; 0 = inline) */
  threads?: number;
  /** called after each row, e.g. to show progress */
  onRow?(row: TableRow): void;
}

/**
 * Run every scene × strategy and return the rows, in order.
 *
 * @example
 * const rows = await strategyTable({ size: 'test', iters: 5, scenes: ['bounce-to-target'] });
 * rows.map((r) => `${r.strategy}: ${r.success}`);
 */
export async function strategyTable(opts: TableOptions): Promise<TableRow[]> {
  const rows: TableRow[] = [];
  for (const scene of opts.scenes ?? PROBLEM_NAMES) {
    const problem = tableProblem(scene, opts.size);
    const initialMiss = problem.outcome(problem.x0, VERIFICATION_MODE).miss;
    for (const name of opts.strategies ?? LOCAL_TABLE_STRATEGIES) {
      const { strategy, mode } = TABLE_STRATEGIES[name];
      const base = { scene, strategy: name, tolerance: problem.tolerance, missLabel: problem.missLabel, initialMiss };
      let row: TableRow;
      try {
        const run = await optimize(problem, {
          strategy,
          mode,
          iters: opts.iters,
          threads: opts.threads,
          seed: opts.seed,
        });
        const v = run.verification;
        const how =
          run.attempts
            ?.map((a) => `${a.strategy} ${a.success ? 'reached' : `missed (${a.miss.toPrecision(2)})`}`)
            .join(' → ') ??
          run.result.summary ??
          describeStages(run.result.stages);
        row = {
          ...base,
          success: v.success,
          miss: v.miss,
          iterations: run.result.iterations,
          evaluations: run.result.evaluations,
          seconds: run.seconds,
          note: (name === 'smoothing' ? `${problem.smoothingOrder ?? 'first'} order, ` : '') + how,
        };
      } catch (err) {
        row = {
          ...base,
          success: null,
          miss: null,
          iterations: null,
          evaluations: null,
          seconds: null,
          note: `failed: ${messageOf(err)}`,
        };
      }
      rows.push(row);
      opts.onRow?.(row);
    }
  }
  return rows;
}

/** How the table was made, printed under it. */
export interface TableMeta {
  size: ProblemSize;
  iters?: number;
  /** e.g. "2 × Intel Xeon …" */
  machine: string;
  /** the command that reproduces the table */
  command: string;
}

/** The rows as a markdown table, with a line on how it was made and what each miss measures. */
export function tableMarkdown(rows: readonly TableRow[], meta: TableMeta): string {
  const num = (v: number | null, digits: number) => (v === null ? '—' : v.toPrecision(digits));
  const lines = [
    '| scene | strategy | success (hard) | verified miss | tolerance | initial miss | iterations | rollouts | wall s | stages |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows
      .map((r) =>
        [
          r.scene,
          r.strategy,
          r.success === null ? 'failed' : r.success ? 'yes' : 'no',
          num(r.miss, 2),
          String(r.tolerance),
          num(r.initialMiss, 2),
          r.iterations === null ? '—' : String(r.iterations),
          r.evaluations === null ? '—' : String(r.evaluations),
          r.seconds === null ? '—' : r.seconds.toFixed(1),
          r.note.replace(/\|/g, '\\|'),
        ].join(' | '),
      )
      .map((line) => `| ${line} |`),
  ];
  const labels = [...new Map(rows.map((r) => [r.scene, r.missLabel])).entries()].map(
    ([scene, label]) => `${scene}: ${label}`,
  );
  return [
    ...lines,
    '',
    `Size ${meta.size}, ${meta.iters === undefined ? "each scene's default iterations" : `${meta.iters} iterations`}, one run on ${meta.machine}. Miss: ${labels.join('; ')}.`,
    `Reproduce: \`${meta.command}\`.`,
  ].join('\n');
}

/** The markers in scenes/README.md between which the table lives. */
export const TABLE_MARKERS = { start: '<!-- optimize-table:start -->', end: '<!-- optimize-table:end -->' } as const;
/** The markers of the wrong-hump table (`--global`). */
export const GLOBAL_TABLE_MARKERS = {
  start: '<!-- optimize-table-global:start -->',
  end: '<!-- optimize-table-global:end -->',
} as const;

/** `text` with everything between the markers replaced by `block` (the markers must be there, once each, in order). */
export function replaceBetweenMarkers(
  text: string,
  block: string,
  markers: { start: string; end: string } = TABLE_MARKERS,
): string {
  const start = text.indexOf(markers.start);
  const end = text.indexOf(markers.end);
  if (start < 0 || end < start || text.indexOf(markers.start, start + 1) >= 0) {
    throw new Error(`expected one ${markers.start} … ${markers.end} pair in the README`);
  }
  return `${text.slice(0, start + markers.start.length)}\n${block}\n${text.slice(end)}`;
}

/** The README the table belongs in. */
export const README = fileURLToPath(new URL('../README.md', import.meta.url));

/** The command line: run the table, print progress on stderr, write the README and/or print JSON. */
export async function main(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(argv);
  if (flags === null) return 0; // --help
  const { size, iters, threads, seed } = flags;
  const scenes = flags.scenes ?? (flags.global ? WRONG_HUMP_SCENES : undefined);
  const rows = await strategyTable({
    size,
    iters,
    scenes,
    threads,
    seed,
    strategies: flags.global ? GLOBAL_TABLE_STRATEGIES : LOCAL_TABLE_STRATEGIES,
    onRow: (r) =>
      process.stderr.write(
        `${r.scene} / ${r.strategy}: ${r.success === null ? r.note : `${r.success ? 'success' : 'no'}, miss ${r.miss?.toPrecision(2)}, ${r.seconds?.toFixed(1)} s`}\n`,
      ),
  });
  const command = [
    'npx tsx scenes/optimize/table.ts',
    ...argv.filter((a) => a !== '--json' && a !== '--no-write'),
  ].join(' ');
  const meta: TableMeta = { size, iters, machine: machineName(threads), command };
  if (flags.write) {
    writeFileSync(
      flags.readme,
      replaceBetweenMarkers(
        readFileSync(flags.readme, 'utf8'),
        tableMarkdown(rows, meta),
        flags.global ? GLOBAL_TABLE_MARKERS : TABLE_MARKERS,
      ),
    );
    process.stderr.write(`table written into ${flags.readme}\n`);
  }
  if (flags.json) process.stdout.write(`${JSON.stringify({ ...meta, rows }, null, 2)}\n`);
  return rows.some((r) => r.success === null) ? 1 : 0;
}

interface TableFlags {
  size: ProblemSize;
  iters?: number;
  scenes?: string[];
  threads?: number;
  seed?: number;
  global: boolean;
  readme: string;
  write: boolean;
  json: boolean;
}

/**
 * The flags (commander, like the `diffcontact` CLI), or null after printing the help. A
 * malformed command line throws commander's error: invalid input (exit 2, `exitCodeOf`).
 */
function parseFlags(argv: readonly string[]): TableFlags | null {
  const program = new Command('optimize-table')
    .description(
      'Optimize every scene by every strategy, judge each result in hard mode, and write the table into scenes/README.md.',
    )
    .exitOverride()
    // main's caller prints the one error line; commander prints only the help
    .configureOutput({ writeOut: (text) => process.stdout.write(text), outputError: () => {} })
    .addOption(new Option('--size <size>', 'problem size').choices(['full', 'test']).default('full'))
    .addOption(
      new Option('--iters <N>', "optimizer iterations per run (default: each scene's)").argParser(positiveInteger),
    )
    .addOption(
      new Option(
        '--scenes <a,b>',
        `scenes to run (default: all of ${PROBLEM_NAMES.join(', ')}; with --global: ${WRONG_HUMP_SCENES.join(', ')})`,
      ).argParser(sceneList),
    )
    .option(
      '--global',
      `the wrong-hump table: scenes ${WRONG_HUMP_SCENES.join(', ')} by ${GLOBAL_TABLE_STRATEGIES.join(', ')}, into its own markers`,
      false,
    )
    .addOption(new Option('--seed <N>', 'seed of the global strategies (default 1)').argParser(stepCount))
    .addOption(
      new Option(
        '--threads <N>',
        'smoothing and global strategies: worker threads (default: every core; 0 = none)',
      ).argParser(stepCount),
    )
    .addOption(new Option('--readme <path>', 'the README whose table markers get the table').default(README))
    .option('--no-write', 'do not write the README')
    .option('--json', 'print the table as one JSON document on stdout', false);
  try {
    program.parse([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError && err.exitCode === 0) return null;
    throw err;
  }
  return program.opts<TableFlags>();
}

/** Commander argument parser of `--scenes`: comma-separated scene names (named scenes or wrong-hump scene files). */
function sceneList(text: string): string[] {
  const scenes = text.split(',').map((s) => s.trim());
  const valid: readonly string[] = [...PROBLEM_NAMES, ...WRONG_HUMP_SCENES];
  const unknown = scenes.find((s) => !valid.includes(s));
  if (unknown !== undefined)
    throw new InvalidArgumentError(`unknown scene '${unknown}': valid names are ${valid.join(', ')}.`);
  return scenes;
}

function machineName(threads: number | undefined): string {
  const model = cpus()[0]?.model.trim() ?? 'an unknown CPU';
  return `${availableParallelism()} × ${model} (smoothing and global strategies on ${threads ?? availableParallelism()} worker threads)`;
}

if (isMainModule(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`optimize-table: ${messageOf(err).replace(/^error: /, '')}\n`);
      process.exitCode = exitCodeOf(err);
    },
  );
}
