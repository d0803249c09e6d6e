/**
 * The event-driven simulation: flights in closed form (flight.ts), the earliest event of all
 * features (features.ts), the impact law at it (impact.ts), repeat until the horizon.
 *
 * Besides the final state it records, for a caller that must tell a clean case from one near
 * a change of event structure: every event's time, feature, regime, approach/separation
 * speed, stick margin and the smallest gap of every other feature at that instant; and the
 * nearest approach of any feature that did not touch (a graze or a near miss, including a
 * feature about to touch at the horizon).
 *
 * A force schedule (optional) drives bodies with piecewise-constant accelerations, as a
 * rollout's per-step controls do: on [k·dt, (k+1)·dt) body i flies under gravity plus
 * `schedule.acceleration(i, k)`, still in closed form between events and interval ends.
 *
 * Out of scope, reported as `outOfScope` with the state where it stopped: a contact that does
 * not open after an impact (e = 0 or a resting body: separation speed ≤ 1e-9 m/s), and more
 * than {@link MAX_EVENTS} events (bounces dying out).
 */
import { Flight } from './flight.ts';
import { worldFeatures, type Feature } from './features.ts';
import { resolveImpact, type Regime } from './impact.ts';
import type { RefState, RefWorld } from './scene.ts';
import type { V3 } from './vec.ts';

const MAX_EVENTS = 50;
/** A contact separating slower than this after its impact is resting, out of scope (m/s). */
const MIN_SEPARATION = 1e-9;

export interface RefEvent {
  time: number;
  feature: string;
  regime: Regime;
  /** −u_n⁻ > 0 and u_n⁺, m/s */
  approachSpeed: number;
  separationSpeed: number;
  /** ρ − μ of the impact (impact.ts), NaN when frictionless */
  stickMargin: number;
  /** smallest gap of any other feature at the event, m */
  otherGap: number;
  /** world contact point, m, and impulse on body A, N·s */
  point: V3;
  impulse: V3;
}

export interface RefResult {
  /** final states of the dynamic bodies, in world order */
  final: RefState[];
  events: RefEvent[];
  /** smallest positive nearest-approach gap of a feature that did not touch, m (Infinity if none) */
  nearestMiss: number;
  /** set when the simulation stopped at something out of its scope */
  outOfScope?: string;
}

/** Piecewise-constant accelerations of the dynamic bodies (besides gravity), one per interval of `dt`. */
export interface ForceSchedule {
  /** interval length, s */
  dt: number;
  /** body i's acceleration over interval k, m/s² (force over mass) */
  acceleration(body: number, interval: number): V3;
}

export function simulateEvents(world: RefWorld, schedule?: ForceSchedule): RefResult {
  const features = worldFeatures(world);
  const accelerationOf = (i: number, interval: number): V3 => {
    if (!schedule) return world.gravity;
    const [ax, ay, az] = schedule.acceleration(i, interval);
    return [world.gravity[0] + ax, world.gravity[1] + ay, world.gravity[2] + az];
  };
  // the interval the flights are in, and where it ends (the horizon without a schedule)
  let interval = 0;
  const intervalEnd = () => (schedule ? Math.min((interval + 1) * schedule.dt, world.horizon) : world.horizon);
  const flights = world.bodies.map((b, i) => new Flight(b.state, 0, accelerationOf(i, 0), b.inertia));
  for (const f of features) {
    if (f.gap(flights, 0) < -1e-12)
      throw new Error(`reference: '${f.label}' starts in penetration (gap ${f.gap(flights, 0)})`);
  }
  const events: RefEvent[] = [];
  let nearestMiss = Infinity;
  let t = 0;
  const statesAt = (time: number) => flights.map((f) => f.at(time));
  while (events.length < MAX_EVENTS) {
    const end = intervalEnd();
    const next = earliestEvent(features, flights, t, end);
    // nearest approaches of the features that did not touch, up to the event (or interval end)
    const until = next ? next.time : end;
    for (const f of features) {
      if (f === next?.feature) continue;
      nearestMiss = Math.min(nearestMiss, f.scan(flights, t, until).nearest);
    }
    if (!next && end >= world.horizon) return { final: statesAt(world.horizon), events, nearestMiss };
    if (!next) {
      // the schedule's next interval: the same states, new accelerations
      const states = statesAt(end);
      interval++;
      world.bodies.forEach((b, i) => (flights[i] = new Flight(states[i], end, accelerationOf(i, interval), b.inertia)));
      t = end;
      continue;
    }
    const states = statesAt(next.time);
    const f = next.feature;
    const geometry = f.contact(states);
    const bodyA = world.bodies[f.a];
    const bodyB = f.b === null ? null : world.bodies[f.b];
    const r = resolveImpact(
      { mass: bodyA.mass, inertia: bodyA.inertia, state: states[f.a] },
      bodyB && f.b !== null ? { mass: bodyB.mass, inertia: bodyB.inertia, state: states[f.b] } : null,
      geometry.point,
      geometry.normal,
      f.friction,
      f.restitution,
    );
    let otherGap = Infinity;
    for (const g of features) if (g !== f) otherGap = Math.min(otherGap, g.gap(flights, next.time));
    events.push({
      time: next.time,
      feature: f.label,
      regime: r.regime,
      approachSpeed: -r.approach,
      separationSpeed: r.separation,
      stickMargin: r.stickMargin,
      otherGap,
      point: geometry.point,
      impulse: r.impulse,
    });
    flights[f.a] = new Flight(r.a, next.time, accelerationOf(f.a, interval), bodyA.inertia);
    if (bodyB && f.b !== null && r.b)
      flights[f.b] = new Flight(r.b, next.time, accelerationOf(f.b, interval), bodyB.inertia);
    t = next.time;
    if (!(r.separation > MIN_SEPARATION)) {
      return {
        final: statesAt(t),
        events,
        nearestMiss,
        outOfScope: `contact ${f.label} does not open after its impact at t = ${t} s`,
      };
    }
  }
  return { final: statesAt(t), events, nearestMiss, outOfScope: `more than ${MAX_EVENTS} events (bounces dying out)` };
}

function earliestEvent(
  features: readonly Feature[],
  flights: readonly Flight[],
  t0: number,
  t1: number,
): { time: number; feature: Feature } | null {
  let best: { time: number; feature: Feature } | null = null;
  for (const f of features) {
    const { root } = f.scan(flights, t0, best ? best.time : t1);
    if (root !== null && (!best || root < best.time)) best = { time: root, feature: f };
  }
  return best;
}
