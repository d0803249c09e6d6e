/**
 * Warm starting: the impulses of the previous step, matched to this step's contacts, so
 * the solve starts from them. Each impulse is kept as a world vector
 * P = λ_n n + λ_t₁ t₁ + λ_t₂ t₂ and projected onto the new contact frame (the tangents are
 * re-chosen every step).
 *
 * Matching: a contact of bodies (A, B) takes the impulse of last step's contact of the
 * same pair whose point, in the frame of A or of B, is nearest to its own — within
 * {@link WARM_START_MATCH_RADIUS} — else the one with the same feature id (the collision
 * pass's `pair`). Each old impulse goes to at most one new contact. Why the point first:
 * a box–box face manifold's ids number its clipped points in clipping order, which
 * reshuffles when the reference face passes from one box to the other or a rounding-level
 * rotation changes the clip (on a 256-box pile, a third of the face contacts changed id
 * every step and started from zero, while the contact itself had not moved). A point that
 * is a corner of either body stays put in that body's frame, whatever the other does;
 * the id still matches a contact that moved farther (a rolling ball's).
 *
 * The table of a step: the contacts in buffer order (the collision pass writes each body
 * pair's contacts together) with an open-addressing hash from (A, B) to the first of
 * them; two tables (last step's, this step's) swap every step, and a generation stamp
 * empties a hash without clearing it. Nothing is allocated per step.
 */
import type { Contacts } from '../collision/contacts.ts';
import type { ContactProblem } from './problem.ts';

/**
 * m: a contact point within this distance of last step's (in A's or B's frame) is the same
 * contact. Far below the spacing of a manifold's points (a face's corners, ≥ 1 cm in any
 * scene of ours), far above the motion of a resting contact's point in a step (µm).
 */
export const WARM_START_MATCH_RADIUS = 1e-3;

/** One step's contacts with their impulses. */
interface ImpulseTable {
  /** contacts stored */
  count: number;
  /** (capacity) body A, body B, feature id of each stored contact */
  readonly bodyA: Int32Array;
  readonly bodyB: Int32Array;
  readonly feature: Int32Array;
  /** (capacity×6) the contact point in A's body frame (0–2) and in B's (3–5), m */
  readonly local: Float64Array;
  /** (capacity×3) world impulse vector, N·s */
  readonly impulse: Float64Array;
  /** hash slots − 1 (slots: a power of two) */
  readonly mask: number;
  /** (slots) generation that wrote the slot; live when it equals `generation` */
  readonly stamp: Int32Array;
  /** (slots×2) body A, body B of the slot's pair */
  readonly key: Int32Array;
  /** (slots) index of the pair's first stored contact */
  readonly first: Int32Array;
  generation: number;
}

/** The warm-start cache of a step: last step's table and the one being written. */
export interface WarmStart {
  previous: ImpulseTable;
  current: ImpulseTable;
  /** (capacity) load number that took each of `previous`'s contacts (each goes to one new contact) */
  taken: Int32Array;
  /** loads so far (the stamp of `taken`) */
  loads: number;
  /** contacts of the last `loadWarmStart` that found an impulse */
  matched: number;
}

function createTable(capacity: number, slots: number): ImpulseTable {
  return {
    count: 0,
    bodyA: new Int32Array(capacity),
    bodyB: new Int32Array(capacity),
    feature: new Int32Array(capacity),
    local: new Float64Array(6 * capacity),
    impulse: new Float64Array(3 * capacity),
    mask: slots - 1,
    stamp: new Int32Array(slots),
    key: new Int32Array(2 * slots),
    first: new Int32Array(slots),
    generation: 1,
  };
}

/**
 * A cache for up to `capacity` contacts per step (hashes of at least 2×capacity slots,
 * so probes stay short).
 *
 * @example
 * const warm = createWarmStart(contacts.capacity);
 */
export function createWarmStart(capacity: number): WarmStart {
  let slots = 16;
  while (slots < 2 * capacity) slots *= 2;
  return {
    previous: createTable(capacity, slots),
    current: createTable(capacity, slots),
    taken: new Int32Array(capacity),
    loads: 0,
    matched: 0,
  };
}

/** Home slot of a body pair: a multiplicative hash of the two ids. */
function homeSlot(t: ImpulseTable, a: number, b: number): number {
  return (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77)) & t.mask;
}

