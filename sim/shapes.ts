/**
 * Shape type codes and names, shared by the model (`geomType`) and the collision dispatch
 * table: the front door of the shape table (sim/shapes/table.ts), where each kind of shape
 * is one row.
 */
export {
  GEOM_SIZE_WIDTH,
  SHAPE_NAMES,
  SHAPE_ROWS,
  SHAPE_TYPE_COUNT,
  ShapeType,
  shapeRow,
  sizeVector,
  type ShapeName,
  type ShapeSpec,
} from './shapes/table.ts';
