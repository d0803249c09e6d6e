/**
 * Scene JSON builders shared by the reference's own tests and the property suite: plain
 * objects in the scene format of docs/scene-format.md, readable by both the reference (event-driven/) and
 * sim/'s parseScene.
 */
import type { RefBodyInput, RefSceneInput } from './event-driven/scene.ts';
import type { Q, V3 } from './event-driven/vec.ts';

export const G = 9.81;

export interface SceneOptions {
  dt?: number;
  steps: number;
  gravity?: V3;
  friction?: number;
  restitution?: number;
}

export function scene(bodies: RefBodyInput[], o: SceneOptions): RefSceneInput {
  return {
    dt: o.dt ?? 1e-3,
    steps: o.steps,
    gravity: o.gravity ?? [0, 0, -G],
    contact: { mode: 'hard', friction: o.friction ?? 0, restitution: o.restitution ?? 0 },
    bodies,
  };
}

export function plane(name: string, normal: V3, offset: number, extra: Partial<RefBodyInput> = {}): RefBodyInput {
  return { name, shape: { type: 'plane', normal, offset }, ...extra };
}

interface Pose {
  mass?: number;
  position: V3;
  orientation?: Q;
  linearVelocity?: V3;
  angularVelocity?: V3;
  friction?: number;
  restitution?: number;
}

const dynamic = (name: string, shape: RefBodyInput['shape'], p: Pose): RefBodyInput => ({
  name,
  shape,
  mass: p.mass ?? 1,
  position: p.position,
  orientation: p.orientation ?? [1, 0, 0, 0],
  linearVelocity: p.linearVelocity ?? [0, 0, 0],
  angularVelocity: p.angularVelocity ?? [0, 0, 0],
  ...(p.friction === undefined ? {} : { friction: p.friction }),
  ...(p.restitution === undefined ? {} : { restitution: p.restitution }),
});

export const sphere = (name: string, radius: number, p: Pose): RefBodyInput =>
  dynamic(name, { type: 'sphere', radius }, p);
export const box = (name: string, halfExtents: V3, p: Pose): RefBodyInput =>
  dynamic(name, { type: 'box', halfExtents }, p);
export const capsule = (name: string, radius: number, halfLength: number, p: Pose): RefBodyInput =>
  dynamic(name, { type: 'capsule', radius, halfLength }, p);
