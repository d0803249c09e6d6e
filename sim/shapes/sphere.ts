/**
 * The solid sphere: `shape: { type: 'sphere', radius }`, geomSize `[r, 0, 0, 0]`.
 * Volume 4/3 π r³; moments 2/5 m r² about every axis.
 */
import * as z from 'zod';
import { mul } from '../../ad/ops.ts';
import type { Real } from '../../ad/tape.ts';
import { positive, strict } from '../scene-fields.ts';
import type { ShapeRow } from './row.ts';

/** The scene's sphere, metres. */
export interface SphereSpec {
  type: 'sphere';
  radius: number;
}

/** 4/3 π r³ (m³), with ad ops: the ball of a sphere and of a capsule's two caps. */
export function ballVolume(r: Real): Real {
  return mul(mul(mul((4 / 3) * Math.PI, r), r), r);
}

export const sphere = {
  name: 'sphere',
  schema: strict({ type: z.literal('sphere'), radius: positive }),
  sizeFields: [{ field: 'radius', width: 1, unit: 'm' }],
  solid: {
    volume: (size) => ballVolume(size[0]),
    moments(m, size) {
      const r = size[0];
      const i = mul(mul(mul(0.4, m), r), r);
      return [i, i, i];
    },
    contains: (size, g, px, py, pz) => px * px + py * py + pz * pz <= size[g] * size[g],
    support(size, g, d, out) {
      const length = Math.hypot(d[0], d[1], d[2]);
      const s = length > 0 ? size[g] / length : 0;
      out[0] = length > 0 ? d[0] * s : size[g];
      out[1] = d[1] * s;
      out[2] = d[2] * s;
    },
    boundingRadius: (size, g) => size[g],
    halfThickness: (size, g) => size[g],
    aabbHalfWidths(size, g, _bodyQ, _q, out) {
      // a ball's box does not turn with it
      out[0] = out[1] = out[2] = size[g];
    },
    // every surface point moves outward with the radius
    surfaceSizeRates(_size, _g, _p, _m, out) {
      out.fill(0);
      out[0] = 1;
    },
    // a unit sphere scaled by r: every sphere is one batch
    render: (size, g) => ({ kind: 'unitSphere', scale: [size[g], size[g], size[g]] }),
  },
} as const satisfies ShapeRow;
