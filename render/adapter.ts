/**
 * The three.js adapter: Model → meshes, poses → transforms, contacts → arrows. It draws
 * and never steps physics: poses come from a Track (track.ts) recorded by sim/.
 *
 * The world is z up, like the scenes: the adapter keeps three's object frames as they are
 * (a body's pose is applied as is) and the viewer sets `camera.up` to +z.
 * Shapes: a plane is a large square on its surface n·p = offset, facing +n (the solid
 * half-space is below it); a sphere carries coloured octants so rolling is visible; a
 * box is drawn from its half extents; a capsule's axis is the body z axis (three's
 * CapsuleGeometry is built along y, so its geometry is turned once at build).
 */
import * as THREE from 'three';
import type { Model } from '../sim/model.ts';
import { ShapeType } from '../sim/shapes.ts';
import { POSE_WIDTH, type TrackContacts } from './track.ts';

/** Shape names of meshes, in `userData.shape`. */
export type MeshShape = 'plane' | 'sphere' | 'box' | 'capsule' | 'cylinder';

/** Meshes of one model: one object per body, index = body. */
export interface BodyMeshes {
  /** parent of every body mesh; add it to the three.js scene */
  readonly group: THREE.Group;
  /** body b's mesh (`userData.body` = name, `userData.shape` = shape name) */
  readonly bodies: readonly THREE.Mesh[];
  /** free the GPU resources of every mesh */
  dispose(): void;
}

/** Options of {@link createBodyMeshes}. */
/** Default sphere tessellation: segments around, rings. */
const SPHERE_SEGMENTS: [number, number] = [32, 16];

export interface MeshOptions {
  /** side of the square drawn for a plane, m (default 20: beyond the scenes' reach) */
  planeSize?: number;
  /**
   * shade planes with three's Lambert model instead of the physically based one (default
   * false): a plane fills most of the screen, and on a software GL its per-pixel PBR
   * shading is most of a frame's cost (measured in render/README.md)
   */
  cheapPlanes?: boolean;
  /**
   * sphere tessellation, segments around × rings (default 32 × 16); a software GL draws
   * billiards' 16 balls at 20 × 12 (render/README.md)
   */
  sphereSegments?: [number, number];
}

const DEFAULT_PLANE_SIZE = 20;

/** Colours cycle through dynamic bodies so neighbours differ. */
const BODY_COLOURS = [0xe4572e, 0x29335c, 0xf3a712, 0x669bbc, 0x8ac926, 0x6a4c93];
const PLANE_COLOUR = 0xb8b8b0;
/** Grid line spacing on planes, m: a few lines under the small scenes (a billiard rack is 0.3 m). */
export const GRID_SPACING = 0.25;
/** Height of the grid above its plane, m: enough to win the depth test, invisible. */
const GRID_LIFT = 1e-3;
/** Octant shading of spheres: lighter and darker tints of the body colour. */
const OCTANT_LIGHT = 1.0;
const OCTANT_DARK = 0.55;

/**
 * One mesh per body of `model`, placed at the identity pose (planes at their surface).
 * Meshes cast and receive shadows.
 *
 * @example
 * const meshes = createBodyMeshes(model);
 * scene3d.add(meshes.group);
 * applyPoses(meshes, state.bodyQ);
 */
export function createBodyMeshes(model: Model, opts: MeshOptions = {}): BodyMeshes {
  const group = new THREE.Group();
  group.name = 'bodies';
  const bodies: THREE.Mesh[] = [];
  let dynamicIndex = 0;
  for (let b = 0; b < model.nbody; b++) {
    const g = 4 * b;
    const s = model.geomSize;
    const type = model.geomType[b];
    const colour = new THREE.Color(BODY_COLOURS[dynamicIndex % BODY_COLOURS.length]);
    let mesh: THREE.Mesh;
    let shape: MeshShape;
    if (type === ShapeType.plane) {
      shape = 'plane';
      const size = opts.planeSize ?? DEFAULT_PLANE_SIZE;
      const material = opts.cheapPlanes
        ? new THREE.MeshLambertMaterial({ color: PLANE_COLOUR })
        : new THREE.MeshStandardMaterial({ color: PLANE_COLOUR, roughness: 0.9 });
      mesh = new THREE.Mesh(new THREE.PlaneGeometry(size, size), material);
      placePlane(mesh, s[g], s[g + 1], s[g + 2], s[g + 3]);
      mesh.add(planeGrid(size));
    } else {
      dynamicIndex++;
      const material = new THREE.MeshStandardMaterial({ color: colour, roughness: 0.5, metalness: 0.05 });
      let geometry: THREE.BufferGeometry;
      if (type === ShapeType.sphere) {
        shape = 'sphere';
        const [around, rings] = opts.sphereSegments ?? SPHERE_SEGMENTS;
        geometry = octantColoured(new THREE.SphereGeometry(s[g], around, rings));
        material.vertexColors = true;
      } else if (type === ShapeType.box) {
        shape = 'box';
        geometry = new THREE.BoxGeometry(2 * s[g], 2 * s[g + 1], 2 * s[g + 2]);
      } else if (type === ShapeType.cylinder) {
        shape = 'cylinder';
        // three's cylinder: axis y, full height
        geometry = new THREE.CylinderGeometry(s[g], s[g], 2 * s[g + 1], 32).rotateX(Math.PI / 2);
      } else {
        shape = 'capsule';
        // three's capsule: axis y, `length` between the hemisphere centres
        geometry = new THREE.CapsuleGeometry(s[g], 2 * s[g + 1], 8, 24).rotateX(Math.PI / 2);
      }
      mesh = new THREE.Mesh(geometry, material);
    }
    mesh.name = model.bodyName[b];
    mesh.userData = { body: model.bodyName[b], shape };
    mesh.castShadow = shape !== 'plane';
    mesh.receiveShadow = true;
    group.add(mesh);
    bodies.push(mesh);
  }
  return {
    group,
    bodies,
    dispose() {
      for (const m of bodies) {
        m.geometry.dispose();
        (m.material as THREE.Material).dispose();
      }
    },
  };
}

