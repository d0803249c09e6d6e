/**
 * Penalty and soft contact (forces) as a Stepper of the rollout driver (driver/rollout.ts).
 *
 * Forward: the plain `step` (sim/step.ts: collide → contact wrenches → controls →
 * integrate) on the model with the rollout's inputs, which also leaves the integrator's
 * costly intermediates (the exponential map, the gyroscopic Newton step) for the adjoint.
 * A record is the step's wrench (contacts and controls), those intermediates and the
 * contacts' force intermediates (when they fit the intermediates budget, driver/config.ts)
 * and, in a replayed segment, its contacts. A kept record (held for the whole backward
 * pass) holds its contacts only after full force slots, in the intermediates budget (10
 * numbers a contact, records.ts `keepContactsIn`: the billiards break keeps every step's);
 * otherwise its pullback runs the collision pass again on the state before the step, which
 * the driver keeps, and finds the same contacts bit for bit (collision is a function of the
 * poses alone). That leaves the record budget to the states and wrenches: a 1,000-step
 * rollout of 100 boxes (22 MB of contacts) keeps its records instead of replaying every
 * segment, and its compact force slots are worth more than its contacts (measured: keeping
 * them after compact slots too, for fewer steps' forces, was no faster).
 *
 * Pullback: the stages' hand-written adjoints in reverse: `integrateAdjointInPlace`
 * (state, wrench and mass/inertia/gravity cotangents, in place on λ and x̄) → `contactWrenchesPullback` (geometry, state,
 * contact scalars, friction, inverse mass and inertia, restitution, gravity) →
 * `contactGeometryAdjoint` (poses and shape sizes, for the features the forward pass
 * chose).
 */
import type { KinkSink } from '../../ad/primitive.ts';
import { collide, createContacts, type Contacts } from '../collision/index.ts';
import { contactGeometryAdjoint } from '../contact/geometry.ts';
import type { ContactForceParams } from '../contact/params.ts';
import {
  CONTACT_KEPT_COMPACT,
  CONTACT_KEPT_PER_CONTACT,
  contactWrenchesPullback,
  contactWrenchLayout,
  keepContactIntermediatesIn,
  type ContactWrenchLayout,
} from '../contact/wrenches.ts';
import { INTEGRATOR_KEPT_PER_BODY, integrateAdjointInPlace } from '../integrator/semiImplicitEuler.ts';
import type { Model } from '../model.ts';
import type { State } from '../state.ts';
import { createStepData, step, type StepData } from '../step.ts';
import { DEFAULT_KEPT_INTERMEDIATES_BYTES, DEFAULT_KEPT_RECORDS_BYTES, type RolloutConfig } from './config.ts';
import { CONTACT_SCALAR_INPUTS, inputWidths, modelWithInputs, WRENCH_PER_BODY, type RolloutLayout } from './inputs.ts';
import type { MarginTangentSink } from '../contact/wrenches-tangent.ts';
import { ForceTangentStep } from './force-tangent.ts';
import { RECORD_POOL, type Lease } from './lease-pool.ts';
import {
  addInto,
  contactsBytes,
  contactsFrom,
  copyInto,
  keepContacts,
  keepContactsIn,
  KEPT_CONTACT_NUMBERS,
} from './records.ts';
import type { StepTangents, Stepper, StepperFactory } from './stepper.ts';

/**
 * What a force step's pullback needs besides the state before it. A kept record (held for
 * the whole backward pass) is its step's index in the stepper's arrays of wrenches,
 * contact counts and integrator intermediates: an object per step would be a thousand
 * young objects per rollout for the garbage collector to copy. A replayed step's record is
 * a {@link ReplayedForceStep}, reused across segments.
 */
export type ForceStepRecord = number | ReplayedForceStep;

/** The record of a step in a replayed segment. */
export interface ReplayedForceStep {
  /** the step's contacts */
  contacts: Contacts;
  /** the step's wrench (nbody×6: contacts plus controls) */
  wrench: Float64Array;
  /** the integrator's intermediates (nbody × INTEGRATOR_KEPT_PER_BODY) */
  integrator: Float64Array;
  /** the contacts' force intermediates (count × CONTACT_KEPT_PER_CONTACT), when `contactKeptValid` */
  contactKept: Float64Array;
  contactKeptValid: boolean;
}

/**
 * Penalty and soft modes for the rollout driver.
 *
 * @example
 * const run = driveRollout({ model, steps: 1000 }, FORCE_STEPPER);
 */
