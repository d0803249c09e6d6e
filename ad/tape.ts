/**
 * The trace: a struct-of-arrays tape for reverse and forward mode (tangents swept from it),
 * and the kink log both of them keep.
 *
 * A `Real` is either a plain `number` (a constant: ops on numbers alone return numbers and
 * touch no tape) or a `Var`, a handle onto the active trace: a tape slot `i` and its value
 * `v`. Both modes record the same tape. The tape itself holds no object per elementary op:
 * op codes, parents and local partials live in typed arrays; the adjoint sweep (`sweep`)
 * is one loop over them top down, and forward mode's tangents come from one loop over
 * them bottom up (`sweepTangents`), run when a tangent is first read.
 *
 * Layout: one slot per parent edge. `par[s]` is a parent's slot and `dv[s]` its local
 * partial; an entry with one traced parent takes one slot, an entry with two takes two
 * consecutive slots, and the entry's own slot (its `Var`'s `i`, where its adjoint sums)
 * is the last of them, which holds its op code `op[s]`. The last slot of a one-parent
 * entry stores `~parent` (negative), that of a two-parent entry the second parent itself
 * (≥ 0), so the sweep, walking down from the top, reads an entry's arity from its own
 * slot: `par[s] < 0` one parent, else the first parent at `par[s - 1]`. Every slot
 * holds a parent the sweep reads, none is padding: on the benchmark's chain (three
 * one-parent entries to one two-parent entry) the tape is 65 bytes a step where two
 * slots per entry took 100, and the sweep streams through it (on a loaded machine it is
 * bound by that memory traffic as much as by its additions). Ops with one constant
 * argument (`mul(2, x)`) are one-parent entries.
 *
 * Slot 0 of every tape is a sink: a parent 0 means "no parent / a constant"; whatever
 * accumulates in slot 0 is ignored. The first slot of a two-parent entry is nobody's
 * `Var`: its adjoint stays 0.
 *
 * There is one trace object, `T`, whose fields are swapped when traces nest (an implicit
 * adjoint that differentiates inside a backward rule opens an inner trace). Ops read `T`
 * directly: one constant object keeps every op site monomorphic.
 */

/** A differentiable scalar handle. Created only by the active trace. */
export class Var {
  /** tape slot */
  declare readonly i: number;
  /** primal value */
  declare readonly v: number;
  // fields are `declare`d and assigned here, in one order, so every Var shares one hidden
  // class (class-field initializers would first store undefined)
  constructor(i: number, v: number) {
    this.i = i;
    this.v = v;
  }
  /**
   * Tangent (forward mode), computed from the tape on first read (see `tangentOf`); 0 in
   * reverse mode. Read it inside the evaluation that made the Var.
   */
  get t(): number {
    return tangentOf(this.i);
  }
}

/** A real number as ops see it: a constant, or a traced variable. */
export type Real = number | Var;

// ---- op codes -------------------------------------------------------------------------

const opNames: string[] = [];
/** Register an op name; returns its code (stored per tape entry, used in error reports). */
export function defineOp(name: string): number {
  const existing = opNames.indexOf(name);
  if (existing >= 0) return existing;
  if (opNames.length === 255) throw new Error('ad: more than 255 op codes');
  opNames.push(name);
  return opNames.length - 1;
}
export function opName(code: number): string {
  return opNames[code] ?? `op#${code}`;
}

export const OP_SINK = defineOp('constant');
export const OP_LEAF = defineOp('input');
export const OP_PRIM_CALL = defineOp('primitive');
export const OP_PRIM_OUT = defineOp('primitive output');

// ---- errors ---------------------------------------------------------------------------

/** A value or adjoint became NaN or infinite. Names the op, its label and the sweep. */
export class NonFiniteError extends Error {
  readonly op: string;
  readonly label: string | undefined;
  readonly phase: 'forward' | 'reverse';
  constructor(op: string, label: string | undefined, phase: 'forward' | 'reverse', detail: string) {
    super(
      `ad: non-finite ${phase === 'forward' ? 'value' : 'adjoint'} in op '${op}'` +
        (label ? ` (label '${label}')` : '') +
        ` during the ${phase} sweep: ${detail}`,
    );
    this.name = 'NonFiniteError';
    this.op = op;
    this.label = label;
    this.phase = phase;
  }
}

// ---- the trace ------------------------------------------------------------------------

export const MODE_NONE = 0;
export const MODE_REVERSE = 1;
export const MODE_FORWARD = 2;

/** One executed non-smooth decision and its distance to the decision boundary. */
export interface Kink {
  /** label given by the caller (or the op name), prefixed by the active scope */
  label: string;
  /** distance of the op's input to its boundary (same units as the input) */
  margin: number;
  /** op name: 'abs', 'max', 'where', a primitive's name, ... */
  op: string;
  /** true where the op's value itself jumps at the boundary (step, sign, floor, where) */
  jump: boolean;
}

