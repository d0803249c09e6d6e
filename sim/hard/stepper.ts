/**
 * Hard mode (impulses) as a Stepper of the rollout driver (sim/driver/rollout.ts).
 *
 * Forward: the plain `step` (sim/step.ts, which runs `hardStep`) on the model with the
 * rollout's inputs; a checkpoint keeps the warm-start table with the state, so a replayed
 * segment repeats the executed solves exactly. The kink report's margins (m/s):
 * sim/hard/decisions.ts.
 *
 * Pullback: a step without contacts (or whose contacts carried no impulse, on a step the
 * position pass did not move and with no placed impact) goes through the integrator's
 * hand-written adjoint; a step with contacts through the kernels' hand-written adjoints
 * (step-adjoint.ts, with placed-adjoint.ts for the impacts it places), no tape. The step's
 * trace (test/sim/hard/oracle/traced-step.ts) is their reference in the tests.
 */
import { createContacts, type Contacts } from '../collision/contacts.ts';
import type { RolloutConfig } from '../driver/config.ts';
import {
  addIntegratorParamBars,
  inputWidth,
  integratorInputsOf,
  modelWithInputs,
  rolloutLayout,
  WRENCH_PER_BODY,
  type RolloutLayout,
} from '../driver/inputs.ts';
import { addInto, contactsBytes, copyInto, keepContacts } from '../driver/records.ts';
import { DEFAULT_KEPT_INTERMEDIATES_BYTES, DEFAULT_KEPT_RECORDS_BYTES } from '../driver/config.ts';
import { RECORD_POOL, type Lease } from '../driver/lease-pool.ts';
import type { Stepper, StepperFactory } from '../driver/stepper.ts';
import { integrateAdjoint, integratorLayout } from '../integrator/semiImplicitEuler.ts';
import { createStepData, step } from '../step.ts';
import { createFreeFlight, type HardFreeFlight, type HardStepData } from './step.ts';
import { dropStaticVelocities, hardStepAdjoint, type KeptFreeFlight } from './step-adjoint.ts';
import { dropIsotropicOrientation } from './pose-kernels.ts';
import { tracedStepContext, type HardStepRecord, type TracedStepContext } from './record.ts';
import type { KinkSink } from '../../ad/primitive.ts';
import type { State } from '../state.ts';
import { PlacedSplitter } from './placed-split.ts';
import { PlacedJacobianRows } from './step-tangent-placed.ts';
import { RecordArena } from './record-arena.ts';
import { SliceCopy } from './slice-copy.ts';
import { restoreWarmStart, snapshotWarmStart, type WarmStartSnapshot } from './warmStart.ts';
import type { StepTangents } from '../driver/stepper.ts';
import type { MarginTangentSink } from '../contact/wrenches-tangent.ts';
import { HardTangentForward } from './stepper-tangent.ts';

/**
 * Contacts within this many penetration tolerances of d = 0 count as resting for the
 * bound's derivative (contact-rules.ts `speculativeBound`): the velocity solve leaves resting gaps of ±1e-10 m
 * and the position pass anything beyond the tolerance (1 µm), so 10× covers both.
 */
export const RESTING_GAP_FACTOR = 10;

/**
 * A step's record as this Stepper keeps it: what the step decided and found
 * (record.ts `HardStepRecord`) and, when the forward pass kept it, the step's free
 * flight (step.ts `HardFreeFlight`) for its pullback to read rather than compute again.
 */
export interface HardKeptStep extends HardStepRecord {
  /** the free flight's values from `freeAt` on, or null (the pullback computes it) */
  freeValues: Float64Array | null;
  freeAt: number;
  /** the record pool's lease holding `freeValues` (valid while the pool holds it for this Stepper), or null (the record's own) */
  freeLease: Lease | null;
}

