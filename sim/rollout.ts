/**
 * The differentiable rollout: T steps of the simulator as ONE primitive on the AD tape.
 *
 *   inputs  [q₀ (7n) | qd₀ (6n) | invMass (n) | invInertia (3n) | geomSize (4n)
 *            | k, c, τ, ε | bodyFriction (n) | gravity (3) | bodyRestitution (n)
 *            | controls (T × nc × 6)]
 *   outputs [q_T (7n) | qd_T (6n) | (q, qd) after each step listed in `record`]
 *
 * Forward: the plain step loop (collide → contact wrenches → controls → integrate) on
 * typed arrays, keeping every `segment`-th state (⌈√T⌉ by default: O(√T) memory), and
 * reporting each non-smooth decision near its boundary with the step in its label.
 * Backward: segment by segment from the last, recompute the segment's states from its
 * checkpoint, then walk its steps backwards through the hand-written adjoints of the
 * stages (integrate, contact wrenches, contact geometry), accumulating the cotangents of
 * every input. The collision pass itself is discrete: at each step the adjoint uses the
 * contact set (and features) the forward pass found — the branch actually executed.
 *
 * Why one primitive rather than one tape entry per stage per step: a per-step primitive
 * makes 13n Vars per step just to carry the state; here the state never leaves typed
 * arrays, so a gradient costs a small constant times the plain rollout (bench:
 * grad.*.overForward).
 */
import type { KinkSink } from '../ad/primitive.ts';
import { customVjp } from '../ad/primitive.ts';
import type { Real } from '../ad/tape.ts';
import { collide, createContacts, type Contacts } from './collision/index.ts';
import { SanityMonitor, type SanityInput } from './sanity.ts';
import { addInto, contactsBytes, copyInto, DEFAULT_KEPT_RECORDS_BYTES, keepContacts, addIntegratorParamBars, integratorInputsOf, nearestPerDecision, rolloutLayout, rolloutSchedule, type RolloutConfig, type RolloutLayout } from './rollout-shared.ts';
import { hardRolloutPrimitive } from './hard/rollout.ts';
import type { CollisionInput } from './collision/types.ts';
import type { Model } from './model.ts';
import { contactGeometryAdjoint } from './contact/geometry.ts';
import type { ContactForceParams } from './contact/params.ts';
import { contactWrenchInputs, contactWrenchLayout, contactWrenches, contactWrenchesAdjoint } from './contact/wrenches.ts';
import { integrate, integrateAdjoint, integratorLayout, type IntegratorParams } from './integrator/semiImplicitEuler.ts';

export { rolloutInputs, rolloutLayout, type RolloutConfig, type RolloutLayout } from './rollout-shared.ts';

/** Everything one evaluation of the rollout needs, as views onto its flat input. */
interface RolloutWork {
  L: RolloutLayout;
  n: number;
  collision: CollisionInput;
  force: ContactForceParams;
  integrator: IntegratorParams;
  controls: Float64Array;
  contacts: Contacts;
  wrench: Float64Array;
}

function workOf(config: RolloutConfig, x: Float64Array): RolloutWork {
  const { model, steps } = config;
  if (model.contact.mode === 'hard') throw new Error('rollout: hard mode runs through sim/hard/rollout.ts');
  const n = model.nbody;
  const nc = config.controlBodies?.length ?? 0;
  const L = rolloutLayout(n, steps, nc);
  if (x.length !== L.size) throw new RangeError(`rollout: expected ${L.size} inputs, got ${x.length}`);
  const geomSize = x.subarray(L.geomSize, L.geomSize + 4 * n);
  return {
    L,
    n,
    // a fresh collision input per evaluation: the sizes are this evaluation's inputs
    collision: { nbody: n, geomType: model.geomType, geomSize, bodyStatic: model.bodyStatic },
    force: {
      mode: model.contact.mode,
      nbody: n,
      stiffness: x[L.scalars],
      damping: x[L.scalars + 1],
      dampingFromRestitution: model.contact.damping === undefined,
      dt: model.dt,
      temperature: x[L.scalars + 2],
      frictionVelocity: x[L.scalars + 3],
      bodyFriction: x.subarray(L.friction, L.friction + n),
      invMass: x.subarray(L.invMass, L.invMass + n),
      invInertia: x.subarray(L.invInertia, L.invInertia + 3 * n),
      bodyRestitution: x.subarray(L.restitution, L.restitution + n),
      gravity: x.subarray(L.gravity, L.gravity + 3),
      margin: model.contact.margin,
      bodyName: model.bodyName,
    },
    integrator: {
      nbody: n,
      dt: model.dt,
      gravity: x.subarray(L.gravity, L.gravity + 3),
      invMass: x.subarray(L.invMass, L.invMass + n),
      invInertia: x.subarray(L.invInertia, L.invInertia + 3 * n),
      isStatic: model.bodyStatic,
    },
    controls: x.subarray(L.controls),
    contacts: createContacts(Math.max(64, 16 * n)),
    wrench: new Float64Array(6 * n),
  };
}

