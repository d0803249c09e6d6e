// Issue 12's full ball-drop check, printed: `npx tsx test/sim/contact/ball-drop-ripple.ts`.
// scenes/ball-drop.json (3000 steps, five bounces) swept in drop height z₀ over the 11
// points of `diffcontact sweep … --from 1.05 --to 1.15 --n 11`: the AD gradient ∂z(T)/∂z₀,
// the sweep's finite difference (step spacing/8 = 1.25 mm), the central difference at
// 1e-6 m, and the validity radius (sim/validity.ts). The test (ball-drop-ripple.test.ts)
// asserts what this prints on a subset.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gradient } from '../../../sim/gradient.ts';
import { buildModel, initialState } from '../../../sim/builder.ts';
import { parseScene, type Scene } from '../../../sim/scene.ts';
import { createStepData, step } from '../../../sim/step.ts';

const FILE = fileURLToPath(new URL('../../../scenes/ball-drop.json', import.meta.url));

/** scenes/ball-drop.json in contact mode `mode`, the ball's centre at z₀, run for `steps`. */
export function ballDrop(mode: 'soft' | 'penalty', z0: number, steps = 3000): Scene {
  const raw = JSON.parse(readFileSync(FILE, 'utf8'));
  raw.contact.mode = mode;
  raw.steps = steps;
  raw.bodies[1].position = [0, 0, z0];
  return parseScene(raw);
}

/** The ball's final height (the plain simulator). */
export function finalHeight(scene: Scene): number {
  const model = buildModel(scene);
  const s = initialState(model, scene);
  const data = createStepData(model);
  for (let t = 0; t < scene.steps; t++) step(model, data, s, null, s);
  return s.bodyQ[9];
}

/** Central difference of the final height in z₀ with step δ. */
export function centralDifference(mode: 'soft' | 'penalty', z0: number, delta: number, steps = 3000): number {
  return (
    (finalHeight(ballDrop(mode, z0 + delta, steps)) - finalHeight(ballDrop(mode, z0 - delta, steps))) / (2 * delta)
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const mode of ['soft', 'penalty'] as const) {
    console.log(
      `\n${mode}\n| z₀ (m) | AD | FD 1.25 mm (sweep) | FD 1e-6 m | AD/FD₁ₑ₋₆ − 1 | validity radius (m), decision |`,
    );
    console.log('| --- | --- | --- | --- | --- | --- |');
    let agreeSweep = 0,
      agreeFine = 0;
    for (let i = 0; i <= 10; i++) {
      const z0 = 1.05 + 0.01 * i;
      const r = gradient(ballDrop(mode, z0), 'ball.position.z', ['ball.position.z']);
      const ad = r.grad['ball.position.z'];
      const coarse = centralDifference(mode, z0, 0.01 / 8);
      const fine = centralDifference(mode, z0, 1e-6);
      const near = (fd: number) => Math.abs(ad - fd) <= 0.05 * Math.max(Math.abs(fd), 1e-9);
      agreeSweep += near(coarse) ? 1 : 0;
      agreeFine += Math.abs(ad - fine) <= 1e-3 * Math.max(Math.abs(fine), 1e-3) ? 1 : 0;
      const v = r.validWithin;
      console.log(
        `| ${z0.toFixed(2)} | ${ad.toFixed(4)} | ${coarse.toFixed(4)} | ${fine.toFixed(4)} | ${(ad / fine - 1).toExponential(1)} | ${v ? `${v.distance.toExponential(1)}, ${v.decision}` : 'none'} |`,
      );
    }
    console.log(`AD = FD within 5 %: ${agreeSweep}/11 at the sweep's step; within 0.1 %: ${agreeFine}/11 at 1e-6 m`);
  }
}
