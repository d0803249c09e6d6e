/**
 * Checkpointed scan: the gradient of a T-step loop in O(√T) memory, bit-identical to the
 * gradient of the same loop recorded step by step on the plain tape.
 *
 *   scan :: (step, s₀, θ, T) -> s_T      with s_{t+1} = step(s_t, θ, t)
 *
 * The plain tape keeps every op of every step until the sweep: O(T) entries. The scan is
 * instead one primitive on the enclosing tape:
 *
 * - forward: record each segment of k ≈ √T steps on a nested tape, keep only the state it
 *   ends in (its values, which components are traced and which are the same `Var`) as
 *   the next segment's checkpoint, and drop the tape;
 * - backward: for each segment, last to first, re-record its k steps on a nested tape from
 *   its checkpoint, seed the segment's outputs with the cotangent carried back from later
 *   segments, sweep, and carry the adjoint of its starting state on to the segment before.
 *
 * Bitwise equality with the plain tape. A sweep adds each consumer's contribution to an
 * adjoint in decreasing tape order; floating-point addition is not associative, so the
 * checkpointed sweep must perform the same additions in the same order, not merely the
 * same sum. Three things make it so:
 * - every traced input (each distinct tape slot among `init` and `params`) is one leaf in
 *   every segment, seeded with the running total carried from the later segments and from
 *   the code after the scan, rather than summed per segment and added up afterwards;
 *   the backward rule reads that total from the outer adjoint buffer and clears it there,
 *   so the sweep's `adj[input] += x̄` becomes `0 + total`, which is exact;
 * - at each segment boundary a traced state component is one leaf per distinct plain-tape
 *   slot: components that are the same `Var` (a `where` that passes a value through)
 *   share a leaf, a component that is a traced input passed through is that input's leaf,
 *   and a component that is a plain number stays a number, as it would on the plain tape;
 * - outputs follow the same rule: an output that is an input passed through is returned as
 *   that very input, outputs that are one `Var` share one output slot.
 * Each leaf's running sum therefore sees exactly the contributions, and in exactly the
 * order, that its slot sees on the plain tape (and 0 + x === x for the seeds).
 *
 * Why traced inputs must come in through `params`: the reverse pass re-runs `step` on a
 * fresh tape long after the enclosing function returned. A traced `Real` captured from an
 * enclosing scope belongs to the outer tape and cannot be re-recorded there: its gradient
 * would be lost, or worse, written into an unrelated slot of the nested tape. The nested
 * tapes therefore start their own entries above every slot of the outer tape, and any op
 * whose parent falls below that line (a captured outer `Var`) raises a
 * `CheckpointCaptureError` in the forward pass. A `Var` kept in a closure across steps is
 * not reliably caught (only when its stale slot lies at or after the op reading it): don't.
 *
 * Kinks are recorded during the forward pass (on a real tape, so the non-smooth ops see
 * traced inputs exactly as on the plain tape) and copied into the outer trace's kink log
 * with their full labels, once per segment; those the recomputation records again are
 * dropped with its tape. The kink report is the plain tape's, entry for entry, and is
 * complete before any sweep (as `vjp` needs).
 *
 * Forward mode (jvp) and untraced calls need no memory saving: the steps just run.
 */
import {
  MODE_REVERSE,
  OP_PRIM_CALL,
  T,
  Var,
  beginTrace,
  endTrace,
  leaf,
  locateReverseNonFinite,
  opName,
  recordKink,
  recordPrimitive,
  reserve,
  resetAdjoint,
  seedAdjoint,
  sweep,
  type Real,
} from './tape.ts';

/**
 * One step of a scan: the next state from the current one. Written with ad ops; every
 * traced value it reads must arrive through `state` or `params` (see the module comment).
 * `t` is the step index, 0 … T − 1.
 */
export type ScanStep = (state: Real[], params: Real[], t: number) => Real[];

/** What a checkpointed scan stored and recomputed (filled in as it runs). */
export interface CheckpointStats {
  /** steps per segment, k */
  segmentLength: number;
  /** ⌈T / k⌉ segments */
  segments: number;
  /** state vectors kept from the forward to the reverse pass: one per segment start */
  storedStates: number;
  /** most tape entries one segment's nested tape held at once (its own entries only) */
  peakSegmentEntries: number;
  /** steps re-run by reverse sweeps so far (T per sweep that reaches the scan) */
  recomputedSteps: number;
}

