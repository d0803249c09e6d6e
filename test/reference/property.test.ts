// The property suite (issue 11): random impacts of every pair the event-driven reference
// covers, hard-mode AD gradients of the final positions and velocities against the
// reference's, at dt = 1e-3 and 1e-4. Criteria, margins and skips: property/compare.ts.
// A small deterministic sample here (the normal test run); the large run with figures:
//   npx tsx test/reference/property/report.ts --cases 50
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkScenario, ERROR_PER_DT, MIN_CONVERGENCE } from './property/compare.ts';
import { ARBITRARIES, PAIRS } from './property/scenarios.ts';

const DTS = [1e-3, 1e-4];
/** cases that must run (not be skipped) per pair, drawn from at most MAX_DRAWS */
const RUN_PER_PAIR = 2;
const MAX_DRAWS = 16;
const SEED = 2026;

describe('hard-mode gradients equal the event-driven reference at impacts (property suite)', () => {
  for (const pair of PAIRS) {
    it(`${pair}: ${RUN_PER_PAIR} random impacts, error ≤ ${ERROR_PER_DT}·dt at dt ${DTS[DTS.length - 1]}, falling ≥ ${MIN_CONVERGENCE}× from dt ${DTS[0]}`, () => {
      const failures: string[] = [];
      const skipped: string[] = [];
      let ran = 0;
      for (const s of fc.sample(ARBITRARIES[pair], { numRuns: MAX_DRAWS, seed: SEED })) {
        if (ran === RUN_PER_PAIR) break;
        const r = checkScenario(s, DTS);
        if (r.status === 'skipped') {
          skipped.push(r.reason);
          continue;
        }
        ran++;
        if (!r.pass) {
          const errors = r.measured.map(
            (m) =>
              `dt ${m.dt}: ${m.error.toExponential(2)} at ${m.worst} (AD ${m.ad.toPrecision(5)}, ref ${m.ref.toPrecision(5)})`,
          );
          failures.push(`${JSON.stringify(s.tags)} [${r.structure}] ${errors.join('; ')}`);
        }
      }
      expect(ran, `cases run (skipped: ${skipped.join(', ')})`).toBe(RUN_PER_PAIR);
      expect(failures).toEqual([]);
    }, 120_000);
  }
});
