/**
 * The tangent-forward step of penalty and soft contact (the force Stepper's
 * `tangentForward`, driver/force-stepper.ts): the plain step's stages, each once, with
 * every direction's tangent carried through its linearization beside it:
 *
 *   collide (once)  →  geometry tangents (contact/geometry-tangent.ts: each contact's
 *   local Jacobian once, applied to every direction)  →  contact wrenches and their
 *   tangents (contact/wrenches-tangent.ts: each contact's forward values once)  →  + controls
 *   →  integrate and its tangents (integrator: each body's step once)
 *
 * The state it leaves is bitwise the plain step's (the same kernels' forward values), and
 * the decisions go to the sink in the plain step's order, each with its margin's tangents.
 * The collision pass is not differentiated (the contact set and features are the step's
 * own, as in the pullback).
 */
import { collide, createContacts } from '../collision/index.ts';
import { contactGeometryTangents } from '../contact/geometry-tangent.ts';
import type { ContactForceParams } from '../contact/params.ts';
import {
  contactParamTangentLayout,
  contactWrenchTangents,
  directionsMovingParams,
  type MarginTangentSink,
  type TangentMotion,
} from '../contact/wrenches-tangent.ts';
import { integrateStateTangents, integratorLayout, type IntegratorConfig } from '../integrator/semiImplicitEuler.ts';
import type { Model } from '../model.ts';
import type { State } from '../state.ts';
import type { StepData } from '../step.ts';
import { CONTACT_SCALAR_INPUTS, integratorInputsOf, type RolloutLayout } from './inputs.ts';
import type { StepTangents } from './stepper.ts';

/** Floats per body of a pose, a velocity (and wrench), a size row. */
const POSE = 7;
const TWIST = 6;
const SIZE = 4;

/**
 * The tangent-forward step of one force-mode rollout evaluation (model `model` with the
 * rollout inputs `x`, layout `L`), reusing the Stepper's step scratch `data`.
 */
export class ForceTangentStep {
  private readonly n: number;
  private readonly force: ContactForceParams;
  private readonly IL: ReturnType<typeof integratorLayout>;
  private readonly integratorConfig: IntegratorConfig;
  /** the integrator's flat input (state, wrench; parameters from x) */
  private readonly xInt: Float64Array;
  /**
   * per direction: the integrator's flat input tangent (its parameters' part is read), and
   * views of the state tangents (advanced in place) and of the wrench tangents
   */
  private xIntDots: Float64Array[] = [];
  private stateDots: Float64Array[] = [];
  private wrenchDots: Float64Array[] = [];
  /** the inputs' tangents the per-direction constants were built from */
  private inputsOf: Float64Array | null = null;
  private stateOf: Float64Array | null = null;
  /** per direction: contact-parameter tangents, size tangents */
  private paramDot = new Float64Array(0);
  private sizeDot = new Float64Array(0);
  private geomDot = new Float64Array(0);
  private wrenchDot = new Float64Array(0);
  /**
   * what moves, per step: the directions moving a contact parameter (constant), per direction
   * and body whether its pose, velocity or size moves, and per body whether any direction
   * moves its pose or size (the geometry's); `sized` (dirs × n): the size part, constant
   */
  private motion: TangentMotion = { params: new Uint8Array(0), bodies: new Uint8Array(0) };
  private posed = new Uint8Array(0);
  private sized = new Uint8Array(0);

  constructor(
    private readonly model: Model,
    private readonly data: StepData,
    private readonly L: RolloutLayout,
    x: Float64Array,
  ) {
    const force = data.forceParams;
    if (force === null) throw new Error('force tangent: the step scratch has no contact-force settings');
    this.force = force;
    this.n = model.nbody;
    this.IL = integratorLayout(this.n);
    this.integratorConfig = { nbody: this.n, dt: model.dt, isStatic: model.bodyStatic };
    this.xInt = integratorInputsOf(x, L, this.n);
  }

