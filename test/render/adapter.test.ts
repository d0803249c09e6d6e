// The three.js adapter in node (no browser): Model → meshes, poses → transforms, contacts → arrows.
import * as THREE from 'three';
import { describe, expect, it } from 'vitest';
import { applyPoses, ContactArrows, createBodyMeshes, type BodyMeshes } from '../../render/adapter.ts';
import type { TrackContacts } from '../../render/track.ts';
import { buildModel, initialState } from '../../sim/builder.ts';
import { parseScene } from '../../sim/scene.ts';

const TILT = 0.3; // rad: the ramp's angle
const scene = parseScene({
  bodies: [
    { name: 'ramp', shape: { type: 'plane', normal: [-Math.sin(TILT), 0, Math.cos(TILT)], offset: 0.5 } },
    { name: 'ball', shape: { type: 'sphere', radius: 0.2 }, mass: 1, position: [0, 0, 1] },
    { name: 'crate', shape: { type: 'box', halfExtents: [0.1, 0.2, 0.3] }, mass: 2, position: [1, 0, 1] },
    { name: 'pill', shape: { type: 'capsule', radius: 0.05, halfLength: 0.15 }, mass: 1, position: [2, 0, 1] },
  ],
});
const model = buildModel(scene);

/** The drawn size of body b: its geometry's bounding box, scaled as its instance is. */
function extent(meshes: BodyMeshes, b: number): THREE.Vector3 {
  const geometry = meshes.geometryOf(b);
  geometry.computeBoundingBox();
  return geometry.boundingBox!.getSize(new THREE.Vector3()).multiply(meshes.bodies[b].scale);
}

/** Where the instance of body b is drawn: its instanced mesh's matrix. */
function instanceMatrix(meshes: BodyMeshes, b: number): THREE.Matrix4 {
  const slot = meshes.slots[b]!;
  return slot.mesh.getMatrixAt(slot.index, new THREE.Matrix4());
}

describe('createBodyMeshes', () => {
  const meshes = createBodyMeshes(model);

  it('makes one pose carrier per body, in body order, named and typed by shape', () => {
    expect(meshes.bodies).toHaveLength(4);
    expect(meshes.bodies.map((m) => m.userData.shape)).toEqual(['plane', 'sphere', 'box', 'capsule']);
    expect(meshes.bodies.map((m) => m.userData.body)).toEqual(['ramp', 'ball', 'crate', 'pill']);
    expect(meshes.geometryOf(0)).toBeInstanceOf(THREE.PlaneGeometry);
    expect(meshes.geometryOf(1)).toBeInstanceOf(THREE.SphereGeometry);
    expect(meshes.geometryOf(2)).toBeInstanceOf(THREE.BoxGeometry);
    expect(meshes.geometryOf(3)).toBeInstanceOf(THREE.CapsuleGeometry);
  });

  it('draws bodies of one shape as instances of one mesh: a draw call per shape, not per body', () => {
    const many = buildModel(
      parseScene({
        bodies: [
          { name: 'floor', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } },
          ...[0.1, 0.2, 0.3].map((r, k) => ({ name: `ball${k}`, shape: { type: 'sphere', radius: r }, mass: 1 })),
          ...[1, 2].map((h, k) => ({ name: `box${k}`, shape: { type: 'box', halfExtents: [h, 1, 1] }, mass: 1 })),
        ],
      }),
    );
    const drawn = createBodyMeshes(many);
    // the plane, one sphere batch, one box batch
    expect(drawn.group.children).toHaveLength(3);
    expect(drawn.slots.map((s) => (s === null ? null : s.mesh.name))).toEqual([
      null,
      'sphere',
      'sphere',
      'sphere',
      'box',
      'box',
    ]);
    expect(drawn.slots.map((s) => s?.index ?? -1)).toEqual([-1, 0, 1, 2, 0, 1]);
    // each instance drawn at its body's size
    expect(extent(drawn, 3).toArray()).toEqual([0.6, 0.6, 0.6].map((v) => expect.closeTo(v, 6)));
    expect(extent(drawn, 5).toArray()).toEqual([4, 2, 2].map((v) => expect.closeTo(v, 6)));
    // neighbours differ in colour
    const colour = (b: number) => {
      const s = drawn.slots[b]!;
      return s.mesh.getColorAt(s.index, new THREE.Color()).getHex();
    };
    expect(new Set([1, 2, 3].map(colour)).size).toBe(3);
  });

  it('sizes shapes from the model: sphere diameter 2r, box 2×half extents, capsule axis along body z', () => {
    // vertex positions are float32: 6 digits
    expect(extent(meshes, 1).toArray()).toEqual([0.4, 0.4, 0.4].map((v) => expect.closeTo(v, 6)));
    expect(extent(meshes, 2).toArray()).toEqual([0.2, 0.4, 0.6].map((v) => expect.closeTo(v, 6)));
    // capsule: 2r across, 2(halfLength + r) along z
    expect(extent(meshes, 3).toArray()).toEqual([0.1, 0.1, 0.4].map((v) => expect.closeTo(v, 6)));
  });

  it('lays a plane on its surface n·p = offset, facing +n', () => {
    const plane = meshes.bodies[0];
    const n = new THREE.Vector3(-Math.sin(TILT), 0, Math.cos(TILT));
    const facing = new THREE.Vector3(0, 0, 1).applyQuaternion(plane.quaternion);
    expect(facing.distanceTo(n)).toBeLessThan(1e-12);
    expect(plane.position.dot(n)).toBeCloseTo(0.5, 12);
    // any point of the square is on the surface
    plane.updateMatrixWorld();
    const corner = new THREE.Vector3(3, -4, 0).applyMatrix4(plane.matrixWorld);
    expect(corner.dot(n)).toBeCloseTo(0.5, 12);
  });

  it('casts shadows from bodies and receives them everywhere', () => {
    const drawn = meshes.group.children as THREE.Mesh[];
    expect(drawn.map((m) => [m.userData.shape, m.castShadow])).toEqual([
      ['sphere', true],
      ['box', true],
      ['capsule', true],
      ['plane', false],
    ]);
    expect(drawn.every((m) => m.receiveShadow)).toBe(true);
  });
});