/** The first stored contact of pair (a, b) in `t`, or −1. */
function firstOfPair(t: ImpulseTable, a: number, b: number): number {
  let slot = homeSlot(t, a, b);
  while (t.stamp[slot] === t.generation) {
    if (t.key[2 * slot] === a && t.key[2 * slot + 1] === b) return t.first[slot];
    slot = (slot + 1) & t.mask;
  }
  return -1;
}

/**
 * The point `p[po..po+2]` (world) in the frame of body `i` (pose in `bodyQ`, nbody×7:
 * x, y, z, w, qx, qy, qz) into `out[o..o+2]`: Rᵀ(p − x), R from the unit quaternion.
 */
function toBodyFrame(bodyQ: Float64Array, i: number, p: Float64Array, po: number, out: Float64Array, o: number): void {
  const q = 7 * i;
  const dx = p[po] - bodyQ[q],
    dy = p[po + 1] - bodyQ[q + 1],
    dz = p[po + 2] - bodyQ[q + 2];
  const w = bodyQ[q + 3],
    x = -bodyQ[q + 4],
    y = -bodyQ[q + 5],
    z = -bodyQ[q + 6];
  // rotate by the conjugate quaternion: d + 2w(u × d) + 2u × (u × d), u = (x, y, z)
  const cx = y * dz - z * dy,
    cy = z * dx - x * dz,
    cz = x * dy - y * dx;
  out[o] = dx + 2 * (w * cx + y * cz - z * cy);
  out[o + 1] = dy + 2 * (w * cy + z * cx - x * cz);
  out[o + 2] = dz + 2 * (w * cz + x * cy - y * cx);
}

/**
 * Fill `p.impulse` from last step's impulses matched to this step's contacts (file
 * header), projected onto each contact's frame; the normal part is clamped to ≥ 0 and the
 * tangential part to the friction disk, so the start is feasible. Unmatched contacts start
 * at 0. Also records the contacts' body-frame points (poses `bodyQ`) for the next step:
 * call {@link storeWarmStart} with the same contacts after the solve. Returns the number
 * matched.
 */
export function loadWarmStart(ws: WarmStart, contacts: Contacts, bodyQ: Float64Array, p: ContactProblem): number {
  const t = ws.previous;
  const local = ws.current.local;
  const stamp = ++ws.loads;
  const radius2 = WARM_START_MATCH_RADIUS * WARM_START_MATCH_RADIUS;
  let matched = 0;
  for (let k = 0; k < p.count; k++) {
    const a = contacts.bodyA[k],
      b = contacts.bodyB[k],
      feature = contacts.pair[k];
    const o6 = 6 * k;
    toBodyFrame(bodyQ, a, contacts.point, 3 * k, local, o6);
    toBodyFrame(bodyQ, b, contacts.point, 3 * k, local, o6 + 3);
    let best = -1,
      bestDist2 = radius2,
      same = -1;
    for (let j = firstOfPair(t, a, b); j >= 0 && j < t.count && t.bodyA[j] === a && t.bodyB[j] === b; j++) {
      if (ws.taken[j] === stamp) continue;
      if (t.feature[j] === feature) same = j;
      const j6 = 6 * j;
      const ax = local[o6] - t.local[j6],
        ay = local[o6 + 1] - t.local[j6 + 1],
        az = local[o6 + 2] - t.local[j6 + 2];
      const bx = local[o6 + 3] - t.local[j6 + 3],
        by = local[o6 + 4] - t.local[j6 + 4],
        bz = local[o6 + 5] - t.local[j6 + 5];
      const dist2 = Math.min(ax * ax + ay * ay + az * az, bx * bx + by * by + bz * bz);
      if (dist2 <= bestDist2) {
        bestDist2 = dist2;
        best = j;
      }
    }
    if (best < 0) best = same;
    if (best < 0) continue;
    ws.taken[best] = stamp;
    const s3 = 3 * best;
    const px = t.impulse[s3],
      py = t.impulse[s3 + 1],
      pz = t.impulse[s3 + 2];
    const o = 9 * k,
      d = p.dir;
    const ln = Math.max(0, px * d[o] + py * d[o + 1] + pz * d[o + 2]);
    let l1 = px * d[o + 3] + py * d[o + 4] + pz * d[o + 5];
    let l2 = px * d[o + 6] + py * d[o + 7] + pz * d[o + 8];
    const disk = p.friction[k] * ln;
    const norm = Math.sqrt(l1 * l1 + l2 * l2);
    if (norm > disk) {
      const scale = norm > 0 ? disk / norm : 0;
      l1 *= scale;
      l2 *= scale;
    }
    p.impulse[3 * k] = ln;
    p.impulse[3 * k + 1] = l1;
    p.impulse[3 * k + 2] = l2;
    matched++;
  }
  ws.matched = matched;
  return matched;
}

