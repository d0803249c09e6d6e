/**
 * `diffcontact grad`: the gradient of one final-state quantity with respect to named
 * parameters, with the kink report that says whether it is an ordinary derivative or a
 * branch derivative at a contact boundary.
 *
 * The gradient code (sim/gradient.ts, which pulls in the AD core and the differentiable
 * rollout) is imported on first use, so `simulate` and `--help` do not load it.
 */
import { parseParamPath, parseQuantityPath, pathBodies } from '../../sim/paths.ts';
import type { Scene } from '../../sim/scene.ts';
import type { Decision, ValidWithin } from '../../sim/validity.ts';
import { UsageError } from './errors.ts';
import { checkProbeRadius } from './probe-radius.ts';

/** What `grad --json` prints (docs/cli.md "--json documents"). */
export interface GradReport {
  /** the quantity's final value */
  value: number;
  /** d value / d parameter, by parameter path as written */
  grad: Record<string, number>;
  /** non-smooth decisions near their boundary (label names pair and step; margin in the op's units) */
  kinks: { label: string; margin: number; distance?: number }[];
  /**
   * how far the parameters may move (their own units) before a non-smooth decision of the
   * rollout flips, with that decision; null when none can (sim/validity.ts; docs/cli.md
   * "grad"). Absent beyond 8 parameters unless `--validity`
   */
  validWithin?: ValidWithin | null;
  /** the decisions nearest to flipping, ranked by their distance in the parameters' units */
  decisions?: Decision[];
  /** with `--probe R`: what the gradient means within R (sim/probe.ts) */
  probe?: GradProbe;
}

/** What `grad --target` adds to {@link GradReport} for several outputs (docs/cli.md "--json documents"). */
export interface VectorLossReport extends GradReport {
  /** the outputs, one component each: the `--of` paths with vectors spelt out */
  of: string[];
  /** their final values */
  outputs: number[];
  /** the targets; `value` is Σ (output − target)² and `grad` its gradient */
  target: number[];
}

/** What `grad --jacobian --json` prints (docs/cli.md "--json documents"). */
export interface JacobianReport {
  /** the outputs (rows), one component each: the `--of` paths with vectors spelt out */
  of: string[];
  /** the parameters (columns), as written */
  wrt: string[];
  /** the outputs' final values */
  value: number[];
  /** d output / d parameter: one row per output, one column per parameter */
  jacobian: number[][];
  /** non-smooth decisions within 1 mm (1 mm/s) of their boundary, nearest first */
  kinks: { label: string; margin: number }[];
}

/** What `grad --probe R --json` adds (docs/cli.md "--json documents"). */
export interface GradProbe {
  /** about the whole ball of radius R: smooth only if no decision flips within it */
  verdict: 'smooth' | 'kink' | 'discontinuous';
  /** about the point alone, from its one-sided derivatives */
  atPoint: 'smooth' | 'kink' | 'discontinuous';
  /** decisions that flip within R (first-order distance, predicted flip point by parameter) */
  flipsWithin: { label: string; distance: number; flipAt: Record<string, number> }[];
  /** one line saying why */
  reason: string;
  /** [d+, d−]: right and left derivatives along each parameter, both as slopes */
  directional: Record<string, [number, number]>;
  /** [min, max] of each gradient component sampled within R (a Clarke-gradient estimate) */
  range: Record<string, [number, number]>;
}

/**
 * Split `--wrt` values (each may hold several comma-separated paths; the flag may repeat)
 * into distinct paths, in order.
 *
 * @example
 * splitPathList(['ball.mass,contact.stiffness', 'ball.mass']); // ['ball.mass', 'contact.stiffness']
 */
export function splitPathList(values: readonly string[]): string[] {
  return [...new Set(values.flatMap((v) => v.split(',').map((p) => p.trim())))];
}

/** Check `--of` and `--wrt` against the scene's bodies: a PathError (exit 2) names the bad path and the valid ones. */
export function checkGradPaths(scene: Scene, of: string, wrt: readonly string[]): void {
  const bodies = pathBodies(scene);
  parseQuantityPath(of, bodies, '--of');
  for (const p of wrt) parseParamPath(p, bodies, '--wrt');
}

