/**
 * The programs the AD benchmarks differentiate, each written once with ad ops (and, where a
 * figure needs it, once more in plain numbers). Shared by bench/ad.ts and the memory child.
 */
import { add, mul, neg, sin, sub } from '../ad/ops.ts';
import { relu, where } from '../ad/nonsmooth.ts';
import { checkpointedScan, type ScanStep } from '../ad/checkpoint.ts';
import type { Real } from '../ad/tape.ts';

// ---- a scalar recurrence: y ← a·y + b·sin(y) -----------------------------------------

/** Steps of the scalar chain. */
export const CHAIN_STEPS = 200_000;
/** Elementary ops per chain step: sin, two muls, one add. */
export const CHAIN_OPS_PER_STEP = 4;
export const CHAIN_A = 0.999999;
export const CHAIN_B = 1e-6;

/** The chain in plain numbers: the baseline every AD figure is a multiple of. */
export function chainPlain(y0: number): number {
  let y = y0;
  for (let t = 0; t < CHAIN_STEPS; t++) y = CHAIN_A * y + CHAIN_B * Math.sin(y);
  return y;
}

/**
 * The same chain through the AD front door's ops (`steps` only for bench/ad.ts's warm-up,
 * `warmChainAd`: the figures always run the full chain).
 */
export function chainAd([y0]: Real[], steps: number = CHAIN_STEPS): Real {
  let y = y0;
  for (let t = 0; t < steps; t++) y = add(mul(CHAIN_A, y), mul(CHAIN_B, sin(y)));
  return y;
}

// ---- a point mass bouncing on a penalty ground ----------------------------------------

/** Ground stiffness (N/m) and damping (N·s/m), time step (s), steps, gravity (m/s²), mass (kg). */
export const BOUNCE = { k: 1e4, c: 10, dt: 1e-3, steps: 1000, g: 9.81, m: 1, z0: 1 } as const;

/**
 * Final x + z of a point mass dropped from z0 with initial velocity (vx, vz), 2-D, on a
 * penalty ground z ≤ 0: force k·max(0, −z) − c·vz while in contact, semi-implicit Euler.
 * With z0 = 1 m it lands after about 0.5 s and bounces within the 1 s simulated.
 */
export function bounce([vx0, vz0]: Real[]): Real {
  const { k, c, dt, steps, g, m } = BOUNCE;
  let x: Real = 0;
  let z: Real = BOUNCE.z0;
  let vz = vz0;
  for (let t = 0; t < steps; t++) {
    const depth = neg(z);
    // the damper acts only in contact: `where` branches on the signed depth
    const fz = add(mul(k, relu(depth)), where(depth, mul(-c, vz), 0));
    vz = add(vz, mul(dt, sub(mul(1 / m, fz), g)));
    x = add(x, mul(dt, vx0));
    z = add(z, mul(dt, vz));
  }
  return add(x, z);
}

// ---- two coupled nonlinear oscillators: a 4-state recurrence with three params -------

/** Step of the coupled oscillators (s). */
const OSC_DT = 1e-3;

/**
 * (x₁, v₁, x₂, v₂) with params (k, c, κ): each x pulled back by k·sin(x), damped by c,
 * coupled to the other by κ; semi-implicit Euler. 24 elementary ops per step.
 */
export const oscillatorStep: ScanStep = ([x1, v1, x2, v2], [k, c, kappa]) => {
  const a1 = add(mul(kappa, sub(x2, x1)), neg(add(mul(k, sin(x1)), mul(c, v1))));
  const a2 = add(mul(kappa, sub(x1, x2)), neg(add(mul(k, sin(x2)), mul(c, v2))));
  const w1 = add(v1, mul(OSC_DT, a1));
  const w2 = add(v2, mul(OSC_DT, a2));
  return [add(x1, mul(OSC_DT, w1)), w1, add(x2, mul(OSC_DT, w2)), w2];
};

/** Inputs of `oscillators`: x₁(0), x₂(0), k, c, κ. */
export const OSC_INPUTS = [0.4, -0.2, 9, 0.1, 2];

/** x₁ + x₂ after `steps` steps, unrolled on the plain tape or through a checkpointed scan. */
export function oscillators(steps: number, checkpointed: boolean): (x: Real[]) => Real {
  return ([x1, x2, k, c, kappa]) => {
    const init = [x1, 0, x2, 0];
    const params = [k, c, kappa];
    let s: Real[];
    if (checkpointed) s = checkpointedScan(oscillatorStep, init, params, steps);
    else {
      s = init;
      for (let t = 0; t < steps; t++) s = oscillatorStep(s, params, t);
    }
    return add(s[0], s[2]);
  };
}
