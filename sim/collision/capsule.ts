/** Narrowphase: capsule A against capsule B. */
import type { CollideFn } from './types.ts';
import { anyPerpendicular, emitBallContact } from './ball.ts';
import { closestPointsSegmentSegment } from './segment.ts';
import { loadCapsuleSegment } from './pose.ts';
import { vec3Create, vec3Cross, vec3Load, vec3Normalize } from '../math/vec3.ts';

const _a0 = vec3Create();
const _a1 = vec3Create();
const _b0 = vec3Create();
const _b1 = vec3Create();
const _onA = vec3Create();
const _onB = vec3Create();
const _axisA = vec3Create();
const _axisB = vec3Create();
const _fallback = vec3Create();
const _rot = new Float64Array(9);

/**
 * Capsule A against capsule B: one contact between the closest points of the two axis
 * segments, dist = |onB − onA| − rA − rB. Parallel overlapping axes take the middle of
 * the overlap (see `closestPointsSegmentSegment`). Crossing axes (the closest points
 * coincide) take the normal along axisA × axisB, or a direction perpendicular to A's
 * axis when the axes are parallel too. Feature id 0.
 *
 * @example
 * const n = collideCapsuleCapsule(model, state.bodyQ, 3, 4, 0.01, contacts);
 */
export const collideCapsuleCapsule: CollideFn = (input, bodyQ, a, b, margin, out) => {
  const size = input.geomSize;
  loadCapsuleSegment(bodyQ, size, a, _rot, _a0, _a1);
  vec3Load(_axisA, _rot, 6);
  loadCapsuleSegment(bodyQ, size, b, _rot, _b0, _b1);
  vec3Load(_axisB, _rot, 6);
  closestPointsSegmentSegment(_a0, _a1, _b0, _b1, _onA, _onB);
  vec3Cross(_fallback, _axisA, _axisB);
  if (_fallback[0] !== 0 || _fallback[1] !== 0 || _fallback[2] !== 0) vec3Normalize(_fallback, _fallback);
  else anyPerpendicular(_fallback, _axisA);
  return emitBallContact(out, a, b, size, _onA, _onB, margin, _fallback);
};
