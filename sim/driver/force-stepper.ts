/**
 * Penalty and soft contact (forces) as a Stepper of the rollout driver (driver/rollout.ts).
 *
 * Forward: the plain `step` (sim/step.ts: collide → contact wrenches → controls →
 * integrate) on the model with the rollout's inputs. A record is the step's contacts and
 * its wrench (contacts and controls).
 *
 * Pullback: the stages' hand-written adjoints in reverse: `integrateAdjoint` (state,
 * wrench and mass/inertia/gravity cotangents) → `contactWrenchesAdjoint` (geometry, state,
 * contact scalars, friction, inverse mass and inertia, restitution) →
 * `contactGeometryAdjoint` (poses and shape sizes, for the features the forward pass
 * chose).
 */
import type { KinkSink } from '../../ad/primitive.ts';
import { createContacts, type Contacts } from '../collision/index.ts';
import { contactGeometryAdjoint } from '../contact/geometry.ts';
import { contactWrenchInputs, contactWrenchesAdjoint, contactWrenchLayout } from '../contact/wrenches.ts';
import { integrateAdjoint, integratorLayout } from '../integrator/semiImplicitEuler.ts';
import type { Model } from '../model.ts';
import type { State } from '../state.ts';
import { createStepData, step, type StepData } from '../step.ts';
import type { RolloutConfig } from './config.ts';
import { addIntegratorParamBars, CONTACT_SCALAR_INPUTS, integratorInputsOf, modelWithInputs, type RolloutLayout } from './inputs.ts';
import { addInto, contactsBytes, copyInto, keepContacts } from './records.ts';
import type { Stepper, StepperFactory } from './stepper.ts';

/** What a force step's pullback needs besides the state before it. */
export interface ForceStepRecord {
  contacts: Contacts;
  /** (nbody×6) the step's wrench: contacts plus controls */
  wrench: Float64Array;
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

  constructor(
    config: RolloutConfig,
    private readonly L: RolloutLayout,
    private readonly x: Float64Array,
  ) {
    if (config.model.contact.mode === 'hard') throw new Error('force stepper: hard mode steps by impulses (sim/hard/stepper.ts)');
    this.model = modelWithInputs(config.model, L, x);
    this.data = createStepData(this.model);
    this.n = this.model.nbody;
  }

  forward(state: State, control: Float64Array | null, kinks: KinkSink | null): void {
    step(this.model, this.data, state, control, state, kinks);
  }

  keep(into: ForceStepRecord | undefined): ForceStepRecord {
    const c = this.data.contacts;
    if (into === undefined) {
      return { contacts: c.count === 0 ? NO_CONTACTS : keepContacts(c, undefined), wrench: this.data.wrench.slice() };
    }
    into.contacts = keepContacts(c, into.contacts === NO_CONTACTS ? undefined : into.contacts);
    into.wrench.set(this.data.wrench);
    return into;
  }

  recordBytes(rec: ForceStepRecord): number {
    return contactsBytes(rec.contacts) + rec.wrench.byteLength;
  }

  snapshot(): null {
    return null;
  }

  restore(): void {}

