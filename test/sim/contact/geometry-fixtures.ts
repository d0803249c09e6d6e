// Test fixtures for the differentiable contact geometry (test/sim/contact/geometry*.test.ts):
// the three-body layout (a bystander and a pair), random draws, a quaternion rotation
// written from its definition (independent of sim/), the real narrowphase re-run at
// perturbed inputs, and the two checks every pair group runs: the primitive's gradient
// against central differences of that narrowphase, and forward mode against reverse mode.
import { expect } from 'vitest';
import { gradcheck } from '../../../ad/gradcheck.ts';
import { add, mul } from '../../../ad/ops.ts';
import type { Rng } from '../../../ad/random.ts';
import type { Real } from '../../../ad/tape.ts';
import { jacfwd, jacrev, valueAndGrad } from '../../../ad/transforms.ts';
import { createContacts, type Contacts } from '../../../sim/collision/contacts.ts';
import { collidePair } from '../../../sim/collision/dispatch.ts';
import {
  contactGeometryInputs,
  contactGeometryPrimitive,
  contactGeometryValues,
  type GeometryInput,
} from '../../../sim/contact/geometry.ts';
import type { V3 } from '../collision/fixtures.ts';

// the collision pass always reports the pair: margin ∞ keeps every feature's contact
// present under finite-difference perturbations (which would otherwise cross the margin)
export const NO_MARGIN = Infinity;
// bodies: 0 a bystander sphere (never in contact, must get zero gradient), then the pair
export const NBODY = 3;
export const BYSTANDER = 0;
// kink tolerance of the sampling: configurations with a decision closer than this to its
// switch (m; rad for the parallel rule, as a sine; cosine for the incident face) are
// resampled; well above the largest FD step (1e-3 of a unit-scale input) times the lever
// arms here (< 2 m)
export const SWITCH_CLEARANCE = 1e-2;
// finite-difference steps, relative to max(1, |x|): the largest stays inside SWITCH_CLEARANCE
export const FD_STEPS = [1e-3, 1e-4, 1e-5, 1e-6, 1e-7];
// gradcheck tolerances against the narrowphase's central differences
const GRAD_ATOL = 1e-7;
const GRAD_RTOL = 1e-6;
// forward and reverse mode run the same arithmetic in another order: equal to rounding
const MODE_TOL = 1e-12;
// the formulas repeat the narrowphase's arithmetic: its values to this (m), in fact bitwise
const VALUE_TOL = 1e-12;

/** A scene, its bodies' poses, and the contacts collidePair found there (their features are fixed). */
export interface GeometryCase {
  input: GeometryInput;
  bodyQ: Float64Array;
  contacts: Contacts;
}

export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.uniform();
}

export function unitVector(rng: Rng): V3 {
  const v = [rng.normal(), rng.normal(), rng.normal()];
  const n = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / n, v[1] / n, v[2] / n];
}

/** A random quaternion of norm in [0.7, 1.4], deliberately not unit (the narrowphase and the formulas divide by |q|²). */
export function randomQuat(rng: Rng): number[] {
  const q = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
  const scale = uniform(rng, 0.7, 1.4) / Math.hypot(q[0], q[1], q[2], q[3]);
  return q.map((c) => c * scale);
}

/** Rotate v by the quaternion q (any scale): q v q* / |q|², written from its definition. */
export function rotate(q: ArrayLike<number>, v: ArrayLike<number>): V3 {
  const w = q[0],
    x = q[1],
    y = q[2],
    z = q[3];
  const n2 = w * w + x * x + y * y + z * z;
  // t = q ⊗ (0, v)
  const tw = -x * v[0] - y * v[1] - z * v[2];
  const tx = w * v[0] + y * v[2] - z * v[1];
  const ty = w * v[1] + z * v[0] - x * v[2];
  const tz = w * v[2] + x * v[1] - y * v[0];
  // t ⊗ q*
  return [
    (-tw * x + tx * w - ty * z + tz * y) / n2,
    (-tw * y + ty * w - tz * x + tx * z) / n2,
    (-tw * z + tz * w - tx * y + ty * x) / n2,
  ];
}

/** Re-run the real narrowphase of the case's pair at (bodyQ, geomSize), as the case did. */
export function narrowphase(c: GeometryCase, bodyQ: Float64Array, geomSize: Float64Array): Contacts {
  const out = createContacts(16);
  collidePair({ ...c.input, geomSize }, bodyQ, c.contacts.bodyA[0], c.contacts.bodyB[0], NO_MARGIN, out);
  return out;
}

/** Contact k of `contacts` as [dist, n, p]. */
export function geometryOf(contacts: Contacts, k: number): number[] {
  return [
    contacts.dist[k],
    ...contacts.normal.subarray(3 * k, 3 * k + 3),
    ...contacts.point.subarray(3 * k, 3 * k + 3),
  ];
}

/** Contact k of a geometry block [dist | normal | point] as [dist, n, p]. */
export function blockOf(block: ArrayLike<Real>, count: number, k: number): Real[] {
  return [
    block[k],
    block[count + 3 * k],
    block[count + 3 * k + 1],
    block[count + 3 * k + 2],
    block[4 * count + 3 * k],
    block[4 * count + 3 * k + 1],
    block[4 * count + 3 * k + 2],
  ];
}

