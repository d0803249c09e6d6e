/**
 * Fixed-size Float64Array chunks lent to rollout evaluations and taken back least recently
 * lent first: what a gradient's forward pass keeps for its backward pass, reused by the
 * next gradient instead of allocated afresh. A fresh typed array of a few megabytes costs
 * its pages' first touch (about a millisecond per megabyte, more under load): at a
 * gradient per ~100 ms that is a tenth of it.
 *
 * Why a lease and not a free list: a rollout's records live as long as its tape entry,
 * which may run its backward pass several times (one per output) and is dropped without
 * notice. So a chunk is never given back; a later evaluation takes the least recently
 * lent one when the pool is full, and the earlier owner, before reading, asks
 * {@link ChunkPool.holds}: when the chunk was taken, it computes again what it had kept
 * (the same numbers: the kept values only save time). In a loop of gradients the chunk
 * taken is the previous, finished gradient's.
 */

/** A pool of `maxChunks` chunks of `chunkSize` numbers each, lent by owner token. */
export class ChunkPool {
  private readonly chunks: Float64Array[] = [];
  private readonly owners: number[] = [];
  private readonly lentAt: number[] = [];
  private clock = 0;
  private tokens = 0;

  constructor(
    readonly chunkSize: number,
    readonly maxChunks: number,
  ) {}

  /** A token for one evaluation's leases (distinct from every earlier one). */
  newOwner(): number {
    return ++this.tokens;
  }

  /**
   * Lend a chunk to `owner`: a new one while the pool is not full, else the one lent least
   * recently to another owner. Returns its index, or −1 when every chunk is the owner's own.
   */
  lend(owner: number): number {
    let at = -1;
    if (this.chunks.length < this.maxChunks) {
      at = this.chunks.length;
      this.chunks.push(new Float64Array(this.chunkSize));
      this.owners.push(owner);
      this.lentAt.push(0);
    } else {
      for (let k = 0; k < this.chunks.length; k++) {
        if (this.owners[k] !== owner && (at < 0 || this.lentAt[k] < this.lentAt[at])) at = k;
      }
      if (at < 0) return -1;
      this.owners[at] = owner;
    }
    this.lentAt[at] = ++this.clock;
    return at;
  }

  /** The chunk at `index` (read it only while {@link holds} says it is still the owner's). */
  chunk(index: number): Float64Array {
    return this.chunks[index];
  }

  /** Is chunk `index` still lent to `owner`? */
  holds(index: number, owner: number): boolean {
    return this.owners[index] === owner;
  }
}
