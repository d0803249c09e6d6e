/**
 * The package's version, read from its package.json: the one file that states it. The
 * sources sit two folders below the package root (scenes/cli/), the compiled modules three
 * (dist/scenes/cli/), so the nearest package.json named `diffcontact` above this file is it.
 */
import { readFileSync } from 'node:fs';

const PACKAGE_NAME = 'diffcontact';

let cached: string | undefined;

/** The version field of diffcontact's package.json (e.g. `0.1.0`). */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  for (const up of ['../../package.json', '../../../package.json']) {
    let text: string;
    try {
      text = readFileSync(new URL(up, import.meta.url), 'utf8');
    } catch {
      continue;
    }
    const pkg = JSON.parse(text) as { name?: string; version?: string };
    if (pkg.name === PACKAGE_NAME && typeof pkg.version === 'string') return (cached = pkg.version);
  }
  throw new Error(`${PACKAGE_NAME}: cannot find its own package.json above ${import.meta.url}`);
}