/** Record of one primitive call (one per call, not per elementary op). */
export interface PrimRecord {
  name: string;
  /** tape slots of the inputs (0 for constants) */
  inputs: Int32Array;
  /** first output slot; outputs are consecutive, right after the call entry */
  firstOut: number;
  nOut: number;
  /** cotangent of the outputs -> cotangent of the inputs (length = inputs.length) */
  backward: (ybar: Float64Array) => Float64Array;
}

/** The fields of one trace. `T` holds the active one; nesting saves and restores them. */
export interface TraceState {
  mode: number;
  /** slots in use (slot 0 is the sink) */
  n: number;
  cap: number;
  /**
   * the hot paths record while `n < lim`: `cap - 1` inside a trace (room for a
   * two-parent entry), 0 outside one (see unaryOp)
   */
  lim: number;
  /** op code of the entry whose own (last) slot is s */
  op: Uint8Array;
  /**
   * parent of slot s: an entry's last slot holds ~parent (< 0) for a one-parent entry
   * (~0 for none; a primitive call entry ~(its index in `prims`)) and the second parent
   * (≥ 0) for a two-parent entry, whose first slot holds the first parent
   */
  par: Int32Array;
  /** local partial of the parent in slot s */
  dv: Float64Array;
  adj: Float64Array;
  /** what is known of `adj` between sweeps: ADJ_CLEAN, ADJ_SEEDED or ADJ_UNKNOWN */
  adjState: number;
  /**
   * the slots of the entries with no parent (inputs, primitive outputs), ascending: the
   * sweep leaves their adjoints in place, where the caller or a backward rule reads them
   */
  roots: number[];
  /** the seeds placed since `resetAdjoint` (`seedAdjoint`), in order: slot, value, slot, … */
  seeds: number[];
  /**
   * forward mode: the tangent of slot s for s < `swept` (slot 0 holds 1, so an entry with
   * no parent and partial τ has the explicit tangent τ: leaves, one-sided kink tangents,
   * primitive outputs)
   */
  tan: Float64Array;
  swept: number;
  prims: PrimRecord[];
  /** kink log: margin, op code, jump flag, label id */
  nKinks: number;
  kinkMargin: Float64Array;
  kinkOp: Uint8Array;
  kinkJump: Uint8Array;
  kinkLabel: Int32Array;
  /** label strings; id 0 is the empty scope */
  labels: string[];
  labelIds: Map<string, number>;
  scope: number;
  /** scope changes: entry index at which scope `scopeIds[j]` began */
  scopeFrom: number[];
  scopeIds: number[];
}

/**
 * What `resetAdjoint` may assume of the adjoint buffer.
 * - ADJ_CLEAN: a sweep that started from `resetAdjoint` ran to its end and cleared each
 *   adjoint it had used (`clearSwept`): `adj` is 0 everywhere but at the slots in `roots`
 *   and at slot 0 (the sink, never read).
 * - ADJ_SEEDED: cleared by `resetAdjoint`; seeds or a sweep (perhaps one that threw) have
 *   written it since.
 * - ADJ_UNKNOWN: a sweep ran without `resetAdjoint` first, or a new trace took over a
 *   buffer that was not clean.
 */
const ADJ_CLEAN = 0;
const ADJ_SEEDED = 1;
const ADJ_UNKNOWN = 2;

const INITIAL_CAPACITY = 1 << 12;
const INITIAL_KINKS = 64;

function freshState(): TraceState {
  return {
    mode: MODE_NONE,
    n: 0,
    cap: INITIAL_CAPACITY,
    lim: 0,
    op: new Uint8Array(INITIAL_CAPACITY),
    par: new Int32Array(INITIAL_CAPACITY),
    dv: new Float64Array(INITIAL_CAPACITY),
    adj: new Float64Array(0),
    adjState: ADJ_CLEAN,
    roots: [],
    seeds: [],
    tan: new Float64Array(0),
    swept: 0,
    prims: [],
    nKinks: 0,
    kinkMargin: new Float64Array(INITIAL_KINKS),
    kinkOp: new Uint8Array(INITIAL_KINKS),
    kinkJump: new Uint8Array(INITIAL_KINKS),
    kinkLabel: new Int32Array(INITIAL_KINKS),
    labels: [''],
    labelIds: new Map([['', 0]]),
    scope: 0,
    scopeFrom: [],
    scopeIds: [],
  };
}

/**
 * The class of `T`, which is its only instance. V8 records the exact type of a field
 * (here: Uint8Array, Int32Array, Float64Array) per hidden class, and TurboFan then reads
 * `T.op`, `T.par`, `T.dv` without checking the array's map at each use. A hidden class
 * shared by several objects loses those types at the first store into one of them (seen
 * on V8 11.3: `T` came from the same object literal as the saved and pooled states, and
 * beginTrace's first `Object.assign` widened them to "any object"), after which every op
 * checked each array's map again after every call it cannot see into (Math.sin, Math.cos,
 * makeRoom). An object of its own class has a hidden class nobody else shares.
 *
 * Keep TraceState's fields few: `Object.assign` adds them one by one, and past 25 of them
 * V8 (11.3) gave `T` dictionary properties, which made the chain's gradient 5× slower.
 */
