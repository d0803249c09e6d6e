/**
 * Principal moments of inertia (body frame, about the centre of mass, kg·m²) of the solid
 * shapes, from the textbook:
 * - sphere: 2/5 m r²;
 * - box with half extents a, b, c: m/3 (b² + c²) and cyclically (m/12 of the full sides);
 * - capsule (axis body z, hemisphere centres at ±h): mass split by volume between a solid
 *   cylinder (length 2h) and two solid hemispheres (one sphere). Axial: m_c r²/2 + m_s 2r²/5.
 *   Transverse: the cylinder's m_c (r²/4 + (2h)²/12), plus each hemisphere's own transverse
 *   moment about its centroid (83/320 (m_s/2) r², centroid 3r/8 from the flat face) moved by
 *   the parallel-axis rule to distance h + 3r/8: summed, m_s (2r²/5 + h² + 3hr/4).
 * The same convention as sim/inertia.ts (checked by reading it, not by importing it).
 */
import type { RefShape } from './scene.ts';
import type { V3 } from './vec.ts';

export function principalMoments(shape: Exclude<RefShape, { type: 'plane' }>, m: number): V3 {
  if (shape.type === 'sphere') {
    const i = 0.4 * m * shape.radius ** 2;
    return [i, i, i];
  }
  if (shape.type === 'box') {
    const [a2, b2, c2] = shape.halfExtents.map((h) => h * h);
    return [(m / 3) * (b2 + c2), (m / 3) * (a2 + c2), (m / 3) * (a2 + b2)];
  }
  const { radius: r, halfLength: h } = shape;
  const cylinderVolume = 2 * h;
  const sphereVolume = (4 / 3) * r;
  const mc = (m * cylinderVolume) / (cylinderVolume + sphereVolume);
  const ms = m - mc;
  const axial = 0.5 * mc * r * r + 0.4 * ms * r * r;
  const transverse = mc * ((r * r) / 4 + (4 * h * h) / 12) + ms * (0.4 * r * r + h * h + 0.75 * h * r);
  return [transverse, transverse, axial];
}
