/**
 * Differentiable contact geometry: how each contact's (dist, normal, point) moves with
 * the body poses `bodyQ` and the shape sizes `geomSize`, for the FIXED features the
 * narrowphase chose (which corner, which end cap, which clamp branch: discrete, not
 * differentiated). Three faces over one set of formulas (geometry-features.ts):
 * - `contactGeometryAdjoint`: reverse mode, accumulating into q̄ and sizē;
 * - `contactGeometryTangent`: forward mode;
 * - `contactGeometryPrimitive`: a `customVjp` primitive over the flat
 *   `[bodyQ (7n) | geomSize (4n)]`, for geometry on the tape.
 *
 * Per contact, the 22 local inputs (both poses and both size rows) become leaves of a
 * nested trace and the feature formula runs once on it: exact derivatives by
 * construction (the formula repeats the narrowphase's arithmetic). That path is simple
 * and exact but records a few hundred scalar ops per contact, so the adjoint first tries
 * the pair's hand-written adjoint (its row's `fastAdjoint`, sim/pairs/: the loops of geometry-fast.ts (plane–sphere, plane–box corners,
 * plane–capsule end caps, sphere–sphere, sphere–capsule, capsule–capsule with
 * non-parallel axes; the tests hold them equal to the nested path)) and falls back to the
 * nested trace for everything else. The tangent and the primitive's jvp always take the
 * nested path (forward mode is not on the rollout's hot path).
 *
 * Layout of the geometry blocks (`gbar`, tangents, primitive outputs), c = contact count,
 * contact order of the buffer: `[dist (c) | normal (3c) | point (3c)]`.
 *
 * Kinks: the formulas' decisions (segment clamps, the parallel-axes rule, sphere–box
 * regions; see `GEOMETRY_DECISION_KINDS`) are reported by the primitive's forward and
 * tangent passes when their margin is below the sink's radius (kinks.ts `reportRadius`:
 * `KINK_REPORT_RADIUS` unless the sink sets its own, as the validity log does), labelled
 * `<A>/<B> <kind>`, e.g. `ball/rod segment clamp`. The label is built only then (rare),
 * so far-from-boundary contacts build no strings. The adjoint and the tangent functions
 * themselves report nothing (they are called after the decisions were made).
 */
import { customVjp, type KinkSink, type PrimitiveRule } from '../../ad/primitive.ts';
import { beginTrace, endTrace, leaf, MODE_FORWARD, type Real } from '../../ad/tape.ts';
import { add, mul } from '../../ad/ops.ts';
import { valueAndGrad } from '../../ad/transforms.ts';
import type { Contacts } from '../collision/contacts.ts';
import type { CollisionInput } from '../collision/types.ts';
import { SHAPE_NAMES } from '../shapes.ts';
import { checkFeature, featureGeometry } from '../pairs/table.ts';
import type { FastGeometryAdjoint } from './geometry-fast.ts';
import {
  FEATURE_INPUTS,
  FEATURE_OUTPUTS,
  GEOMETRY_DECISION_KINDS,
  LOCAL_POSE_B,
  LOCAL_SIZE_A,
  LOCAL_SIZE_B,
  UnsupportedGradientError,
  type DecisionSink,
} from './geometry-features.ts';
import { KINK_REPORT_RADIUS, reportRadius } from './kinks.ts';

/**
 * What the geometry reads from the model: `nbody`, `geomType`, and `bodyName` for messages
 * and kink labels. Its `geomSize` is NOT read: the sizes are an explicit (differentiated)
 * argument of every function here.
 */
export type GeometryInput = CollisionInput & { readonly bodyName?: readonly string[] };

/** The parts of a contact buffer that fix the features: which bodies, which feature id. */
export type ContactFeatures = Pick<Contacts, 'count' | 'bodyA' | 'bodyB' | 'pair'>;

// ---- per-contact setup --------------------------------------------------------------------

/** Local inputs of the contact being evaluated (module scratch, see FEATURE_INPUTS). */
const _x = new Array<number>(FEATURE_INPUTS).fill(0);
const _xdot = new Array<number>(FEATURE_INPUTS).fill(0);

/** Cotangent of one contact's [dist | normal | point] as stored, and in table order (fast path). */
const _weight = new Float64Array(FEATURE_OUTPUTS);
const _tableWeight = new Float64Array(FEATURE_OUTPUTS);

