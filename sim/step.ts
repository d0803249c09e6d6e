/**
 * One time step, as a fixed pipeline of named stages read top to bottom (MuJoCo's
 * `mj_step`):
 *
 *   collide (broadphase → narrowphase)  →  contact wrenches (penalty | soft)
 *     →  add controls  →  integrate (semi-implicit Euler, exp map, gyroscopic term)
 *
 * `step(model, data, state, control, out)` is the plain forward step: typed arrays only,
 * nothing allocated (the scratch lives in `StepData`, made once per model by
 * `createStepData`). The differentiable rollout (sim/rollout.ts) runs the same stages and
 * their adjoints.
 *
 * Hard impulse contacts (`contact.mode = "hard"`) arrive with their own issue; a model in
 * hard mode is rejected here with a clear error rather than silently simulated otherwise.
 */
import { collide, createContacts, type Contacts } from './collision/index.ts';
import { contactForceParams, type ContactForceParams } from './contact/params.ts';
import { contactWrenches } from './contact/wrenches.ts';
import { integrate, integratorParams, type IntegratorParams } from './integrator/semiImplicitEuler.ts';
import type { Model } from './model.ts';
import { assertFiniteState, type State } from './state.ts';

/** Contacts one body may carry on average before the buffer grows (a box on a box: 8). */
const CONTACTS_PER_BODY = 16;

/**
 * Scratch of the step, written by the stage named beside each field. One per model;
 * reused every step.
 */
export interface StepData {
  /** collide: contacts of the current step */
  contacts: Contacts;
  /** contact wrenches: per-body force and torque (nbody×6, world), then + controls */
  readonly wrench: Float64Array;
  /** contact-force settings resolved from the model */
  readonly forceParams: ContactForceParams;
  /** integrator settings resolved from the model */
  readonly integrator: IntegratorParams;
}

/** Make the scratch for stepping `model` (contact buffer sized for the scene). */
export function createStepData(model: Model, overrides: Partial<ContactForceParams> = {}): StepData {
  if (model.contact.mode === 'hard') {
    throw new Error(
      "contact mode 'hard' (impulses) is not available yet: it arrives with the hard-contact issue; use --contact soft or penalty",
    );
  }
  return {
    contacts: createContacts(Math.max(64, CONTACTS_PER_BODY * model.nbody)),
    wrench: new Float64Array(6 * model.nbody),
    forceParams: contactForceParams(model, overrides),
    integrator: integratorParams(model),
  };
}

/**
 * Advance `state` by one step of `model.dt` into `out` (which may be `state` itself).
 * `control` (nbody×6: force then torque, world, N and N·m) is added to the contact
 * wrenches; pass null for none. Returns `out`.
 */
export function step(model: Model, data: StepData, state: State, control: Float64Array | null, out: State): State {
  // collision: broadphase and narrowphase into the contact buffer
  collide(model, state.bodyQ, model.contact.margin, data.contacts);
  if (data.contacts.dropped > 0) {
    // the buffer was too small for this scene: grow it (rare) and collide again
    data.contacts = createContacts(2 * (data.contacts.capacity + data.contacts.dropped));
    collide(model, state.bodyQ, model.contact.margin, data.contacts);
  }
  // contact model: per-body wrenches from every contact
  contactWrenches(data.forceParams, data.contacts, state.bodyQ, state.bodyQd, data.wrench);
  // controls
  if (control !== null) {
    const w = data.wrench;
    for (let j = 0; j < w.length; j++) w[j] += control[j];
  }
  // integration
  integrate(data.integrator, state.bodyQ, state.bodyQd, data.wrench, out.bodyQ, out.bodyQd);
  out.time = state.time + model.dt;
  return out;
}

/**
 * Step `steps` times from `state` (in place), checking for non-finite values every
 * `checkEvery` steps and at the end (a DivergenceError names the step, body and field).
 * `onStep(t, state)` sees every state (e.g. to record a trajectory). Returns `state`.
 */
export function simulate(
  model: Model,
  state: State,
  steps: number,
  opts: { data?: StepData; control?: (t: number) => Float64Array | null; onStep?: (t: number, s: State) => void; checkEvery?: number } = {},
): State {
  const data = opts.data ?? createStepData(model);
  const checkEvery = opts.checkEvery ?? 100;
  for (let t = 0; t < steps; t++) {
    step(model, data, state, opts.control ? opts.control(t) : null, state);
    if ((t + 1) % checkEvery === 0 || t === steps - 1) assertFiniteState(state, model, t + 1);
    opts.onStep?.(t + 1, state);
  }
  return state;
}