class ActiveTrace {}

/** The active trace. Its fields are replaced on begin/end; the object itself never is. */
export const T: TraceState = Object.assign(new ActiveTrace(), freshState());
// The hot paths read the trace and the Var class through module-local consts: TurboFan
// folds an immutable module slot into a constant (no load, no dead-zone check, no map
// check on the trace object), while an exported binding is a cell it loads and checks at
// every read (about 60 fewer instructions on the benchmark's 4-op chain step).
const trace = T;
const VarOf = Var;

/** Buffers pooled by nesting depth, so repeated gradients reuse their typed arrays. */
const pool: TraceState[] = [];
/** Saved outer traces while an inner one runs. */
const saved: TraceState[] = [];

/** Begin a trace in mode `m`; pair with `endTrace()` in a `finally`. */
export function beginTrace(m: number): TraceState {
  const depth = saved.length;
  saved.push({ ...T });
  const buffers = pool[depth] ?? freshState();
  pool[depth] = buffers;
  Object.assign(T, buffers);
  T.mode = m;
  T.lim = m === MODE_NONE ? 0 : T.cap - 1;
  T.n = 1;
  T.op[0] = OP_SINK;
  T.par[0] = ~0;
  T.dv[0] = 0;
  T.swept = 0;
  if (T.adjState === ADJ_CLEAN) {
    // the last trace at this depth left its inputs' adjoints in place: clear them now,
    // before its list of them goes
    for (const s of T.roots) T.adj[s] = 0;
  } else T.adjState = ADJ_UNKNOWN;
  T.roots = [];
  T.seeds = [];
  T.prims = [];
  T.nKinks = 0;
  T.scope = 0;
  T.scopeFrom = [];
  T.scopeIds = [];
  if (T.labels.length > 4096) {
    T.labels = [''];
    T.labelIds = new Map([['', 0]]);
  }
  return T;
}

/** End the innermost trace and restore the enclosing one. */
export function endTrace(): void {
  const depth = saved.length - 1;
  const outer = saved.pop();
  if (outer === undefined) throw new Error('ad: endTrace without beginTrace');
  // keep this depth's (possibly grown) buffers for the next trace at this depth
  const mine: TraceState = { ...T };
  mine.prims = [];
  mine.mode = MODE_NONE;
  mine.lim = 0;
  pool[depth] = mine;
  Object.assign(T, outer);
}

type TypedArray = Uint8Array | Int32Array | Float64Array;

/** A copy of `a` with capacity `cap` (same element type). */
function grown<A extends TypedArray>(a: A, cap: number): A {
  const b = new (a.constructor as new (n: number) => A)(cap);
  b.set(a);
  return b;
}

/** Ensure room for `extra` more slots (one per one-parent entry, two per two-parent entry). */
export function reserve(extra: number): void {
  const need = T.n + extra;
  if (need <= T.cap) return;
  let cap = T.cap;
  while (cap < need) cap *= 2;
  T.op = grown(T.op, cap);
  T.par = grown(T.par, cap);
  T.dv = grown(T.dv, cap);
  T.cap = cap;
  if (T.mode !== MODE_NONE) T.lim = cap - 1;
}

/**
 * Append one entry with two traced parents (reverse mode) and return its slot: op `code`,
 * parents `pa`, `pb` with local partials `da`, `db`. Callers with one traced parent use
 * `record1` (or `recordNormalized` when either parent may be a constant).
 * Kept small so the optimizer inlines it into every op.
 */
function record(code: number, pa: number, da: number, pb: number, db: number): number {
  const t = T;
  const k = t.n;
  if (k + 1 >= t.cap) reserve(2);
  const s = k + 1;
  t.n = k + 2;
  t.op[s] = code;
  const par = t.par;
  par[k] = pa;
  par[s] = pb;
  const dv = t.dv;
  dv[k] = da;
  dv[s] = db;
  return s;
}

/** Append one entry with one parent `pa` (0: none; stored as ~pa) and its partial `da`; returns its slot. */
export function record1(code: number, pa: number, da: number): number {
  const t = T;
  const k = t.n;
  if (k === t.cap) reserve(1);
  t.n = k + 1;
  t.op[k] = code;
  t.par[k] = ~pa;
  t.dv[k] = da;
  if (pa === 0) t.roots.push(k);
  return k;
}

/** `record` for parents that may be 0 (constants): a lone traced parent goes first. */
function recordNormalized(code: number, pa: number, da: number, pb: number, db: number): number {
  if (pb === 0) return record1(code, pa, da);
  if (pa === 0) return record1(code, pb, db);
  return record(code, pa, da, pb, db);
}

