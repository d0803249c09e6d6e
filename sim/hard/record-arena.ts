/**
 * Memory for the step records a rollout's forward pass keeps (stepper.ts `keep`): each
 * record's numbers packed one after another into large chunks of doubles, a record being
 * a chunk and an offset. Typed arrays per field per step were an off-heap buffer each
 * (their allocation and collection cost about as much as the 1,000 steps of the hard
 * billiards break); views into shared chunks were still nine heap objects per step, which
 * lived until the backward pass and so were copied by every scavenge on the way.
 *
 * The chunks live as long as any record in them: one arena per rollout evaluation,
 * dropped with its records after the backward pass. Given a lender (stepper.ts: the record
 * pool, driver/lease-pool.ts), the chunks are arrays it lends, which a later evaluation
 * reuses instead of touching fresh pages; then a chunk holds whatever its last owner left
 * there, and the records write every number they keep.
 */

/** Numbers per chunk: 256 KiB of doubles. */
const CHUNK_NUMBERS = 32 * 1024;

/** Room for records: consecutive runs of numbers in large chunks. */
export class RecordArena {
  /** the chunk of the last {@link reserve}, and where the room it handed out starts */
  chunk: Float64Array = new Float64Array(0);
  at = 0;
  private used = 0;

  /** `lend`: where chunks come from, `numbers` doubles at least (null: new arrays). */
  constructor(private readonly lend: ((numbers: number) => Float64Array) | null = null) {}

  /**
   * Room for `length` consecutive numbers, in {@link chunk} from {@link at} (zeroed
   * unless the chunks are lent: then the last owner's). A record never straddles chunks.
   */
  reserve(length: number): void {
    if (this.used + length > this.chunk.length) {
      const size = Math.max(CHUNK_NUMBERS, length);
      this.chunk = this.lend === null ? new Float64Array(size) : this.lend(size);
      this.used = 0;
    }
    this.at = this.used;
    this.used += length;
  }

  /** Hand out the last chunk's room again from its start (its records are no longer read). */
  reset(): void {
    this.used = 0;
  }
}
