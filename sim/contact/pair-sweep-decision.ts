/**
 * The pair sweep's decision (pair-sweep.ts) with its margins' tangents, for the validity
 * radius from one tangent rollout (sim/validity.ts): the batched tangent of the force
 * kernel (wrenches-tangent.ts) calls {@link reportSweepDecisionTangents} at its end.
 *
 * The decision: the step sweeps when S_b > 1 for some moving body, S_b the sum of body b's
 * pairs' dashpot gains (each pair's at most 1). Each moving body in two or more pairs carries its
 * margin m_b = 1 − S_b (dimensionless), reported as |m_b| on either side (`<b> pair sweep`,
 * a jump in the force); the nearest of them is where the switch flips. Per body, not the
 * max alone: a body's label stays when the max passes to another body (the validity's
 * differences match decisions by label), and the tangent of a max is one-sided at ties.
 *
 * Its tangent ṁ_b = −Ṡ_b along each direction is a directional one-sided difference, as
 * the hard mode's placed steps take theirs (sim/hard/stepper-tangent.ts): the gains again
 * at the inputs moved by h along the direction (geometry, state and parameters), over the
 * contacts of the reported bodies only (S_b depends on no other), through the kernel's own
 * force law (wrenches.ts `contactSweepGains`): one force evaluation of those contacts per
 * direction. The exact tangent would need the gains' partials inside the batched pass's
 * per-direction loop.
 */
import { bodyKinkLabel, KINK_PAIR_SWEEP, reportRadius } from './kinks.ts';
import { sweepBodies, sweepGainCounted, sweepGainOf, SWEEP_GAIN_LIMIT } from './pair-sweep.ts';
import type { ContactForceParams } from './params.ts';
import type { ContactParamTangentLayout, MarginTangentSink } from './wrenches-tangent.ts';
import { contactSweepGains, type ContactGeometry } from './wrenches.ts';

/**
 * The difference step, relative: h moves no input x by more than this times max(|x|, 1)
 * along the direction (its inputs mix metres, radians, m/s and the parameters' units; the
 * validity's differences take θ + 1e-7·max(|θ|, 1) alike). Small against the gains' scales
 * (the activation's temperature, the effective masses), large against rounding: a step of
 * 1e-7 N/m on k = 1e4 N/m left 1e-4 of the tangent to rounding.
 */
const SWEEP_MARGIN_STEP = 1e-7;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Scratch: the reported bodies' contacts (indices, then as a geometry moved along a direction), the moved state and parameters. */
let _index = new Int32Array(16);
const _geom = {
  count: 0,
  bodyA: new Int32Array(16),
  bodyB: new Int32Array(16),
  dist: new Float64Array(16),
  normal: new Float64Array(48),
  point: new Float64Array(48),
};
/** whether each of those contacts counted in the step's gains (f_n ≠ 0): kept so along the direction */
let _counts = new Uint8Array(16);
let _q = new Float64Array(0);
let _qd = new Float64Array(0);
/** the reported bodies, their margins m_b = 1 − S_b, and ṁ (body-major: k·dirs + j) */
let _bodies = new Int32Array(16);
let _margin = new Float64Array(16);
let _mdot = new Float64Array(16);
/** one body's ṁ, handed to the sink (dirs long: no subarray per report) */
let _mdotOut = new Float64Array(0);
let _params: Mutable<ContactForceParams> | null = null;

/** |ẋ| / max(|x|, 1): a tangent entry against its input's scale. */
function scaled(xdot: number, x: number): number {
  const ax = Math.abs(x);
  return Math.abs(xdot) / (ax > 1 ? ax : 1);
}

/**
 * The parameters' values in the tangent layout `PL` (wrenches-tangent.ts), into `_paramValue`,
 * and which of them the gains read (`_paramRead`: k, τ, m⁻¹, I⁻¹, and the dashpot override b
 * or the restitutions e, whichever sets the dashpots). Only those set the step h: a direction
 * that also moves a parameter nothing reads gets the same numbers as one that does not.
 */
