/**
 * The reference's reading of a scene file (the JSON of docs/scene-format.md, the subset the
 * reference covers): dynamic spheres, boxes and capsules and static planes, with the
 * documented defaults (gravity [0,0,−9.81], identity orientation, zero velocities, body
 * friction/restitution from `contact`). It does not validate beyond what it needs: the
 * scenes come from tests. Pair friction is the geometric mean of the two bodies', pair
 * restitution the larger (docs/scene-format.md).
 */
import { principalMoments } from './inertia.ts';
import { normalize, norm, qNormalize, type Q, type V3 } from './vec.ts';

export type RefShape =
  | { type: 'sphere'; radius: number }
  | { type: 'box'; halfExtents: V3 }
  | { type: 'capsule'; radius: number; halfLength: number }
  | { type: 'plane'; normal: V3; offset: number };

/** A body of the scene JSON as the reference reads it (the fields it uses). */
export interface RefBodyInput {
  name: string;
  shape: RefShape;
  static?: boolean;
  mass?: number;
  position?: V3;
  orientation?: Q;
  linearVelocity?: V3;
  angularVelocity?: V3;
  friction?: number;
  restitution?: number;
}

/** The scene JSON as the reference reads it. */
export interface RefSceneInput {
  dt: number;
  steps: number;
  gravity?: V3;
  contact: { mode?: string; friction?: number; restitution?: number; [key: string]: unknown };
  bodies: RefBodyInput[];
}

/** Position, orientation (body → world) and world velocities of a body at one instant. */
export interface RefState {
  x: V3;
  q: Q;
  v: V3;
  w: V3;
}

export interface DynamicBody {
  name: string;
  shape: Exclude<RefShape, { type: 'plane' }>;
  mass: number;
  /** principal moments in the body frame, kg·m² */
  inertia: V3;
  friction: number;
  restitution: number;
  state: RefState;
}

export interface StaticPlane {
  name: string;
  /** unit normal out of the solid */
  normal: V3;
  /** the solid half-space is normal·p ≤ offset (offset divided by the written normal's length) */
  offset: number;
  friction: number;
  restitution: number;
}

export interface RefWorld {
  /** end time steps·dt, s */
  horizon: number;
  gravity: V3;
  bodies: DynamicBody[];
  planes: StaticPlane[];
}

const DEFAULT_GRAVITY: V3 = [0, 0, -9.81];

/** The world the event-driven reference simulates, read from a scene JSON. */
export function readWorld(scene: RefSceneInput): RefWorld {
  const muDefault = scene.contact.friction ?? 0.5;
  const eDefault = scene.contact.restitution ?? 0;
  const bodies: DynamicBody[] = [];
  const planes: StaticPlane[] = [];
  for (const b of scene.bodies) {
    const friction = b.friction ?? muDefault;
    const restitution = b.restitution ?? eDefault;
    if (b.shape.type === 'plane') {
      const length = norm(b.shape.normal);
      planes.push({
        name: b.name,
        normal: normalize(b.shape.normal),
        offset: b.shape.offset / length,
        friction,
        restitution,
      });
      continue;
    }
    if (b.static) throw new Error(`reference: static ${b.shape.type} '${b.name}' is out of scope`);
    if (b.mass === undefined) throw new Error(`reference: body '${b.name}' needs a mass`);
    bodies.push({
      name: b.name,
      shape: b.shape,
      mass: b.mass,
      inertia: principalMoments(b.shape, b.mass),
      friction,
      restitution,
      state: {
        x: b.position ?? [0, 0, 0],
        q: qNormalize(b.orientation ?? [1, 0, 0, 0]),
        v: b.linearVelocity ?? [0, 0, 0],
        w: b.angularVelocity ?? [0, 0, 0],
      },
    });
  }
  return { horizon: scene.dt * scene.steps, gravity: scene.gravity ?? DEFAULT_GRAVITY, bodies, planes };
}

/** Coulomb coefficient of a pair: the geometric mean of the two bodies'. */
export const pairFriction = (a: { friction: number }, b: { friction: number }): number =>
  Math.sqrt(a.friction * b.friction);

/** Restitution of a pair: the larger of the two bodies'. */
export const pairRestitution = (a: { restitution: number }, b: { restitution: number }): number =>
  Math.max(a.restitution, b.restitution);
