/**
 * What the 3-D view draws besides the bodies, to be read without the physics: the
 * objective's target as a marker, each body's path as a trail (one set per contact mode,
 * in the mode's colour, so a hard and a smoothed run can be compared side by side), and
 * axes at the origin with a length chosen as a round number of metres (the scale).
 */
import * as THREE from 'three';
import type { Model } from '../sim/model.ts';
import { parseQuantityPath, pathBodiesOfModel } from '../sim/paths.ts';
import type { Scene } from '../sim/scene.ts';
import { GEOM_SIZE_WIDTH, ShapeType, shapeRow } from '../sim/shapes.ts';
import { POSE_WIDTH, type Track } from './track.ts';

/** Colour of the target marker (not a mode colour, not a body colour). */
const TARGET_COLOUR = 0xd100d1;

/** Round lengths the axes may have, m. */
const ROUND_LENGTHS = [0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 20, 50];

/**
 * The largest round length (m) at most `size`: the axes' length for a scene of that
 * extent.
 *
 * @example
 * roundLength(0.7); // 0.5
 */
export function roundLength(size: number): number {
  let best = ROUND_LENGTHS[0];
  for (const l of ROUND_LENGTHS) if (l <= size) best = l;
  return best;
}

/**
 * Where the objective's target is in the scene, if it is a position: the target point of
 * `<body>.position`, or for one component (`ball.position.z`) the body's final position
 * with that component replaced. Null for other quantities (velocities, orientations).
 */
export function targetPoint(
  scene: Scene,
  model: Model,
  finalPose: Float64Array | null,
): { body: number; point: [number, number, number] } | null {
  const objective = scene.objective;
  if (objective === undefined) return null;
  const q = parseQuantityPath(objective.of, pathBodiesOfModel(model), 'objective.of');
  if (q.field !== 'position') return null;
  const target = Array.isArray(objective.target) ? objective.target : [objective.target];
  if (q.component === null) return { body: q.body, point: [target[0], target[1], target[2]] };
  if (finalPose === null) return null;
  const o = q.body * POSE_WIDTH;
  const point: [number, number, number] = [finalPose[o], finalPose[o + 1], finalPose[o + 2]];
  point[q.component] = target[0];
  return { body: q.body, point };
}

/** The target marker: a wire sphere of the body's size centred on the target, and a dot. */
export function targetMarker(radius: number): THREE.Group {
  const group = new THREE.Group();
  group.name = 'target';
  const wire = new THREE.Mesh(
    new THREE.SphereGeometry(radius, 16, 8),
    new THREE.MeshBasicMaterial({ color: TARGET_COLOUR, wireframe: true }),
  );
  const dot = new THREE.Mesh(
    new THREE.SphereGeometry(radius / 6, 12, 6),
    new THREE.MeshBasicMaterial({ color: TARGET_COLOUR }),
  );
  group.add(wire, dot);
  return group;
}

/** A body's size for its marker: its bounding radius (its shape row's), m; 0.05 for a plane. */
export function bodyRadius(model: Model, b: number): number {
  const solid = shapeRow(model.geomType[b]).solid;
  return solid === null ? 0.05 : solid.boundingRadius(model.geomSize, GEOM_SIZE_WIDTH * b);
}

/**
 * Each moving body's path over the whole track, in `colour` (dashed when `dashed`): one
 * line set for all bodies, so the trails are one draw call however many bodies move
 * (render/README.md). Bodies that never move more than `minTravel` (m) get none;
 * `userData.lines` is the number of bodies with a trail.
 */
export function trails(track: Track, model: Model, colour: string, dashed: boolean, minTravel = 1e-3): THREE.Group {
  const group = new THREE.Group();
  group.name = 'trails';
  const stride = track.nbody * POSE_WIDTH;
  const nf = track.times.length;
  const at = (f: number, b: number, c: number) => track.poses[f * stride + b * POSE_WIDTH + c];
  const moving: number[] = [];
  for (let b = 0; b < track.nbody; b++) {
    if (model.geomType[b] === ShapeType.plane) continue;
    let travel = 0;
    for (let f = 1; f < nf; f++)
      travel = Math.max(
        travel,
        Math.hypot(at(f, b, 0) - at(0, b, 0), at(f, b, 1) - at(0, b, 1), at(f, b, 2) - at(0, b, 2)),
      );
    if (travel >= minTravel) moving.push(b);
  }
  group.userData = { lines: moving.length, bodies: moving.map((b) => model.bodyName[b]) };
  if (moving.length === 0 || nf < 2) return group;
  // segment (f − 1, f) of every moving body; the dash pattern runs along each body's own path
  const segments = moving.length * (nf - 1);
  const points = new Float32Array(6 * segments);
  const along = new Float32Array(2 * segments);
  let v = 0;
  for (const b of moving) {
    let distance = 0;
    for (let f = 1; f < nf; f++) {
      const step = Math.hypot(
        at(f, b, 0) - at(f - 1, b, 0),
        at(f, b, 1) - at(f - 1, b, 1),
        at(f, b, 2) - at(f - 1, b, 2),
      );
      for (let c = 0; c < 3; c++) {
        points[3 * v + c] = at(f - 1, b, c);
        points[3 * v + 3 + c] = at(f, b, c);
      }
      along[v] = distance;
      distance += step;
      along[v + 1] = distance;
      v += 2;
    }
  }
  const geometry = new THREE.BufferGeometry();
  geometry.setAttribute('position', new THREE.BufferAttribute(points, 3));
  const material = dashed
    ? new THREE.LineDashedMaterial({ color: colour, dashSize: 0.03, gapSize: 0.02 })
    : new THREE.LineBasicMaterial({ color: colour });
  if (dashed) geometry.setAttribute('lineDistance', new THREE.BufferAttribute(along, 1));
  group.add(new THREE.LineSegments(geometry, material));
  return group;
}

/** Free the GPU resources of a group built here. */
export function disposeGroup(group: THREE.Object3D): void {
  group.traverse((o) => {
    const m = o as THREE.Mesh;
    m.geometry?.dispose();
    const mat = m.material as THREE.Material | THREE.Material[] | undefined;
    if (Array.isArray(mat)) mat.forEach((x) => x.dispose());
    else mat?.dispose();
  });
}