/**
 * The gradient report of `of` w.r.t. `wrt` at the end of `scene`'s rollout. Throws a
 * PathError for a bad path, a DivergenceError for a non-finite state, and an Error for a
 * non-finite gradient (never returns NaN). Every contact mode goes to the rollout, which
 * dispatches on `scene.contact.mode`.
 *
 * @example
 * const r = await runGradient(scene, 'ball.position.z', ['ball.linearVelocity.z']);
 * r.grad['ball.linearVelocity.z']; // seconds: dz(T)/dv_z(0) = T in free flight
 */
export async function runGradient(
  scene: Scene,
  of: string,
  wrt: readonly string[],
  opts: { kinkTol?: number; probe?: number; validity?: boolean } = {},
): Promise<GradReport> {
  checkGradPaths(scene, of, wrt);
  if (opts.probe !== undefined) checkProbeRadius(scene, wrt, opts.probe);
  const { gradient } = await import('../../sim/gradient.ts');
  const result = gradient(scene, of, wrt, { kinkTol: opts.kinkTol, validity: opts.validity });
  const nonFinite = [['value', result.value], ...Object.entries(result.grad)].filter(([, v]) => !Number.isFinite(v));
  if (nonFinite.length > 0) {
    const names = nonFinite.map(([name]) => (name === 'value' ? `the value of ${of}` : `d/d ${name}`)).join(', ');
    throw new Error(`the gradient is not finite (${names}); try a smaller dt or a softer contact`);
  }
  const report: GradReport = {
    value: result.value,
    grad: result.grad,
    kinks: result.kinks.map((k) => ({
      label: k.label,
      margin: k.margin,
      ...(k.distance !== undefined && { distance: k.distance }),
    })),
  };
  if (result.validWithin !== undefined) {
    report.validWithin = result.validWithin;
    report.decisions = result.decisions;
  }
  if (opts.probe !== undefined) report.probe = await runProbe(scene, of, wrt, opts.probe, opts.kinkTol);
  return report;
}

/** The probe part of the report; an Error (exit 1) if a derivative is not finite. */
async function runProbe(
  scene: Scene,
  of: string,
  wrt: readonly string[],
  radius: number,
  kinkTol: number | undefined,
): Promise<GradProbe> {
  const { probe } = await import('../../sim/probe.ts');
  const p = probe(scene, { of, wrt, radius, kinkTol });
  const numbers = [...Object.values(p.directional), ...Object.values(p.range)].flat();
  if (!numbers.every(Number.isFinite))
    throw new Error('the probe met a non-finite derivative; try a smaller dt or a softer contact');
  return {
    verdict: p.verdict,
    atPoint: p.atPoint,
    flipsWithin: p.flipsWithin,
    reason: p.reason,
    directional: p.directional,
    range: p.range,
  };
}

/** The outputs `--of` names, one component each (a whole vector spelt out: `ball.position.x`, `.y`, `.z`). */
export function outputNames(scene: Scene, of: readonly string[]): string[] {
  const bodies = pathBodies(scene);
  return of.flatMap((text) => {
    const q = parseQuantityPath(text, bodies, '--of');
    if (q.component !== null) return [text];
    const names = q.field === 'orientation' ? 'wxyz' : 'xyz';
    return [...names].map((c) => `${text}.${c}`);
  });
}

/**
 * `grad` with several outputs: the Jacobian (`jacobian`), or with `target` (one number per
 * output) the gradient of the loss Σ (output − target)². One output component without
 * either is the ordinary gradient ({@link runGradient}); several without either are a
 * UsageError saying which to give, rather than a silently chosen loss.
 *
 * @example
 * const J = await runVectorGradient(scene, ['ball.position'], ['ball.linearVelocity.x'], { jacobian: true });
 * J.jacobian; // 3 × 1
 */
