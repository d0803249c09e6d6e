/**
 * The zod building blocks of the scene schema, shared by sim/scene.ts and the shape rows'
 * schema fragments (sim/shapes/), so a shape's fields are checked with the same messages
 * as every other field of a scene.
 */
import * as z from 'zod';

/** A strict object whose unknown-key error lists the valid fields (the formatter adds each key's path). */
export function strict<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  const valid = `valid fields: ${Object.keys(shape).join(', ')}`;
  return z.strictObject(shape, { error: (iss) => (iss.code === 'unrecognized_keys' ? valid : undefined) });
}

// zod 4's number() rejects NaN and ±Infinity, so every number here is finite
export const finite = z.number();
export const positive = z.number().gt(0);
export const nonNegative = z.number().gte(0);
export const vec3 = z.tuple([finite, finite, finite], { error: 'must be an array of 3 numbers [x, y, z]' });
export const positiveVec3 = z.tuple([positive, positive, positive], {
  error: 'must be an array of 3 numbers [x, y, z]',
});
export const nonzeroVec3 = vec3.refine(
  (v) => Math.hypot(...v) > 0,
  'must not be the zero vector (it has no direction)',
);
