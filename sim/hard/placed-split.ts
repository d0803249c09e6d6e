/**
 * A step that places an impact, split by connected components (union–find over the dynamic
 * bodies of the contacts that carry an impulse or place an impact): the placed impacts'
 * components, and the rest. The placed step's tangent (step-tangent-placed.ts) takes the
 * rest by the hand tangent and the placed components' bodies by rows of their pullback.
 *
 * Why it is exact: contacts couple bodies only through shared dynamic bodies, so a step's
 * derivatives split by connected components. A body's pose and velocity after the step
 * depend on the state and parameters only through its own component's contacts, and each
 * component's part of the step is the step of a record holding just those contacts. An
 * idle contact (no impulse, no placed impact) has no derivative of its own: the solve's
 * adjoint drops it (λ = 0), and a body it touches moves with v⁺ = v*, the free flight, in
 * either part. So with ȳ split the same way (the placed components' bodies, and the rest),
 *
 *   (∂step/∂x)ᵀȳ = (∂step_placed/∂x)ᵀȳ_placed + (∂step_rest/∂x)ᵀȳ_rest
 *
 * (the tests' oracle, test/sim/hard/oracle/placed-pullback.ts, pulls the placed part back
 * through the trace of its few bodies this way).
 */
import { createContacts } from '../collision/contacts.ts';
import type { HardStepRecord } from './record.ts';
import { unionRoot } from '../math/union-find.ts';

/** An empty record with room for `capacity` contacts. */
function emptyRecord(capacity: number): HardStepRecord {
  return {
    contacts: createContacts(capacity),
    impulse: new Float64Array(3 * capacity),
    bounced: new Uint8Array(capacity),
    impactFraction: new Float64Array(capacity),
    pseudo: new Float64Array(0),
    moved: false,
    positionActive: new Uint8Array(capacity),
  };
}

/**
 * Whether contact k ties its bodies' derivatives together: it carries an impulse, or it
 * places an impact. An idle contact (impulse 0: λ = 0, so the solve's adjoint drops it and
 * its geometry pulls back nothing) leaves each body's step that of its other contacts.
 */
function couples(rec: HardStepRecord, k: number): boolean {
  const P = rec.impulse;
  return (
    rec.impactFraction[k] > 0 ||
    rec.positionActive[k] !== 0 ||
    P[3 * k] !== 0 ||
    P[3 * k + 1] !== 0 ||
    P[3 * k + 2] !== 0
  );
}

/** Append contact k of `from` to `to` (room checked by the caller). */
function appendContact(from: HardStepRecord, k: number, to: HardStepRecord): void {
  const src = from.contacts,
    dst = to.contacts;
  const j = dst.count++;
  dst.bodyA[j] = src.bodyA[k];
  dst.bodyB[j] = src.bodyB[k];
  dst.pair[j] = src.pair[k];
  dst.dist[j] = src.dist[k];
  for (let i = 0; i < 3; i++) {
    dst.normal[3 * j + i] = src.normal[3 * k + i];
    dst.point[3 * j + i] = src.point[3 * k + i];
    to.impulse[3 * j + i] = from.impulse[3 * k + i];
  }
  to.bounced[j] = from.bounced[k];
  to.impactFraction[j] = from.impactFraction[k];
  to.positionActive[j] = from.positionActive[k];
}

/**
 * Splits records by placed-impact components into reusable records (read each split before
 * the next).
 *
 * @example
 * const split = splitter.split(rec);
 * // split.placed: the impacts' components; split.rest: the other contacts; split.inPlaced[b]
 */
export class PlacedSplitter {
  /** the placed components' contacts */
  placed = emptyRecord(0);
  /** every other contact */
  rest = emptyRecord(0);
  /** (nbody) 1 for a dynamic body of a placed component */
  readonly inPlaced: Uint8Array;
  private readonly parent: Int32Array;
  private readonly placedRoot: Uint8Array;

  constructor(private readonly isStatic: Uint8Array) {
    const n = isStatic.length;
    this.inPlaced = new Uint8Array(n);
    this.parent = new Int32Array(n);
    this.placedRoot = new Uint8Array(n);
  }

  split(rec: HardStepRecord): this {
    const c = rec.contacts.count;
    if (this.placed.contacts.capacity < c) {
      const capacity = Math.max(c, 2 * this.placed.contacts.capacity);
      this.placed = emptyRecord(capacity);
      this.rest = emptyRecord(capacity);
    }
    const { isStatic, parent, placedRoot, inPlaced } = this;
    const n = parent.length;
    for (let b = 0; b < n; b++) parent[b] = b;
    const { bodyA, bodyB } = rec.contacts;
    for (let k = 0; k < c; k++) {
      const a = bodyA[k],
        b = bodyB[k];
      if (couples(rec, k) && !isStatic[a] && !isStatic[b]) parent[this.root(a)] = this.root(b);
    }
    placedRoot.fill(0);
    let places = false;
    for (let k = 0; k < c; k++) {
      if (rec.impactFraction[k] > 0) {
        placedRoot[this.root(isStatic[bodyA[k]] ? bodyB[k] : bodyA[k])] = 1;
        places = true;
      }
    }
    // a step that places an impact differentiates its whole drift correction (position-adjoint.ts):
    // the components it pushes go with the impacts'
    for (let k = 0; places && k < c; k++) {
      if (rec.positionActive[k]) placedRoot[this.root(isStatic[bodyA[k]] ? bodyB[k] : bodyA[k])] = 1;
    }
    for (let b = 0; b < n; b++) inPlaced[b] = !isStatic[b] && placedRoot[this.root(b)] ? 1 : 0;
    for (const part of [this.placed, this.rest]) {
      part.contacts.count = 0;
      part.pseudo = rec.pseudo;
      part.moved = rec.moved;
    }
    for (let k = 0; k < c; k++) {
      // a placed component's contact (an idle contact to a body outside it pulls back nothing)
      const a = bodyA[k],
        b = bodyB[k];
      const placed = (isStatic[a] || inPlaced[a]) && (isStatic[b] || inPlaced[b]);
      appendContact(rec, k, placed ? this.placed : this.rest);
    }
    return this;
  }

  private root(i: number): number {
    return unionRoot(this.parent, i);
  }
}