/** What the sanity monitor reads: the model with this evaluation's parameters from x. */
function monitorInput(model: Model, w: RolloutWork): SanityInput {
  const { invMass, invInertia, gravity } = w.integrator;
  const contact = { ...model.contact, stiffness: w.force.stiffness, temperature: w.force.temperature };
  return { ...model, geomSize: w.collision.geomSize, bodyInvMass: invMass, bodyInvInertia: invInertia, gravity, contact };
}

/** Collide at pose `q`, growing the buffer if it overflowed. */
function collideInto(w: RolloutWork, margin: number, q: Float64Array): void {
  collide(w.collision, q, margin, w.contacts);
  if (w.contacts.dropped > 0) {
    w.contacts = createContacts(2 * (w.contacts.capacity + w.contacts.dropped));
    collide(w.collision, q, margin, w.contacts);
  }
}

/** Contact wrenches at (q, qd) plus step t's controls, into w.wrench. */
function wrenchesAt(config: RolloutConfig, w: RolloutWork, t: number, q: Float64Array, qd: Float64Array, kinks: KinkSink | null): void {
  contactWrenches(w.force, w.contacts, q, qd, w.wrench, kinks);
  const bodies = config.controlBodies;
  if (bodies === undefined) return;
  const base = 6 * bodies.length * t;
  for (let j = 0; j < bodies.length; j++) {
    for (let k = 0; k < 6; k++) w.wrench[6 * bodies[j] + k] += w.controls[base + 6 * j + k];
  }
}

interface Residuals {
  x: Float64Array;
  /** states at steps 0, segment, 2·segment, … ([q | qd] per checkpoint) */
  checkpoints: Float64Array[];
  /** every step's state, contacts and wrench, or null (over budget: replay the segments) */
  kept: KeptSteps | null;
}

/** The forward pass's own records of every step, when they fit the budget. */
interface KeptSteps {
  /** (steps × 13n) the state before each step */
  states: Float64Array;
  /** (steps × 6n) the wrench of each step (contacts and controls) */
  wrench: Float64Array;
  contacts: Contacts[];
}

/** The contacts of a step that has none (shared by every such kept step). */
const NO_CONTACTS = createContacts(0);

/**
 * The rollout as a primitive: `(x: Real[]) => Real[]` with the layout of
 * {@link rolloutLayout}. Build the inputs with {@link rolloutInputs} and replace the
 * entries you differentiate with traced Reals.
 *
 * @example
 * const run = rolloutPrimitive({ model, steps: 1000 });
 * const { grad } = ad.valueAndGrad((v) => {
 *   const x: ad.Real[] = Array.from(rolloutInputs(cfg, q0, qd0));
 *   x[L.qd + 6 * ball] = v[0];        // ∂/∂ initial vx of the ball
 *   return run(x)[7 * ball + 2];      // final height
 * }, [1.0]);
 */
