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

/** What `grad --json` prints (docs/cli.md "--json documents"). */
export interface GradReport {
  /** the quantity's final value */
  value: number;
  /** d value / d parameter, by parameter path as written */
  grad: Record<string, number>;
  /** non-smooth decisions near their boundary (label names pair and step; margin in the op's units) */
  kinks: { label: string; margin: number }[];
  /** with `--probe R`: what the gradient means within R (sim/probe.ts) */
  probe?: GradProbe;
}

/** What `grad --probe R --json` adds (docs/cli.md "--json documents"). */
export interface GradProbe {
  verdict: 'smooth' | 'kink' | 'discontinuous';
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
  opts: { kinkTol?: number; probe?: number } = {},
): Promise<GradReport> {
  checkGradPaths(scene, of, wrt);
  const { gradient } = await import('../../sim/gradient.ts');
  const result = gradient(scene, of, wrt, opts.kinkTol === undefined ? {} : { kinkTol: opts.kinkTol });
  const nonFinite = [['value', result.value], ...Object.entries(result.grad)].filter(([, v]) => !Number.isFinite(v));
  if (nonFinite.length > 0) {
    const names = nonFinite.map(([name]) => (name === 'value' ? `the value of ${of}` : `d/d ${name}`)).join(', ');
    throw new Error(`the gradient is not finite (${names}); try a smaller dt or a softer contact`);
  }
  const report: GradReport = { value: result.value, grad: result.grad, kinks: result.kinks.map((k) => ({ label: k.label, margin: k.margin })) };
  if (opts.probe !== undefined) report.probe = await runProbe(scene, of, wrt, opts.probe, opts.kinkTol);
  return report;
}

/** The probe part of the report; an Error (exit 1) if a derivative is not finite. */
async function runProbe(scene: Scene, of: string, wrt: readonly string[], radius: number, kinkTol: number | undefined): Promise<GradProbe> {
  const { probe } = await import('../../sim/probe.ts');
  const p = probe(scene, { of, wrt, radius, kinkTol });
  const numbers = [...Object.values(p.directional), ...Object.values(p.range)].flat();
  if (!numbers.every(Number.isFinite)) throw new Error('the probe met a non-finite derivative; try a smaller dt or a softer contact');
  return { verdict: p.verdict, reason: p.reason, directional: p.directional, range: p.range };
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
    lines.push(`no non-smooth decisions ${within}: an ordinary derivative`);
  } else {
    lines.push(`${report.kinks.length} non-smooth decision(s) ${within}: a branch derivative there, read with care`);
    for (const k of report.kinks.slice(0, KINKS_SHOWN)) lines.push(`  ${k.label} — margin ${k.margin.toPrecision(3)}`);
    const hidden = report.kinks.length - KINKS_SHOWN;
    if (hidden > 0) lines.push(`  … ${hidden} more (--json lists them all)`);
  }
  if (report.probe !== undefined) {
    const p = report.probe;
    lines.push(`probe: ${p.verdict} — ${p.reason}`);
    for (const [name, [right, left]] of Object.entries(p.directional)) {
      const [lo, hi] = p.range[name];
      lines.push(`  ${name.padEnd(width)}  d+ ${right}, d− ${left}; gradient within the radius in [${lo}, ${hi}]`);
    }
  }
  return `${lines.join('\n')}\n`;
}
