/**
 * push-box — choose the horizontal force on a pusher sphere at 50 knots over 2 s
 * (linearly interpolated between knots) so that it pushes a box to a goal position and
 * yaw on a frictional floor.
 *
 * Scene: a 1 kg box of 0.2 m (half extents 0.1 m) at the origin; a frictionless 1 kg
 * pusher sphere of radius 0.1 m resting on the floor behind it, centre at x = −0.22 m
 * (a 2 cm gap between the surfaces), level with the box's mid-height. Floor–box friction 0.3.
 * Goal: box centre at (0.3, 0.1) m with yaw 0.3 rad at t = 2 s.
 * Loss: |p_xy − goal|² + (w·(yaw − yaw_goal))², w = 0.2 m/rad (0.05 rad of yaw weighs
 * like 1 cm). Miss: √loss, m; success: miss ≤ 2 cm.
 *
 * The poor initial guess is zero force everywhere: the pusher never moves, never touches
 * the box, and in a non-smooth mode (hard, penalty) the gradient of the loss is exactly
 * zero — plain gradient descent cannot start (the vanishing-gradient case). Continuation
 * (`--strategy anneal`, the default) starts with a soft contact wide enough (τ = 5 mm,
 * the force reaching across the gap) that the gradient says "push", sharpens it to
 * 0.25 mm over 290 Adam iterations, then finishes with 10 L-BFGS iterations in hard mode.
 * Measured (scenes/README.md): 32 → 0.43 cm in hard mode, 12 s; randomized smoothing
 * (zeroth order, hard mode) moves it to 6.6 cm in 300 iterations.
 *
 * Run: `npx tsx scenes/optimize/push-box.ts --strategy anneal` or
 * `diffcontact optimize push-box --strategy anneal`.
 */
import * as ad from '../../ad/index.ts';
import type { Real } from '../../ad/tape.ts';
import type { ContactMode } from '../../sim/model.ts';
import { parseScene, type Scene } from '../../sim/scene.ts';
import { bodyIndex, controlledRollout, type ControlledRollout } from './controlled-rollout.ts';
import { isMainModule, runStandalone } from './driver.ts';
import { simulateRecorded, withSetting, type OptimizationProblem, type ProblemSize, type Setting } from './problem.ts';

/** Goal of the box: centre x, y (m) and yaw (rad) at the end. */
const GOAL = { x: 0.3, y: 0.1, yaw: 0.3 };
/** Weight of the yaw error, m/rad. */
const YAW_WEIGHT = 0.2;
/** Success threshold on √loss, m. */
const TOLERANCE = 0.02;
/** Bound on each knot force component, N (about 3× the box's sliding friction, 2.9 N). */
const MAX_FORCE = 10;

/** Size of the problem: horizon and knots. */
const SIZES: Record<ProblemSize, { seconds: number; knots: number }> = {
  full: { seconds: 2, knots: 50 },
  test: { seconds: 1, knots: 12 },
};

/** The scene of the given horizon (dt 2 ms: ω dt = 0.2 for the 1e4 N/m contact on 1 kg). */
export function pushBoxScene(seconds: number): Scene {
  const dt = 0.002;
  return parseScene({
    description: 'push-box: a pusher sphere pushes a box to a goal pose (scenes/optimize/push-box.ts)',
    dt,
    steps: Math.round(seconds / dt),
    contact: { mode: 'soft', stiffness: 1e4, temperature: 1e-3, friction: 0.3, restitution: 0 },
    bodies: [
      { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } },
      { name: 'box', shape: { type: 'box', halfExtents: [0.1, 0.1, 0.1] }, mass: 1, position: [0, 0, 0.1] },
      { name: 'pusher', shape: { type: 'sphere', radius: 0.1 }, mass: 1, position: [-0.22, 0, 0.1], friction: 0 },
    ],
  });
}

/** Yaw (rad) of a unit quaternion (w, x, y, z): rotation about world z. */
function yawOf(w: Real, x: Real, y: Real, z: Real): Real {
  return ad.atan2(
    ad.mul(2, ad.add(ad.mul(w, z), ad.mul(x, y))),
    ad.sub(1, ad.mul(2, ad.add(ad.square(y), ad.square(z)))),
  );
}

/**
 * Per-step force (fx, fy) from the knots (params: fx₀, fy₀, fx₁, fy₁, …), knots evenly
 * spaced from t = 0 to the last step, linear in between. Works on numbers and Reals.
 */
export function interpolateKnots<T extends Real>(
  params: readonly T[],
  steps: number,
  at: (k: number, j: number, w: number) => void,
): void {
  const knots = params.length / 2;
  for (let t = 0; t < steps; t++) {
    const s = (t / Math.max(1, steps - 1)) * (knots - 1);
    const k = Math.min(knots - 2, Math.floor(s));
    at(t, k, s - k);
  }
}

/**
 * The push-box problem at a size.
 *
 * @example
 * const problem = pushBox('test');
 * problem.lossAndGrad(problem.x0, { mode: 'penalty', temperature: 1e-3 }).grad; // all zero
 */
/**
 * The push-box loss from the final poses `q` (`State.bodyQ`, Reals or plain numbers) of
 * the box at body index `box`: |p_xy − goal|² + (w·(yaw − yaw_goal))².
 */
