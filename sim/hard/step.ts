/**
 * One hard-contact (impulse) step, as a fixed pipeline read top to bottom:
 *
 *   collide  →  free-flight velocities v* (gravity, controls, gyroscopic term)
 *     →  contact problem (frames, Jacobians, restitution/speculative bounds)
 *     →  warm start  →  velocity solve (PGS: non-penetration, restitution, Coulomb)
 *     →  position pass (split impulse, only on penetration)  →  positions from v⁺ (+ v_p)
 *     →  state velocity v⁺ (after a placed impact: with the gyroscopic term on the post-impact ω)
 *
 * Same shape as sim/step.ts's `step`/`createStepData`: `hardStep(model, data, state,
 * control, out)`, plain typed arrays, nothing allocated per step (the scratch lives in
 * `HardStepData`). Forward only: the implicit adjoint of the velocity solve differentiates
 * the optimality conditions written in solver.ts.
 */
import { collide, createContacts, type Contacts } from '../collision/index.ts';
import { integratorParams, type IntegratorParams } from '../integrator/semiImplicitEuler.ts';
import type { Model } from '../model.ts';
import type { State } from '../state.ts';
import { VELOCITY_KEPT_PER_BODY } from '../integrator/semiImplicitEuler.ts';
import { gyroscopicAfterImpacts, integratePositions, predictVelocities } from './integrate.ts';
import { ContactOrder } from './contact-order.ts';
import { solvePositions } from './position.ts';
import { buildContactProblem, createContactProblem, isolatedImpactDelays, type ContactProblem } from './problem.ts';
import { hardContactSettings, type HardContactSettings } from './settings.ts';
import { applyImpulses, createHardSolveStats, solveContactVelocities, type HardSolveStats } from './solver.ts';
import { createWarmStart, loadWarmStart, storeWarmStart, type WarmStart } from './warmStart.ts';

/** Module scratch of the contacts' order (nothing allocated per step). */
const _order = new ContactOrder();
/** Contacts one body may carry on average before the buffer grows (as sim/step.ts). */
const CONTACTS_PER_BODY = 16;

/** Scratch of the hard step, written by the stage named beside each field. One per model. */
export interface HardStepData {
  /** collide: contacts of the current step */
  contacts: Contacts;
  /** problem assembly and both solves: frames, Jacobians, bounds, impulses */
  problem: ContactProblem;
  /** warm start: last step's impulses by feature */
  warmStart: WarmStart;
  /** (nbody×6) free-flight velocities v*, then (after the solve) v⁺; linear then angular, world */
  readonly velocity: Float64Array;
  /** (nbody×6) after a placed impact: v⁺ with the gyroscopic term on the post-impact ω, the state's velocity */
  readonly afterImpact: Float64Array;
  /** (nbody×6) position pass: pseudo-velocities v_p (never stored in the state) */
  readonly pseudo: Float64Array;
  /** integrator settings resolved from the model */
  readonly integrator: IntegratorParams;
  /** solver settings */
  readonly settings: HardContactSettings;
  /** what the last step's solves did: iterations, residuals */
  readonly stats: HardSolveStats;
  /**
   * When set (by a gradient's forward pass, stepper.ts): the step keeps its free flight
   * here as it computed it, for the step's adjoint to read instead of computing it again
   * (step-adjoint.ts). Null for a plain rollout, which keeps nothing.
   */
  freeFlight: HardFreeFlight | null;
}

/**
 * A step's free flight as the step computed it, [v* (6n) | gyroscopic steps
 * (VELOCITY_KEPT_PER_BODY per body) | world inverse inertia at the start pose (9 per
 * body; a body in a placed impact: at its impact)]: `values`, and views of its parts.
 */
export interface HardFreeFlight {
  readonly values: Float64Array;
  readonly velocity: Float64Array;
  readonly gyroscopic: Float64Array;
  readonly inertia: Float64Array;
}

/** Floats of a free flight record of `nbody` bodies ({@link HardFreeFlight}) and its parts' offsets. */
export function freeFlightLayout(nbody: number): {
  velocity: number;
  gyroscopic: number;
  inertia: number;
  size: number;
} {
  const gyroscopic = 6 * nbody;
  const inertia = gyroscopic + VELOCITY_KEPT_PER_BODY * nbody;
  return { velocity: 0, gyroscopic, inertia, size: inertia + 9 * nbody };
}

