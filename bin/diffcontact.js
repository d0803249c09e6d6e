#!/usr/bin/env node
// The `diffcontact` command. An installed package runs the compiled CLI (dist/cli/cli.cjs,
// plain JavaScript bundled by scripts/bundle-cli.ts, no TypeScript loader). A checkout runs the compiled CLI too when
// `npm run build` (also run by `npm install`) is newer than every source file; otherwise it
// runs the TypeScript sources through tsx, so an edit is never hidden by a stale build.
//
// CommonJS (bin/package.json): node starts a CommonJS file without the work of its ESM loader,
// and the compiled CLI is one CommonJS script run with V8's code cache (compiled-cli.js).
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const root = join(__dirname, '..');
const compiled = join(root, 'dist/cli/cli.cjs');
const stamp = join(root, 'dist/BUILD-STAMP');
const sources = ['api', 'ad', 'sim', 'scenes', 'render'].map((dir) => join(root, dir));

/** Newest modification time (ms) of the TypeScript and JSON files under `dir`. */
function newestSource(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(ts|json)$/.test(entry.name)) continue;
    newest = Math.max(newest, statSync(`${entry.parentPath}/${entry.name}`).mtimeMs);
  }
  return newest;
}

/** The sources through tsx (a checkout edited after its build). */
async function runSources() {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'scenes/cli.ts')).href);
}

const checkout = existsSync(join(root, 'scenes/cli.ts'));
const built = existsSync(compiled) && existsSync(stamp);
const fresh = built && (!checkout || Math.max(...sources.map(newestSource)) <= statSync(stamp).mtimeMs);

if (fresh) {
  const { runCompiledCli } = require('./compiled-cli.js');
  runCompiledCli(compiled, join(root, 'dist/cli/cli.cache'), process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
} else if (checkout) {
  void runSources();
} else {
  process.stderr.write(
    'diffcontact: the package has no compiled CLI (dist/cli/cli.cjs); reinstall it, or run `npm run build` in a checkout\n',
  );
  process.exitCode = 1;
}