describe('applyPoses', () => {
  it('moves each body to its pose: world point = R(q)·p + x', () => {
    const meshes = createBodyMeshes(model);
    const state = initialState(model, scene);
    const q = state.bodyQ;
    // the box: at (1, 2, 3), turned 90° about z: q = (cos 45°, 0, 0, sin 45°)
    q.set([1, 2, 3, Math.SQRT1_2, 0, 0, Math.SQRT1_2], 7 * 2);
    applyPoses(meshes, q);
    // the crate's face centre on its body x axis (0.1, 0, 0) → world y axis; the unit cube's face is at x = 0.5
    const p = new THREE.Vector3(0.5, 0, 0).applyMatrix4(instanceMatrix(meshes, 2));
    // the instance matrix is float32, as the GPU gets it
    expect(p.toArray()).toEqual([1, 2.1, 3].map((v) => expect.closeTo(v, 6)));
    // the ball keeps its initial pose; the plane keeps its placement
    expect(meshes.bodies[1].position.toArray()).toEqual([0, 0, 1]);
    expect(meshes.bodies[0].position.length()).toBeCloseTo(0.5, 12);
  });

  it('reads poses at an offset (a frame inside a track)', () => {
    const meshes = createBodyMeshes(model);
    const frames = new Float64Array(2 * 4 * 7);
    for (let b = 0; b < 4; b++) frames.set([b, 10 + b, 20 + b, 1, 0, 0, 0], 28 + 7 * b);
    applyPoses(meshes, frames, 28);
    expect(meshes.bodies[3].position.toArray()).toEqual([3, 13, 23]);
    expect(new THREE.Vector3().setFromMatrixPosition(instanceMatrix(meshes, 3)).toArray()).toEqual([3, 13, 23]);
  });
});

describe('ContactArrows', () => {
  const contacts: TrackContacts = {
    offsets: Int32Array.from([0, 2, 2, 3]),
    point: Float64Array.from([0, 0, 0, 1, 0, 0, 2, 0, 0]),
    normal: Float64Array.from([0, 0, 1, 0, 1, 0, 1, 0, 0]),
    force: Float64Array.from([9.81, 100, 1]),
  };

  it('shows one arrow per contact of the frame, along the normal, length ∝ force up to the cap', () => {
    const metresPerNewton = 0.25 / 9.81;
    const arrows = new ContactArrows({ metresPerNewton, maxLength: 1 });
    arrows.show(contacts, 0);
    expect(arrows.visibleCount).toBe(2);
    const [a, b] = [arrows.arrow(0), arrows.arrow(1)];
    // 9.81 N at 0.25 m per weight: 0.25 m along +z from the contact point
    expect(a.from.toArray()).toEqual([0, 0, 0]);
    expect(a.tip.toArray()).toEqual([0, 0, 0.25].map((v) => expect.closeTo(v, 6)));
    // the head: 0.3 of the arrow up to 5 cm (here 5 cm); the shaft ends where it starts
    expect(a.headFrom.toArray()).toEqual([0, 0, 0.2].map((v) => expect.closeTo(v, 6)));
    // 100 N would be 2.5 m: capped at 1 m, along +y; the head at its 5 cm cap
    expect(b.from.toArray()).toEqual([1, 0, 0]);
    expect(b.tip.toArray()).toEqual([1, 1, 0].map((v) => expect.closeTo(v, 6)));
    expect(b.headFrom.toArray()).toEqual([1, 0.95, 0].map((v) => expect.closeTo(v, 6)));
    arrows.show(contacts, 1);
    expect(arrows.visibleCount).toBe(0);
    arrows.show(contacts, 2);
    expect(arrows.visibleCount).toBe(1);
    arrows.show(undefined, 0);
    expect(arrows.visibleCount).toBe(0);
  });
});
