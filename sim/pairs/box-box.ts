/** The box–box row of the pair table (see row.ts). */
import { collideBoxBox } from '../collision/boxBox.ts';
import { BOX_BOX_FEATURES, boxBoxFeature } from '../contact/geometry-box.ts';
import type { ShapePair } from './row.ts';

export const boxBox: ShapePair = {
  a: 'box',
  b: 'box',
  collide: collideBoxBox,
  features: BOX_BOX_FEATURES,
  formula: boxBoxFeature,
  fastAdjoint: null,
  fastTangent: null,
  choosesFeatures: true,
};