export interface CheckpointOptions {
  /** steps per segment, k (default ⌈√T⌉, which minimises stored states + segment tape) */
  segment?: number;
  /**
   * Filled in with the scan's memory figures: the segmentation at the call, the
   * recomputation counts as reverse sweeps run. Untraced and forward-mode calls store
   * nothing and report `storedStates: 0`.
   */
  stats?: CheckpointStats;
}

/** `step` read a traced Real that did not come in through its arguments. */
export class CheckpointCaptureError extends Error {
  constructor(t: number) {
    super(
      `ad.checkpointedScan: step ${t} used a traced Real that was not passed in 'state' or 'params' ` +
        '(captured from an enclosing scope, or kept from an earlier step). The reverse pass re-runs ' +
        'step on a fresh tape, so every traced value step reads must arrive through its arguments: ' +
        'add it to params.',
    );
    this.name = 'CheckpointCaptureError';
  }
}

// A component of a state at a segment boundary, as stored in an Int32Array:
const REF_NUMBER = -1; // a plain number (its value is stored alongside)
// REF_INPUT - q, q ≥ 0: the traced input with index q (a distinct slot of init/params)
const REF_INPUT = -2;
// j ≥ 0: a traced value first seen at component j (j itself, or an earlier component
// that is the same Var)

/**
 * Run `steps` steps of `step` from `init` and return the final state, storing only one
 * state per segment of `segment` steps for the reverse pass and recomputing each segment
 * when its gradient is needed. Gradients are bitwise equal to those of the plain loop
 * `for (t…) state = step(state, params, t)`, and so is the kink report.
 *
 * Memory: ⌈T/k⌉ stored states plus one segment's tape, O(√T) at the default k = ⌈√T⌉.
 * Time: one extra recording pass (each step is recorded twice, swept once): about 2× the
 * plain gradient.
 * The nested tapes start above the enclosing tape's last slot (that is how captured
 * outer values are detected), so each segment also costs a fill of that many adjoints:
 * keep the code before the scan small relative to the scan.
 *
 * @example
 * // a damped oscillator, 10 000 steps; gradient of the final position w.r.t. (x₀, k, c)
 * const dt = 1e-3;
 * const { grad } = ad.valueAndGrad(([x0, k, c]) => {
 *   const [x] = ad.checkpointedScan(
 *     ([x, v], [k, c]) => {
 *       const vNext = ad.sub(v, ad.mul(dt, ad.add(ad.mul(k, x), ad.mul(c, v))));
 *       return [ad.add(x, ad.mul(dt, vNext)), vNext];
 *     },
 *     [x0, 0], [k, c], 10_000,
 *   );
 *   return x;
 * }, [1, 100, 0.5]);
 */
export function checkpointedScan(
  step: ScanStep,
  init: readonly Real[],
  params: readonly Real[],
  steps: number,
  opts: CheckpointOptions = {},
): Real[] {
  if (!Number.isInteger(steps) || steps < 0)
    throw new RangeError(`ad.checkpointedScan: steps must be an integer ≥ 0, got ${steps}`);
  const k = opts.segment ?? Math.max(1, Math.ceil(Math.sqrt(steps)));
  if (!Number.isInteger(k) || k < 1)
    throw new RangeError(`ad.checkpointedScan: segment must be an integer ≥ 1, got ${k}`);
  const stats = opts.stats;
  if (stats) {
    stats.segmentLength = k;
    stats.segments = Math.ceil(steps / k);
    stats.storedStates = 0;
    stats.peakSegmentEntries = 0;
    stats.recomputedSteps = 0;
  }
  if (T.mode !== MODE_REVERSE || steps === 0) return unrolled(step, init, params, steps);
  return reverseScan(step, init, params, steps, k, stats);
}

/** Forward mode, no trace, or nothing to do: the plain loop. */
function unrolled(step: ScanStep, init: readonly Real[], params: readonly Real[], steps: number): Real[] {
  let state = init.slice();
  const p = params.slice();
  for (let t = 0; t < steps; t++) state = checkedLength(step(state, p, t), init.length, t);
  return state;
}

function checkedLength(out: Real[], n: number, t: number): Real[] {
  if (!Array.isArray(out) || out.length !== n) {
    throw new Error(
      `ad.checkpointedScan: step ${t} returned ${Array.isArray(out) ? out.length : typeof out} components, the state has ${n}`,
    );
  }
  return out;
}

/** The traced inputs of a scan: one entry per distinct outer slot among init and params. */
interface Inputs {
  /** outer slot of input q */
  slots: Int32Array;
  /** value of input q */
  values: Float64Array;
  /** the outer Var of input q */
  vars: Var[];
  /** per param: REF_NUMBER (value in `paramValues`) or REF_INPUT - q */
  paramRef: Int32Array;
  paramValues: Float64Array;
}

