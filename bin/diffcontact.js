#!/usr/bin/env node
// The `diffcontact` command. An installed package runs the compiled CLI (dist/cli/cli.js,
// plain JavaScript bundled by scripts/bundle-cli.ts, no TypeScript loader). A checkout runs the compiled CLI too when
// `npm run build` (also run by `npm install`) is newer than every source file; otherwise it
// runs the TypeScript sources through tsx, so an edit is never hidden by a stale build.
import { existsSync, readdirSync, statSync } from 'node:fs';
import module from 'node:module';

// node ≥ 22.1 keeps V8's compiled code of the CLI between runs (a cache in the temporary
// folder); older nodes have no such call and compile each time
module.enableCompileCache?.();

const root = new URL('../', import.meta.url);
const compiled = new URL('dist/cli/cli.js', root);
const stamp = new URL('dist/BUILD-STAMP', root);
const sources = ['api', 'ad', 'sim', 'scenes', 'render'].map((dir) => new URL(`${dir}/`, root));

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

const checkout = existsSync(new URL('scenes/cli.ts', root));
const built = existsSync(compiled) && existsSync(stamp);
const fresh = built && (!checkout || Math.max(...sources.map(newestSource)) <= statSync(stamp).mtimeMs);

if (fresh) {
  await import(compiled.href);
} else if (checkout) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('scenes/cli.ts', root).href);
} else {
  process.stderr.write(
    'diffcontact: the package has no compiled CLI (dist/cli/cli.js); reinstall it, or run `npm run build` in a checkout\n',
  );
  process.exitCode = 1;
}
