/**
 * `npm run build`: the package's compiled form in dist/ (run by `prepare` and `prepack`, so
 * `npm install` in a checkout and `npm pack` both produce it).
 *
 * - tsc with tsconfig.build.json: ESM JavaScript and .d.ts for the library (api/, ad/, sim/),
 *   the CLI (scenes/cli*, scenes/optimize/) and the three.js adapter; the sources import
 *   each other as `./x.ts` and tsc rewrites those to `./x.js` in the JavaScript
 *   (`rewriteRelativeImportExtensions`). Declarations keep `.ts`, which only a bundler
 *   resolution accepts: rewritten here so `moduleResolution: node16` users type-check too.
 * - the example scenes (scenes/*.json) next to the compiled scripts that read them.
 * - the CLI bundled by esbuild into dist/cli/cli.cjs (scripts/bundle-cli.ts): what the bin
 *   starts, one file instead of ~350 modules, for start-up time; and dist/cli/cli.cache, V8's
 *   compiled code of it after one `simulate` run (bin/compiled-cli.js), made in a plain
 *   `node` process because V8 accepts a cache only under the flags it was made with (the
 *   tarball leaves it out: an installed copy makes its own, package.json `files`).
 * - dist/BUILD-STAMP: when the build finished (before the code cache's warm-up run, which
 *   needs it); bin/diffcontact.js runs the compiled CLI only when no source is newer (a
 *   checkout edited after its build runs from the sources).
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleCli, CLI_BUNDLE } from './bundle-cli.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');

/** Size of `file` in kB. */
function kB(file: string): number {
  return Math.round(statSync(file).size / 1000);
}

/** Every file under `dir` whose name ends with `suffix`. */
function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(suffix))
    .map((e) => join(e.parentPath, e.name));
}

rmSync(DIST, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
// everything on stderr: `npm pack --json` runs this and its stdout must stay one JSON document
execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { stdio: ['ignore', 2, 2] });

// `from './tape.ts'` → `from './tape.js'` (relative specifiers only)
const relativeTs = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]*?)\.ts(['"])/g;
for (const file of filesUnder(DIST, '.d.ts')) {
  const text = readFileSync(file, 'utf8');
  const rewritten = text.replace(relativeTs, '$1$2.js$3');
  if (rewritten !== text) writeFileSync(file, rewritten);
}

const scenesOut = join(DIST, 'scenes');
mkdirSync(scenesOut, { recursive: true });
for (const name of readdirSync(join(ROOT, 'scenes')).filter((n) => n.endsWith('.json'))) {
  copyFileSync(join(ROOT, 'scenes', name), join(scenesOut, name));
}

const cliDir = join(DIST, 'cli');
await bundleCli(ROOT, cliDir);
const cliCache = join(cliDir, 'cli.cache');
writeFileSync(join(DIST, 'BUILD-STAMP'), `${new Date().toISOString()}\n`);

// the code cache: the bin, now running the fresh build, writes one when it finds none
// (bin/compiled-cli.js). The command is the start-up benchmark's (bench/cli.ts); its output is not wanted.
const warmUp = ['simulate', 'scenes/ball-drop.json', '--steps', '1', '--json'];
const plainNode = { ...process.env, NODE_OPTIONS: '' };
execFileSync(process.execPath, [join(ROOT, 'bin', 'diffcontact.js'), ...warmUp], {
  cwd: ROOT,
  stdio: ['ignore', 'ignore', 2],
  env: plainNode,
});
if (!existsSync(cliCache)) throw new Error(`the warm-up run wrote no code cache to ${cliCache}`);

process.stderr.write(
  `built ${filesUnder(DIST, '.js').length} modules into dist/ (the CLI bundled into dist/cli/${CLI_BUNDLE}, ${kB(join(cliDir, CLI_BUNDLE))} kB, code cache ${kB(cliCache)} kB)\n`,
);
