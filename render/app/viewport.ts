/**
 * The 3-D view: renderer, z-up orbit camera, lights with shadows, the bodies' meshes and
 * contact arrows of the current model, and playback of a Track at any time.
 */
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import type { Model } from '../../sim/model.ts';
import { applyPoses, ContactArrows, createBodyMeshes, type BodyMeshes } from '../adapter.ts';
import { POSE_WIDTH, samplePoses, type Track } from '../track.ts';

/** A body's weight is drawn as an arrow this long, m (contact forces scale with it). */
const WEIGHT_ARROW_LENGTH = 0.25;
/** Longest contact arrow, as a multiple of the scene's size. */
const MAX_ARROW_FRACTION = 0.3;
/** Shadow map side, pixels: sharp enough for ball-sized shadows on a laptop screen. */
const SHADOW_MAP_SIZE = 2048;
/** Depth bias of shadow lookups (in light-space depth units) and offset along the normal, m. */
const SHADOW_BIAS = -5e-4;
const SHADOW_NORMAL_BIAS = 0.01;

/** The renderer and everything in the three.js scene. */
export class Viewport {
  readonly renderer: THREE.WebGLRenderer;
  readonly camera: THREE.PerspectiveCamera;
  readonly controls: OrbitControls;
  private readonly scene3d = new THREE.Scene();
  private readonly sun: THREE.DirectionalLight;
  private meshes: BodyMeshes | null = null;
  private arrows: ContactArrows | null = null;
  private poses = new Float64Array(0);
  /** show contact arrows */
  showContacts = true;

  constructor(private readonly container: HTMLElement) {
    this.renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(Math.min(2, window.devicePixelRatio));
    this.renderer.shadowMap.enabled = true;
    this.renderer.shadowMap.type = THREE.PCFShadowMap;
    container.appendChild(this.renderer.domElement);
    this.scene3d.background = new THREE.Color(0xeef1f5);
    this.camera = new THREE.PerspectiveCamera(45, 1, 0.01, 500);
    // scenes are z up
    this.camera.up.set(0, 0, 1);
    this.camera.position.set(3, -4, 2);
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.enableDamping = true;
    this.scene3d.add(new THREE.HemisphereLight(0xffffff, 0x667788, 1.2));
    this.sun = new THREE.DirectionalLight(0xffffff, 2.2);
    this.sun.castShadow = true;
    this.sun.shadow.mapSize.set(SHADOW_MAP_SIZE, SHADOW_MAP_SIZE);
    // without a bias, surfaces shadow themselves in bands ("shadow acne")
    this.sun.shadow.bias = SHADOW_BIAS;
    this.sun.shadow.normalBias = SHADOW_NORMAL_BIAS;
    this.scene3d.add(this.sun, this.sun.target);
    this.resize();
    new ResizeObserver(() => this.resize()).observe(container);
  }

  /** Replace the bodies by those of `model`. */
  setModel(model: Model): void {
    if (this.meshes) {
      this.scene3d.remove(this.meshes.group);
      this.meshes.dispose();
    }
    if (this.arrows) {
      this.scene3d.remove(this.arrows.group);
      this.arrows.dispose();
    }
    this.meshes = createBodyMeshes(model);
    this.scene3d.add(this.meshes.group);
    let heaviest = 0;
    for (let b = 0; b < model.nbody; b++) heaviest = Math.max(heaviest, model.bodyMass[b]);
    const weight = heaviest * Math.hypot(model.gravity[0], model.gravity[1], model.gravity[2]);
    this.arrows = new ContactArrows({ metresPerNewton: weight > 0 ? WEIGHT_ARROW_LENGTH / weight : 0, maxLength: 1 });
    this.scene3d.add(this.arrows.group);
    this.poses = new Float64Array(model.nbody * POSE_WIDTH);
  }

  /** Aim the camera and the shadow at the region the track's bodies move through. */
  frame(track: Track, model: Model): void {
    const box = new THREE.Box3();
    const p = new THREE.Vector3();
    const stride = track.nbody * POSE_WIDTH;
    for (let f = 0; f < track.times.length; f++) {
      for (let b = 0; b < track.nbody; b++) {
        if (model.geomType[b] === 0) continue; // planes have no pose
        box.expandByPoint(p.fromArray(track.poses, f * stride + b * POSE_WIDTH));
      }
    }
    if (box.isEmpty()) box.setFromCenterAndSize(new THREE.Vector3(), new THREE.Vector3(1, 1, 1));
    const centre = box.getCenter(new THREE.Vector3());
    const radius = Math.max(0.4, box.getSize(new THREE.Vector3()).length() / 2 + 0.15);
    this.controls.target.copy(centre);
    this.camera.position.copy(centre).add(new THREE.Vector3(0.5, -1.7, 1.1).multiplyScalar(radius * 1.15));
    this.camera.near = radius / 100;
    this.camera.far = radius * 100;
    this.camera.updateProjectionMatrix();
    this.sun.position.copy(centre).add(new THREE.Vector3(2, -1, 4).multiplyScalar(radius));
    this.sun.target.position.copy(centre);
    const cam = this.sun.shadow.camera;
    cam.left = cam.bottom = -2 * radius;
    cam.right = cam.top = 2 * radius;
    cam.near = 0.01;
    cam.far = 12 * radius;
    cam.updateProjectionMatrix();
    if (this.arrows) this.arrows.maxLength = MAX_ARROW_FRACTION * radius;
    this.controls.update();
  }

  /** Pose the bodies at `time` of `track`; returns the frame shown. */
  showAt(track: Track, time: number): number {
    if (!this.meshes || this.poses.length !== track.nbody * POSE_WIDTH) return 0;
    const frame = samplePoses(track, time, this.poses);
    applyPoses(this.meshes, this.poses);
    this.arrows?.show(this.showContacts ? track.contacts : undefined, frame);
    return frame;
  }

  /** World position of a body's mesh (what is drawn, not the simulation's state). */
  bodyPosition(name: string): [number, number, number] | null {
    const mesh = this.meshes?.bodies.find((m) => m.userData.body === name);
    return mesh ? [mesh.position.x, mesh.position.y, mesh.position.z] : null;
  }

  render(): void {
    this.controls.update();
    this.renderer.render(this.scene3d, this.camera);
  }

  private resize(): void {
    const w = Math.max(1, this.container.clientWidth);
    const h = Math.max(1, this.container.clientHeight);
    this.renderer.setSize(w, h);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
  }
}
