/**
 * billiards — choose the cue ball's velocity (x and y) so that the object ball it strikes
 * ends at a target point; the objective never mentions the cue, only the struck ball.
 *
 * Scene: two pool balls (radius 28.575 mm, 0.17 kg) on the cloth, the contact settings of
 * scenes/billiards.json (ball–ball restitution 0.93, in soft mode through the dashpot it sets, cloth
 * friction 0.667, ball friction 0.06). The cue starts 0.3 m behind the object ball.
 * Target: the object ball at (0.5, 0.2) m at t = 1 s (test size: (0.4, 0.12) m at 0.6 s), a
 * cut of about 22° to the left, so the cue must strike it off-centre.
 * Poor initial guess: (1.5, 0) m/s straight at the ball, which sends it along x, 0.24 m
 * from the target. Success: within 1 cm, simulated in hard mode (Newton restitution 0.93).
 * Measured (scenes/README.md): continuation (4 soft stages, then 12 L-BFGS iterations in
 * hard mode) ends 4 mm from the target, plain L-BFGS in hard mode 1.3 mm (the soft optimum
 * alone missed the hard target by 2.2 cm when soft contacts bounced by a Hunt–Crossley
 * damping whose restitution grew as impacts slowed; they now follow e — not re-measured);
 * plain L-BFGS in soft mode stalls in a local minimum (16 cm).
 * Neither hard finish gets below a few mm: the hard final position jumps by up to 2.4 mm
 * where the ball–ball impact moves from one 0.5 ms step to the next, because the cloth's
 * friction acts over the whole impact step on the balls' post-impact slip (μ·g·dt =
 * 3.3 mm/s of speed, first order in dt), and L-BFGS stalls at such a jump.
 *
 * Run: `npx tsx scenes/optimize/billiards.ts` or `diffcontact optimize billiards`.
 */
import { parseScene, type Scene } from '../../sim/scene.ts';
import { isMainModule, runStandalone } from './driver.ts';
import { sceneFileProblem, type OptimizationProblem, type ProblemSize } from './problem.ts';

/** Ball radius, m (a 57.15 mm pool ball). */
const R = 0.028575;

const SIZES: Record<ProblemSize, { seconds: number; target: [number, number] }> = {
  full: { seconds: 1, target: [0.5, 0.2] },
  test: { seconds: 0.6, target: [0.4, 0.12] },
};

/** The scene with its objective (dt 0.5 ms, as scenes/billiards.json). */
export function billiardsScene(size: ProblemSize): Scene {
  const { seconds, target } = SIZES[size];
  const dt = 0.0005;
  return parseScene({
    description: 'billiards: aim the cue so the object ball ends at the target (scenes/optimize/billiards.ts)',
    dt,
    steps: Math.round(seconds / dt),
    contact: { mode: 'soft', stiffness: 1e5, temperature: 0.00005, friction: 0.06, restitution: 0.93 },
    bodies: [
      { name: 'table', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 }, friction: 0.667, restitution: 0.5 },
      {
        name: 'cue',
        shape: { type: 'sphere', radius: R },
        mass: 0.17,
        position: [-0.3, 0, R],
        linearVelocity: [1.5, 0, 0],
      },
      { name: 'object', shape: { type: 'sphere', radius: R }, mass: 0.17, position: [0, 0, R] },
    ],
    objective: {
      of: 'object.position',
      target: [target[0], target[1], R],
      wrt: ['cue.linearVelocity.x', 'cue.linearVelocity.y'],
      bounds: { 'cue.linearVelocity.x': [0.2, 4], 'cue.linearVelocity.y': [-1, 1] },
    },
  });
}

/** The billiards problem at a size. */
export function billiards(size: ProblemSize = 'full'): OptimizationProblem {
  return sceneFileProblem('billiards', billiardsScene(size), {
    spec: { kind: 'named', name: 'billiards', size },
    defaultStrategy: 'anneal',
    defaultIters: 60,
    // zeroth order: the hard gradient through the ball–ball impact is 30 plain rollouts and
    // misleads here (measured, hard mode: first order, 20 iterations, 61 s: 24 → 27 cm;
    // zeroth order, 60 iterations, 5 s: 24 → 0.8 cm)
    smoothingOrder: 'zeroth',
  });
}

if (isMainModule(import.meta.url)) void runStandalone('billiards');