export async function runVectorGradient(
  scene: Scene,
  of: readonly string[],
  wrt: readonly string[],
  opts: { jacobian?: boolean; target?: readonly number[]; kinkTol?: number; probe?: number; validity?: boolean },
): Promise<JacobianReport | VectorLossReport> {
  if (opts.probe !== undefined)
    throw new UsageError('--probe takes one output component (--of Q.x): it judges one gradient');
  if (opts.jacobian === true && opts.kinkTol !== undefined)
    throw new UsageError('--kink-tol does not apply with --jacobian (it reports the decisions within 1e-3)');
  for (const p of wrt) parseParamPath(p, pathBodies(scene), '--wrt');
  const rows = outputNames(scene, of);
  if (opts.jacobian === true && opts.target !== undefined)
    throw new UsageError(
      '--jacobian and --target: give one (the Jacobian of the outputs, or the gradient of Σ (output − target)²)',
    );
  // the API's front door does the tracing: outputs by name, one recorded rollout
  const [api, ad] = await Promise.all([import('../../api/gradient.ts'), import('../../ad/index.ts')]);
  if (opts.jacobian === true) {
    const J = api.jacobian(scene, { of: rows, wrt });
    const report: JacobianReport = { of: J.rows, wrt: J.columns, value: J.value, jacobian: J.jacobian, kinks: J.kinks };
    const bad = report.jacobian
      .flat()
      .concat(report.value)
      .some((v) => !Number.isFinite(v));
    if (bad) throw new Error('the Jacobian is not finite; try a smaller dt or a softer contact');
    return report;
  }
  const target = opts.target;
  if (target === undefined) {
    throw new UsageError(
      `--of names ${rows.length} outputs (${rows.join(', ')}): give --jacobian for d(output)/d(parameter), or --target with ${rows.length} numbers for the gradient of Σ (output − target)²`,
    );
  }
  if (target.length !== rows.length)
    throw new UsageError(`--target has ${target.length} numbers for ${rows.length} outputs (${rows.join(', ')})`);
  const bodies = pathBodies(scene);
  const parsed = rows.map((r) => parseQuantityPath(r, bodies, '--of'));
  const outputs: number[] = [];
  const r = api.gradient(scene, {
    wrt,
    kinkTol: opts.kinkTol,
    loss: ({ final }) => {
      const parts = parsed.map((q, k) => {
        const v = final[scene.bodies[q.body].name][q.field][q.component!];
        outputs[k] = typeof v === 'number' ? v : v.v;
        return ad.square(ad.sub(v, target[k]));
      });
      return ad.sum(parts);
    },
  });
  const nonFinite = [r.value, ...Object.values(r.grad)].some((v) => !Number.isFinite(v));
  if (nonFinite) throw new Error('the gradient is not finite; try a smaller dt or a softer contact');
  const report: VectorLossReport = {
    value: r.value,
    grad: r.grad,
    kinks: r.kinks,
    of: rows,
    outputs,
    target: [...target],
  };
  const validity = opts.validity ?? new Set(wrt).size <= 8;
  if (validity) {
    const { validity: validWithin, rankKinksByDistance } = await import('../../sim/validity.ts');
    const v = validWithin(scene, wrt, { distancesOf: report.kinks.map((k) => k.label) });
    report.validWithin = v.validWithin;
    report.decisions = v.decisions;
    rankKinksByDistance(report.kinks, v.distances);
  }
  return report;
}