export const FORCE_STEPPER: StepperFactory<ForceStepRecord, null> = {
  name: 'rollout',
  // force-tangent.ts: each kernel's tangent is its adjoint's transpose, line by line
  exactTangents: true,
  make: (config, L, x) => new ForceStepper(config, L, x),
};

/**
 * Numbers of contact intermediates per chunk of a rollout's kept records (1 MiB, a step of
 * up to ~3,000 contacts): large enough that a rollout takes a few, small enough that the
 * last one's unused part is a small share of the budget.
 */
const CONTACT_CHUNK_NUMBERS = 1 << 17;
/** where a step that kept no contact intermediates kept them */
const NOWHERE = new Float64Array(0);
/**
 * Numbers per contact of a kept step's contacts (records.ts `keepContactsIn`: bodies,
 * feature pair, distance, normal, point), kept after its force intermediates when its
 * slots are {@link CONTACTS_RIDE_WITH} wide: its pullback then reads them instead of
 * running the collision pass again on the state before the step.
 */
const CONTACT_NUMBERS = KEPT_CONTACT_NUMBERS;
/**
 * The slot width whose steps keep their contacts too: the full one, the slots of a rollout
 * whose forces all fit the intermediates budget (the billiards break). A compact slot
 * (a rollout over its budget: a hundred boxes) keeps none: its numbers go to more steps'
 * forces, which cost more to compute again than the collision pass.
 */
const CONTACTS_RIDE_WITH = CONTACT_KEPT_PER_CONTACT;

class ForceStepper implements Stepper<ForceStepRecord, null> {
  readonly model: Model;
  private readonly data: StepData;
  private readonly n: number;
  private scratch: ForcePullbackScratch | null = null;
  /**
   * the wrenches and contact counts of the kept records, one array each for the rollout: a
   * typed array per step would be one off-heap buffer per step, which costs more than the
   * step itself
   */
  private keptWrenches: Lease | null = null;
  private keptContactCounts: Int32Array | null = null;
  private keptCount = 0;
  private readonly steps: number;
  /** the integrator's intermediates of the step just taken (the step scratch's `integratorKept`) */
  private readonly stepIntegrator: Float64Array;
  /**
   * the integrator's intermediates of the kept records, one array for the rollout, or null
   * when they would not fit the intermediates budget: its pullbacks then compute the
   * integration again, rather than the whole rollout losing its kept records
   */
  private keptIntegrator: Lease | null = null;
  private readonly keepsIntegrator: boolean;
  /** the step just taken wrote its integrator intermediates straight into `keptIntegrator` at its record's place */
  private integratorInPlace = false;
  /** the moving bodies: a kept record holds their wrenches and intermediates only (no adjoint reads a static body's) */
  private readonly moving: Int32Array;
  /** bytes of a kept record as the driver counts them (its wrench and contact count) */
  private readonly keptRecordBytes: number;
  /**
   * The contacts' force intermediates (wrenches.ts `keepContactIntermediatesIn`: contact i
   * at slot i, CONTACT_KEPT_PER_CONTACT numbers each). Each step writes them where the next
   * kept record's would go, the last of `contactChunks` from `contactChunkEnd`, when
   * that chunk has room for as many contacts as the contact buffer holds; else into
   * `stepContactKept`. `keep` commits them (the chunk's end moves on), a replayed step's
   * record copies them. Chunks of CONTACT_CHUNK_NUMBERS lent by the record pool
   * (lease-pool.ts), as the wrenches and integrator intermediates are.
   */
  private readonly owner = RECORD_POOL.newOwner();
  private readonly contactChunks: Lease[] = [];
  private contactChunkEnd = 0;
  private stepContactKept = new Float64Array(0);
  /** has the driver begun replaying segments (it restores a checkpoint first)? */
  private replaying = false;
  /**
   * the forward pass's kept records hold all the contact intermediates their budget
   * allows: its later steps write theirs nowhere (not only to drop them)
   */
  private contactKeptFull = false;
  /** the step just taken kept no intermediates */
  private stepKeptNowhere = false;
  /** where the step just taken wrote its intermediates: pool chunk and start (chunk −1: `stepContactKept`) */
  private stepKeptChunk = -1;
  private stepKeptAt = 0;
  /** each kept step's chunk (−1: not kept, its pullback computes the forces again) and start */
  private keptContactChunk: Int32Array | null = null;
  private keptContactAt: Int32Array | null = null;
  /** each kept step's slot width (numbers per contact: full or compact, wrenches.ts) */
  private keptContactSlot: Uint8Array | null = null;
  /** the slot width of the step just taken */
  private stepSlot: number = CONTACT_KEPT_PER_CONTACT;
  /** each kept step's contacts follow its force intermediates (1) or are found again (0) */
  private keptContactsFollow: Uint8Array | null = null;
  /** the pullback's contacts read back from a kept step (grown to the most any step had) */
  private keptContactsBuffer: Contacts = createContacts(0);
  /** numbers of contact intermediates the kept records hold */
  private keptContactTotal = 0;
  /**
   * numbers of contact intermediates the kept records may hold: the intermediates budget
   * less the integrator's (driver/config.ts `keptIntermediatesBytes`), none when the
   * records themselves do not fit theirs (the driver replays: a replayed segment keeps
   * its own steps' intermediates in its records)
   */
  private readonly contactKeptCap: number;