function scopeLabelAt(entry: number): string | undefined {
  let id = 0;
  for (let j = 0; j < T.scopeFrom.length && T.scopeFrom[j] <= entry; j++) id = T.scopeIds[j];
  const s = T.labels[id];
  return s === '' ? undefined : s;
}

function noTrace(): never {
  throw new Error(
    'ad: a traced Real was used outside the evaluation that created it ' +
      '(keep Reals inside the function passed to valueAndGrad/jvp; use ad.value(x) to read a number)',
  );
}

/** Throw a NonFiniteError for a forward value produced by op `code`. */
export function forwardNonFinite(code: number, v: number, label?: string): never {
  const scope = T.labels[T.scope];
  const full = label !== undefined ? (scope ? `${scope}/${label}` : label) : scope || undefined;
  throw new NonFiniteError(opName(code), full, 'forward', `value ${v}`);
}

/**
 * Record an op of up to two arguments, either of which may be a constant (a number):
 * value `v`, partials `da`, `db`. The general (slower) way in for ops that have no
 * constant/traced dispatch of their own.
 */
export function finishOp(code: number, v: number, a: Real, da: number, b: Real, db: number): Var {
  if (v - v !== 0) forwardNonFinite(code, v);
  if (T.mode === MODE_NONE) noTrace();
  const pa = typeof a === 'number' ? 0 : a.i;
  const pb = typeof b === 'number' ? 0 : b.i;
  return new Var(recordNormalized(code, pa, da, pb, db), v);
}

// unaryOp and binaryOp are every op's hot path, kept to the fewest bytecodes: TurboFan
// inlines about 920 bytes of bytecode into one function, and a chain of ops that overruns
// it calls these helpers out of line, boxing every double argument on the heap (measured:
// twice the recording time). A chain step of four ops (`add(mul(a, y), mul(b, sin(y)))`)
// is right at that budget, so every byte counts: they write the entry themselves, test
// one bound (`lim` is the capacity inside a trace and 0 outside) and leave everything
// else to one call, `makeRoom`, that returns nothing. Forward mode records the same
// entries (its tangents are swept from them when read), so it needs no path of its own.
//
// They also let escape analysis remove the Vars a chain of ops makes and reads at once
// (`add(mul(a, y), mul(b, y))`: the two products are never allocated). A Var is allocated
// when it reaches a call that is not inlined, or a merge with another Var where two paths
// return: here every path ends in the one `new VarOf`, and the way out takes no Var.

/** Record a one-parent op: value `v`, partial `dx` = ∂v/∂x. */
export function unaryOp(code: number, v: number, x: Var, dx: number): Var {
  const t = trace;
  const k = t.n;
  if (k >= t.lim || v - v !== 0) makeRoom(code, v);
  t.n = k + 1;
  t.op[k] = code;
  t.par[k] = ~x.i;
  t.dv[k] = dx;
  return new VarOf(k, v);
}

/**
 * Record a two-parent op (both traced): value `v`, partials `da` of `a` and `db` of `b`.
 * Its slot is the second of the two it takes.
 */
export function binaryOp(code: number, v: number, a: Var, da: number, b: Var, db: number): Var {
  const t = trace;
  const k = t.n;
  if (k >= t.lim || v - v !== 0) makeRoom(code, v);
  const s = k + 1;
  t.n = k + 2;
  t.op[s] = code;
  const par = t.par;
  par[k] = a.i;
  par[s] = b.i;
  const dv = t.dv;
  dv[k] = da;
  dv[s] = db;
  return new VarOf(s, v);
}

/**
 * The hot paths' way out: throw for a non-finite value `v` or when no trace is active;
 * otherwise the tape is full: make room for one more entry (two slots).
 */
function makeRoom(code: number, v: number): void {
  if (v - v !== 0) forwardNonFinite(code, v);
  if (T.mode === MODE_NONE) noTrace();
  reserve(2);
}

/**
 * Record an op of any number of arguments: value `v`, partial `partials[j]` for `args[j]`.
 * A tape entry has two parents, so the traced arguments are chained: the first two share
 * an entry and each further one adds an entry (k traced arguments cost max(1, k − 1)
 * entries; intermediate entries carry the final value, which the sweep never reads).
 * Returns `v` itself when no argument is traced.
 */
export function naryOp(code: number, v: number, args: readonly Real[], partials: ArrayLike<number>): Real {
  let lead = -1;
  let head: Var | null = null;
  for (let j = 0; j < args.length; j++) {
    const x = args[j];
    if (typeof x === 'number') continue;
    if (lead < 0) lead = j;
    else if (head === null) head = finishOp(code, v, args[lead], partials[lead], x, partials[j]);
    else head = finishOp(code, v, head, 1, x, partials[j]);
  }
  if (head !== null) return head;
  if (lead < 0) return v;
  return unaryOp(code, v, args[lead] as Var, partials[lead]);
}

