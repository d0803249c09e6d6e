/**
 * What the penalty/soft rollout (sim/rollout.ts) and the hard rollout (sim/hard/rollout.ts)
 * share: the configuration, the flat input layout and its default values, the per-decision
 * kink summary and small copy helpers (the divergence check is sim/sanity.ts).
 */
import type { KinkSink } from '../ad/primitive.ts';
import { createContacts, type Contacts } from './collision/index.ts';
import { integratorLayout } from './integrator/semiImplicitEuler.ts';
import type { Model } from './model.ts';

/** Bytes held by a contact buffer's arrays (a buffer of capacity 0 holds none). */
export function contactsBytes(c: Contacts): number {
  return c.bodyA.byteLength + c.bodyB.byteLength + c.point.byteLength + c.normal.byteLength + c.dist.byteLength + c.pair.byteLength;
}

/**
 * Default budget for the step records a rollout's forward pass keeps, bytes. Within it the
 * backward pass reuses them instead of re-running each segment from its checkpoint (about
 * one forward rollout of time saved); past it the forward pass drops them and memory stays
 * at the checkpoints' O(√T) states. 16 MiB holds a 1,000-step rollout of a few dozen
 * bodies; the 10,000-step billiards of the memory figure (~40 MB of records) stays
 * checkpointed.
 */
export const DEFAULT_KEPT_RECORDS_BYTES = 16 * 1024 * 1024;

/** Static configuration of a rollout: what is not differentiated. */
export interface RolloutConfig {
  model: Model;
  steps: number;
  /** bodies that receive a per-step control wrench (force then torque, world), in this order */
  controlBodies?: readonly number[];
  /** checkpoint spacing in steps (default ⌈√steps⌉) */
  segment?: number;
  /**
   * bytes of per-step records (state, contacts, wrench or impulses) the forward pass may
   * keep so that the backward pass does not re-run the steps from the checkpoints
   * (default {@link DEFAULT_KEPT_RECORDS_BYTES}; 0: always replay)
   */
  keptRecordsBytes?: number;
  /** friction regularization velocity ε default, m/s */
  frictionVelocity?: number;
  /**
   * steps k (0 ≤ k ≤ steps) whose state (after k steps; 0 = the initial state) is also
   * output, after the final state, 13n values each: for losses over the trajectory
   */
  record?: readonly number[];
}

/** Offsets of the input groups of {@link rolloutPrimitive}. */
export interface RolloutLayout {
  q: number;
  qd: number;
  invMass: number;
  invInertia: number;
  geomSize: number;
  /** k, c, τ, ε */
  scalars: number;
  friction: number;
  gravity: number;
  /** per-body restitution (every mode: penalty and soft contacts derive their dashpot from it unless the scene sets contact.damping) */
  restitution: number;
  controls: number;
  size: number;
}

export function rolloutLayout(nbody: number, steps: number, ncontrol: number): RolloutLayout {
  const n = nbody;
  const q = 0;
  const qd = 7 * n;
  const invMass = qd + 6 * n;
  const invInertia = invMass + n;
  const geomSize = invInertia + 3 * n;
  const scalars = geomSize + 4 * n;
  const friction = scalars + 4;
  const gravity = friction + n;
  const restitution = gravity + 3;
  const controls = restitution + n;
  return { q, qd, invMass, invInertia, geomSize, scalars, friction, gravity, restitution, controls, size: controls + 6 * ncontrol * steps };
}

/** The model's own values of every rollout input (controls zero), as plain numbers. */
export function rolloutInputs(config: RolloutConfig, q0: Float64Array, qd0: Float64Array): Float64Array {
  const { model, steps } = config;
  const n = model.nbody;
  const L = rolloutLayout(n, steps, config.controlBodies?.length ?? 0);
  const x = new Float64Array(L.size);
  x.set(q0, L.q);
  x.set(qd0, L.qd);
  x.set(model.bodyInvMass, L.invMass);
  x.set(model.bodyInvInertia, L.invInertia);
  x.set(model.geomSize, L.geomSize);
  x[L.scalars] = model.contact.stiffness;
  // the dashpot override (unused, 0, when each contact derives it from restitution)
  x[L.scalars + 1] = model.contact.damping ?? 0;
  x[L.scalars + 2] = model.contact.temperature;
  x[L.scalars + 3] = config.frictionVelocity ?? model.contact.frictionVelocity;
  x.set(model.bodyFriction, L.friction);
  x.set(model.gravity, L.gravity);
  x.set(model.bodyRestitution, L.restitution);
  return x;
}

