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

/** Scratch of {@link sortContactsByPair}: a permutation, its merge buffer and the SoA copies. */
export class ContactOrder {
  private perm = new Int32Array(0);
  private merge = new Int32Array(0);
  private ints = new Int32Array(0);
  private floats = new Float64Array(0);

  /** Sorts `c`'s first `c.count` contacts by (bodyA, bodyB, pair), in place (stable). */
  sort(c: Contacts): void {
    const n = c.count;
    if (n < 2 || this.sorted(c)) return;
    if (this.perm.length < n) {
      const cap = Math.max(n, 2 * this.perm.length);
      this.perm = new Int32Array(cap);
      this.merge = new Int32Array(cap);
      this.ints = new Int32Array(3 * cap);
      this.floats = new Float64Array(7 * cap);
    }
    const perm = this.perm;
    for (let k = 0; k < n; k++) perm[k] = k;
    this.mergeSort(c, 0, n);
    // permute the SoA through the copies
    const ints = this.ints,
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

  /** Whether the contacts are in order already (a step of one pair, or a settled scene's). */
  private sorted(c: Contacts): boolean {
    for (let k = 1; k < c.count; k++) if (before(c, k, k - 1)) return false;
    return true;
  }

  /** Bottom-up merge sort of `perm[from, to)` by {@link before}. */
  private mergeSort(c: Contacts, from: number, to: number): void {
    let src = this.perm,
      dst = this.merge;
    for (let width = 1; width < to - from; width *= 2) {
      for (let lo = from; lo < to; lo += 2 * width) {
        const mid = Math.min(lo + width, to),
          hi = Math.min(lo + 2 * width, to);
        let i = lo,
          j = mid,
          o = lo;
        while (i < mid && j < hi) dst[o++] = before(c, src[j], src[i]) ? src[j++] : src[i++];
        while (i < mid) dst[o++] = src[i++];
        while (j < hi) dst[o++] = src[j++];
      }
      const t = src;
      src = dst;
      dst = t;
    }
    // (a loop, not perm.set(src.subarray(…)): a view is an allocation per step)
    if (src !== this.perm) for (let k = from; k < to; k++) this.perm[k] = src[k];
  }
}

/** Whether contact i goes before contact j: (bodyA, bodyB, pair) lexicographically. */
function before(c: Contacts, i: number, j: number): boolean {
  if (c.bodyA[i] !== c.bodyA[j]) return c.bodyA[i] < c.bodyA[j];
  if (c.bodyB[i] !== c.bodyB[j]) return c.bodyB[i] < c.bodyB[j];
  return c.pair[i] < c.pair[j];
}
