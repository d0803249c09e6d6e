/**
 * Contact features: the point sets whose gap to a static plane or another sphere can close.
 * A sphere against a plane or a sphere has one feature (its centre, inflated by the radius);
 * a capsule against a plane has two (the centres of its end hemispheres: a capsule's
 * support point toward a plane always lies on an end hemisphere), a box eight (its corners:
 * a box first touches a plane at a corner, an edge or face landing being several corners at
 * once, which the simulation reports as simultaneous). Each feature gives its signed gap at
 * a time (positive: apart) and, at contact, the contact point and the normal pointing from
 * body B (the plane, or the second sphere) to body A.
 */
import type { Flight } from './flight.ts';
import { firstDownwardRootOfQuadratic, scanGap, type ScanResult } from './roots.ts';
import {
  pairFriction,
  pairRestitution,
  type DynamicBody,
  type RefState,
  type RefWorld,
  type StaticPlane,
} from './scene.ts';
import { add, addScaled, dot, matVec, norm, normalize, qToMatrix, scale, sub, type V3 } from './vec.ts';

/** Sampling step of the bracketing scan for rotating features, s (local minima are refined). */
const SCAN_STEP = 1e-3;

export interface ContactGeometry {
  /** world contact point on the surfaces */
  point: V3;
  /** unit normal from B to A: the impulse on A is λ with λ·n ≥ 0 */
  normal: V3;
}

export interface Feature {
  label: string;
  /** index of dynamic body A */
  a: number;
  /** index of dynamic body B, or null for a static plane */
  b: number | null;
  friction: number;
  restitution: number;
  gap(flights: readonly Flight[], t: number): number;
  scan(flights: readonly Flight[], t0: number, t1: number): ScanResult;
  contact(states: readonly RefState[]): ContactGeometry;
}

/** Every feature of a world: each dynamic body against each plane, each pair of spheres. */
export function worldFeatures(world: RefWorld): Feature[] {
  const out: Feature[] = [];
  world.bodies.forEach((body, a) => {
    for (const plane of world.planes) out.push(...planeFeatures(body, a, plane));
  });
  for (let a = 0; a < world.bodies.length; a++) {
    for (let b = a + 1; b < world.bodies.length; b++) {
      const A = world.bodies[a];
      const B = world.bodies[b];
      if (A.shape.type === 'sphere' && B.shape.type === 'sphere')
        out.push(sphereSphere(A, a, A.shape.radius, B, b, B.shape.radius));
      else
        throw new Error(
          `reference: ${A.shape.type}–${B.shape.type} contact is out of scope ('${A.name}', '${B.name}')`,
        );
    }
  }
  return out;
}

/** The body-frame points (offsets from the centre) and inflation radius of a body's features against a plane. */
function featurePoints(body: DynamicBody): { offsets: V3[]; radius: number; names: string[] } {
  const s = body.shape;
  if (s.type === 'sphere') return { offsets: [[0, 0, 0]], radius: s.radius, names: [''] };
  if (s.type === 'capsule')
    return {
      offsets: [
        [0, 0, s.halfLength],
        [0, 0, -s.halfLength],
      ],
      radius: s.radius,
      names: [' end +z', ' end -z'],
    };
  const offsets: V3[] = [];
  const names: string[] = [];
  for (const sx of [-1, 1]) {
    for (const sy of [-1, 1]) {
      for (const sz of [-1, 1]) {
        offsets.push([sx * s.halfExtents[0], sy * s.halfExtents[1], sz * s.halfExtents[2]]);
        names.push(` corner ${sx > 0 ? '+' : '-'}${sy > 0 ? '+' : '-'}${sz > 0 ? '+' : '-'}`);
      }
    }
  }
  return { offsets, radius: 0, names };
}

