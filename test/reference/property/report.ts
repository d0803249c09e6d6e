/**
 * The property suite at scale, with figures: `npx tsx test/reference/property/report.ts
 * [--cases N] [--seed S] [--pairs sphere-plane,box-plane] [--json]`.
 *
 * Draws N cases per pair (default 25), checks each at dt = 1e-3 and 1e-4 (compare.ts) and
 * prints: cases run, skipped by reason, pass rate, worst error at each dt, the convergence
 * ratio err(1e-3)/err(1e-4) (first order: ≈ 10), and the failing cases grouped by class
 * (pair, gravity, impact regimes) with their worst entry. Progress goes to stderr.
 */
import fc from 'fast-check';
import { ARBITRARIES, PAIRS, type Pair, type Scenario } from './scenarios.ts';
import {
  checkScenario,
  ERROR_PER_DT,
  MIN_CONVERGENCE,
  NOISE_FLOOR,
  SKIP_REASONS,
  type CaseResult,
  type Measured,
} from './compare.ts';

const DTS = [1e-3, 1e-4] as const;

function option(name: string, fallback: string): string {
  const k = process.argv.indexOf(`--${name}`);
  return k >= 0 && process.argv[k + 1] !== undefined ? process.argv[k + 1] : fallback;
}

const cases = Number(option('cases', '25'));
const seed = Number(option('seed', '11'));
const pairs = option('pairs', PAIRS.join(',')).split(',') as Pair[];
const asJson = process.argv.includes('--json');
for (const p of pairs) if (!PAIRS.includes(p)) throw new Error(`unknown pair '${p}' (one of ${PAIRS.join(', ')})`);
if (!(cases >= 1)) throw new Error('--cases must be a positive number');

interface Row {
  pair: Pair;
  tags: Scenario['tags'];
  result: CaseResult;
}

const rows: Row[] = [];
const started = performance.now();
for (const pair of pairs) {
  const draws = fc.sample(ARBITRARIES[pair], { numRuns: cases, seed });
  draws.forEach((s, k) => {
    const result = checkScenario(s, DTS);
    rows.push({ pair, tags: s.tags, result });
    const what = result.status === 'skipped' ? `skipped (${result.reason})` : result.pass ? 'pass' : 'FAIL';
    process.stderr.write(
      `${pair} ${k + 1}/${cases}: ${what}  [${((performance.now() - started) / 1000).toFixed(0)} s]\n`,
    );
  });
}

const run = rows.filter(
  (r): r is Row & { result: Extract<CaseResult, { status: 'run' }> } => r.result.status === 'run',
);
const skipped = Object.fromEntries(
  SKIP_REASONS.map((reason) => [
    reason,
    rows.filter((r) => r.result.status === 'skipped' && r.result.reason === reason).length,
  ]),
);
const worstAt = (k: number): Measured | null =>
  run.reduce<Measured | null>(
    (w, r) => (!w || !(r.result.measured[k].error <= w.error) ? r.result.measured[k] : w),
    null,
  );
// the ratio means something only above the reference's own noise (~1e-8)
const ratios = run
  .filter((r) => r.result.measured[0].error > NOISE_FLOOR)
  .map((r) => r.result.measured[0].error / r.result.measured[1].error)
  .sort((a, b) => a - b);
const classOf = (r: (typeof run)[number]) => {
  const regimes = [...new Set(r.result.structure.split(' | ').map((e) => e.split(':')[1]))].sort().join('+');
  return `${r.pair}, gravity ${r.tags.gravity ? 'on' : 'off'}, ${regimes}`;
};
const classes = new Map<
  string,
  { run: number; failed: number; worst: Measured[]; forward: number[]; translational: number[] }
>();
for (const r of run) {
  const key = classOf(r);
  const c = classes.get(key) ?? {
    run: 0,
    failed: 0,
    worst: DTS.map((dt) => ({ dt, forward: 0, translational: 0, error: 0, worst: '', ad: 0, ref: 0 })),
    forward: DTS.map(() => 0),
    translational: DTS.map(() => 0),
  };
  c.run++;
  if (!r.result.pass) c.failed++;
  r.result.measured.forEach((m, k) => {
    c.forward[k] = Math.max(c.forward[k], m.forward);
    c.translational[k] = Math.max(c.translational[k], m.translational);
    if (!(m.error <= c.worst[k].error)) c.worst[k] = m;
  });
  classes.set(key, c);
}