/** The kept record of every step without contacts or whose contacts carried no impulse (never written: the backward reads only its count). */
const NO_CONTACT_STEP: HardKeptStep = {
  contacts: createContacts(0),
  impulse: new Float64Array(0),
  bounced: new Uint8Array(0),
  impactFraction: new Float64Array(0),
  pseudo: new Float64Array(0),
  moved: false,
  positionActive: new Uint8Array(0),
  freeValues: null,
  freeAt: 0,
  freeLease: null,
};

/** Bytes held by a step record (the shared empty one's arrays are all of length 0). */
function recordBytes(rec: HardRecord): number {
  if (rec instanceof PackedStep) return rec.length * Float64Array.BYTES_PER_ELEMENT;
  return (
    contactsBytes(rec.contacts) +
    rec.impulse.byteLength +
    rec.bounced.byteLength +
    rec.impactFraction.byteLength +
    rec.pseudo.byteLength +
    rec.positionActive.byteLength
  );
}

/**
 * Keep what the step just taken decided and found (reusing `into` when given). A new
 * record keeps no free flight; one reused keeps the one it had (its caller's to fill).
 */
export function recordStep(data: HardStepData, into: HardKeptStep | undefined, minCapacity = 16): HardKeptStep {
  const p = data.problem;
  const c = p.count;
  const capacity = Math.max(c, minCapacity);
  const rec: HardKeptStep =
    into !== undefined && into.impulse.length >= 3 * c
      ? into
      : {
          contacts: createContacts(capacity),
          impulse: new Float64Array(3 * capacity),
          bounced: new Uint8Array(capacity),
          impactFraction: new Float64Array(capacity),
          pseudo: new Float64Array(data.pseudo.length),
          moved: false,
          positionActive: new Uint8Array(capacity),
          freeValues: into?.freeValues ?? null,
          freeAt: 0,
          freeLease: null,
        };
  rec.contacts = keepContacts(data.contacts, rec.contacts, minCapacity);
  for (let k = 0; k < c; k++) {
    const o = 9 * k,
      d = p.dir;
    const ln = p.impulse[3 * k],
      l1 = p.impulse[3 * k + 1],
      l2 = p.impulse[3 * k + 2];
    for (let i = 0; i < 3; i++) rec.impulse[3 * k + i] = ln * d[o + i] + l1 * d[o + 3 + i] + l2 * d[o + 6 + i];
    rec.bounced[k] = p.bounced[k];
    rec.impactFraction[k] = p.impactFraction[k];
    // the drift correction's active set (position.ts; λ_p is 0 where the pass did not run)
    rec.positionActive[k] = p.positionImpulse[k] > 0 ? 1 : 0;
  }
  rec.moved = data.stats.moved;
  if (rec.moved) {
    if (rec.pseudo.length < data.pseudo.length) rec.pseudo = new Float64Array(data.pseudo.length);
    rec.pseudo.set(data.pseudo);
  } else rec.pseudo.fill(0); // (empty in a kept record)
  return rec;
}

/**
 * A kept record's fields in the order {@link PackedStep} packs them, with their numbers per
 * contact (integers and flags as doubles, exactly); the pseudo-velocities (6 per body) follow
 * when the position pass moved the step.
 */
const PACKED_FIELDS = {
  bodyA: 1,
  bodyB: 1,
  pair: 1,
  bounced: 1,
  dist: 1,
  impactFraction: 1,
  normal: 3,
  point: 3,
  impulse: 3,
  positionActive: 1,
} as const;

/** Numbers per contact ahead of each field (times the count: its offset in a record), and in all. */
const PACKED_AT = (() => {
  const at = {} as Record<keyof typeof PACKED_FIELDS, number>;
  let sum = 0;
  for (const [field, width] of Object.entries(PACKED_FIELDS)) {
    at[field as keyof typeof PACKED_FIELDS] = sum;
    sum += width;
  }
  return { ...at, perContact: sum };
})();