export function rolloutPrimitive(config: RolloutConfig): (x: readonly Real[]) => Real[] {
  if (config.model.contact.mode === 'hard') return hardRolloutPrimitive(config);
  const { model, steps } = config;
  const n = model.nbody;
  const { segment, record } = rolloutSchedule(config);
  const stateSize = 13 * n;
  return customVjp<Residuals>({
    name: 'rollout',
    fwd: (x, kinks) => {
      const w = workOf(config, x);
      const sink = nearestPerDecision();
      const state = new Float64Array(stateSize);
      state.set(x.subarray(w.L.q, w.L.q + stateSize));
      const q = state.subarray(0, 7 * n);
      const qd = state.subarray(7 * n);
      const checkpoints: Float64Array[] = [];
      const y = new Float64Array(stateSize * (1 + record.length));
      const recordAt = (k: number) => record.forEach((r, j) => r === k && y.set(state, stateSize * (1 + j)));
      recordAt(0);
      const monitor = new SanityMonitor(monitorInput(model, w), q, qd);
      // keep every step's state, contacts and wrench while they fit the budget
      const budget = config.keptRecordsBytes ?? DEFAULT_KEPT_RECORDS_BYTES;
      let keptBytes = steps * 19 * n * Float64Array.BYTES_PER_ELEMENT;
      let kept: KeptSteps | null = keptBytes <= budget ? { states: new Float64Array(steps * stateSize), wrench: new Float64Array(steps * 6 * n), contacts: [] } : null;
      for (let t = 0; t < steps; t++) {
        if (t % segment === 0) checkpoints.push(state.slice());
        sink.t = t;
        if (kept !== null) kept.states.set(state, t * stateSize);
        collideInto(w, model.contact.margin, q);
        wrenchesAt(config, w, t, q, qd, sink);
        if (kept !== null) {
          kept.wrench.set(w.wrench, t * 6 * n);
          const contacts = w.contacts.count === 0 ? NO_CONTACTS : keepContacts(w.contacts, undefined);
          kept.contacts.push(contacts);
          keptBytes += contactsBytes(contacts);
          if (keptBytes > budget) kept = null;
        }
        integrate(w.integrator, q, qd, w.wrench, q, qd);
        if (config.controlBodies !== undefined) monitor.addControlWork(qd, w.controls, 6 * config.controlBodies.length * t, config.controlBodies);
        monitor.check(q, qd, t + 1);
        recordAt(t + 1);
      }
      y.set(state, 0);
      sink.flush(kinks);
      return [y, { x, checkpoints, kept }];
    },
    bwd: ({ x, checkpoints, kept }, ybar) => rolloutAdjoint(config, segment, x, checkpoints, kept, ybar),
  });
}

