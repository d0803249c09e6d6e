/** The sphere–sphere row of the pair table (see row.ts). */
import { collideSphereSphere } from '../collision/sphere.ts';
import { sphereSphereFeature } from '../contact/geometry-features.ts';
import { sphereSphereAdjoint } from '../contact/geometry-fast.ts';
import { sphereSphereTangent } from '../contact/geometry-tangent-fast.ts';
import type { ShapePair } from './row.ts';

export const sphereSphere: ShapePair = {
  a: 'sphere',
  b: 'sphere',
  collide: collideSphereSphere,
  features: 1,
  formula: sphereSphereFeature,
  fastAdjoint: sphereSphereAdjoint,
  fastTangent: sphereSphereTangent,
  choosesFeatures: false,
};
