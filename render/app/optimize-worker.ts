/**
 * The page's optimizer: the CLI's own (`diffcontact optimize <scene.json>`,
 * scenes/optimize/driver.ts `optimize` on `sceneFileProblem`), so the page and the CLI
 * give the same result for the same scene, strategy and seed. It runs inline in this
 * worker (`threads: 0`: the CLI's global strategies use node worker threads, and a seed
 * gives the same result on any number of them), one optimization per worker; the page
 * cancels one by terminating the worker. Every iteration's loss is posted as it comes;
 * at the end, the verified result (hard mode, as the CLI's) and the result's trajectory
 * in the page's contact mode.
 */
import { optimize, type Attempt } from '../../scenes/optimize/driver.ts';
import type { StrategyName } from '../../scenes/optimize/names.ts';
import { sceneFileProblem } from '../../scenes/optimize/problem.ts';
import type { ContactMode } from '../../sim/model.ts';
import { sceneObjective } from '../../sim/objective.ts';
import type { Scene } from '../../sim/scene.ts';
import { drain, recordTrack } from '../record.ts';
import type { Track } from '../track.ts';
import { trackBuffers } from './protocol.ts';

/** Page → worker. */
export interface OptimizeRequest {
  /** the scene file's name without .json (the CLI's problem name) */
  name: string;
  scene: Scene;
  strategy: StrategyName;
  seed: number;
  /** optimizer iterations; undefined: the CLI's default for the strategy */
  iters?: number;
}

/** The verified result, as the CLI reports it (driver.ts `optimizeReport`, the fields the page shows). */
export interface OptimizeOutcome {
  strategy: StrategyName;
  /** the mode the optimizer ran in */
  mode: ContactMode;
  params: string[];
  x: number[];
  x0: number[];
  iterations: number;
  evaluations: number;
  /** the loss after each iteration of the result's run (the best rung's, for auto) */
  loss: number[];
  summary?: string;
  attempts?: Attempt[];
  verification: { mode: ContactMode; miss: number; success: boolean; missLabel: string; tolerance: number };
  /** the scene file's own parameters, verified the same way */
  initialMiss: number;
  seconds: number;
}

/** Worker → page. */
export type OptimizeReply =
  | { type: 'iterate'; iteration: number; loss: number }
  | { type: 'result'; outcome: OptimizeOutcome; track: Track }
  | { type: 'error'; message: string };

const scope = self as unknown as {
  postMessage(message: OptimizeReply, options?: StructuredSerializeOptions): void;
  onmessage: ((event: MessageEvent<OptimizeRequest>) => void) | null;
};

scope.onmessage = async (event) => {
  const req = event.data;
  try {
    const problem = sceneFileProblem(req.name, req.scene);
    // auto counts each rung's iterations from 1: the page numbers them on
    let count = 0;
    const run = await optimize(problem, {
      strategy: req.strategy,
      seed: req.seed,
      iters: req.iters,
      threads: 0,
      onIteration: (_k, loss) => scope.postMessage({ type: 'iterate', iteration: ++count, loss }),
    });
    const v = run.verification;
    const outcome: OptimizeOutcome = {
      strategy: run.strategy,
      mode: run.mode,
      params: [...problem.params],
      x: run.result.x,
      x0: [...problem.x0],
      iterations: run.result.iterations,
      evaluations: run.result.evaluations,
      loss: run.result.loss,
      ...(run.result.summary === undefined ? {} : { summary: run.result.summary }),
      ...(run.attempts === undefined ? {} : { attempts: run.attempts }),
      verification: {
        mode: v.mode,
        miss: v.miss,
        success: v.success,
        missLabel: problem.missLabel,
        tolerance: problem.tolerance,
      },
      initialMiss: run.initial.miss,
      seconds: run.seconds,
    };
    // the result played back in the page's own contact mode
    const track = drain(recordTrack(sceneObjective(req.scene).sceneAt(run.result.x)));
    scope.postMessage({ type: 'result', outcome, track }, { transfer: trackBuffers(track) });
  } catch (err) {
    scope.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
};
