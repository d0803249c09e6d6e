// The strategy × success table (scenes/optimize/table.ts) at a reduced size: one scene,
// three iterations per strategy, smoothing on the calling thread. Checks that every row
// is judged in hard mode against its own tolerance (success ⇔ miss ≤ tolerance, the
// initial miss is the initial guess simulated in hard mode), that the markdown has one
// line per row, and that the README rewrite touches only the text between the markers.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { namedProblem } from '../../scenes/optimize/registry.ts';
import {
  LOCAL_TABLE_STRATEGIES,
  main,
  replaceBetweenMarkers,
  strategyTable,
  TABLE_MARKERS,
  tableMarkdown,
  type TableRow,
} from '../../scenes/optimize/table.ts';

const dir = mkdtempSync(join(tmpdir(), 'diffcontact-table-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('strategy × success table', () => {
  let rows: TableRow[] = [];

  it('one row per strategy, each judged in hard mode against the scene tolerance', async () => {
    rows = await strategyTable({ size: 'test', iters: 3, scenes: ['bounce-to-target'], threads: 0 });
    expect(rows.map((r) => r.strategy)).toEqual(LOCAL_TABLE_STRATEGIES);
    const problem = namedProblem('bounce-to-target', 'test');
    const initialMiss = problem.outcome(problem.x0, 'hard').miss;
    for (const r of rows) {
      expect(r.initialMiss).toBe(initialMiss);
      expect(r.tolerance).toBe(problem.tolerance);
      expect(r.success).toBe((r.miss as number) <= r.tolerance);
      expect(r.iterations).toBeLessThanOrEqual(3);
      expect(r.seconds).toBeGreaterThan(0);
    }
  });

  it('markdown: a header, one line per row, how it was made', () => {
    const md = tableMarkdown(rows, {
      size: 'test',
      iters: 3,
      machine: 'a test machine',
      command: 'npx tsx scenes/optimize/table.ts --size test',
    });
    const tableLines = md.split('\n').filter((l) => l.startsWith('| bounce-to-target'));
    expect(tableLines).toHaveLength(rows.length);
    expect(md).toContain('Reproduce: `npx tsx scenes/optimize/table.ts --size test`');
  });

  it('the README rewrite replaces only what is between the markers, and is idempotent', () => {
    const text = `# title\nbefore\n${TABLE_MARKERS.start}\nold table\n${TABLE_MARKERS.end}\nafter\n`;
    const once = replaceBetweenMarkers(text, 'new table');
    expect(once).toBe(`# title\nbefore\n${TABLE_MARKERS.start}\nnew table\n${TABLE_MARKERS.end}\nafter\n`);
    expect(replaceBetweenMarkers(once, 'new table')).toBe(once);
    expect(() => replaceBetweenMarkers('no markers here', 'x')).toThrow(/optimize-table:start/);
  });

  it('the command writes the table into a given README; bad flags are invalid input', async () => {
    const readme = join(dir, 'README.md');
    writeFileSync(readme, `intro\n${TABLE_MARKERS.start}\n${TABLE_MARKERS.end}\n`);
    const stderr = process.stderr.write;
    process.stderr.write = () => true; // the command reports progress on stderr
    try {
      expect(
        await main(['--size', 'test', '--iters', '1', '--scenes', 'system-id', '--threads', '0', '--readme', readme]),
      ).toBe(0);
      await expect(main(['--size', 'huge'])).rejects.toThrow(/--size/);
      await expect(main(['--scenes', 'pinball'])).rejects.toThrow(/push-box/);
      await expect(main(['--frobnicate'])).rejects.toThrow(/frobnicate/);
    } finally {
      process.stderr.write = stderr;
    }
    const written = readFileSync(readme, 'utf8');
    expect(written.split('\n').filter((l) => l.startsWith('| system-id'))).toHaveLength(LOCAL_TABLE_STRATEGIES.length);
    expect(written.startsWith('intro\n')).toBe(true);
  });
});
