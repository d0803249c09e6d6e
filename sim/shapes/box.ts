/**
 * The solid box: `shape: { type: 'box', halfExtents: [hx, hy, hz] }` along the body axes,
 * geomSize `[hx, hy, hz, 0]`. Volume 8 hx hy hz; Ixx = m/3 (hy² + hz²) and cyclically
 * (the m/12 (b² + c²) of full side lengths b, c).
 */
import * as z from 'zod';
import { add, div, mul } from '../../ad/ops.ts';
import { mat3FromQuat } from '../math/mat3.ts';
import { positiveVec3, strict } from '../scene-fields.ts';
import type { Vec3 } from '../scene.ts';
import { onFace, type ShapeRow } from './row.ts';

/** The scene's box, metres. */
export interface BoxSpec {
  type: 'box';
  /** half extents along body x, y, z */
  halfExtents: Vec3;
}

const _rot = new Float64Array(9);

export const box = {
  name: 'box',
  schema: strict({ type: z.literal('box'), halfExtents: positiveVec3 }),
  sizeFields: [{ field: 'halfExtents', width: 3, unit: 'm' }],
  solid: {
    volume: (size) => mul(mul(mul(8, size[0]), size[1]), size[2]),
    moments(m, size) {
      const [x2, y2, z2] = [0, 1, 2].map((k) => mul(size[k], size[k]));
      const third = div(m, 3);
      return [mul(third, add(y2, z2)), mul(third, add(x2, z2)), mul(third, add(x2, y2))];
    },
    contains: (size, g, px, py, pz) =>
      Math.abs(px) <= size[g] && Math.abs(py) <= size[g + 1] && Math.abs(pz) <= size[g + 2],
    support(size, g, d, out) {
      // the corner on d's side (either face point where a component of d is 0)
      for (let k = 0; k < 3; k++) out[k] = d[k] < 0 ? -size[g + k] : size[g + k];
    },
    boundingRadius: (size, g) => Math.hypot(size[g], size[g + 1], size[g + 2]),
    halfThickness: (size, g) => Math.min(size[g], size[g + 1], size[g + 2]),
    aabbHalfWidths(size, g, bodyQ, q, out) {
      // half widths of the rotated box: Σₖ hₖ |axisₖ|
      mat3FromQuat(_rot, bodyQ, q);
      const hx = size[g],
        hy = size[g + 1],
        hz = size[g + 2];
      out[0] = hx * Math.abs(_rot[0]) + hy * Math.abs(_rot[3]) + hz * Math.abs(_rot[6]);
      out[1] = hx * Math.abs(_rot[1]) + hy * Math.abs(_rot[4]) + hz * Math.abs(_rot[7]);
      out[2] = hx * Math.abs(_rot[2]) + hy * Math.abs(_rot[5]) + hz * Math.abs(_rot[8]);
    },
    // a face moves along its axis with its half extent
    surfaceSizeRates(size, g, p, m, out) {
      out.fill(0);
      for (let k = 0; k < 3; k++) if (onFace(p[k], size[g + k])) out[k] = Math.sign(p[k]) * m[k];
    },
    // a unit cube scaled by the full extents (three's instancing keeps normals right under a non-uniform scale)
    render: (size, g) => ({ kind: 'unitBox', scale: [2 * size[g], 2 * size[g + 1], 2 * size[g + 2]] }),
  },
} as const satisfies ShapeRow;
