// sim/driver/lease-pool.ts: arrays lent by owner, new ones while the pool has room, then the
// least recently lent large-enough array of another owner; an owner learns when its array
// was lent on; the pool forgets (but never re-lends) arrays past its size.
import { describe, expect, it } from 'vitest';
import { LEASE_OWNERS_KEPT, LeasePool } from '../../../sim/driver/lease-pool.ts';

describe('lease pool', () => {
  it('lends new arrays while there is room, then the least recently lent large-enough one of another owner', () => {
    const pool = new LeasePool(30);
    const a = pool.newOwner(),
      b = pool.newOwner();
    expect(a).not.toBe(b);
    const a0 = pool.lend(a, 10),
      a1 = pool.lend(a, 8),
      b0 = pool.lend(b, 10);
    expect(a0.array).toHaveLength(10);
    expect(new Set([a0, a1, b0]).size).toBe(3);
    a0.array[0] = 1;
    // full: b is lent a's least recently lent array (a0), contents as they were
    const b1 = pool.lend(b, 9);
    expect(b1).toBe(a0);
    expect(b1.array[0]).toBe(1);
    expect(pool.holds(a0, a)).toBe(false);
    expect(pool.holds(a0, b)).toBe(true);
    expect(pool.holds(a1, a)).toBe(true);
    // a1 (8) is too small for 9: a new array, and the pool forgets its least recently lent
    // (a1: a keeps it, and nobody else is lent it)
    const b2 = pool.lend(b, 9);
    expect([a0, a1, b0]).not.toContain(b2);
    expect(pool.holds(a1, a)).toBe(true);
    expect(pool.lend(b, 8)).not.toBe(a1);
    expect(pool.holds(a1, a)).toBe(true);
  });

  it('never lends an owner its own array', () => {
    const pool = new LeasePool(10);
    const a = pool.newOwner();
    const first = pool.lend(a, 10);
    const second = pool.lend(a, 10);
    expect(second).not.toBe(first);
    expect(pool.holds(first, a) && pool.holds(second, a)).toBe(true);
  });

  it('past its free numbers, lends on the arrays of owners LEASE_OWNERS_KEPT tokens older before making new ones, the shortest large enough first', () => {
    const pool = new LeasePool(1000, 100);
    const old = pool.newOwner();
    const long = pool.lend(old, 100),
      short = pool.lend(old, 20);
    const recent: number[] = [];
    for (let k = 1; k < LEASE_OWNERS_KEPT; k++) recent.push(pool.newOwner());
    // fewer than LEASE_OWNERS_KEPT owners since: old's arrays stay its own (the pool has room)
    const fresh = pool.lend(recent[recent.length - 1], 10);
    expect([long, short]).not.toContain(fresh);
    expect(pool.holds(short, old)).toBe(true);
    // one more: old's shortest large-enough array is lent on, the long one stays old's
    const next = pool.newOwner();
    expect(pool.lend(next, 10)).toBe(short);
    expect(pool.holds(short, old)).toBe(false);
    expect(pool.holds(long, old)).toBe(true);
    expect(pool.lend(next, 50)).toBe(long);
  });
});
