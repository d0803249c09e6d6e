/**
 * Warm starting: the impulses of the previous step, keyed by (body A, body B, feature id)
 * — the collision pass's `pair` ids, stable while the same features stay in contact — so
 * the next step's solve starts from them. Each impulse is kept as a world vector
 * P = λ_n n + λ_t₁ t₁ + λ_t₂ t₂ and projected onto the new contact frame (the tangents
 * are re-chosen every step). Two open-addressing hash tables in typed arrays (last step's,
 * this step's) swap every step; a generation stamp empties a table without clearing it.
 * Nothing is allocated per step.
 */
import type { Contacts } from '../collision/contacts.ts';
import type { ContactProblem } from './problem.ts';

/** One hash table of impulses. */
interface ImpulseTable {
  /** slots − 1 (slots: a power of two) */
  readonly mask: number;
  /** (slots) generation that wrote the slot; a slot is live when it equals `generation` */
  readonly stamp: Int32Array;
  /** (slots×3) body A, body B, feature id */
  readonly key: Int32Array;
  /** (slots×3) world impulse vector, N·s */
  readonly impulse: Float64Array;
  generation: number;
}

/** The warm-start cache of a step: last step's table and the one being written. */
export interface WarmStart {
  previous: ImpulseTable;
  current: ImpulseTable;
  /** contacts of the last `loadWarmStart` that found an impulse */
  matched: number;
}

function createTable(slots: number): ImpulseTable {
  return {
    mask: slots - 1,
    stamp: new Int32Array(slots),
    key: new Int32Array(3 * slots),
    impulse: new Float64Array(3 * slots),
    generation: 1,
  };
}

/**
 * A cache for up to `capacity` contacts per step (tables of at least 2×capacity slots,
 * so probes stay short).
 *
 * @example
 * const warm = createWarmStart(contacts.capacity);
 */
export function createWarmStart(capacity: number): WarmStart {
  let slots = 16;
  while (slots < 2 * capacity) slots *= 2;
  return { previous: createTable(slots), current: createTable(slots), matched: 0 };
}

/** Home slot of a key: a multiplicative hash of the three ids. */
function homeSlot(t: ImpulseTable, a: number, b: number, feature: number): number {
  return (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77) ^ Math.imul(feature, 0xc2b2ae3d)) & t.mask;
}

/**
 * Fill `p.impulse` from last step's impulses of the same (A, B, feature), projected onto
 * each contact's frame; the normal part is clamped to ≥ 0 and the tangential part to the
 * friction disk, so the start is feasible. Unmatched contacts start at 0. Returns the
 * number matched.
 */
export function loadWarmStart(ws: WarmStart, contacts: Contacts, p: ContactProblem): number {
  const t = ws.previous;
  let matched = 0;
  for (let k = 0; k < p.count; k++) {
    const a = contacts.bodyA[k],
      b = contacts.bodyB[k],
      feature = contacts.pair[k];
    let slot = homeSlot(t, a, b, feature);
    while (t.stamp[slot] === t.generation) {
      const s3 = 3 * slot;
      if (t.key[s3] === a && t.key[s3 + 1] === b && t.key[s3 + 2] === feature) {
        const px = t.impulse[s3],
          py = t.impulse[s3 + 1],
          pz = t.impulse[s3 + 2];
        const o = 9 * k,
          d = p.dir;
        const ln = Math.max(0, px * d[o] + py * d[o + 1] + pz * d[o + 2]);
        let l1 = px * d[o + 3] + py * d[o + 4] + pz * d[o + 5];
        let l2 = px * d[o + 6] + py * d[o + 7] + pz * d[o + 8];
        const radius = p.friction[k] * ln;
        const norm = Math.sqrt(l1 * l1 + l2 * l2);
        if (norm > radius) {
          const scale = norm > 0 ? radius / norm : 0;
          l1 *= scale;
          l2 *= scale;
        }
        p.impulse[3 * k] = ln;
        p.impulse[3 * k + 1] = l1;
        p.impulse[3 * k + 2] = l2;
        matched++;
        break;
      }
      slot = (slot + 1) & t.mask;
    }
  }
  ws.matched = matched;
  return matched;
}

/**
 * Record this step's solution (`p.impulse` in world vectors) under each contact's key,
 * then make it the table the next step loads from.
 */
export function storeWarmStart(ws: WarmStart, contacts: Contacts, p: ContactProblem): void {
  const t = ws.current;
  t.generation++;
  for (let k = 0; k < p.count; k++) {
    const a = contacts.bodyA[k],
      b = contacts.bodyB[k],
      feature = contacts.pair[k];
    let slot = homeSlot(t, a, b, feature);
    // a repeated key (not expected from the narrowphase) overwrites: last one wins
    while (t.stamp[slot] === t.generation) {
      const s3 = 3 * slot;
      if (t.key[s3] === a && t.key[s3 + 1] === b && t.key[s3 + 2] === feature) break;
      slot = (slot + 1) & t.mask;
    }
    const s3 = 3 * slot;
    t.stamp[slot] = t.generation;
    t.key[s3] = a;
    t.key[s3 + 1] = b;
    t.key[s3 + 2] = feature;
    const o = 9 * k,
      d = p.dir;
    const ln = p.impulse[3 * k],
      l1 = p.impulse[3 * k + 1],
      l2 = p.impulse[3 * k + 2];
    for (let i = 0; i < 3; i++) t.impulse[s3 + i] = ln * d[o + i] + l1 * d[o + 3 + i] + l2 * d[o + 6 + i];
  }
  ws.current = ws.previous;
  ws.previous = t;
}

/** A copy of the table the next step loads from: what a checkpointed rollout keeps. */
export interface WarmStartSnapshot {
  readonly table: ImpulseTable;
}

function cloneTable(t: ImpulseTable): ImpulseTable {
  return {
    mask: t.mask,
    stamp: t.stamp.slice(),
    key: t.key.slice(),
    impulse: t.impulse.slice(),
    generation: t.generation,
  };
}

/**
 * Copy of the warm-start state a step would load (`previous`): restoring it before
 * re-running a step reproduces the step's solve exactly (the rollout's backward pass
 * recomputes segments from checkpoints). Allocates (once per checkpoint).
 */
export function snapshotWarmStart(ws: WarmStart): WarmStartSnapshot {
  return { table: cloneTable(ws.previous) };
}

/** Put a snapshot back as the table the next step loads from (a copy: the snapshot stays reusable). */
export function restoreWarmStart(ws: WarmStart, snapshot: WarmStartSnapshot): void {
  const t = snapshot.table;
  const into = ws.previous;
  if (into.mask === t.mask) {
    into.stamp.set(t.stamp);
    into.key.set(t.key);
    into.impulse.set(t.impulse);
    into.generation = t.generation;
  } else {
    ws.previous = cloneTable(t);
  }
  // the table written next must not mistake stale slots for live ones
  if (ws.current.generation <= t.generation) ws.current.generation = t.generation + 1;
}
