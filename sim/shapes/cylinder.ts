/**
 * The solid cylinder: `shape: { type: 'cylinder', radius, halfLength }`, axis along body z
 * with flat caps at z = ±halfLength, geomSize `[r, halfLength, 0, 0]`. Volume 2π r² h
 * (length H = 2h); Izz = m r²/2, Ixx = Iyy = m (r²/4 + H²/12).
 */
import * as z from 'zod';
import { add, div, mul } from '../../ad/ops.ts';
import type { Real } from '../../ad/tape.ts';
import { hypot2 } from '../math/hypot.ts';
import { mat3FromQuat } from '../math/mat3.ts';
import { positive, strict } from '../scene-fields.ts';
import { onFace, type ShapeRow } from './row.ts';

/** The scene's cylinder, metres. */
export interface CylinderSpec {
  type: 'cylinder';
  radius: number;
  /** flat caps at body z = ±halfLength */
  halfLength: number;
}

/** 2π r² h (m³), with ad ops: a cylinder of radius r and length 2h (and a capsule's middle). */
export function cylinderVolume(size: readonly Real[]): Real {
  return mul(mul(mul(mul(Math.PI, size[0]), size[0]), 2), size[1]);
}

/** The size fields of the shapes along body z: `radius`, `halfLength` (cylinder, capsule). */
export const AXIAL_SIZE_FIELDS = [
  { field: 'radius', width: 1, unit: 'm' },
  { field: 'halfLength', width: 1, unit: 'm' },
] as const;

const _rot = new Float64Array(9);

export const cylinder = {
  name: 'cylinder',
  schema: strict({ type: z.literal('cylinder'), radius: positive, halfLength: positive }),
  sizeFields: AXIAL_SIZE_FIELDS,
  solid: {
    volume: cylinderVolume,
    moments(m, size) {
      const [r, h] = size;
      const r2 = mul(r, r);
      const transverse = mul(m, add(mul(0.25, r2), div(mul(mul(4, h), h), 12)));
      return [transverse, transverse, mul(mul(0.5, m), r2)];
    },
    contains: (size, g, px, py, pz) => px * px + py * py <= size[g] * size[g] && Math.abs(pz) <= size[g + 1],
    support(size, g, d, out) {
      // the rim point of the cap on d's side, in d's direction around the axis
      const r = size[g];
      const across = hypot2(d[0], d[1]);
      out[0] = across > 0 ? (r * d[0]) / across : r;
      out[1] = across > 0 ? (r * d[1]) / across : 0;
      out[2] = d[2] < 0 ? -size[g + 1] : size[g + 1];
    },
    boundingRadius: (size, g) => hypot2(size[g], size[g + 1]),
    halfThickness: (size, g) => Math.min(size[g], size[g + 1]),
    aabbHalfWidths(size, g, bodyQ, q, out) {
      // the axis segment's extent plus each cap disc's, r·√(1 − aₖ²) along world axis k
      mat3FromQuat(_rot, bodyQ, q);
      const r = size[g],
        halfLength = size[g + 1];
      out[0] = halfLength * Math.abs(_rot[6]) + r * Math.sqrt(Math.max(0, 1 - _rot[6] * _rot[6]));
      out[1] = halfLength * Math.abs(_rot[7]) + r * Math.sqrt(Math.max(0, 1 - _rot[7] * _rot[7]));
      out[2] = halfLength * Math.abs(_rot[8]) + r * Math.sqrt(Math.max(0, 1 - _rot[8] * _rot[8]));
    },
    // the rim moves radially with the radius, the ends along ±z with the half length
    surfaceSizeRates(size, g, p, m, out) {
      out.fill(0);
      const rho = hypot2(p[0], p[1]);
      if (rho > 0 && onFace(rho, size[g])) out[0] = (p[0] * m[0] + p[1] * m[1]) / rho;
      if (onFace(p[2], size[g + 1])) out[1] = Math.sign(p[2]) * m[2];
    },
    render: (size, g) => ({ kind: 'cylinder', radius: size[g], halfLength: size[g + 1] }),
  },
} as const satisfies ShapeRow;
