/** The box–capsule row of the pair table (see row.ts). */
import { collideBoxCapsule } from '../collision/boxCapsule.ts';
import { BOX_CAPSULE_FEATURES, boxCapsuleFeature } from '../contact/geometry-box.ts';
import type { ShapePair } from './row.ts';

export const boxCapsule: ShapePair = {
  a: 'box',
  b: 'capsule',
  collide: collideBoxCapsule,
  features: BOX_CAPSULE_FEATURES,
  formula: boxCapsuleFeature,
  fastAdjoint: null,
  fastTangent: null,
  choosesFeatures: true,
};
