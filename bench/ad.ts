/**
 * AD timing figures: the cost of a gradient as a multiple of something measured beside it
 * in the same run (the plain-number loop, or the recording pass alone).
 */
import { valueAndGrad } from '../ad/transforms.ts';
import { value } from '../ad/ops.ts';
import {
  MODE_REVERSE,
  T,
  beginTrace,
  defineOp,
  endTrace,
  forwardNonFinite,
  leaf,
  reserve,
  resetAdjoint,
  sweep,
  type Real,
} from '../ad/tape.ts';
import { medianTimes, timeRatio, type Figure } from './harness.ts';
import {
  CHAIN_A,
  CHAIN_B,
  CHAIN_OPS_PER_STEP,
  CHAIN_STEPS,
  OSC_INPUTS,
  bounce,
  chainAd,
  chainPlain,
  oscillators,
} from './workloads.ts';

const Y0 = [0.5];
const V0 = [1, 0.5];

/**
 * Give `chainAd` type feedback for the code before its loop, before its first full call.
 * V8 allocates a function's feedback vector lazily, here during the first call's loop: the
 * destructuring of `[y0]` ahead of it has then run once with nowhere to record its types.
 * In 2 to 3 processes of 5, TurboFan compiled `chainAd` with that empty feedback before the
 * second call, which deoptimized at its first bytecode, and every later call ran the loop
 * in its on-stack-replacement code: a figure that depended on the process. Three 64-step
 * chains first, untimed; the timed calls are the same full chains as before (bench/README.md).
 */
function warmChainAd(): void {
  for (let k = 0; k < 3; k++) valueAndGrad((x) => chainAd(x, 64), Y0);
}

/** f evaluated on a reverse-mode trace, without the sweep: the recording alone. */
function recordOnly(f: (x: Real[]) => Real, x: readonly number[]): number {
  beginTrace(MODE_REVERSE);
  try {
    return value(f(x.map((xj) => leaf(xj))));
  } finally {
    endTrace();
  }
}

/**
 * ∂y/∂y₀ of the chain with its tape written by hand: the entries `chainAd` records (the
 * same op codes, parents, partials and finite checks, in tape.ts's layout: one slot per
 * parent edge) stored straight into the trace's arrays, then the same sweep. What the
 * ops' machinery (Vars, dispatch, checks, the calls TurboFan does not inline) costs is
 * the gradient's time over this one.
 */
export function chainHandWritten(y0: number): number {
  const opMul = defineOp('mul');
  const opSin = defineOp('sin');
  const opAdd = defineOp('add');
  beginTrace(MODE_REVERSE);
  try {
    const x = leaf(y0);
    reserve(5 * CHAIN_STEPS);
    const { op, par, dv } = T;
    let k = T.n;
    let yi = x.i;
    let y = y0;
    for (let t = 0; t < CHAIN_STEPS; t++) {
      const u = CHAIN_A * y; // mul(a, y): one parent
      if (u - u !== 0) forwardNonFinite(opMul, u);
      op[k] = opMul;
      par[k] = ~yi;
      dv[k] = CHAIN_A;
      const ui = k++;
      const s = Math.sin(y); // sin(y)
      if (s - s !== 0) forwardNonFinite(opSin, s);
      op[k] = opSin;
      par[k] = ~yi;
      dv[k] = Math.cos(y);
      const si = k++;
      const w = CHAIN_B * s; // mul(b, sin y)
      if (w - w !== 0) forwardNonFinite(opMul, w);
      op[k] = opMul;
      par[k] = ~si;
      dv[k] = CHAIN_B;
      const wi = k++;
      y = u + w; // add: two parents, its slot the second
      if (y - y !== 0) forwardNonFinite(opAdd, y);
      par[k] = ui;
      dv[k] = 1;
      op[k + 1] = opAdd;
      par[k + 1] = wi;
      dv[k + 1] = 1;
      yi = k + 1;
      k += 2;
    }
    T.n = k;
    const adj = resetAdjoint();
    adj[yi] = 1;
    sweep();
    return adj[x.i];
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
    run: () => {
      warmChainAd();
      return timeRatio(
        () => valueAndGrad(chainAd, Y0).grad[0],
        () => chainPlain(Y0[0]),
        { warmup: 5, reps: 21 },
      );
    },
  },
  {
    name: 'ad.tape.nsPerOp',
    describe: 'ns per elementary op (record + reverse sweep) on the 200k chain, 4 ops per step',
    unit: 'ns',
    goal: { max: 10 },
    run: () => {
      warmChainAd();
      const [ms] = medianTimes([() => valueAndGrad(chainAd, Y0).grad[0]], { warmup: 5, reps: 21 });
      return (ms * 1e6) / (CHAIN_STEPS * CHAIN_OPS_PER_STEP);
    },
  },
  {
    name: 'ad.tape.overHandWritten',
    describe: 'the chain gradient through the ops over the same tape written by hand and swept (the machinery per op)',
    unit: 'ratio',
    run: () => {
      warmChainAd();
      const viaOps = valueAndGrad(chainAd, Y0).grad[0];
      const byHand = chainHandWritten(Y0[0]);
      if (viaOps !== byHand) throw new Error(`bench: hand-written tape gives ${byHand}, the ops ${viaOps}`);
      return timeRatio(
        () => valueAndGrad(chainAd, Y0).grad[0],
        () => chainHandWritten(Y0[0]),
        { warmup: 5, reps: 21 },
      );
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
