/**
 * The differentiable rollout in hard mode: T impulse steps as ONE primitive, with the
 * flat input layout of sim/rollout.ts (`rolloutLayout`; the penalty/soft scalars k, c, τ,
 * ε are ignored here, the `restitution` group is read).
 *
 * Forward: the plain `hardStep` loop (sim/hard/step.ts) on typed arrays, keeping every
 * `segment`-th state AND the warm-start table with it (so a recomputed segment repeats
 * the executed solves exactly), and reporting every non-smooth decision near its
 * boundary once, at its nearest step (`step t: A/B onset | stick/slip`).
 *
 * Backward: segment by segment from the last, re-run the segment's steps from its
 * checkpoint, keeping what each step decided and found (HardStepRecord); then walk the
 * steps backwards: a step without contacts goes through the integrator's hand-written
 * adjoint, a step with contacts through its traced version (traced-step.ts: geometry,
 * rows and bounds with ad ops, the velocity solve by its implicit adjoint, the impact
 * placement), pulled back once with the state cotangent.
 *
 * Margins of the kink report (m/s): sim/hard/decisions.ts.
 */
import { customVjp } from '../../ad/primitive.ts';
import { add, mul } from '../../ad/ops.ts';
import type { Real } from '../../ad/tape.ts';
import { valueAndGrad } from '../../ad/transforms.ts';
import { createContacts } from '../collision/contacts.ts';
import { integrateAdjoint, integratorLayout } from '../integrator/semiImplicitEuler.ts';
import type { Model } from '../model.ts';
import { SanityMonitor } from '../sanity.ts';
import { addInto, contactsBytes, DEFAULT_KEPT_RECORDS_BYTES, copyInto, keepContacts, addIntegratorParamBars, integratorInputsOf, nearestPerDecision, rolloutLayout, rolloutSchedule, type RolloutConfig, type RolloutLayout } from '../rollout-shared.ts';
import { allocState, type State } from '../state.ts';
import { reportHardDecisions } from './decisions.ts';
import { createHardStepData, hardStep, type HardStepData } from './step.ts';
import { hardStepAdjoint, handAdjointCovers } from './step-adjoint.ts';
import { hardStepTraced, tracedStepContext, type HardStepRecord, type TracedStepContext } from './traced-step.ts';
import { restoreWarmStart, snapshotWarmStart, type WarmStartSnapshot } from './warmStart.ts';

/**
 * Contacts within this many penetration tolerances of d = 0 count as resting for the
 * bound's derivative (traced-step.ts): the velocity solve leaves resting gaps of ±1e-10 m
 * and the position pass anything beyond the tolerance (1 µm), so 10× covers both.
 */
export const RESTING_GAP_FACTOR = 10;

/** The forward pass's own records of every step, when they fit the budget. */
interface KeptSteps {
  /** (steps × 13n) the state before each step */
  states: Float64Array;
  records: HardStepRecord[];
}

/** What the forward pass leaves for the backward pass: the step scratch is reused by it. */
interface HardResiduals {
  x: Float64Array;
  checkpoints: Checkpoint[];
  /** every step's state and record, or null (over budget: replay from the checkpoints) */
  kept: KeptSteps | null;
  /** the model with the inputs' parameters, and its step scratch */
  model: Model;
  data: HardStepData;
}

interface Checkpoint {
  state: Float64Array;
  warm: WarmStartSnapshot;
}

/** The model with the differentiated quantities replaced by the rollout's inputs. */
function modelOf(model: Model, L: RolloutLayout, x: Float64Array): Model {
  const n = model.nbody;
  return {
    ...model,
    bodyInvMass: x.slice(L.invMass, L.invMass + n),
    bodyInvInertia: x.slice(L.invInertia, L.invInertia + 3 * n),
    geomSize: x.slice(L.geomSize, L.geomSize + 4 * n),
    bodyFriction: x.slice(L.friction, L.friction + n),
    bodyRestitution: x.slice(L.restitution, L.restitution + n),
    gravity: x.slice(L.gravity, L.gravity + 3),
  };
}

