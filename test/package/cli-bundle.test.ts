// What `diffcontact simulate` loads before it runs: the bundled CLI's entry file and the
// simulate chunk, with every file they import statically (esbuild's metafile of a fresh
// bundle, scripts/bundle-cli.ts). Start-up time is mostly loading and compiling code, so
// the commands that differentiate or optimize keep their modules (the rest of ad/, ml-matrix
// through ad/implicit.ts) out of that set; one barrel import (`ad/index.ts`) from a module
// on the path is enough to pull them all in, because esbuild places whole files in chunks.
import type { Metafile } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli } from '../../scripts/bundle-cli.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let out: string;
let meta: Metafile;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'diffcontact-bundle-'));
  meta = await bundleCli(ROOT, out);
}, 120_000);

afterAll(() => {
  if (out !== undefined) rmSync(out, { recursive: true, force: true });
});

/** The output files whose `entryPoint` is one of `entries`, and every file they import statically. */
function staticClosure(entries: readonly string[]): Set<string> {
  const start = Object.keys(meta.outputs).filter((o) => entries.includes(meta.outputs[o].entryPoint ?? ''));
  expect(start).toHaveLength(entries.length);
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const i of meta.outputs[file].imports) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  start.forEach(visit);
  return seen;
}

describe('the start-up of `diffcontact simulate`', () => {
  it('loads neither ml-matrix nor the parts of ad/ only gradients and optimization use', () => {
    const files = staticClosure(['scenes/cli.ts', 'scenes/cli/simulate.ts']);
    const externals = [...files].flatMap((f) =>
      meta.outputs[f].imports.filter((i) => i.external && i.kind === 'import-statement').map((i) => i.path),
    );
    const modules = [...files].flatMap((f) => Object.keys(meta.outputs[f].inputs));
    expect(externals.filter((p) => !p.startsWith('node:'))).toEqual([]);
    expect(modules.filter((m) => /^ad\/(implicit|checkpoint|relax|gradcheck|optim\/)/.test(m))).toEqual([]);
    // the scene loader and the stepper are there (the closure is the right one)
    expect(modules).toContain('sim/scene.ts');
    expect(modules).toContain('sim/step.ts');
  });
});
