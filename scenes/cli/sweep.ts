/**
 * `diffcontact sweep`: value, AD gradient and finite-difference gradient of one final-state
 * number over a parameter range, per contact mode, with the gradient jumps that survive
 * refinement (sim/sweep.ts), as one JSON document (`--json`), a readable table, and
 * optionally an SVG plot (`--plot`, plot.ts).
 *
 * The sweep code (which pulls in the AD core and the differentiable rollout) is imported
 * on first use, like `grad`'s.
 */
import { InvalidArgumentError } from 'commander';
import type { ContactMode } from '../../sim/model.ts';
import type { Scene } from '../../sim/scene.ts';
import type { ModeSweep, SweepJump, SweepResult } from '../../sim/sweep.ts';
import { UsageError } from './errors.ts';
import { checkGradPaths } from './grad.ts';
import { contactMode } from './scene-input.ts';

// a plain decimal number, as scene-input.ts accepts for its flags
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Commander argument parser: any finite number, negative ones too (`--from -1`). */
export function finiteNumber(text: string): number {
  const value = DECIMAL.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isFinite(value)) throw new InvalidArgumentError(`'${text}' is not a number.`);
  return value;
}

/** Commander argument parser: a whole number of grid points ≥ 2. */
export function gridPoints(text: string): number {
  const value = finiteNumber(text);
  if (!Number.isSafeInteger(value) || value < 2)
    throw new InvalidArgumentError(`must be a whole number >= 2, got ${text}.`);
  return value;
}

/** Commander argument parser: a bisection depth, a whole number from 2 to 40 (a factor 2⁻⁴⁰ ≈ 1e-12 of the grid spacing). */
export function refinementLevels(text: string): number {
  const value = finiteNumber(text);
  if (!Number.isSafeInteger(value) || value < 2 || value > 40)
    throw new InvalidArgumentError(`must be a whole number from 2 to 40, got ${text}.`);
  return value;
}

/**
 * Commander argument parser: a comma-separated list of contact modes, each valid,
 * duplicates dropped.
 *
 * @example
 * contactModeList('hard,soft'); // ['hard', 'soft']
 */
export function contactModeList(text: string): ContactMode[] {
  const modes = text.split(',').map((m) => m.trim());
  if (modes.some((m) => m === ''))
    throw new InvalidArgumentError(`'${text}' is not a comma-separated list of contact modes.`);
  return [...new Set(modes.map(contactMode))];
}

/** The sweep's settings as the CLI takes them. */
export interface SweepRequest {
  of: string;
  wrt: string;
  from: number;
  to: number;
  n: number;
  /** contact modes (default: the scene's) */
  modes?: readonly ContactMode[];
  kinkTol?: number;
  jumpTol?: number;
  /** bisection depth (default 12) */
  levels?: number;
}

/** A finite number, or an Error naming where the sweep produced a non-finite one. */
function checkFinite(mode: string, s: ModeSweep): void {
  for (const key of ['value', 'grad', 'fdGrad'] as const) {
    const i = s[key].findIndex((v) => !Number.isFinite(v));
    if (i >= 0)
      throw new Error(`the ${mode} sweep's ${key} is not finite at ${s.x[i]}; try a smaller dt or a softer contact`);
  }
}

/**
 * Run the sweep of `request` on `scene` (flags already applied), every listed contact mode
 * (hard, penalty, soft) through the differentiable rollout. Bad paths are a PathError and
 * an empty range a UsageError — both exit 2, before any work; a non-finite result is an
 * Error (exit 1), never a NaN in the output.
 *
 * @example
 * const result = await runSweep(scene, { of: 'ball.position.z', wrt: 'ball.position.z', from: 0.5, to: 0.6, n: 21, modes: ['penalty', 'soft'] });
 */
export async function runSweep(
  scene: Scene,
  request: SweepRequest,
  where: { cluster?: string; progress?: boolean } = {},
): Promise<SweepResult> {
  checkGradPaths(scene, request.of, [request.wrt]);
  if (!(request.from < request.to))
    throw new UsageError(`--from must be below --to, got --from ${request.from} --to ${request.to}`);
  const modes = request.modes ?? [scene.contact.mode];
  const result =
    where.cluster === undefined
      ? (await import('../../sim/sweep.ts')).sweep(scene, { ...request, modes })
      : await sweepOnCluster(scene, { ...request, modes }, where.cluster, where.progress ?? false);
  for (const [mode, s] of Object.entries(result)) checkFinite(mode, s as ModeSweep);
  return result;
}