/** The number of entries recorded in slots [from, to) of the active tape (a two-parent entry takes two slots). */
export function entriesBetween(from: number, to: number): number {
  const par = T.par;
  let count = 0;
  for (let k = from; k < to; k++, count++) if (par[k] >= 0) k++;
  return count;
}

/**
 * A forward-mode variable with an explicit tangent (ops whose tangent is one-sided,
 * primitive outputs): an entry with no parent whose partial is the tangent.
 */
export function tangentVar(code: number, v: number, tangent: number): Var {
  if (v - v !== 0) forwardNonFinite(code, v);
  return new Var(record1(code, 0, tangent), v);
}

const STALE_TANGENT =
  "ad: a Var's tangent was read after its evaluation ended; read it inside the function, or use jvp's result";

/**
 * The tangent of slot `i` in forward mode (0 in reverse mode; a read outside any trace throws). The tangents of the slots
 * recorded since the last read are swept first.
 */
export function tangentOf(i: number): number {
  if (T.mode !== MODE_FORWARD) {
    // after its trace has ended a Var's slot indexes no tape (a later trace reuses the
    // buffers): the tangent is gone, and a 0 would pass for a real one
    if (T.mode === MODE_NONE) throw new Error(STALE_TANGENT);
    return 0;
  }
  if (i >= T.swept) sweepTangents();
  return T.tan[i];
}

/**
 * Forward sweep: the tangents of slots [swept, n), bottom up, entry by entry. An entry's
 * tangent is Σ partial · parent's tangent in the order the reverse sweep adds them (a
 * one-parent entry adds + 0, as the two-argument rule's absent term), so forward mode's
 * tangents are bit for bit those of a Var that carried its own.
 */
function sweepTangents(): void {
  const { par, dv, n } = T;
  if (T.tan.length < n) {
    const grownTan = new Float64Array(T.cap);
    grownTan.set(T.tan.subarray(0, T.swept));
    T.tan = grownTan;
  }
  const tan = T.tan;
  let s = T.swept;
  if (s === 0) {
    tan[0] = 1; // the sink: an entry with no parent has its partial as its tangent
    s = 1;
  }
  while (s < n) {
    const p = par[s];
    if (p < 0) {
      tan[s] = dv[s] * tan[~p] + 0;
      s += 1;
    } else {
      // a two-parent entry: first parent in slot s, second (and the entry's own slot) s + 1
      tan[s + 1] = dv[s] * tan[p] + dv[s + 1] * tan[par[s + 1]];
      s += 2;
    }
  }
  T.swept = n;
}

/** Make an input variable (a leaf) with value `v`; `tangent` is used in forward mode. */
export function leaf(v: number, tangent = 0): Var {
  if (v - v !== 0) forwardNonFinite(OP_LEAF, v);
  if (T.mode === MODE_FORWARD) return new Var(record1(OP_LEAF, 0, tangent), v);
  if (T.mode === MODE_REVERSE) return new Var(record1(OP_LEAF, 0, 0), v);
  return noTrace();
}

/** True inside a forward-mode (jvp) evaluation. */
export function isForward(): boolean {
  return T.mode === MODE_FORWARD;
}

/** True inside any trace. */
export function isTracing(): boolean {
  return T.mode !== MODE_NONE;
}

// ---- kinks ----------------------------------------------------------------------------

/**
 * Record a non-smooth decision: op `code` was `margin` away from its boundary.
 * `label` names the decision for diagnostics (e.g. `contact ball/ground step 311`).
 * `jump` says the op's value (not just its slope) changes at the boundary.
 */
export function recordKink(code: number, margin: number, label: string | undefined, jump: boolean): void {
  if (T.mode === MODE_NONE) return;
  const n = T.nKinks;
  if (n === T.kinkMargin.length) {
    T.kinkMargin = grown(T.kinkMargin, 2 * n);
    T.kinkOp = grown(T.kinkOp, 2 * n);
    T.kinkJump = grown(T.kinkJump, 2 * n);
    T.kinkLabel = grown(T.kinkLabel, 2 * n);
  }
  T.kinkMargin[n] = margin;
  T.kinkOp[n] = code;
  T.kinkJump[n] = jump ? 1 : 0;
  // negative ids mean "no label of its own: the op name inside scope -id-1"
  T.kinkLabel[n] = label === undefined ? -1 - T.scope : internLabel(label);
  T.nKinks = n + 1;
}

function internLabel(label: string): number {
  const scope = T.labels[T.scope];
  const full = scope ? `${scope}/${label}` : label;
  let id = T.labelIds.get(full);
  if (id === undefined) {
    id = T.labels.length;
    T.labels.push(full);
    T.labelIds.set(full, id);
  }
  return id;
}

/**
 * Run `fn` with `label` as the scope of everything it records: kink labels and
 * non-finite errors name it. Scopes nest with '/'.
 */
