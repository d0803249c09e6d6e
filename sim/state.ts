/**
 * The State: the minimal evolving data of a rollout, as struct-of-arrays `Float64Array`s
 * indexed by body. Both arrays of one State are views into one buffer, laid out by
 * {@link STATE_FIELDS}, so a snapshot is one copy.
 */
import { DivergenceError } from './errors.ts';
import type { Model } from './model.ts';

/** Floats per body of each State array; one table drives allocation, cloning and copying. */
export const STATE_FIELDS = { bodyQ: 7, bodyQd: 6 } as const;

/** Floats per body over all State arrays. */
const FLOATS_PER_BODY = STATE_FIELDS.bodyQ + STATE_FIELDS.bodyQd;

/** Positions, orientations and velocities of every body at one time. */
export interface State {
  /**
   * (nbody×7) pose: position of the centre of mass (x, y, z; world, m), then the
   * orientation unit quaternion (w, x, y, z), body → world.
   */
  bodyQ: Float64Array;
  /** (nbody×6) linear velocity of the centre of mass (world, m/s), then angular velocity (world, rad/s) */
  bodyQd: Float64Array;
  /** simulated time, s */
  time: number;
}

/** Number of bodies a State holds. */
export function stateBodyCount(state: State): number {
  return state.bodyQ.length / STATE_FIELDS.bodyQ;
}

/**
 * A State for `nbody` bodies, all at rest at the origin with identity orientation, time 0.
 *
 * @example
 * const s = allocState(model.nbody);
 */
export function allocState(nbody: number): State {
  if (!Number.isInteger(nbody) || nbody < 0) {
    throw new RangeError(`allocState: nbody must be a non-negative integer, got ${nbody}`);
  }
  const buffer = new Float64Array(nbody * FLOATS_PER_BODY);
  const bodyQ = buffer.subarray(0, nbody * STATE_FIELDS.bodyQ);
  const bodyQd = buffer.subarray(nbody * STATE_FIELDS.bodyQ);
  for (let b = 0; b < nbody; b++) bodyQ[b * STATE_FIELDS.bodyQ + 3] = 1;
  return { bodyQ, bodyQd, time: 0 };
}

/** Copy `src` into `out` (same body count) and return `out`. Allocates nothing. */
export function copyState(out: State, src: State): State {
  if (out.bodyQ.length !== src.bodyQ.length) {
    throw new RangeError(`copyState: body counts differ (${stateBodyCount(out)} vs ${stateBodyCount(src)})`);
  }
  out.bodyQ.set(src.bodyQ);
  out.bodyQd.set(src.bodyQd);
  out.time = src.time;
  return out;
}

/** A new State equal to `src`, sharing no memory with it. */
export function cloneState(src: State): State {
  return copyState(allocState(stateBodyCount(src)), src);
}

/**
 * Throw a {@link DivergenceError} naming `step`, the first body and the field holding a
 * non-finite value, if there is one. Allocates nothing when the state is finite.
 */
export function assertFiniteState(state: State, model: Pick<Model, 'bodyName'>, step: number): void {
  const { bodyQ, bodyQd } = state;
  const nbody = stateBodyCount(state);
  for (let b = 0; b < nbody; b++) {
    const q = b * STATE_FIELDS.bodyQ;
    const qd = b * STATE_FIELDS.bodyQd;
    let field = '';
    if (!allFinite(bodyQ, q, 3)) field = 'position';
    else if (!allFinite(bodyQ, q + 3, 4)) field = 'orientation';
    else if (!allFinite(bodyQd, qd, 3)) field = 'linearVelocity';
    else if (!allFinite(bodyQd, qd + 3, 3)) field = 'angularVelocity';
    if (field !== '') throw new DivergenceError(step, model.bodyName[b], field);
  }
}

function allFinite(a: Float64Array, start: number, count: number): boolean {
  for (let k = start; k < start + count; k++) if (!Number.isFinite(a[k])) return false;
  return true;
}
