/**
 * Small pieces the Steppers' records and pullbacks share: copying a contact buffer's live
 * part, its size in bytes, offset copies without view objects, and the per-decision kink
 * summary of a rollout.
 */
import type { KinkSink } from '../../ad/primitive.ts';
import { createContacts, type Contacts } from '../collision/index.ts';
import { contactKinkKey, contactKinkLabel, contactKinkTable, type ContactKinkSink } from '../contact/kinks.ts';

/** A decision's nearest approach so far: its margin, the step and whether the value jumps there. */
interface Nearest {
  margin: number;
  t: number;
  jump: boolean;
}

/** Bytes held by a contact buffer's arrays (a buffer of capacity 0 holds none). */
export function contactsBytes(c: Contacts): number {
  return (
    c.bodyA.byteLength +
    c.bodyB.byteLength +
    c.point.byteLength +
    c.normal.byteLength +
    c.dist.byteLength +
    c.pair.byteLength
  );
}

/** Copy the live part of `src` into `into` (reused when large enough; else a buffer of at least `minCapacity`). */
export function keepContacts(src: Contacts, into: Contacts | undefined, minCapacity = 16): Contacts {
  const c = src.count;
  const out = into !== undefined && into.capacity >= c ? into : createContacts(Math.max(c, minCapacity));
  out.count = c;
  out.dropped = 0;
  for (let i = 0; i < c; i++) {
    out.bodyA[i] = src.bodyA[i];
    out.bodyB[i] = src.bodyB[i];
    out.dist[i] = src.dist[i];
    out.pair[i] = src.pair[i];
  }
  copyInto(out.normal, 0, src.normal, 0, 3 * c);
  copyInto(out.point, 0, src.point, 0, 3 * c);
  return out;
}

/**
 * Numbers per contact of {@link keepContactsIn}: body A, body B, feature pair, distance,
 * normal (3), point (3), in this order (the indices are small integers: exact as doubles).
 */
export const KEPT_CONTACT_NUMBERS = 10;

/** The live contacts of `src` into `out` from `at`, {@link KEPT_CONTACT_NUMBERS} numbers each. */
export function keepContactsIn(src: Contacts, out: Float64Array, at: number): void {
  const c = src.count;
  for (let i = 0, o = at; i < c; i++, o += KEPT_CONTACT_NUMBERS) {
    out[o] = src.bodyA[i];
    out[o + 1] = src.bodyB[i];
    out[o + 2] = src.pair[i];
    out[o + 3] = src.dist[i];
    out[o + 4] = src.normal[3 * i];
    out[o + 5] = src.normal[3 * i + 1];
    out[o + 6] = src.normal[3 * i + 2];
    out[o + 7] = src.point[3 * i];
    out[o + 8] = src.point[3 * i + 1];
    out[o + 9] = src.point[3 * i + 2];
  }
}

/** `count` contacts kept by {@link keepContactsIn} at `kept[at ..]`, back into `into` (capacity ≥ count). Returns `into`. */
export function contactsFrom(kept: Float64Array, at: number, count: number, into: Contacts): Contacts {
  into.count = count;
  into.dropped = 0;
  for (let i = 0, o = at; i < count; i++, o += KEPT_CONTACT_NUMBERS) {
    into.bodyA[i] = kept[o];
    into.bodyB[i] = kept[o + 1];
    into.pair[i] = kept[o + 2];
    into.dist[i] = kept[o + 3];
    into.normal[3 * i] = kept[o + 4];
    into.normal[3 * i + 1] = kept[o + 5];
    into.normal[3 * i + 2] = kept[o + 6];
    into.point[3 * i] = kept[o + 7];
    into.point[3 * i + 1] = kept[o + 8];
    into.point[3 * i + 2] = kept[o + 9];
  }
  return into;
}

/** dst[dstOff + j] = src[srcOff + j] for j < count (no view objects, unlike set(subarray)). */
export function copyInto(dst: Float64Array, dstOff: number, src: Float64Array, srcOff: number, count: number): void {
  for (let j = 0; j < count; j++) dst[dstOff + j] = src[srcOff + j];
}

/** dst[dstOff + j] += src[srcOff + j] for j < count. */
export function addInto(dst: Float64Array, dstOff: number, src: Float64Array, srcOff: number, count: number): void {
  for (let j = 0; j < count; j++) dst[dstOff + j] += src[srcOff + j];
}

/**
 * A sink that keeps, per decision label (pair and kind), its nearest approach and the
 * step it happened at, and reports those once at the end of the rollout as
 * `step t: <label>`. One report per decision rather than one per step: the nearest step
 * is what tells a branch derivative from an ordinary one, and building a label per step
 * per contact would cost more than the physics.
 */
export function nearestPerDecision(): ContactKinkSink & { t: number; flush(outer: KinkSink): void } {
  const nearest = new Map<string, Nearest>();
  // contact decisions by key (kinks.ts `contactKinkKey`), each the same entry as its label's
  let byKey: (Nearest | undefined)[] = [];
  let keyedNames: readonly string[] | null = null;
  return {
    t: 0,
    kink(margin: number, label = 'contact', jump = false) {
      const seen = nearest.get(label);
      if (seen === undefined) nearest.set(label, { margin, t: this.t, jump });
      else if (margin < seen.margin) {
        seen.margin = margin;
        seen.t = this.t;
        seen.jump = jump;
      }
    },
    contactKink(margin: number, bodyName: readonly string[], a: number, b: number, kind: number, jump: boolean) {
      if (bodyName !== keyedNames) {
        byKey = contactKinkTable<Nearest>(bodyName.length);
        keyedNames = bodyName;
      }
      const key = contactKinkKey(bodyName.length, a, b, kind);
      const seen = byKey[key];
      if (seen === undefined) {
        // first seen by key: by label, as `kink` takes it (its entry, or a new one, in the same order)
        const label = contactKinkLabel(bodyName, a, b, kind);
        this.kink(margin, label, jump);
        byKey[key] = nearest.get(label);
      } else if (margin < seen.margin) {
        seen.margin = margin;
        seen.t = this.t;
        seen.jump = jump;
      }
    },
    flush(outer: KinkSink) {
      for (const [label, k] of nearest) outer.kink(k.margin, `step ${k.t}: ${label}`, k.jump);
    },
  };
}
