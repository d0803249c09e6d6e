/** The sphere–capsule row of the pair table (see row.ts). */
import { collideSphereCapsule } from '../collision/sphere.ts';
import { sphereCapsuleFeature } from '../contact/geometry-features.ts';
import { sphereCapsuleAdjoint } from '../contact/geometry-fast.ts';
import type { ShapePair } from './row.ts';

export const sphereCapsule: ShapePair = {
  a: 'sphere',
  b: 'capsule',
  collide: collideSphereCapsule,
  features: 1,
  formula: sphereCapsuleFeature,
  fastAdjoint: sphereCapsuleAdjoint,
  fastTangent: null,
  choosesFeatures: true,
};
