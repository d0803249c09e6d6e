/**
 * `npm run bench`: every figure, as a table with goals; `npm run bench -- --json`: one JSON
 * object `{ "<figure>": number }` on stdout and nothing else (progress goes to stderr).
 * `--only <prefix>` runs the figures whose names start with the prefix.
 */
import { adFigures } from './ad.ts';
import { cliFigures } from './cli.ts';
import { clusterFigures } from './cluster.ts';
import { memoryFigures } from './memory.ts';
import { meetsGoal, type Figure, type Goal } from './harness.ts';
import { diffcontactEngine, diffcontactHardEngine, diffcontactMonitoredEngine } from './peers/diffcontact.ts';
import type { Engine } from './peers/peer.ts';
import { gradFigures } from './grad.ts';
import { multistartFigures } from './multistart.ts';
import { optimizeFigures } from './optimize.ts';
import { pile256Figures } from './pile.ts';
import {
  PEERS,
  forwardFigures,
  formatPhysicsTable,
  gcEventsDuringSteps,
  loadScene,
  medianStepMs,
  peerFigures,
  physicsRows,
} from './sim.ts';

const gcFigure: Figure = {
  name: 'forward.boxes100.gcPer1000Steps',
  describe:
    'garbage-collection events during 1,000 plain forward steps of the 100-box pile (PerformanceObserver gc), after 300 steps that warm the JIT',
  unit: 'events',
  goal: { max: 0 },
  run: () => gcEventsDuringSteps(diffcontactEngine, loadScene('boxes100'), 1000, 300),
};

const monitorFigure: Figure = {
  name: 'forward.boxes100.sanityOverhead',
  describe:
    'plain forward ms per step on the 100-box pile with the divergence monitor checked after every step, over without (interleaved runs, both orders: geometric mean)',
  unit: 'ratio',
  goal: { max: 1.02 },
  run: () => {
    // the engine timed first in a round runs measurably slower (±5 % on a shared machine),
    // so the ratio is taken in both orders
    const scene = loadScene('boxes100');
    const ratio = (engines: Engine[]) => {
      const ms = medianStepMs(engines, scene, { reps: 5 });
      return ms[diffcontactMonitoredEngine.name] / ms[diffcontactEngine.name];
    };
    return Math.sqrt(
      ratio([diffcontactEngine, diffcontactMonitoredEngine]) * ratio([diffcontactMonitoredEngine, diffcontactEngine]),
    );
  },
};

const figures: Figure[] = [
  ...adFigures,
  ...memoryFigures,
  ...forwardFigures(diffcontactEngine),
  gcFigure,
  monitorFigure,
  ...forwardFigures(diffcontactHardEngine, {
    prefix: 'forward.boxes100.hard',
    mode: 'hard',
    goals: { cannon: 1, rapier: 2 },
  }),
  ...pile256Figures,
  ...gradFigures,
  ...optimizeFigures,
  ...multistartFigures,
  ...peerFigures,
  ...cliFigures,
  ...clusterFigures,
];

const args = process.argv.slice(2);
const json = args.includes('--json');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;

const results: { figure: Figure; value: number }[] = [];
let failed = false;
for (const figure of figures) {
  if (only !== undefined && !figure.name.startsWith(only)) continue;
  process.stderr.write(`bench: ${figure.name} …\n`);
  try {
    results.push({ figure, value: await figure.run() });
  } catch (e) {
    failed = true;
    process.stderr.write(`bench: ${figure.name} failed: ${e instanceof Error ? e.message : String(e)}\n`);
  }
}

if (json) {
  process.stdout.write(`${JSON.stringify(Object.fromEntries(results.map((r) => [r.figure.name, r.value])))}\n`);
} else {
  printTable();
}
if (failed) process.exitCode = 1;

function formatGoal(goal: Goal | undefined): string {
  if (!goal) return '';
  const parts: string[] = [];
  if (goal.max !== undefined) parts.push(`≤ ${goal.max}`);
  if (goal.min !== undefined) parts.push(`≥ ${goal.min}`);
  return parts.join(', ');
}

function printTable(): void {
  const rows = results.map(({ figure, value }) => {
    const ok = meetsGoal(value, figure.goal);
    return [
      figure.name,
      value.toPrecision(3),
      figure.unit,
      formatGoal(figure.goal),
      ok === undefined ? '' : ok ? 'PASS' : 'MISS',
      figure.describe,
    ];
  });
  const header = ['figure', 'value', 'unit', 'goal', 'status', 'what'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells
      .map((s, c) => (c === 1 ? s.padStart(widths[c]) : s.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  process.stdout.write(`${out.join('\n')}\n`);
  if (only === undefined || 'physics'.startsWith(only)) {
    process.stdout.write(
      `\nphysics side by side (each engine against the closed form):\n${formatPhysicsTable(physicsRows([diffcontactEngine, diffcontactHardEngine, ...PEERS]))}\n`,
    );
  }
}
