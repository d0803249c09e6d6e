/**
 * The contact frame (n, t₁, t₂) of a unit normal n: Duff et al. 2017's branchless
 * orthonormal basis, a smooth function of n on each side of n_z = 0,
 *
 *   σ = sign(n_z) (+1 at 0),  h = −1/(σ + n_z),
 *   t₁ = (1 + σ n_x² h, σ n_x n_y h, −σ n_x),   t₂ = (n_x n_y h, σ + n_y² h, −n_y).
 *
 * Friction is isotropic, so the velocities after a solve do not depend on which tangents
 * are used: any smooth choice gives the same derivatives. `duffFrame` is the plain kernel
 * (problem.ts builds every step's rows with it); `contactFramesPrimitive` the same map for
 * all of a step's contacts on the trace, with its adjoint written by hand (test/sim/hard/oracle/traced-step.ts).
 */
import { customVjp, type PrimitiveRule } from '../../ad/primitive.ts';
import type { Real } from '../../ad/tape.ts';

/** Floats per contact in a frame: n, t₁, t₂. */
export const FRAME_WIDTH = 9;

/**
 * Write the frame of the unit normal at `normal[no .. no + 2]` to `out[o .. o + 8]` (n, t₁,
 * t₂). (The normal comes in an array, not as three numbers, so that no double is boxed
 * when the call is not inlined: the hard step calls this per contact per step.)
 *
 * @example
 * duffFrame(dir, 9 * k, contacts.normal, 3 * k); // a normal (0,0,1) gives (0,0,1), (1,0,0), (0,1,0)
 */
export function duffFrame(out: Float64Array, o: number, normal: Float64Array, no: number): void {
  const nx = normal[no],
    ny = normal[no + 1],
    nz = normal[no + 2];
  const sign = nz >= 0 ? 1 : -1;
  const h = -1 / (sign + nz);
  const xy = nx * ny * h;
  out[o] = nx;
  out[o + 1] = ny;
  out[o + 2] = nz;
  out[o + 3] = 1 + sign * nx * nx * h;
  out[o + 4] = sign * xy;
  out[o + 5] = -sign * nx;
  out[o + 6] = xy;
  out[o + 7] = sign + ny * ny * h;
  out[o + 8] = -ny;
}

/**
 * The frames of `count` normals on the trace: [n₀ … n_{count−1}] (3 each) ↦ 9 each.
 *
 * @example
 * const dirs = contactFramesPrimitive(2)([...n0, ...n1]); // dirs.slice(9, 18): contact 1's
 */
export function contactFramesPrimitive(count: number): (x: readonly Real[]) => Real[] {
  return customVjp(contactFramesRule(count));
}

/** The rule behind {@link contactFramesPrimitive} (step-adjoint.ts calls `duffFrame` and {@link contactFramesAdjoint} directly). */
export function contactFramesRule(count: number): PrimitiveRule<Float64Array> {
  return {
    name: 'contactFrames',
    fwd: (x: Float64Array): [Float64Array, Float64Array] => {
      if (x.length !== 3 * count)
        throw new RangeError(`contactFrames: input has length ${x.length}, expected 3·${count}`);
      const y = new Float64Array(FRAME_WIDTH * count);
      for (let k = 0; k < count; k++) duffFrame(y, FRAME_WIDTH * k, x, 3 * k);
      return [y, x];
    },
    bwd: (x: Float64Array, ybar: Float64Array): Float64Array =>
      contactFramesAdjoint(count, x, ybar, new Float64Array(3 * count)),
  };
}

/**
 * n̄ of {@link contactFramesPrimitive} at the normals `x` for the frames' cotangent `ybar`
 * (contact k's FRAME_WIDTH entries from `ybarAt + stride·k`: the hard adjoint reads them in
 * place in θ̄'s contact blocks), written to `xbar`; returns it.
 */
export function contactFramesAdjoint(
  count: number,
  x: Float64Array,
  ybar: Float64Array,
  xbar: Float64Array,
  ybarAt = 0,
  stride = FRAME_WIDTH,
): Float64Array {
  for (let k = 0; k < count; k++) {
    const nx = x[3 * k],
      ny = x[3 * k + 1],
      nz = x[3 * k + 2];
    const o = ybarAt + stride * k;
    const sign = nz >= 0 ? 1 : -1;
    const h = -1 / (sign + nz);
    // xy = n_x n_y h feeds t₁,y (×σ) and t₂,x; dh/dn_z = h²
    const xyBar = sign * ybar[o + 4] + ybar[o + 6];
    const hBar = sign * nx * nx * ybar[o + 3] + ny * ny * ybar[o + 7] + nx * ny * xyBar;
    xbar[3 * k] = ybar[o] + 2 * sign * nx * h * ybar[o + 3] + ny * h * xyBar - sign * ybar[o + 5];
    xbar[3 * k + 1] = ybar[o + 1] + nx * h * xyBar + 2 * ny * h * ybar[o + 7] - ybar[o + 8];
    xbar[3 * k + 2] = ybar[o + 2] + h * h * hBar;
  }
  return xbar;
}
