/**
 * The solid capsule: `shape: { type: 'capsule', radius, halfLength }`, the points within r
 * of the axis segment from body z = −halfLength to +halfLength (hemisphere centres),
 * geomSize `[r, halfLength, 0, 0]`. Volume: a cylinder of length 2h plus a ball.
 *
 * Moments: the standard decomposition (B. Lovrovic, "Capsule Inertia Tensor", GameDev.net,
 * 2015, https://www.gamedev.net/articles/programming/math-and-physics/capsule-inertia-tensor-r3856/).
 * The mass splits by volume into a cylinder `mc` (length H = 2h) and two hemispheres of
 * total mass `ms`. Each hemisphere's centre of mass sits 3r/8 from its flat face, where its
 * own transverse moment is 83/320 (ms/2) r²; shifting it by h + 3r/8 (parallel-axis rule)
 * and summing both gives ms (2/5 r² + h² + 3/4 h r) (= 2·mh(2r²/5 + H²/4 + 3Hr/8) in the
 * article's notation). So
 *   Izz = mc r²/2 + ms 2r²/5,
 *   Ixx = Iyy = mc (r²/4 + H²/12) + ms (2r²/5 + h² + 3hr/4).
 */
import * as z from 'zod';
import { add, div, mul, sub } from '../../ad/ops.ts';
import { mat3FromQuat } from '../math/mat3.ts';
import { nonNegative, positive, strict } from '../scene-fields.ts';
import { AXIAL_SIZE_FIELDS, cylinderVolume } from './cylinder.ts';
import type { ShapeRow } from './row.ts';
import { ballVolume } from './sphere.ts';

/** The scene's capsule, metres. */
export interface CapsuleSpec {
  type: 'capsule';
  radius: number;
  /** hemisphere centres at body z = ±halfLength (0: a sphere) */
  halfLength: number;
}

const _rot = new Float64Array(9);

export const capsule = {
  name: 'capsule',
  schema: strict({ type: z.literal('capsule'), radius: positive, halfLength: nonNegative }),
  sizeFields: AXIAL_SIZE_FIELDS,
  solid: {
    volume: (size) => add(cylinderVolume(size), ballVolume(size[0])),
    moments(m, size) {
      const [r, h] = size;
      // split the mass by volume; the common factor π r² cancels: cylinder 2h, sphere 4r/3
      const cylinderShare = div(mul(2, h), add(mul(2, h), mul(4 / 3, r)));
      const mc = mul(m, cylinderShare);
      const ms = sub(m, mc);
      const r2 = mul(r, r);
      const axial = add(mul(mul(0.5, mc), r2), mul(mul(0.4, ms), r2));
      const transverse = add(
        mul(mc, add(mul(0.25, r2), div(mul(mul(4, h), h), 12))),
        mul(ms, add(add(mul(0.4, r2), mul(h, h)), mul(mul(0.75, h), r))),
      );
      return [transverse, transverse, axial];
    },
    contains(size, g, px, py, pz) {
      // within r of the nearest point of the axis segment
      const h = size[g + 1];
      const dz = pz - Math.min(h, Math.max(-h, pz));
      return px * px + py * py + dz * dz <= size[g] * size[g];
    },
    support(size, g, d, out) {
      // the end on d's side, pushed out by r along d
      const length = Math.hypot(d[0], d[1], d[2]);
      const s = length > 0 ? size[g] / length : 0;
      out[0] = length > 0 ? d[0] * s : size[g];
      out[1] = d[1] * s;
      out[2] = d[2] * s + (d[2] < 0 ? -size[g + 1] : size[g + 1]);
    },
    boundingRadius: (size, g) => size[g] + size[g + 1],
    halfThickness: (size, g) => size[g],
    aabbHalfWidths(size, g, bodyQ, q, out) {
      // the axis segment's extent plus the radius
      mat3FromQuat(_rot, bodyQ, q);
      const r = size[g],
        halfLength = size[g + 1];
      out[0] = halfLength * Math.abs(_rot[6]) + r;
      out[1] = halfLength * Math.abs(_rot[7]) + r;
      out[2] = halfLength * Math.abs(_rot[8]) + r;
    },
    // the radius moves every surface point outward; the half length moves the caps along ±z
    surfaceSizeRates(size, g, p, m, out) {
      out.fill(0);
      out[0] = 1;
      if (Math.abs(p[2]) > size[g + 1]) out[1] = Math.sign(p[2]) * m[2];
    },
    // three's capsule is not a scaled unit shape: built at its size
    render: (size, g) => ({ kind: 'capsule', radius: size[g], halfLength: size[g + 1] }),
  },
} as const satisfies ShapeRow;
