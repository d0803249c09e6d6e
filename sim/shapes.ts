/**
 * Shape type codes, shared by the model (`geomType`) and the collision dispatch table.
 * The codes index `collideTable[typeA][typeB]`, so they are small dense integers; the
 * names are the scene file's `shape.type` strings.
 */

/**
 * The shape type code of each scene `shape.type`.
 *
 * @example
 * if (model.geomType[i] === ShapeType.sphere) radius = model.geomSize[4 * i];
 */
export const ShapeType = { plane: 0, sphere: 1, box: 2, capsule: 3, cylinder: 4 } as const;

/** One of the {@link ShapeType} codes. */
export type ShapeTypeCode = (typeof ShapeType)[keyof typeof ShapeType];

/** A scene `shape.type` string. */
export type ShapeName = keyof typeof ShapeType;

/** The scene names of the shape types, indexed by code (`SHAPE_NAMES[ShapeType.box] === 'box'`). */
export const SHAPE_NAMES: readonly ShapeName[] = Object.freeze(['plane', 'sphere', 'box', 'capsule', 'cylinder']);

/** Number of shape types: the side of the collision dispatch table. */
export const SHAPE_TYPE_COUNT = SHAPE_NAMES.length;

/** Floats per body in `Model.geomSize` (see sim/model.ts for each shape's layout). */
export const GEOM_SIZE_WIDTH = 4;