/**
 * A step's record as the forward pass keeps it: its numbers packed into a chunk of the
 * rollout's arena (record-arena.ts) from `at`, in {@link PACKED_FIELDS}' order: one small
 * object per step instead of a record of typed-array views. The pullback unpacks it into
 * a scratch {@link HardStepRecord} (the same numbers).
 */
export class PackedStep {
  /** the free flight's values from `freeAt` on, or null (the pullback computes it) */
  freeValues: Float64Array | null = null;
  freeAt = 0;
  /** the record pool's lease holding `freeValues` (valid while the pool holds it for this Stepper), or null */
  freeLease: Lease | null = null;

  constructor(
    readonly values: Float64Array,
    readonly at: number,
    /** contacts */
    readonly count: number,
    /** did the position pass move the step (then its pseudo-velocities follow the contacts)? */
    readonly moved: boolean,
    /** numbers it holds */
    readonly length: number,
  ) {}
}

/** What the forward pass keeps per step: packed, or the shared empty record of a step without contacts. */
export type HardRecord = HardKeptStep | PackedStep;

/** The world impulses of the step just taken (recordStep's expression), per contact, for {@link packStep}. */
let _world = new Float64Array(0);

/**
 * Pack the step just taken (with contacts) into `arena`. A step the position pass did not
 * move and with no placed impact keeps only the contacts that carried an impulse: the
 * others' θ̄ is zero (step-values.ts `idle`), so their frames', geometry's and bounds'
 * cotangents are zero too, and a body they alone touch moves as in free flight (v⁺ = v* + 0,
 * no pseudo-velocity), which the integrator's adjoint pulls back. On billiards that is 11
 * of 27 contacts a step. Returns null when that leaves none: the step is pulled back as
 * free flight (which, like a step with contacts, leaves static bodies' velocities
 * undifferentiated: step-adjoint.ts `dropStaticVelocities`).
 */
export function packStep(data: HardStepData, arena: RecordArena): PackedStep | null {
  const p = data.problem;
  const all = p.count;
  const moved = data.stats.moved;
  const every = moved || p.placed;
  if (_world.length < 3 * all) _world = new Float64Array(Math.max(3 * all, 2 * _world.length));
  const world = _world;
  const d = p.dir;
  let c = 0;
  for (let k = 0; k < all; k++) {
    const o = 9 * k;
    const ln = p.impulse[3 * k],
      l1 = p.impulse[3 * k + 1],
      l2 = p.impulse[3 * k + 2];
    for (let i = 0; i < 3; i++) world[3 * k + i] = ln * d[o + i] + l1 * d[o + 3 + i] + l2 * d[o + 6 + i];
    if (every || world[3 * k] !== 0 || world[3 * k + 1] !== 0 || world[3 * k + 2] !== 0) c++;
  }
  if (c === 0) return null;
  const n6 = data.pseudo.length;
  const length = PACKED_AT.perContact * c + (moved ? n6 : 0);
  arena.reserve(length);
  const v = arena.chunk,
    at = arena.at;
  const src = data.contacts;
  const A = at + PACKED_AT.bodyA * c,
    B = at + PACKED_AT.bodyB * c,
    P = at + PACKED_AT.pair * c,
    Bo = at + PACKED_AT.bounced * c,
    D = at + PACKED_AT.dist * c,
    S = at + PACKED_AT.impactFraction * c,
    N = at + PACKED_AT.normal * c,
    Pt = at + PACKED_AT.point * c,
    I = at + PACKED_AT.impulse * c,
    Pa = at + PACKED_AT.positionActive * c;
  let j = 0;
  for (let k = 0; k < all; k++) {
    if (!(every || world[3 * k] !== 0 || world[3 * k + 1] !== 0 || world[3 * k + 2] !== 0)) continue;
    v[A + j] = src.bodyA[k];
    v[B + j] = src.bodyB[k];
    v[P + j] = src.pair[k];
    v[Bo + j] = p.bounced[k];
    v[D + j] = src.dist[k];
    v[S + j] = p.impactFraction[k];
    v[Pa + j] = p.positionImpulse[k] > 0 ? 1 : 0;
    for (let i = 0; i < 3; i++) {
      v[N + 3 * j + i] = src.normal[3 * k + i];
      v[Pt + 3 * j + i] = src.point[3 * k + i];
      v[I + 3 * j + i] = world[3 * k + i];
    }
    j++;
  }
  if (moved) {
    const Q = at + PACKED_AT.perContact * c;
    for (let z = 0; z < n6; z++) v[Q + z] = data.pseudo[z];
  }
  return new PackedStep(v, at, c, moved, length);
}

