/**
 * Memory for the step records a rollout's forward pass keeps (stepper.ts `keep`): views
 * into large shared chunks instead of a handful of small typed arrays per step. A typed
 * array of more than a few dozen bytes gets its own off-heap buffer, whose allocation and
 * later collection cost more than the step's copy into it (measured on the hard billiards
 * break: keeping 1,000 steps' records took about as long as the 1,000 steps).
 *
 * The chunks live as long as any record viewing them: one arena per rollout evaluation,
 * dropped with its records after the backward pass.
 */

/** Elements per chunk (each element kind has its own chunks): 256 KiB of doubles. */
const CHUNK_ELEMENTS = 32 * 1024;

/** Chunks of one element type, handing out consecutive views. */
class ChunkedViews<T extends Float64Array | Int32Array | Uint8Array> {
  private chunk: T;
  private used = 0;

  constructor(private readonly make: (length: number) => T) {
    this.chunk = make(0);
  }

  /** A fresh zeroed view of `length` elements. */
  take(length: number): T {
    if (this.used + length > this.chunk.length) {
      this.chunk = this.make(Math.max(CHUNK_ELEMENTS, length));
      this.used = 0;
    }
    const view = this.chunk.subarray(this.used, this.used + length) as T;
    this.used += length;
    return view;
  }
}

/** Views for records: doubles, 32-bit integers and bytes. */
export class RecordArena {
  private readonly f64 = new ChunkedViews((n) => new Float64Array(n));
  private readonly i32 = new ChunkedViews((n) => new Int32Array(n));
  private readonly u8 = new ChunkedViews((n) => new Uint8Array(n));

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
