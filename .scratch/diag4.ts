import fc from 'fast-check';
import { ARBITRARIES } from '../test/reference/property/scenarios.ts';
import { checkScenario } from '../test/reference/property/compare.ts';
import { referenceGradient } from '../test/reference/event-driven/gradient.ts';
import { gradient } from '../sim/gradient.ts';
import { parseScene } from '../sim/scene.ts';
const pair = process.argv[2] as 'box-plane';
const which = process.argv[3] ?? '';
const draws = fc.sample(ARBITRARIES[pair], { numRuns: 25, seed: 11 });
for (const s of draws) {
  const r = checkScenario(s, [1e-3, 1e-4]);
  if (r.status !== 'run' || r.pass) continue;
  if (which && !(JSON.stringify(s.tags) + r.structure).includes(which)) continue;
  const m = r.measured[0];
  const [of, wrt] = m.worst.replace('d ', '').split(' / d ');
  console.log(JSON.stringify(s.tags), r.structure, of, wrt);
  const T = (s.scene as any).steps * 1e-3;
  // horizon used by compare: find it from the scene's own steps
  for (const dt of [1e-3, 1e-4, 2e-5]) {
    const sc: any = { ...s.scene, dt, steps: Math.round(T / dt) };
    const ref = referenceGradient(sc, [of], [wrt]);
    const g = gradient(parseScene({ ...sc, contact: { ...sc.contact, mode: 'hard' } }), of, [wrt]);
    console.log(dt, 'AD', g.grad[wrt], 'ref', ref.grad[0][0], 'kinks', g.kinks.map((k) => k.label + ' ' + k.margin.toExponential(1)).join('; '));
  }
  break;
}
