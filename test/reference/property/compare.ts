/**
 * One property case: the hard-mode AD gradient (sim/gradient.ts, contact mode "hard") of
 * the final positions and velocities against the event-driven reference's, at several dt.
 *
 * Skipped (and counted by reason) are cases within a margin of a change of event structure,
 * where neither the reference's difference quotient nor a time-stepped gradient is a
 * derivative of the same branch:
 * - `no impact`;
 * - `out of scope`: a contact that does not open (resting, bounces dying out);
 * - `impact near t=0 or T` / `impacts close together`: an event within {@link EDGE_TIME} of
 *   the start, the horizon or another event (more than one impact in a simulator step, an
 *   impact the discrete run places a step later than T);
 * - `grazing impact`: normal approach speed below {@link GRAZE_SPEED};
 * - `slow separation`: normal separation speed below {@link MIN_SEPARATION} (a contact that
 *   barely opens: the hard mode's restitution threshold and resting contacts live there);
 * - `near miss / second contact`: a feature that does not touch comes within
 *   {@link MISS_GAP}, or another feature is that close at an impact (an edge or face
 *   landing, simultaneous impacts);
 * - `stick/slip boundary`: |ρ − μ| < {@link STICK_MARGIN} (ρ = ‖λ_t‖/λ_n of the sticking impulse);
 * - `reference structure change`: the reference's ± evaluations of a parameter differ in
 *   event structure anyway.
 *
 * The error of an entry is |AD − ref| / (1 + |ref|) (absolute for small derivatives,
 * relative for large ones); a case's error at a dt is the largest over its entries. It
 * passes when the error is small at the finest dt — ≤ {@link ERROR_PER_DT}·dt — and shrinks
 * with dt: from each dt to the next it falls by at least {@link MIN_CONVERGENCE} (first
 * order: 10), unless it is already at the reference's own noise ({@link NOISE_FLOOR}).
 */
import { gradient } from '../../../sim/gradient.ts';
import { parseScene } from '../../../sim/scene.ts';
import { referenceGradient, runReference } from '../event-driven/gradient.ts';
import type { RefSceneInput } from '../event-driven/scene.ts';
import type { RefResult } from '../event-driven/simulate.ts';
import type { Scenario } from './scenarios.ts';

/** s: events this close to t = 0, T or each other are skipped (20 steps at 1 ms). */
export const EDGE_TIME = 0.02;
/** m/s: impacts approaching slower than this are grazing. */
export const GRAZE_SPEED = 0.2;
/** m/s: contacts separating slower than this after their impact barely open. */
export const MIN_SEPARATION = 0.1;
/**
 * m: a feature that comes this close without an impact (or sits this close at one) is a near
 * second contact: twice the distance a 5 m/s approach covers in a 1 ms step, within which the
 * hard mode's speculative contacts (1 cm margin) can activate.
 */
export const MISS_GAP = 0.01;
/** distance of ρ = ‖λ_t‖/λ_n (sticking impulse) from μ below which the regime is too close to call. */
export const STICK_MARGIN = 0.05;
/**
 * per second of dt: the allowed error at the finest dt is ERROR_PER_DT·dt (0.05 at 0.1 ms).
 * Measured (seed 11, 25 draws per pair, 74 cases run): spheres ≤ 3.6e-3 at 1 ms and 2.2e-4
 * at 0.1 ms (20·dt would do); spinning boxes and capsules are first order with larger
 * constants, up to 0.50 at 1 ms and 4.3e-2 at 0.1 ms on their angular velocities (the
 * rotation's time stepping around the impact), so 500·dt.
 */
export const ERROR_PER_DT = 500;
/**
 * the least factor by which the error must fall when dt falls tenfold (first order: 10).
 * Measured: min 2.97 (a spinning capsule sliding under gravity; such cases are still
 * pre-asymptotic at 1 ms: one of them falls 4.5× from 0.1 ms to 20 µs), median 10.6
 */
export const MIN_CONVERGENCE = 2.5;
/** errors below this are the reference's central-difference noise, not a dt effect */
export const NOISE_FLOOR = 1e-6;