const summary = {
  casesDrawn: rows.length,
  run: run.length,
  skipped,
  passed: run.filter((r) => r.result.pass).length,
  passRate: run.length ? run.filter((r) => r.result.pass).length / run.length : null,
  tolerance: { finestDt: ERROR_PER_DT * DTS[DTS.length - 1], minConvergence: MIN_CONVERGENCE },
  worst: Object.fromEntries(DTS.map((dt, k) => [dt, worstAt(k)])),
  worstForward: Object.fromEntries(DTS.map((dt, k) => [dt, Math.max(...run.map((r) => r.result.measured[k].forward))])),
  convergenceRatio: ratios.length
    ? { min: ratios[0], median: ratios[Math.floor(ratios.length / 2)], max: ratios[ratios.length - 1] }
    : null,
  classes: Object.fromEntries([...classes.entries()].sort()),
  seconds: (performance.now() - started) / 1000,
};

if (asJson) {
  console.log(JSON.stringify(summary, null, 2));
} else {
  const fmt = (m: Measured | null) =>
    m ? `${m.error.toExponential(2)} (${m.worst}: AD ${m.ad.toPrecision(5)}, ref ${m.ref.toPrecision(5)})` : '-';
  console.log(
    `property suite: ${cases} draws per pair (${pairs.join(', ')}), seed ${seed}, ${summary.seconds.toFixed(0)} s`,
  );
  console.log(
    `cases drawn ${rows.length}, run ${run.length}, passed ${summary.passed} (${summary.passRate === null ? '-' : (100 * summary.passRate).toFixed(1)} %)`,
  );
  console.log(
    `skipped: ${
      Object.entries(skipped)
        .filter(([, n]) => n > 0)
        .map(([r, n]) => `${r} ${n}`)
        .join(', ') || 'none'
    }`,
  );
  console.log(
    `error = max |AD − ref| / (1 + |ref|) over entries; pass: ≤ ${ERROR_PER_DT}·dt at dt ${DTS[DTS.length - 1]} and falling ≥ ${MIN_CONVERGENCE}× per tenfold smaller dt (or below ${NOISE_FLOOR})`,
  );
  DTS.forEach((dt, k) => console.log(`worst at dt ${dt}: ${fmt(worstAt(k))}`));
  DTS.forEach((dt, k) =>
    console.log(
      `worst at dt ${dt} over final positions and linear velocities only: ${Math.max(...run.map((r) => r.result.measured[k].translational)).toExponential(2)}`,
    ),
  );
  console.log(
    `forward cross-check, worst |hard − ref|/(1 + |ref|) of the final state: ${DTS.map((dt) => `${summary.worstForward[dt].toExponential(2)} at dt ${dt}`).join(', ')}`,
  );
  if (summary.convergenceRatio) {
    const c = summary.convergenceRatio;
    console.log(
      `convergence ratio err(1e-3)/err(1e-4) over the ${ratios.length} cases with err(1e-3) > ${NOISE_FLOOR}: min ${c.min.toPrecision(3)}, median ${c.median.toPrecision(3)}, max ${c.max.toPrecision(3)}`,
    );
  }
  console.log(
    'by class (pair, gravity, regimes): run / failed; worst gradient error at 1e-3, 1e-4 [its entry at 1e-4];',
  );
  console.log(
    '  the same over the final positions and linear velocities only; worst forward error of the final state at 1e-3, 1e-4',
  );
  for (const [key, c] of Object.entries(summary.classes)) {
    const grad = c.worst.map((m) => m.error.toExponential(2)).join(', ');
    const translational = c.translational.map((f) => f.toExponential(2)).join(', ');
    console.log(
      `  ${key}: ${c.run} / ${c.failed}; ${grad} [${c.worst[1].worst}]; x,v only ${translational}; forward ${c.forward.map((f) => f.toExponential(1)).join(', ')}`,
    );
  }
}
