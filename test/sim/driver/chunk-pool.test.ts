// sim/driver/chunk-pool.ts: chunks lent by owner, new ones while the pool is not full, then
// the least recently lent chunk of another owner; an owner learns when its chunk was taken.
import { describe, expect, it } from 'vitest';
import { ChunkPool } from '../../../sim/driver/chunk-pool.ts';

describe('chunk pool', () => {
  it('lends new chunks until full, then the least recently lent one of another owner', () => {
    const pool = new ChunkPool(8, 3);
    const a = pool.newOwner(),
      b = pool.newOwner();
    expect(a).not.toBe(b);
    const a0 = pool.lend(a),
      a1 = pool.lend(a),
      b0 = pool.lend(b);
    expect(new Set([a0, a1, b0]).size).toBe(3);
    expect(pool.chunk(a0)).toHaveLength(8);
    pool.chunk(a0)[0] = 1;
    // full: b takes a's least recently lent chunk, a0
    expect(pool.lend(b)).toBe(a0);
    expect(pool.holds(a0, a)).toBe(false);
    expect(pool.holds(a0, b)).toBe(true);
    expect(pool.holds(a1, a)).toBe(true);
    // the chunk is handed over as it is (the new owner overwrites what it uses)
    expect(pool.chunk(a0)[0]).toBe(1);
    // then a1, a's last
    expect(pool.lend(b)).toBe(a1);
    // every chunk is b's own: none to lend to b
    expect(pool.lend(b)).toBe(-1);
    // a takes back the least recently lent of b's: b0
    expect(pool.lend(a)).toBe(b0);
  });
});
