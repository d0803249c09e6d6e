/** The plane–capsule row of the pair table (see row.ts). */
import { collidePlaneCapsule } from '../collision/plane.ts';
import { planeCapsuleFeature } from '../contact/geometry-features.ts';
import { planeCapsuleAdjoint } from '../contact/geometry-fast.ts';
import type { ShapePair } from './row.ts';

export const planeCapsule: ShapePair = {
  a: 'plane',
  b: 'capsule',
  collide: collidePlaneCapsule,
  // the end caps at ∓ halfLength
  features: 2,
  formula: planeCapsuleFeature,
  fastAdjoint: planeCapsuleAdjoint,
  fastTangent: null,
  choosesFeatures: false,
};