let _paramValue = new Float64Array(0);
let _paramRead = new Uint8Array(0);
function paramValues(p: ContactForceParams, PL: ContactParamTangentLayout): void {
  if (_paramValue.length < PL.size) {
    _paramValue = new Float64Array(PL.size);
    _paramRead = new Uint8Array(PL.size);
  }
  const read = _paramRead;
  read.fill(0);
  read[PL.stiffness] = 1;
  read[PL.temperature] = 1;
  if (!p.dampingFromRestitution) read[PL.damping] = 1;
  for (let b = 0; b < p.nbody; b++) {
    read[PL.invMass + b] = 1;
    if (p.dampingFromRestitution) read[PL.restitution + b] = 1;
  }
  for (let r = 0; r < 3 * p.nbody; r++) read[PL.invInertia + r] = 1;
  const v = _paramValue;
  v[PL.stiffness] = p.stiffness;
  v[PL.damping] = p.damping;
  v[PL.temperature] = p.temperature;
  v[PL.frictionVelocity] = p.frictionVelocity;
  for (let b = 0; b < p.nbody; b++) {
    v[PL.friction + b] = p.bodyFriction[b];
    v[PL.invMass + b] = p.invMass[b];
    v[PL.restitution + b] = p.bodyRestitution[b];
  }
  for (let r = 0; r < 3 * p.nbody; r++) v[PL.invInertia + r] = p.invInertia[r];
  for (let r = 0; r < 3; r++) v[PL.gravity + r] = p.gravity[r];
}

/** The moved parameters' record for `p` (its arrays copied, resized for its bodies). */
function paramsFor(p: ContactForceParams): Mutable<ContactForceParams> {
  if (_params === null || _params.nbody !== p.nbody) {
    _params = {
      ...p,
      invMass: new Float64Array(p.nbody),
      invInertia: new Float64Array(3 * p.nbody),
      bodyRestitution: new Float64Array(p.nbody),
      bodyFriction: new Float64Array(p.nbody),
      gravity: new Float64Array(3),
    };
  }
  const m = _params;
  m.mode = p.mode;
  m.dampingFromRestitution = p.dampingFromRestitution;
  m.dt = p.dt;
  m.margin = p.margin;
  m.bodyName = p.bodyName;
  return m;
}

/**
 * Report the sweep's decision of the step whose batched tangent just ran (its gains summed)
 * to `sink`, each body's within its radius followed by `sink.tangents(ṁ)` (module comment).
 * The inputs are the batched tangent's (wrenches-tangent.ts `contactWrenchTangents`).
 */