  constructor(
    config: RolloutConfig,
    private readonly L: RolloutLayout,
    private readonly x: Float64Array,
  ) {
    if (config.model.contact.mode === 'hard')
      throw new Error('force stepper: hard mode steps by impulses (sim/hard/stepper.ts)');
    this.model = modelWithInputs(config.model, L, x);
    this.data = createStepData(this.model);
    this.n = this.model.nbody;
    this.steps = config.steps;
    this.stepIntegrator = new Float64Array(INTEGRATOR_KEPT_PER_BODY * this.n);
    const moving: number[] = [];
    for (let b = 0; b < this.n; b++) if (!this.model.bodyStatic[b]) moving.push(b);
    this.moving = Int32Array.from(moving);
    this.keptRecordBytes = this.data.wrench.byteLength + Int32Array.BYTES_PER_ELEMENT;
    // the kept records' bytes as the driver counts them (states, wrenches, contact counts):
    // the intermediates have a budget of their own, spent only when the records are kept
    const W = inputWidths(this.n);
    const recordsFit =
      config.steps * ((W.q + W.qd + WRENCH_PER_BODY * this.n) * 8 + Int32Array.BYTES_PER_ELEMENT) <=
      (config.keptRecordsBytes ?? DEFAULT_KEPT_RECORDS_BYTES);
    let room = recordsFit ? (config.keptIntermediatesBytes ?? DEFAULT_KEPT_INTERMEDIATES_BYTES) : 0;
    const integratorBytes = config.steps * this.stepIntegrator.byteLength;
    this.keepsIntegrator = integratorBytes <= room;
    if (this.keepsIntegrator) room -= integratorBytes;
    // the step writes its integrator intermediates only where a record will read them
    this.data.integratorKept = this.keepsIntegrator ? this.stepIntegrator : null;
    this.contactKeptCap = Math.max(0, Math.floor(room / 8));
  }

  forward(state: State, control: Float64Array | null, kinks: KinkSink | null): void {
    this.keepContactsNext();
    this.keepIntegratorNext();
    try {
      step(this.model, this.data, state, control, state, kinks);
    } finally {
      keepContactIntermediatesIn(null);
    }
  }

