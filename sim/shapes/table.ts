/**
 * The shape table: one row per kind of shape (row.ts), in `ShapeType` code order. The
 * codes (`geomType`), the scene schema's `shape` union, the size layout, the mass
 * properties, the parameter paths' size fields, the sanity monitor's radii, the
 * broadphase boxes and the viewer's meshes are all read from here, so a new kind of shape
 * is its row file, one entry in `SHAPE_ROWS` (and its `ShapeSpec`), and its contact pairs
 * (sim/pairs/). sim/shapes/README.md lists the files.
 */
import type { Real } from '../../ad/tape.ts';
import { box, type BoxSpec } from './box.ts';
import { capsule, type CapsuleSpec } from './capsule.ts';
import { cylinder, type CylinderSpec } from './cylinder.ts';
import { plane, type PlaneSpec } from './plane.ts';
import type { ShapeRow } from './row.ts';
import { sphere, type SphereSpec } from './sphere.ts';

export type { RenderGeometry, ShapeRow, SizeField, SolidRow } from './row.ts';
export type { BoxSpec, CapsuleSpec, CylinderSpec, PlaneSpec, SphereSpec };

/**
 * Every kind of shape; a row's index is its `ShapeType` code (small dense integers: they
 * index the pair table `pairTable[typeA][typeB]`). Append new kinds: the codes of the
 * others stay.
 */
export const SHAPE_ROWS = Object.freeze([plane, sphere, box, capsule, cylinder] as const);

/** A body's shape in a parsed scene (defaults applied); sizes in metres. */
export type ShapeSpec = PlaneSpec | SphereSpec | BoxSpec | CapsuleSpec | CylinderSpec;

type Row = (typeof SHAPE_ROWS)[number];

/** A scene `shape.type` string. */
export type ShapeName = Row['name'];

/** The scalar size fields of any shape (`radius`, `halfLength`, `offset`): parameter paths `<body>.<field>`. */
export type ScalarSizeField = Extract<Row['sizeFields'][number], { width: 1 }>['field'];
/** The x, y, z size fields of any shape (`halfExtents`, `normal`): parameter paths `<body>.<field>.<x|y|z>`. */
export type VectorSizeField = Extract<Row['sizeFields'][number], { width: 3 }>['field'];
/** The scene schema of any shape's `shape` object (a zod object with a `type` literal). */
export type ShapeSchema = Row['schema'];

/** Floats per body in `Model.geomSize`: the widest row's size fields. */
export const GEOM_SIZE_WIDTH = 4;

/** The scene names of the shape types, indexed by code (`SHAPE_NAMES[ShapeType.box] === 'box'`). */
export const SHAPE_NAMES: readonly ShapeName[] = Object.freeze(SHAPE_ROWS.map((r) => r.name));

/**
 * The shape type code of each scene `shape.type`.
 *
 * @example
 * if (model.geomType[i] === ShapeType.sphere) radius = model.geomSize[4 * i];
 */
export const ShapeType: { readonly [K in ShapeName]: number } = Object.freeze(
  Object.fromEntries(SHAPE_NAMES.map((name, code) => [name, code])) as { [K in ShapeName]: number },
);

/** Number of shape types: the side of the collision dispatch table. */
export const SHAPE_TYPE_COUNT = SHAPE_ROWS.length;

/** The vector size fields of all rows (each has components x, y, z). */
export const VECTOR_SIZE_FIELDS: readonly VectorSizeField[] = Object.freeze([
  ...new Set(SHAPE_ROWS.flatMap((r) => r.sizeFields.filter((f) => f.width === 3).map((f) => f.field))),
] as VectorSizeField[]);

/** Floats of a row's size fields: its part of a `geomSize` row. */
export function sizeWidth(row: ShapeRow): number {
  return row.sizeFields.reduce((sum, f) => sum + f.width, 0);
}

for (const row of SHAPE_ROWS as readonly ShapeRow[]) {
  const width = sizeWidth(row);
  if (width > GEOM_SIZE_WIDTH)
    throw new Error(`shape table: ${row.name}'s size fields take ${width} floats, geomSize has ${GEOM_SIZE_WIDTH}`);
}

/** The row of a shape type code or scene name (a RangeError for neither). */
export function shapeRow(type: number | ShapeName): ShapeRow {
  const row: ShapeRow | undefined = typeof type === 'number' ? SHAPE_ROWS[type] : SHAPE_ROWS[ShapeType[type]];
  if (row === undefined) throw new RangeError(`no shape of type ${String(type)}`);
  return row;
}

/**
 * A scene shape's size vector: its size fields in `geomSize` order (numbers from the spec,
 * or `traced(field, component)` where that gives a Real).
 *
 * @example
 * sizeVector({ type: 'capsule', radius: 0.1, halfLength: 0.3 }); // [0.1, 0.3]
 */
export function sizeVector(spec: ShapeSpec): number[];
export function sizeVector(
  spec: ShapeSpec,
  traced: (field: string, component: number | null) => Real | undefined,
): Real[];
export function sizeVector(
  spec: ShapeSpec,
  traced?: (field: string, component: number | null) => Real | undefined,
): Real[] {
  const out: Real[] = [];
  for (const f of shapeRow(spec.type).sizeFields) {
    const value = (spec as unknown as Record<string, number | readonly number[]>)[f.field];
    if (f.width === 1) out.push(traced?.(f.field, null) ?? (value as number));
    else for (let k = 0; k < f.width; k++) out.push(traced?.(f.field, k) ?? (value as readonly number[])[k]);
  }
  return out;
}

type SizeRecord = Record<string, number | number[]>;

/**
 * The value of size field `field` of a scene shape (component `component` of a vector
 * field, null for a scalar), or undefined when the shape has no such field (parameter
 * paths, sim/paths.ts).
 */
export function readSize(spec: ShapeSpec, field: string, component: number | null): number | undefined {
  const f = shapeRow(spec.type).sizeFields.find((f) => f.field === field);
  if (f === undefined || (f.width === 1) !== (component === null)) return undefined;
  const value = (spec as unknown as SizeRecord)[field];
  return component === null ? (value as number) : (value as number[])[component];
}

/** Set size field `field` (component `component`, null for a scalar) of a scene shape; false when it has none. */
export function writeSize(spec: ShapeSpec, field: string, component: number | null, value: number): boolean {
  if (readSize(spec, field, component) === undefined) return false;
  const record = spec as unknown as SizeRecord;
  if (component === null) record[field] = value;
  else (record[field] as number[])[component] = value;
  return true;
}