/** The readable form of a Jacobian report: one row per output, one column per parameter. */
export function formatJacobianReport(report: JacobianReport): string {
  const width = Math.max(...report.of.map((r) => r.length), 'output'.length);
  const cell = (v: number) => v.toPrecision(6).padStart(14);
  const lines = [
    `Jacobian d(output)/d(parameter), ${report.of.length} × ${report.wrt.length}:`,
    `  ${'output'.padEnd(width)}  ${'value'.padStart(14)}  ${report.wrt.map((_, j) => `[${j + 1}]`.padStart(14)).join('')}`,
    ...report.of.map(
      (r, i) => `  ${r.padEnd(width)}  ${cell(report.value[i])}  ${report.jacobian[i].map(cell).join('')}`,
    ),
    ...report.wrt.map((p, j) => `  [${j + 1}] ${p}`),
    report.kinks.length === 0
      ? 'no non-smooth decisions within 1e-3 of their boundary (in their own units, m or m/s): ordinary derivatives at this point'
      : `${report.kinks.length} non-smooth decision(s) within 1e-3 of their boundary: branch derivatives there, read with care (nearest: ${report.kinks[0].label}, margin ${report.kinks[0].margin.toPrecision(3)})`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The readable form of a `--target` report: the outputs against their targets, then the gradient as usual. */
export function formatVectorLossReport(report: VectorLossReport, kinkTol: number | undefined): string {
  const width = Math.max(...report.of.map((r) => r.length));
  const head = [
    `loss Σ (output − target)² over ${report.of.length} outputs:`,
    ...report.of.map((r, k) => `  ${r.padEnd(width)}  ${report.outputs[k]} (target ${report.target[k]})`),
  ];
  return `${head.join('\n')}\n${formatGradReport('loss', report, kinkTol)}`;
}

/** Kinks listed in the readable report (a contact held for a second gives one per step). */
const KINKS_SHOWN = 10;

/** The readable form of a gradient report. */
export function formatGradReport(of: string, report: GradReport, kinkTol: number | undefined): string {
  const width = Math.max(...Object.keys(report.grad).map((p) => p.length));
  const lines = [`${of} = ${report.value}`, `gradient d(${of})/d(parameter):`];
  for (const [p, g] of Object.entries(report.grad)) lines.push(`  ${p.padEnd(width)}  ${g}`);
  const within = kinkTol === undefined ? 'near their boundary' : `within ${kinkTol} of their boundary`;
  if (report.kinks.length === 0) {
    lines.push(
      `no non-smooth decisions ${within} (in their own units, m or m/s)${report.validWithin === undefined ? ': an ordinary derivative at this point' : ''}`,
    );
  } else {
    lines.push(`${report.kinks.length} non-smooth decision(s) ${within}: a branch derivative there, read with care`);
    for (const k of report.kinks.slice(0, KINKS_SHOWN)) {
      const away =
        k.distance === undefined
          ? ''
          : Number.isFinite(k.distance)
            ? `, ${short(k.distance)} away in the parameters`
            : ', not moved by the parameters (bounds nothing)';
      lines.push(`  ${k.label} — margin ${k.margin.toPrecision(3)}${away}`);
    }
    const hidden = report.kinks.length - KINKS_SHOWN;
    if (hidden > 0) lines.push(`  … ${hidden} more (--json lists them all)`);
  }
  lines.push(...formatValidity(report));
  if (report.probe !== undefined) {
    const p = report.probe;
    lines.push(`probe: ${p.verdict} within the radius (${p.atPoint} at the point) — ${p.reason}`);
    for (const [name, [right, left]] of Object.entries(p.directional)) {
      const [lo, hi] = p.range[name];
      lines.push(`  ${name.padEnd(width)}  d+ ${right}, d− ${left}; gradient within the radius in [${lo}, ${hi}]`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** 1.9e-5, 0.0213, 12.5: two or three significant digits, exponents for the small and large. */
function short(v: number): string {
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(1) : Number(v.toPrecision(3)).toString();
}

/** `validWithin` in words: how far the gradient holds, and the decision that limits it. */
export function formatValidity(report: Pick<GradReport, 'grad' | 'validWithin'>): string[] {
  const v = report.validWithin;
  if (v === undefined)
    return ['validity radius not computed (--no-validity, or more than 8 parameters without --validity)'];
  const names = Object.keys(report.grad);
  if (v === null)
    return [
      `no recorded non-smooth decision moves with ${names.join(', ')}: nothing in this rollout bounds the gradient (no contact, and no pair's approach to the collision margin, moves with it)`,
    ];
  const where = (decision: string) => decision.replace(/^step (\d+): /, 'step $1, ');
  if (names.length === 1) {
    return [
      `this gradient holds for changes up to ${short(v.distance)} in ${names[0]}; nearest decision: ${where(v.decision)} (margin ${short(v.margin)})`,
    ];
  }
  const lines = [
    `this gradient holds within a ball of radius ${short(v.distance)} in (${names.join(', ')}), each in its own unit; nearest decision: ${where(v.decision)} (margin ${short(v.margin)})`,
  ];
  const width = Math.max(...names.map((p) => p.length));
  for (const p of names) {
    const b = v.byParameter[p];
    lines.push(
      b === undefined || !Number.isFinite(b.distance)
        ? `  ${p.padEnd(width)}  moves no decision`
        : `  ${p.padEnd(width)}  up to ${short(b.distance)} alone (${where(b.decision)})`,
    );
  }
  return lines;
}