  /**
   * Point the force kernel at where this step's contact intermediates go: the next kept
   * record's place in the last chunk (a new chunk when it is full and the budget allows
   * one); in a replayed segment, else the step's own buffer (its record copies them);
   * else nowhere (a forward pass whose records will not hold them: a hundred boxes).
   */
  private keepContactsNext(): void {
    if (this.contactKeptFull && !this.replaying) {
      this.stepKeptNowhere = true;
      this.stepKeptChunk = -1;
      this.stepKeptAt = 0;
      keepContactIntermediatesIn(null);
      return;
    }
    // full slots while the rest of the rollout would fit at the last step's contact count,
    // else compact ones (wrenches.ts CONTACT_KEPT_COMPACT): twice the steps for the budget
    const full =
      this.replaying ||
      this.keptContactTotal +
        (this.steps - this.keptCount) * this.data.contacts.count * keptNumbersPerContact(CONTACT_KEPT_PER_CONTACT) <=
        this.contactKeptCap;
    const slot = full ? CONTACT_KEPT_PER_CONTACT : CONTACT_KEPT_COMPACT;
    this.stepSlot = slot;
    // room for the slots and, where they ride along, the contacts (a replayed step's record copies only the slots)
    const need = this.data.contacts.capacity * (this.replaying ? slot : keptNumbersPerContact(slot));
    const chunks = this.contactChunks;
    let at = chunks.length - 1;
    if (
      (at < 0 || this.contactChunkEnd + need > CONTACT_CHUNK_NUMBERS || !RECORD_POOL.holds(chunks[at], this.owner)) &&
      need <= CONTACT_CHUNK_NUMBERS &&
      !this.replaying &&
      this.keptContactTotal + need <= this.contactKeptCap
    ) {
      chunks.push(RECORD_POOL.lend(this.owner, CONTACT_CHUNK_NUMBERS));
      this.contactChunkEnd = 0;
      at++;
    }
    if (at >= 0 && this.contactChunkEnd + need <= CONTACT_CHUNK_NUMBERS && RECORD_POOL.holds(chunks[at], this.owner)) {
      this.stepKeptNowhere = false;
      this.stepKeptChunk = at;
      this.stepKeptAt = this.contactChunkEnd;
      keepContactIntermediatesIn(chunks[at].array, this.contactChunkEnd, slot);
      return;
    }
    this.stepKeptChunk = -1;
    this.stepKeptAt = 0;
    if (!this.replaying) {
      this.stepKeptNowhere = true;
      keepContactIntermediatesIn(null);
      return;
    }
    this.stepKeptNowhere = false;
    if (this.stepContactKept.length < need) this.stepContactKept = new Float64Array(need);
    keepContactIntermediatesIn(this.stepContactKept, 0);
  }

  /**
   * Point the integrator at where this step's intermediates go: the next kept record's block
   * in the rollout's array, so that `keep` copies nothing (they are a record's largest part);
   * in a replayed segment, the step's own buffer (its record copies it).
   */
  private keepIntegratorNext(): void {
    const data = this.data;
    this.integratorInPlace = false;
    data.integratorKeptAt = 0;
    if (!this.keepsIntegrator || this.replaying) return;
    const width = this.stepIntegrator.length;
    const lease = (this.keptIntegrator ??= RECORD_POOL.lend(this.owner, this.steps * width));
    if (this.keptCount < this.steps && RECORD_POOL.holds(lease, this.owner)) {
      data.integratorKept = lease.array;
      data.integratorKeptAt = this.keptCount * width;
      this.integratorInPlace = true;
    } else data.integratorKept = this.stepIntegrator;
  }

  /** The array holding the step just taken's contact intermediates (from `stepKeptAt`). */
  private stepKeptArray(): Float64Array {
    if (this.stepKeptNowhere) return NOWHERE;
    return this.stepKeptChunk >= 0 ? this.contactChunks[this.stepKeptChunk].array : this.stepContactKept;
  }

  /** Did the step just taken keep all its contacts' intermediates (the contact buffer may have grown mid-step)? */
  private stepKeptContacts(): boolean {
    return this.stepKeptAt + this.data.contacts.count * this.stepSlot <= this.stepKeptArray().length;
  }

  contacts(): Contacts {
    return this.data.contacts;
  }

  /** forward mode (driver/force-tangent.ts), its scratch made on first use */
  private tangentStep: ForceTangentStep | null = null;
  tangentForward(
    state: State,
    control: Float64Array | null,
    tangents: StepTangents,
    kinks: MarginTangentSink | null,
  ): void {
    this.tangentStep ??= new ForceTangentStep(this.model, this.data, this.L, this.x);
    // the tangent step computes the forces through the same per-contact pass: it keeps
    // their intermediates for the gradient's pullback as the plain step does (the
    // integrator's in the step's own buffer, which `keep` copies)
    this.keepContactsNext();
    this.integratorInPlace = false;
    this.data.integratorKeptAt = 0;
    if (this.keepsIntegrator || this.replaying) this.data.integratorKept = this.stepIntegrator;
    try {
      this.tangentStep.step(state, control, tangents, kinks);
    } finally {
      keepContactIntermediatesIn(null);
    }
  }