export function reportSweepDecisionTangents(
  p: ContactForceParams,
  geom: ContactGeometry,
  q: Float64Array,
  qd: Float64Array,
  dirs: number,
  geomDot: Float64Array,
  stateDot: Float64Array,
  paramDot: Float64Array,
  PL: ContactParamTangentLayout,
  sink: MarginTangentSink,
): void {
  const count = geom.count;
  if (count < 2) return;
  const n = p.nbody,
    gs = 7 * count,
    ss = 13 * n;
  // the bodies within the radius, and their contacts in the buffer's order (a pair's stay consecutive: its run)
  const touched = sweepBodies(p, geom);
  const radius = reportRadius(sink);
  if (_bodies.length < n) {
    _bodies = new Int32Array(2 * n);
    _margin = new Float64Array(2 * n);
  }
  let nb = 0;
  for (let b = 0; b < n; b++) {
    if (touched[b] < 2) continue;
    const m = SWEEP_GAIN_LIMIT - sweepGainOf(b);
    if (!(Math.abs(m) <= radius)) continue;
    _bodies[nb] = b;
    _margin[nb++] = m;
  }
  if (nb === 0) return;
  // mark them (the touched array is scratch: 3 = reported)
  for (let k = 0; k < nb; k++) touched[_bodies[k]] = 3;
  if (_index.length < count) _index = new Int32Array(2 * count);
  let k = 0;
  for (let i = 0; i < count; i++) if (touched[geom.bodyA[i]] === 3 || touched[geom.bodyB[i]] === 3) _index[k++] = i;
  const G = _geom;
  if (G.bodyA.length < k) {
    G.bodyA = new Int32Array(2 * k);
    G.bodyB = new Int32Array(2 * k);
    G.dist = new Float64Array(2 * k);
    G.normal = new Float64Array(6 * k);
    G.point = new Float64Array(6 * k);
  }
  G.count = k;
  if (_counts.length < k) _counts = new Uint8Array(2 * k);
  for (let c = 0; c < k; c++) {
    G.bodyA[c] = geom.bodyA[_index[c]];
    G.bodyB[c] = geom.bodyB[_index[c]];
    _counts[c] = sweepGainCounted(_index[c]);
  }
  if (_q.length < 7 * n) {
    _q = new Float64Array(7 * n);
    _qd = new Float64Array(6 * n);
  }
  if (_mdot.length < nb * dirs) _mdot = new Float64Array(2 * nb * dirs);
  const P = paramsFor(p);
  paramValues(p, PL);
  for (let j = 0; j < dirs; j++) {
    const go = j * gs,
      so = j * ss,
      po = j * PL.size;
    // the direction's largest entry among what the reported bodies' gains read, each against its input's scale max(|x|, 1)
    let largest = 0;
    for (let c = 0; c < k; c++) {
      const i = _index[c];
      largest = Math.max(largest, scaled(geomDot[go + i], geom.dist[i]));
      for (let r = 0; r < 3; r++) {
        largest = Math.max(
          largest,
          scaled(geomDot[go + count + 3 * i + r], geom.normal[3 * i + r]),
          scaled(geomDot[go + 4 * count + 3 * i + r], geom.point[3 * i + r]),
        );
      }
      for (let side = 0; side < 2; side++) {
        const b = side === 0 ? G.bodyA[c] : G.bodyB[c];
        for (let r = 0; r < 7; r++) largest = Math.max(largest, scaled(stateDot[so + 7 * b + r], q[7 * b + r]));
        for (let r = 0; r < 6; r++)
          largest = Math.max(largest, scaled(stateDot[so + 7 * n + 6 * b + r], qd[6 * b + r]));
      }
    }
    for (let r = 0; r < PL.size; r++)
      if (_paramRead[r] === 1) largest = Math.max(largest, scaled(paramDot[po + r], _paramValue[r]));
    if (largest === 0) {
      for (let r = 0; r < nb; r++) _mdot[r * dirs + j] = 0;
      continue;
    }
    const h = SWEEP_MARGIN_STEP / largest;
    for (let c = 0; c < k; c++) {
      const i = _index[c];
      G.dist[c] = geom.dist[i] + h * geomDot[go + i];
      for (let r = 0; r < 3; r++) {
        G.normal[3 * c + r] = geom.normal[3 * i + r] + h * geomDot[go + count + 3 * i + r];
        G.point[3 * c + r] = geom.point[3 * i + r] + h * geomDot[go + 4 * count + 3 * i + r];
      }
      for (let side = 0; side < 2; side++) {
        const b = side === 0 ? G.bodyA[c] : G.bodyB[c];
        for (let r = 0; r < 7; r++) _q[7 * b + r] = q[7 * b + r] + h * stateDot[so + 7 * b + r];
        for (let r = 0; r < 6; r++) _qd[6 * b + r] = qd[6 * b + r] + h * stateDot[so + 7 * n + 6 * b + r];
      }
    }
    P.stiffness = p.stiffness + h * paramDot[po + PL.stiffness];
    P.damping = p.damping + h * paramDot[po + PL.damping];
    P.temperature = p.temperature + h * paramDot[po + PL.temperature];
    P.frictionVelocity = p.frictionVelocity + h * paramDot[po + PL.frictionVelocity];
    for (let b = 0; b < n; b++) {
      P.bodyFriction[b] = p.bodyFriction[b] + h * paramDot[po + PL.friction + b];
      P.invMass[b] = p.invMass[b] + h * paramDot[po + PL.invMass + b];
      P.bodyRestitution[b] = p.bodyRestitution[b] + h * paramDot[po + PL.restitution + b];
    }
    for (let r = 0; r < 3 * n; r++) P.invInertia[r] = p.invInertia[r] + h * paramDot[po + PL.invInertia + r];
    for (let r = 0; r < 3; r++) P.gravity[r] = p.gravity[r] + h * paramDot[po + PL.gravity + r];
    contactSweepGains(P, G, _q, _qd, _counts);
    for (let r = 0; r < nb; r++) {
      const m = _margin[r];
      const dm = (SWEEP_GAIN_LIMIT - sweepGainOf(_bodies[r]) - m) / h;
      _mdot[r * dirs + j] = m > 0 ? dm : m < 0 ? -dm : Math.abs(dm);
    }
  }
  if (_mdotOut.length !== dirs) _mdotOut = new Float64Array(dirs);
  for (let r = 0; r < nb; r++) {
    sink.kink(Math.abs(_margin[r]), bodyKinkLabel(p.bodyName, _bodies[r], KINK_PAIR_SWEEP), true);
    for (let j = 0; j < dirs; j++) _mdotOut[j] = _mdot[r * dirs + j];
    sink.tangents(_mdotOut);
  }
}
