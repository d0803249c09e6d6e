// `diffcontact sweep` and `diffcontact grad --probe` on the ball-drop onset scene of
// test/sim/onset-scenes.ts written to a temp dir: the JSON contract of docs/cli.md (with the
// penalty jump at the analytic last-step onset and its kink, none in soft mode), the SVG
// plot, the readable output, the probe verdicts, and every invalid-input path with exit 2.
// Hard mode (its own onset, h_N rather than h_{N−1}) is in cli-hard.test.ts.
// One case runs the real binary as a child process; the rest run `runCli` in process.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DROP, dropOnset, dropScene, dropVelocityJump, dropWeightSlope, kinkStep } from '../sim/onset-scenes.ts';
import { cli, cliInProcess, expectFailure } from './cli-run.ts';

const LAST_ONSET = dropOnset(DROP.steps - 1);
// a grid around the last step's onset whose points avoid it
const RANGE = ['--from', String(LAST_ONSET - 0.004), '--to', String(LAST_ONSET + 0.001), '--n', '6'];
const SWEEP = ['--of', 'ball.linearVelocity.z', '--wrt', 'ball.position.z', ...RANGE];

let dir = '';
const file = (name: string) => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'diffcontact-sweep-'));
  writeFileSync(file('drop.json'), JSON.stringify(dropScene(1, 'penalty')));
  writeFileSync(file('onset.json'), JSON.stringify(dropScene(LAST_ONSET, 'penalty')));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.concurrent('diffcontact sweep', () => {
  it('--json --plot (binary): the docs/cli.md document per mode, the penalty onset jump, an SVG', async () => {
    const svg = file('sweep.svg');
    const r = await cli('sweep', file('drop.json'), ...SWEEP, '--contact', 'penalty,soft', '--json', '--plot', svg);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['penalty', 'soft']);
    for (const mode of ['penalty', 'soft']) {
      const s = out[mode];
      for (const key of ['x', 'value', 'grad', 'fdGrad']) expect(s[key]).toHaveLength(6);
      expect(s.x[0]).toBeCloseTo(LAST_ONSET - 0.004, 12);
      expect(s.x[5]).toBeCloseTo(LAST_ONSET + 0.001, 12);
      for (const j of s.jumps) expect(Object.keys(j)).toEqual(expect.arrayContaining(['at', 'size', 'kinks']));
    }
    expect(out.soft.jumps).toEqual([]);
    // the last onset (the weight ramp's end, d = +h above it, is a smaller jump: step-exact.ts)
    const onsets = out.penalty.jumps.filter((j: { kinks: { label: string }[] }) =>
      j.kinks[0].label.endsWith('ground/ball onset'),
    );
    const last = onsets[onsets.length - 1];
    expect(kinkStep(last.kinks[0].label)).toBe(DROP.steps - 1);
    expect(last.kinks[0].label).toMatch(/ground\/ball onset$/);
    expect(Math.abs(last.at - LAST_ONSET)).toBeLessThanOrEqual(last.interval[1] - last.interval[0]);
    expect(last.size).toBeCloseTo(dropVelocityJump(), 9);
    // the plot: an SVG with a legend entry per mode and a dashed rule per jump in each panel
    const text = readFileSync(svg, 'utf8');
    expect(text).toMatch(/^<svg /);
    expect(text).toContain('>penalty<');
    expect(text).toContain('>soft<');
    expect(text.match(/stroke-dasharray="4,3"/g)).toHaveLength(2 * out.penalty.jumps.length);
  });

  it('prints a readable table and the jumps with their kinks without --json', async () => {
    const r = await cliInProcess('sweep', file('drop.json'), ...SWEEP);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^penalty: ball\.linearVelocity\.z against ball\.position\.z/);
    expect(r.stdout).toMatch(/grad \(AD\)\s+grad \(FD\)/);
    expect(r.stdout).toMatch(new RegExp(`gradient jumps by [\\d.]+.*step ${DROP.steps - 1}: ground/ball onset`));
  });

  it("sweeps the scene's own mode by default and takes negative bounds", async () => {
    const r = await cliInProcess(
      'sweep',
      file('drop.json'),
      '--of',
      'ball.position.z',
      '--wrt',
      'ball.linearVelocity.z',
      '--from',
      '-1',
      '--to',
      '-0.5',
      '--n',
      '2',
      '--json',
    );
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['penalty']);
    expect(out.penalty.x).toEqual([-1, -0.5]);
  });

  it('bad grids, modes and paths exit 2 naming the problem', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['--of', 'ball.position.z', '--wrt', 'ball.position.z', '--from', '1', '--to', '0', '--n', '3'],
        /--from must be below --to/,
      ],
      [['--of', 'ball.position.z', '--wrt', 'ball.position.z', '--from', '0', '--to', '1', '--n', '1'], /--n/],
      [['--of', 'ball.position.z', '--wrt', 'ball.position.z', '--from', 'low', '--to', '1', '--n', '3'], /--from/],
      [['--of', 'ball.position.z', '--wrt', 'ball.position.z', '--to', '1', '--n', '3'], /--from/],
      [['--of', 'ball.position.z', '--wrt', 'ball.position.z', ...RANGE, '--contact', 'soft,sticky'], /sticky/],
      [['--of', 'ball.position.z', '--wrt', 'ball.nonsense', ...RANGE], /ball\.nonsense/],
      [['--of', 'ball.position', '--wrt', 'ball.position.z', ...RANGE], /name a component/],
      // a quaternion's components are w, x, y, z (the suggestion once offered x, y, z alone)
      [
        ['--of', 'ball.orientation', '--wrt', 'ball.position.z', ...RANGE],
        /'ball\.orientation'.*name a component; valid: ball\.orientation\.w, ball\.orientation\.x, ball\.orientation\.y, ball\.orientation\.z/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await cliInProcess('sweep', file('drop.json'), ...args);
      expectFailure(r, 2);
      expect(r.stderr).toMatch(message);
    }
  });
});

describe.concurrent('diffcontact grad --probe', () => {
  const GRAD = ['--of', 'ball.linearVelocity.z', '--wrt', 'ball.position.z'];

  it('at the penalty onset: verdict kink, d+ = −g·dt/(2h) (weight ramp), d− = d+ − k·κ·dt/m', async () => {
    const r = await cliInProcess('grad', file('onset.json'), ...GRAD, '--probe', '1e-4', '--json');
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.probe.verdict).toBe('kink');
    const [right, left] = out.probe.directional['ball.position.z'];
    expect(right).toBeCloseTo(dropWeightSlope(1e-4), 6);
    expect(left).toBeCloseTo(dropWeightSlope(1e-4) - dropVelocityJump(), 6);
    expect(out.probe.range['ball.position.z'][1]).toBeCloseTo(dropWeightSlope(1e-4), 6);
    expect(out.kinks.map((k: { label: string }) => k.label)).toContain(`step ${DROP.steps - 1}: ground/ball onset`);
  });

  it('at the same height with soft contact: smooth (readable output)', async () => {
    const r = await cliInProcess('grad', file('onset.json'), ...GRAD, '--contact', 'soft', '--probe', '1e-4');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/probe: smooth/);
    expect(r.stdout).toMatch(/ball\.position\.z\s+d\+ -?[\d.]+(e-?\d+)?, d− -?[\d.]+/);
  });

  it('a radius that is not > 0 exits 2', async () => {
    const r = await cliInProcess('grad', file('onset.json'), ...GRAD, '--probe', '0');
    expectFailure(r, 2);
    expect(r.stderr).toContain('--probe');
  });
});