/** The contact being evaluated: its bodies in table order, and whether that swaps them. */
const _c = {
  first: 0,
  second: 0,
  typeFirst: 0,
  typeSecond: 0,
  swapped: false,
  feature: 0,
  fast: null as FastGeometryAdjoint | null,
};

/**
 * Decisions found while evaluating one contact, buffered: a nested trace is open while
 * the formula runs, and a kink must be recorded on the caller's trace, after it closes.
 */
const _pendingMargin: number[] = [];
const _pendingKind: number[] = [];
/** The radius of the sink being reported to (kinks.ts `reportRadius`: the validity log asks for all). */
let _collectRadius = KINK_REPORT_RADIUS;
const _collect: DecisionSink = {
  decision(margin: number, kind: number): void {
    if (margin < _collectRadius) {
      _pendingMargin.push(margin);
      _pendingKind.push(kind);
    }
  },
};

function bodyName(input: GeometryInput, i: number): string {
  return input.bodyName?.[i] ?? `body ${i}`;
}

/** Report the buffered decisions of contact k to `kinks` and empty the buffer. */
function flushDecisions(input: GeometryInput, contacts: ContactFeatures, k: number, kinks: KinkSink): void {
  for (let j = 0; j < _pendingMargin.length; j++) {
    const label = `${bodyName(input, contacts.bodyA[k])}/${bodyName(input, contacts.bodyB[k])} ${GEOMETRY_DECISION_KINDS[_pendingKind[j]]}`;
    kinks.kink(_pendingMargin[j], label);
  }
  _pendingMargin.length = 0;
  _pendingKind.length = 0;
}

/** Fill `_c` for contact k and check that its pair and feature are supported. */
function setupContact(input: GeometryInput, contacts: ContactFeatures, k: number): void {
  const a = contacts.bodyA[k],
    b = contacts.bodyB[k];
  const typeA = input.geomType[a],
    typeB = input.geomType[b];
  // collidePair runs the table entry with the lower type first, then flips the normal
  const swapped = typeA > typeB;
  _c.first = swapped ? b : a;
  _c.second = swapped ? a : b;
  _c.typeFirst = swapped ? typeB : typeA;
  _c.typeSecond = swapped ? typeA : typeB;
  _c.swapped = swapped;
  _c.feature = contacts.pair[k];
  try {
    _c.fast = checkFeature(_c.typeFirst, _c.typeSecond, _c.feature).fastAdjoint;
  } catch (err) {
    throw named(err, input, a, b);
  }
}

/** An UnsupportedGradientError rebuilt in the contact's body order, with body names. */
function named(err: unknown, input: GeometryInput, a: number, b: number): unknown {
  if (!(err instanceof UnsupportedGradientError)) return err;
  const shapeA = SHAPE_NAMES[input.geomType[a]] ?? `type ${input.geomType[a]}`;
  const shapeB = SHAPE_NAMES[input.geomType[b]] ?? `type ${input.geomType[b]}`;
  return new UnsupportedGradientError(shapeA, shapeB, err.reason, [bodyName(input, a), bodyName(input, b)]);
}

/** Copy the contact's 22 local inputs (and their tangents, if `dot` given) into scratch. */
function gatherLocal(bodyQ: Float64Array, geomSize: Float64Array, out: number[]): void {
  const f = _c.first,
    s = _c.second;
  for (let j = 0; j < 7; j++) {
    out[j] = bodyQ[7 * f + j];
    out[LOCAL_POSE_B + j] = bodyQ[7 * s + j];
  }
  for (let j = 0; j < 4; j++) {
    out[LOCAL_SIZE_A + j] = geomSize[4 * f + j];
    out[LOCAL_SIZE_B + j] = geomSize[4 * s + j];
  }
}

/** Run the formula of the contact in `_c` on `x`, decisions to `sink`; normal flipped if swapped. */
function evaluate(
  x: readonly Real[],
  sink: DecisionSink | null,
  input: GeometryInput,
  contacts: ContactFeatures,
  k: number,
): Real[] {
  let y: Real[];
  try {
    y = featureGeometry(_c.typeFirst, _c.typeSecond, _c.feature, x, sink);
  } catch (err) {
    throw named(err, input, contacts.bodyA[k], contacts.bodyB[k]);
  }
  if (_c.swapped) {
    for (let i = 1; i < 4; i++) y[i] = mul(-1, y[i]);
  }
  return y;
}

