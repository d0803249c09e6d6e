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
 * the previous, finished gradient's.
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

/** A pool of arrays lent by owner token, holding at most `maxNumbers` numbers between lendings. */
export class LeasePool {
  private readonly leases: Lease[] = [];
  private clock = 0;
  private tokens = 0;

  constructor(readonly maxNumbers: number) {}

  /** A token for one evaluation's leases (distinct from every earlier one). */
  newOwner(): number {
    return ++this.tokens;
  }

  /**
   * Lend `owner` an array of at least `size` numbers (its contents are the last owner's):
   * a new one while the pool holds fewer than `maxNumbers` with it, else the least
   * recently lent one of another owner that is large enough, else a new one anyway. The
   * pool then forgets its least recently lent arrays past `maxNumbers` (their owners keep
   * them: nobody else will be lent them).
   */
  lend(owner: number, size: number): Lease {
    let held = 0;
    for (const l of this.leases) held += l.array.length;
    let at = -1;
    if (held + size > this.maxNumbers) {
      for (let k = 0; k < this.leases.length; k++) {
        const l = this.leases[k];
        if (l.owner !== owner && l.array.length >= size && (at < 0 || l.lentAt < this.leases[at].lentAt)) at = k;
      }
    }
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

  /** Is `lease` still lent to `owner`? */
  holds(lease: Lease, owner: number): boolean {
    return lease.owner === owner;
  }
}

/**
 * The pool of every rollout's kept records (driver states, force-stepper wrenches, integrator
 * and contact intermediates): twice the default record and intermediates budgets
 * (driver/config.ts), so that one evaluation's records can be lent while the previous
 * one's are still held.
 */
export const RECORD_POOL = new LeasePool(
  (2 * (DEFAULT_KEPT_RECORDS_BYTES + DEFAULT_KEPT_INTERMEDIATES_BYTES)) / Float64Array.BYTES_PER_ELEMENT,
);