/** The feature ids of the case's contacts. */
export function features(c: GeometryCase): number[] {
  return Array.from(c.contacts.pair.subarray(0, c.contacts.count));
}

/** The kinks the primitive reports within `tol` (every contact's decisions). */
export function kinksOf(c: GeometryCase, tol: number): { label: string; margin: number }[] {
  const prim = contactGeometryPrimitive(c.input, c.contacts);
  const x = Array.from(contactGeometryInputs(c.bodyQ, c.input.geomSize));
  return valueAndGrad((v) => prim(v)[0], x, { kinkTol: tol }).kinks;
}

/**
 * Σ weights·geometry over the case's contacts as a function of the flat inputs
 * [bodyQ | geomSize]: on plain numbers (finite differences) by re-running the narrowphase
 * and matching contacts by feature id (a lost feature throws; with `sameFeatures` the
 * found ids must equal the case's, in order), on traced inputs by the primitive.
 */
export function narrowphaseLoss(
  c: GeometryCase,
  weights: readonly number[],
  sameFeatures = false,
): (x: Real[]) => Real {
  const count = c.contacts.count;
  const nq = 7 * c.input.nbody;
  const ids = features(c);
  const prim = contactGeometryPrimitive(c.input, c.contacts);
  return (x) => {
    let s: Real = 0;
    if (x.every((v) => typeof v === 'number')) {
      const flat = Float64Array.from(x as number[]);
      const found = narrowphase(c, flat.subarray(0, nq), flat.subarray(nq));
      const foundIds = Array.from(found.pair.subarray(0, found.count));
      if (sameFeatures) expect(foundIds).toEqual(ids);
      for (let k = 0; k < count; k++) {
        const j = foundIds.indexOf(ids[k]);
        if (j < 0) throw new Error(`feature ${ids[k]} lost under perturbation`);
        geometryOf(found, j).forEach((g, i) => (s = add(s, mul(weights[7 * k + i], g))));
      }
      return s;
    }
    const y = prim(x);
    for (let k = 0; k < count; k++) blockOf(y, count, k).forEach((g, i) => (s = add(s, mul(weights[7 * k + i], g))));
    return s;
  };
}

/** `f` of the inputs `base` with the entries at `free` replaced by its argument (in that order). */
export function restrictTo(
  f: (x: Real[]) => Real,
  base: readonly number[],
  free: readonly number[],
): (sub: Real[]) => Real {
  return (sub) => {
    const x: Real[] = base.slice();
    free.forEach((j, i) => (x[j] = sub[i]));
    return f(x);
  };
}

/**
 * The feature formulas give the narrowphase's dist, normal and point of every contact,
 * bitwise (same arithmetic, operation by operation), and the primitive's forward gives
 * the same block.
 */
export function expectValuesMatchNarrowphase(c: GeometryCase): void {
  const count = c.contacts.count;
  const values = contactGeometryValues(c.input, c.contacts, c.bodyQ, c.input.geomSize, new Float64Array(7 * count));
  for (let k = 0; k < count; k++) {
    const mine = blockOf(values, count, k) as number[];
    const theirs = geometryOf(c.contacts, k);
    for (let i = 0; i < 7; i++) expect(Math.abs(mine[i] - theirs[i])).toBeLessThanOrEqual(VALUE_TOL);
    expect(mine).toEqual(theirs);
    expect(mine.every((v, i) => v === theirs[i])).toBe(true);
  }
  const y = contactGeometryPrimitive(c.input, c.contacts)(Array.from(contactGeometryInputs(c.bodyQ, c.input.geomSize)));
  expect(y).toEqual(Array.from(values));
}

/**
 * The primitive's gradient of a random weighting of every contact's geometry equals
 * central differences of the real narrowphase in every input (both poses, both size rows),
 * stably over the FD steps; the bystander's pose and size get exactly zero.
 */
export function expectGradientMatchesNarrowphase(c: GeometryCase, rng: Rng): void {
  const weights = Array.from({ length: 7 * c.contacts.count }, () => rng.normal());
  const x = Array.from(contactGeometryInputs(c.bodyQ, c.input.geomSize));
  const r = gradcheck(narrowphaseLoss(c, weights), x, { steps: FD_STEPS, atol: GRAD_ATOL, rtol: GRAD_RTOL });
  expect(r.unstable).toEqual([]);
  expect(r.maxError).toBeLessThan(GRAD_ATOL);
  expect(r.ok).toBe(true);
  // the bystander's pose and size do not enter
  const nbody = c.input.nbody;
  for (let j = 0; j < 7; j++) expect(r.ad[7 * BYSTANDER + j]).toBe(0);
  for (let j = 0; j < 4; j++) expect(r.ad[7 * nbody + 4 * BYSTANDER + j]).toBe(0);
}

/** The primitive's Jacobian by forward mode equals the one by reverse mode, entry by entry. */
export function expectForwardEqualsReverse(c: GeometryCase): void {
  const prim = contactGeometryPrimitive(c.input, c.contacts);
  const x = Array.from(contactGeometryInputs(c.bodyQ, c.input.geomSize));
  const jr = jacrev(prim, x);
  const jf = jacfwd(prim, x);
  for (let k = 0; k < jr.length; k++) {
    for (let j = 0; j < x.length; j++)
      expect(Math.abs(jf[k][j] - jr[k][j])).toBeLessThanOrEqual(MODE_TOL * (1 + Math.abs(jr[k][j])));
  }
}
