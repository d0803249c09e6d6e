/** The plane–sphere row of the pair table (see row.ts). */
import { collidePlaneSphere } from '../collision/plane.ts';
import { planeSphereFeature } from '../contact/geometry-features.ts';
import { planeSphereAdjoint } from '../contact/geometry-fast.ts';
import { planeSphereTangent } from '../contact/geometry-tangent-fast.ts';
import type { ShapePair } from './row.ts';

export const planeSphere: ShapePair = {
  a: 'plane',
  b: 'sphere',
  collide: collidePlaneSphere,
  features: 1,
  formula: planeSphereFeature,
  fastAdjoint: planeSphereAdjoint,
  fastTangent: planeSphereTangent,
  choosesFeatures: false,
};
