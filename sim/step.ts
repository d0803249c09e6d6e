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
 * A model in hard mode (`contact.mode = "hard"`) is stepped by sim/hard's impulse pipeline
 * (`hardStep`: collide → free flight → velocity solve → position pass → positions) through
 * the same two calls, so every caller toggles between the three modes with the scene file
 * alone.
 */
import { collide, createContacts, type Contacts } from './collision/index.ts';
import { contactForceParams, type ContactForceParams } from './contact/params.ts';
import { contactWrenches } from './contact/wrenches.ts';
import { integrate, integratorParams, type IntegratorParams } from './integrator/semiImplicitEuler.ts';
import { reportHardDecisions } from './hard/decisions.ts';
import { createHardStepData, hardStep, type HardStepData } from './hard/step.ts';
import type { KinkSink } from '../ad/primitive.ts';
import type { Model } from './model.ts';
import { SanityMonitor } from './sanity.ts';
import type { State } from './state.ts';

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
  /** contact-force settings resolved from the model (null in hard mode: impulses, no forces) */
  readonly forceParams: ContactForceParams | null;
  /** integrator settings resolved from the model */
  readonly integrator: IntegratorParams;
  /** hard mode: the impulse pipeline's own scratch (contacts, problem, warm start); else null */
  readonly hard: HardStepData | null;
  /**
   * integrate: where the step leaves the integrator's intermediates for an adjoint
   * (nbody × INTEGRATOR_KEPT_PER_BODY; a rollout's Stepper sets it), or null (plain stepping)
   */
  integratorKept: Float64Array | null;
  /** where in `integratorKept` this step's block starts (body b's at + b × INTEGRATOR_KEPT_PER_BODY) */
  integratorKeptAt: number;
}

/** Make the scratch for stepping `model` (contact buffer sized for the scene). */
export function createStepData(model: Model, overrides: Partial<ContactForceParams> = {}): StepData {
  const hard = model.contact.mode === 'hard' ? createHardStepData(model) : null;
  return {
    // hard mode shares its contact buffer (so callers read this step's contacts in any mode)
    contacts: hard !== null ? hard.contacts : createContacts(Math.max(64, CONTACTS_PER_BODY * model.nbody)),
    wrench: new Float64Array(6 * model.nbody),
    forceParams: hard === null ? contactForceParams(model, overrides) : null,
    integrator: integratorParams(model),
    hard,
    integratorKept: null,
    integratorKeptAt: 0,
  };
}

/**
 * Advance `state` by one step of `model.dt` into `out` (which may be `state` itself).
 * `control` (nbody×6: force then torque, world, N and N·m) is added to the contact
 * wrenches; pass null for none. Returns `out`. With `decisions`, every non-smooth
 * decision of the step goes there with its margin (the decision log of sim/validity.ts).
 */
export function step(
  model: Model,
  data: StepData,
  state: State,
  control: Float64Array | null,
  out: State,
  decisions: KinkSink | null = null,
): State {
  if (data.hard !== null || data.forceParams === null) {
    if (data.hard === null) throw new Error('step: StepData has neither force settings nor hard-contact scratch');
    hardStep(model, data.hard, state, control, out);
    if (decisions !== null) reportHardDecisions(model, data.hard, decisions);
    data.contacts = data.hard.contacts; // the buffer may have grown
    return out;
  }
  // collision: broadphase and narrowphase into the contact buffer
  collide(model, state.bodyQ, model.contact.margin, data.contacts);
  if (data.contacts.dropped > 0) {
    // the buffer was too small for this scene: grow it (rare) and collide again
    data.contacts = createContacts(2 * (data.contacts.capacity + data.contacts.dropped));
    collide(model, state.bodyQ, model.contact.margin, data.contacts);
  }
  // contact model: per-body wrenches from every contact
  contactWrenches(data.forceParams, data.contacts, state.bodyQ, state.bodyQd, data.wrench, decisions);
  // controls
  if (control !== null) {
    const w = data.wrench;
    for (let j = 0; j < w.length; j++) w[j] += control[j];
  }
  // integration
  integrate(
    data.integrator,
    state.bodyQ,
    state.bodyQd,
    data.wrench,
    out.bodyQ,
    out.bodyQd,
    data.integratorKept,
    data.integratorKeptAt,
  );
  out.time = state.time + model.dt;
  return out;
}

/**
 * Step `steps` times from `state` (in place), watching every step with the sanity monitor
 * (sim/sanity.ts): a non-finite value, an energy gain that nothing in the scene supplies, a
 * body too fast or too far, or a contact deeper than its bound (read from the step's own
 * contacts) throws a DivergenceError naming the step, body and quantity. `onStep(t, state)` sees
 * every state (e.g. to record a trajectory). Returns `state`.
 */
export function simulate(
  model: Model,
  state: State,
  steps: number,
  opts: { data?: StepData; control?: (t: number) => Float64Array | null; onStep?: (t: number, s: State) => void } = {},
): State {
  const data = opts.data ?? createStepData(model);
  const monitor = new SanityMonitor(model, state.bodyQ, state.bodyQd);
  for (let t = 0; t < steps; t++) {
    const control = opts.control ? opts.control(t) : null;
    step(model, data, state, control, state);
    if (control !== null) monitor.addControlWork(state.bodyQd, control, 0, null);
    monitor.check(state.bodyQ, state.bodyQd, t + 1, data.contacts);
    opts.onStep?.(t + 1, state);
  }
  return state;
}