/**
 * A sink that keeps, per decision label (pair and kind), its nearest approach and the
 * step it happened at, and reports those once at the end of the rollout as
 * `step t: <label>`. One report per decision rather than one per step: the nearest step
 * is what tells a branch derivative from an ordinary one, and building a label per step
 * per contact would cost more than the physics.
 */
export function nearestPerDecision(): KinkSink & { t: number; flush(outer: KinkSink): void } {
  const nearest = new Map<string, { margin: number; t: number; jump: boolean }>();
  return {
    t: 0,
    kink(margin: number, label = 'contact', jump = false) {
      const seen = nearest.get(label);
      if (seen === undefined) nearest.set(label, { margin, t: this.t, jump });
      else if (margin < seen.margin) {
        seen.margin = margin;
        seen.t = this.t;
        seen.jump = jump;
      }
    },
    flush(outer: KinkSink) {
      for (const [label, k] of nearest) outer.kink(k.margin, `step ${k.t}: ${label}`, k.jump);
    },
  };
}

/** Copy the live part of `src` into `into` (reused when large enough). */
export function keepContacts(src: Contacts, into: Contacts | undefined): Contacts {
  const c = src.count;
  const out = into !== undefined && into.capacity >= c ? into : createContacts(Math.max(c, 16));
  out.count = c;
  out.dropped = 0;
  for (let i = 0; i < c; i++) {
    out.bodyA[i] = src.bodyA[i];
    out.bodyB[i] = src.bodyB[i];
    out.dist[i] = src.dist[i];
    out.pair[i] = src.pair[i];
  }
  copyInto(out.normal, 0, src.normal, 0, 3 * c);
  copyInto(out.point, 0, src.point, 0, 3 * c);
  return out;
}

/** dst[dstOff + j] = src[srcOff + j] for j < count (no view objects, unlike set(subarray)). */
export function copyInto(dst: Float64Array, dstOff: number, src: Float64Array, srcOff: number, count: number): void {
  for (let j = 0; j < count; j++) dst[dstOff + j] = src[srcOff + j];
}

export function addInto(dst: Float64Array, dstOff: number, src: Float64Array, srcOff: number, count: number): void {
  for (let j = 0; j < count; j++) dst[dstOff + j] += src[srcOff + j];
}

/** The checkpoint spacing (default ⌈√steps⌉) and the validated recorded steps of a rollout. */
export function rolloutSchedule(config: RolloutConfig): { segment: number; record: readonly number[] } {
  const steps = config.steps;
  const segment = Math.max(1, config.segment ?? Math.ceil(Math.sqrt(steps)));
  const record = config.record ?? [];
  for (const k of record) {
    if (!Number.isInteger(k) || k < 0 || k > steps) throw new RangeError(`rollout: record step ${k} is outside 0..${steps}`);
  }
  return { segment, record };
}

/**
 * The integrator primitive's flat input (`integratorLayout`) with the rollout's
 * parameters (inverse masses and inertias, gravity) copied in from `x`; the caller writes
 * each step's state and wrench into it.
 */
export function integratorInputsOf(x: Float64Array, L: RolloutLayout, nbody: number): Float64Array {
  const IL = integratorLayout(nbody);
  const xInt = new Float64Array(IL.size);
  xInt.set(x.subarray(L.invMass, L.invMass + nbody), IL.invMass);
  xInt.set(x.subarray(L.invInertia, L.invInertia + 3 * nbody), IL.invInertia);
  xInt.set(x.subarray(L.gravity, L.gravity + 3), IL.gravity);
  return xInt;
}

/** x̄ += the integrator's parameter cotangents (inverse masses, inverse inertias, gravity). */
export function addIntegratorParamBars(xbar: Float64Array, L: RolloutLayout, xIntBar: Float64Array, nbody: number): void {
  const IL = integratorLayout(nbody);
  addInto(xbar, L.invMass, xIntBar, IL.invMass, nbody);
  addInto(xbar, L.invInertia, xIntBar, IL.invInertia, 3 * nbody);
  addInto(xbar, L.gravity, xIntBar, IL.gravity, 3);
}