export function withLabel<R>(label: string, fn: () => R): R {
  if (T.mode === MODE_NONE) return fn();
  const outer = T.scope;
  T.scope = internLabel(label);
  T.scopeFrom.push(T.n);
  T.scopeIds.push(T.scope);
  try {
    return fn();
  } finally {
    T.scope = outer;
    T.scopeFrom.push(T.n);
    T.scopeIds.push(outer);
  }
}

/** The kinks recorded in the active trace whose margin is at most `tol`, nearest first. */
export function collectKinks(tol: number): Kink[] {
  const out: Kink[] = [];
  for (let j = 0; j < T.nKinks; j++) {
    const m = T.kinkMargin[j];
    if (!(m <= tol)) continue;
    const id = T.kinkLabel[j];
    const op = opName(T.kinkOp[j]);
    let label: string;
    if (id >= 0) label = T.labels[id];
    else {
      const scope = T.labels[-1 - id];
      label = scope ? `${scope}/${op}` : op;
    }
    out.push({ label, margin: m, op, jump: T.kinkJump[j] === 1 });
  }
  out.sort((a, b) => a.margin - b.margin);
  return out;
}

// ---- primitives on the tape -----------------------------------------------------------

/**
 * Record a primitive call in reverse mode: one call entry followed by `nOut` output slots.
 * Returns the first output slot. The sweep calls `rec.backward` when it reaches the call
 * entry, by which time every consumer of the outputs has been swept.
 */
export function recordPrimitive(rec: Omit<PrimRecord, 'firstOut'>): number {
  reserve(1 + rec.nOut);
  const call = record1(OP_PRIM_CALL, T.prims.length, 0);
  const firstOut = call + 1;
  for (let j = 0; j < rec.nOut; j++) record1(OP_PRIM_OUT, 0, 0);
  T.prims.push({ ...rec, firstOut });
  return firstOut;
}

// ---- the adjoint sweep ----------------------------------------------------------------

/**
 * Zero the adjoint buffer over the used slots and return it; place the sweep's seeds with
 * `seedAdjoint`. After a sweep that ran to its end only a few slots are not 0 (ADJ_CLEAN):
 * the sweep cleared every adjoint it used, so a gradient's tape is not filled with zeros
 * again before each sweep (on the benchmark's chain an 8 MB fill of lines long evicted
 * from the cache, 0.5-0.6 CPU ns per op).
 */
export function resetAdjoint(): Float64Array {
  const t = T;
  if (t.adj.length < t.n) t.adj = new Float64Array(t.cap);
  else if (t.adjState === ADJ_CLEAN) {
    const { adj, roots } = t;
    for (let j = 0; j < roots.length; j++) adj[roots[j]] = 0;
  } else t.adj.fill(0);
  t.adjState = ADJ_SEEDED;
  t.seeds = [];
  return t.adj;
}

/**
 * Add `value` to the adjoint of `slot` ahead of a sweep (after `resetAdjoint`). The seeds
 * are kept, so that `locateReverseNonFinite` can sweep again from them.
 */
export function seedAdjoint(slot: number, value: number): void {
  T.adj[slot] += value;
  T.seeds.push(slot, value);
}

/**
 * Slots a `sweepRange` call covers: the first call of a sweep `SWEEP_FIRST`, each next
 * one 4× more, up to `SWEEP_CHUNK`. A process's first sweep of a long tape would otherwise
 * run its loop in one call, before V8 has a feedback vector for the code ahead of the
 * loop; the optimized code compiled meanwhile then deoptimizes there on the next call,
 * and every later sweep runs in the loop's on-stack-replacement code, where the typed
 * arrays' checks stay inside the loop (measured: 5.0–5.7 against 2.9–3.3 ns per chain op,
 * in two of five processes). Short first calls give V8 that feedback before it compiles.
 */
const SWEEP_FIRST = 64;
const SWEEP_CHUNK = 1 << 14;

/**
 * Reverse sweep over the whole tape from the seeds already placed in `T.adj`. Between
 * primitive calls it is one tight loop over the typed arrays (in chunks of `SWEEP_CHUNK`
 * slots); each primitive's backward rule runs at its call entry, after every consumer of
 * its outputs has been swept.
 */
export function sweep(): void {
  const { prims, roots } = T;
  const seeded = T.adjState === ADJ_SEEDED;
  T.adjState = seeded ? ADJ_SEEDED : ADJ_UNKNOWN;
  let unswept = roots.length;
  let hi = T.n - 1;
  for (let r = prims.length - 1; ; r--) {
    const call = r >= 0 ? prims[r].firstOut - 1 : 0;
    for (let chunk = SWEEP_FIRST; hi > call; chunk = Math.min(4 * chunk, SWEEP_CHUNK)) {
      const top = hi;
      hi = sweepRange(hi, Math.max(call, hi - chunk));
      unswept = clearSwept(hi, top, roots, unswept);
    }
    if (r < 0) break;
    runPrimitiveBackward(prims[r], T.adj);
    hi = call - 1;
  }
  if (seeded) T.adjState = ADJ_CLEAN;
}