/** The record `rec` packed, unpacked into `into` (grown when short; returned). */
export function unpackStep(rec: PackedStep, into: HardKeptStep | undefined, nbody: number): HardKeptStep {
  const c = rec.count;
  const out: HardKeptStep =
    into !== undefined && into.impulse.length >= 3 * c
      ? into
      : {
          contacts: createContacts(Math.max(c, 16)),
          impulse: new Float64Array(3 * Math.max(c, 16)),
          bounced: new Uint8Array(Math.max(c, 16)),
          impactFraction: new Float64Array(Math.max(c, 16)),
          positionActive: new Uint8Array(Math.max(c, 16)),
          pseudo: new Float64Array(6 * nbody),
          moved: false,
          freeValues: null,
          freeAt: 0,
          freeLease: null,
        };
  const v = rec.values,
    at = rec.at;
  const dst = out.contacts;
  dst.count = c;
  dst.dropped = 0;
  const A = at + PACKED_AT.bodyA * c,
    B = at + PACKED_AT.bodyB * c,
    P = at + PACKED_AT.pair * c,
    Bo = at + PACKED_AT.bounced * c,
    D = at + PACKED_AT.dist * c,
    S = at + PACKED_AT.impactFraction * c,
    Pa = at + PACKED_AT.positionActive * c;
  for (let k = 0; k < c; k++) {
    dst.bodyA[k] = v[A + k];
    dst.bodyB[k] = v[B + k];
    dst.pair[k] = v[P + k];
    out.bounced[k] = v[Bo + k];
    dst.dist[k] = v[D + k];
    out.impactFraction[k] = v[S + k];
    out.positionActive[k] = v[Pa + k];
  }
  const N = at + PACKED_AT.normal * c,
    Pt = at + PACKED_AT.point * c,
    I = at + PACKED_AT.impulse * c;
  for (let j = 0; j < 3 * c; j++) {
    dst.normal[j] = v[N + j];
    dst.point[j] = v[Pt + j];
    out.impulse[j] = v[I + j];
  }
  out.moved = rec.moved;
  if (rec.moved) {
    const Q = at + PACKED_AT.perContact * c;
    const pseudo = out.pseudo;
    for (let j = 0; j < pseudo.length; j++) pseudo[j] = v[Q + j];
  }
  out.freeValues = rec.freeValues;
  out.freeAt = rec.freeAt;
  out.freeLease = rec.freeLease;
  return out;
}

/**
 * Hard mode for the rollout driver.
 *
 * @example
 * const run = driveRollout({ model, steps: 500 }, HARD_STEPPER);
 * const z = run(x)[7 * ball + 2]; // final height; d z/d x by ad.valueAndGrad
 */
export const HARD_STEPPER: StepperFactory<HardRecord, WarmStartSnapshot> = {
  name: 'rollout (hard)',
  // every step's tangent is the J its pullback transposes: by hand, and on a step that places
  // an impact the placed bodies' rows of the hand pullback (step-tangent-placed.ts); only the
  // margins' tangents of such a step are differenced, and they are not a gradient's columns
  exactTangents: true,
  make: (config, L, x) => new HardStepper(config, L, x),
};