export const SKIP_REASONS = [
  'no impact',
  'out of scope',
  'impact near t=0 or T',
  'impacts close together',
  'grazing impact',
  'slow separation',
  'near miss / second contact',
  'stick/slip boundary',
  'reference structure change',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export interface Measured {
  dt: number;
  /**
   * largest |hard − ref| / (1 + |ref|) of the final quantities themselves: not a pass
   * criterion, a cross-check that the hard forward map converges to the reference
   */
  forward: number;
  /** the largest entry error among the final positions and linear velocities only (diagnosis: is it the spin?) */
  translational: number;
  /** largest entry error (see header) */
  error: number;
  /** which entry, `d of / d wrt` */
  worst: string;
  ad: number;
  ref: number;
}

export type CaseResult =
  | { status: 'skipped'; reason: SkipReason; detail: string }
  | { status: 'run'; pass: boolean; measured: Measured[]; structure: string };

/** Why the reference's run is too close to a change of event structure, or null if it is clean. */
export function skipReason(r: RefResult, horizon: number): { reason: SkipReason; detail: string } | null {
  if (r.outOfScope) return { reason: 'out of scope', detail: r.outOfScope };
  if (r.events.length === 0) return { reason: 'no impact', detail: `nearest approach ${r.nearestMiss} m` };
  for (let k = 0; k < r.events.length; k++) {
    const e = r.events[k];
    if (e.time < EDGE_TIME || horizon - e.time < EDGE_TIME)
      return { reason: 'impact near t=0 or T', detail: `${e.feature} at ${e.time} s` };
    if (k > 0 && e.time - r.events[k - 1].time < EDGE_TIME)
      return { reason: 'impacts close together', detail: `${r.events[k - 1].time} and ${e.time} s` };
    if (e.approachSpeed < GRAZE_SPEED)
      return { reason: 'grazing impact', detail: `${e.feature}: ${e.approachSpeed} m/s` };
    if (e.separationSpeed < MIN_SEPARATION)
      return { reason: 'slow separation', detail: `${e.feature}: ${e.separationSpeed} m/s` };
    if (e.otherGap < MISS_GAP)
      return { reason: 'near miss / second contact', detail: `another feature ${e.otherGap} m away at ${e.feature}` };
    if (Math.abs(e.stickMargin) < STICK_MARGIN)
      return { reason: 'stick/slip boundary', detail: `${e.feature}: ρ − μ = ${e.stickMargin}` };
  }
  if (r.nearestMiss < MISS_GAP)
    return { reason: 'near miss / second contact', detail: `a feature passes ${r.nearestMiss} m away` };
  return null;
}

/** The scene with the horizon `horizon` (s, a whole number of ms) at time step `dt`. */
export function withHorizon(scene: RefSceneInput, horizon: number, dt: number): RefSceneInput {
  return { ...scene, dt, steps: Math.round(horizon / dt) };
}

/**
 * The hard-mode final quantities and AD gradient matrix d of[i] / d wrt[j] at time step dt
 * (one reverse pass per quantity).
 */
export function hardGradient(s: Scenario, horizon: number, dt: number): { value: number[]; grad: number[][] } {
  const scene = parseScene({ ...withHorizon(s.scene, horizon, dt), contact: { ...s.scene.contact, mode: 'hard' } });
  const results = s.of.map((q) => gradient(scene, q, s.wrt));
  return { value: results.map((r) => r.value), grad: results.map((r) => s.wrt.map((p) => r.grad[p])) };
}

const nanIsInfinite = (x: number): number => (Number.isNaN(x) ? Infinity : x);

export function checkScenario(s: Scenario, dts: readonly number[]): CaseResult {
  const first = runReference(s.scene).events[0];
  if (!first) return { status: 'skipped', reason: 'no impact', detail: `within ${s.scene.steps * s.scene.dt} s` };
  const horizon = Math.round((first.time + s.after) * 1000) / 1000;
  const scene = withHorizon(s.scene, horizon, s.scene.dt);
  const skip = skipReason(runReference(scene), horizon);
  if (skip) return { status: 'skipped', ...skip };
  const ref = referenceGradient(scene, s.of, s.wrt);
  if (ref.structureChanges.length > 0) {
    const c = ref.structureChanges[0];
    return {
      status: 'skipped',
      reason: 'reference structure change',
      detail: `${c.param}: ${c.minus} / ${c.base} / ${c.plus}`,
    };
  }
  const measured = dts.map((dt): Measured => {
    const hard = hardGradient(s, horizon, dt);
    const forward = Math.max(...hard.value.map((v, i) => Math.abs(v - ref.value[i]) / (1 + Math.abs(ref.value[i]))));
    let worst: Measured = { dt, forward, translational: 0, error: -1, worst: '', ad: NaN, ref: NaN };
    let translational = 0;
    s.of.forEach((q, i) =>
      s.wrt.forEach((p, j) => {
        const ad = hard.grad[i][j];
        // a NaN from either side is the worst error there is
        const error = nanIsInfinite(Math.abs(ad - ref.grad[i][j]) / (1 + Math.abs(ref.grad[i][j])));
        if (!q.includes('.angularVelocity.')) translational = Math.max(translational, error);
        if (error > worst.error)
          worst = { dt, forward, translational: 0, error, worst: `d ${q} / d ${p}`, ad, ref: ref.grad[i][j] };
      }),
    );
    return { ...worst, translational };
  });
  const finest = measured[measured.length - 1];
  const shrinks = measured.every(
    (m, k) => k === 0 || measured[k - 1].error <= NOISE_FLOOR || measured[k - 1].error >= MIN_CONVERGENCE * m.error,
  );
  const pass = finest.error <= ERROR_PER_DT * finest.dt && shrinks;
  return {
    status: 'run',
    pass,
    measured,
    structure: ref.base.events.map((e) => `${e.feature}:${e.regime}`).join(' | '),
  };
}
