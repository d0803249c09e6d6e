/**
 * The contact buffer: struct-of-arrays with a fixed capacity, allocated once and refilled
 * every step by the narrowphase. Contact k of the current step is index k < `count`.
 */

/**
 * Contacts found in one collision pass.
 *
 * Geometry of contact k: the normal `n` (unit, world, pointing from body A to body B),
 * the signed distance `dist` between the two surfaces along `n` (< 0: penetration) and
 * `point`, the midpoint between the two surface points. So the surface point on A is
 * `point − dist/2·n` and the one on B is `point + dist/2·n`.
 *
 * @example
 * const contacts = createContacts(1024);
 * collide(model, state.bodyQ, model.contact.margin, contacts);
 * for (let k = 0; k < contacts.count; k++) {
 *   if (contacts.dist[k] < 0) console.log(`bodies ${contacts.bodyA[k]}, ${contacts.bodyB[k]} overlap`);
 * }
 */
export interface Contacts {
  /** contacts written in the current pass */
  count: number;
  /** maximum number of contacts; the arrays have this length (×3 for vectors) */
  readonly capacity: number;
  /**
   * contacts that did not fit in the current pass (the buffer was full). Nonzero means
   * the capacity is too small for the scene: the step should treat it as an error.
   */
  dropped: number;
  /** (capacity) body A (the normal points away from it) */
  readonly bodyA: Int32Array;
  /** (capacity) body B */
  readonly bodyB: Int32Array;
  /** (capacity×3) world midpoint between the two surface points, m */
  readonly point: Float64Array;
  /** (capacity×3) unit normal, world, from A to B */
  readonly normal: Float64Array;
  /** (capacity) signed distance between the surfaces along the normal, m; < 0: penetration */
  readonly dist: Float64Array;
  /**
   * (capacity) feature-pair id: which features of A and B (a box corner, a capsule end,
   * a clipped face vertex) produced the contact, unique within the body pair, for
   * matching contacts across steps (warm starting). Each narrowphase documents its ids;
   * they are stable while the same features stay in contact, except where noted.
   */
  readonly pair: Int32Array;
}

/**
 * Allocate a contact buffer for at most `capacity` contacts.
 *
 * @example
 * // room for every box of a 100-box pile touching the ground (4) and a few neighbours
 * const contacts = createContacts(100 * 16);
 */
export function createContacts(capacity: number): Contacts {
  if (!Number.isInteger(capacity) || capacity < 0) {
    throw new RangeError(`createContacts: capacity must be a non-negative integer, got ${capacity}`);
  }
  return {
    count: 0,
    capacity,
    dropped: 0,
    bodyA: new Int32Array(capacity),
    bodyB: new Int32Array(capacity),
    point: new Float64Array(3 * capacity),
    normal: new Float64Array(3 * capacity),
    dist: new Float64Array(capacity),
    pair: new Int32Array(capacity),
  };
}

/** Empty the buffer before a new pass. */
export function clearContacts(out: Contacts): Contacts {
  out.count = 0;
  out.dropped = 0;
  return out;
}

/**
 * The geometry of one contact on its way into the buffer, `Float64Array(7)`: [0..2] the
 * surface point on A (world, m), [3..5] the unit normal from A to B, [6] the signed
 * distance (m). Narrowphase code fills a scratch record (often through `subarray` views
 * for the point and the normal) and hands it to `emitContact`, so that no non-integer
 * number crosses a call as an argument or a return value: V8 boxes such a double into a
 * heap number whenever it does not inline the callee, which is garbage on the hot path.
 */
export type ContactRecord = Float64Array;

/** Index of the signed distance in a {@link ContactRecord}. */
export const RECORD_DIST = 6;

/** A new contact record. Allocates: for module scratch. */
export function createContactRecord(): ContactRecord {
  return new Float64Array(7);
}

/**
 * Append one contact between bodies `a` and `b` from `record` (surface point on A, unit
 * normal from A to B, signed distance); the stored point is the midpoint
 * `surfaceA + dist/2·normal`. Returns 1 if stored, 0 if the buffer was full (then
 * `out.dropped` counts it).
 *
 * @example
 * const record = createContactRecord();
 * record.set([0, 0, 0, 0, 0, 1, -0.002]);        // on A at the origin, normal up, 2 mm deep
 * emitContact(contacts, ground, ball, record, 0);
 */
export function emitContact(out: Contacts, a: number, b: number, record: ContactRecord, feature: number): number {
  const k = out.count;
  if (k >= out.capacity) {
    out.dropped++;
    return 0;
  }
  const nx = record[3],
    ny = record[4],
    nz = record[5];
  const dist = record[RECORD_DIST];
  const half = 0.5 * dist;
  out.bodyA[k] = a;
  out.bodyB[k] = b;
  out.point[3 * k] = record[0] + half * nx;
  out.point[3 * k + 1] = record[1] + half * ny;
  out.point[3 * k + 2] = record[2] + half * nz;
  out.normal[3 * k] = nx;
  out.normal[3 * k + 1] = ny;
  out.normal[3 * k + 2] = nz;
  out.dist[k] = dist;
  out.pair[k] = feature;
  out.count = k + 1;
  return 1;
}
