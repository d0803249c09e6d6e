/**
 * The command line as a few bundled files in dist/cli/ (run by scripts/build.ts after tsc):
 * what `bin/diffcontact.js` starts. The start-up of the CLI is mostly node's ESM loader
 * walking module graphs (zod alone is 225 modules); one entry file plus lazily loaded
 * chunks (one per `await import(…)`: simulate, grad, sweep, optimize, plot) cut that to a
 * handful of files. The library entries (dist/api, dist/ad, dist/render) stay tsc's
 * one-module-per-source output, which users' own bundlers tree-shake.
 *
 * Two rewrites while bundling, both so that the bundle behaves as the tsc output does:
 * - `import.meta.url` in a bundled module becomes the URL of that module's tsc-compiled twin
 *   in dist/ (e.g. dist/sim/smoothing.js). Worker threads, `siblingModule` and the package's
 *   version lookup resolve files relative to their own module; the twins are those files.
 * - zod's message locales: zod's namespaces re-export all 49 languages (264 kB of the
 *   bundle's 700 kB); the scene loader uses zod's default English messages only, so the
 *   bundle carries `en` alone (`z.locales` holds only `en` in the CLI).
 *
 * esbuild places whole files in chunks, and a file imported statically from the entry lands in a
 * chunk the entry loads, with everything it imports. So modules on `simulate`'s path import
 * ad/ by file (`ad/ops.ts`), never through `ad/index.ts`: the barrel would load all of ad/ and,
 * through ad/implicit.ts, ml-matrix (test/package/cli-bundle.test.ts checks the set).
 *
 * Dependencies other than zod and commander stay external (cli-progress, ml-matrix: loaded
 * only by the commands that use them; bullmq, ioredis: only with --cluster and `worker`, and
 * 1.3 MB if bundled; vega, vega-lite, tsx: optional).
 */
import { build, type Metafile, type Plugin } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';

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
        return {
          contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromOut)}, import.meta.url).href`),
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

/** Bundle scenes/cli.ts into `outDir` (dist/cli/); returns esbuild's metafile (which files hold which modules). */
export async function bundleCli(root: string, outDir: string): Promise<Metafile> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(root, 'scenes', 'cli.ts')],
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    external: EXTERNAL,
    plugins: [twinUrls(root, outDir), zodEnglishOnly],
    // commander is CommonJS: its require('node:events') etc. need a require in ESM chunks
    banner: {
      js: "import { createRequire as __diffcontactRequire } from 'node:module'; const require = __diffcontactRequire(import.meta.url);",
    },
    metafile: true,
    logLevel: 'warning',
  });
  return result.metafile;
}
