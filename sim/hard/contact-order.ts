/**
 * The order of a hard step's contacts: by body pair (A, then B) and feature, not the
 * broadphase's. The velocity and position solves are projected Gauss–Seidel, converged to a
 * tolerance (1e-6 m/s), so their result depends on the order they visit the contacts in. The
 * broadphase lists pairs in its sweep order, sorted by the bodies' lower bounds along the
 * widest axis, ties by body index: wherever two bodies' bounds tie or cross (billiards' rack is
 * mirror-symmetric, so ball2 and ball3 share x), any change of a parameter of one sign swaps
 * their contacts' order and the solve lands elsewhere within its tolerance: a jump of the
 * tolerance's size in every outcome (`table/ball2 onset` by 2.5e-6 m/s at cue.v_y = 0⁺), a
 * decision no margin could record without a zero radius at every symmetric start. Sorted by
 * (A, B, feature), the order is a function of which contacts exist (each a recorded
 * decision), not of where the bodies are: tied contacts are visited in the same order on
 * both sides of a tie (issue 13). Nothing is allocated per step: scratch grows with the contacts.
 */
import type { Contacts } from '../collision/contacts.ts';

/**
 * Scratch of {@link ContactOrder.sort}: a permutation, its counting-sort buffer and bucket
 * counts, and the SoA copies.
 */
export class ContactOrder {
  private perm = new Int32Array(0);
  private spare = new Int32Array(0);
  private buckets = new Int32Array(0);
  private ints = new Int32Array(0);
  private floats = new Float64Array(0);

  /**
   * Sorts `c`'s first `c.count` contacts by (bodyA, bodyB, pair), in place (stable): a
   * stable counting sort by bodyB, then by bodyA (body ids are small integers), then an
   * insertion sort by the full key, which only moves a pair's few features (the
   * narrowphase writes a pair's contacts together). The same permutation as a stable
   * comparison sort, in linear time (a merge sort of the ~4,600 contacts of the 256-box
   * pile was 5 % of its step).
   */
  sort(c: Contacts): void {
    const n = c.count;
    if (n < 2 || this.sorted(c)) return;
    if (this.perm.length < n) {
      const cap = Math.max(n, 2 * this.perm.length);
      this.perm = new Int32Array(cap);
      this.spare = new Int32Array(cap);
      this.ints = new Int32Array(3 * cap);
      this.floats = new Float64Array(7 * cap);
    }
    let bodies = 0;
    for (let k = 0; k < n; k++) bodies = Math.max(bodies, c.bodyA[k] + 1, c.bodyB[k] + 1);
    if (this.buckets.length < bodies + 1) this.buckets = new Int32Array(Math.max(bodies + 1, 2 * this.buckets.length));
    const perm = this.perm,
      spare = this.spare;
    for (let k = 0; k < n; k++) perm[k] = k;
    this.countingSort(perm, spare, n, c.bodyB, bodies);
    this.countingSort(spare, perm, n, c.bodyA, bodies);
    this.orderWithinPairs(c);
    this.permute(c);
  }

  /** Whether the contacts are in order already (a step of one pair, or a settled scene's). */
  private sorted(c: Contacts): boolean {
    for (let k = 1; k < c.count; k++) if (before(c, k, k - 1)) return false;
    return true;
  }

  /** `to[0, n)` ← `from[0, n)` stably ordered by `key[from[i]]` ∈ [0, bodies). */
  private countingSort(from: Int32Array, to: Int32Array, n: number, key: Int32Array, bodies: number): void {
    const start = this.buckets;
    start.fill(0, 0, bodies + 1);
    for (let i = 0; i < n; i++) start[key[from[i]] + 1]++;
    for (let b = 0; b < bodies; b++) start[b + 1] += start[b];
    for (let i = 0; i < n; i++) {
      const k = from[i];
      to[start[key[k]]++] = k;
    }
  }

  /** Stable insertion sort of `perm` by the full key: only a pair's few features move. */
  private orderWithinPairs(c: Contacts): void {
    const perm = this.perm;
    for (let k = 1; k < c.count; k++) {
      const item = perm[k];
      let p = k - 1;
      while (p >= 0 && before(c, item, perm[p])) {
        perm[p + 1] = perm[p];
        p--;
      }
      perm[p + 1] = item;
    }
  }

  /** Apply `perm` to the contacts' SoA through the copies. */
  private permute(c: Contacts): void {
    const n = c.count,
      perm = this.perm,
      ints = this.ints,
      floats = this.floats;
    for (let k = 0; k < n; k++) {
      ints[3 * k] = c.bodyA[k];
      ints[3 * k + 1] = c.bodyB[k];
      ints[3 * k + 2] = c.pair[k];
      floats[7 * k] = c.dist[k];
      for (let e = 0; e < 3; e++) {
        floats[7 * k + 1 + e] = c.normal[3 * k + e];
        floats[7 * k + 4 + e] = c.point[3 * k + e];
      }
    }
    for (let k = 0; k < n; k++) {
      const from = perm[k];
      c.bodyA[k] = ints[3 * from];
      c.bodyB[k] = ints[3 * from + 1];
      c.pair[k] = ints[3 * from + 2];
      c.dist[k] = floats[7 * from];
      for (let e = 0; e < 3; e++) {
        c.normal[3 * k + e] = floats[7 * from + 1 + e];
        c.point[3 * k + e] = floats[7 * from + 4 + e];
      }
    }
  }
}

/** Whether contact i goes before contact j: (bodyA, bodyB, pair) lexicographically. */
function before(c: Contacts, i: number, j: number): boolean {
  if (c.bodyA[i] !== c.bodyA[j]) return c.bodyA[i] < c.bodyA[j];
  if (c.bodyB[i] !== c.bodyB[j]) return c.bodyB[i] < c.bodyB[j];
  return c.pair[i] < c.pair[j];
}
