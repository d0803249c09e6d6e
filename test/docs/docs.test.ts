// The documentation that lives in the repository: the scene JSON Schema is the validator's
// (regenerated, compared), an independent JSON Schema validator (ajv) accepts every example
// scene and rejects broken ones, and no document or comment points outside the repository.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { SCENE_SCHEMA_FILE, sceneJsonSchema } from '../../scripts/scene-schema.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCENES = join(ROOT, 'scenes');

function validator() {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  return ajv.compile(JSON.parse(readFileSync(SCENE_SCHEMA_FILE, 'utf8')) as object);
}

describe('docs/scene.schema.json', () => {
  it('is the JSON Schema of the current validator (npm run schema rewrites it)', () => {
    expect(readFileSync(SCENE_SCHEMA_FILE, 'utf8')).toBe(sceneJsonSchema());
  });

  it('accepts every example scene', () => {
    const validate = validator();
    const files = readdirSync(SCENES).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const f of files) {
      const ok = validate(JSON.parse(readFileSync(join(SCENES, f), 'utf8')));
      expect(ok, `${f}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('rejects a negative radius, an unknown field, an unknown shape and a 2-vector', () => {
    const validate = validator();
    const ball = { name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 1 };
    const scene = (body: object, extra: object = {}) => ({ bodies: [body], ...extra });
    expect(validate(scene(ball))).toBe(true);
    expect(validate(scene({ ...ball, shape: { type: 'sphere', radius: -1 } }))).toBe(false);
    expect(validate(scene({ ...ball, colour: 'red' }))).toBe(false);
    expect(validate(scene({ ...ball, shape: { type: 'cone', radius: 1 } }))).toBe(false);
    expect(validate(scene(ball, { gravity: [0, -9.81] }))).toBe(false);
    expect(validate(scene(ball, { contact: { mode: 'sticky' } }))).toBe(false);
  });
});

/** Every Markdown file of the repository outside node_modules, dist and out. */
function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.isDirectory())
      return ['node_modules', 'dist', 'out', '.git', 'coverage'].includes(e.name)
        ? []
        : markdownFiles(join(dir, e.name));
    return e.name.endsWith('.md') ? [join(dir, e.name)] : [];
  });
}

describe('references', () => {
  it('every relative Markdown link points to a file that exists', () => {
    const broken: string[] = [];
    for (const file of markdownFiles(ROOT)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        const target = m[1];
        if (/^[a-z]+:/.test(target)) continue;
        try {
          readdirSync(dirname(resolve(dirname(file), target)));
          readFileSync(resolve(dirname(file), target));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EISDIR') broken.push(`${file.slice(ROOT.length)}: ${target}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('nothing points at the design file outside the repository', () => {
    const outside: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) {
          if (!['node_modules', 'dist', 'out', '.git', 'coverage', 'test-artifacts'].includes(e.name))
            walk(join(dir, e.name));
        } else if (/\.(ts|js|md|json)$/.test(e.name) && e.name !== 'package-lock.json') {
          if (/shared\/DESIGN|DESIGN\.md/.test(readFileSync(join(dir, e.name), 'utf8')))
            outside.push(join(dir, e.name).slice(ROOT.length));
        }
      }
    };
    walk(ROOT);
    expect(outside).toEqual([]);
  });
});
