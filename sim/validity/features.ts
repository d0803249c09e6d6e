/**
 * Narrowphase feature switches as decisions of the validity log (sim/validity.ts): which
 * axis the box–box separating-axis test picks (a face of A, a face of B, or an edge pair,
 * across `EDGE_AXIS_TOLERANCE`), which points of the incident face the clipping keeps
 * (a corner crossing a side plane of the reference face), which incident face and support
 * edge are used, which slab bound starts a capsule's stretch along a box, which box
 * feature a sphere meets, and where a segment's closest point clamps at an end.
 *
 * The margins (metres, except `incident face`, a cosine, and `parallel axes`, a sine: see
 * `GEOMETRY_DECISION_KINDS` in sim/contact/geometry-shared.ts) are those the contact-
 * geometry formulas compute when they re-make the narrowphase's choices
 * (sim/contact/geometry-box.ts, geometry-features.ts), evaluated on plain numbers at the
 * poses the step's collision pass saw: the same numbers, and the same labels
 * (`A/B separating axis`, `A/B face clip`, …), as the hard gradient's kink report. Like
 * every margin of the log, they become first-order distances through their tangents.
 *
 * Only pairs whose formulas make such choices are evaluated (their row's `choosesFeatures`
 * in sim/pairs/: no plane pair, no sphere–sphere), so a scene of spheres on a plane pays
 * nothing here.
 */
import type { KinkSink } from '../../ad/primitive.ts';
import type { Contacts } from '../collision/contacts.ts';
import { contactGeometryValues, type ContactFeatures } from '../contact/geometry.ts';
import { FEATURE_OUTPUTS } from '../contact/geometry-features.ts';
import type { Model } from '../model.ts';
import { pairOf } from '../pairs/table.ts';
import { SHAPE_TYPE_COUNT } from '../shapes.ts';

/** Per step: copy the collision pass's poses into `poses` before the step, then `report` after it. */
export interface NarrowphaseFeatures {
  /** (nbody×7) the poses the step collides at: `State.bodyQ` before the step */
  readonly poses: Float64Array;
  /** log the feature decisions of the step's contacts (`contacts` as the step left them) */
  report(contacts: Contacts, sink: KinkSink): void;
}

/** Whether the narrowphase of a pair of these shape types makes a feature choice with a margin (its row says). */
function choosesFeatures(typeA: number, typeB: number): boolean {
  return pairOf(typeA, typeB)?.choosesFeatures ?? false;
}

/**
 * The feature-decision logger of `model`, or null when no pair of its shapes makes a
 * feature choice (then the log is as before: contact-law decisions only).
 */
export function narrowphaseFeatures(model: Model): NarrowphaseFeatures | null {
  // two bodies (of the scene's types) whose pair can choose features
  const count = new Array<number>(SHAPE_TYPE_COUNT).fill(0);
  for (const t of model.geomType) count[t]++;
  let any = false;
  for (let ta = 0; ta < SHAPE_TYPE_COUNT && !any; ta++) {
    for (let tb = ta; tb < SHAPE_TYPE_COUNT && !any; tb++) {
      const present = ta === tb ? count[ta] >= 2 : count[ta] >= 1 && count[tb] >= 1;
      any = present && choosesFeatures(ta, tb);
    }
  }
  if (!any) return null;
  const poses = new Float64Array(7 * model.nbody);
  // the step's contacts of feature-choosing pairs, and room for their geometry
  let chosen: ContactFeatures = {
    count: 0,
    bodyA: new Int32Array(64),
    bodyB: new Int32Array(64),
    pair: new Int32Array(64),
  };
  let geometry = new Float64Array(FEATURE_OUTPUTS * 64);
  return {
    poses,
    report(contacts, sink) {
      if (contacts.count > chosen.bodyA.length) {
        const size = 2 * contacts.count;
        chosen = { count: 0, bodyA: new Int32Array(size), bodyB: new Int32Array(size), pair: new Int32Array(size) };
        geometry = new Float64Array(FEATURE_OUTPUTS * size);
      }
      let n = 0;
      for (let k = 0; k < contacts.count; k++) {
        const a = contacts.bodyA[k],
          b = contacts.bodyB[k];
        if (!choosesFeatures(model.geomType[a], model.geomType[b])) continue;
        chosen.bodyA[n] = a;
        chosen.bodyB[n] = b;
        chosen.pair[n] = contacts.pair[k];
        n++;
      }
      if (n === 0) return;
      chosen.count = n;
      contactGeometryValues(model, chosen, poses, model.geomSize, geometry, sink);
    },
  };
}