export function pushBoxLoss(q: readonly Real[], box: number): Real {
  const o = 7 * box;
  const yaw = yawOf(q[o + 3], q[o + 4], q[o + 5], q[o + 6]);
  return ad.add(
    ad.add(ad.square(ad.sub(q[o], GOAL.x)), ad.square(ad.sub(q[o + 1], GOAL.y))),
    ad.square(ad.mul(YAW_WEIGHT, ad.sub(yaw, GOAL.yaw))),
  );
}

export function pushBox(size: ProblemSize = 'full'): OptimizationProblem {
  const { seconds, knots } = SIZES[size];
  const scene = pushBoxScene(seconds);
  const box = bodyIndex(scene, 'box');
  const pusher = bodyIndex(scene, 'pusher');
  const cache = new Map<string, ControlledRollout>();
  const params = Array.from({ length: knots }, (_, k) => [`f${k}.x`, `f${k}.y`]).flat();

  const lossOf = (q: readonly Real[]): Real => pushBoxLoss(q, box);
  const lossAndGrad = (x: readonly number[], setting: Setting) => {
    const r = controlledRollout(cache, scene, setting, [pusher]);
    const nc = 6;
    const result = ad.valueAndGrad(
      (p) => {
        const input: Real[] = Array.from(r.base);
        interpolateKnots(p, scene.steps, (t, k, w) => {
          for (let c = 0; c < 2; c++) {
            input[r.layout.controls + nc * t + c] = ad.add(ad.mul(1 - w, p[2 * k + c]), ad.mul(w, p[2 * k + 2 + c]));
          }
        });
        return lossOf(r.run(input));
      },
      [...x],
      { kinkTol: 1e-3 },
    );
    return {
      value: result.value,
      grad: result.grad,
      kinks: result.kinks.map((k) => ({ label: k.label, margin: k.margin })),
    };
  };
  /** plain rollout with the interpolated forces */
  const simulateAt = (x: readonly number[], mode: ContactMode, temperature = scene.contact.temperature) => {
    const forces = new Float64Array(scene.steps * 2);
    interpolateKnots(x, scene.steps, (t, k, w) => {
      for (let c = 0; c < 2; c++) forces[2 * t + c] = (1 - w) * x[2 * k + c] + w * x[2 * k + 2 + c];
    });
    const control = new Float64Array(6 * scene.bodies.length);
    return simulateRecorded(withSetting(scene, { mode, temperature }), (t) => {
      control[6 * pusher] = forces[2 * t];
      control[6 * pusher + 1] = forces[2 * t + 1];
      return control;
    });
  };
  const poseOf = (q: Float64Array) => {
    const o = 7 * box;
    return { x: q[o], y: q[o + 1], yaw: yawOf(q[o + 3], q[o + 4], q[o + 5], q[o + 6]) as number };
  };
  return {
    name: 'push-box',
    goal: `push the box to (${GOAL.x}, ${GOAL.y}) m, yaw ${GOAL.yaw} rad at t = ${seconds} s with ${knots} force knots on the pusher; success: √loss ≤ ${TOLERANCE} m`,
    params,
    x0: new Array<number>(2 * knots).fill(0),
    bounds: {
      lower: new Array<number>(2 * knots).fill(-MAX_FORCE),
      upper: new Array<number>(2 * knots).fill(MAX_FORCE),
    },
    scale: new Array<number>(2 * knots).fill(1),
    scene,
    tolerance: TOLERANCE,
    missLabel: '√(|p − goal|² + (0.2 m/rad · yaw error)²), m',
    defaultStrategy: 'anneal',
    defaultIters: 300,
    // zeroth order: a hard gradient costs 33 plain rollouts here (0.6 s) and is zero for
    // every perturbation that leaves the pusher short of the box (measured: 300 iterations
    // on 2 workers, 13 s, 32 → 6.6 cm; first order would take ~0.6 s × 16 per iteration)
    smoothingOrder: 'zeroth',
    optimizer: 'adam',
    adamLr: 0.5,
    annealFrom: 0.005,
    annealTo: 2.5e-4,
    // each hard gradient costs ~0.6 s here (5 contacts a step); 10 L-BFGS iterations take the
    // 1.1 cm of the soft optimum to 4 mm (measured)
    annealFinish: 10,
    smoothingSigma: 2,
    spec: { kind: 'named', name: 'push-box', size },
    lossAndGrad,
    value: (x, setting) => lossOf(Array.from(simulateAt(x, setting.mode, setting.temperature).state.bodyQ)) as number,
    outcome(x, mode) {
      const { state, trajectory } = simulateAt(x, mode);
      const loss = lossOf(Array.from(state.bodyQ)) as number;
      const pose = poseOf(state.bodyQ);
      const miss = Math.sqrt(loss);
      return {
        loss,
        miss,
        success: miss <= TOLERANCE,
        details: {
          boxPosition: [pose.x, pose.y],
          boxYaw: pose.yaw,
          positionError: Math.hypot(pose.x - GOAL.x, pose.y - GOAL.y),
          yawError: Math.abs(pose.yaw - GOAL.yaw),
        },
        trajectory,
      };
    },
  };
}

if (isMainModule(import.meta.url)) void runStandalone('push-box');
