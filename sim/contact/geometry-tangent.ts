/**
 * Forward mode of the contact geometry (geometry.ts) along several directions at once.
 *
 * A contact's [dist, normal (3), point (3)] depends on 22 local inputs (both bodies' poses
 * and size rows), so its local Jacobian (7 × 22) is built once per contact from seven
 * reverse passes of `contactGeometryAdjoint` (the hand-written fast adjoints of the common
 * pairs, called directly; the nested trace otherwise) and then applied to every
 * direction: seven small pullbacks per contact whatever the number of directions, where
 * `contactGeometryTangent` runs a nested forward trace per contact and direction. Only the
 * Jacobian's columns that are nonzero and whose input moves in some direction are applied,
 * and contacts whose bodies carry no tangent in any direction are skipped. A pair whose
 * row has a `fastTangent` (the ball pairs, geometry-tangent-fast.ts) takes its tangents
 * directly, without the Jacobian: the contacts of ball scenes.
 */
import { pairOf } from '../pairs/table.ts';
import type { ContactFeatures, GeometryInput } from './geometry.ts';
import { contactGeometryAdjoint } from './geometry.ts';
import { FEATURE_OUTPUTS } from './geometry-features.ts';
import type { TangentBlock } from './geometry-tangent-fast.ts';

/** Floats per body of a pose and of a size row. */
const POSE = 7;
const SIZE = 4;

interface Scratch {
  nbody: number;
  one: { count: number; bodyA: Int32Array; bodyB: Int32Array; pair: Int32Array };
  gbar: Float64Array;
  qbar: Float64Array;
  sizeBar: Float64Array;
  /** the local Jacobian of the current contact: per output, [pose a (7) | pose b (7) | size a (4) | size b (4)] */
  jac: Float64Array;
  /** the unit cotangent in the pair row's order (normal negated when the contact is stored swapped) */
  w: Float64Array;
  /** the columns applied: their index in a Jacobian row, and where their input's tangent is */
  cols: Int32Array;
  inState: Uint8Array;
  at: Int32Array;
  /** the arguments handed to a row's fastTangent (filled per call, never reallocated) */
  block: TangentBlock;
}
let _scratch: Scratch | null = null;
const NONE = new Float64Array(0);

function scratchFor(nbody: number): Scratch {
  if (_scratch === null || _scratch.nbody !== nbody) {
    _scratch = {
      nbody,
      one: { count: 1, bodyA: new Int32Array(1), bodyB: new Int32Array(1), pair: new Int32Array(1) },
      gbar: new Float64Array(FEATURE_OUTPUTS),
      qbar: new Float64Array(POSE * nbody),
      sizeBar: new Float64Array(SIZE * nbody),
      jac: new Float64Array(FEATURE_OUTPUTS * 2 * (POSE + SIZE)),
      w: new Float64Array(FEATURE_OUTPUTS),
      cols: new Int32Array(2 * (POSE + SIZE)),
      inState: new Uint8Array(2 * (POSE + SIZE)),
      at: new Int32Array(2 * (POSE + SIZE)),
      block: { count: 0, dirs: 0, stateDot: NONE, stateStride: 0, sizeDot: NONE, sizeStride: 0, out: NONE },
    };
  }
  return _scratch;
}

/** Whether body `b` has a nonzero pose or size tangent in some direction. */
function moves(
  b: number,
  dirs: number,
  stateDot: Float64Array,
  stateStride: number,
  sizeDot: Float64Array,
  sizeStride: number,
): boolean {
  for (let j = 0; j < dirs; j++) {
    for (let k = 0; k < POSE; k++) if (stateDot[j * stateStride + POSE * b + k] !== 0) return true;
    for (let k = 0; k < SIZE; k++) if (sizeDot[j * sizeStride + SIZE * b + k] !== 0) return true;
  }
  return false;
}

/**
 * The geometry tangents of every contact along `dirs` directions into `out` (dirs × 7c,
 * each direction's block `[ḋ (c) | ṅ (3c) | ṗ (3c)]`, overwritten). Direction j's pose
 * tangents are `stateDot[j·stateStride ..]` (nbody×7), its size tangents
 * `sizeDot[j·sizeStride ..]` (nbody×4). Same features and errors as `contactGeometryAdjoint`.
 * `moving`, when given, holds per body 1 where some direction moves its pose or size (else
 * read off the tangents here, contact by contact).
 *
 * @example
 * contactGeometryTangents(model, contacts, q, model.geomSize, 8, stateDot, 13 * n, sizeDot, 4 * n, out);
 */
