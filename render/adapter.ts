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
import { GEOM_SIZE_WIDTH, SHAPE_NAMES, ShapeType, shapeRow, type ShapeName } from '../sim/shapes.ts';
import type { SolidRow } from '../sim/shapes/row.ts';
import { POSE_WIDTH, type TrackContacts } from './track.ts';

/** Shape names of meshes, in `userData.shape`: the scene's `shape.type`. */
export type MeshShape = ShapeName;

/** Where a body is drawn: its instanced mesh and its instance there. */
export interface BodySlot {
  readonly mesh: THREE.InstancedMesh;
  readonly index: number;
}

/**
 * The drawn bodies of one model. Planes are meshes of their own; every other body is an
 * instance of an {@link THREE.InstancedMesh}, one per distinct shape (all spheres, all
 * boxes, each capsule or cylinder size), so a frame costs a few draw calls however many
 * bodies there are: on a software GL each draw call costs ~0.3 ms of the GPU process
 * (render/README.md), and billiards' 16 balls were 16 of them.
 */
export interface BodyMeshes {
  /** parent of the planes and the instanced meshes; add it to the three.js scene */
  readonly group: THREE.Group;
  /**
   * body b's pose carrier (`userData.body` = name, `userData.shape` = shape name): its
   * position and quaternion are the body's pose, its scale takes the drawn geometry from
   * the unit shape to the body's size (spheres: r; boxes: 2 × half extents; 1 otherwise),
   * so its matrix is the instance's. A plane's carrier is its mesh.
   */
  readonly bodies: readonly THREE.Object3D[];
  /** where each body is drawn (null: a plane, drawn by its own mesh) */
  readonly slots: readonly (BodySlot | null)[];
  /** the geometry body b is drawn with (for spheres and boxes the unit shape, scaled by `bodies[b].scale`) */
  geometryOf(b: number): THREE.BufferGeometry;
  /** free the GPU resources of every mesh */
  dispose(): void;
}

/** Default sphere tessellation: segments around, rings. */
const SPHERE_SEGMENTS: [number, number] = [32, 16];

/** Options of {@link createBodyMeshes}. */
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
   * shade bodies with the Lambert model too (default false): on a software GL the physically
   * based shader's compile is a large part of the page's start-up (render/README.md)
   */
  cheapBodies?: boolean;
  /**
   * sphere tessellation, segments around × rings (default 32 × 16); a software GL draws
   * spheres at 20 × 12 (render/README.md)
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

interface DrawnShape {
  shape: MeshShape;
  key: string;
  make: () => THREE.BufferGeometry;
  scale: [number, number, number];
  /** whether the geometry carries vertex colours (a sphere's octants, so rolling is visible) */
  coloured: boolean;
}

/**
 * The drawn shape of a non-plane body, from its shape row's render description
 * (sim/shapes/row.ts `RenderGeometry`): a batch key, its geometry, and the scale from it to
 * the body. three's cylinder and capsule are built along y, so they are turned to z once.
 */
function bodyShape(type: number, size: Float64Array, b: number, sphereSegments: [number, number]): DrawnShape {
  const drawn = (shapeRow(type).solid as SolidRow).render(size, GEOM_SIZE_WIDTH * b);
  const shape = SHAPE_NAMES[type];
  if ('scale' in drawn) {
    // a unit shape scaled per body: every body of the kind is one batch
    const make =
      drawn.kind === 'unitSphere'
        ? () => octantColoured(new THREE.SphereGeometry(1, ...sphereSegments))
        : () => new THREE.BoxGeometry(1, 1, 1);
    return { shape, key: shape, make, scale: [...drawn.scale], coloured: drawn.kind === 'unitSphere' };
  }
  // built at its size: one batch per distinct size
  const { radius: r, halfLength: h } = drawn;
  const make =
    drawn.kind === 'cylinder'
      ? () => new THREE.CylinderGeometry(r, r, 2 * h, 32).rotateX(Math.PI / 2)
      : () => new THREE.CapsuleGeometry(r, 2 * h, 8, 24).rotateX(Math.PI / 2);
  return { shape, key: `${shape} ${r} ${h}`, make, scale: [1, 1, 1], coloured: false };
}

/**
 * The bodies of `model`, drawn as planes and one instanced mesh per distinct shape,
 * placed at the identity pose (planes at their surface). Bodies cast and receive
 * shadows; planes receive them.
 *
 * @example
 * const meshes = createBodyMeshes(model);
 * scene3d.add(meshes.group);
 * applyPoses(meshes, state.bodyQ);
 */
