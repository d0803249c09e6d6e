/**
 * Penalty and soft contact (forces) as a Stepper of the rollout driver (driver/rollout.ts).
 *
 * Forward: the plain `step` (sim/step.ts: collide → contact wrenches → controls →
 * integrate) on the model with the rollout's inputs. A record is the step's contacts and
 * its wrench (contacts and controls).
 *
 * Pullback: the stages' hand-written adjoints in reverse: `integrateAdjoint` (state,
 * wrench and mass/inertia/gravity cotangents) → `contactWrenchesAdjoint` (geometry, state,
 * contact scalars, friction, inverse mass and inertia, restitution, gravity) →
 * `contactGeometryAdjoint` (poses and shape sizes, for the features the forward pass
 * chose).
 */
import type { KinkSink } from '../../ad/primitive.ts';
import { createContacts, type Contacts } from '../collision/index.ts';
import { contactGeometryAdjoint } from '../contact/geometry.ts';
import type { ContactForceParams } from '../contact/params.ts';
import { contactWrenchInputs, contactWrenchesAdjoint, contactWrenchLayout } from '../contact/wrenches.ts';
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
  contacts: Contacts;
  /** the step's wrench (nbody×6: contacts plus controls) is `wrenches[wrenchAt..]` */
  wrenches: Float64Array;
  wrenchAt: number;
}

/** The contacts of a step that has none (shared by every such kept record). */
const NO_CONTACTS = createContacts(0);

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
    const c = this.data.contacts;
    const w = this.data.wrench;
    // no spare capacity; the wrenches of all kept records in one array
    const wrenches = (this.keptWrenches ??= new Float64Array(this.steps * w.length));
    const wrenchAt = this.keptCount++ * w.length;
    copyInto(wrenches, wrenchAt, w, 0, w.length);
    return { contacts: c.count === 0 ? NO_CONTACTS : keepContacts(c, undefined, 1), wrenches, wrenchAt };
  }

  recordInto(into: ForceStepRecord | undefined): ForceStepRecord {
    const w = this.data.wrench;
    const rec = into ?? { contacts: createContacts(16), wrenches: new Float64Array(w.length), wrenchAt: 0 };
    rec.contacts = keepContacts(this.data.contacts, rec.contacts);
    copyInto(rec.wrenches, rec.wrenchAt, w, 0, w.length);
    return rec;
  }

  recordBytes(rec: ForceStepRecord): number {
    return contactsBytes(rec.contacts) + this.data.wrench.byteLength;
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
    const contacts = rec.contacts;
    const c = contacts.count;
    if (c === 0) return;
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
    // contact wrenches: w̄ → geometry, q, qd and the force parameters; one input and one
    // cotangent buffer per contact count, reused across steps
    let buffers = sc.contactBuffers.get(c);
    if (buffers === undefined) {
      const size = contactWrenchLayout(c, n).size;
      buffers = { xc: new Float64Array(size), xcBar: new Float64Array(size) };
      sc.contactBuffers.set(c, buffers);
    }
    const xc = contactWrenchInputs(sc.force, contacts, sc.qt, sc.qdt, buffers.xc);
    const xcBar = contactWrenchesAdjoint(sc.forceConfig, contacts, xc, wBar, buffers.xcBar);
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
      xcBar.subarray(0, 7 * c),
      sc.qBar,
      sc.sizeBar,
    );
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
      forceConfig: {
        mode: force.mode,
        nbody: n,
        margin: force.margin,
        bodyName: m.bodyName,
        dt: m.dt,
        dampingFromRestitution: force.dampingFromRestitution,
      },
      geometryInput: {
        nbody: n,
        geomType: m.geomType,
        geomSize: m.geomSize,
        bodyStatic: m.bodyStatic,
        bodyName: m.bodyName,
      },
      contactBuffers: new Map(),
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
  forceConfig: Parameters<typeof contactWrenchesAdjoint>[0];
  geometryInput: Parameters<typeof contactGeometryAdjoint>[0];
  contactBuffers: Map<number, { xc: Float64Array; xcBar: Float64Array }>;
}
