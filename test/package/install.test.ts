// The package as a user gets it: `npm pack` (which builds dist/ through `prepare`), install
// the tarball into an empty project, and use it with plain node (no tsx, no TypeScript):
// the README's example computes a gradient through a hard bounce that must match the
// ballistic closed form, the bin answers --version and simulates, and a TypeScript user's
// import type-checks with node16 resolution against the shipped .d.ts.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLE = join(ROOT, 'docs/examples/bounce-gradient.mjs');
/** Zhong et al. 2023's single-collision task written against the public entry only */
const ZHONG = join(ROOT, 'test/package/zhong-single.mjs');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
};
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface PackEntry {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}

let work: string;
let project: string;
let packed: PackEntry;

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'diffcontact-pack-'));
  packed = (JSON.parse(run(NPM, ['pack', '--json', '--pack-destination', work], ROOT)) as PackEntry[])[0];
  project = join(work, 'project');
  cpSync(EXAMPLE, join(project, 'bounce-gradient.mjs'));
  cpSync(ZHONG, join(project, 'zhong-single.mjs'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }));
  // the runtime dependencies come from npm's cache when the checkout has been installed
  run(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, packed.filename)], project);
}, 600_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds the compiled library, its types, the bin and the docs, and no tests or sources', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths).toContain('dist/api/index.js');
    expect(paths).toContain('dist/api/index.d.ts');
    expect(paths).toContain('dist/ad/index.js');
    expect(paths).toContain('dist/cli/cli.cjs');
    expect(paths).not.toContain('dist/cli/cli.cache'); // made by the installed copy's first run (bin/compiled-cli.js)
    expect(paths).toContain('bin/compiled-cli.js');
    expect(paths).toContain('bin/package.json');
    expect(paths).toContain('bin/diffcontact.js');
    expect(paths).toContain('docs/scene.schema.json');
    const misplaced = paths.filter(
      (p) => /^(test|bench|scenes|sim|ad|api|render)\//.test(p) || (p.endsWith('.ts') && !p.endsWith('.d.ts')),
    );
    expect(misplaced).toEqual([]);
  });

  it('installs only the runtime dependencies: no viewer, plotting or TypeScript loader', () => {
    const installed = join(project, 'node_modules');
    for (const dep of Object.keys(PKG.dependencies)) expect(existsSync(join(installed, dep)), dep).toBe(true);
    for (const heavy of ['three', 'vega', 'vega-lite', 'lil-gui', 'uplot', 'tsx', 'typescript', 'gl-matrix']) {
      expect(existsSync(join(installed, heavy)), heavy).toBe(false);
    }
  });

  it("runs the README's example with plain node: the gradient through a hard bounce matches the closed form", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(readFileSync(EXAMPLE, 'utf8').trim());
    const out = JSON.parse(run(process.execPath, ['bounce-gradient.mjs'], project)) as {
      value: number;
      grad: Record<string, number>;
    };
    // dropped from h = 1 m (centre), radius r = 0.1 m: impact at t₁ = √(2(h − r)/g), rebound
    // speed e·g·t₁, height at T: z = r + e·g·t₁·τ − g·τ²/2 with τ = T − t₁; loss (z − 0.3)²
    const [g, h, r, e, T] = [9.81, 1, 0.1, 0.5, 0.8];
    const t1 = Math.sqrt((2 * (h - r)) / g);
    const tau = T - t1;
    const z = 0.3 - Math.sqrt(out.value); // the ball ends below 0.3 m
    expect(z).toBeCloseTo(r + e * g * t1 * tau - (g * tau * tau) / 2, 2);
    const dLossDz = 2 * (z - 0.3);
    expect(out.grad['ball.position.z'] / dLossDz).toBeCloseTo((e * (tau - t1) + tau) / t1, 2);
    expect(out.grad['contact.restitution'] / dLossDz).toBeCloseTo(g * t1 * tau, 2);
  });

  it("reproduces a published figure with the installed package alone: Zhong et al. 2023's single-collision optimum 0.3115", () => {
    const r = JSON.parse(run(process.execPath, ['zhong-single.mjs'], project)) as {
      start: number;
      loss: number;
      replayed: number;
      optimum: number;
    };
    expect(r.start).toBeGreaterThan(1);
    expect(Math.abs(r.loss - r.optimum) / r.optimum, JSON.stringify(r)).toBeLessThan(0.01);
    expect(r.replayed).toBeCloseTo(r.loss, 9);
  }, 300_000);

  it('runs the worker-thread strategies from the installed package (multistart loads its objective from dist/)', () => {
    const bin = join(project, 'node_modules/.bin/diffcontact');
    const scene = join(project, 'node_modules/diffcontact/dist/scenes/bounce-wrong-hump.json');
    const r = spawnSync(
      bin,
      [
        'optimize',
        scene,
        '--strategy',
        'multistart',
        '--starts',
        '2',
        '--threads',
        '1',
        '--out',
        join(project, 'opt'),
        '--json',
      ],
      { cwd: project, encoding: 'utf8', timeout: 300_000 },
    );
    expect(r.stderr.replace(/^diffcontact: target not reached.*\n/m, '')).toBe('');
    expect([0, 3]).toContain(r.status);
    expect((JSON.parse(r.stdout) as { strategy: string }).strategy).toBe('multistart');
    expect(existsSync(join(project, 'opt', 'result.json'))).toBe(true);
  }, 300_000);

  it('ships a CLI that prints its version and simulates without tsx', () => {
    const bin = join(project, 'node_modules/.bin/diffcontact');
    expect(run(bin, ['--version'], project).trim()).toBe(PKG.version);
    const scene = join(project, 'node_modules/diffcontact/dist/scenes/ball-drop.json');
    const z0 = (
      JSON.parse(readFileSync(scene, 'utf8')) as { bodies: { name: string; position: number[] }[] }
    ).bodies.find((b) => b.name === 'ball')!.position[2];
    const report = JSON.parse(run(bin, ['simulate', scene, '--steps', '100', '--json'], project)) as {
      steps: number;
      final: Record<string, { position: number[] }>;
    };
    expect(report.steps).toBe(100);
    // free fall from z0 for 0.1 s (the ball is 1 m above the ground: no contact yet)
    expect(report.final.ball.position[2]).toBeCloseTo(z0 - (9.81 * 0.1 ** 2) / 2, 2);
    expect(
      run(
        process.execPath,
        ['-e', "import('diffcontact/ad').then((ad) => console.log(ad.valueAndGrad(([x]) => ad.relu(x), [2]).grad[0]))"],
        project,
      ).trim(),
    ).toBe('1');
  });

  it('asks for vega and vega-lite when a plot is wanted without them (exit 1, one line, the install command)', () => {
    const bin = join(project, 'node_modules/.bin/diffcontact');
    const scene = join(project, 'node_modules/diffcontact/dist/scenes/ball-drop.json');
    const args = [
      'sweep',
      scene,
      '--steps',
      '20',
      '--of',
      'ball.position.z',
      '--wrt',
      'ball.position.z',
      '--from',
      '1',
      '--to',
      '1.1',
      '--n',
      '3',
      '--plot',
      join(project, 'sweep.svg'),
    ];
    const r = spawnSync(bin, args, { cwd: project, encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'diffcontact: plots need the optional packages vega and vega-lite (vega and vega-lite are not installed): npm install vega vega-lite\n',
    );
    expect(existsSync(join(project, 'sweep.svg'))).toBe(false);
  });

  it('type-checks a TypeScript user of the package with node16 resolution', () => {
    writeFileSync(
      join(project, 'use.ts'),
      [
        "import { gradient, simulate, ad, type GradientResult } from 'diffcontact';",
        "import * as adOnly from 'diffcontact/ad';",
        "const r: GradientResult = gradient({ bodies: [] }, { of: 'ball.position.z', wrt: ['ball.mass'] });",
        "const z: number = simulate('scene.json').final.ball.position[2];",
        'const y: ad.Real = adOnly.add(1, 2);',
        'export { r, z, y };',
      ].join('\n'),
    );
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const args = [
      tsc,
      '--noEmit',
      '--strict',
      '--module',
      'node16',
      '--moduleResolution',
      'node16',
      '--target',
      'es2022',
      '--types',
      'node',
      '--typeRoots',
      join(ROOT, 'node_modules/@types'),
      'use.ts',
    ];
    expect(() => run(process.execPath, args, project)).not.toThrow();
  }, 300_000);
});
