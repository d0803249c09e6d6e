/**
 * The plane: `shape: { type: 'plane', normal, offset }`, the solid half-space
 * normal·p ≤ offset in world coordinates (a plane ignores its body pose and is always
 * static). geomSize `[nx, ny, nz, offset]` with the normal made unit at build. It has no
 * volume, inertia or bounding radius (`solid` null).
 */
import * as z from 'zod';
// the two ops by their own files, not ad/index.ts: the CLI's start-up bundle then leaves the rest
// of ad/ (and ml-matrix, which ad/implicit.ts loads) to the commands that differentiate
import { div } from '../../ad/ops.ts';
import { norm } from '../../ad/vec.ts';
import { finite, nonzeroVec3, strict } from '../scene-fields.ts';
import type { Vec3 } from '../scene.ts';
import type { ShapeRow } from './row.ts';

/** The scene's plane after defaults (sim/scene.ts `SCENE_DEFAULTS.plane`). */
export interface PlaneSpec {
  type: 'plane';
  /** outward normal of the solid half-space, world frame (any length) */
  normal: Vec3;
  /** normal·p ≤ offset is solid, m (times |normal|) */
  offset: number;
}

export const plane = {
  name: 'plane',
  schema: strict({ type: z.literal('plane'), normal: nonzeroVec3.optional(), offset: finite.optional() }),
  sizeFields: [
    { field: 'normal', width: 3, unit: '1' },
    { field: 'offset', width: 1, unit: 'm' },
  ],
  solid: null,
  storeSize(raw, out, g) {
    // scaling n·p ≤ offset by 1/|n| keeps the same half-space with a unit normal
    const length = Math.hypot(raw[0], raw[1], raw[2]);
    out[g] = raw[0] / length;
    out[g + 1] = raw[1] / length;
    out[g + 2] = raw[2] / length;
    out[g + 3] = raw[3] / length;
  },
  storeSizeTraced(raw) {
    const length = norm(raw.slice(0, 3));
    return raw.map((v) => div(v, length));
  },
} as const satisfies ShapeRow;
