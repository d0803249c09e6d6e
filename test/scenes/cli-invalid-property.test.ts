// Property: every randomly broken scene file is rejected by `diffcontact simulate` with
// exit code 2 and a message naming the JSON path of the problem (never a stack trace).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../scenes/cli/program.ts';

const dir = mkdtempSync(join(tmpdir(), 'diffcontact-invalid-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function validScene(): Record<string, unknown> {
  return {
    dt: 0.001,
    steps: 5,
    contact: { mode: 'soft', stiffness: 1e4, damping: 100, temperature: 0.001, friction: 0.5 },
    bodies: [
      { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } },
      { name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 1, position: [0, 0, 1] },
      { name: 'crate', shape: { type: 'box', halfExtents: [0.1, 0.2, 0.3] }, mass: 2, position: [1, 0, 1] },
    ],
  };
}

type Json = Record<string, unknown>;
/** A mutation: how it breaks the scene, and the JSON path the error must name. */
interface Mutation {
  apply: (s: Json, bad: unknown) => void;
  path: string;
}

const bodies = (s: Json) => s.bodies as Json[];
const mutations: Mutation[] = [
  { apply: (s, bad) => ((bodies(s)[1].shape as Json).radius = bad), path: 'bodies[1].shape.radius' },
  {
    apply: (s, bad) => ((bodies(s)[2].shape as Json).halfExtents = [0.1, bad, 0.3]),
    path: 'bodies[2].shape.halfExtents[1]',
  },
  { apply: (s, bad) => (bodies(s)[1].mass = bad), path: 'bodies[1].mass' },
  { apply: (s, bad) => (s.dt = bad), path: 'dt' },
  { apply: (s, bad) => ((s.contact as Json).stiffness = bad), path: 'contact.stiffness' },
  { apply: (s, bad) => (bodies(s)[2].position = [0, bad, 1]), path: 'bodies[2].position[1]' },
  { apply: (s) => ((s.contact as Json).mode = 'squishy'), path: 'contact.mode' },
  { apply: (s) => (bodies(s)[1].colour = 'red'), path: 'bodies[1]' },
  { apply: (s) => ((bodies(s)[1].shape as Json).type = 'torus'), path: 'bodies[1].shape' },
];

// values that are never a valid positive size, mass, time step or stiffness
const badValue = fc.oneof(
  fc.double({ max: -1e-9, noNaN: true }),
  fc.constant(0),
  fc.constantFrom('NaN', 'Infinity', '1e3', null, true, [], {}),
);

describe('diffcontact simulate on random invalid scenes', () => {
  it('exits 2 naming the JSON path, with one diffcontact: line and no stack trace', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: mutations.length - 1 }), badValue, async (m, bad) => {
        const mutation = mutations[m];
        // a negative or zero coordinate is a valid position: only non-numbers break that one
        if (mutation.path.startsWith('bodies[2].position') && typeof bad === 'number') return;
        const scene = validScene();
        mutation.apply(scene, bad);
        const file = join(dir, `scene-${run++}.json`);
        writeFileSync(file, JSON.stringify(scene));
        let stderr = '';
        let stdout = '';
        const code = await runCli(['simulate', file, '--json'], {
          stdout: (t) => (stdout += t),
          stderr: (t) => (stderr += t),
        });
        expect(code, stderr).toBe(2);
        expect(stdout).toBe('');
        expect(stderr).toContain(mutation.path);
        expect(stderr).toMatch(/^diffcontact: /);
        expect(stderr).not.toMatch(/\n\s+at /);
      }),
      { numRuns: 60, seed: 20261126 },
    );
  });
});