/**
 * Record this step's solution (`p.impulse` in world vectors) for the contacts the last
 * {@link loadWarmStart} saw (their body-frame points are already in the table), then make
 * it the table the next step loads from.
 */
export function storeWarmStart(ws: WarmStart, contacts: Contacts, p: ContactProblem): void {
  const t = ws.current;
  t.generation++;
  t.count = p.count;
  for (let k = 0; k < p.count; k++) {
    const a = contacts.bodyA[k],
      b = contacts.bodyB[k];
    t.bodyA[k] = a;
    t.bodyB[k] = b;
    t.feature[k] = contacts.pair[k];
    const o = 9 * k,
      d = p.dir;
    const ln = p.impulse[3 * k],
      l1 = p.impulse[3 * k + 1],
      l2 = p.impulse[3 * k + 2];
    for (let i = 0; i < 3; i++) t.impulse[3 * k + i] = ln * d[o + i] + l1 * d[o + 3 + i] + l2 * d[o + 6 + i];
    // the pair's first contact opens its run (a pair written in two runs keeps the first)
    if (k > 0 && contacts.bodyA[k - 1] === a && contacts.bodyB[k - 1] === b) continue;
    let slot = homeSlot(t, a, b);
    while (t.stamp[slot] === t.generation) {
      if (t.key[2 * slot] === a && t.key[2 * slot + 1] === b) break;
      slot = (slot + 1) & t.mask;
    }
    if (t.stamp[slot] === t.generation) continue;
    t.stamp[slot] = t.generation;
    t.key[2 * slot] = a;
    t.key[2 * slot + 1] = b;
    t.first[slot] = k;
  }
  ws.current = ws.previous;
  ws.previous = t;
}

/** A copy of the table the next step loads from: what a checkpointed rollout keeps. */
export interface WarmStartSnapshot {
  readonly table: ImpulseTable;
}

/** A copy of `t` with room for `capacity` contacts (≥ its count; the hash keeps its size). */
function cloneTable(t: ImpulseTable, capacity: number): ImpulseTable {
  const copy = createTable(capacity, t.mask + 1);
  copy.count = t.count;
  copy.bodyA.set(t.bodyA.subarray(0, t.count));
  copy.bodyB.set(t.bodyB.subarray(0, t.count));
  copy.feature.set(t.feature.subarray(0, t.count));
  copy.local.set(t.local.subarray(0, 6 * t.count));
  copy.impulse.set(t.impulse.subarray(0, 3 * t.count));
  copy.stamp.set(t.stamp);
  copy.key.set(t.key);
  copy.first.set(t.first);
  copy.generation = t.generation;
  return copy;
}

/**
 * Copy of the warm-start state a step would load (`previous`): restoring it before
 * re-running a step reproduces the step's solve exactly (the rollout's backward pass
 * recomputes segments from checkpoints). Allocates (once per checkpoint).
 */
export function snapshotWarmStart(ws: WarmStart): WarmStartSnapshot {
  return { table: cloneTable(ws.previous, ws.previous.count) };
}

/** Put a snapshot back as the table the next step loads from (a copy: the snapshot stays reusable). */
export function restoreWarmStart(ws: WarmStart, snapshot: WarmStartSnapshot): void {
  const t = snapshot.table;
  const into = ws.previous;
  if (into.mask === t.mask && into.bodyA.length >= t.count && ws.taken.length >= t.count) {
    into.count = t.count;
    into.bodyA.set(t.bodyA.subarray(0, t.count));
    into.bodyB.set(t.bodyB.subarray(0, t.count));
    into.feature.set(t.feature.subarray(0, t.count));
    into.local.set(t.local.subarray(0, 6 * t.count));
    into.impulse.set(t.impulse.subarray(0, 3 * t.count));
    into.stamp.set(t.stamp);
    into.key.set(t.key);
    into.first.set(t.first);
    into.generation = t.generation;
  } else {
    // a snapshot from a larger buffer than this cache's (rare): a cache that fits it
    const capacity = Math.max(t.count, ws.current.bodyA.length);
    const fresh = createWarmStart(capacity);
    ws.current = fresh.current;
    ws.previous = cloneTable(t, capacity);
    ws.taken = fresh.taken;
  }
  // the table written next must not mistake stale slots for live ones
  if (ws.current.generation <= t.generation) ws.current.generation = t.generation + 1;
}
