/**
 * system-id — recover a box's mass and friction coefficient from an observed trajectory.
 *
 * Scene: a 0.2 m box on a floor (friction 0.4), pushed along x through its centre of mass
 * by a known force of 8 N for the first 0.4 s, then left to slide.
 * While pushed it accelerates at F/m − μg, afterwards it decelerates at μg, so the two
 * phases separate the mass from the friction (the sliding phase alone would not: μg does
 * not depend on m). Friction of the pair is the geometric mean √(μ_box·μ_floor). 0.8 s are
 * simulated: the box just comes to rest.
 * The observation: the box's position every 40 ms, simulated in the verification mode
 * (hard once it exists, penalty until then) with the true values m = 1 kg, μ_box = 0.4.
 * Loss: mean squared distance of the simulated positions to the observed ones, m².
 * Poor initial guess: m = 2.5 kg, μ_box = 0.15. Success: both within 2 % of the truth
 * (miss = the larger relative error). Restitution joins the parameters once hard contacts
 * land (soft and penalty contacts do not use it).
 *
 * Run: `npx tsx scenes/optimize/system-id.ts --contact penalty` or
 * `diffcontact optimize system-id`.
 */
import * as ad from '../../ad/index.ts';
import type { Real } from '../../ad/tape.ts';
import type { ContactMode } from '../../sim/model.ts';
import { parseScene, type Scene } from '../../sim/scene.ts';
import { STATE_FIELDS } from '../../sim/state.ts';
import type { Trajectory } from '../cli/trajectory.ts';
import { bodyIndex, controlledRollout, setBodyMass, type ControlledRollout } from './controlled-rollout.ts';
import { isMainModule, runStandalone } from './driver.ts';
import { simulateRecorded, verificationMode, withSetting, type OptimizationProblem, type ProblemSize, type Setting } from './problem.ts';

/** The values to recover. */
export const TRUTH = { mass: 1, friction: 0.4 };
/** Known push: force along x, N, and how long, s. */
const PUSH = { force: 8, seconds: 0.4 };
/** Relative error allowed on each recovered value. */
const TOLERANCE = 0.02;
/** Time between observations, s. */
const OBSERVE_EVERY = 0.04;

/**
 * Horizon, s: the box comes to rest at 0.82 s (0.4 s at 4.08 m/s², then 0.42 s at −3.92 m/s²).
 * Observing it at rest adds nothing and costs: the stick regime's kinks stall L-BFGS
 * (measured: with 1.2 s it stops at 8.9 % error). Both sizes are the same cheap problem.
 */
const SIZES: Record<ProblemSize, { seconds: number }> = { full: { seconds: 0.8 }, test: { seconds: 0.8 } };

/** The scene (dt 2 ms, the box-slide contact settings). */
export function systemIdScene(seconds: number): Scene {
  const dt = 0.002;
  return parseScene({
    description: 'system-id: a pushed box sliding to rest, to recover its mass and friction (scenes/optimize/system-id.ts)',
    dt,
    steps: Math.round(seconds / dt),
    contact: { mode: 'penalty', stiffness: 1e4, damping: 1e5, temperature: 1e-3, friction: 0.4, restitution: 0 },
    bodies: [
      { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } },
      { name: 'box', shape: { type: 'box', halfExtents: [0.1, 0.1, 0.1] }, mass: TRUTH.mass, friction: TRUTH.friction, position: [0, 0, 0.1] },
    ],
  });
}

/**
 * The system-identification problem at a size.
 *
 * @example
 * const problem = systemId('test');
 * problem.outcome(problem.x0, 'penalty').details.relativeError;
 */
