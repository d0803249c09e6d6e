/**
 * `npm run schema`: write docs/scene.schema.json, the JSON Schema of a scene file, from the
 * zod schema that validates scenes (sim/scene.ts `sceneSchema`), so editors can complete
 * and check scene files and the documentation cannot drift from the validator. What JSON
 * Schema cannot say (unique body names, a mass or density on every dynamic body, objective
 * paths that name real bodies) stays in the zod checks; docs/scene-format.md lists them.
 * `--check` fails (exit 1) when the file on disk differs from a fresh one.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { sceneSchema } from '../sim/scene.ts';

export const SCENE_SCHEMA_FILE = fileURLToPath(new URL('../docs/scene.schema.json', import.meta.url));

/** The JSON Schema document (draft 2020-12) as text. */
export function sceneJsonSchema(): string {
  const schema = z.toJSONSchema(sceneSchema, { io: 'input', unrepresentable: 'any' });
  const document = {
    $id: 'https://github.com/diffcontact/diffcontact/docs/scene.schema.json',
    title: 'diffcontact scene',
    description:
      'A diffcontact scene file: SI units, z up, quaternions (w, x, y, z). Format and defaults: docs/scene-format.md.',
    ...schema,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const fresh = sceneJsonSchema();
  if (process.argv.includes('--check')) {
    const onDisk = readFileSync(SCENE_SCHEMA_FILE, 'utf8');
    if (onDisk !== fresh) {
      console.error('docs/scene.schema.json is out of date: run `npm run schema`');
      process.exitCode = 1;
    }
  } else {
    writeFileSync(SCENE_SCHEMA_FILE, fresh);
    console.log('wrote docs/scene.schema.json');
  }
}
