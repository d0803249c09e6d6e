/**
 * Float64Arrays lent to rollout evaluations and taken back least recently lent first: what
 * a gradient's forward pass keeps for its backward pass (states, wrenches, intermediates),
 * reused by the next gradient instead of allocated afresh. A fresh typed array of a few
 * megabytes costs its pages' first touch (about a millisecond per megabyte, more under
 * load): at a gradient per ~100 ms, several megabytes of records are a tenth of it.
 *
 * Why a lease and not a free list: a rollout's records live as long as its tape entry,
 * which may run its backward pass several times (one per output) and is dropped without
 * notice. So an array is never given back; a later evaluation takes the least recently
 * lent one of another owner, and the earlier owner, before reading, asks
 * {@link LeasePool.holds}: when its array was taken, it computes again or replays what it
 * had kept (the kept values only save time). In a loop of gradients the array taken is
 * an earlier, finished gradient's.
 */

import { DEFAULT_KEPT_INTERMEDIATES_BYTES, DEFAULT_KEPT_RECORDS_BYTES } from './config.ts';

/** An array lent to one owner (until another takes it). */
export interface Lease {
  readonly array: Float64Array;
  /** the owner it is lent to */
  owner: number;
  /** when it was last lent (the pool's clock) */
  lentAt: number;
}

/**
 * Owners newer than an array's owner after which the pool lends that array on before it
 * makes a new one: a rollout's driver and its Stepper are an owner each, so the arrays of
 * the last evaluation or two stay theirs (a trace of two rollouts keeps both), and a loop
 * of gradients reuses the one before instead of growing the pool to its size first (a new
 * array costs its pages' first touch).
 */
export const LEASE_OWNERS_KEPT = 4;

/** A pool of arrays lent by owner token, holding at most `maxNumbers` numbers between lendings. */
export class LeasePool {
  private readonly leases: Lease[] = [];
  private clock = 0;
  private tokens = 0;

  /**
   * @param maxNumbers numbers the pool holds between lendings at most
   * @param freeNumbers numbers below which it makes new arrays rather than lend on those
   * of older owners (default `maxNumbers`): room for a trace of a few rollouts to keep all
   * their records, without every evaluation of a loop growing the pool to `maxNumbers`
   */
  constructor(
    readonly maxNumbers: number,
    readonly freeNumbers = maxNumbers,
  ) {}

  /** A token for one evaluation's leases (distinct from every earlier one). */
  newOwner(): number {
    return ++this.tokens;
  }

  /**
   * Lend `owner` an array of at least `size` numbers (its contents are the last owner's):
   * a new one while the pool holds fewer than `freeNumbers` with it; else a large-enough
   * one of an owner {@link LEASE_OWNERS_KEPT} or more tokens older; else a new one while it
   * holds fewer than `maxNumbers`; else a large-enough one of another owner; else a new one
   * anyway (each time the shortest that is large enough, the least recently lent of those). The pool then forgets its least recently lent arrays past `maxNumbers` (their
   * owners keep them: nobody else will be lent them).
   */
  lend(owner: number, size: number): Lease {
    let held = 0;
    for (const l of this.leases) held += l.array.length;
    let at = -1;
    if (held + size > this.freeNumbers) at = this.shortestFree(size, owner - LEASE_OWNERS_KEPT);
    if (at < 0 && held + size > this.maxNumbers) at = this.shortestFree(size, owner, true);
    let lease: Lease;
    if (at >= 0) {
      lease = this.leases[at];
      lease.owner = owner;
    } else {
      lease = { array: new Float64Array(size), owner, lentAt: 0 };
      this.leases.push(lease);
    }
    lease.lentAt = ++this.clock;
    held = 0;
    for (const l of this.leases) held += l.array.length;
    while (held > this.maxNumbers && this.leases.length > 1) {
      let oldest = 0;
      for (let k = 1; k < this.leases.length; k++) if (this.leases[k].lentAt < this.leases[oldest].lentAt) oldest = k;
      if (this.leases[oldest] === lease) break;
      held -= this.leases[oldest].array.length;
      this.leases.splice(oldest, 1);
    }
    return lease;
  }

  /**
   * Index of the shortest array of at least `size` numbers whose owner is at most `newest`
   * (or, `other`, is any owner but `newest`), the least recently lent of those, or −1:
   * the shortest, so that a small request leaves the long arrays to the long ones.
   */
  private shortestFree(size: number, newest: number, other = false): number {
    let at = -1;
    for (let k = 0; k < this.leases.length; k++) {
      const l = this.leases[k];
      const free = other ? l.owner !== newest : l.owner <= newest;
      if (!free || l.array.length < size) continue;
      const best = at < 0 ? null : this.leases[at];
      if (
        best === null ||
        l.array.length < best.array.length ||
        (l.array.length === best.array.length && l.lentAt < best.lentAt)
      )
        at = k;
    }
    return at;
  }

  /** Is `lease` still lent to `owner`? */
  holds(lease: Lease, owner: number): boolean {
    return lease.owner === owner;
  }
}

/**
 * The pool of every rollout's kept records (driver states, force-stepper wrenches, integrator
 * and contact intermediates): twice the default record and intermediates budgets
 * (driver/config.ts), so that one evaluation's records can be lent while the previous
 * one's are still held; new arrays freely up to twice the record budget.
 */
export const RECORD_POOL = new LeasePool(
  (2 * (DEFAULT_KEPT_RECORDS_BYTES + DEFAULT_KEPT_INTERMEDIATES_BYTES)) / Float64Array.BYTES_PER_ELEMENT,
  (2 * DEFAULT_KEPT_RECORDS_BYTES) / Float64Array.BYTES_PER_ELEMENT,
);
