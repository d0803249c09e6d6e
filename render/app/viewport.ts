/**
 * The 3-D view: renderer, z-up orbit camera, lights with shadows, the bodies' meshes and
 * contact arrows of the current model, the target marker, trails and axes
 * (render/scene-marks.ts), and playback of a Track at any time.
 *
 * It draws only when asked (`render()`); the page asks when something changed. On a
 * software GL (Chromium without a GPU: SwiftShader, llvmpipe) it draws at half resolution,
 * without multisampling, with a Lambert-shaded floor, coarser spheres and no shadow map:
 * the floor's pixels, and the shadow lookups each of them made, are what a frame costs
 * there (render/README.md). `?shadows=1` turns the shadows back on.
 */
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import type { Model } from '../../sim/model.ts';
import type { Scene } from '../../sim/scene.ts';
import { applyPoses, ContactArrows, createBodyMeshes, type BodyMeshes } from '../adapter.ts';
import { bodyRadius, disposeGroup, roundLength, targetMarker, targetPoint, trails } from '../scene-marks.ts';
import { POSE_WIDTH, samplePoses, type Track } from '../track.ts';

/** A body's weight is drawn as an arrow this long, m (contact forces scale with it). */
const WEIGHT_ARROW_LENGTH = 0.25;
/** Longest contact arrow, as a multiple of the scene's size. */
const MAX_ARROW_FRACTION = 0.3;
/** Shadow map side, pixels: sharp enough for ball-sized shadows on a laptop screen. */
const SHADOW_MAP_SIZE = 2048;
/**
 * Sphere tessellation on a software GL (segments around, rings): about half the
 * vertices of the default 32 × 16, still round at the page's half resolution.
 */
const SOFTWARE_SPHERE_SEGMENTS: [number, number] = [20, 12];
/**
 * Drawing-buffer pixels per CSS pixel on a software GL. Its fill rate is the bottleneck:
 * measured in headless Chromium (SwiftShader) with the floor filling the view, a frame
 * at 850×748 cost ~120 ms of GPU-process CPU, at half resolution with a Lambert floor
 * ~25 ms (render/README.md). `?pixelRatio=1` in the page's address overrides it.
 */
const SOFTWARE_PIXEL_RATIO = 0.5;
/** Renderer strings of software GL implementations. */
const SOFTWARE_GL = /SwiftShader|llvmpipe|softpipe|Software/i;
/** Axes length as a share of the scene's radius (rounded down to a round length). */
const AXES_FRACTION = 0.6;

