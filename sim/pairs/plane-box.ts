/** The plane–box row of the pair table (see row.ts). */
import { collidePlaneBox } from '../collision/plane.ts';
import { planeBoxFeature } from '../contact/geometry-features.ts';
import { planeBoxAdjoint } from '../contact/geometry-fast.ts';
import type { ShapePair } from './row.ts';

export const planeBox: ShapePair = {
  a: 'plane',
  b: 'box',
  collide: collidePlaneBox,
  // corner i + 2j + 4k (≤ 4 deepest written)
  features: 8,
  formula: planeBoxFeature,
  fastAdjoint: planeBoxAdjoint,
  fastTangent: null,
  choosesFeatures: false,
};
