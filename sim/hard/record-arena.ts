/**
 * Memory for the step records a rollout's forward pass keeps (stepper.ts `keep`): views
 * into large shared chunks instead of a handful of small typed arrays per step. A typed
 * array of more than a few dozen bytes gets its own off-heap buffer, whose allocation and
 * later collection cost more than the step's copy into it (measured on the hard billiards
 * break: keeping 1,000 steps' records took about as long as the 1,000 steps).
 *
 * The chunks live as long as any record viewing them: one arena per rollout evaluation,
 * dropped with its records after the backward pass. Given a lender (stepper.ts: the record
 * pool, driver/lease-pool.ts), the chunks are arrays it lends, which a later evaluation
 * reuses instead of touching fresh pages; then a view holds whatever its last owner left
 * there, and the records write every element they keep.
 */

/** Elements per chunk (each element kind has its own chunks): 256 KiB of doubles. */
const CHUNK_ELEMENTS = 32 * 1024;

/** Chunks of one element type, handing out consecutive views. */
class ChunkedViews<T extends Float64Array | Int32Array | Uint8Array> {
  private chunk: T;
  private used = 0;

  constructor(
    private readonly make: (length: number) => T,
    /** the view's constructor (cheaper than `subarray`, which looks up the species per call) */
    private readonly View: new (buffer: ArrayBufferLike, byteOffset: number, length: number) => T,
  ) {
    this.chunk = make(0);
  }

  /** A view of `length` elements (zeroed unless the chunks are lent: then the last owner's). */
  take(length: number): T {
    if (this.used + length > this.chunk.length) {
      this.chunk = this.make(Math.max(CHUNK_ELEMENTS, length));
      this.used = 0;
    }
    const chunk = this.chunk;
    const view = new this.View(chunk.buffer, chunk.byteOffset + this.used * chunk.BYTES_PER_ELEMENT, length);
    this.used += length;
    return view;
  }
}

/** Views for records: doubles, 32-bit integers and bytes. */
export class RecordArena {
  private readonly f64: ChunkedViews<Float64Array>;
  private readonly i32: ChunkedViews<Int32Array>;
  private readonly u8: ChunkedViews<Uint8Array>;

  /** `lend`: where chunks come from, `numbers` doubles at least (absent: new arrays). */
  constructor(lend: ((numbers: number) => Float64Array) | null = null) {
    const DOUBLE = Float64Array.BYTES_PER_ELEMENT;
    const bytes = (length: number, size: number) => {
      const a = lend!(Math.ceil((length * size) / DOUBLE));
      return [a.buffer, a.byteOffset, Math.floor(a.byteLength / size)] as const;
    };
    this.f64 = new ChunkedViews((n) => (lend === null || n === 0 ? new Float64Array(n) : lend(n)), Float64Array);
    this.i32 = new ChunkedViews(
      (n) => (lend === null || n === 0 ? new Int32Array(n) : new Int32Array(...bytes(n, Int32Array.BYTES_PER_ELEMENT))),
      Int32Array,
    );
    this.u8 = new ChunkedViews(
      (n) => (lend === null || n === 0 ? new Uint8Array(n) : new Uint8Array(...bytes(n, 1))),
      Uint8Array,
    );
  }

  float64(length: number): Float64Array {
    return this.f64.take(length);
  }

  int32(length: number): Int32Array {
    return this.i32.take(length);
  }

  uint8(length: number): Uint8Array {
    return this.u8.take(length);
  }
}
