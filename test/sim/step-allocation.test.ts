// The plain forward step allocates nothing per contact and nothing per body once warm, in
// every contact mode: young-generation bytes measured by allocation-probe.ts in a process
// of its own (see its header for why not in vitest's). What remains is a few numbers per
// step that V8 boxes where a double crosses a call it does not inline — the contact margin
// handed to collide is one (16 bytes) — and the placed impacts of the hard step, whose
// geometry goes through the generic feature formula.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PROBE = fileURLToPath(new URL('./allocation-probe.ts', import.meta.url));

interface Probe {
  steps: number;
  bytes: number;
  attempts: number;
  contacts: number;
  placedImpacts: number;
}

function probe(name: string): Probe {
  const out = execFileSync(process.execPath, ['--import', 'tsx', PROBE, name], { encoding: 'utf8', timeout: 120_000 });
  return JSON.parse(out) as Probe;
}

describe('plain step allocation once warm (own process, as the CLI runs)', () => {
  for (const mode of ['penalty', 'soft', 'hard'] as const) {
    it(`100-box pile, ${mode}: under 1 kB per step with ~400 contacts (one number per contact would be 6.4 kB)`, () => {
      const p = probe(`pile-${mode}`);
      expect(p.contacts).toBeGreaterThan(300);
      // measured: 65 bytes per step in soft and hard mode, 305 in penalty (2026-12-07)
      expect(p.bytes / p.steps, JSON.stringify(p)).toBeLessThan(1000);
    });
  }

  it('stack and resting ball, hard: the margin handed to collide (16 bytes) per step and nothing else', () => {
    const p = probe('stack-ball');
    // the window this test is about has no placed impact (the next test has them)
    expect(p.placedImpacts).toBe(0);
    // measured 16,672 bytes over 1,000 steps: one more number per step would be 32,000,
    // one per contact (17) or body ≥ 5× that; the measure's own noise is a few hundred bytes
    expect(p.bytes, JSON.stringify(p)).toBeLessThan(2000 + 16 * p.steps);
  });

  it('a step with a placed impact allocates only the impact geometry: under 32 kB per impact step', () => {
    // The impact's geometry goes through the generic feature formula (sim/contact/geometry.ts
    // contactGeometryValues, on arrays of `Real`s shared with the trace), which allocates its
    // small arrays: 10 kB per impact step measured. A plain-number feature formula would
    // remove it.
    const p = probe('stack-ball-impacts');
    expect(p.placedImpacts).toBeGreaterThan(0);
    expect(p.bytes / p.placedImpacts, JSON.stringify(p)).toBeLessThan(32_000);
  });
});
