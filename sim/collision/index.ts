/**
 * The collision stage's public surface: the contact buffer, `collide`, and the pieces a
 * caller may run on their own (broadphase, one pair's narrowphase).
 *
 * @example
 * import { collide, createContacts } from './collision/index.ts';
 * const contacts = createContacts(16 * model.nbody);
 * collide(model, state.bodyQ, model.contact.margin, contacts);
 */
export type { CollisionInput, CollideFn } from './types.ts';
export { createContacts, clearContacts, emitContact, createContactRecord, RECORD_DIST } from './contacts.ts';
export type { Contacts, ContactRecord } from './contacts.ts';
export { collide } from './collide.ts';
export { broadphase, createBroadphase, bodyAabb } from './broadphase.ts';
export type { Broadphase, PairList } from './broadphase.ts';
export { collidePair, collideTable } from './dispatch.ts';
export { EDGE_AXIS_TOLERANCE } from './sat.ts';