/** A free flight record for `nbody` bodies, its parts as views of one array. */
export function createFreeFlight(nbody: number): HardFreeFlight {
  const F = freeFlightLayout(nbody);
  const values = new Float64Array(F.size);
  return {
    values,
    velocity: values.subarray(F.velocity, F.gyroscopic),
    gyroscopic: values.subarray(F.gyroscopic, F.inertia),
    inertia: values.subarray(F.inertia, F.size),
  };
}

/**
 * Make the scratch for stepping `model` with hard contacts (settings overridable, e.g.
 * `{ maxIterations: 20 }`). The model's own `contact.mode` is not checked, so any scene
 * can be stepped in hard mode.
 *
 * @example
 * const data = createHardStepData(model);
 * for (let t = 0; t < model.steps; t++) hardStep(model, data, state, null, state);
 */
export function createHardStepData(model: Model, overrides: Partial<HardContactSettings> = {}): HardStepData {
  const contacts = createContacts(Math.max(64, CONTACTS_PER_BODY * model.nbody));
  return {
    contacts,
    problem: createContactProblem(model.nbody, contacts.capacity),
    warmStart: createWarmStart(contacts.capacity),
    velocity: new Float64Array(6 * model.nbody),
    afterImpact: new Float64Array(6 * model.nbody),
    pseudo: new Float64Array(6 * model.nbody),
    integrator: integratorParams(model),
    settings: hardContactSettings(model, { placeImpacts: model.contact.timeOfImpact, ...overrides }),
    stats: createHardSolveStats(),
    freeFlight: null,
  };
}

/**
 * Advance `state` by one step of `model.dt` with hard contacts into `out` (which may be
 * `state` itself). `control` (nbody×6: force then torque, world, N and N·m) acts over the
 * step; pass null for none. Returns `out`; `data.stats` tells how the solves went.
 *
 * @example
 * const data = createHardStepData(model);
 * hardStep(model, data, state, null, state);
 * data.stats.iterations; // Gauss–Seidel sweeps this step
 */
export function hardStep(
  model: Model,
  data: HardStepData,
  state: State,
  control: Float64Array | null,
  out: State,
): State {
  // collision: broadphase and narrowphase into the contact buffer
  collide(model, state.bodyQ, model.contact.margin, data.contacts);
  if (data.contacts.dropped > 0) {
    // the buffer was too small for this scene: grow it and everything sized by it (rare)
    data.contacts = createContacts(2 * (data.contacts.capacity + data.contacts.dropped));
    data.problem = createContactProblem(model.nbody, data.contacts.capacity);
    data.warmStart = createWarmStart(data.contacts.capacity);
    collide(model, state.bodyQ, model.contact.margin, data.contacts);
  }
  // the solves' order: by body pair and feature, not the broadphase's (contact-order.ts)
  _order.sort(data.contacts);
  // free flight: gravity, controls and the gyroscopic term, no contact yet
  const velocity = data.velocity;
  const free = data.freeFlight;
  predictVelocities(data.integrator, state.bodyQ, state.bodyQd, control, velocity, free?.gyroscopic ?? null);
  if (free !== null) free.velocity.set(velocity);
  // the contact problem of this step, warm-started from the last step's impulses
  const problem = buildContactProblem(
    model,
    data.settings,
    data.contacts,
    state.bodyQ,
    velocity,
    data.problem,
    state.bodyQd,
  );
  if (free !== null) free.inertia.set(problem.worldInvInertia);
  loadWarmStart(data.warmStart, data.contacts, state.bodyQ, problem);
  applyImpulses(problem, velocity);
  // velocity solve: v* → v⁺
  solveContactVelocities(problem, velocity, data.settings, data.stats);
  storeWarmStart(data.warmStart, data.contacts, problem);
  // after a placed impact the gyroscopic term acts on the post-impact angular velocity (of
  // the bodies with no other contact carrying an impulse: theirs are reported as kinks)
  if (problem.placed)
    gyroscopicAfterImpacts(
      data.integrator,
      state.bodyQ,
      state.bodyQd,
      isolatedImpactDelays(problem),
      velocity,
      data.afterImpact,
    );
  // drift control: pseudo-velocities for the position update only
  data.stats.moved = solvePositions(problem, velocity, data.settings, data.pseudo, data.stats);
  // positions from the new velocities
  integratePositions(data.integrator, state.bodyQ, velocity, data.stats.moved ? data.pseudo : null, out.bodyQ);
  out.bodyQd.set(problem.placed ? data.afterImpact : velocity);
  out.time = state.time + model.dt;
  return out;
}
