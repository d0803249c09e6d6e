/**
 * The optimal-control tasks of Zhong, Han, Dey & Brikis, "Improving gradient computation
 * for differentiable physics simulation with contacts" (L4DC 2023), in hard mode: two
 * balls in a plane (here the x–z plane, no gravity, frictionless, e = 1, r = 0.2 m,
 * m = 1 kg), T = 1 s in 480 steps. Ball A is driven by a per-step force u(t) (an
 * acceleration, m = 1); ball B is only hit. Loss: ‖x_B(T)‖² + ε Σ‖u‖²·dt, ε = 0.01, from a
 * constant start u ≡ u₀. The paper's analytic optima: 0.3115 (single collision) and
 * 0.3737 (multiple collisions: B also bounces off a wall at z = 1).
 *
 * Their finding: only gradients that account for the time of impact in the collision
 * normal and the post-impact velocity reach these optima; the plain time-stepping
 * gradient stalls elsewhere. Here the hard mode's time-of-impact placement
 * (sim/hard/problem.ts) plays that role.
 *
 *   npx tsx scenes/published/zhong2023.ts [single|multiple]
 */
import * as ad from '../../ad/index.ts';
import type { Real } from '../../ad/tape.ts';
import { lbfgs } from '../../ad/optim/lbfgs.ts';
import { buildModel, initialState } from '../../sim/builder.ts';
import { rolloutInputs, rolloutLayout, rolloutPrimitive } from '../../sim/rollout.ts';
import { parseScene, type SceneInput } from '../../sim/scene.ts';

/** One of the paper's two tasks. */
export interface ZhongTask {
  name: 'single' | 'multiple';
  /** ball A's and B's start in the plane (x, z), m */
  a: [number, number];
  b: [number, number];
  /** the constant force A starts from, N */
  u0: [number, number];
  /** a wall at z = wall (solid above), or none */
  wall: number | null;
  /** the paper's analytic optimal loss */
  optimum: number;
}

export const ZHONG_SINGLE: ZhongTask = { name: 'single', a: [-1, -2], b: [-1, -1], u0: [0, 3], wall: null, optimum: 0.3115 };
export const ZHONG_MULTIPLE: ZhongTask = { name: 'multiple', a: [0.25, -0.3], b: [-0.5, 0.6], u0: [-3.5, 3], wall: 1, optimum: 0.3737 };

const RADIUS = 0.2;
const STEPS = 480;
const DURATION = 1;
/** ε, the weight of the control effort in the loss */
const EFFORT_WEIGHT = 0.01;

/** The task's scene (hard mode), balls named `a` and `b`. */
export function zhongScene(task: ZhongTask): SceneInput {
  const ball = (name: string, [x, z]: [number, number]) => ({ name, shape: { type: 'sphere' as const, radius: RADIUS }, mass: 1, position: [x, 0, z] as [number, number, number] });
  return {
    dt: DURATION / STEPS,
    steps: STEPS,
    gravity: [0, 0, 0],
    contact: { mode: 'hard', restitution: 1, friction: 0 },
    bodies: [
      ...(task.wall === null ? [] : [{ name: 'wall', shape: { type: 'plane' as const, normal: [0, 0, -1] as [number, number, number], offset: -task.wall }, static: true }]),
      ball('a', task.a),
      ball('b', task.b),
    ],
  };
}

/** The loss and its gradient w.r.t. A's per-step force (u_x, u_z per step, 2·480 values). */
export function zhongObjective(task: ZhongTask): (u: number[]) => { value: number; grad: number[] } {
  const scene = parseScene(zhongScene(task));
  const model = buildModel(scene);
  const state = initialState(model, scene);
  const a = scene.bodies.findIndex((body) => body.name === 'a');
  const b = scene.bodies.findIndex((body) => body.name === 'b');
  const config = { model, steps: STEPS, controlBodies: [a] };
  const L = rolloutLayout(model.nbody, STEPS, 1);
  const base = rolloutInputs(config, state.bodyQ, state.bodyQd);
  const run = rolloutPrimitive(config);
  const dt = model.dt;
  return (u) => {
    const r = ad.valueAndGrad((p) => {
      const x: Real[] = Array.from(base);
      let effort: Real = 0;
      for (let t = 0; t < STEPS; t++) {
        // the control wrench of step t: force (x, y, z), then torque
        x[L.controls + 6 * t] = p[2 * t];
        x[L.controls + 6 * t + 2] = p[2 * t + 1];
        effort = ad.add(effort, ad.add(ad.square(p[2 * t]), ad.square(p[2 * t + 1])));
      }
      const y = run(x);
      const terminal = ad.add(ad.square(y[7 * b]), ad.square(y[7 * b + 2]));
      return ad.add(terminal, ad.mul(EFFORT_WEIGHT * dt, effort));
    }, u, { kinkTol: 0 });
    return { value: r.value, grad: r.grad };
  };
}

/** What {@link solveZhong} reached. */
export interface ZhongResult {
  task: ZhongTask['name'];
  loss: number;
  optimum: number;
  /** (loss − optimum)/optimum */
  relativeGap: number;
  iterations: number;
  evaluations: number;
  seconds: number;
  startLoss: number;
}

/** Minimise the task's loss by L-BFGS from u ≡ u₀. */
export function solveZhong(task: ZhongTask, maxIter = 200): ZhongResult {
  const objective = zhongObjective(task);
  const u0 = Array.from({ length: 2 * STEPS }, (_, i) => task.u0[i % 2]);
  const started = performance.now();
  const startLoss = objective(u0).value;
  const result = lbfgs(objective, u0, { maxIter, tol: 1e-7 });
  return {
    task: task.name,
    loss: result.value,
    optimum: task.optimum,
    relativeGap: (result.value - task.optimum) / task.optimum,
    iterations: result.iterations,
    evaluations: result.evaluations,
    seconds: (performance.now() - started) / 1000,
    startLoss,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const which = process.argv[2];
  for (const task of [ZHONG_SINGLE, ZHONG_MULTIPLE].filter((t) => which === undefined || t.name === which)) {
    const r = solveZhong(task);
    console.log(`${r.task}: loss ${r.startLoss.toFixed(4)} → ${r.loss.toFixed(4)} (optimum ${r.optimum}, ${(100 * r.relativeGap).toFixed(2)} %) in ${r.iterations} iterations, ${r.evaluations} evaluations, ${r.seconds.toFixed(1)} s`);
  }
}