function checkSizes(
  input: GeometryInput,
  contacts: ContactFeatures,
  bodyQ: Float64Array,
  geomSize: Float64Array,
  what: string,
): void {
  const n = input.nbody;
  if (bodyQ.length < 7 * n || geomSize.length < 4 * n) {
    throw new RangeError(
      `${what}: bodyQ needs ${7 * n} and geomSize ${4 * n} entries, got ${bodyQ.length} and ${geomSize.length}`,
    );
  }
  if (!(contacts.count >= 0 && contacts.count <= contacts.bodyA.length)) {
    throw new RangeError(`${what}: contact count ${contacts.count} outside the buffer (${contacts.bodyA.length})`);
  }
}

/** Write contact k's outputs y (numbers or Reals' values) into the blocks of `out`. */
function scatterOutputs(out: Float64Array, count: number, k: number, y: readonly number[]): void {
  out[k] = y[0];
  for (let i = 0; i < 3; i++) {
    out[count + 3 * k + i] = y[1 + i];
    out[4 * count + 3 * k + i] = y[4 + i];
  }
}

// ---- the faces ------------------------------------------------------------------------------

/**
 * The geometry of the fixed features at `bodyQ`, `geomSize`, written to `out` as
 * `[dist (c) | normal (3c) | point (3c)]`: for the poses the narrowphase saw, its own
 * values, bit for bit. Decisions near their boundary go to `kinks` when given.
 *
 * @example
 * const geom = contactGeometryValues(model, contacts, state.bodyQ, model.geomSize, new Float64Array(7 * contacts.count));
 */
export function contactGeometryValues(
  input: GeometryInput,
  contacts: ContactFeatures,
  bodyQ: Float64Array,
  geomSize: Float64Array,
  out: Float64Array,
  kinks: KinkSink | null = null,
): Float64Array {
  checkSizes(input, contacts, bodyQ, geomSize, 'contactGeometryValues');
  const count = contacts.count;
  if (out.length < FEATURE_OUTPUTS * count)
    throw new RangeError(`contactGeometryValues: out needs ${FEATURE_OUTPUTS * count} entries`);
  _collectRadius = kinks === null ? KINK_REPORT_RADIUS : reportRadius(kinks);
  for (let k = 0; k < count; k++) {
    setupContact(input, contacts, k);
    gatherLocal(bodyQ, geomSize, _x);
    const y = evaluate(_x, kinks === null ? null : _collect, input, contacts, k) as number[];
    if (kinks !== null) flushDecisions(input, contacts, k, kinks);
    scatterOutputs(out, count, k, y);
  }
  return out;
}

/**
 * Reverse mode of the contact geometry: with `gbar` the cotangent of the geometry blocks
 * `[dist (c) | normal (3c) | point (3c)]`, ACCUMULATES q̄ += (∂geom/∂bodyQ)ᵀ ḡ into `qbar`
 * (nbody×7) and sizē += (∂geom/∂geomSize)ᵀ ḡ into `sizeBar` (nbody×4). The features are
 * those in `contacts` (bodies, feature ids), evaluated at `bodyQ`, `geomSize`; contacts
 * whose cotangents are all zero are skipped. The common features run hand-written adjoint
 * loops (geometry-fast.ts), the others a nested trace. Throws {@link UnsupportedGradientError} for a
 * contact of a pair without a formula (box–box, box–capsule) or at a fallback normal.
 *
 * @example
 * const qbar = new Float64Array(7 * model.nbody), sizeBar = new Float64Array(4 * model.nbody);
 * contactGeometryAdjoint(model, contacts, state.bodyQ, model.geomSize, gbar, qbar, sizeBar);
 */
