/**
 * The `diffcontact` command line as a commander program (docs/cli.md). `runCli(argv,
 * io)` parses, runs one command and returns the exit code; every failure becomes one
 * `diffcontact: <message>` line on stderr (errors.ts maps it to exit code 1 or 2).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { CONTACT_MODES, type ContactMode } from '../../sim/model.ts';
import { escapeControl, EXIT_OK, exitCodeOf, messageOf, TargetMissedError, UsageError } from './errors.ts';
import { refuseInputAsOutput } from './files.ts';
import {
  formatGradReport,
  formatJacobianReport,
  formatVectorLossReport,
  outputNames,
  runGradient,
  runVectorGradient,
  splitPathList,
  type JacobianReport,
  type VectorLossReport,
} from './grad.ts';
import {
  checkSweepLimits,
  contactMode,
  loadScene,
  overridesOf,
  nonNegativeNumber,
  positiveNumber,
  stepCount,
  type SceneOverrides,
} from './scene-input.ts';
import { PROBLEM_NAMES, STRATEGIES } from '../optimize/names.ts';
import type { OptimizeFlags } from './optimize.ts';
import { contactModeList, finiteNumber, formatSweepReport, gridPoints, refinementLevels, runSweep } from './sweep.ts';
import { packageVersion } from './version.ts';
import { clusterOption, resolveCluster, runWorkerCommand, type WorkerFlags } from './worker.ts';

/** Where the CLI writes: the process's streams, or a buffer in tests. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const NAME = 'diffcontact';

interface SimulateFlags extends SceneOverrides {
  out?: string;
  json?: boolean;
}

interface GradFlags extends SceneOverrides {
  /** each value may hold several comma-separated quantities; the flag may repeat */
  of: string[];
  wrt: string[];
  jacobian?: boolean;
  target?: number[];
  probe?: number;
  kinkTol?: number;
  validity?: boolean;
  json?: boolean;
}

interface SweepFlags extends Omit<SceneOverrides, 'contact'> {
  of: string;
  wrt: string;
  from: number;
  to: number;
  n: number;
  contact?: ContactMode[];
  kinkTol?: number;
  jumpTol?: number;
  levels?: number;
  json?: boolean;
  plot?: string;
  cluster?: string;
}

/**
 * The flags every running command shares: they override the scene file. `sweep` adds its
 * own `--contact` (a list of modes), so it asks for the others only.
 */
function addOverrideOptions(cmd: Command, { contact = true } = {}): Command {
  if (contact) {
    cmd.addOption(
      new Option('--contact <mode>', `contact model: ${CONTACT_MODES.join(' | ')} (overrides the scene)`).argParser(
        contactMode,
      ),
    );
  }
  return cmd
    .addOption(new Option('--steps <N>', 'number of steps (overrides the scene)').argParser(stepCount))
    .addOption(new Option('--dt <S>', 'time step in seconds (overrides the scene)').argParser(positiveNumber))
    .addOption(
      new Option('--temperature <T>', 'soft-contact temperature in metres (overrides the scene)').argParser(
        positiveNumber,
      ),
    )
    .addOption(sanityOption())
    .addOption(speedFactorOption())
    .addOption(penetrationFactorOption())
    .addOption(allowLargeOption());
}

/** `--energy-growth`: the divergence monitor's threshold (sim/sanity.ts). */
function sanityOption(): Option {
  return new Option(
    '--energy-growth <F>',
    "divergence monitor: energy a run may gain from nowhere, in multiples of the scene's energy scale (default 1; overrides the scene's sanity.energyGrowth)",
  ).argParser(positiveNumber);
}

/** `--speed-factor`: the divergence monitor's speed and distance bounds (sim/sanity.ts). */
function speedFactorOption(): Option {
  return new Option(
    '--speed-factor <F>',
    "divergence monitor: how many times the scene's speed scale (initial speeds, a fall through the scene's size, overlaps, controls) a body may reach, beyond gravity's share (default 100; overrides the scene's sanity.speedFactor)",
  ).argParser(positiveNumber);
}

