// What `diffcontact simulate` runs before it steps: the bundled CLI's entry module and the
// simulate command's module, with every module they import statically (esbuild's metafile of
// a fresh bundle, scripts/bundle-cli.ts). The bundle is one file, and a module reached only
// through `await import(…)` runs (and loads the packages it requires) only when that import
// runs. Start-up time is mostly loading and compiling code, so the commands that
// differentiate or optimize keep their modules (the rest of ad/, ml-matrix through
// ad/implicit.ts) out of that set; one barrel import (`ad/index.ts`) from a module on the
// path is enough to pull them all in.
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

/** The bundled modules `entries`, every module they import statically, and the external packages those import statically. */
function staticClosure(entries: readonly string[]): { modules: Set<string>; externals: Set<string> } {
  const modules = new Set<string>();
  const externals = new Set<string>();
  const visit = (file: string): void => {
    if (modules.has(file)) return;
    modules.add(file);
    for (const i of meta.inputs[file].imports) {
      if (i.kind !== 'import-statement') continue;
      if (i.external) externals.add(i.path);
      else visit(i.path);
    }
  };
  for (const entry of entries) {
    expect(meta.inputs[entry], entry).toBeDefined();
    visit(entry);
  }
  return { modules, externals };
}

describe('the start-up of `diffcontact simulate`', () => {
  it('runs neither ml-matrix nor the parts of ad/ only gradients and optimization use', () => {
    const { modules, externals } = staticClosure(['scenes/cli/main.ts', 'scenes/cli/simulate.ts']);
    expect([...externals].filter((p) => !p.startsWith('node:'))).toEqual([]);
    expect([...modules].filter((m) => /^ad\/(implicit|checkpoint|relax|gradcheck|optim\/)/.test(m))).toEqual([]);
    // the scene loader and the stepper are there (the closure is the right one)
    expect(modules).toContain('sim/scene.ts');
    expect(modules).toContain('sim/step.ts');
  });

  it('reaches the modules of the other commands through `await import(…)` only, so they can stay out of it', () => {
    const { modules } = staticClosure(['scenes/cli/main.ts']);
    expect(modules).not.toContain('scenes/cli/simulate.ts');
    expect(modules).not.toContain('scenes/cli/optimize.ts');
    expect(Object.keys(meta.inputs)).toContain('scenes/cli/optimize.ts');
  });
});