export function contactGeometryTangents(
  input: GeometryInput,
  contacts: ContactFeatures,
  bodyQ: Float64Array,
  geomSize: Float64Array,
  dirs: number,
  stateDot: Float64Array,
  stateStride: number,
  sizeDot: Float64Array,
  sizeStride: number,
  out: Float64Array,
  moving: Uint8Array | null = null,
): Float64Array {
  const c = contacts.count;
  const os = FEATURE_OUTPUTS * c;
  out.fill(0, 0, dirs * os);
  if (c === 0) return out;
  const sc = scratchFor(input.nbody);
  const block = sc.block;
  block.count = c;
  block.dirs = dirs;
  block.stateDot = stateDot;
  block.stateStride = stateStride;
  block.sizeDot = sizeDot;
  block.sizeStride = sizeStride;
  block.out = out;
  const { one, gbar, qbar, sizeBar, jac, w, cols, inState, at } = sc;
  const row = 2 * (POSE + SIZE);
  for (let k = 0; k < c; k++) {
    const a = contacts.bodyA[k],
      b = contacts.bodyB[k];
    const aMoves = moving !== null ? moving[a] === 1 : moves(a, dirs, stateDot, stateStride, sizeDot, sizeStride);
    const bMoves = moving !== null ? moving[b] === 1 : moves(b, dirs, stateDot, stateStride, sizeDot, sizeStride);
    if (!aMoves && !bMoves) continue;
    // the pair row's hand-written tangent or adjoint, in the row's body order (collidePair's: lower type first)
    const typeA = input.geomType[a],
      typeB = input.geomType[b];
    const swapped = typeA > typeB;
    const first = swapped ? b : a,
      second = swapped ? a : b;
    const pair = pairOf(typeA, typeB);
    const tangent = pair === null ? null : pair.fastTangent;
    if (tangent !== null && tangent(contacts.pair[k], first, second, swapped ? -1 : 1, k, bodyQ, geomSize, block))
      continue;
    qbar.fill(0, POSE * a, POSE * a + POSE);
    qbar.fill(0, POSE * b, POSE * b + POSE);
    sizeBar.fill(0, SIZE * a, SIZE * a + SIZE);
    sizeBar.fill(0, SIZE * b, SIZE * b + SIZE);
    const fast = pair === null ? null : pair.fastAdjoint;
    let viaFast = fast !== null;
    // the local Jacobian, one output (a unit cotangent) at a time
    for (let o = 0; o < FEATURE_OUTPUTS; o++) {
      if (viaFast) {
        w.fill(0);
        w[o] = swapped && o >= 1 && o <= 3 ? -1 : 1;
        viaFast = (fast as NonNullable<typeof fast>)(
          contacts.pair[k],
          first,
          second,
          bodyQ,
          geomSize,
          w,
          qbar,
          sizeBar,
        );
        // a configuration the fast adjoint does not cover touched nothing: the general path from here on
      }
      if (!viaFast) {
        one.bodyA[0] = a;
        one.bodyB[0] = b;
        one.pair[0] = contacts.pair[k];
        gbar.fill(0);
        gbar[o] = 1;
        contactGeometryAdjoint(input, one, bodyQ, geomSize, gbar, qbar, sizeBar);
      }
      const r = o * row;
      for (let i = 0; i < POSE; i++) {
        jac[r + i] = qbar[POSE * a + i];
        jac[r + POSE + i] = qbar[POSE * b + i];
        qbar[POSE * a + i] = qbar[POSE * b + i] = 0;
      }
      for (let i = 0; i < SIZE; i++) {
        jac[r + 2 * POSE + i] = sizeBar[SIZE * a + i];
        jac[r + 2 * POSE + SIZE + i] = sizeBar[SIZE * b + i];
        sizeBar[SIZE * a + i] = sizeBar[SIZE * b + i] = 0;
      }
    }
    // the columns worth applying: nonzero, of a body that moves
    let nc = 0;
    for (let i = 0; i < row; i++) {
      const ofB = i < POSE ? false : i < 2 * POSE ? true : i < 2 * POSE + SIZE ? false : true;
      if (!(ofB ? bMoves : aMoves)) continue;
      let nonzero = false;
      for (let o = 0; o < FEATURE_OUTPUTS && !nonzero; o++) nonzero = jac[o * row + i] !== 0;
      if (!nonzero) continue;
      cols[nc] = i;
      const pose = i < 2 * POSE;
      inState[nc] = pose ? 1 : 0;
      at[nc] = pose ? POSE * (ofB ? b : a) + (i % POSE) : SIZE * (ofB ? b : a) + ((i - 2 * POSE) % SIZE);
      nc++;
    }
    for (let j = 0; j < dirs; j++) {
      const qo = j * stateStride,
        so = j * sizeStride;
      for (let o = 0; o < FEATURE_OUTPUTS; o++) {
        const r = o * row;
        let t = 0;
        for (let m = 0; m < nc; m++) {
          t += jac[r + cols[m]] * (inState[m] === 1 ? stateDot[qo + at[m]] : sizeDot[so + at[m]]);
        }
        // [dist (c) | normal (3c) | point (3c)]
        const slot = o === 0 ? k : o < 4 ? c + 3 * k + (o - 1) : 4 * c + 3 * k + (o - 4);
        out[j * os + slot] = t;
      }
    }
  }
  return out;
}
