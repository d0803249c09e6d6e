/**
 * Trajectory-optimization figures (issue 5): what AD saves over finite differences on the
 * push-box problem at full size (50 force knots × 2 = 100 parameters), and what the worker
 * threads save on a randomized-smoothing gradient.
 *
 * The FD baseline is the best a user could write without AD: the model and step scratch
 * built once, then 2·100 + 1 plain rollouts (the loss at x and a central difference per
 * parameter). It does not go through `problem.value`, which rebuilds the model and records
 * a trajectory on every call (about 15 % more per rollout): that would flatter AD.
 */
import { availableParallelism } from 'node:os';
import { seededRng } from '../ad/random.ts';
import { buildModel, initialState } from '../sim/builder.ts';
import {
  smoothedGradient,
  workerEvaluator,
  type BatchEvaluator,
  type SmoothedGradient,
  type SmoothingOptions,
} from '../sim/smoothing.ts';
import { cloneState, copyState } from '../sim/state.ts';
import { createStepData, simulate } from '../sim/step.ts';
import { bodyIndex } from '../scenes/optimize/controlled-rollout.ts';
import { sceneSetting, type OptimizationProblem, type Setting } from '../scenes/optimize/problem.ts';
import { interpolateKnots, pushBox, pushBoxLoss } from '../scenes/optimize/push-box.ts';
import { median, medianTimes, type Figure } from './harness.ts';

/** The goal for FD time over AD time. */
const AD_VS_FD_GOAL = 20;
/** Parameters the figure's name promises (50 knots × fx, fy). */
const PUSH_PARAMS = 100;
/**
 * Central-difference step, N. The soft-contact loss is smooth at the bench point: h = 1e-3
 * leaves a truncation error ~1e-7 of the largest gradient entry, far above round-off.
 */
const FD_STEP = 1e-3;
/** Above this max relative difference AD and FD are computing different things: no figure. */
const AGREEMENT_TOLERANCE = 0.1;
/**
 * Entries smaller than this fraction of the largest are compared against that floor, not
 * against themselves: a relative error of a near-zero entry says nothing.
 */
const RELATIVE_FLOOR = 1e-2;
/** AD gradients per timed sample, so that one AD sample is not ~15× shorter than one FD sample. */
const AD_PER_SAMPLE = 8;
/** Interleaved rounds of the AD/FD timing: one untimed, then the timed ones (≥ 3 FD runs). */
const AD_VS_FD_ROUNDS = { warmup: 1, reps: 7 };

/**
 * The bench point: a steady push of 4 N forward and 0.5 N sideways at every knot. It
 * brings the pusher into contact and slides the box (4 N on 2 kg beats the box's 2.9 N of
 * floor friction), so every knot moves the loss; at x0 the pusher never arrives.
 */
const PUSH_FORCE = { x: 4, y: 0.5 };

/**
 * The plain push-box loss at `x`: one rollout on a model built once, then push-box's own
 * loss (`pushBoxLoss`) on the final poses.
 */
function plainLoss(problem: OptimizationProblem): (x: readonly number[]) => number {
  const scene = problem.scene;
  const model = buildModel(scene);
  const state0 = initialState(model, scene);
  const state = cloneState(state0);
  const data = createStepData(model);
  const box = bodyIndex(scene, 'box');
  const pusher = bodyIndex(scene, 'pusher');
  const forces = new Float64Array(2 * scene.steps);
  const control = new Float64Array(6 * model.nbody);
  const controlAt = (t: number): Float64Array => {
    control[6 * pusher] = forces[2 * t];
    control[6 * pusher + 1] = forces[2 * t + 1];
    return control;
  };
  return (x) => {
    interpolateKnots(x, scene.steps, (t, k, w) => {
      for (let c = 0; c < 2; c++) forces[2 * t + c] = (1 - w) * x[2 * k + c] + w * x[2 * k + 2 + c];
    });
    copyState(state, state0);
    simulate(model, state, scene.steps, { data, control: controlAt });
    return pushBoxLoss(Array.from(state.bodyQ), box) as number;
  };
}

/** Central finite differences of `f` at `x`: 2n + 1 evaluations (the value, then ± each parameter). */
function centralDifferences(
  f: (x: readonly number[]) => number,
  x: readonly number[],
  h: number,
): { value: number; grad: number[] } {
  const value = f(x);
  const xp = x.slice();
  const grad = x.map((xj, j) => {
    xp[j] = xj + h;
    const up = f(xp);
    xp[j] = xj - h;
    const down = f(xp);
    xp[j] = xj;
    return (up - down) / (2 * h);
  });
  return { value, grad };
}

/** max_j |a_j − b_j| / max(|a_j|, |b_j|, floor·‖a‖∞). */
function maxRelativeDifference(a: readonly number[], b: readonly number[]): number {
  const floor = RELATIVE_FLOOR * Math.max(...a.map(Math.abs));
  let worst = 0;
  a.forEach((aj, j) => {
    const scale = Math.max(Math.abs(aj), Math.abs(b[j]), floor);
    worst = Math.max(worst, scale === 0 ? 0 : Math.abs(aj - b[j]) / scale);
  });
  return worst;
}