/**
 * Clear the adjoints of the slots in (stop, top], which `sweepRange` has just swept, but
 * for the entries with no parent there (`roots[0 … unswept)` lie at or below `top`): their
 * adjoints are read after the sweep. Returns how many roots lie at or below `stop`.
 *
 * Cleared here, while the swept stretch (at most SWEEP_CHUNK slots) is still in cache, the
 * buffer needs no fill before the next sweep (ADJ_CLEAN). A fill of the whole tape there
 * went to memory: on the benchmark's chain 8 MB, 0.55 CPU ns per op against about 0.1 here.
 * Clearing each slot inside sweepRange's loop instead cost 0.23 ns per op, a store and its
 * bounds check per entry.
 */
function clearSwept(stop: number, top: number, roots: readonly number[], unswept: number): number {
  const adj = T.adj;
  let to = top + 1;
  let k = unswept - 1;
  for (; k >= 0 && roots[k] > stop; k--) {
    const s = roots[k];
    if (s < to) {
      adj.fill(0, s + 1, to);
      to = s;
    }
  }
  adj.fill(0, stop + 1, to);
  return k + 1;
}

/**
 * Sweep the entries whose slots lie in (lo, hi], top down; `hi` and `lo` are entries' own
 * slots. The sweep is bound by latency and by the instructions around each entry more than
 * by memory: an adjoint is summed in memory and read back an entry or two later, and a
 * store read straight back costs a store-to-load forward on top of the multiply-add.
 * Most entries feed the entry just below them (a chain
 * of ops), so the loop carries that entry's finished adjoint in a register (`g`) instead
 * of reading it back: the same additions in the same order (a two-parent entry's first
 * parent first), bit for bit, at about half the time per entry.
 *
 * Returns the slot it stopped at: `lo`, or `lo − 1` when `lo` is the first slot of a
 * two-parent entry (swept whole). The adjoint it carries equals `adj` at that slot, so a
 * sweep may stop and resume anywhere between entries.
 */
function sweepRange(hi: number, lo: number): number {
  // The arrays are read through the constant `trace` at each use, not held in locals: a
  // local array's map is unknown inside the loop (TurboFan infers it no further back than
  // the loop header), so each access re-checked it, while a field of `trace` has the exact
  // type its hidden class records (see ActiveTrace). Measured on the 200k chain, both
  // versions alternated in one process: reset + sweep 3.35-3.4 against 3.8 CPU ns per op.
  //
  // The loop sweeps up to four entries a pass, the same step written out four times (keep
  // the copies identical). Each pass starts with an interrupt check, a call TurboFan must
  // assume changes anything, so it reloads `trace`'s arrays (field, length, data pointer)
  // and checks `trace`'s map at the top of every pass: about a quarter of the loop's
  // instructions on the chain with one entry a pass. Four entries a pass share those
  // loads: reset + sweep 0.89-0.91 of the time of one entry a pass (CPU time, alternated
  // in one process, 200k chain); two a pass gave 0.93-0.94.
  let i = hi;
  let g = trace.adj[i];
  let last: number;
  while (i > lo) {
    last = trace.par[i];
    if (last < 0) {
      const below = i - 1;
      if (g !== 0) {
        const pa = ~last;
        const va = trace.adj[pa] + trace.dv[i] * g;
        trace.adj[pa] = va;
        g = pa === below ? va : trace.adj[below];
      } else g = trace.adj[below];
      i = below;
    } else {
      // two parents: the first in slot i − 1, the second (`last`) in slot i
      const first = i - 1;
      const below = i - 2;
      if (g !== 0) {
        const pa = trace.par[first];
        const va = trace.adj[pa] + trace.dv[first] * g;
        trace.adj[pa] = va;
        const vb = trace.adj[last] + trace.dv[i] * g;
        trace.adj[last] = vb;
        g = last === below ? vb : pa === below ? va : trace.adj[below];
      } else g = trace.adj[below];
      i = below;
    }
    if (i <= lo) break;
    last = trace.par[i];
    if (last < 0) {
      const below = i - 1;
      if (g !== 0) {
        const pa = ~last;
        const va = trace.adj[pa] + trace.dv[i] * g;
        trace.adj[pa] = va;
        g = pa === below ? va : trace.adj[below];
      } else g = trace.adj[below];
      i = below;
    } else {
      // two parents: the first in slot i − 1, the second (`last`) in slot i
      const first = i - 1;
      const below = i - 2;
      if (g !== 0) {
        const pa = trace.par[first];
        const va = trace.adj[pa] + trace.dv[first] * g;
        trace.adj[pa] = va;
        const vb = trace.adj[last] + trace.dv[i] * g;
        trace.adj[last] = vb;
        g = last === below ? vb : pa === below ? va : trace.adj[below];
      } else g = trace.adj[below];
      i = below;
    }
    if (i <= lo) break;
    last = trace.par[i];
    if (last < 0) {
      const below = i - 1;
      if (g !== 0) {
        const pa = ~last;
        const va = trace.adj[pa] + trace.dv[i] * g;
        trace.adj[pa] = va;
        g = pa === below ? va : trace.adj[below];
      } else g = trace.adj[below];
      i = below;
    } else {
      // two parents: the first in slot i − 1, the second (`last`) in slot i
      const first = i - 1;
      const below = i - 2;
      if (g !== 0) {
        const pa = trace.par[first];
        const va = trace.adj[pa] + trace.dv[first] * g;
        trace.adj[pa] = va;
        const vb = trace.adj[last] + trace.dv[i] * g;
        trace.adj[last] = vb;
        g = last === below ? vb : pa === below ? va : trace.adj[below];
      } else g = trace.adj[below];
      i = below;
    }
    if (i <= lo) break;
    last = trace.par[i];
    if (last < 0) {
      const below = i - 1;
      if (g !== 0) {
        const pa = ~last;
        const va = trace.adj[pa] + trace.dv[i] * g;
        trace.adj[pa] = va;
        g = pa === below ? va : trace.adj[below];
      } else g = trace.adj[below];
      i = below;
    } else {
      // two parents: the first in slot i − 1, the second (`last`) in slot i
      const first = i - 1;
      const below = i - 2;
      if (g !== 0) {
        const pa = trace.par[first];
        const va = trace.adj[pa] + trace.dv[first] * g;
        trace.adj[pa] = va;
        const vb = trace.adj[last] + trace.dv[i] * g;
        trace.adj[last] = vb;
        g = last === below ? vb : pa === below ? va : trace.adj[below];
      } else g = trace.adj[below];
      i = below;
    }
  }
  return i;
}