/** Step t's control wrench (nbody×6) from the flat controls, or null without control bodies. */
function controlAt(config: RolloutConfig, L: RolloutLayout, x: Float64Array, t: number, out: Float64Array): Float64Array | null {
  const bodies = config.controlBodies;
  if (bodies === undefined || bodies.length === 0) return null;
  out.fill(0);
  const base = L.controls + 6 * bodies.length * t;
  bodies.forEach((b, j) => {
    for (let e = 0; e < 6; e++) out[6 * b + e] = x[base + 6 * j + e];
  });
  return out;
}

/** The kept record of every step without contacts (never written: the backward reads only its count). */
const NO_CONTACT_STEP: HardStepRecord = {
  contacts: createContacts(0),
  impulse: new Float64Array(0),
  bounced: new Uint8Array(0),
  impactFraction: new Float64Array(0),
  pseudo: new Float64Array(0),
  moved: false,
};

/** Bytes held by a step record's arrays (the shared empty one's are all of length 0). */
function recordBytes(rec: HardStepRecord): number {
  return contactsBytes(rec.contacts) + rec.impulse.byteLength + rec.bounced.byteLength + rec.impactFraction.byteLength + rec.pseudo.byteLength;
}

/** Keep what the step just taken decided and found (reusing `into` when given). */
export function recordStep(data: HardStepData, into: HardStepRecord | undefined, minCapacity = 16): HardStepRecord {
  const p = data.problem;
  const c = p.count;
  const capacity = Math.max(c, minCapacity);
  const rec: HardStepRecord =
    into !== undefined && into.impulse.length >= 3 * c
      ? into
      : {
          contacts: createContacts(capacity),
          impulse: new Float64Array(3 * capacity),
          bounced: new Uint8Array(capacity),
          impactFraction: new Float64Array(capacity),
          pseudo: new Float64Array(data.pseudo.length),
          moved: false,
        };
  rec.contacts = keepContacts(data.contacts, rec.contacts);
  for (let k = 0; k < c; k++) {
    const o = 9 * k, d = p.dir;
    const ln = p.impulse[3 * k], l1 = p.impulse[3 * k + 1], l2 = p.impulse[3 * k + 2];
    for (let i = 0; i < 3; i++) rec.impulse[3 * k + i] = ln * d[o + i] + l1 * d[o + 3 + i] + l2 * d[o + 6 + i];
    rec.bounced[k] = p.bounced[k];
    rec.impactFraction[k] = p.impactFraction[k];
  }
  rec.moved = data.stats.moved;
  if (rec.moved) rec.pseudo.set(data.pseudo);
  else rec.pseudo.fill(0);
  return rec;
}

/**
 * The hard-mode rollout as a primitive `(x: Real[]) => Real[]` (layout and outputs of
 * sim/rollout.ts `rolloutPrimitive`, which dispatches here for `contact.mode = "hard"`).
 *
 * @example
 * const run = hardRolloutPrimitive({ model, steps: 500 });
 * const z = run(x)[7 * ball + 2]; // final height; d z/d x by ad.valueAndGrad
 */