function collectInputs(
  init: readonly Real[],
  params: readonly Real[],
  initRef: Int32Array,
  initVal: Float64Array,
): Inputs {
  const bySlot = new Map<number, number>();
  const vars: Var[] = [];
  const classify = (x: Real, ref: Int32Array, val: Float64Array, j: number): void => {
    if (typeof x === 'number') {
      ref[j] = REF_NUMBER;
      val[j] = x;
      return;
    }
    let q = bySlot.get(x.i);
    if (q === undefined) {
      q = vars.length;
      bySlot.set(x.i, q);
      vars.push(x);
    }
    ref[j] = REF_INPUT - q;
    val[j] = x.v;
  };
  for (let j = 0; j < init.length; j++) classify(init[j], initRef, initVal, j);
  const paramRef = new Int32Array(params.length);
  const paramValues = new Float64Array(params.length);
  for (let j = 0; j < params.length; j++) classify(params[j], paramRef, paramValues, j);
  return {
    slots: Int32Array.from(vars, (v) => v.i),
    values: Float64Array.from(vars, (v) => v.v),
    vars,
    paramRef,
    paramValues,
  };
}

/** Everything one scan call's passes share. */
interface ScanPlan {
  step: ScanStep;
  inputs: Inputs;
  /** state size */
  n: number;
  /** T */
  steps: number;
  /** steps per segment */
  k: number;
  segments: number;
  /** the outer tape's length at the call: nested entries start here */
  pad: number;
  /** boundary s (the state before step s·k) at offset s·n; boundary `segments` is the final state */
  ref: Int32Array;
  val: Float64Array;
  stats: CheckpointStats | undefined;
}

/**
 * Open a nested reverse trace for one segment. Its own entries start at `pad` (the outer
 * tape's length), so an entry with a parent in [1, pad) read an outer Var. Returns the
 * input leaves (slots pad, pad + 1, …) and the params as the step sees them.
 */
function beginSegment(plan: ScanPlan): { leaves: Var[]; params: Real[] } {
  const { inputs } = plan;
  beginTrace(MODE_REVERSE);
  reserve(plan.pad);
  // slots [1, pad) hold no entries: they read as one-parent entries of the sink (so the
  // sweep steps through them one slot at a time) and their adjoints stay 0
  T.par.fill(~0, 1, plan.pad);
  T.n = plan.pad;
  const leaves: Var[] = new Array(inputs.values.length);
  for (let q = 0; q < leaves.length; q++) leaves[q] = leaf(inputs.values[q]);
  const params: Real[] = new Array(inputs.paramRef.length);
  for (let j = 0; j < params.length; j++) {
    const r = inputs.paramRef[j];
    params[j] = r === REF_NUMBER ? inputs.paramValues[j] : leaves[REF_INPUT - r];
  }
  return { leaves, params };
}

/** The state a boundary describes, on the active nested trace (fresh leaves where traced). */
function materialize(plan: ScanPlan, s: number, leaves: Var[]): Real[] {
  const { n, ref, val } = plan;
  const off = s * n;
  const state: Real[] = new Array(n);
  for (let j = 0; j < n; j++) {
    const r = ref[off + j];
    if (r === REF_NUMBER) state[j] = val[off + j];
    else if (r <= REF_INPUT) state[j] = leaves[REF_INPUT - r];
    else if (r === j) state[j] = leaf(val[off + j]);
    else state[j] = state[r];
  }
  return state;
}

interface Segment {
  /** the state the segment starts from (its traced components are leaves) */
  start: Real[];
  end: Real[];
  /** first step and one past the last */
  t0: number;
  t1: number;
}

/**
 * Record segment `s` (steps s·k … min(T, s·k + k) − 1) on the active nested trace,
 * from its checkpoint. `checkCaptures` scans each step's entries for outer slots (the
 * forward pass does; the recomputation is compared with the forward pass instead).
 */
function runSegment(plan: ScanPlan, s: number, leaves: Var[], params: Real[], checkCaptures: boolean): Segment {
  const t0 = s * plan.k;
  const t1 = Math.min(plan.steps, t0 + plan.k);
  const start = materialize(plan, s, leaves);
  // a copy: a step that updates its state array in place must not overwrite `start`
  let state = start.slice();
  for (let t = t0; t < t1; t++) {
    const from = T.n;
    state = checkedLength(plan.step(state, params, t), plan.n, t);
    if (checkCaptures) checkParents(from, plan.pad, t);
  }
  return { start, end: state, t0, t1 };
}

