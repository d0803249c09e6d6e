// The three.js adapter in node (no browser): Model → meshes, poses → transforms, contacts → arrows.
import * as THREE from 'three';
import { describe, expect, it } from 'vitest';
import { applyPoses, ContactArrows, createBodyMeshes } from '../../render/adapter.ts';
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

function extent(mesh: THREE.Mesh): THREE.Vector3 {
  mesh.geometry.computeBoundingBox();
  return mesh.geometry.boundingBox!.getSize(new THREE.Vector3());
}

describe('createBodyMeshes', () => {
  const meshes = createBodyMeshes(model);

  it('makes one mesh per body, in body order, named and typed by shape', () => {
    expect(meshes.bodies).toHaveLength(4);
    expect(meshes.group.children).toHaveLength(4);
    expect(meshes.bodies.map((m) => m.userData.shape)).toEqual(['plane', 'sphere', 'box', 'capsule']);
    expect(meshes.bodies.map((m) => m.userData.body)).toEqual(['ramp', 'ball', 'crate', 'pill']);
    expect(meshes.bodies[0].geometry).toBeInstanceOf(THREE.PlaneGeometry);
    expect(meshes.bodies[1].geometry).toBeInstanceOf(THREE.SphereGeometry);
    expect(meshes.bodies[2].geometry).toBeInstanceOf(THREE.BoxGeometry);
    expect(meshes.bodies[3].geometry).toBeInstanceOf(THREE.CapsuleGeometry);
  });

  it('sizes shapes from the model: sphere diameter 2r, box 2×half extents, capsule axis along body z', () => {
    // vertex positions are float32: 6 digits
    expect(extent(meshes.bodies[1]).toArray()).toEqual([0.4, 0.4, 0.4].map((v) => expect.closeTo(v, 6)));
    expect(extent(meshes.bodies[2]).toArray()).toEqual([0.2, 0.4, 0.6].map((v) => expect.closeTo(v, 6)));
    // capsule: 2r across, 2(halfLength + r) along z
    expect(extent(meshes.bodies[3]).toArray()).toEqual([0.1, 0.1, 0.4].map((v) => expect.closeTo(v, 6)));
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
    expect(meshes.bodies.map((m) => m.castShadow)).toEqual([false, true, true, true]);
    expect(meshes.bodies.every((m) => m.receiveShadow)).toBe(true);
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
    const crate = meshes.bodies[2];
    crate.updateMatrixWorld();
    // body x axis → world y axis
    const p = new THREE.Vector3(0.1, 0, 0).applyMatrix4(crate.matrixWorld);
    expect(p.toArray()).toEqual([1, 2.1, 3].map((v) => expect.closeTo(v, 12)));
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
    const [a, b] = arrows.group.children as THREE.ArrowHelper[];
    const up = (arrow: THREE.ArrowHelper) => new THREE.Vector3(0, 1, 0).applyQuaternion(arrow.quaternion);
    expect(up(a).distanceTo(new THREE.Vector3(0, 0, 1))).toBeLessThan(1e-9);
    expect(up(b).distanceTo(new THREE.Vector3(0, 1, 0))).toBeLessThan(1e-9);
    // ArrowHelper: the line spans (length − head), then the cone of height `head`
    const drawnLength = (arrow: THREE.ArrowHelper) => arrow.line.scale.y + arrow.cone.scale.y;
    expect(drawnLength(a)).toBeCloseTo(0.25, 9);
    expect(drawnLength(b)).toBeCloseTo(1, 9); // 100 N would be 2.5 m: capped
    expect(b.position.toArray()).toEqual([1, 0, 0]);
    arrows.show(contacts, 1);
    expect(arrows.visibleCount).toBe(0);
    arrows.show(contacts, 2);
    expect(arrows.visibleCount).toBe(1);
    arrows.show(undefined, 0);
    expect(arrows.visibleCount).toBe(0);
  });
});