export function contactGeometryAdjoint(
  input: GeometryInput,
  contacts: ContactFeatures,
  bodyQ: Float64Array,
  geomSize: Float64Array,
  gbar: Float64Array,
  qbar: Float64Array,
  sizeBar: Float64Array,
): void {
  checkSizes(input, contacts, bodyQ, geomSize, 'contactGeometryAdjoint');
  const count = contacts.count;
  const n = input.nbody;
  if (gbar.length < FEATURE_OUTPUTS * count || qbar.length < 7 * n || sizeBar.length < 4 * n) {
    throw new RangeError(
      `contactGeometryAdjoint: gbar needs ${FEATURE_OUTPUTS * count}, qbar ${7 * n}, sizeBar ${4 * n} entries`,
    );
  }
  for (let k = 0; k < count; k++) {
    let any = false;
    _weight[0] = gbar[k];
    for (let i = 0; i < 3; i++) {
      _weight[1 + i] = gbar[count + 3 * k + i];
      _weight[4 + i] = gbar[4 * count + 3 * k + i];
    }
    for (let i = 0; i < FEATURE_OUTPUTS; i++) any ||= _weight[i] !== 0;
    if (!any) continue;
    setupContact(input, contacts, k);
    // the fast path takes the cotangent in table order: the stored normal is negated if swapped
    const flip = _c.swapped ? -1 : 1;
    for (let i = 0; i < FEATURE_OUTPUTS; i++) _tableWeight[i] = i >= 1 && i <= 3 ? flip * _weight[i] : _weight[i];
    if (_c.fast !== null && _c.fast(_c.feature, _c.first, _c.second, bodyQ, geomSize, _tableWeight, qbar, sizeBar)) {
      continue;
    }
    gatherLocal(bodyQ, geomSize, _x);
    // the scalar ḡ·geom on a nested reverse trace, its gradient over the 22 local inputs
    const { grad } = valueAndGrad((x) => {
      const y = evaluate(x, null, input, contacts, k);
      let s: Real = 0;
      for (let i = 0; i < FEATURE_OUTPUTS; i++) if (_weight[i] !== 0) s = add(s, mul(_weight[i], y[i]));
      return s;
    }, _x);
    const f = _c.first,
      s = _c.second;
    for (let j = 0; j < 7; j++) {
      qbar[7 * f + j] += grad[j];
      qbar[7 * s + j] += grad[LOCAL_POSE_B + j];
    }
    for (let j = 0; j < 4; j++) {
      sizeBar[4 * f + j] += grad[LOCAL_SIZE_A + j];
      sizeBar[4 * s + j] += grad[LOCAL_SIZE_B + j];
    }
  }
}

/**
 * Forward mode of the contact geometry: the tangent of the geometry blocks
 * `[dist (c) | normal (3c) | point (3c)]` along (bodyQDot nbody×7, geomSizeDot nbody×4),
 * written to `out` and returned; the values go to `valuesOut` when given. One forward
 * pass per contact. Same features and errors as {@link contactGeometryAdjoint}.
 *
 * @example
 * const dgeom = contactGeometryTangent(model, contacts, q, model.geomSize, qdot, sizeDot, new Float64Array(7 * contacts.count));
 */
export function contactGeometryTangent(
  input: GeometryInput,
  contacts: ContactFeatures,
  bodyQ: Float64Array,
  geomSize: Float64Array,
  bodyQDot: Float64Array,
  geomSizeDot: Float64Array,
  out: Float64Array,
  valuesOut: Float64Array | null = null,
  kinks: KinkSink | null = null,
): Float64Array {
  checkSizes(input, contacts, bodyQ, geomSize, 'contactGeometryTangent');
  checkSizes(input, contacts, bodyQDot, geomSizeDot, 'contactGeometryTangent (tangents)');
  const count = contacts.count;
  if (out.length < FEATURE_OUTPUTS * count || (valuesOut !== null && valuesOut.length < FEATURE_OUTPUTS * count)) {
    throw new RangeError(`contactGeometryTangent: out needs ${FEATURE_OUTPUTS * count} entries`);
  }
  const yv = new Array<number>(FEATURE_OUTPUTS);
  const yt = new Array<number>(FEATURE_OUTPUTS);
  _collectRadius = kinks === null ? KINK_REPORT_RADIUS : reportRadius(kinks);
  for (let k = 0; k < count; k++) {
    setupContact(input, contacts, k);
    gatherLocal(bodyQ, geomSize, _x);
    gatherLocal(bodyQDot, geomSizeDot, _xdot);
    beginTrace(MODE_FORWARD);
    try {
      const leaves: Real[] = _x.map((v, j) => leaf(v, _xdot[j]));
      const y = evaluate(leaves, kinks === null ? null : _collect, input, contacts, k);
      for (let i = 0; i < FEATURE_OUTPUTS; i++) {
        const yi = y[i];
        yv[i] = typeof yi === 'number' ? yi : yi.v;
        yt[i] = typeof yi === 'number' ? 0 : yi.t;
      }
    } finally {
      endTrace();
    }
    if (kinks !== null) flushDecisions(input, contacts, k, kinks);
    scatterOutputs(out, count, k, yt);
    if (valuesOut !== null) scatterOutputs(valuesOut, count, k, yv);
  }
  return out;
}