// component that first claimed a slot, indexed by slot − pad; -1 when free. Shared by all
// scans: classification runs no user code, so it never nests.
let slotOwner = new Int32Array(0);

/**
 * Describe the state `out` as a boundary: refs and values into `ref`/`val` at `off`.
 * Throws if a component is a Var of another trace.
 */
function classify(out: Real[], plan: ScanPlan, ref: Int32Array, val: Float64Array, off: number, t: number): void {
  const { pad } = plan;
  const nIn = plan.inputs.vars.length;
  const top = T.n;
  if (slotOwner.length < top - pad) slotOwner = new Int32Array(2 * (top - pad)).fill(-1);
  for (let j = 0; j < out.length; j++) {
    const y = out[j];
    if (typeof y === 'number') {
      ref[off + j] = REF_NUMBER;
      val[off + j] = y;
      continue;
    }
    if (y.i < pad || y.i >= top) throw new CheckpointCaptureError(t);
    val[off + j] = y.v;
    const idx = y.i - pad;
    if (idx < nIn) {
      ref[off + j] = REF_INPUT - idx;
      continue;
    }
    const owner = slotOwner[idx];
    if (owner >= 0) ref[off + j] = owner;
    else {
      slotOwner[idx] = j;
      ref[off + j] = j;
    }
  }
  for (const y of out) if (typeof y !== 'number') slotOwner[y.i - pad] = -1;
}

/** Throw if an entry recorded since `from` reads a slot outside this trace's own range. */
function checkParents(from: number, pad: number, t: number): void {
  const { op, par, prims } = T;
  // entry by entry, bottom up: a one-parent entry is one slot holding ~parent (< 0), a
  // two-parent entry two slots holding its parents (≥ 0), its own slot the second (see tape.ts)
  for (let k = from; k < T.n; k++) {
    const first = par[k];
    if (first < 0 && op[k] === OP_PRIM_CALL) {
      for (const p of prims[~first].inputs) if (p !== 0 && (p < pad || p >= k)) throw new CheckpointCaptureError(t);
      continue;
    }
    const a = first < 0 ? ~first : first;
    const b = first < 0 ? 0 : par[++k];
    if ((a !== 0 && (a < pad || a >= k)) || (b !== 0 && (b < pad || b >= k))) throw new CheckpointCaptureError(t);
  }
}

/** Kinks of the active (nested) trace with their labels resolved, ready to replay. */
interface KinkBatch {
  margin: Float64Array;
  op: Uint8Array;
  jump: Uint8Array;
  label: (string | undefined)[];
}

function takeKinks(): KinkBatch {
  const n = T.nKinks;
  const label: (string | undefined)[] = new Array(n);
  for (let j = 0; j < n; j++) {
    const id = T.kinkLabel[j];
    if (id >= 0) label[j] = T.labels[id];
    else {
      // unlabelled: reported as '<scope>/<op>'; with no inner scope the outer scope applies
      const scope = T.labels[-1 - id];
      label[j] = scope ? `${scope}/${opName(T.kinkOp[j])}` : undefined;
    }
  }
  return { margin: T.kinkMargin.slice(0, n), op: T.kinkOp.slice(0, n), jump: T.kinkJump.slice(0, n), label };
}

/** Record a batch in the active (outer) trace; its scope prefixes the labels, as it would have. */
function replayKinks(b: KinkBatch): void {
  for (let j = 0; j < b.margin.length; j++) recordKink(b.op[j], b.margin[j], b.label[j], b.jump[j] === 1);
}