export function hardRolloutPrimitive(config: RolloutConfig): (x: readonly Real[]) => Real[] {
  const { model, steps } = config;
  const n = model.nbody;
  const { segment, record } = rolloutSchedule(config);
  const stateSize = 13 * n;
  const L = rolloutLayout(n, steps, config.controlBodies?.length ?? 0);
  const settings = { placeImpacts: model.contact.timeOfImpact };
  return customVjp<HardResiduals>({
    name: 'rollout (hard)',
    fwd: (x, kinks) => {
      if (x.length !== L.size) throw new RangeError(`rollout: expected ${L.size} inputs, got ${x.length}`);
      const m = modelOf(model, L, x);
      const data = createHardStepData(m, settings);
      const state = stateFrom(n, x, L);
      const control = new Float64Array(6 * n);
      const sink = nearestPerDecision();
      const checkpoints: Checkpoint[] = [];
      const y = new Float64Array(stateSize * (1 + record.length));
      const recordAt = (k: number) => record.forEach((r, j) => r === k && writeState(y, stateSize * (1 + j), state));
      recordAt(0);
      const monitor = new SanityMonitor(m, state.bodyQ, state.bodyQd);
      // keep every step's state and record while they fit the budget (checked before allocating)
      const budget = config.keptRecordsBytes ?? DEFAULT_KEPT_RECORDS_BYTES;
      let keptBytes = steps * stateSize * Float64Array.BYTES_PER_ELEMENT;
      let kept: KeptSteps | null = keptBytes <= budget ? { states: new Float64Array(steps * stateSize), records: [] } : null;
      for (let t = 0; t < steps; t++) {
        if (t % segment === 0) checkpoints.push({ state: packState(state), warm: snapshotWarmStart(data.warmStart) });
        sink.t = t;
        if (kept !== null) writeState(kept.states, t * stateSize, state);
        const stepControl = controlAt(config, L, x, t, control);
        hardStep(m, data, state, stepControl, state);
        if (stepControl !== null) monitor.addControlWork(state.bodyQd, stepControl, 0, null);
        if (kept !== null) {
          // a contact-free step is pulled back as free flight: one shared empty record for all
          const rec = data.problem.count === 0 ? NO_CONTACT_STEP : recordStep(data, undefined, 1);
          kept.records.push(rec);
          keptBytes += recordBytes(rec);
          if (keptBytes > budget) kept = null;
        }
        reportHardDecisions(m, data, sink);
        monitor.check(state.bodyQ, state.bodyQd, t + 1);
        recordAt(t + 1);
      }
      writeState(y, 0, state);
      sink.flush(kinks);
      return [y, { x, checkpoints, kept, model: m, data }];
    },
    bwd: (residuals, ybar) => hardRolloutAdjoint(config, L, segment, residuals, ybar),
  });
}

function stateFrom(n: number, x: Float64Array, L: RolloutLayout): State {
  const s = allocState(n);
  s.bodyQ.set(x.subarray(L.q, L.q + 7 * n));
  s.bodyQd.set(x.subarray(L.qd, L.qd + 6 * n));
  return s;
}

function packState(s: State): Float64Array {
  const out = new Float64Array(s.bodyQ.length + s.bodyQd.length);
  out.set(s.bodyQ);
  out.set(s.bodyQd, s.bodyQ.length);
  return out;
}

function writeState(y: Float64Array, off: number, s: State): void {
  y.set(s.bodyQ, off);
  y.set(s.bodyQd, off + s.bodyQ.length);
}

