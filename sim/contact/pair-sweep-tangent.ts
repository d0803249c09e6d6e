/**
 * The pair sweep's forward mode (pair-sweep.ts), for the batched tangent
 * (wrenches-tangent.ts) on the steps that sweep: the sweep's wrench, and its tangents
 * along every direction as J·ẋ from the rows of the kernel's adjoint (one pullback per
 * wrench entry of a body that touches a contact, each row dotted with every direction).
 * Exact (the adjoint's derivatives), and costly where many bodies touch: 6 pullbacks per
 * touched body. The steps that do not sweep (every scene below the bound: a ball, the
 * billiards rack, a box on the ground) keep the batched tangent's own pass.
 *
 * The decisions the batched pass reported for such a step stay its own (the first pass's,
 * as the plain kernel's kinks): soft mode's margin depends on the distance alone, penalty's
 * clamp and stick/slip margins were taken at the velocities before the sweep.
 */
import type { ContactForceParams } from './params.ts';
import type { ContactParamTangentLayout } from './wrenches-tangent.ts';
import { type ContactGeometry, contactWrenches, contactWrenchesPullback, contactWrenchLayout } from './wrenches.ts';

/** Scratch: the directions in the kernel's flat layout (dirs × size), a unit cotangent, a row, the touched bodies. */
let _xdot = new Float64Array(0);
let _unit = new Float64Array(0);
let _row = new Float64Array(0);
let _touched = new Uint8Array(0);

/**
 * The swept step's wrench into `wrenchOut` (nbody×6; and its kept intermediates, when a
 * Stepper asked for them) and its tangents along `dirs` directions into `wrenchDot`
 * (dirs × 6n, overwritten), from the batched tangent's inputs: the geometry's tangents
 * (dirs × 7c), the state's (dirs × 13n) and the parameters' (dirs × PL.size, layout `PL`).
 */
export function pairSweepTangents(
  p: ContactForceParams,
  geom: ContactGeometry,
  q: Float64Array,
  qd: Float64Array,
  dirs: number,
  geomDot: Float64Array,
  stateDot: Float64Array,
  paramDot: Float64Array,
  PL: ContactParamTangentLayout,
  wrenchOut: Float64Array,
  wrenchDot: Float64Array,
): void {
  const n = p.nbody,
    count = geom.count,
    ws = 6 * n,
    gs = 7 * count,
    ss = 13 * n;
  contactWrenches(p, geom, q, qd, wrenchOut);
  const L = contactWrenchLayout(count, n);
  const size = L.size;
  if (_xdot.length < dirs * size) _xdot = new Float64Array(dirs * size);
  if (_unit.length !== ws) _unit = new Float64Array(ws);
  if (_row.length !== size) _row = new Float64Array(size);
  if (_touched.length < n) _touched = new Uint8Array(n);
  // each direction in the flat layout: [geometry (7c) | q, q̇ (13n) | k, b, τ, ε | μ | m⁻¹ | I⁻¹ | e | g]
  for (let j = 0; j < dirs; j++) {
    const x = j * size,
      po = j * PL.size;
    for (let k = 0; k < gs; k++) _xdot[x + L.dist + k] = geomDot[j * gs + k];
    for (let k = 0; k < ss; k++) _xdot[x + L.q + k] = stateDot[j * ss + k];
    _xdot[x + L.params] = paramDot[po + PL.stiffness];
    _xdot[x + L.params + 1] = paramDot[po + PL.damping];
    _xdot[x + L.params + 2] = paramDot[po + PL.temperature];
    _xdot[x + L.params + 3] = paramDot[po + PL.frictionVelocity];
    for (let b = 0; b < n; b++) {
      _xdot[x + L.friction + b] = paramDot[po + PL.friction + b];
      _xdot[x + L.invMass + b] = paramDot[po + PL.invMass + b];
      _xdot[x + L.restitution + b] = paramDot[po + PL.restitution + b];
    }
    for (let k = 0; k < 3 * n; k++) _xdot[x + L.invInertia + k] = paramDot[po + PL.invInertia + k];
    for (let k = 0; k < 3; k++) _xdot[x + L.gravity + k] = paramDot[po + PL.gravity + k];
  }
  wrenchDot.fill(0, 0, dirs * ws);
  _touched.fill(0, 0, n);
  for (let i = 0; i < count; i++) {
    _touched[geom.bodyA[i]] = 1;
    _touched[geom.bodyB[i]] = 1;
  }
  _unit.fill(0, 0, ws);
  for (let k = 0; k < ws; k++) {
    if (_touched[(k / 6) | 0] === 0) continue;
    _unit[k] = 1;
    contactWrenchesPullback(p, geom, q, qd, _unit, _row);
    _unit[k] = 0;
    for (let j = 0; j < dirs; j++) {
      const x = j * size;
      let sum = 0;
      for (let m = 0; m < size; m++) sum += _row[m] * _xdot[x + m];
      wrenchDot[j * ws + k] = sum;
    }
  }
}
