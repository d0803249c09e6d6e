/**
 * The optimal-control tasks of Zhong, Han, Dey & Brikis, "Improving gradient computation
 * for differentiable physics simulation with contacts" (L4DC 2023), in hard mode: two
 * balls in a plane (here the x–z plane, no gravity, frictionless, e = 1, r = 0.2 m,
 * m = 1 kg), T = 1 s in 480 steps. Ball A is driven by a per-step force u(t) (an
 * acceleration, m = 1); ball B is only hit. Loss: ‖x_B(T)‖² + ε Σ‖u‖²·dt, ε = 0.01, from a
 * constant start u ≡ u₀. The paper's analytic optima: 0.3115 (single collision) and
 * 0.3737 (multiple collisions: B also bounces off a wall at z = 1). The tasks are stated
 * as scene files (zhong2023-single.json, zhong2023-multiple.json: A's force is the
 * objective's control, the effort an objective term), run as they are by
 * `diffcontact optimize <file>`; this script runs the paper's plain L-BFGS on them.
 *
 * Their finding: only gradients that account for the time of impact in the collision
 * normal and the post-impact velocity reach these optima; the plain time-stepping
 * gradient stalls elsewhere. Here the hard mode's time-of-impact placement
 * (sim/hard/problem.ts) plays that role.
 *
 *   npx tsx scenes/published/zhong2023.ts [single|multiple]
 *   diffcontact optimize scenes/published/zhong2023-single.json
 */
import { fileURLToPath } from 'node:url';
import { lbfgs } from '../../ad/optim/lbfgs.ts';
import { sceneObjective } from '../../sim/objective.ts';
import type { Scene } from '../../sim/scene.ts';
import { readSceneFile } from '../cli/scene-input.ts';

/** One of the paper's two tasks, stated as a scene file next to this script. */
export interface ZhongTask {
  name: 'single' | 'multiple';
  /** the scene file: balls `a` and `b`, A's per-step force as the objective's control, the effort term */
  file: string;
  /** the paper's analytic optimal loss */
  optimum: number;
}

const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));
export const ZHONG_SINGLE: ZhongTask = { name: 'single', file: here('./zhong2023-single.json'), optimum: 0.3115 };
export const ZHONG_MULTIPLE: ZhongTask = { name: 'multiple', file: here('./zhong2023-multiple.json'), optimum: 0.3737 };

/** The task's scene (hard mode), balls named `a` and `b`. */
export function zhongScene(task: ZhongTask): Scene {
  return readSceneFile(task.file);
}

/**
 * The loss and its gradient w.r.t. the scene file's decision variables: A's per-step force
 * (x, y, z per step, 3·480 values; the y components stay zero, the task is planar).
 */
export function zhongObjective(task: ZhongTask): {
  x0: number[];
  fg: (u: number[]) => { value: number; grad: number[] };
} {
  const objective = sceneObjective(zhongScene(task));
  return { x0: [...objective.x0], fg: (u) => objective.lossAndGrad(u) };
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

/**
 * Minimise the task's loss by L-BFGS from the file's start u ≡ u₀, in the forces' own units
 * (N) with a gradient tolerance of 1e-7: the paper's setting. `diffcontact optimize` on the
 * same file runs its own L-BFGS in scaled units (scenes/optimize/strategies.ts).
 */
export function solveZhong(task: ZhongTask, maxIter = 200): ZhongResult {
  const { x0, fg } = zhongObjective(task);
  const started = performance.now();
  const startLoss = fg(x0).value;
  const result = lbfgs(fg, x0, { maxIter, tol: 1e-7 });
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
    console.log(
      `${r.task}: loss ${r.startLoss.toFixed(4)} → ${r.loss.toFixed(4)} (optimum ${r.optimum}, ${(100 * r.relativeGap).toFixed(2)} %) in ${r.iterations} iterations, ${r.evaluations} evaluations, ${r.seconds.toFixed(1)} s`,
    );
  }
}