  keep(): ForceStepRecord {
    const w = this.data.wrench;
    const t = this.keptCount++;
    // the wrenches of all kept records in one array (the contacts follow the force slots, or
    // are found again), of the moving bodies only: the integrator's adjoint reads no static body's
    const wrenches = (this.keptWrenches ??= RECORD_POOL.lend(this.owner, this.steps * w.length)).array;
    const moving = this.moving;
    for (let j = 0, wo = t * w.length; j < moving.length; j++) {
      const o = WRENCH_PER_BODY * moving[j];
      copyInto(wrenches, wo + o, w, o, WRENCH_PER_BODY);
    }
    (this.keptContactCounts ??= new Int32Array(this.steps))[t] = this.data.contacts.count;
    // the integrator's intermediates, unless the step wrote them in place (keepIntegratorNext)
    if (this.keepsIntegrator && !this.integratorInPlace) {
      const kept = this.stepIntegrator;
      const integrator = (this.keptIntegrator ??= RECORD_POOL.lend(this.owner, this.steps * kept.length)).array;
      for (let j = 0, io = t * kept.length; j < moving.length; j++) {
        const o = INTEGRATOR_KEPT_PER_BODY * moving[j];
        copyInto(integrator, io + o, kept, o, INTEGRATOR_KEPT_PER_BODY);
      }
    }
    // the contacts' force intermediates, written in place by the step: commit them while
    // they fit what the budget leaves them
    const chunkOf = (this.keptContactChunk ??= new Int32Array(this.steps));
    const count = this.data.contacts.count;
    const width = count * this.stepSlot;
    const fits = this.keptContactTotal + width <= this.contactKeptCap;
    if (this.stepKeptChunk >= 0 && this.stepKeptContacts() && fits) {
      chunkOf[t] = this.stepKeptChunk;
      (this.keptContactAt ??= new Int32Array(this.steps))[t] = this.stepKeptAt;
      (this.keptContactSlot ??= new Uint8Array(this.steps))[t] = this.stepSlot;
      // the contacts after the slots, where the slot width takes them and they fit the chunk and the budget
      const withContacts = count * keptNumbersPerContact(this.stepSlot);
      const chunk = this.contactChunks[this.stepKeptChunk].array;
      const follow =
        withContacts > width &&
        this.stepKeptAt + withContacts <= chunk.length &&
        this.keptContactTotal + withContacts <= this.contactKeptCap;
      if (follow) keepContactsIn(this.data.contacts, chunk, this.stepKeptAt + width);
      (this.keptContactsFollow ??= new Uint8Array(this.steps))[t] = follow ? 1 : 0;
      const kept = follow ? withContacts : width;
      this.contactChunkEnd = this.stepKeptAt + kept;
      this.keptContactTotal += kept;
    } else {
      chunkOf[t] = -1;
      if (!fits) this.contactKeptFull = true;
    }
    return t;
  }

  recordInto(into: ForceStepRecord | undefined): ForceStepRecord {
    const w = this.data.wrench;
    const kept = this.stepIntegrator;
    const rec =
      into !== undefined && typeof into !== 'number'
        ? into
        : {
            contacts: createContacts(16),
            wrench: new Float64Array(w.length),
            integrator: new Float64Array(kept.length),
            contactKept: new Float64Array(0),
            contactKeptValid: false,
          };
    rec.contacts = keepContacts(this.data.contacts, rec.contacts);
    copyInto(rec.wrench, 0, w, 0, w.length);
    copyInto(rec.integrator, 0, kept, 0, kept.length);
    const width = this.data.contacts.count * CONTACT_KEPT_PER_CONTACT;
    rec.contactKeptValid = this.stepKeptContacts();
    if (rec.contactKeptValid) {
      if (rec.contactKept.length < width) rec.contactKept = new Float64Array(width);
      copyInto(rec.contactKept, 0, this.stepKeptArray(), this.stepKeptAt, width);
    }
    return rec;
  }

  recordBytes(rec: ForceStepRecord): number {
    if (typeof rec !== 'number') {
      return (
        contactsBytes(rec.contacts) + rec.wrench.byteLength + rec.integrator.byteLength + rec.contactKept.byteLength
      );
    }
    // the intermediates beside it are counted against their own budget (the constructor's)
    return this.keptRecordBytes;
  }

  /** the kept records' wrenches not lent on since to a later evaluation (lease-pool.ts)? */
  recordsHeld(): boolean {
    return this.keptWrenches === null || RECORD_POOL.holds(this.keptWrenches, this.owner);
  }

  snapshot(): null {
    return null;
  }

  /** only a replayed segment restores a checkpoint: from then on its steps' records want the intermediates */
  restore(): void {
    this.replaying = true;
    this.data.integratorKept = this.stepIntegrator;
    this.data.integratorKeptAt = 0;
  }

