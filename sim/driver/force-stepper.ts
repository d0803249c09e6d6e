/**
 * Penalty and soft contact (forces) as a Stepper of the rollout driver (driver/rollout.ts).
 *
 * Forward: the plain `step` (sim/step.ts: collide → contact wrenches → controls →
 * integrate) on the model with the rollout's inputs. A record is the step's wrench
 * (contacts and controls) and, in a replayed segment, its contacts. A kept record (held
 * for the whole backward pass) has no contacts: its pullback runs the collision pass again
 * on the state before the step, which the driver keeps, and finds the same contacts bit
 * for bit (collision is a function of the poses alone). That is cheaper than copying every
 * step's contacts, and leaves the budget to the states and wrenches: a 1,000-step rollout
 * of 100 boxes (22 MB of contacts) keeps its records instead of replaying every segment.
 *
 * Pullback: the stages' hand-written adjoints in reverse: `integrateAdjoint` (state,
 * wrench and mass/inertia/gravity cotangents) → `contactWrenchesPullback` (geometry, state,
 * contact scalars, friction, inverse mass and inertia, restitution, gravity) →
 * `contactGeometryAdjoint` (poses and shape sizes, for the features the forward pass
 * chose).
 */
import type { KinkSink } from '../../ad/primitive.ts';
import { collide, createContacts, type Contacts } from '../collision/index.ts';
import { contactGeometryAdjoint } from '../contact/geometry.ts';
import type { ContactForceParams } from '../contact/params.ts';
import { contactWrenchesPullback, contactWrenchLayout } from '../contact/wrenches.ts';
import { integrateAdjoint, integratorLayout } from '../integrator/semiImplicitEuler.ts';
import type { Model } from '../model.ts';
import type { State } from '../state.ts';
import { createStepData, step, type StepData } from '../step.ts';
import type { RolloutConfig } from './config.ts';
import {
  addIntegratorParamBars,
  CONTACT_SCALAR_INPUTS,
  inputWidths,
  integratorInputsOf,
  modelWithInputs,
  type RolloutLayout,
} from './inputs.ts';
import type { MarginTangentSink } from '../contact/wrenches-tangent.ts';
import { ForceTangentStep } from './force-tangent.ts';
import { addInto, contactsBytes, copyInto, keepContacts } from './records.ts';
import type { StepTangents, Stepper, StepperFactory } from './stepper.ts';

/** What a force step's pullback needs besides the state before it. */
export interface ForceStepRecord {
  /** the step's contacts, or null: found again from the state before the step */
  contacts: Contacts | null;
  /** how many contacts the step had (a step without any needs no collision pass again) */
  contactCount: number;
  /** the step's wrench (nbody×6: contacts plus controls) is `wrenches[wrenchAt..]` */
  wrenches: Float64Array;
  wrenchAt: number;
}

/**
 * Penalty and soft modes for the rollout driver.
 *
 * @example
 * const run = driveRollout({ model, steps: 1000 }, FORCE_STEPPER);
 */
export const FORCE_STEPPER: StepperFactory<ForceStepRecord, null> = {
  name: 'rollout',
  make: (config, L, x) => new ForceStepper(config, L, x),
};