class HardStepper implements Stepper<HardRecord, WarmStartSnapshot> {
  readonly model;
  private readonly data;
  private readonly hard: HardStepData;
  private readonly n: number;
  private readonly bodies: readonly number[];
  /** where kept records live, made on the first keep */
  private arena: RecordArena | null = null;
  /** where replayed steps' records live (recordInto), started over by each segment's restore */
  private replayArena: RecordArena | null = null;
  /** pullback scratch, made on the first pullback (a forward-only evaluation needs none) */
  private scratch: HardPullbackScratch | null = null;
  /** tangent-forward state, made on the first tangent step */
  private tangent: HardTangentForward | null = null;
  /**
   * The kept steps' free flights (step.ts `HardFreeFlight`), in one array for the rollout
   * lent by the record pool (lease-pool.ts: a loop of gradients reuses an earlier one's
   * rather than touching fresh pages), while the records fit their budget and the free
   * flights theirs (driver/config.ts `keptIntermediatesBytes`): the pullback reads them
   * instead of running the free flight (the gyroscopic step) and the world inertia again.
   */
  private readonly owner = RECORD_POOL.newOwner();
  private readonly steps: number;
  private freeChunk: Lease | null = null;
  /** the record pool's arrays under the kept records (the arena's chunks) */
  private readonly leases: Lease[] = [];
  private freeChunkUsed = 0;
  /** does the forward pass still keep free flights? */
  private keepsFree: boolean;
  /** bytes the driver counts for the records kept so far (states and records: rollout.ts) */
  private keptRecordBytes = 0;
  private readonly recordsBudget: number;
  /** floats of one step's free flight */
  private readonly freeSize: number;
  /** what the step writes its free flight into when asked to keep it */
  private readonly stepFree: HardFreeFlight;
  /** the pullback's view of a record's kept free flight */
  private readonly keptFree: KeptFreeFlight = { values: new Float64Array(0), at: 0 };

  constructor(
    config: RolloutConfig,
    private readonly L: RolloutLayout,
    private readonly x: Float64Array,
  ) {
    this.model = modelWithInputs(config.model, L, x);
    this.data = createStepData(this.model);
    if (this.data.hard === null) throw new Error('hard stepper: the step scratch has no hard-contact part');
    this.hard = this.data.hard;
    this.n = this.model.nbody;
    this.bodies = config.controlBodies ?? [];
    this.steps = config.steps;
    this.stepFree = createFreeFlight(this.n);
    this.freeSize = this.stepFree.values.length;
    // the records' budget as the driver spends it (its states first); the free flights'
    // own budget spent only while the records are kept
    this.recordsBudget = config.keptRecordsBytes ?? DEFAULT_KEPT_RECORDS_BYTES;
    const stateBytes = config.steps * (inputWidth('q', this.n) + inputWidth('qd', this.n)) * 8;
    this.keepsFree =
      stateBytes <= this.recordsBudget &&
      config.steps * this.freeSize * 8 <= (config.keptIntermediatesBytes ?? DEFAULT_KEPT_INTERMEDIATES_BYTES);
    this.hard.freeFlight = this.keepsFree ? this.stepFree : null;
  }

  forward(state: State, control: Float64Array | null, kinks: KinkSink | null): void {
    step(this.model, this.data, state, control, state, kinks);
  }

  /** The plain step, with every direction's tangent carried through its linearization (stepper-tangent.ts). */
  tangentForward(
    state: State,
    control: Float64Array | null,
    tangents: StepTangents,
    kinks: MarginTangentSink | null,
  ): void {
    const sc = (this.scratch ??= this.makeScratch());
    this.tangent ??= new HardTangentForward(
      this.model,
      this.data,
      this.hard,
      this.L,
      sc.L1,
      sc.ctx,
      new PlacedSplitter(this.model.bodyStatic),
      new PlacedJacobianRows(),
      this.bodies,
      this.x,
      // (the records it hands back are the ones recordStep made)
      (into) => recordStep(this.hard, into as HardKeptStep | undefined),
    );
    this.tangent.step(state, control, tangents, kinks);
  }

