/** The sphere–box row of the pair table (see row.ts). */
import { collideSphereBox } from '../collision/sphere.ts';
import { sphereBoxFeature } from '../contact/geometry-features.ts';
import type { ShapePair } from './row.ts';

export const sphereBox: ShapePair = {
  a: 'sphere',
  b: 'box',
  collide: collideSphereBox,
  // 0: centre outside (closest point); 1 + 2k + side: centre inside, nearest face (axis k, side −/+)
  features: 7,
  formula: sphereBoxFeature,
  fastAdjoint: null,
  fastTangent: null,
  choosesFeatures: true,
};
