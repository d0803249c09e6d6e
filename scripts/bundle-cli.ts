/**
 * The command line as one bundled file, dist/cli/cli.cjs (run by scripts/build.ts after tsc):
 * what `bin/diffcontact.js` starts, through bin/compiled-cli.js with V8's code cache of it
 * (dist/cli/cli.cache, made by the build's one warm-up run). Start-up is mostly loading and
 * compiling code: node's ESM loader walking module graphs (zod alone is 225 modules), parsing,
 * compiling each function on its first call. One CommonJS script is one file read, and a
 * script (unlike an ES module on node 20) can be handed its compiled code back. The library
 * entries (dist/api, dist/ad, dist/render) stay tsc's one-module-per-source output, which
 * users' own bundlers tree-shake.
 *
 * What a command does not need is not run: a module reached only through an `await import(…)`
 * (simulate, grad's runners, sweep, optimize, plot) becomes a function the bundle calls on
 * that import, and the external packages it requires load then too. What the entry imports
 * statically runs at start, with everything it imports. So modules on `simulate`'s path
 * import ad/ by file (`ad/ops.ts`), never through `ad/index.ts`: the barrel would run all of
 * ad/ and, through ad/implicit.ts, load ml-matrix (test/package/cli-bundle.test.ts checks the set).
 *
 * Two rewrites while bundling, both so that the bundle behaves as the tsc output does:
 * - `import.meta.url` in a bundled module becomes the URL of that module's tsc-compiled twin
 *   in dist/ (e.g. dist/sim/smoothing.js). Worker threads, `siblingModule` and the package's
 *   version lookup resolve files relative to their own module; the twins are those files.
 * - zod's message locales: zod's namespaces re-export all 49 languages (264 kB of the
 *   bundle's 700 kB); the scene loader uses zod's default English messages only, so the
 *   bundle carries `en` alone (`z.locales` holds only `en` in the CLI).
 * - commander's child_process loads on first use (commanderLazyChildProcess).
 *
 * sim/ imports zod as a module namespace (`import * as z from 'zod'`), never `import { z }`:
 * esbuild then keeps the zod functions the schemas call (103 kB), where the `z` object kept
 * all of zod (193 kB) and built its 300-odd getters at start.
 *
 * Dependencies other than zod and commander stay external (cli-progress, ml-matrix: loaded
 * only by the commands that use them; bullmq, ioredis: only with --cluster and `worker`, and
 * 1.3 MB if bundled; vega, vega-lite, tsx: optional).
 */
import { build, type Metafile, type Plugin } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import ts from 'typescript';

/** Packages left to node's resolver (everything not listed here and not relative is bundled). */
const EXTERNAL = ['cli-progress', 'ml-matrix', 'vega', 'vega-lite', 'tsx', 'three', 'bullmq', 'ioredis'];

/** Bundled modules see `import.meta.url` as their tsc-compiled twin's URL (see the file comment). */
function twinUrls(root: string, outDir: string): Plugin {
  return {
    name: 'twin-import-meta-url',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return { contents: text, loader: 'ts' };
        const twin = join(root, 'dist', relative(root, args.path)).replace(/\.ts$/, '.js');
        const fromOut = relative(outDir, twin).split(sep).join('/');
        // a CommonJS bundle has no import.meta; __filename is the bundle's path (bin/compiled-cli.js)
        const twinUrl = `new URL(${JSON.stringify(fromOut)}, require("node:url").pathToFileURL(__filename)).href`;
        return {
          contents: text.replaceAll('import.meta.url', twinUrl),
          loader: 'ts',
        };
      });
    },
  };
}

/** zod's `locales/index.js` replaced by one that re-exports English only. */
const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${sep}zod${sep}`)
        ? { path: join(args.resolveDir, dirname(args.path), 'en.js'), namespace: 'zod-en' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-en' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

/** What the bundle calls for `import(…)`: bin/compiled-cli.js passes its own import() in under this name. */
export const DYNAMIC_IMPORT = '__import';

/**
 * `code` (the bundle) with each `import(x)` call written `__import(x)`. The bundle runs as a
 * vm.Script, where node 20 handles `import()` only under --experimental-vm-modules (and a
 * function from a code cache not at all), so the modules it loads on demand (vega, bullmq,
 * worker objectives) are imported by bin/compiled-cli.js, a real module. Found in the syntax
 * tree, so the text `import(` in strings and templates (code for worker threads) is left as it is.
 */
function routeDynamicImports(code: string): string {
  if (code.includes(DYNAMIC_IMPORT)) throw new Error(`the CLI bundle already uses the name ${DYNAMIC_IMPORT}`);
  const file = ts.createSourceFile('cli.cjs', code, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const starts: number[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword)
      starts.push(node.expression.getStart(file));
    ts.forEachChild(node, visit);
  };
  visit(file);
  let out = '';
  let at = 0;
  for (const start of starts.sort((a, b) => a - b)) {
    out += code.slice(at, start) + DYNAMIC_IMPORT;
    at = start + 'import'.length;
  }
  return out + code.slice(at);
}

/**
 * commander's `require('node:child_process')` made lazy: commander spawns a process only for a
 * subcommand that is its own executable, which this CLI has none of, and node's child_process
 * (with net, dgram and the stream internals it loads) was the largest single cost of
 * evaluating commander at start-up.
 */
const commanderLazyChildProcess: Plugin = {
  name: 'commander-lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      args.importer.includes(`${sep}commander${sep}`)
        ? { path: args.path, namespace: 'lazy-child-process' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-child-process' }, () => ({
      // any member commander reads loads the module then
      contents:
        "let loaded; module.exports = new Proxy({}, { get: (_, name) => (loaded ??= require('node:child_process'))[name] });",
      loader: 'js',
    }));
  },
};

/** The bundle's file name in `outDir`; bin/diffcontact.js starts it. */
export const CLI_BUNDLE = 'cli.cjs';

/** Bundle scenes/cli/main.ts into `outDir`/cli.cjs (dist/cli/); returns esbuild's metafile (which modules it holds and how they import each other). */
export async function bundleCli(root: string, outDir: string): Promise<Metafile> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(root, 'scenes', 'cli', 'main.ts')],
    outfile: join(outDir, CLI_BUNDLE),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minify: true,
    external: EXTERNAL,
    plugins: [twinUrls(root, outDir), zodEnglishOnly, commanderLazyChildProcess],
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  const [bundle] = result.outputFiles;
  mkdirSync(outDir, { recursive: true });
  writeFileSync(bundle.path, routeDynamicImports(bundle.text));
  return result.metafile;
}
