/**
 * Which impulses a time-of-impact placement moves, and by which fraction of the step: the
 * one rule the plain step (position.ts), its trace (test/sim/hard/oracle/traced-step.ts) and its hand adjoint
 * (placed-adjoint.ts) share.
 *
 * A placed impact (a bounce decided while its contact was open, at fraction s of the step)
 * moves its own impulse back by s·dt: the bodies move with their new velocities only after
 * the impact. The island's other impulses between two dynamic bodies are moved back by the
 * same s: the solve sets them to pass the impact on (a ball struck towards a third that it
 * touches or is about to touch pushes that third one with part of the blow), and that push
 * starts at the impact, not at the step's start. Moving only the impact's own impulse
 * over-corrects the struck pair and pushes the struck body into the third (issue 13:
 * billiards' rack, sim/hard/README.md "Several impacts in one step"). A contact with a
 * static body is not moved: a support carries gravity over the whole step.
 *
 * The island is a connected component of the dynamic bodies over the contacts that carry a
 * normal impulse (λ_n > 0); a contact between two dynamic bodies that carries one and is
 * not itself placed takes the fraction of its island's earliest placed impact (the first at
 * a tie). Impulses that carry gravity between dynamic bodies (a box on a box under a
 * struck one) are moved too: their m·|g|·dt moves the bodies by s·|g|·dt² (≤ 9.8 µm at
 * 1 ms), which the position pass corrects where it exceeds its tolerance.
 */

import { unionRoot } from '../math/union-find.ts';

/**
 * The moved impulses of one step: `source[k]` = the placed contact whose fraction moves
 * contact k's impulse (k itself for a placed contact), −1 for an impulse not moved.
 * Nothing is allocated per step (scratch grows with the bodies and contacts).
 *
 * @example
 * const moved = islands.find(count, bodyA, bodyB, isStatic, impulse, fraction);
 * for (let k = 0; k < count; k++) if (islands.source[k] >= 0) move(k, fraction[islands.source[k]]);
 */
export class PlacementIslands {
  /** (contacts) the placed contact whose fraction moves contact k's impulse, −1: none */
  source = new Int32Array(0);
  private parent = new Int32Array(0);
  /** (bodies) per island root: its earliest placed contact, −1: none */
  private earliest = new Int32Array(0);
  /** (bodies) per island root: its second-earliest placed contact, −1: none */
  private second = new Int32Array(0);
  /** (bodies) per island root: whether it moves an impulse that is not itself placed */
  private movesOthers = new Uint8Array(0);
  /** the last `find`'s bodies and static flags (read by {@link runnerUp}) */
  private bodyA: Int32Array = new Int32Array(0);
  private bodyB: Int32Array = new Int32Array(0);
  private isStatic: ArrayLike<number> = [];

  /**
   * Fills `source` for contacts k < count, from their bodies, the bodies' static flags
   * (`isStatic[body]` ≠ 0), the normal impulses `impulse[3k]` (λ_n; λ_t at 3k + 1, 3k + 2 unread)
   * and the fractions `fraction[k]` (0: not placed). Returns whether any impulse is moved.
   */
  find(
    count: number,
    bodyA: Int32Array,
    bodyB: Int32Array,
    isStatic: ArrayLike<number>,
    impulse: ArrayLike<number>,
    fraction: ArrayLike<number>,
  ): boolean {
    if (this.source.length < count) this.source = new Int32Array(Math.max(count, 2 * this.source.length));
    const source = this.source;
    let any = false;
    for (let k = 0; k < count; k++) {
      const placed = fraction[k] > 0 && impulse[3 * k] > 0;
      source[k] = placed ? k : -1;
      if (placed) any = true;
    }
    this.bodyA = bodyA;
    this.bodyB = bodyB;
    this.isStatic = isStatic;
    if (!any) return false;
    let nbody = 0;
    for (let k = 0; k < count; k++) nbody = Math.max(nbody, bodyA[k] + 1, bodyB[k] + 1);
    if (this.parent.length < nbody) {
      this.parent = new Int32Array(Math.max(nbody, 2 * this.parent.length));
      this.earliest = new Int32Array(this.parent.length);
      this.second = new Int32Array(this.parent.length);
      this.movesOthers = new Uint8Array(this.parent.length);
    }
    const { parent, earliest, second, movesOthers } = this;
    for (let k = 0; k < count; k++) {
      parent[bodyA[k]] = bodyA[k];
      parent[bodyB[k]] = bodyB[k];
      earliest[bodyA[k]] = earliest[bodyB[k]] = -1;
      second[bodyA[k]] = second[bodyB[k]] = -1;
      movesOthers[bodyA[k]] = movesOthers[bodyB[k]] = 0;
    }
    for (let k = 0; k < count; k++) {
      const a = bodyA[k],
        b = bodyB[k];
      if (impulse[3 * k] > 0 && !isStatic[a] && !isStatic[b]) parent[this.root(a)] = this.root(b);
    }
    for (let k = 0; k < count; k++) {
      if (source[k] !== k) continue;
      const r = this.root(isStatic[bodyA[k]] ? bodyB[k] : bodyA[k]);
      const e = earliest[r];
      if (e < 0 || fraction[k] < fraction[e]) {
        second[r] = e;
        earliest[r] = k;
      } else if (second[r] < 0 || fraction[k] < fraction[second[r]]) second[r] = k;
    }
    for (let k = 0; k < count; k++) {
      const a = bodyA[k],
        b = bodyB[k];
      if (source[k] >= 0 || !(impulse[3 * k] > 0) || isStatic[a] || isStatic[b]) continue;
      const r = this.root(a);
      source[k] = earliest[r];
      movesOthers[r] = 1;
    }
    return true;
  }

  /**
   * After {@link find}: for a placed contact k that is its island's earliest while the island
   * moves impulses that are not placed themselves (so they take k's fraction), the island's
   * second-earliest placed contact, whose swap with k would move them by its fraction
   * instead (the decision `earliest impact`, decisions.ts); else −1.
   */
  runnerUp(k: number): number {
    if (this.source[k] !== k) return -1;
    const r = this.root(this.isStatic[this.bodyA[k]] ? this.bodyB[k] : this.bodyA[k]);
    return this.earliest[r] === k && this.movesOthers[r] === 1 ? this.second[r] : -1;
  }

  private root(i: number): number {
    return unionRoot(this.parent, i);
  }
}