export function systemId(size: ProblemSize = 'full'): OptimizationProblem {
  const scene = systemIdScene(SIZES[size].seconds);
  const box = bodyIndex(scene, 'box');
  const pushSteps = Math.round(PUSH.seconds / scene.dt);
  const stride = Math.round(OBSERVE_EVERY / scene.dt);
  const record = Array.from({ length: Math.floor(scene.steps / stride) }, (_, i) => (i + 1) * stride);
  const cache = new Map<string, ControlledRollout>();
  const withParams = (x: readonly number[]): Scene => {
    const s = structuredClone(scene);
    s.bodies[box].mass = x[0];
    s.bodies[box].friction = x[1];
    return s;
  };
  /** plain rollout at parameters x: the box's position at each observation step, and the trajectory */
  const runAt = (x: readonly number[], mode: ContactMode, temperature?: number) =>
    observe(withSetting(withParams(x), { mode, temperature }), box, pushSteps, record);
  // the observation, in the verification mode with the true values
  const observation = observe(withSetting(scene, { mode: verificationMode(scene).mode }), box, pushSteps, record).positions;
  const mse = (positions: readonly (readonly Real[])[]): Real => {
    let sum: Real = 0;
    positions.forEach((p, i) => {
      for (let c = 0; c < 3; c++) sum = ad.add(sum, ad.square(ad.sub(p[c], observation[i][c])));
    });
    return ad.div(sum, positions.length);
  };
  const lossAndGrad = (x: readonly number[], setting: Setting) => {
    const r = controlledRollout(cache, scene, setting, [box], record);
    const result = ad.valueAndGrad(
      (p) => {
        const input: Real[] = Array.from(r.base);
        setBodyMass(input, r.layout, scene, box, p[0]);
        input[r.layout.friction + box] = p[1];
        for (let t = 0; t < pushSteps; t++) input[r.layout.controls + 6 * t] = PUSH.force;
        const out = r.run(input);
        const stateSize = 13 * scene.bodies.length;
        return mse(record.map((_, i) => out.slice(stateSize * (1 + i) + 7 * box, stateSize * (1 + i) + 7 * box + 3)));
      },
      [...x],
      { kinkTol: 1e-3 },
    );
    return { value: result.value, grad: result.grad, kinks: result.kinks.map((k) => ({ label: k.label, margin: k.margin })) };
  };
  const plainLoss = (x: readonly number[], mode: ContactMode, temperature?: number) => mse(runAt(x, mode, temperature).positions) as number;
  return {
    name: 'system-id',
    goal: `recover the box's mass (${TRUTH.mass} kg) and friction (${TRUTH.friction}) from its observed positions; success: both within ${TOLERANCE * 100} %`,
    params: ['box.mass', 'box.friction'],
    x0: [2.5, 0.15],
    bounds: { lower: [0.1, 0.01], upper: [10, 2] },
    scale: [1, 0.1],
    scene,
    tolerance: TOLERANCE,
    missLabel: 'largest relative error of mass and friction',
    defaultStrategy: 'plain',
    defaultIters: 100,
    optimizer: 'lbfgs',
    adamLr: 0.1,
    annealFrom: 0.01,
    smoothingSigma: 0.05,
    spec: { kind: 'named', name: 'system-id', size },
    lossAndGrad,
    value: (x, setting) => plainLoss(x, setting.mode, setting.temperature),
    outcome(x, mode) {
      const { positions, trajectory } = runAt(x, mode);
      const relativeError = [Math.abs(x[0] / TRUTH.mass - 1), Math.abs(x[1] / TRUTH.friction - 1)];
      const miss = Math.max(...relativeError);
      return { loss: mse(positions) as number, miss, success: miss <= TOLERANCE, details: { relativeError }, trajectory };
    },
  };
}

/** Plain rollout of `scene` with the known push: the box position (m) after each step in `record`, and the trajectory. */
function observe(scene: Scene, box: number, pushSteps: number, record: readonly number[]): { positions: number[][]; trajectory: Trajectory } {
  const control = new Float64Array(6 * scene.bodies.length);
  const positions: number[][] = [];
  const wanted = new Set(record);
  const { trajectory } = simulateRecorded(
    scene,
    (t) => {
      control[6 * box] = t < pushSteps ? PUSH.force : 0;
      return control;
    },
    (t, state) => {
      const o = STATE_FIELDS.bodyQ * box;
      if (wanted.has(t)) positions.push([state.bodyQ[o], state.bodyQ[o + 1], state.bodyQ[o + 2]]);
    },
  );
  return { positions, trajectory };
}

if (isMainModule(import.meta.url)) void runStandalone('system-id');