  pullback(
    rec: ForceStepRecord,
    states: Float64Array,
    offset: number,
    _control: Float64Array | null,
    lambda: Float64Array,
    xbar: Float64Array,
    controlBar: Float64Array,
  ): void {
    const n = this.n,
      L = this.L;
    const sc = (this.scratch ??= this.makeScratch());
    const W = sc.W;
    // a kept step without contacts whose integration is kept: the integrator's adjoint reads
    // the state before the step where the driver keeps it, nothing copied (most steps of a
    // ball in flight)
    if (typeof rec === 'number' && (this.keptContactCounts as Int32Array)[rec] === 0) {
      const lease = this.keptIntegrator;
      if (lease !== null && RECORD_POOL.holds(lease, this.owner)) {
        integrateAdjointInPlace(
          this.data.integrator,
          states,
          states,
          (this.keptWrenches as Lease).array,
          rec * controlBar.length,
          lease.array,
          rec * this.stepIntegrator.length,
          lambda,
          controlBar,
          xbar,
          L,
          offset,
          offset + W.q,
        );
        return;
      }
    }
    // the state before the step (q and qd adjacent, as in `states`)
    copyInto(sc.state, 0, states, offset, W.q + W.qd);
    // integrate: λ → (q̄, q̇̄) in place, the wrench's cotangent (which is the controls':
    // they are added into it) and the masses', inertias' and gravity's into x̄
    const wBar = controlBar;
    let contacts: Contacts | null = null;
    let contactCount: number;
    // the step's kept force intermediates (null: computed again) and where its contacts' start
    let contactKept: Float64Array | null = null;
    let contactKeptAt = 0;
    let contactSlot: number = CONTACT_KEPT_PER_CONTACT;
    if (typeof rec === 'number') {
      const wrenchWidth = wBar.length;
      // the intermediates when kept and not lent on since (lease-pool.ts): else integrated again
      const lease = this.keptIntegrator;
      const integrator = lease !== null && RECORD_POOL.holds(lease, this.owner) ? lease.array : null;
      const integratorWidth = this.stepIntegrator.length;
      integrateAdjointInPlace(
        this.data.integrator,
        sc.qt,
        sc.qdt,
        (this.keptWrenches as Lease).array,
        rec * wrenchWidth,
        integrator,
        rec * integratorWidth,
        lambda,
        wBar,
        xbar,
        L,
      );
      contactCount = (this.keptContactCounts as Int32Array)[rec];
      // kept, and the chunk not lent on since to a later evaluation (lease-pool.ts)
      const chunk = (this.keptContactChunk as Int32Array)[rec];
      if (chunk >= 0 && RECORD_POOL.holds(this.contactChunks[chunk], this.owner)) {
        contactKept = this.contactChunks[chunk].array;
        contactKeptAt = (this.keptContactAt as Int32Array)[rec];
        contactSlot = (this.keptContactSlot as Uint8Array)[rec];
        // the step's contacts, when they follow its slots: read back rather than found again
        if ((this.keptContactsFollow as Uint8Array)[rec] === 1) {
          if (this.keptContactsBuffer.capacity < contactCount) this.keptContactsBuffer = createContacts(contactCount);
          contacts = contactsFrom(
            contactKept,
            contactKeptAt + contactCount * contactSlot,
            contactCount,
            this.keptContactsBuffer,
          );
        }
      }
    } else {
      integrateAdjointInPlace(
        this.data.integrator,
        sc.qt,
        sc.qdt,
        rec.wrench,
        0,
        rec.integrator,
        0,
        lambda,
        wBar,
        xbar,
        L,
      );
      contacts = rec.contacts;
      contactCount = contacts.count;
      if (rec.contactKeptValid) contactKept = rec.contactKept;
    }
    if (contactCount === 0) return;
    contacts ??= this.collideAgain(sc.qt, contactCount);
    const c = contacts.count;
    // views of the driver's λ and x̄ (the same over one backward pass; a forward-mode
    // evaluation without a jvp runs one backward pass per output, each with its own)
    if (sc.lambdaOf !== lambda) {
      sc.lambdaOf = lambda;
      sc.qBar = lambda.subarray(0, sc.W.q);
    }
    if (sc.xbarOf !== xbar) {
      sc.xbarOf = xbar;
      sc.sizeBar = xbar.subarray(L.geomSize, L.geomSize + sc.W.geomSize);
    }
    // contact wrenches: w̄ → geometry, q, qd and the force parameters (the kernel's flat
    // layout for this step's count, the last step's when it is the same); one cotangent
    // buffer for every count, grown to the largest
    let CL = sc.contactLayouts.get(c);
    if (CL === undefined) sc.contactLayouts.set(c, (CL = contactWrenchLayout(c, n)));
    if (sc.contactBar.length < CL.size) sc.contactBar = new Float64Array(CL.size);
    const xcBar = sc.contactBar;
    contactWrenchesPullback(
      sc.force,
      contacts,
      sc.qt,
      sc.qdt,
      wBar,
      xcBar,
      contactKept,
      contactKeptAt,
      contactSlot,
      CL,
    );
    addInto(lambda, 0, xcBar, CL.q, W.q);
    addInto(lambda, W.q, xcBar, CL.qd, W.qd);
    for (let j = 0; j < CONTACT_SCALAR_INPUTS.length; j++) xbar[L[CONTACT_SCALAR_INPUTS[j]]] += xcBar[CL.params + j];
    addInto(xbar, L.friction, xcBar, CL.friction, W.friction);
    addInto(xbar, L.invMass, xcBar, CL.invMass, W.invMass);
    addInto(xbar, L.invInertia, xcBar, CL.invInertia, W.invInertia);
    addInto(xbar, L.restitution, xcBar, CL.restitution, W.restitution);
    // the weight feed-forward reads gravity: its cotangent goes back to x's gravity
    addInto(xbar, L.gravity, xcBar, CL.gravity, W.gravity);
    // contact geometry: (dist, normal, point) → poses and sizes
    contactGeometryAdjoint(
      sc.geometryInput,
      contacts,
      sc.qt,
      this.model.geomSize,
      xcBar, // its geometry blocks come first: [dist (c) | normal (3c) | point (3c)]
      sc.qBar,
      sc.sizeBar,
    );
  }