  /** The per-direction constants (parameter tangents) and views, when the tangents' arrays change. */
  private prepare(T: StepTangents): void {
    const n = this.n,
      L = this.L;
    const dirs = T.dirs;
    const ss = (POSE + TWIST) * n;
    if (this.inputsOf !== T.inputs) {
      this.inputsOf = T.inputs;
      const PL = contactParamTangentLayout(n);
      this.paramDot = new Float64Array(dirs * PL.size);
      this.sizeDot = new Float64Array(dirs * SIZE * n);
      this.xIntDots = [];
      for (let j = 0; j < dirs; j++) {
        const xd = T.inputs.subarray(j * L.size, (j + 1) * L.size);
        const po = j * PL.size;
        for (let k = 0; k < CONTACT_SCALAR_INPUTS.length; k++) this.paramDot[po + k] = xd[L[CONTACT_SCALAR_INPUTS[k]]];
        this.paramDot.set(xd.subarray(L.friction, L.friction + n), po + PL.friction);
        this.paramDot.set(xd.subarray(L.invMass, L.invMass + n), po + PL.invMass);
        this.paramDot.set(xd.subarray(L.invInertia, L.invInertia + 3 * n), po + PL.invInertia);
        this.paramDot.set(xd.subarray(L.restitution, L.restitution + n), po + PL.restitution);
        this.paramDot.set(xd.subarray(L.gravity, L.gravity + 3), po + PL.gravity);
        this.sizeDot.set(xd.subarray(L.geomSize, L.geomSize + SIZE * n), j * SIZE * n);
        this.xIntDots.push(integratorInputsOf(xd, L, n));
      }
      this.wrenchDot = new Float64Array(dirs * TWIST * n);
      this.wrenchDots = [];
      for (let j = 0; j < dirs; j++) this.wrenchDots.push(this.wrenchDot.subarray(j * TWIST * n, (j + 1) * TWIST * n));
      this.motion = {
        params: directionsMovingParams(this.paramDot, dirs, PL.size, new Uint8Array(dirs)),
        bodies: new Uint8Array(dirs * n),
      };
      this.posed = new Uint8Array(n);
      this.sized = new Uint8Array(dirs * n);
      for (let j = 0; j < dirs; j++) {
        for (let b = 0; b < n; b++) {
          let any = 0;
          for (let k = 0; k < SIZE && any === 0; k++) any = this.sizeDot[j * SIZE * n + SIZE * b + k] !== 0 ? 1 : 0;
          this.sized[j * n + b] = any;
        }
      }
    }
    if (this.stateOf !== T.state) {
      this.stateOf = T.state;
      this.stateDots = [];
      for (let j = 0; j < dirs; j++) this.stateDots.push(T.state.subarray(j * ss, (j + 1) * ss));
    }
  }

  /** `motion.bodies` and `posed` from the state's tangents (dirs × 13n) and the constant size tangents. */
  private noteMotion(stateDot: Float64Array, dirs: number): void {
    const n = this.n;
    const ss = (POSE + TWIST) * n;
    const bodies = this.motion.bodies,
      posed = this.posed,
      sized = this.sized;
    posed.fill(0);
    for (let j = 0; j < dirs; j++) {
      const so = j * ss,
        vo = so + POSE * n;
      for (let b = 0; b < n; b++) {
        let pose = sized[j * n + b];
        for (let k = 0; k < POSE && pose === 0; k++) pose = stateDot[so + POSE * b + k] !== 0 ? 1 : 0;
        let any = pose;
        for (let k = 0; k < TWIST && any === 0; k++) any = stateDot[vo + TWIST * b + k] !== 0 ? 1 : 0;
        bodies[j * n + b] = any;
        if (pose === 1) posed[b] = 1;
      }
    }
  }

  step(state: State, control: Float64Array | null, T: StepTangents, kinks: MarginTangentSink | null): void {
    this.prepare(T);
    const n = this.n,
      m = this.model,
      data = this.data,
      IL = this.IL;
    const dirs = T.dirs;
    const ss = (POSE + TWIST) * n;
    // collide, as the plain step does (a buffer too small is grown and the pass repeated)
    collide(m, state.bodyQ, m.contact.margin, data.contacts);
    if (data.contacts.dropped > 0) {
      data.contacts = createContacts(2 * (data.contacts.capacity + data.contacts.dropped));
      collide(m, state.bodyQ, m.contact.margin, data.contacts);
    }
    const contacts = data.contacts;
    const c = contacts.count;
    this.noteMotion(T.state, dirs);
    if (this.geomDot.length < dirs * POSE * c) this.geomDot = new Float64Array(2 * dirs * POSE * c);
    contactGeometryTangents(
      m,
      contacts,
      state.bodyQ,
      m.geomSize,
      dirs,
      T.state,
      ss,
      this.sizeDot,
      SIZE * n,
      this.geomDot,
      this.posed,
    );
    const wrench = data.wrench;
    const wrenchDot = this.wrenchDot;
    contactWrenchTangents(
      this.force,
      contacts,
      state.bodyQ,
      state.bodyQd,
      dirs,
      this.geomDot,
      T.state,
      this.paramDot,
      wrench,
      wrenchDot,
      kinks,
      m.bodyStatic,
      this.motion,
    );
    if (control !== null) for (let k = 0; k < wrench.length; k++) wrench[k] += control[k];
    if (T.control !== null) for (let k = 0; k < dirs * TWIST * n; k++) wrenchDot[k] += T.control[k];
    // integrate: the state and wrench into the flat input; each direction's state tangent
    // is advanced in place, read with its wrench tangent where they lie (no copies)
    const xInt = this.xInt;
    xInt.set(state.bodyQ, IL.q);
    xInt.set(state.bodyQd, IL.qd);
    xInt.set(wrench, IL.wrench);
    // the integrator's intermediates too, where the stepper keeps them for an adjoint (a
    // gradient's forward pass that carries tangents: rollout.ts \`forwardTangents\`)
    integrateStateTangents(
      this.integratorConfig,
      xInt,
      this.xIntDots,
      this.stateDots,
      this.wrenchDots,
      state.bodyQ,
      state.bodyQd,
      data.integratorKept,
    );
    state.time += m.dt;
  }
}