export function createBodyMeshes(model: Model, opts: MeshOptions = {}): BodyMeshes {
  const group = new THREE.Group();
  group.name = 'bodies';
  const bodies: THREE.Object3D[] = [];
  const s = model.geomSize;
  // first pass: each non-plane body's batch
  const batches = new Map<string, DrawnShape & { members: number[] }>();
  const scales: [number, number, number][] = [];
  for (let b = 0; b < model.nbody; b++) {
    if (model.geomType[b] === ShapeType.plane) continue;
    const d = bodyShape(model.geomType[b], s, b, opts.sphereSegments ?? SPHERE_SEGMENTS);
    scales[b] = d.scale;
    const batch = batches.get(d.key) ?? { ...d, members: [] };
    batch.members.push(b);
    batches.set(d.key, batch);
  }
  const slots: (BodySlot | null)[] = Array(model.nbody).fill(null);
  const geometries: THREE.BufferGeometry[] = [];
  for (const batch of batches.values()) {
    const geometry = batch.make();
    const material = opts.cheapBodies
      ? new THREE.MeshLambertMaterial({ color: 0xffffff })
      : new THREE.MeshStandardMaterial({ color: 0xffffff, roughness: 0.5, metalness: 0.05 });
    material.vertexColors = batch.coloured;
    const mesh = new THREE.InstancedMesh(geometry, material, batch.members.length);
    mesh.name = batch.shape;
    mesh.userData = { shape: batch.shape };
    // the instances move anywhere: the bounds computed at the first frame would cull them
    mesh.frustumCulled = false;
    mesh.castShadow = true;
    mesh.receiveShadow = true;
    mesh.instanceMatrix.setUsage(THREE.DynamicDrawUsage);
    batch.members.forEach((b, index) => {
      slots[b] = { mesh, index };
      geometries[b] = geometry;
    });
    group.add(mesh);
  }
  let dynamicIndex = 0;
  for (let b = 0; b < model.nbody; b++) {
    const g = 4 * b;
    if (model.geomType[b] === ShapeType.plane) {
      const size = opts.planeSize ?? DEFAULT_PLANE_SIZE;
      const material = opts.cheapPlanes
        ? new THREE.MeshLambertMaterial({ color: PLANE_COLOUR })
        : new THREE.MeshStandardMaterial({ color: PLANE_COLOUR, roughness: 0.9 });
      const mesh = new THREE.Mesh(new THREE.PlaneGeometry(size, size), material);
      placePlane(mesh, s[g], s[g + 1], s[g + 2], s[g + 3]);
      mesh.add(planeGrid(size));
      mesh.name = model.bodyName[b];
      mesh.userData = { body: model.bodyName[b], shape: 'plane' };
      mesh.receiveShadow = true;
      group.add(mesh);
      bodies.push(mesh);
      geometries[b] = mesh.geometry;
      continue;
    }
    const slot = slots[b]!;
    const carrier = new THREE.Object3D();
    carrier.name = model.bodyName[b];
    carrier.userData = { body: model.bodyName[b], shape: slot.mesh.userData.shape };
    carrier.scale.set(...scales[b]);
    carrier.updateMatrix();
    slot.mesh.setMatrixAt(slot.index, carrier.matrix);
    slot.mesh.setColorAt(slot.index, new THREE.Color(BODY_COLOURS[dynamicIndex++ % BODY_COLOURS.length]));
    bodies.push(carrier);
  }
  return {
    group,
    bodies,
    slots,
    geometryOf: (b) => geometries[b],
    dispose() {
      group.traverse((o) => {
        const m = o as THREE.Mesh;
        m.geometry?.dispose();
        (m.material as THREE.Material | undefined)?.dispose();
        if (o instanceof THREE.InstancedMesh) o.dispose();
      });
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
  meshes.bodies.forEach((body, b) => {
    const slot = meshes.slots[b];
    if (slot === null) return;
    const o = offset + b * POSE_WIDTH;
    body.position.set(poses[o], poses[o + 1], poses[o + 2]);
    // three stores quaternions as (x, y, z, w)
    body.quaternion.set(poses[o + 4], poses[o + 5], poses[o + 6], poses[o + 3]);
    body.updateMatrix();
    slot.mesh.setMatrixAt(slot.index, body.matrix);
  });
  for (const o of meshes.group.children) if (o instanceof THREE.InstancedMesh) o.instanceMatrix.needsUpdate = true;
}

/** Options of {@link ContactArrows}. */
export interface ContactArrowOptions {
  /** arrow length per newton, m/N */
  metresPerNewton: number;
  /** longest arrow, m (a stiff impact's peak force would otherwise cross the scene) */
  maxLength: number;
  colour?: number;
}

/** Arrow head length and width as shares of the arrow's length, and their caps, m: short arrows stay arrows. */
const HEAD_SHARE = 0.3;
const HEAD_MAX = 0.05;
const HEAD_WIDTH_SHARE = 0.15;
const HEAD_WIDTH_MAX = 0.025;

/**
 * Contact points, normals and normal forces of one frame as arrows: each starts at the
 * contact point and points along the normal (towards body B, the force on B), with a
 * length proportional to the force, capped at `maxLength`. All shafts are one line set
 * and all heads one instanced cone, so a frame of any number of contacts is two draw
 * calls (boxes100's 400 contacts were 800 with an ArrowHelper each). Showing a frame
 * allocates only when it has more contacts than any frame before.
 *
 * @example
 * const arrows = new ContactArrows({ metresPerNewton: 0.25 / weight, maxLength: 0.5 });
 * scene3d.add(arrows.group);
 * arrows.show(track.contacts, frame);
 */
export class ContactArrows {
  /** parent of the shafts and heads; add it to the three.js scene */
  readonly group = new THREE.Group();
  /** arrow length per newton, m/N */
  metresPerNewton: number;
  /** longest arrow, m */
  maxLength: number;
  private readonly colour: number;
  private shafts: THREE.LineSegments;
  private heads: THREE.InstancedMesh;
  private capacity = 0;
  private shown = 0;
  private readonly head = new THREE.Object3D();
  private readonly up = new THREE.Vector3(0, 1, 0);
  private readonly direction = new THREE.Vector3();

  constructor(opts: ContactArrowOptions) {
    this.group.name = 'contacts';
    this.metresPerNewton = opts.metresPerNewton;
    this.maxLength = opts.maxLength;
    this.colour = opts.colour ?? 0x00a6ed;
    [this.shafts, this.heads] = this.allocate(16);
  }

  /** Number of arrows visible now. */
  get visibleCount(): number {
    return this.shown;
  }

  /** Arrow k of the frame shown: its start, its tip and where its head starts (world, m). */
  arrow(k: number): { from: THREE.Vector3; tip: THREE.Vector3; headFrom: THREE.Vector3 } {
    if (k >= this.shown) throw new RangeError(`arrow ${k}: ${this.shown} shown`);
    const p = this.shafts.geometry.getAttribute('position');
    const m = new THREE.Matrix4();
    this.heads.getMatrixAt(k, m);
    return {
      from: new THREE.Vector3().fromBufferAttribute(p, 2 * k),
      headFrom: new THREE.Vector3().fromBufferAttribute(p, 2 * k + 1),
      tip: new THREE.Vector3().setFromMatrixPosition(m),
    };
  }

  /** Show the contacts of `frame` (none when `contacts` is absent). */
  show(contacts: TrackContacts | undefined, frame: number): void {
    const start = contacts ? contacts.offsets[frame] : 0;
    const n = contacts ? contacts.offsets[frame + 1] - start : 0;
    if (n > this.capacity) {
      this.dispose();
      this.group.clear();
      [this.shafts, this.heads] = this.allocate(Math.max(n, 2 * this.capacity));
    }
    const line = this.shafts.geometry.getAttribute('position') as THREE.BufferAttribute;
    for (let i = 0; i < n && contacts !== undefined; i++) {
      const k = start + i;
      const length = Math.min(this.maxLength, contacts.force[k] * this.metresPerNewton);
      const head = Math.min(HEAD_SHARE * length, HEAD_MAX);
      const width = Math.min(HEAD_WIDTH_SHARE * length, HEAD_WIDTH_MAX);
      const [x, y, z] = [contacts.point[3 * k], contacts.point[3 * k + 1], contacts.point[3 * k + 2]];
      this.direction.fromArray(contacts.normal, 3 * k).normalize();
      const d = this.direction;
      line.setXYZ(2 * i, x, y, z);
      line.setXYZ(2 * i + 1, x + d.x * (length - head), y + d.y * (length - head), z + d.z * (length - head));
      // the cone's tip is its origin; it extends `head` back along the arrow
      this.head.position.set(x + d.x * length, y + d.y * length, z + d.z * length);
      this.head.quaternion.setFromUnitVectors(this.up, d);
      this.head.scale.set(width, head, width);
      this.head.updateMatrix();
      this.heads.setMatrixAt(i, this.head.matrix);
    }
    this.shown = n;
    line.needsUpdate = true;
    this.shafts.geometry.setDrawRange(0, 2 * n);
    this.heads.count = n;
    this.heads.instanceMatrix.needsUpdate = true;
    this.group.visible = n > 0;
  }

  /** Free the arrows' GPU resources. */
  dispose(): void {
    this.shafts.geometry.dispose();
    (this.shafts.material as THREE.Material).dispose();
    this.heads.geometry.dispose();
    (this.heads.material as THREE.Material).dispose();
    this.heads.dispose();
  }

  /** Shafts and heads for `capacity` arrows, added to the group. */
  private allocate(capacity: number): [THREE.LineSegments, THREE.InstancedMesh] {
    this.capacity = capacity;
    const geometry = new THREE.BufferGeometry();
    const position = new THREE.BufferAttribute(new Float32Array(6 * capacity), 3);
    position.setUsage(THREE.DynamicDrawUsage);
    geometry.setAttribute('position', position);
    geometry.setDrawRange(0, 0);
    const shafts = new THREE.LineSegments(geometry, new THREE.LineBasicMaterial({ color: this.colour }));
    // a unit cone with its tip at the origin, pointing +y (as three's ArrowHelper's head)
    const cone = new THREE.CylinderGeometry(0, 0.5, 1, 5, 1).translate(0, -0.5, 0);
    const heads = new THREE.InstancedMesh(cone, new THREE.MeshBasicMaterial({ color: this.colour }), capacity);
    heads.count = 0;
    heads.instanceMatrix.setUsage(THREE.DynamicDrawUsage);
    // both move anywhere: bounds from the first frame would cull them
    shafts.frustumCulled = false;
    heads.frustumCulled = false;
    this.group.add(shafts, heads);
    return [shafts, heads];
  }
}