  contacts(): Contacts {
    return this.data.contacts;
  }

  keep(): HardRecord {
    // a contact-free step, or one whose contacts carried no impulse (pulled back as free
    // flight), shares one empty record; the others are packed, with no spare capacity
    const rec =
      this.hard.problem.count === 0
        ? NO_CONTACT_STEP
        : (packStep(this.hard, (this.arena ??= this.newArena())) ?? NO_CONTACT_STEP);
    if (!this.keepsFree) return rec;
    this.keptRecordBytes += (inputWidth('q', this.n) + inputWidth('qd', this.n)) * 8 + recordBytes(rec);
    if (this.keptRecordBytes > this.recordsBudget) {
      // the driver drops the records (it replays the segments): keep no more free flights
      this.keepsFree = false;
      this.hard.freeFlight = null;
      this.freeChunk = null;
      return rec;
    }
    if (rec === NO_CONTACT_STEP) return rec;
    const size = this.freeSize;
    const chunk = (this.freeChunk ??= RECORD_POOL.lend(this.owner, this.steps * size));
    const at = this.freeChunkUsed;
    chunk.array.set(this.stepFree.values, at);
    this.freeChunkUsed += size;
    rec.freeValues = chunk.array;
    rec.freeAt = at;
    rec.freeLease = chunk;
    return rec;
  }

  /** An arena whose chunks the record pool lends (so a loop of gradients reuses them), noted in `leases`. */
  private newArena(): RecordArena {
    return new RecordArena((numbers) => {
      const lease = RECORD_POOL.lend(this.owner, numbers);
      this.leases.push(lease);
      return lease.array;
    });
  }

  /** Are the kept records' chunks still this Stepper's (a later evaluation may have been lent them)? */
  recordsHeld(): boolean {
    for (const lease of this.leases) if (!RECORD_POOL.holds(lease, this.owner)) return false;
    return true;
  }

  /**
   * A replayed step's record (the driver replays a segment when the records did not fit
   * their budget): packed as `keep` packs it (the same contacts), with its free flight,
   * into an arena of this Stepper's own that each segment's `restore` starts over.
   */
  recordInto(): HardRecord {
    const arena = (this.replayArena ??= new RecordArena());
    const rec = this.hard.problem.count === 0 ? NO_CONTACT_STEP : (packStep(this.hard, arena) ?? NO_CONTACT_STEP);
    if (rec !== NO_CONTACT_STEP && this.hard.freeFlight !== null) {
      arena.reserve(this.freeSize);
      arena.chunk.set(this.stepFree.values, arena.at);
      rec.freeValues = arena.chunk;
      rec.freeAt = arena.at;
      rec.freeLease = null;
    }
    return rec;
  }

  recordBytes(rec: HardRecord): number {
    return recordBytes(rec);
  }

  snapshot(): WarmStartSnapshot {
    return snapshotWarmStart(this.hard.warmStart);
  }

  restore(snapshot: WarmStartSnapshot): void {
    restoreWarmStart(this.hard.warmStart, snapshot);
    // a new segment: the last one's replayed records are no longer read
    this.replayArena?.reset();
    // the driver replays a segment: its steps keep their free flights in their records
    this.hard.freeFlight = this.stepFree;
  }

