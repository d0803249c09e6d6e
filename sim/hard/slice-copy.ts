/**
 * A copy between fixed slices of two arrays as one `TypedArray.set`, for the hard step's
 * adjoint, which copies the same slices of the same buffers every step (the one-step input
 * into the integrator's layout, the cotangents back into the rollout's λ). The two subarray
 * views are made once and again only when an array, an offset or the length changes, so a
 * rollout's steps allocate nothing; `set` between views copies 221 doubles (a 17-body state)
 * in ~30 ns where an element loop (driver/records.ts `copyInto`) takes ~250 ns.
 *
 * @example
 * const toXi = new SliceCopy();
 * toXi.copy(xi, IL.q, x, L.q, 13 * n); // xi[IL.q ..] = x[L.q ..], 13n doubles
 */
export class SliceCopy {
  private dst: Float64Array | null = null;
  private src: Float64Array | null = null;
  private dstAt = -1;
  private srcAt = -1;
  private count = -1;
  private dstView: Float64Array = new Float64Array(0);
  private srcView: Float64Array = new Float64Array(0);

  /** dst[dstAt .. dstAt + count] = src[srcAt .. srcAt + count]. */
  copy(dst: Float64Array, dstAt: number, src: Float64Array, srcAt: number, count: number): void {
    if (dst !== this.dst || src !== this.src || dstAt !== this.dstAt || srcAt !== this.srcAt || count !== this.count) {
      this.dst = dst;
      this.src = src;
      this.dstAt = dstAt;
      this.srcAt = srcAt;
      this.count = count;
      this.dstView = dst.subarray(dstAt, dstAt + count);
      this.srcView = src.subarray(srcAt, srcAt + count);
    }
    this.dstView.set(this.srcView);
  }
}