function runPrimitiveBackward(rec: PrimRecord, adj: Float64Array): void {
  const ybar = adj.slice(rec.firstOut, rec.firstOut + rec.nOut);
  let any = false;
  for (let j = 0; j < ybar.length; j++) {
    if (ybar[j] !== 0) {
      any = true;
      break;
    }
  }
  if (!any) return;
  const xbar = rec.backward(ybar);
  const inputs = rec.inputs;
  if (xbar.length !== inputs.length) {
    throw new Error(
      `ad: primitive '${rec.name}' backward returned ${xbar.length} cotangents for ${inputs.length} inputs`,
    );
  }
  for (let j = 0; j < inputs.length; j++) {
    const g = xbar[j];
    if (g - g !== 0) {
      throw new NonFiniteError(rec.name, scopeLabelAt(rec.firstOut - 1), 'reverse', `cotangent of input ${j} is ${g}`);
    }
    adj[inputs[j]] += g;
  }
}

/**
 * After a sweep produced a non-finite adjoint, find the op that produced it: the
 * highest entry whose own adjoint is finite but whose contribution to a parent is not.
 * The sweep cleared the adjoints it used, so this walks the tape again from the same seeds
 * (`seedAdjoint`), entry by entry, keeping every adjoint: the same additions in the same
 * order as `sweepRange` (a two-parent entry's first parent first) and the primitives'
 * backward rules at their call entries, so each entry sees the adjoint the sweep gave it.
 */
export function locateReverseNonFinite(): NonFiniteError {
  const seeds = T.seeds;
  const adj = resetAdjoint();
  for (let j = 0; j < seeds.length; j += 2) seedAdjoint(seeds[j], seeds[j + 1]);
  const { op, par, dv, prims } = T;
  let r = prims.length - 1;
  for (let i = T.n - 1; i >= 1;) {
    if (r >= 0 && i === prims[r].firstOut - 1) {
      runPrimitiveBackward(prims[r--], adj);
      i -= 1;
      continue;
    }
    // a two-parent entry's slot i holds its second parent, i − 1 its first
    const one = par[i] < 0;
    const g = adj[i];
    if (g !== 0) {
      const d1 = one ? dv[i] : dv[i - 1];
      const d2 = one ? 0 : dv[i];
      const c1 = d1 * g;
      const c2 = d2 * g;
      if (g - g === 0 && (c1 - c1 !== 0 || c2 - c2 !== 0)) {
        const partial = c1 - c1 !== 0 ? d1 : d2;
        return new NonFiniteError(
          opName(op[i]),
          scopeLabelAt(i),
          'reverse',
          `local partial ${partial} times adjoint ${g}`,
        );
      }
      if (one) adj[~par[i]] += c1;
      else {
        adj[par[i - 1]] += c1;
        adj[par[i]] += c2;
      }
    }
    i -= one ? 1 : 2;
  }
  return new NonFiniteError(
    'accumulation',
    undefined,
    'reverse',
    'adjoints overflowed while summing finite contributions',
  );
}