function rolloutAdjoint(config: RolloutConfig, segment: number, x: Float64Array, checkpoints: Float64Array[], kept: KeptSteps | null, ybar: Float64Array): Float64Array {
  const { model, steps } = config;
  const n = model.nbody;
  const w = workOf(config, x);
  const L = w.L;
  const xbar = new Float64Array(L.size);
  const bodies = config.controlBodies ?? [];
  const IL = integratorLayout(n);
  const xInt = integratorInputsOf(x, L, n);
  const xIntBar = new Float64Array(IL.size);
  const forceConfig = { mode: w.force.mode, nbody: n, margin: w.force.margin, bodyName: model.bodyName, dt: model.dt, dampingFromRestitution: w.force.dampingFromRestitution };
  const geometryInput = { ...w.collision, bodyName: model.bodyName };
  const contactBuffers = new Map<number, { xc: Float64Array; xcBar: Float64Array }>();
  // λ: cotangent of the state after the current step ([q̄ | q̇̄]); recorded states add theirs
  const stateSize = 13 * n;
  const record = config.record ?? [];
  const lambda = Float64Array.from(ybar.subarray(0, stateSize));
  const addRecorded = (k: number) =>
    record.forEach((r, j) => {
      if (r === k) addInto(lambda, 0, ybar, stateSize * (1 + j), stateSize);
    });
  addRecorded(steps);
  const sizeBar = xbar.subarray(L.geomSize, L.geomSize + 4 * n);
  const segStates = new Float64Array(segment * 13 * n);
  const integratorConfig = { nbody: n, dt: model.dt, isStatic: model.bodyStatic };
  const wBar = new Float64Array(6 * n);
  const qBar = lambda.subarray(0, 7 * n);
  const qdBar = lambda.subarray(7 * n);
  // per step of the current segment: its contacts and its wrench (contacts + controls),
  // kept from the recomputation so the backward walk collides and evaluates forces once
  const segContacts: Contacts[] = [];
  const segWrench = new Float64Array(segment * 6 * n);
  const state = new Float64Array(13 * n);
  for (let s = checkpoints.length - 1; s >= 0; s--) {
    const t0 = s * segment;
    const t1 = Math.min(steps, t0 + segment);
    if (kept !== null) {
      // the forward pass kept every step: this segment's states, contacts and wrenches
      segStates.set(kept.states.subarray(t0 * stateSize, t1 * stateSize));
      segWrench.set(kept.wrench.subarray(t0 * 6 * n, t1 * 6 * n));
      for (let t = t0; t < t1; t++) segContacts[t - t0] = kept.contacts[t];
    } else {
      // recompute the segment: the state before each step, its contacts and wrench
      state.set(checkpoints[s]);
      const q = state.subarray(0, 7 * n);
      const qd = state.subarray(7 * n);
      for (let t = t0; t < t1; t++) {
        const k = t - t0;
        segStates.set(state, k * 13 * n);
        collideInto(w, model.contact.margin, q);
        segContacts[k] = keepContacts(w.contacts, segContacts[k]);
        wrenchesAt(config, w, t, q, qd, null);
        segWrench.set(w.wrench, k * 6 * n);
        if (t + 1 < t1) integrate(w.integrator, q, qd, w.wrench, q, qd);
      }
    }
    for (let t = t1 - 1; t >= t0; t--) {
      if (t + 1 < steps) addRecorded(t + 1);
      const k = t - t0;
      const off = k * 13 * n;
      const contacts = segContacts[k];
      // integrate: λ → (q̄, q̇̄, w̄, invMass̄, invInertiā, ḡ); the state and wrench are
      // copied into the integrator's flat input (q and qd are adjacent there too)
      copyInto(xInt, IL.q, segStates, off, 13 * n);
      copyInto(xInt, IL.wrench, segWrench, k * 6 * n, 6 * n);
      integrateAdjoint(integratorConfig, xInt, lambda, xIntBar);
      addIntegratorParamBars(xbar, L, xIntBar, n);
      copyInto(wBar, 0, xIntBar, IL.wrench, 6 * n);
      for (let j = 0; j < bodies.length; j++) {
        for (let e = 0; e < 6; e++) xbar[L.controls + 6 * bodies.length * t + 6 * j + e] += wBar[6 * bodies[j] + e];
      }
      // the next λ starts from the integrator's state cotangents
      copyInto(lambda, 0, xIntBar, IL.q, 13 * n);
      const c = contacts.count;
      if (c > 0) {
        const qt = xInt.subarray(IL.q, IL.q + 7 * n);
        const qdt = xInt.subarray(IL.qd, IL.qd + 6 * n);
        // contact wrenches: w̄ → geometry, q, qd and the force parameters
        // one input and one cotangent buffer per contact count, reused across steps
        let buffers = contactBuffers.get(c);
        if (buffers === undefined) {
          const size = contactWrenchLayout(c, n).size;
          buffers = { xc: new Float64Array(size), xcBar: new Float64Array(size) };
          contactBuffers.set(c, buffers);
        }
        const xc = contactWrenchInputs(w.force, contacts, qt, qdt, buffers.xc);
        const xcBar = contactWrenchesAdjoint(forceConfig, contacts, xc, wBar, buffers.xcBar);
        const CL = contactWrenchLayout(c, n);
        addInto(qBar, 0, xcBar, CL.q, 7 * n);
        addInto(qdBar, 0, xcBar, CL.qd, 6 * n);
        addInto(xbar, L.scalars, xcBar, CL.params, 4);
        addInto(xbar, L.friction, xcBar, CL.friction, n);
        addInto(xbar, L.invMass, xcBar, CL.invMass, n);
        addInto(xbar, L.invInertia, xcBar, CL.invInertia, 3 * n);
        addInto(xbar, L.restitution, xcBar, CL.restitution, n);
        addInto(xbar, L.gravity, xcBar, CL.gravity, 3);
        // contact geometry: (dist, normal, point) → poses and sizes
        contactGeometryAdjoint(
          geometryInput,
          contacts,
          qt,
          w.collision.geomSize,
          xcBar.subarray(0, 7 * c),
          qBar,
          sizeBar,
        );
      }
    }
  }
  addRecorded(0);
  xbar.set(lambda, L.q);
  return xbar;
}

