/**
 * bounce-to-target — choose a ball's launch velocity (x and z) so that, after one bounce,
 * it is at a target point at time T.
 *
 * The scene is scenes/bounce-to-target.json: a 1 kg ball of radius 0.1 m launched from
 * 0.5 m height, one second simulated, target (1.2, 0, 0.25) m. The poor initial guess is
 * the file's launch velocity (1, 0, 3) m/s, which ends 0.28 m from the target. Success:
 * the final position, simulated in hard mode, within 1 cm of the target.
 *
 * Measured (full table in scenes/README.md): plain L-BFGS on hard-mode gradients (14
 * iterations) and continuation (the default: 4 soft stages, then 12 L-BFGS iterations in
 * hard mode) both hit the target to 2e-15 m; first-order randomized smoothing ends 4 mm
 * away. Plain L-BFGS in soft mode stops in a local minimum 9 cm away (z(T) after the bounce
 * is a rough function of the launch speed at the scene's sharp temperature, 0.1 mm). The
 * hard gradient is usable here because the placed impact's impulse acts at the sphere's
 * lowest point (sim/hard/problem.ts), so the bounce does not depend on where in its 1 ms
 * step it falls.
 *
 * Run: `npx tsx scenes/optimize/bounce-to-target.ts [--strategy plain|anneal|smoothing]`
 * or `diffcontact optimize bounce-to-target`.
 */
import { fileURLToPath } from 'node:url';
import { readSceneFile } from '../cli/scene-input.ts';
import { isMainModule, runStandalone } from './driver.ts';
import { sceneFileProblem, type OptimizationProblem, type ProblemSize } from './problem.ts';

const SCENE_FILE = new URL('../bounce-to-target.json', import.meta.url);

/** The problem (one size only: a 1000-step rollout of one ball is cheap). */
export function bounceToTarget(_size: ProblemSize = 'full'): OptimizationProblem {
  const scene = readSceneFile(fileURLToPath(SCENE_FILE));
  return sceneFileProblem('bounce-to-target', scene, {
    spec: { kind: 'named', name: 'bounce-to-target', size: 'full' },
    defaultStrategy: 'anneal',
    defaultIters: 60,
  });
}

if (isMainModule(import.meta.url)) void runStandalone('bounce-to-target');