/** The GL renderer's name of a context (empty when the browser hides it). */
function glRendererName(gl: WebGLRenderingContext | WebGL2RenderingContext): string {
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : String(gl.getParameter(gl.RENDERER));
}
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
  private model: Model | null = null;
  private readonly marks = new THREE.Group();
  /**
   * Never drawn, never disposed (disposing a material frees its program): one object of
   * each kind the marks draw, so `compileShaders` makes their programs before they exist.
   * A trail set is line segments in one colour (scene-marks.ts `trails`).
   */
  private readonly standIns = new THREE.Group().add(
    new THREE.AxesHelper(1),
    new THREE.LineSegments(new THREE.BufferGeometry(), new THREE.LineBasicMaterial()),
    targetMarker(1),
  );
  private target: THREE.Group | null = null;
  private readonly trailSets = new Map<string, THREE.Group>();
  private axes: THREE.AxesHelper | null = null;
  /** show contact arrows */
  private contactsShown = true;
  /** frames drawn since the page loaded (read by the tests: 0 more while idle) */
  renderedFrames = 0;
  /** the GL renderer's name, and whether it is a software one (settings lowered for it) */
  readonly glRenderer: string;
  readonly softwareGL: boolean;
  /** drawing-buffer pixels per CSS pixel */
  readonly pixelRatio: number;
  /** whether bodies cast shadows (not on a software GL unless `?shadows=1`) */
  readonly shadows: boolean;
  /** length of the axes drawn, m (0 before a track is framed) */
  axesLength = 0;
  /** called when the view needs drawing again (camera moved, canvas resized) */
  onInvalidate: () => void = () => {};

  constructor(private readonly container: HTMLElement) {
    // multisampling is chosen with the context: ask for none, and make a second context with
    // it only on a hardware GL (creating a context is ~0.1 s of start-up on a software one)
    let renderer = new THREE.WebGLRenderer({ antialias: false, preserveDrawingBuffer: true });
    this.glRenderer = glRendererName(renderer.getContext());
    this.softwareGL = SOFTWARE_GL.test(this.glRenderer);
    if (!this.softwareGL) {
      renderer.dispose();
      renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
    }
    this.renderer = renderer;
    const asked = Number(new URLSearchParams(location.search).get('pixelRatio'));
    this.pixelRatio = asked > 0 ? asked : this.softwareGL ? SOFTWARE_PIXEL_RATIO : Math.min(2, window.devicePixelRatio);
    this.renderer.setPixelRatio(this.pixelRatio);
    const shadows = new URLSearchParams(location.search).get('shadows');
    this.shadows = shadows === null ? !this.softwareGL : shadows === '1';
    this.renderer.shadowMap.enabled = this.shadows;
    this.renderer.shadowMap.type = THREE.PCFShadowMap;
    container.appendChild(this.renderer.domElement);
    this.scene3d.background = new THREE.Color(0xeef1f5);
    this.camera = new THREE.PerspectiveCamera(45, 1, 0.01, 500);
    // scenes are z up
    this.camera.up.set(0, 0, 1);
    this.camera.position.set(3, -4, 2);
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.enableDamping = true;
    this.controls.addEventListener('change', () => this.onInvalidate());
    this.marks.name = 'marks';
    this.scene3d.add(this.marks);
    this.scene3d.add(new THREE.HemisphereLight(0xffffff, 0x667788, 1.2));
    this.sun = new THREE.DirectionalLight(0xffffff, 2.2);
    this.sun.castShadow = this.shadows;
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
    this.meshes = createBodyMeshes(model, {
      cheapPlanes: this.softwareGL,
      cheapBodies: this.softwareGL,
      ...(this.softwareGL ? { sphereSegments: SOFTWARE_SPHERE_SEGMENTS } : {}),
    });
    this.scene3d.add(this.meshes.group);
    let heaviest = 0;
    for (let b = 0; b < model.nbody; b++) heaviest = Math.max(heaviest, model.bodyMass[b]);
    const weight = heaviest * Math.hypot(model.gravity[0], model.gravity[1], model.gravity[2]);
    this.arrows = new ContactArrows({ metresPerNewton: weight > 0 ? WEIGHT_ARROW_LENGTH / weight : 0, maxLength: 1 });
    this.scene3d.add(this.arrows.group);
    this.poses = new Float64Array(model.nbody * POSE_WIDTH);
    this.model = model;
    this.setTarget(null, null);
    for (const key of [...this.trailSets.keys()]) this.setTrail(key, null);
    this.compileShaders();
    this.onInvalidate();
  }

  /**
   * Hand the GL every shader program the first frame with a track will use (bodies, floor,
   * arrows, and stand-ins for the axes, the trails and the target marker) without drawing:
   * a software GL compiles them in the GPU process while the physics worker computes the
   * first frames, instead of inside the first draw (the programs are cached by kind, so
   * the stand-ins' programs are the real marks' ones).
   */
  private compileShaders(): void {
    this.scene3d.add(this.standIns);
    this.renderer.compile(this.scene3d, this.camera);
    this.scene3d.remove(this.standIns);
  }

  /** Whether contact arrows are drawn. */
  get showContacts(): boolean {
    return this.contactsShown;
  }

  set showContacts(on: boolean) {
    this.contactsShown = on;
    this.onInvalidate();
  }

  /**
   * Mark the objective's target of `scene` (a position; see scene-marks.ts `targetPoint`),
   * using `track`'s last frame for a single-component target. Returns the point, or null
   * when there is nothing to mark.
   */
  setTarget(scene: Scene | null, track: Track | null): [number, number, number] | null {
    if (this.target !== null) {
      this.marks.remove(this.target);
      disposeGroup(this.target);
      this.target = null;
    }
    const model = this.model;
    if (scene === null || model === null) return null;
    const last = track === null ? null : track.poses.subarray((track.times.length - 1) * track.nbody * POSE_WIDTH);
    const where = targetPoint(scene, model, last);
    if (where === null) return null;
    this.target = targetMarker(bodyRadius(model, where.body));
    this.target.position.set(...where.point);
    this.marks.add(this.target);
    this.onInvalidate();
    return where.point;
  }

  /** Draw (or with `track` null, remove) the trail set `key` in `colour`. */
  setTrail(key: string, track: Track | null, colour = '#000', dashed = false): void {
    const old = this.trailSets.get(key);
    if (old !== undefined) {
      this.marks.remove(old);
      disposeGroup(old);
      this.trailSets.delete(key);
    }
    if (track !== null && this.model !== null && track.nbody === this.model.nbody) {
      const group = trails(track, this.model, colour, dashed);
      this.trailSets.set(key, group);
      this.marks.add(group);
    }
    this.onInvalidate();
  }

  /** The trail sets drawn, with the number of bodies with a trail in each. */
  get trailCounts(): Record<string, number> {
    return Object.fromEntries([...this.trailSets].map(([k, g]) => [k, g.userData.lines as number]));
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
    if (this.axes !== null) {
      this.scene3d.remove(this.axes);
      this.axes.dispose();
    }
    this.axesLength = roundLength(AXES_FRACTION * radius);
    this.axes = new THREE.AxesHelper(this.axesLength);
    this.axes.name = 'axes';
    this.scene3d.add(this.axes);
    this.controls.update();
    this.onInvalidate();
  }

  /** Pose the bodies at `time` of `track`; returns the frame shown. */
  showAt(track: Track, time: number): number {
    if (!this.meshes || this.poses.length !== track.nbody * POSE_WIDTH) return 0;
    const frame = samplePoses(track, time, this.poses);
    applyPoses(this.meshes, this.poses);
    this.arrows?.show(this.contactsShown ? track.contacts : undefined, frame);
    return frame;
  }

  /** Screen position (CSS px, from the canvas' top left) of a world point, for tests and overlays. */
  toScreen(p: readonly [number, number, number]): [number, number] {
    const v = new THREE.Vector3(...p).project(this.camera);
    const canvas = this.renderer.domElement;
    return [((v.x + 1) / 2) * canvas.clientWidth, ((1 - v.y) / 2) * canvas.clientHeight];
  }

  /** World position of a body's mesh (what is drawn, not the simulation's state). */
  bodyPosition(name: string): [number, number, number] | null {
    const mesh = this.meshes?.bodies.find((m) => m.userData.body === name);
    return mesh ? [mesh.position.x, mesh.position.y, mesh.position.z] : null;
  }

  /** Draw one frame; returns true while the camera is still gliding (damping), so the page asks for another. */
  render(): boolean {
    const moving = this.controls.update();
    this.renderer.render(this.scene3d, this.camera);
    this.renderedFrames++;
    return moving;
  }

  private resize(): void {
    const w = Math.max(1, this.container.clientWidth);
    const h = Math.max(1, this.container.clientHeight);
    this.renderer.setSize(w, h);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.onInvalidate();
  }
}