function planeFeatures(body: DynamicBody, a: number, plane: StaticPlane): Feature[] {
  const { offsets, radius, names } = featurePoints(body);
  const n = plane.normal;
  const base = { a, b: null, friction: pairFriction(body, plane), restitution: pairRestitution(body, plane) };
  return offsets.map((c, k) => {
    const centre = (s: RefState): V3 => add(s.x, matVec(qToMatrix(s.q), c));
    const gap = (flights: readonly Flight[], t: number): number =>
      dot(n, centre(flights[a].at(t))) - plane.offset - radius;
    const rotates = !(c[0] === 0 && c[1] === 0 && c[2] === 0);
    return {
      ...base,
      label: `${body.name}/${plane.name}${names[k]}`,
      gap,
      scan(flights, t0, t1) {
        if (rotates) return scanGap((t) => gap(flights, t), t0, t1, SCAN_STEP);
        // a sphere's centre: gap(τ) = ½(n·g)τ² + (n·v₀)τ + (n·x₀ − offset − r), closed form
        const f = flights[a];
        const s0 = f.at(t0);
        const A = 0.5 * dot(n, f.gravity);
        const B = dot(n, s0.v);
        const C = dot(n, s0.x) - plane.offset - radius;
        const root = firstDownwardRootOfQuadratic(A, B, C, t1 - t0);
        return { root: root === null ? null : t0 + root, nearest: quadraticNearest(A, B, C, root ?? t1 - t0) };
      },
      contact: (states) => ({ point: addScaled(centre(states[a]), n, -radius), normal: n }),
    };
  });
}

/**
 * The sphere pair's gap |x_A − x_B| − (r_A + r_B); its square-distance is quadratic in time when
 * both bodies share one acceleration (gravity cancels).
 */
function sphereSphere(A: DynamicBody, a: number, ra: number, B: DynamicBody, b: number, rb: number): Feature {
  const reach = ra + rb;
  return {
    label: `${A.name}/${B.name}`,
    a,
    b,
    friction: pairFriction(A, B),
    restitution: pairRestitution(A, B),
    gap: (flights, t) => norm(sub(flights[a].at(t).x, flights[b].at(t).x)) - reach,
    scan(flights, t0, t1) {
      // driven bodies (a force schedule, simulate.ts) accelerate apart: the square distance is
      // then quartic in time, so bracket it numerically
      if (norm(sub(flights[a].gravity, flights[b].gravity)) > 0) {
        const gap = (t: number) => norm(sub(flights[a].at(t).x, flights[b].at(t).x)) - reach;
        return scanGap(gap, t0, t1, SCAN_STEP);
      }
      const sa = flights[a].at(t0);
      const sb = flights[b].at(t0);
      const dx = sub(sa.x, sb.x);
      const dv = sub(sa.v, sb.v);
      // |dx + dv τ|² − reach² = Aτ² + Bτ + C; its sign is the gap's
      const qa = dot(dv, dv);
      const qb = 2 * dot(dx, dv);
      const qc = dot(dx, dx) - reach * reach;
      const root = firstDownwardRootOfQuadratic(qa, qb, qc, t1 - t0);
      const nearSquare = quadraticNearest(qa, qb, qc, root ?? t1 - t0);
      const nearest = Number.isFinite(nearSquare) ? Math.sqrt(nearSquare + reach * reach) - reach : Infinity;
      return { root: root === null ? null : t0 + root, nearest };
    },
    contact(states) {
      const normal = normalize(sub(states[a].x, states[b].x));
      return { point: add(states[b].x, scale(normal, rb)), normal };
    },
  };
}

/**
 * Nearest approach of a positive quadratic gap over (0, τ1]: its vertex if inside (a local
 * minimum), or its value at τ1 if still decreasing there; Infinity if neither.
 */
function quadraticNearest(a: number, b: number, c: number, tau1: number): number {
  const g = (t: number) => (a * t + b) * t + c;
  let nearest = Infinity;
  if (a > 0) {
    const vertex = -b / (2 * a);
    if (vertex > 0 && vertex < tau1 && g(vertex) > 0) nearest = g(vertex);
  }
  if (2 * a * tau1 + b < 0 && g(tau1) > 0) nearest = Math.min(nearest, g(tau1));
  return nearest;
}