/** The sweep as one job per mode on the cluster at `url` (scenes/cluster/sweep-jobs.ts), with its progress on the terminal. */
async function sweepOnCluster(
  scene: Scene,
  request: SweepRequest & { modes: readonly ContactMode[] },
  url: string,
  progress: boolean,
): Promise<SweepResult> {
  const [{ clusterSweep }, { clusterProgressBar }, { packageVersion }] = await Promise.all([
    import('../cluster/sweep-jobs.ts'),
    import('./cluster-progress.ts'),
    import('./version.ts'),
  ]);
  const bar = clusterProgressBar(progress);
  try {
    return await clusterSweep(
      scene,
      { ...request, modes: [...request.modes] },
      { url, version: packageVersion(), onProgress: bar.onProgress },
    );
  } finally {
    bar.stop();
  }
}

function num(v: number): string {
  return Number(v.toPrecision(6)).toString();
}

/** Jumps listed per mode in the readable report. */
const JUMPS_SHOWN = 10;

/** The decision behind a jump in words: its cause, else the kinks at its ends, else that none was recorded. */
function causeText(j: Partial<Pick<SweepJump, 'cause'>> & Pick<SweepJump, 'kinks'>): string {
  if (j.cause) return `${j.cause.decision} flips there (predicted at ${num(j.cause.flipAt)})`;
  if (j.kinks.length > 0) return j.kinks.map((k) => `${k.label} (margin ${k.margin.toPrecision(3)})`).join('; ');
  return 'no recorded decision flips there';
}

/** The readable form of a sweep: per mode a table of the grid, then its jumps with their kinks. */
export function formatSweepReport(request: Pick<SweepRequest, 'of' | 'wrt'>, result: SweepResult): string {
  const lines: string[] = [];
  for (const [mode, s] of Object.entries(result) as [ContactMode, ModeSweep][]) {
    lines.push(`${mode}: ${request.of} against ${request.wrt}`);
    const rows = s.x.map((x, i) => [num(x), num(s.value[i]), num(s.grad[i]), num(s.fdGrad[i])]);
    const header = [request.wrt, 'value', 'grad (AD)', 'grad (FD)'];
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
    for (const r of [header, ...rows]) lines.push(`  ${r.map((cell, c) => cell.padStart(widths[c])).join('  ')}`);
    if (s.jumps.length === 0) {
      lines.push(
        `  no gradient jump survives refinement (tolerance ${num(s.jumpTol)}); Lipschitz estimate ${num(s.lipschitz)}`,
      );
    } else {
      lines.push(`  ${s.jumps.length} gradient jump(s) that persist under refinement (tolerance ${num(s.jumpTol)}):`);
      for (const j of s.jumps.slice(0, JUMPS_SHOWN)) {
        const width = j.interval[1] - j.interval[0];
        lines.push(
          `    at ${num(j.at)} ± ${width.toPrecision(2)}: gradient jumps by ${num(j.size)}, value by ${j.valueJump.toPrecision(3)} — ${causeText(j)}`,
        );
      }
      const hidden = s.jumps.length - JUMPS_SHOWN;
      if (hidden > 0) lines.push(`    … ${hidden} more (--json lists them all)`);
    }
    if (s.valueJumps.length === 0) {
      lines.push(`  no value jump survives refinement (tolerance ${num(s.valueJumpTol)})`);
    } else {
      lines.push(
        `  ${s.valueJumps.length} value jump(s) that persist under refinement (tolerance ${num(s.valueJumpTol)}):`,
      );
      for (const j of s.valueJumps.slice(0, JUMPS_SHOWN)) {
        const width = j.interval[1] - j.interval[0];
        lines.push(
          `    at ${num(j.at)} ± ${width.toPrecision(2)}: value jumps by ${j.size.toPrecision(3)} — ${causeText(j)}`,
        );
      }
      const hidden = s.valueJumps.length - JUMPS_SHOWN;
      if (hidden > 0) lines.push(`    … ${hidden} more (--json lists them all)`);
    }
    if (s.sawTooth !== null) {
      const t = s.sawTooth;
      lines.push(
        `  saw-tooth: ${t.teeth} teeth of ${t.meanJump.toPrecision(3)} every ${t.meanPeriod.toPrecision(3)} in ${request.wrt}`,
      );
      // continuous teeth: say what flips at the ends of the first
      const f = t.flanks?.[0];
      if (f !== undefined)
        lines.push(
          `    continuous flanks (no value jump), e.g. from ${num(f.from)} (${f.causes[0]?.decision ?? 'no recorded decision'}) to ${num(f.to)} (${f.causes[1]?.decision ?? 'no recorded decision'})`,
        );
    }
  }
  return `${lines.join('\n')}\n`;
}
