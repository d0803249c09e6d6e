/**
 * The distances of a decision log's entries and its nearest decisions, kept as each entry's
 * slopes arrive: distance_i = |m_i| / ‖∇θ m_i‖ (Infinity when no parameter moves it), the
 * `listed` nearest entries (nearest first; on ties the earlier one), and per parameter the
 * first entry with the smallest |m_i| / |∂m_i/∂θ_j|; and the slopes of those entries only
 * (a log of every entry's slopes would be 8 doubles per decision written once and read for
 * a dozen of them).
 *
 * Kept entry by entry, in the log's order, inside the tangent rollout's hot loop: the same
 * arithmetic as a pass over the finished log (the same sums in the same order, the same
 * strict comparisons), without that pass. A pass that runs once per gradient stays in V8's
 * interpreter, which boxes every double it loads: a 31,000-decision log cost more there than
 * all of its bookkeeping during the rollout.
 */
export class NearestDecisions {
  /** distance of each entry (Infinity until its slopes are noted) */
  distance = new Float64Array(256);
  /** the nearest entries' indices, nearest first (at most `listed`) */
  readonly nearest: number[] = [];
  /** per parameter j: the entry with the smallest |m| / |∂m/∂θ_j| (−1: none moves) and that distance */
  readonly best: Int32Array;
  readonly bestDistance: Float64Array;
  /**
   * The slopes of the entries that were listed or best for a parameter when noted (a
   * superset of those at the end), in slots: slot k holds entry `rowOf[k]` (−1: free) with
   * its slopes at `rowData[k·params ..]`. A fixed slab, not a row allocated per candidate.
   */
  private readonly rowData: Float64Array;
  private readonly rowOf: Int32Array;
  private rowCount = 0;

  constructor(
    private readonly params: number,
    private readonly listed: number,
  ) {
    this.best = new Int32Array(params).fill(-1);
    this.bestDistance = new Float64Array(params).fill(Infinity);
    // up to the limit kept, and the one that overflows it before the sweep
    const slots = this.rowLimit() + 1;
    this.rowData = new Float64Array(slots * params);
    this.rowOf = new Int32Array(slots).fill(-1);
  }

  /** Rows kept before those no longer listed nor best are forgotten. */
  private rowLimit(): number {
    return 4 * (this.listed + this.params);
  }

  /** Entry `i` is logged (its slopes not yet noted): distance Infinity. */
  add(i: number): void {
    if (i >= this.distance.length) this.reserve(Math.max(2 * this.distance.length, i + 1));
    this.distance[i] = Infinity;
  }

  /** Room for `size` entries (the log grows by its prediction: one large array rather than a doubling series). */
  reserve(size: number): void {
    if (size <= this.distance.length) return;
    const grown = new Float64Array(size);
    grown.set(this.distance);
    this.distance = grown;
  }

  /** Entry `i` (margin `margins[i]`) has slopes `slope[at + j]` = ∂|m_i|/∂θ_j, j < params; entries in log order. */
  note(i: number, margins: Float64Array, slope: Float64Array, at: number): void {
    const P = this.params;
    const m = margins[i];
    let norm2 = 0;
    for (let j = 0; j < P; j++) norm2 += slope[at + j] ** 2;
    const d = norm2 > 0 ? m / Math.sqrt(norm2) : Infinity;
    this.distance[i] = d;
    for (let j = 0; j < P; j++) {
      const g = Math.abs(slope[at + j]);
      if (g === 0) continue;
      const dj = m / g;
      if (dj < this.bestDistance[j]) {
        this.bestDistance[j] = dj;
        this.best[j] = i;
        this.keepRow(i, slope, at);
      }
    }
    // the nearest `listed`, nearest first: an entry enters only strictly nearer than the last kept
    const top = this.nearest;
    const count = this.listed;
    if (!Number.isFinite(d) || (top.length === count && d >= this.distance[top[count - 1]])) return;
    this.keepRow(i, slope, at);
    let k = top.length === count ? count - 1 : top.length;
    top[k] = i;
    while (k > 0 && this.distance[top[k - 1]] > d) {
      top[k] = top[k - 1];
      top[k - 1] = i;
      k--;
    }
  }

  /**
   * The distance an entry noted from now on must be below to be listed (strictly): the
   * `listed`-th nearest so far, Infinity while fewer are listed. It only falls as entries arrive.
   */
  listedBound(): number {
    const top = this.nearest;
    return top.length < this.listed ? Infinity : this.distance[top[top.length - 1]];
  }

  /** The slopes of entry `i`, listed or best for a parameter (∂|m_i|/∂θ_j at j). */
  row(i: number): Float64Array {
    const k = this.slotOf(i);
    if (k < 0) throw new Error(`validity: no slopes kept for decision ${i}`);
    return this.rowData.subarray(k * this.params, (k + 1) * this.params);
  }

  /** the slot holding entry i's row, or −1 */
  private slotOf(i: number): number {
    const rowOf = this.rowOf;
    for (let k = 0; k < rowOf.length; k++) if (rowOf[k] === i) return k;
    return -1;
  }

  private keepRow(i: number, slope: Float64Array, at: number): void {
    if (this.slotOf(i) >= 0) return;
    // a candidate's row, copied into a free slot: the log does not keep every row
    const rowOf = this.rowOf;
    const P = this.params;
    let k = 0;
    while (rowOf[k] !== -1) k++;
    rowOf[k] = i;
    for (let j = 0; j < P; j++) this.rowData[k * P + j] = slope[at + j];
    this.rowCount++;
    // forget the rows no longer listed nor best, once they pile up
    if (this.rowCount > this.rowLimit()) {
      for (let s = 0; s < rowOf.length; s++) {
        const e = rowOf[s];
        if (e === -1 || e === i || this.nearest.includes(e) || this.best.includes(e)) continue;
        rowOf[s] = -1;
        this.rowCount--;
      }
    }
  }
}