/** Put a plane square on the surface n·p = offset, facing +n (n unit). */
function placePlane(mesh: THREE.Mesh, nx: number, ny: number, nz: number, offset: number): void {
  const n = new THREE.Vector3(nx, ny, nz);
  // PlaneGeometry faces +z
  mesh.quaternion.setFromUnitVectors(new THREE.Vector3(0, 0, 1), n);
  mesh.position.copy(n.multiplyScalar(offset));
}

/** Grid lines on a plane, for a sense of distance and speed (lifted off it to avoid z-fighting). */
function planeGrid(size: number): THREE.GridHelper {
  const grid = new THREE.GridHelper(size, Math.round(size / GRID_SPACING), 0x55554f, 0x7a7a72);
  // GridHelper lies in the xz plane; the plane's square is in its xy plane
  grid.rotation.x = Math.PI / 2;
  grid.position.z = GRID_LIFT;
  return grid;
}

/** Vertex colours by octant (sign of x·y·z), white-based so the material colour tints them. */
function octantColoured(geometry: THREE.BufferGeometry): THREE.BufferGeometry {
  const pos = geometry.getAttribute('position');
  const colours = new Float32Array(pos.count * 3);
  for (let i = 0; i < pos.count; i++) {
    const tint = pos.getX(i) * pos.getY(i) * pos.getZ(i) >= 0 ? OCTANT_LIGHT : OCTANT_DARK;
    colours.fill(tint, 3 * i, 3 * i + 3);
  }
  geometry.setAttribute('color', new THREE.BufferAttribute(colours, 3));
  return geometry;
}

/**
 * Set every non-plane body's mesh to its pose in `poses` (nbody×7 from `offset`:
 * position, then quaternion w, x, y, z — the State's `bodyQ` layout). Planes keep the
 * placement of their normal and offset.
 *
 * @example
 * samplePoses(track, time, poses);
 * applyPoses(meshes, poses);
 */
export function applyPoses(meshes: BodyMeshes, poses: Float64Array, offset = 0): void {
  meshes.bodies.forEach((mesh, b) => {
    if (mesh.userData.shape === 'plane') return;
    const o = offset + b * POSE_WIDTH;
    mesh.position.set(poses[o], poses[o + 1], poses[o + 2]);
    // three stores quaternions as (x, y, z, w)
    mesh.quaternion.set(poses[o + 4], poses[o + 5], poses[o + 6], poses[o + 3]);
  });
}

/** Options of {@link ContactArrows}. */
export interface ContactArrowOptions {
  /** arrow length per newton, m/N */
  metresPerNewton: number;
  /** longest arrow, m (a stiff impact's peak force would otherwise cross the scene) */
  maxLength: number;
  colour?: number;
}

/**
 * Contact points, normals and normal forces of one frame as arrows: each starts at the
 * contact point and points along the normal (towards body B, the force on B), with a
 * length proportional to the force. Arrows are pooled: showing a frame allocates only
 * when it has more contacts than any frame before.
 *
 * @example
 * const arrows = new ContactArrows({ metresPerNewton: 0.25 / weight, maxLength: 0.5 });
 * scene3d.add(arrows.group);
 * arrows.show(track.contacts, frame);
 */
export class ContactArrows {
  /** parent of the arrows; add it to the three.js scene */
  readonly group = new THREE.Group();
  private readonly pool: THREE.ArrowHelper[] = [];
  private readonly origin = new THREE.Vector3();
  private readonly direction = new THREE.Vector3();
  /** arrow length per newton, m/N */
  metresPerNewton: number;
  /** longest arrow, m */
  maxLength: number;
  private readonly colour: number;

  constructor(opts: ContactArrowOptions) {
    this.group.name = 'contacts';
    this.metresPerNewton = opts.metresPerNewton;
    this.maxLength = opts.maxLength;
    this.colour = opts.colour ?? 0x00a6ed;
  }

  /** Number of arrows visible now. */
  get visibleCount(): number {
    return this.pool.filter((a) => a.visible).length;
  }

  /** Show the contacts of `frame` (none when `contacts` is absent). */
  show(contacts: TrackContacts | undefined, frame: number): void {
    const start = contacts ? contacts.offsets[frame] : 0;
    const end = contacts ? contacts.offsets[frame + 1] : 0;
    const n = end - start;
    while (this.pool.length < n) {
      const arrow = new THREE.ArrowHelper(new THREE.Vector3(0, 0, 1), new THREE.Vector3(), 1, this.colour);
      this.pool.push(arrow);
      this.group.add(arrow);
    }
    for (let i = 0; i < this.pool.length; i++) {
      const arrow = this.pool[i];
      arrow.visible = i < n && contacts !== undefined;
      if (!arrow.visible || contacts === undefined) continue;
      const k = start + i;
      this.origin.fromArray(contacts.point, 3 * k);
      this.direction.fromArray(contacts.normal, 3 * k);
      const length = Math.min(this.maxLength, contacts.force[k] * this.metresPerNewton);
      arrow.position.copy(this.origin);
      arrow.setDirection(this.direction);
      // head at most a third of the arrow, so short arrows stay arrows
      arrow.setLength(length, Math.min(0.3 * length, 0.05), Math.min(0.15 * length, 0.025));
    }
  }

  /** Free the arrows' GPU resources. */
  dispose(): void {
    for (const a of this.pool) a.dispose();
  }
}
