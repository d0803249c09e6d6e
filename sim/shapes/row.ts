/**
 * One row of the shape table (table.ts): everything the simulator knows about one kind of
 * shape, outside its contact pairs (those are sim/pairs/ rows). The model builder, the
 * parameter paths, the sanity monitor, the broadphase and the viewer read shapes through
 * these rows, so a new kind of shape is its row file, its pair rows and one table entry.
 *
 * Sizes are read from a `Model.geomSize` row (`GEOM_SIZE_WIDTH` floats a body, at offset
 * `g`): the scene's size fields in `sizeFields` order, then zeros.
 */
import type { z } from 'zod';
import type { Real } from '../../ad/tape.ts';

/**
 * A size field of the scene's `shape` object: a scalar (`radius`) or an x, y, z vector
 * (`halfExtents`). Every size field is also a parameter path (`<body>.<field>[.<x|y|z>]`).
 */
export interface SizeField {
  readonly field: string;
  readonly width: 1 | 3;
  /** its unit as the viewer labels it: metres, or '1' for a direction (render/units.ts) */
  readonly unit: 'm' | '1';
}

/**
 * How the viewer draws a shape (render/adapter.ts turns it into three.js geometry; sim/
 * never imports three). Axis-symmetric shapes have their axis along body z.
 * - `unitSphere`, `unitBox`: the unit shape (radius 1, side 1) scaled by `scale`; every
 *   body of the kind shares one instanced mesh;
 * - `cylinder`, `capsule`: built at the body's own radius and half length (a scale would
 *   stretch a capsule's caps), one instanced mesh per distinct size.
 */
export type RenderGeometry =
  | { readonly kind: 'unitSphere' | 'unitBox'; readonly scale: readonly [number, number, number] }
  | { readonly kind: 'cylinder' | 'capsule'; readonly radius: number; readonly halfLength: number };

/**
 * What a solid (finite, possibly dynamic) shape knows about itself. All in the body frame
 * about the centre of mass, SI units; `size` is a `geomSize` array and `g` the body's
 * offset in it.
 */
export interface SolidRow {
  /** volume, m³, with ad ops: numbers in, a number out; traced sizes in, a traced volume out */
  volume(size: readonly Real[]): Real;
  /** principal moments (diagonal inertia about the body axes, kg·m²) at mass `m`, with ad ops */
  moments(m: Real, size: readonly Real[]): [Real, Real, Real];
  /** whether the body-frame point (px, py, pz) lies in the solid (boundary included) */
  contains(size: ArrayLike<number>, g: number, px: number, py: number, pz: number): boolean;
  /** the point of the solid farthest along direction d (body frame, need not be unit) into out[0..2] */
  support(size: ArrayLike<number>, g: number, d: ArrayLike<number>, out: Float64Array): void;
  /** radius of the smallest ball about the centre holding the solid, m (sanity monitor, markers) */
  boundingRadius(size: ArrayLike<number>, g: number): number;
  /**
   * radius of the largest ball about the centre inside the solid, m: a surface that sinks
   * this deep reaches the centre (sanity monitor's penetration bound)
   */
  halfThickness(size: ArrayLike<number>, g: number): number;
  /**
   * half widths along the world axes of the solid posed by the quaternion `bodyQ[q..q+3]`
   * (w, x, y, z) into out[0..2] (broadphase boxes; the hot path: no allocation)
   */
  aabbHalfWidths(size: Float64Array, g: number, bodyQ: Float64Array, q: number, out: Float64Array): void;
  /**
   * How the surface moves as the sizes change, at the body-frame surface point p with
   * outward unit normal m: out[k] = m·∂p/∂size_k, the outward displacement per unit change
   * of `geomSize` entry k (4 entries; 0 for entries that do not move that point). A point
   * on a face, end or rim (to {@link ON_SURFACE}) moves with it. Read by the validity
   * radius's approach watch (sim/validity/approach.ts: a gap's tangent along a size).
   */
  surfaceSizeRates(
    size: ArrayLike<number>,
    g: number,
    p: ArrayLike<number>,
    m: ArrayLike<number>,
    out: Float64Array,
  ): void;
  /** how the viewer draws it */
  render(size: ArrayLike<number>, g: number): RenderGeometry;
}

/** Relative (and absolute, m) slack for a surface point lying on a face, end or rim of its shape. */
export const ON_SURFACE = 1e-9;

/** Whether a coordinate `value` lies on the face at ±`size` (to {@link ON_SURFACE}). */
export function onFace(value: number, size: number): boolean {
  return Math.abs(value) >= size * (1 - ON_SURFACE) - ON_SURFACE;
}

/**
 * A row of the shape table. Rows are written `{ … } as const satisfies ShapeRow`, so the
 * table keeps each row's literal name, size fields and schema type (the scene's types are
 * inferred from them).
 */
export interface ShapeRow {
  /** the scene's `shape.type` string */
  readonly name: string;
  /** the scene's `shape` object, a strict zod object with `type: z.literal(name)` (docs/scene.schema.json) */
  readonly schema: z.ZodType;
  /** the size fields in `geomSize` order (each a parameter path too) */
  readonly sizeFields: readonly SizeField[];
  /** the solid's properties; null for the plane (a static half-space, placed by its size) */
  readonly solid: SolidRow | null;
  /**
   * The stored `geomSize` of the scene's size vector `raw` (size fields in order), into
   * `out[g..]`; absent: stored as given. The plane makes its normal unit here.
   */
  storeSize?(raw: readonly number[], out: Float64Array, g: number): void;
  /** {@link storeSize} with ad ops, for traced sizes (sim/param-inputs.ts); absent: as given */
  storeSizeTraced?(raw: readonly Real[]): Real[];
}