/** `--penetration-factor`: the divergence monitor's penetration bound (sim/sanity.ts). */
function penetrationFactorOption(): Option {
  return new Option(
    '--penetration-factor <F>',
    "divergence monitor: how deep a contact may sink beyond its bodies' initial overlaps and one step's travel, in multiples of the sum of the two bodies' half-thicknesses (default 0.5; overrides the scene's sanity.penetrationFactor)",
  ).argParser(positiveNumber);
}

/** `--allow-large`: lift the input caps (scene-input.ts INPUT_LIMITS). */
function allowLargeOption(): Option {
  return new Option('--allow-large', 'lift the input caps (64 MiB scene file, 10,000 bodies, 1e9 steps × bodies)');
}

/** Commander argument parser: an integer ≥ 1 (e.g. `--samples`). */
export function positiveInteger(text: string): number {
  const value = stepCount(text);
  if (value < 1) throw new InvalidArgumentError(`must be a whole number >= 1, got ${text}.`);
  return value;
}

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

/** Indented JSON with arrays of numbers on one line (a vector reads as `[0, 0, 1.1]`). */
function json(value: unknown): string {
  const text = JSON.stringify(value, null, 2).replace(
    /\[\s+([-+.\deE,\s]*?)\s+\]/g,
    (_m, items: string) => `[${items.split(/,\s*/).join(', ')}]`,
  );
  return `${text}\n`;
}

