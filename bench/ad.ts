/**
 * AD timing figures: the cost of a gradient as a multiple of something measured beside it
 * in the same run (the plain-number loop, or the recording pass alone).
 */
import { valueAndGrad } from '../ad/transforms.ts';
import { value } from '../ad/ops.ts';
import { MODE_REVERSE, beginTrace, endTrace, leaf, type Real } from '../ad/tape.ts';
import { medianTimes, timeRatio, type Figure } from './harness.ts';
import { CHAIN_OPS_PER_STEP, CHAIN_STEPS, OSC_INPUTS, bounce, chainAd, chainPlain, oscillators } from './workloads.ts';

const Y0 = [0.5];
const V0 = [1, 0.5];

/** f evaluated on a reverse-mode trace, without the sweep: the recording alone. */
function recordOnly(f: (x: Real[]) => Real, x: readonly number[]): number {
  beginTrace(MODE_REVERSE);
  try {
    return value(f(x.map((xj) => leaf(xj))));
  } finally {
    endTrace();
  }
}

/** The gradient figures of the AD core. */
export const adFigures: Figure[] = [
  {
    name: 'ad.chain200k.gradOverPlain',
    describe: 'value+gradient of y ← 0.999999·y + 1e-6·sin(y), 200k steps, over the plain-number loop',
    unit: 'ratio',
    goal: { max: 15 },
    run: () =>
      timeRatio(
        () => valueAndGrad(chainAd, Y0).grad[0],
        () => chainPlain(Y0[0]),
        { warmup: 5, reps: 21 },
      ),
  },
  {
    name: 'ad.tape.nsPerOp',
    describe: 'ns per elementary op (record + reverse sweep) on the 200k chain, 4 ops per step',
    unit: 'ns',
    goal: { max: 10 },
    run: () => {
      const [ms] = medianTimes([() => valueAndGrad(chainAd, Y0).grad[0]], { warmup: 5, reps: 21 });
      return (ms * 1e6) / (CHAIN_STEPS * CHAIN_OPS_PER_STEP);
    },
  },
  {
    name: 'ad.bounce1000.gradOverRecord',
    describe: 'value+gradient of a point mass bouncing on a penalty ground, 1000 steps, over recording alone',
    unit: 'ratio',
    goal: { max: 2 },
    run: () =>
      timeRatio(
        () => valueAndGrad(bounce, V0).grad[0],
        () => recordOnly(bounce, V0),
        { warmup: 5, reps: 31, inner: 20 },
      ),
  },
  {
    name: 'ad.checkpoint10k.gradOverTapeGrad',
    describe: 'gradient of 4-state oscillators, 10k steps, checkpointed scan over the plain tape',
    unit: 'ratio',
    goal: { max: 3 },
    run: () => {
      return timeRatio(
        () => valueAndGrad(oscillators(10_000, true), OSC_INPUTS).grad[0],
        () => valueAndGrad(oscillators(10_000, false), OSC_INPUTS).grad[0],
        { warmup: 5, reps: 21 },
      );
    },
  },
];
