/** The collision stage: broadphase, then narrowphase, into the contact buffer. */
import type { CollisionInput } from './types.ts';
import type { Contacts } from './contacts.ts';
import { clearContacts } from './contacts.ts';
import { broadphase, createBroadphase, type Broadphase } from './broadphase.ts';
import { collidePair } from './dispatch.ts';

// one broadphase workspace per model, made on first use; a WeakMap so a dropped model
// takes its workspace with it
const workspaces = new WeakMap<CollisionInput, Broadphase>();

/**
 * Find every contact of the bodies at poses `bodyQ` (`State.bodyQ`, nbody×7) whose
 * surfaces are within `margin` metres: clears `contacts`, runs the broadphase and the
 * narrowphase of each candidate pair, and returns `contacts.count`. Allocates nothing
 * once the model's workspace exists (first call) and the pair list has grown to the
 * scene's size. Check `contacts.dropped`: nonzero means the buffer was too small.
 *
 * @example
 * const contacts = createContacts(4 * model.nbody);
 * const count = collide(model, state.bodyQ, model.contact.margin, contacts);
 */
export function collide(input: CollisionInput, bodyQ: Float64Array, margin: number, contacts: Contacts): number {
  let bp = workspaces.get(input);
  if (bp === undefined) {
    bp = createBroadphase(input);
    workspaces.set(input, bp);
  }
  clearContacts(contacts);
  const pairs = broadphase(input, bodyQ, margin, bp);
  for (let p = 0; p < pairs.count; p++) collidePair(input, bodyQ, pairs.a[p], pairs.b[p], margin, contacts);
  return contacts.count;
}