  pullback(
    kept: HardRecord,
    states: Float64Array,
    offset: number,
    control: Float64Array | null,
    lambda: Float64Array,
    xbar: Float64Array,
    controlBar: Float64Array,
  ): void {
    const n = this.n,
      L = this.L,
      bodies = this.bodies;
    const sc = (this.scratch ??= this.makeScratch());
    const stateSize = sc.stateWidth;
    const rec = kept instanceof PackedStep ? (sc.unpacked = unpackStep(kept, sc.unpacked, n)) : kept;
    if (rec.contacts.count === 0) {
      // free flight: the integrator's own adjoint, the controls as the wrench; static
      // bodies' velocities are not differentiated (as in a step with contacts)
      dropStaticVelocities(lambda, 7 * n, this.model.bodyStatic);
      const { xInt, xIntBar, IL } = sc;
      copyInto(xInt, IL.q, states, offset, stateSize);
      if (control === null) xInt.fill(0, IL.wrench, IL.wrench + controlBar.length);
      else copyInto(xInt, IL.wrench, control, 0, control.length);
      integrateAdjoint(sc.integratorConfig, xInt, lambda, xIntBar);
      dropIsotropicOrientation(xIntBar, IL.q, lambda, 0, xInt, IL.invInertia, this.model.bodyStatic);
      addIntegratorParamBars(xbar, L, xIntBar, IL, n);
      copyInto(controlBar, 0, xIntBar, IL.wrench, controlBar.length);
      copyInto(lambda, 0, xIntBar, IL.q, stateSize);
      return;
    }
    // one step's inputs in the one-step layout: [state | parameters | this step's controls]
    const { xs, L1 } = sc;
    copyInto(xs, 0, states, offset, stateSize);
    const cw = WRENCH_PER_BODY;
    if (control !== null)
      for (let j = 0; j < bodies.length; j++) copyInto(xs, L1.controls + cw * j, control, cw * bodies[j], cw);
    // the kernels' adjoints composed by hand: the gradient of ȳ·step(x) is (∂step/∂x)ᵀȳ
    const values = rec.freeValues;
    let free: KeptFreeFlight | null = null;
    if (values !== null && (rec.freeLease === null || RECORD_POOL.holds(rec.freeLease, this.owner))) {
      free = this.keptFree;
      free.values = values;
      free.at = rec.freeAt;
    }
    const xsbar = hardStepAdjoint(sc.ctx, rec, xs, lambda, sc.xsbar, free);
    addInto(xbar, L.invMass, xsbar, L1.invMass, L.controls - L.invMass);
    controlBar.fill(0);
    for (let j = 0; j < bodies.length; j++) addInto(controlBar, cw * bodies[j], xsbar, L1.controls + cw * j, cw);
    sc.toLambda.copy(lambda, 0, xsbar, 0, stateSize);
  }

  private makeScratch(): HardPullbackScratch {
    const n = this.n,
      L = this.L;
    const L1 = rolloutLayout(n, 1, this.bodies.length);
    const xs = new Float64Array(L1.size);
    // the parameter groups lie between the state and the controls in both layouts
    copyInto(xs, L1.invMass, this.x, L.invMass, L.controls - L.invMass);
    return {
      stateWidth: inputWidth('q', n) + inputWidth('qd', n),
      L1,
      xs,
      xsbar: new Float64Array(L1.size),
      ctx: tracedStepContext(this.model, L1, this.bodies, RESTING_GAP_FACTOR * this.hard.settings.penetrationTolerance),
      IL: integratorLayout(n),
      xInt: integratorInputsOf(this.x, L, n),
      xIntBar: new Float64Array(integratorLayout(n).size),
      integratorConfig: { nbody: n, dt: this.model.dt, isStatic: this.model.bodyStatic },
      unpacked: undefined,
      toLambda: new SliceCopy(),
    };
  }
}

interface HardPullbackScratch {
  /** floats of the state (q and qd) */
  stateWidth: number;
  L1: RolloutLayout;
  /** one step's inputs (layout L1), parameters filled once */
  xs: Float64Array;
  /** the hand adjoint's output, one step's x̄ (layout L1) */
  xsbar: Float64Array;
  ctx: TracedStepContext;
  IL: ReturnType<typeof integratorLayout>;
  xInt: Float64Array;
  xIntBar: Float64Array;
  integratorConfig: { nbody: number; dt: number; isStatic: Uint8Array };
  /** the packed record being pulled back, unpacked (grown to the most contacts seen) */
  unpacked: HardKeptStep | undefined;
  /** x̄'s state part into λ (slice-copy.ts) */
  toLambda: SliceCopy;
}
