// Issue 12's figures for the smoothed modes, printed: `npx tsx test/sim/contact/smoothed-table.ts`.
// The rebound against e²h (1 kg ball, radius 0.1 m, dropped 1 m, default k, τ, dt), its
// spread over the impact's phase in its step, the 5-box stack's settling, and the largest
// distance to the hard trajectory over four decades of τ (k = 10 N/τ·… as in
// smoothed-physics.test.ts). The tests assert these; this prints them.
import { buildModel, initialState } from '../../../sim/builder.ts';
import { parseScene } from '../../../sim/scene.ts';
import { createStepData, step } from '../../../sim/step.ts';
import type { State } from '../../../sim/state.ts';

const R = 0.1;
const GROUND = { name: 'ground', shape: { type: 'plane' } };

function run(input: object, steps: number, each: (s: State, t: number) => void): void {
  const scene = parseScene(input);
  const model = buildModel(scene);
  const s = initialState(model, scene);
  const data = createStepData(model);
  for (let t = 0; t < steps; t++) {
    step(model, data, s, null, s);
    each(s, t + 1);
  }
}

function rebound(mode: string, e: number, h = 1): number {
  let prev = 0,
    apex = 0,
    bounced = false;
  run(
    {
      dt: 1e-3,
      steps: 1,
      contact: { mode, restitution: e },
      bodies: [GROUND, { name: 'ball', shape: { type: 'sphere', radius: R }, mass: 1, position: [0, 0, h + R] }],
    },
    2200,
    (s) => {
      const vz = s.bodyQd[8];
      if (prev < 0 && vz >= 0) bounced = true;
      if (bounced && prev > 0 && vz <= 0 && apex === 0) apex = s.bodyQ[9] - R;
      prev = vz;
    },
  );
  return apex / h;
}

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)} %`;
console.log('| rebound / e²h − 1 | e = 0 (apex / h) | 0.2 | 0.5 | 0.8 | 0.95 | e = 0.2 over 8 phases |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const mode of ['penalty', 'soft']) {
  const cells = [0.2, 0.5, 0.8, 0.95].map((e) => pct(rebound(mode, e) / (e * e) - 1));
  const phases = Array.from({ length: 8 }, (_, i) => rebound(mode, 0.2, 1 + 0.0006 * i) / 0.04 - 1);
  console.log(
    `| ${mode} | ${rebound(mode, 0).toExponential(1)} | ${cells.join(' | ')} | ${pct(Math.min(...phases))} … ${pct(Math.max(...phases))} |`,
  );
}

console.log('\n| 5-box stack, max |v| + |ω| | 1 s | 1.2 s | 1.5 s | 2 s |\n| --- | --- | --- | --- | --- |');
for (const mode of ['penalty', 'soft']) {
  const bodies = [
    GROUND,
    ...Array.from({ length: 5 }, (_, i) => ({
      name: `b${i}`,
      shape: { type: 'box', halfExtents: [0.1, 0.1, 0.1] },
      mass: 1,
      position: [0, 0, 0.105 + 0.2 * i],
    })),
  ];
  const at: string[] = [];
  run({ dt: 1e-3, steps: 1, contact: { mode }, bodies }, 2000, (s, t) => {
    if (![1000, 1200, 1500, 2000].includes(t)) return;
    let m = 0;
    for (let b = 1; b <= 5; b++)
      m = Math.max(
        m,
        Math.hypot(s.bodyQd[6 * b], s.bodyQd[6 * b + 1], s.bodyQd[6 * b + 2]) +
          Math.hypot(s.bodyQd[6 * b + 3], s.bodyQd[6 * b + 4], s.bodyQd[6 * b + 5]),
      );
    at.push(m.toExponential(1));
  });
  console.log(`| ${mode} | ${at.join(' | ')} |`);
}

console.log('\n| largest gap to hard (m) | τ = 1e-3 | 1e-4 | 1e-5 | 1e-6 |\n| --- | --- | --- | --- | --- |');
const trajectory = (mode: string, tau: number, k: number, dt: number): Float64Array => {
  const steps = Math.round(0.9 / dt);
  const out = new Float64Array(2 * steps);
  run(
    {
      dt,
      steps,
      contact: { mode, stiffness: k, temperature: tau, restitution: 0.5, friction: 0.5 },
      bodies: [
        GROUND,
        {
          name: 'ball',
          shape: { type: 'sphere', radius: R },
          mass: 1,
          position: [0, 0, 0.6],
          linearVelocity: [0.5, 0, 0],
        },
      ],
    },
    steps,
    (s, t) => {
      out[2 * t - 2] = s.bodyQ[7];
      out[2 * t - 1] = s.bodyQ[9];
    },
  );
  return out;
};
for (const mode of ['soft', 'penalty']) {
  const cells = [1e-3, 1e-4, 1e-5, 1e-6].map((tau) => {
    const k = 10 / tau;
    const dt = 0.1 / Math.sqrt(k);
    const a = trajectory(mode, tau, k, dt),
      b = trajectory('hard', tau, k, dt);
    let d = 0;
    for (let i = 0; i < a.length; i += 2) d = Math.max(d, Math.hypot(a[i] - b[i], a[i + 1] - b[i + 1]));
    return d.toExponential(2);
  });
  console.log(`| ${mode} | ${cells.join(' | ')} |`);
}