/** FD time over AD time for the full push-box gradient, after checking the two gradients agree. */
function adVsFd(): number {
  const problem = pushBox('full');
  if (problem.params.length !== PUSH_PARAMS)
    throw new Error(`bench: push-box has ${problem.params.length} parameters, the figure promises ${PUSH_PARAMS}`);
  const setting = sceneSetting(problem.scene);
  const x = problem.params.map((_, j) => (j % 2 === 0 ? PUSH_FORCE.x : PUSH_FORCE.y));
  const loss = plainLoss(problem);

  const reference = problem.value(x, setting);
  const ad = problem.lossAndGrad(x, setting);
  const fd = centralDifferences(loss, x, FD_STEP);
  if (fd.value !== reference || ad.value !== reference) {
    throw new Error(`bench: push-box losses disagree: plain ${fd.value}, problem.value ${reference}, AD ${ad.value}`);
  }
  const diff = maxRelativeDifference(ad.grad, fd.grad);
  process.stderr.write(
    `bench: push-box AD vs central FD (h = ${FD_STEP} N): max relative difference ${diff.toExponential(2)}, ${ad.kinks.length} kink(s) recorded\n`,
  );
  if (!(diff <= AGREEMENT_TOLERANCE))
    throw new Error(`bench: AD and FD gradients of push-box disagree (max relative difference ${diff})`);

  const adBatch = (): number => {
    let s = 0;
    for (let i = 0; i < AD_PER_SAMPLE; i++) s += problem.lossAndGrad(x, setting).grad[0];
    return s;
  };
  const [fdMs, adBatchMs] = medianTimes([() => centralDifferences(loss, x, FD_STEP).grad[0], adBatch], AD_VS_FD_ROUNDS);
  const adMs = adBatchMs / AD_PER_SAMPLE;
  process.stderr.write(`bench: push-box gradient: FD ${fdMs.toFixed(1)} ms, AD ${adMs.toFixed(1)} ms (medians)\n`);
  return fdMs / adMs;
}

// ---- randomized smoothing on worker threads ----------------------------------------------

/** Antithetic pairs per estimate (2 × SMOOTHING_SAMPLES AD rollouts). */
const SMOOTHING_SAMPLES = 16;
/** Seed of the perturbations: every timed call draws the same samples. */
const SMOOTHING_SEED = 1;
/** Interleaved rounds: untimed ones first (tsx loading and the JIT in each fresh worker), then timed. */
const SMOOTHING_ROUNDS = { warmup: 2, reps: 9 };
/** Threads of the parallel side. */
const THREADS = availableParallelism();

/**
 * One-core time over all-cores time of the first-order smoothing gradient of push-box at
 * its start (zero force), as the `smoothing` strategy computes it: the penalty (non-smooth)
 * model, σ = the problem's smoothing sigma. The one-core side is the same worker pool with
 * one thread, so the ratio is the parallelism alone, not the messaging.
 */
async function smoothingSpeedup(): Promise<number> {
  const problem = pushBox('full');
  const setting: Setting = { mode: 'penalty', temperature: problem.scene.contact.temperature };
  const sigma = problem.scale.map((s) => problem.smoothingSigma * s);
  const opts = (): SmoothingOptions => ({
    order: 'first',
    sigma,
    samples: SMOOTHING_SAMPLES,
    rng: seededRng(SMOOTHING_SEED),
    bounds: problem.bounds,
  });
  const source = {
    module: new URL('../scenes/optimize/registry.ts', import.meta.url).href,
    factory: 'workerObjective',
    spec: problem.spec,
  };
  const one = workerEvaluator(source, 1);
  const all = workerEvaluator(source, THREADS);
  try {
    const estimate = async (ev: BatchEvaluator): Promise<{ ms: number; est: SmoothedGradient }> => {
      const t0 = performance.now();
      const est = await smoothedGradient(ev, problem.x0, setting, opts());
      return { ms: performance.now() - t0, est };
    };
    const oneMs: number[] = [];
    const allMs: number[] = [];
    for (let round = 0; round < SMOOTHING_ROUNDS.warmup + SMOOTHING_ROUNDS.reps; round++) {
      const a = await estimate(one);
      const b = await estimate(all);
      // same samples, same rollouts: only the threads differ, so the numbers must not
      if (a.est.value !== b.est.value || a.est.grad.some((g, j) => g !== b.est.grad[j])) {
        throw new Error('bench: the smoothing gradient on 1 thread and on all threads differ');
      }
      if (!a.est.grad.some((g) => g !== 0))
        throw new Error('bench: the smoothing gradient of push-box is zero: the perturbed pushes never reach the box');
      if (round >= SMOOTHING_ROUNDS.warmup) {
        oneMs.push(a.ms);
        allMs.push(b.ms);
      }
    }
    process.stderr.write(
      `bench: smoothing gradient (${2 * SMOOTHING_SAMPLES} rollouts): 1 thread ${median(oneMs).toFixed(0)} ms, ${THREADS} threads ${median(allMs).toFixed(0)} ms (medians)\n`,
    );
    return median(oneMs) / median(allMs);
  } finally {
    await Promise.all([one.close(), all.close()]);
  }
}

/** The optimization figures (list them in bench/index.ts). */
export const optimizeFigures: Figure[] = [
  {
    name: 'adVsFd.push100params.speedup',
    describe: `push-box gradient, 100 force parameters: central FD (201 plain rollouts, h = ${FD_STEP} N) time over AD value+gradient time; gradients checked to agree`,
    unit: 'ratio',
    goal: { min: AD_VS_FD_GOAL },
    run: adVsFd,
  },
  {
    name: 'smoothing.workers.speedup',
    describe: `first-order smoothing gradient of push-box (${SMOOTHING_SAMPLES} antithetic pairs, penalty mode): 1 worker thread over ${THREADS} (all cores); same samples, identical gradients`,
    unit: 'ratio',
    run: smoothingSpeedup,
  },
];