function hardRolloutAdjoint(
  config: RolloutConfig,
  L: RolloutLayout,
  segment: number,
  { x, checkpoints, kept, model: m, data }: HardResiduals,
  ybar: Float64Array,
): Float64Array {
  const { model, steps } = config;
  const n = model.nbody;
  const stateSize = 13 * n;
  const bodies = config.controlBodies ?? [];
  const nc = bodies.length;
  const xbar = new Float64Array(L.size);
  const record = config.record ?? [];
  const lambda = Float64Array.from(ybar.subarray(0, stateSize));
  const addRecorded = (k: number) =>
    record.forEach((r, j) => {
      if (r === k) addInto(lambda, 0, ybar, stateSize * (1 + j), stateSize);
    });
  addRecorded(steps);
  // one step's inputs in the one-step layout: [state | parameters | this step's controls]
  const L1 = rolloutLayout(n, 1, nc);
  const ctx = tracedStepContext(m, L1, bodies, RESTING_GAP_FACTOR * data.settings.penetrationTolerance);
  const xs = new Float64Array(L1.size);
  copyInto(xs, L1.invMass, x, L.invMass, L.controls - L.invMass);
  // the integrator's flat input for contact-free steps (hand-written adjoint, no trace)
  const IL = integratorLayout(n);
  const xInt = integratorInputsOf(x, L, n);
  const xIntBar = new Float64Array(IL.size);
  const integratorConfig = { nbody: n, dt: model.dt, isStatic: model.bodyStatic };

  const segStates = new Float64Array(segment * stateSize);
  const records: HardStepRecord[] = [];
  const state = allocState(n);
  const control = new Float64Array(6 * n);
  for (let s = checkpoints.length - 1; s >= 0; s--) {
    const t0 = s * segment;
    const t1 = Math.min(steps, t0 + segment);
    if (kept !== null) {
      // the forward pass kept every step: this segment's states and records, no replay
      segStates.set(kept.states.subarray(t0 * stateSize, t1 * stateSize));
      for (let t = t0; t < t1; t++) records[t - t0] = kept.records[t];
    } else {
      state.bodyQ.set(checkpoints[s].state.subarray(0, 7 * n));
      state.bodyQd.set(checkpoints[s].state.subarray(7 * n));
      restoreWarmStart(data.warmStart, checkpoints[s].warm);
      for (let t = t0; t < t1; t++) {
        const k = t - t0;
        writeState(segStates, k * stateSize, state);
        hardStep(m, data, state, controlAt(config, L, x, t, control), state);
        records[k] = recordStep(data, records[k]);
      }
    }
    for (let t = t1 - 1; t >= t0; t--) {
      if (t + 1 < steps) addRecorded(t + 1);
      const k = t - t0;
      const rec = records[k];
      const ctrl = L.controls + 6 * nc * t;
      if (rec.contacts.count === 0) {
        // free flight: the integrator's own adjoint
        copyInto(xInt, IL.q, segStates, k * stateSize, stateSize);
        xInt.fill(0, IL.wrench, IL.wrench + 6 * n);
        bodies.forEach((b, j) => copyInto(xInt, IL.wrench + 6 * b, x, ctrl + 6 * j, 6));
        integrateAdjoint(integratorConfig, xInt, lambda, xIntBar);
        addIntegratorParamBars(xbar, L, xIntBar, n);
        bodies.forEach((b, j) => addInto(xbar, ctrl + 6 * j, xIntBar, IL.wrench + 6 * b, 6));
        copyInto(lambda, 0, xIntBar, IL.q, stateSize);
        continue;
      }
      copyInto(xs, 0, segStates, k * stateSize, stateSize);
      copyInto(xs, L1.controls, x, ctrl, 6 * nc);
      // the kernels' adjoints composed by hand, or (a placed impact) one reverse sweep of
      // the step's trace: the gradient of ȳ·step(x) is (∂step/∂x)ᵀȳ
      const xsbar = handAdjointCovers(rec) ? hardStepAdjoint(ctx, rec, xs, lambda) : tracedPullback(ctx, rec, xs, lambda);
      addInto(xbar, L.invMass, xsbar, L1.invMass, L.controls - L.invMass);
      addInto(xbar, ctrl, xsbar, L1.controls, 6 * nc);
      copyInto(lambda, 0, xsbar, 0, stateSize);
    }
  }
  addRecorded(0);
  addInto(xbar, L.q, lambda, 0, stateSize);
  return xbar;
}

/** (∂step/∂x)ᵀȳ by one reverse sweep of the step's trace (traced-step.ts). */
export function tracedPullback(ctx: TracedStepContext, rec: HardStepRecord, x: Float64Array, ybar: Float64Array): Float64Array {
  const { grad } = valueAndGrad((v) => {
    const y = hardStepTraced(ctx, rec, v);
    let sum: Real = 0;
    for (let j = 0; j < y.length; j++) if (ybar[j] !== 0) sum = add(sum, mul(ybar[j], y[j]));
    return sum;
  }, Array.from(x));
  return Float64Array.from(grad);
}