function reverseScan(
  step: ScanStep,
  init: readonly Real[],
  params: readonly Real[],
  steps: number,
  k: number,
  stats: CheckpointStats | undefined,
): Real[] {
  const n = init.length;
  const segments = Math.ceil(steps / k);
  const ref = new Int32Array((segments + 1) * n);
  const val = new Float64Array((segments + 1) * n);
  const inputs = collectInputs(init, params, ref, val);
  const plan: ScanPlan = { step, inputs, n, steps, k, segments, pad: T.n, ref, val, stats };

  // forward: record each segment on a nested trace, keep its end state and kinks, drop it
  for (let s = 0; s < segments; s++) {
    let batch: KinkBatch;
    const { leaves, params: p } = beginSegment(plan);
    try {
      const { end, t1 } = runSegment(plan, s, leaves, p, true);
      classify(end, plan, ref, val, (s + 1) * n, t1 - 1);
      batch = takeKinks();
      if (stats) stats.peakSegmentEntries = Math.max(stats.peakSegmentEntries, T.n - plan.pad);
    } finally {
      endTrace();
    }
    replayKinks(batch);
  }
  if (stats) stats.storedStates = segments;

  // the outputs: inputs passed through are the inputs themselves; one Var per traced value
  const finalOff = segments * n;
  const out: Real[] = new Array(n);
  let traced = false;
  for (let j = 0; j < n; j++) {
    const r = ref[finalOff + j];
    if (r === REF_NUMBER) out[j] = val[finalOff + j];
    else if (r <= REF_INPUT) out[j] = inputs.vars[REF_INPUT - r];
    else traced = true;
  }
  if (!traced) return out;

  const inputSlots = new Int32Array(n + params.length);
  init.forEach((x, j) => (inputSlots[j] = typeof x === 'number' ? 0 : x.i));
  params.forEach((x, j) => (inputSlots[n + j] = typeof x === 'number' ? 0 : x.i));
  const backward = (ybar: Float64Array): Float64Array => reverseSegments(plan, inputSlots, ybar);
  const first = recordPrimitive({ name: 'checkpointedScan', inputs: inputSlots, nOut: n, backward });
  for (let j = 0; j < n; j++) {
    const r = ref[finalOff + j];
    if (r >= 0) out[j] = r === j ? new Var(first + j, val[finalOff + j]) : out[r];
  }
  return out;
}

/**
 * The backward rule: recompute and sweep each segment, last to first. Reads the traced
 * inputs' running adjoints from the outer buffer (and clears them there), so that the
 * outer sweep's `+= x̄` lands the exact running total.
 */
function reverseSegments(plan: ScanPlan, inputSlots: Int32Array, ybar: Float64Array): Float64Array {
  const { inputs, n, ref, val, segments, stats } = plan;
  const nIn = inputs.vars.length;
  const outerAdj = T.adj;
  const carryIn = new Float64Array(nIn);
  for (let q = 0; q < nIn; q++) {
    carryIn[q] = outerAdj[inputs.slots[q]];
    outerAdj[inputs.slots[q]] = 0;
  }
  // cotangent of each traced value (by its first component) at the current boundary
  const carryState = new Float64Array(n);
  for (let j = 0; j < n; j++) carryState[j] = ref[segments * n + j] === j ? ybar[j] : 0;
  const check = new Int32Array(n);
  const checkVal = new Float64Array(n);

  for (let s = segments - 1; s >= 0; s--) {
    const { leaves, params } = beginSegment(plan);
    try {
      const { start, end, t0, t1 } = runSegment(plan, s, leaves, params, false);
      // the recomputation must retrace the forward pass exactly, or the gradient is of
      // another trajectory
      classify(end, plan, check, checkVal, 0, t1 - 1);
      const endOff = (s + 1) * n;
      for (let j = 0; j < n; j++) {
        if (check[j] !== ref[endOff + j] || !Object.is(checkVal[j], val[endOff + j])) {
          throw new Error(
            `ad.checkpointedScan: step is not deterministic: recomputing steps ${t0}…${t1 - 1} changed state component ${j}`,
          );
        }
      }
      const adj = resetAdjoint();
      for (let q = 0; q < nIn; q++) seedAdjoint(leaves[q].i, carryIn[q]);
      for (let j = 0; j < n; j++) {
        const y = end[j];
        if (ref[endOff + j] === j && typeof y !== 'number') seedAdjoint(y.i, carryState[j]);
      }
      sweep();
      for (let q = 0; q < nIn; q++) carryIn[q] = adj[leaves[q].i];
      for (let j = 0; j < n; j++) {
        const x = start[j];
        carryState[j] = ref[s * n + j] === j && typeof x !== 'number' ? adj[x.i] : 0;
      }
      for (let q = 0; q < nIn; q++) if (carryIn[q] - carryIn[q] !== 0) throw locateReverseNonFinite();
      for (let j = 0; j < n; j++) if (carryState[j] - carryState[j] !== 0) throw locateReverseNonFinite();
      if (stats) stats.recomputedSteps += t1 - t0;
    } finally {
      endTrace();
    }
  }

  // each distinct traced input's total goes to its first position; the rest get 0
  const xbar = new Float64Array(inputSlots.length);
  const given = new Uint8Array(nIn);
  for (let j = 0; j < inputSlots.length; j++) {
    const r = j < n ? ref[j] : inputs.paramRef[j - n];
    if (r > REF_INPUT) continue;
    const q = REF_INPUT - r;
    if (given[q] === 0) {
      xbar[j] = carryIn[q];
      given[q] = 1;
    }
  }
  return xbar;
}