  pullback(rec: ForceStepRecord, states: Float64Array, offset: number, _control: Float64Array | null, lambda: Float64Array, xbar: Float64Array, controlBar: Float64Array): void {
    const n = this.n, L = this.L;
    const sc = (this.scratch ??= this.makeScratch());
    const { IL, xInt, xIntBar } = sc;
    // integrate: λ → (q̄, q̇̄, w̄, invMass̄, invInertiā, ḡ); the state and wrench are
    // copied into the integrator's flat input (q and qd are adjacent there too)
    copyInto(xInt, IL.q, states, offset, 13 * n);
    copyInto(xInt, IL.wrench, rec.wrench, 0, 6 * n);
    integrateAdjoint(sc.integratorConfig, xInt, lambda, xIntBar);
    addIntegratorParamBars(xbar, L, xIntBar, n);
    // the wrench's cotangent is the controls' (they are added into it)
    const wBar = controlBar;
    copyInto(wBar, 0, xIntBar, IL.wrench, 6 * n);
    // the next λ starts from the integrator's state cotangents
    copyInto(lambda, 0, xIntBar, IL.q, 13 * n);
    const contacts = rec.contacts;
    const c = contacts.count;
    if (c === 0) return;
    const { qBar, qdBar } = sc.lambdaViews(lambda);
    const { qt, qdt } = sc;
    // contact wrenches: w̄ → geometry, q, qd and the force parameters; one input and one
    // cotangent buffer per contact count, reused across steps
    let buffers = sc.contactBuffers.get(c);
    if (buffers === undefined) {
      const size = contactWrenchLayout(c, n).size;
      buffers = { xc: new Float64Array(size), xcBar: new Float64Array(size) };
      sc.contactBuffers.set(c, buffers);
    }
    const force = this.data.forceParams;
    if (force === null) throw new Error('force stepper: the step scratch has no contact-force settings');
    const xc = contactWrenchInputs(force, contacts, qt, qdt, buffers.xc);
    const xcBar = contactWrenchesAdjoint(sc.forceConfig, contacts, xc, wBar, buffers.xcBar);
    const CL = contactWrenchLayout(c, n);
    addInto(qBar, 0, xcBar, CL.q, 7 * n);
    addInto(qdBar, 0, xcBar, CL.qd, 6 * n);
    for (let j = 0; j < CONTACT_SCALAR_INPUTS.length; j++) xbar[L[CONTACT_SCALAR_INPUTS[j]]] += xcBar[CL.params + j];
    addInto(xbar, L.friction, xcBar, CL.friction, n);
    addInto(xbar, L.invMass, xcBar, CL.invMass, n);
    addInto(xbar, L.invInertia, xcBar, CL.invInertia, 3 * n);
    addInto(xbar, L.restitution, xcBar, CL.restitution, n);
    // contact geometry: (dist, normal, point) → poses and sizes
    contactGeometryAdjoint(sc.geometryInput, contacts, qt, this.model.geomSize, xcBar.subarray(0, 7 * c), qBar, sc.sizeBar(xbar));
  }

  private makeScratch(): ForcePullbackScratch {
    const n = this.n, L = this.L, m = this.model;
    const force = this.data.forceParams;
    if (force === null) throw new Error('force stepper: the step scratch has no contact-force settings');
    let sizeBar: Float64Array | null = null;
    let sizeBarOf: Float64Array | null = null;
    let views: { qBar: Float64Array; qdBar: Float64Array } | null = null;
    let viewsOf: Float64Array | null = null;
    const IL = integratorLayout(n);
    const xInt = integratorInputsOf(this.x, L, n);
    return {
      IL,
      xInt,
      qt: xInt.subarray(IL.q, IL.q + 7 * n),
      qdt: xInt.subarray(IL.qd, IL.qd + 6 * n),
      xIntBar: new Float64Array(integratorLayout(n).size),
      integratorConfig: { nbody: n, dt: m.dt, isStatic: m.bodyStatic },
      forceConfig: { mode: force.mode, nbody: n, margin: force.margin, bodyName: m.bodyName, dt: m.dt, dampingFromRestitution: force.dampingFromRestitution },
      geometryInput: { nbody: n, geomType: m.geomType, geomSize: m.geomSize, bodyStatic: m.bodyStatic, bodyName: m.bodyName },
      contactBuffers: new Map(),
      // the view of x̄'s shape sizes, made once per x̄
      sizeBar: (xbar) => {
        if (sizeBarOf !== xbar || sizeBar === null) {
          sizeBar = xbar.subarray(L.geomSize, L.geomSize + 4 * n);
          sizeBarOf = xbar;
        }
        return sizeBar;
      },
      // the pose and velocity parts of λ, made once per λ
      lambdaViews: (lambda) => {
        if (viewsOf !== lambda || views === null) {
          views = { qBar: lambda.subarray(0, 7 * n), qdBar: lambda.subarray(7 * n) };
          viewsOf = lambda;
        }
        return views;
      },
    };
  }
}

interface ForcePullbackScratch {
  IL: ReturnType<typeof integratorLayout>;
  xInt: Float64Array;
  /** the pose and velocity parts of xInt */
  qt: Float64Array;
  qdt: Float64Array;
  xIntBar: Float64Array;
  integratorConfig: { nbody: number; dt: number; isStatic: Uint8Array };
  forceConfig: Parameters<typeof contactWrenchesAdjoint>[0];
  geometryInput: Parameters<typeof contactGeometryAdjoint>[0];
  contactBuffers: Map<number, { xc: Float64Array; xcBar: Float64Array }>;
  sizeBar(xbar: Float64Array): Float64Array;
  lambdaViews(lambda: Float64Array): { qBar: Float64Array; qdBar: Float64Array };
}