function buildProgram(io: CliIo): Command {
  const program = new Command(NAME)
    .description(
      'A differentiable rigid-body contact simulator: trajectories, gradients through contact, and what they mean.',
    )
    .version(packageVersion(), '-V, --version', 'print the version of diffcontact')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      // commander's "error: …" becomes "diffcontact: …", like every other failure
      outputError: (s, write) => write(`${NAME}: ${escapeControl(s.replace(/^error: /, ''))}`),
    })
    .showHelpAfterError(`(run '${NAME} --help' for usage)`)
    .addHelpText(
      'after',
      examples(
        `${NAME} simulate scenes/ball-drop.json --json`,
        `${NAME} grad scenes/bounce-to-target.json --of ball.position.x --wrt ball.linearVelocity.x,ball.linearVelocity.z`,
        `${NAME} simulate --help`,
      ) +
        '\nExit codes: 0 success, 2 invalid input (the message names the problem), 1 any other failure; optimize: 3 when the verified result misses the target.\n',
    );

  addOverrideOptions(
    program
      .command('simulate')
      .description('Roll a scene forward and report the final state of every body.')
      .showHelpAfterError(`(run '${NAME} simulate --help' for usage)`)
      .argument('<scene.json>', 'scene file (format in docs/scene-format.md)'),
  )
    .option('--out <trajectory.json>', 'write the trajectory (≤ 60 frames per simulated second) for the viewer')
    .option(
      '--json',
      'print one JSON document {steps, time, final: {<body>: {position, orientation, linearVelocity, angularVelocity}}}',
    )
    .addHelpText(
      'after',
      examples(
        `${NAME} simulate scenes/ball-drop.json`,
        `${NAME} simulate scenes/ball-drop.json --steps 500 --contact penalty --json`,
        `${NAME} simulate scenes/ball-drop.json --contact hard --out trajectory.json`,
        `${NAME} simulate scenes/boxes100.json --dt 0.002 --out trajectory.json`,
      ),
    )
    .action(async (file: string, flags: SimulateFlags) => {
      if (flags.out !== undefined) refuseInputAsOutput(flags.out, [file]);
      // loaded on first use, like optimize: `--help`, `--version` and `grad` do not step a scene here
      const { formatSummary, runSimulation } = await import('./simulate.ts');
      const scene = loadScene(file, overridesOf(flags));
      const result = runSimulation(scene, { trajectoryFile: flags.out });
      if (flags.json) {
        io.stdout(json(result.report));
        return;
      }
      io.stdout(formatSummary(file, scene, result));
      if (flags.out !== undefined && result.frames !== null)
        io.stdout(`trajectory: ${result.frames} frames written to ${flags.out}\n`);
    });

  addOverrideOptions(
    program
      .command('grad')
      .description(
        'Gradient of one final-state quantity with respect to scene parameters, with a kink report; with several quantities, their Jacobian (--jacobian) or the gradient of Σ (output − target)² (--target).',
      )
      .showHelpAfterError(`(run '${NAME} grad --help' for usage)`)
      .argument('<scene.json>', 'scene file'),
  )
    .addOption(
      new Option(
        '--of <Q[,Q...]>',
        'final-state quantities: <body>.<position|orientation|linearVelocity|angularVelocity>[.<x|y|z|w>]; one component for a gradient, several (or a whole vector) with --jacobian or --target',
      )
        .argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value])
        .makeOptionMandatory(),
    )
    .option(
      '--jacobian',
      'print the Jacobian d(output)/d(parameter) of every --of output (one row each) w.r.t. every --wrt parameter',
    )
    .addOption(
      new Option(
        '--target <T[,T...]>',
        'one number per --of output: the gradient of Σ (output − target)² instead',
      ).argParser((value: string) => value.split(',').map((t) => finiteNumber(t.trim()))),
    )
    .addOption(
      new Option(
        '--wrt <P[,P...]>',
        'parameters: <body>.<field>.<x|y|z|w>, <body>.<mass|friction|restitution|radius|…>, contact.<key>',
      )
        .argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value])
        .makeOptionMandatory(),
    )
    .addOption(
      new Option(
        '--probe <R>',
        "probe what the gradient means within radius R (in the parameters' units): one-sided derivatives, gradient range, verdict smooth | kink | discontinuous",
      ).argParser(positiveNumber),
    )
    .addOption(
      new Option(
        '--kink-tol <tol>',
        'report non-smooth decisions whose margin is at most this (default 1e-3, see sim/gradient.ts)',
      ).argParser(nonNegativeNumber),
    )
    .option(
      '--validity',
      'compute validWithin for any number of parameters (one tangent rollout carrying them all; one extra plain rollout per parameter for box–box and other feature-choosing pairs; on by default up to 8), --no-validity to skip it',
    )
    .option('--no-validity', 'skip validWithin')
    .option(
      '--json',
      'print one JSON document {value, grad: {<P>: number}, kinks: [{label, margin}], validWithin: {distance, decision, step, kind, margin, byParameter} | null, decisions: [...]} (+ probe: {verdict, reason, directional, range, validWithin}; --target adds of, outputs, target; --jacobian prints {of, wrt, value: [], jacobian: [[]], kinks})',
    )
    .addHelpText(
      'after',
      examples(
        `${NAME} grad scenes/ball-drop.json --of ball.position.z --wrt ball.position.z,contact.stiffness --steps 200`,
        `${NAME} grad scenes/bounce-to-target.json --of ball.position.x --wrt ball.linearVelocity.x --contact penalty --json`,
        `${NAME} grad scenes/ball-drop.json --of ball.linearVelocity.z --wrt ball.position.z --steps 700 --contact hard`,
        `${NAME} grad scenes/ball-drop.json --of ball.linearVelocity.z --wrt ball.position.z --steps 300 --contact penalty --probe 1e-4`,
        `${NAME} grad scenes/billiards.json --of ball1.position,ball2.position.x --wrt cue.linearVelocity.x,cue.linearVelocity.y --jacobian`,
        `${NAME} grad scenes/bounce-to-target.json --of ball.position --target 1.2,0,0.25 --wrt ball.linearVelocity.x,ball.linearVelocity.z`,
      ),
    )
    .action(async (file: string, flags: GradFlags) => {
      const scene = loadScene(file, overridesOf(flags));
      const wrt = splitPathList(flags.wrt);
      const of = splitPathList(flags.of);
      const target = flags.target;
      if (flags.jacobian !== true && target === undefined && of.length === 1 && outputNames(scene, of).length === 1) {
        const report = await runGradient(scene, of[0], wrt, {
          kinkTol: flags.kinkTol,
          probe: flags.probe,
          validity: flags.validity,
        });
        io.stdout(flags.json ? json(report) : formatGradReport(of[0], report, flags.kinkTol));
        return;
      }
      const report = await runVectorGradient(scene, of, wrt, {
        jacobian: flags.jacobian,
        target,
        kinkTol: flags.kinkTol,
        probe: flags.probe,
        validity: flags.validity,
      });
      if (flags.json) io.stdout(json(report));
      else
        io.stdout(
          'jacobian' in report
            ? formatJacobianReport(report as JacobianReport)
            : formatVectorLossReport(report as VectorLossReport, flags.kinkTol),
        );
    });

  addOverrideOptions(
    program
      .command('sweep')
      .usage('<scene.json> --of Q --wrt P --from A --to B --n N [--contact hard,soft] [--json] [--plot sweep.svg]')
      .description(
        'Value, AD gradient and finite-difference gradient over a parameter range, per contact mode, with the gradient jumps that persist under refinement and the kinks that cause them.',
      )
      .showHelpAfterError(`(run '${NAME} sweep --help' for usage)`)
      .argument('<scene.json>', 'scene file'),
    { contact: false },
  )
    .requiredOption('--of <Q>', 'final-state quantity, one component')
    .requiredOption('--wrt <P>', 'the swept parameter (one path)')
    .addOption(new Option('--from <A>', 'start of the range').argParser(finiteNumber).makeOptionMandatory())
    .addOption(new Option('--to <B>', 'end of the range').argParser(finiteNumber).makeOptionMandatory())
    .addOption(new Option('--n <N>', 'number of grid points (>= 2)').argParser(gridPoints).makeOptionMandatory())
    .addOption(
      new Option(
        '--contact <modes>',
        `contact modes to sweep, comma-separated: ${CONTACT_MODES.join(', ')} (default: the scene's)`,
      ).argParser(contactModeList),
    )
    .addOption(
      new Option('--kink-tol <tol>', 'kinks reported within this margin (default 1e-3)').argParser(nonNegativeNumber),
    )
    .addOption(
      new Option(
        '--jump-tol <tol>',
        'gradient difference that triggers refinement (default 1% of the largest |gradient|)',
      ).argParser(positiveNumber),
    )
    .addOption(
      new Option('--levels <L>', 'bisection depth: jumps are resolved to (B − A)/(N − 1)/2^L (default 12)').argParser(
        refinementLevels,
      ),
    )
    .option(
      '--json',
      'print one JSON document {<mode>: {x, value, grad, fdGrad, jumps: [{at, size, kinks, interval, valueJump, cause}], valueJumps: [{at, size, interval, kinks, cause}], sawTooth, lipschitz, jumpTol, valueJumpTol}}',
    )
    .option(
      '--plot <sweep.svg>',
      'write an SVG plot: value and gradient against the parameter, one colour per mode, jumps marked',
    )
    .addOption(clusterOption('sweep each contact mode as a job on the cluster of this Redis'))
    .addHelpText(
      'after',
      examples(
        `${NAME} sweep scenes/ball-drop.json --of ball.linearVelocity.z --wrt ball.position.z --from 0.53 --to 0.55 --n 21 --steps 300 --contact penalty,soft`,
        `${NAME} sweep scenes/ball-drop.json --of ball.position.z --wrt ball.position.z --from 0.5 --to 1.5 --n 50 --json --plot sweep.svg`,
        `${NAME} sweep scenes/ball-drop.json --of ball.position.z --wrt ball.position.z --from 0.53 --to 0.55 --n 21 --steps 300 --contact hard,soft`,
      ),
    )
    .action(async (file: string, flags: SweepFlags) => {
      // --contact here lists the modes to sweep; the others override the scene as usual
      if (flags.plot !== undefined) refuseInputAsOutput(flags.plot, [file], '--plot');
      const scene = loadScene(file, overridesOf({ ...flags, contact: undefined }));
      if (flags.allowLarge !== true) checkSweepLimits(scene, flags.n, flags.contact?.length ?? 1, file);
      const request = {
        of: flags.of,
        wrt: flags.wrt,
        from: flags.from,
        to: flags.to,
        n: flags.n,
        modes: flags.contact,
        kinkTol: flags.kinkTol,
        jumpTol: flags.jumpTol,
        levels: flags.levels,
      };
      const result = await runSweep(scene, request, { cluster: resolveCluster(flags.cluster), progress: !flags.json });
      if (flags.plot !== undefined) {
        const { writeSweepPlot } = await import('./plot.ts');
        await writeSweepPlot(flags.plot, result, request);
      }
      io.stdout(flags.json ? json(result) : formatSweepReport(request, result));
      if (!flags.json && flags.plot !== undefined) io.stdout(`plot written to ${flags.plot}\n`);
    });
  program
    .command('optimize')
    .usage(
      '<scene-name|scene.json> [--strategy auto|plain|anneal|smoothing|multistart|sampling] [--seed N] [--iters N] [--contact M] [--json]',
    )
    .description(
      "Minimise a scene's objective over its parameters, verify the result by simulating it, and write out/<scene>/result.json, trajectory.json and loss.svg.",
    )
    .showHelpAfterError(`(run '${NAME} optimize --help' for usage)`)
    .argument(
      '<scene-name|scene.json>',
      `a named scene (${PROBLEM_NAMES.join(', ')}) or a scene file with an "objective"`,
    )
    .addOption(new Option('--iters <N>', "optimizer iterations (default: the scene's)").argParser(stepCount))
    .addOption(
      new Option(
        '--strategy <S>',
        'auto (default: plain, then anneal, multistart, sampling while the verified result misses the tolerance; says what it ran and why) | plain (L-BFGS in one mode) | anneal (soft contacts, temperature lowered in stages) | smoothing (randomized smoothing on worker threads) | multistart (Latin-hypercube starts in the bounds, each polished by L-BFGS, on worker threads) | sampling (cross-entropy sampling in the bounds on worker threads, then an L-BFGS polish)',
      ).choices(STRATEGIES),
    )
    .addOption(
      new Option(
        '--contact <mode>',
        `contact mode of plain and smoothing: ${CONTACT_MODES.join(' | ')} (default: the scene's for plain, the verification mode for smoothing)`,
      ).argParser(contactMode),
    )
    .addOption(
      new Option(
        '--order <O>',
        'smoothing estimator: first (average AD gradients) | zeroth (value differences)',
      ).choices(['first', 'zeroth']),
    )
    .addOption(
      new Option('--samples <N>', 'smoothing: antithetic pairs per gradient estimate (default 8)').argParser(
        positiveInteger,
      ),
    )
    .addOption(
      new Option(
        '--seed <N>',
        "seed of smoothing's perturbations, multistart's starts and sampling's samples (default 1): a seed gives the same result on any number of threads",
      ).argParser(stepCount),
    )
    .addOption(
      new Option(
        '--threads <N>',
        'smoothing, multistart, sampling: worker threads (default: every core; 0 = none)',
      ).argParser(stepCount),
    )
    .addOption(new Option('--starts <N>', 'multistart: number of starts (default 16)').argParser(positiveInteger))
    .addOption(
      new Option(
        '--budget <S>',
        'auto: seconds after which no further strategy starts (a running one finishes; default: no limit). Auto also skips multistart and sampling above 64 parameters and says so',
      ).argParser(positiveNumber),
    )
    .addOption(clusterOption('smoothing, multistart, sampling: run the batches as jobs on the cluster of this Redis'))
    .addOption(
      new Option('--steps <N>', 'number of steps (scene files only; overrides the scene)').argParser(stepCount),
    )
    .addOption(new Option('--dt <S>', 'time step in seconds (scene files only)').argParser(positiveNumber))
    .addOption(
      new Option('--temperature <T>', 'soft-contact temperature in metres (scene files only)').argParser(
        positiveNumber,
      ),
    )
    .addOption(sanityOption())
    .addOption(speedFactorOption())
    .addOption(penetrationFactorOption())
    .addOption(allowLargeOption())
    .option(
      '--out <dir>',
      'output folder (default out/<name> for a named scene, out/<file name>-<8 hex digits of its path> for a scene file); locked while the run writes it',
    )
    .option(
      '--json',
      'print one JSON document {scene, iterations, loss: [], params: {}, seconds, strategy, mode, verification: {mode, miss, success, …}}',
    )
    .addHelpText(
      'after',
      examples(
        `${NAME} optimize bounce-to-target`,
        `${NAME} optimize scenes/bounce-to-target.json --iters 20 --json`,
        `${NAME} optimize push-box --strategy anneal`,
        `${NAME} optimize push-box --strategy smoothing --contact penalty --iters 40`,
        `${NAME} optimize scenes/bounce-wrong-hump.json --strategy multistart --seed 7`,
      ) +
        '\nExit codes: 0 the verified result reached the target, 3 it did not (the best found is still printed and written), 2 invalid input, 1 any other failure.\n',
    )
    .action(async (target: string, flags: OptimizeFlags) => {
      // loaded on first use: the other commands do not need the optimizers and scene scripts
      const { runOptimizeCommand } = await import('./optimize.ts');
      const result = await runOptimizeCommand(target, { ...flags, cluster: resolveCluster(flags.cluster) });
      io.stdout(result.text);
      if (!result.success) throw new TargetMissedError(result.verdict);
    });
  program
    .command('worker')
    .usage('--cluster redis://host:port [--concurrency N]')
    .description(
      "Compute cluster jobs (sweeps, multistart, sampling, smoothing) for clients on any machine, until Ctrl-C; every job gives the same numbers as on the client's own threads.",
    )
    .showHelpAfterError(`(run '${NAME} worker --help' for usage)`)
    .addOption(clusterOption('the Redis the clients use'))
    .addOption(
      new Option('--concurrency <N>', 'jobs computed at once, one worker thread each (default: every core)').argParser(
        positiveInteger,
      ),
    )
    .option('--queue <name>', 'BullMQ queue (default diffcontact; clients and workers must agree)')
    .addOption(
      new Option(
        '--lock-ms <ms>',
        'job lock, ms: a job whose worker dies goes to another worker after 1.5× this (default 30000)',
      ).argParser(positiveInteger),
    )
    .addHelpText(
      'after',
      examples(
        `${NAME} worker --cluster redis://10.0.0.5:6379`,
        `DIFFCONTACT_REDIS=redis://10.0.0.5:6379 ${NAME} worker --concurrency 4`,
      ),
    )
    .action(async (flags: Partial<WorkerFlags>) => {
      const cluster = resolveCluster(flags.cluster);
      if (cluster === undefined)
        throw new UsageError(`worker needs --cluster redis://host:port (or DIFFCONTACT_REDIS)`);
      await runWorkerCommand({ cluster, concurrency: flags.concurrency, queue: flags.queue, lockMs: flags.lockMs }, io);
    });
  return program;
}

/**
 * Run the CLI on `argv` (the arguments after the program name) and return the exit code:
 * 0 success, 2 invalid input, 1 any other failure. Never throws.
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), {
 *   stdout: (s) => process.stdout.write(s),
 *   stderr: (s) => process.stderr.write(s),
 * });
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const program = buildProgram(io);
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (err) {
    const code = exitCodeOf(err);
    // commander has already printed its own errors (and the help) through configureOutput
    const printed = err instanceof CommanderError;
    if (!printed) io.stderr(`${NAME}: ${escapeControl(messageOf(err))}\n`);
    return code;
  }
}