/**
 * Flat input of {@link contactGeometryPrimitive}: `[bodyQ (7n) | geomSize (4n)]`.
 *
 * @example
 * const geom = contactGeometryPrimitive(model, contacts)(Array.from(contactGeometryInputs(q, model.geomSize)));
 */
export function contactGeometryInputs(bodyQ: Float64Array, geomSize: Float64Array): Float64Array {
  const x = new Float64Array(bodyQ.length + geomSize.length);
  x.set(bodyQ, 0);
  x.set(geomSize, bodyQ.length);
  return x;
}

/**
 * The contact geometry as an AD primitive (one tape entry) from the flat
 * `[bodyQ (7n) | geomSize (4n)]` to `[dist (c) | normal (3c) | point (3c)]`. The features
 * (count, bodies, feature ids) are copied from `contacts` now, so the buffer may be
 * refilled afterwards; the forward pass re-evaluates those features (it does not re-run
 * the collision pass). Every contact's pair must be supported: throws
 * {@link UnsupportedGradientError} here otherwise.
 *
 * @example
 * const geometry = contactGeometryPrimitive(model, contacts);
 * const g = ad.valueAndGrad((x) => geometry(x)[0], Array.from(contactGeometryInputs(q, model.geomSize)));
 * // g.grad: ∂dist₀/∂bodyQ then ∂dist₀/∂geomSize
 */
export function contactGeometryPrimitive(
  input: GeometryInput,
  contacts: ContactFeatures,
): (x: readonly Real[]) => Real[] {
  return customVjp(contactGeometryRule(input, contacts));
}

/**
 * The rule behind {@link contactGeometryPrimitive}, for callers that compose kernels'
 * adjoints by hand without a tape (sim/hard/step-adjoint.ts). Its residual is its input
 * (step-adjoint.ts relies on that to call `bwd` without `fwd`).
 */
export function contactGeometryRule(input: GeometryInput, contacts: ContactFeatures): PrimitiveRule<Float64Array> {
  const features: ContactFeatures = {
    count: contacts.count,
    bodyA: contacts.bodyA.slice(0, contacts.count),
    bodyB: contacts.bodyB.slice(0, contacts.count),
    pair: contacts.pair.slice(0, contacts.count),
  };
  for (let k = 0; k < features.count; k++) setupContact(input, features, k);
  const n = input.nbody;
  const nq = 7 * n,
    nIn = 11 * n;
  const nOut = FEATURE_OUTPUTS * features.count;
  const check = (x: Float64Array): void => {
    if (x.length !== nIn)
      throw new RangeError(
        `contact geometry primitive: input has ${x.length} entries, expected ${nIn} (7·nbody + 4·nbody)`,
      );
  };
  return {
    name: 'contact geometry',
    fwd(x, kinks) {
      check(x);
      const y = contactGeometryValues(
        input,
        features,
        x.subarray(0, nq),
        x.subarray(nq),
        new Float64Array(nOut),
        kinks,
      );
      return [y, x];
    },
    bwd(x, ybar) {
      const xbar = new Float64Array(nIn);
      contactGeometryAdjoint(
        input,
        features,
        x.subarray(0, nq),
        x.subarray(nq),
        ybar,
        xbar.subarray(0, nq),
        xbar.subarray(nq),
      );
      return xbar;
    },
    jvp(x, xdot, kinks) {
      check(x);
      const y = new Float64Array(nOut);
      const ydot = new Float64Array(nOut);
      contactGeometryTangent(
        input,
        features,
        x.subarray(0, nq),
        x.subarray(nq),
        xdot.subarray(0, nq),
        xdot.subarray(nq),
        ydot,
        y,
        kinks,
      );
      return [y, ydot];
    },
  };
}
