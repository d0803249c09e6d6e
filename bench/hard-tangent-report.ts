/**
 * Hard mode with and without its tangent-forward step, side by side in one process (the
 * figures of issue 19's hard tangent-forward; not part of `npm run bench`, as each takes
 * tens of seconds):
 *
 *   npx tsx bench/hard-tangent-report.ts [validity|sweep|tangent|sweep-gradients]…
 *
 * - validity: validity() of the billiards break (1,000 steps, hard) w.r.t. 8 initial
 *   velocities by one tangent rollout against P + 1 = 9 plain rollouts (method
 *   'differences', the earlier hard-mode path), interleaved medians; and gradient() with
 *   validWithin over gradient() alone (bench/grad.ts's validityOverGrad in hard mode).
 * - sweep: the hard sweep of billiards (41 points of cue.linearVelocity.x, the cue ball's
 *   final x), CPU seconds with the forward-mode gradient per point (sceneFunction's default
 *   now) against the reverse pass per point (the earlier hard-mode path), alternated.
 * - sweep-gradients: the part of that sweep the tangent-forward changes, its 41 points'
 *   gradients alone (CPU seconds, alternating per point).
 * - tangent: one tangent rollout with 1 direction over the plain hard forward rollout
 *   (bench/grad.ts `grad.billiards16.hard.tangent.overForward`).
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { forwardGradientOf } from '../sim/forward-gradient.ts';
import { gradient } from '../sim/gradient.ts';
import { parseSceneText, type Scene } from '../sim/scene.ts';
import { sceneFunction } from '../sim/scene-function.ts';
import { sweepFunction } from '../sim/sweep.ts';
import { sceneAt, validity } from '../sim/validity.ts';
import { parseParamPath, pathBodies } from '../sim/paths.ts';
import { gradFigures } from './grad.ts';
import { medianTimes } from './harness.ts';

const PARAMS = ['cue', 'ball1', 'ball2', 'ball3'].flatMap((b) => [`${b}.linearVelocity.x`, `${b}.linearVelocity.y`]);

function billiardsHard(): Scene {
  const s = parseSceneText(readFileSync(new URL('../scenes/billiards.json', import.meta.url), 'utf8'));
  return { ...s, contact: { ...s.contact, mode: 'hard' } };
}

function validityFigures(): void {
  const scene = billiardsHard();
  const of = 'cue.position.x';
  const [tangentMs, differencesMs] = medianTimes(
    [() => validity(scene, PARAMS, { method: 'tangents' }), () => validity(scene, PARAMS, { method: 'differences' })],
    { warmup: 3, reps: 5 },
  );
  console.log(
    `validity, billiards hard, 8 parameters: tangents ${tangentMs.toFixed(0)} ms, differences (P + 1) ${differencesMs.toFixed(0)} ms: ${(differencesMs / tangentMs).toFixed(2)}× faster`,
  );
  const [withMs, withoutMs] = medianTimes(
    [
      () => gradient(scene, of, PARAMS, { validity: true }).value,
      () => gradient(scene, of, PARAMS, { validity: false }).value,
    ],
    { warmup: 3, reps: 5 },
  );
  console.log(
    `gradient() with validWithin over without (hard, riding the forward pass): ${(withMs / withoutMs).toFixed(2)} (${withMs.toFixed(0)} / ${withoutMs.toFixed(0)} ms)`,
  );
}

function sweepFigures(): void {
  const scene = billiardsHard();
  const of = 'cue.position.x',
    wrt = 'cue.linearVelocity.x';
  const f = sceneFunction(scene, of, [wrt]);
  const forward = forwardGradientOf(scene, of, [wrt]);
  if (forward === null) throw new Error('hard mode has no tangent-forward');
  const x0 = f.x0[0];
  const grid = { from: 0.9 * x0, to: 1.1 * x0, n: 41 };
  const params = [parseParamPath(wrt, pathBodies(scene), '--wrt')];
  const run = (useForward: boolean): number => {
    const t0 = process.cpuUsage();
    sweepFunction(
      {
        gradient: (x) => {
          if (useForward) {
            const r = forward([x]);
            return { value: r.value, grad: r.grad[0], kinks: r.kinks };
          }
          const g = gradient(sceneAt(scene, params, [x]), of, [wrt], { validity: false });
          return { value: g.value, grad: g.grad[wrt], kinks: g.kinks };
        },
        value: (x) => f.value([x]),
      },
      grid,
    );
    const dt = process.cpuUsage(t0);
    return (dt.user + dt.system) / 1e6;
  };
  const after: number[] = [],
    before: number[] = [];
  for (let r = 0; r < 2; r++) {
    after.push(run(true));
    before.push(run(false));
  }
  console.log(
    `hard sweep of billiards, 41 points: forward mode ${after.map((s) => s.toFixed(1)).join(', ')} CPU s, reverse pass ${before.map((s) => s.toFixed(1)).join(', ')} CPU s`,
  );
}

/**
 * The part of the sweep that the tangent-forward changes: the 41 points' gradients (the
 * sweep's value calls for its difference check and its refinement are the same plain
 * rollouts either way), CPU seconds, forward mode and reverse pass alternating per point.
 */
function sweepGradientFigures(): void {
  const scene = billiardsHard();
  const of = 'cue.position.x',
    wrt = 'cue.linearVelocity.x';
  const forward = forwardGradientOf(scene, of, [wrt]);
  if (forward === null) throw new Error('hard mode has no tangent-forward');
  const params = [parseParamPath(wrt, pathBodies(scene), '--wrt')];
  const x0 = sceneFunction(scene, of, [wrt]).x0[0];
  let fwd = 0,
    rev = 0,
    worst = 0;
  const cpu = (f: () => number): [number, number] => {
    const t0 = process.cpuUsage();
    const v = f();
    const dt = process.cpuUsage(t0);
    return [v, (dt.user + dt.system) / 1e6];
  };
  for (let i = 0; i < 41; i++) {
    const x = 0.9 * x0 + (0.2 * x0 * i) / 40;
    const [a, ta] = cpu(() => forward([x]).grad[0]);
    const [b, tb] = cpu(() => gradient(sceneAt(scene, params, [x]), of, [wrt], { validity: false }).grad[wrt]);
    fwd += ta;
    rev += tb;
    worst = Math.max(worst, Math.abs(a - b) / Math.max(Math.abs(b), 1e-12));
  }
  console.log(
    `hard billiards, 41 points' gradients: forward mode ${fwd.toFixed(1)} CPU s, reverse pass ${rev.toFixed(1)} CPU s (${(rev / fwd).toFixed(2)}×); largest relative difference of the derivatives ${worst.toExponential(1)}`,
  );
}

function tangentFigure(): void {
  const figure = gradFigures.find((g) => g.name === 'grad.billiards16.hard.tangent.overForward');
  if (figure === undefined) throw new Error('bench/grad.ts has no hard tangent figure');
  const value = figure.run();
  if (typeof value !== 'number') throw new Error('expected a synchronous figure');
  console.log(`${figure.name}: ${value.toFixed(2)}`);
}

const which = process.argv.slice(2);
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${cpus().length} cores`,
);
if (which.length === 0 || which.includes('validity')) validityFigures();
if (which.length === 0 || which.includes('sweep')) sweepFigures();
if (which.length === 0 || which.includes('tangent')) tangentFigure();
if (which.includes('sweep-gradients')) sweepGradientFigures();
