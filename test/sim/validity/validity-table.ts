/**
 * Prints the prediction-vs-sweep table of the validity radius, one row per decision kind
 * (validity-cases.ts): `npx tsx test/sim/validity/validity-table.ts`.
 */
import { measureCase, validityCases } from './validity-cases.ts';

const p = (v: number) => (Number.isFinite(v) ? v.toPrecision(4) : String(v));
console.log('| case | decision | margin (own unit) | predicted distance | swept distance | gradient jump | error |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const c of validityCases()) {
  const m = measureCase(c);
  console.log(
    `| ${m.name} | ${m.decision} | ${p(m.margin)} | ${p(m.predicted)} | ${p(m.swept)} | ${p(m.gradientJump)} | ${(100 * m.error).toFixed(2)} % |`,
  );
}