class ForceStepper implements Stepper<ForceStepRecord, null> {
  readonly model: Model;
  private readonly data: StepData;
  private readonly n: number;
  private scratch: ForcePullbackScratch | null = null;
  /**
   * the wrenches of the kept records, one array for the rollout: a typed array per step
   * would be one off-heap buffer per step, which costs more than the step itself
   */
  private keptWrenches: Float64Array | null = null;
  private keptCount = 0;
  private readonly steps: number;

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
  }

  forward(state: State, control: Float64Array | null, kinks: KinkSink | null): void {
    step(this.model, this.data, state, control, state, kinks);
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
    this.tangentStep.step(state, control, tangents, kinks);
  }

  keep(): ForceStepRecord {
    const w = this.data.wrench;
    // the wrenches of all kept records in one array; the contacts are found again
    const wrenches = (this.keptWrenches ??= new Float64Array(this.steps * w.length));
    const wrenchAt = this.keptCount++ * w.length;
    copyInto(wrenches, wrenchAt, w, 0, w.length);
    return { contacts: null, contactCount: this.data.contacts.count, wrenches, wrenchAt };
  }

  recordInto(into: ForceStepRecord | undefined): ForceStepRecord {
    const w = this.data.wrench;
    const rec = into ?? {
      contacts: createContacts(16),
      contactCount: 0,
      wrenches: new Float64Array(w.length),
      wrenchAt: 0,
    };
    rec.contacts = keepContacts(this.data.contacts, rec.contacts ?? undefined);
    rec.contactCount = rec.contacts.count;
    copyInto(rec.wrenches, rec.wrenchAt, w, 0, w.length);
    return rec;
  }

  recordBytes(rec: ForceStepRecord): number {
    return (rec.contacts === null ? 0 : contactsBytes(rec.contacts)) + this.data.wrench.byteLength;
  }

  snapshot(): null {
    return null;
  }

  restore(): void {}

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
    const { IL, W, xInt, xIntBar } = sc;
    const stateWidth = W.q + W.qd;
    // integrate: λ → (q̄, q̇̄, w̄, invMass̄, invInertiā, ḡ); the state and wrench are
    // copied into the integrator's flat input (q and qd are adjacent there too)
    copyInto(xInt, IL.q, states, offset, stateWidth);
    copyInto(xInt, IL.wrench, rec.wrenches, rec.wrenchAt, controlBar.length);
    integrateAdjoint(sc.integratorConfig, xInt, lambda, xIntBar);
    addIntegratorParamBars(xbar, L, xIntBar, IL, n);
    // the wrench's cotangent is the controls' (they are added into it)
    const wBar = controlBar;
    copyInto(wBar, 0, xIntBar, IL.wrench, wBar.length);
    // the next λ starts from the integrator's state cotangents
    copyInto(lambda, 0, xIntBar, IL.q, stateWidth);
    if (rec.contactCount === 0) return;
    const contacts = rec.contacts ?? this.collideAgain(sc.qt, rec.contactCount);
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
    // layout); one cotangent buffer per contact count, reused across steps
    let xcBar = sc.contactBars.get(c);
    if (xcBar === undefined) {
      xcBar = new Float64Array(contactWrenchLayout(c, n).size);
      sc.contactBars.set(c, xcBar);
    }
    contactWrenchesPullback(sc.force, contacts, sc.qt, sc.qdt, wBar, xcBar);
    const CL = contactWrenchLayout(c, n);
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
      L = this.L,
      m = this.model;
    const force = this.data.forceParams;
    if (force === null) throw new Error('force stepper: the step scratch has no contact-force settings');
    const IL = integratorLayout(n);
    const W = inputWidths(n);
    const xInt = integratorInputsOf(this.x, L, n);
    return {
      IL,
      W,
      xInt,
      qt: xInt.subarray(IL.q, IL.q + W.q),
      qdt: xInt.subarray(IL.qd, IL.qd + W.qd),
      xIntBar: new Float64Array(IL.size),
      lambdaOf: null,
      qBar: new Float64Array(0),
      xbarOf: null,
      sizeBar: new Float64Array(0),
      integratorConfig: { nbody: n, dt: m.dt, isStatic: m.bodyStatic },
      force,
      geometryInput: {
        nbody: n,
        geomType: m.geomType,
        geomSize: m.geomSize,
        bodyStatic: m.bodyStatic,
        bodyName: m.bodyName,
      },
      contactBars: new Map(),
    };
  }
}

interface ForcePullbackScratch {
  IL: ReturnType<typeof integratorLayout>;
  /** widths of the input groups */
  W: ReturnType<typeof inputWidths>;
  xInt: Float64Array;
  /** the pose and velocity parts of xInt */
  qt: Float64Array;
  qdt: Float64Array;
  xIntBar: Float64Array;
  /** the pose part of λ and the shape-size part of x̄, and the arrays they view */
  lambdaOf: Float64Array | null;
  qBar: Float64Array;
  xbarOf: Float64Array | null;
  sizeBar: Float64Array;
  integratorConfig: { nbody: number; dt: number; isStatic: Uint8Array };
  force: ContactForceParams;
  geometryInput: Parameters<typeof contactGeometryAdjoint>[0];
  /** the contact wrenches' input cotangents, one buffer per contact count */
  contactBars: Map<number, Float64Array>;
}
