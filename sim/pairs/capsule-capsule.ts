/** The capsule–capsule row of the pair table (see row.ts). */
import { collideCapsuleCapsule } from '../collision/capsule.ts';
import { capsuleCapsuleFeature } from '../contact/geometry-features.ts';
import { capsuleCapsuleAdjoint } from '../contact/geometry-fast.ts';
import type { ShapePair } from './row.ts';

export const capsuleCapsule: ShapePair = {
  a: 'capsule',
  b: 'capsule',
  collide: collideCapsuleCapsule,
  features: 1,
  formula: capsuleCapsuleFeature,
  fastAdjoint: capsuleCapsuleAdjoint,
  fastTangent: null,
  choosesFeatures: true,
};