  /**
   * The `count` contacts of a kept step, found again at its pose `q` into the step
   * scratch's buffer (which has grown to the most contacts any step of the forward pass had).
   */
  private collideAgain(q: Float64Array, count: number): Contacts {
    const contacts = this.data.contacts;
    collide(this.model, q, this.model.contact.margin, contacts);
    if (contacts.count !== count || contacts.dropped > 0) {
      throw new Error(
        `force stepper: the pullback's collision pass found ${contacts.count + contacts.dropped} contacts where the forward pass found ${count}`,
      );
    }
    return contacts;
  }

  private makeScratch(): ForcePullbackScratch {
    const n = this.n,
      m = this.model;
    const force = this.data.forceParams;
    if (force === null) throw new Error('force stepper: the step scratch has no contact-force settings');
    const W = inputWidths(n);
    const state = new Float64Array(W.q + W.qd);
    return {
      W,
      state,
      qt: state.subarray(0, W.q),
      qdt: state.subarray(W.q),
      lambdaOf: null,
      qBar: new Float64Array(0),
      xbarOf: null,
      sizeBar: new Float64Array(0),
      force,
      geometryInput: {
        nbody: n,
        geomType: m.geomType,
        geomSize: m.geomSize,
        bodyStatic: m.bodyStatic,
        bodyName: m.bodyName,
      },
      contactLayouts: new Map(),
      contactBar: new Float64Array(0),
    };
  }
}

/** Numbers a kept step holds per contact with slots `slot` wide: the slot, and its contact where contacts ride along. */
function keptNumbersPerContact(slot: number): number {
  return slot === CONTACTS_RIDE_WITH ? slot + CONTACT_NUMBERS : slot;
}

interface ForcePullbackScratch {
  /** widths of the input groups */
  W: ReturnType<typeof inputWidths>;
  /** the state before the step being pulled back, [q | qd], and its two parts */
  state: Float64Array;
  qt: Float64Array;
  qdt: Float64Array;
  /** the pose part of λ and the shape-size part of x̄, and the arrays they view */
  lambdaOf: Float64Array | null;
  qBar: Float64Array;
  xbarOf: Float64Array | null;
  sizeBar: Float64Array;
  force: ContactForceParams;
  geometryInput: Parameters<typeof contactGeometryAdjoint>[0];
  /** the contact wrenches' input layout per contact count, and their cotangents (from 0, one buffer for every count) */
  contactLayouts: Map<number, ContactWrenchLayout>;
  contactBar: Float64Array;
}
