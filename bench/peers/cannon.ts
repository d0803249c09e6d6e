/**
 * cannon-es as a benchmark peer: a scene file built as a cannon-es world at cannon's
 * default solver settings (GSSolver, 10 iterations, tolerance 1e-7; contact and friction
 * equations with stiffness 1e7 and relaxation 3 steps; sleeping off, cannon's default
 * `allowSleep: false`; the default NaiveBroadphase, see BROADPHASE below).
 *
 * What we set so that cannon simulates the same bodies as the scene says:
 * - **Materials.** cannon's default rule for a pair is the *product* of the two bodies'
 *   `Material` frictions (and restitutions) when both are set, otherwise the world's
 *   default ContactMaterial (friction 0.3, restitution 0). The scene's rule is the
 *   geometric mean of the frictions and the larger restitution, so every pair of distinct
 *   (friction, restitution) materials gets a ContactMaterial with exactly those values
 *   (the ContactMaterial's equation stiffness and relaxation stay at their defaults).
 * - **Inertia.** cannon approximates every body's inertia by the box of its world-frame
 *   AABB at creation (a sphere gets m(2r)²/6 = ⅔ m r² instead of ⅖ m r², a tilted box more
 *   than its own); we overwrite it with the exact principal moments of sim/inertia.ts.
 * - **Damping.** cannon bodies lose 1 % of their velocity per second by default
 *   (`linearDamping` = `angularDamping` = 0.01); the scene has no air drag, so both are 0.
 * - Orientation: cannon's `Quaternion(x, y, z, w)` from the scene's (w, x, y, z); a plane
 *   is cannon's `Plane` (solid below its local +z) turned onto the scene's normal and moved
 *   to `offset` along it. Gravity is the scene's (−z).
 *
 * cannon-es has no capsule shape: a scene with a capsule throws.
 */
import * as CANNON from 'cannon-es';
import { buildModel, initialState } from '../../sim/builder.ts';
import type { Model } from '../../sim/model.ts';
import type { Scene } from '../../sim/scene.ts';
import { GEOM_SIZE_WIDTH, ShapeType } from '../../sim/shapes.ts';
import { STATE_FIELDS } from '../../sim/state.ts';
import type { Engine, EngineWorld } from './peer.ts';

/** Broadphases cannon-es ships: `naive` (its default, all pairs) and `sap` (sweep and prune). */
export type CannonBroadphase = 'naive' | 'sap';

/**
 * The broadphase the benchmarks give cannon: its default. On boxes100 (1,000 steps, median
 * of 5 interleaved runs, 2-core machine) `naive` took 0.72 ms per step and `sap` 0.68: a
 * 6 % difference, near run-to-run noise, so the default does not handicap cannon.
 */
export const BROADPHASE: CannonBroadphase = 'naive';

/** Options beyond the scene. */
export interface CannonOptions {
  broadphase?: CannonBroadphase;
}

/** One cannon Material per distinct (friction, restitution), with a ContactMaterial for every pair of them. */
function pairMaterials(world: CANNON.World, model: Model): CANNON.Material[] {
  const byKey = new Map<string, { material: CANNON.Material; friction: number; restitution: number }>();
  const perBody: CANNON.Material[] = [];
  for (let i = 0; i < model.nbody; i++) {
    const friction = model.bodyFriction[i];
    const restitution = model.bodyRestitution[i];
    const key = `${friction}/${restitution}`;
    let entry = byKey.get(key);
    if (!entry) {
      // friction/restitution left at −1 ("unset"), so cannon takes the ContactMaterial's values
      entry = { material: new CANNON.Material(key), friction, restitution };
      byKey.set(key, entry);
    }
    perBody.push(entry.material);
  }
  const entries = [...byKey.values()];
  for (let a = 0; a < entries.length; a++) {
    for (let b = a; b < entries.length; b++) {
      const A = entries[a];
      const B = entries[b];
      world.addContactMaterial(
        new CANNON.ContactMaterial(A.material, B.material, {
          friction: Math.sqrt(A.friction * B.friction),
          restitution: Math.max(A.restitution, B.restitution),
        }),
      );
    }
  }
  return perBody;
}

function shapeOfBody(model: Model, i: number): CANNON.Shape {
  const g = i * GEOM_SIZE_WIDTH;
  const s = model.geomSize;
  switch (model.geomType[i]) {
    case ShapeType.plane:
      return new CANNON.Plane();
    case ShapeType.sphere:
      return new CANNON.Sphere(s[g]);
    case ShapeType.box:
      return new CANNON.Box(new CANNON.Vec3(s[g], s[g + 1], s[g + 2]));
    default:
      throw new RangeError(`cannon-es has no capsule shape (body '${model.bodyName[i]}')`);
  }
}

/**
 * A cannon-es world of the scene (see the file header for what is set and why).
 *
 * @example
 * const world = createCannonWorld(parseScene(json));
 * for (let i = 0; i < 1000; i++) world.step();
 * world.position('ball'); // [x, y, z]
 */
export function createCannonWorld(scene: Scene, opts: CannonOptions = {}): EngineWorld {
  const model = buildModel(scene);
  const state = initialState(model, scene);
  const [gx, gy, gz] = scene.gravity;
  const world = new CANNON.World({ gravity: new CANNON.Vec3(gx, gy, gz) });
  if ((opts.broadphase ?? BROADPHASE) === 'sap') world.broadphase = new CANNON.SAPBroadphase(world);
  const materials = pairMaterials(world, model);
  const bodies = new Map<string, CANNON.Body>();

  for (let i = 0; i < model.nbody; i++) {
    const q = i * STATE_FIELDS.bodyQ;
    const qd = i * STATE_FIELDS.bodyQd;
    const isStatic = model.bodyStatic[i] === 1;
    const body = new CANNON.Body({
      type: isStatic ? CANNON.Body.STATIC : CANNON.Body.DYNAMIC,
      mass: isStatic ? 0 : model.bodyMass[i],
      shape: shapeOfBody(model, i),
      material: materials[i],
      linearDamping: 0,
      angularDamping: 0,
    });
    if (model.geomType[i] === ShapeType.plane) {
      const g = i * GEOM_SIZE_WIDTH;
      const n = new CANNON.Vec3(model.geomSize[g], model.geomSize[g + 1], model.geomSize[g + 2]);
      body.quaternion.setFromVectors(new CANNON.Vec3(0, 0, 1), n);
      body.position.copy(n.scale(model.geomSize[g + 3]));
    } else {
      const p = state.bodyQ;
      body.position.set(p[q], p[q + 1], p[q + 2]);
      body.quaternion.set(p[q + 4], p[q + 5], p[q + 6], p[q + 3]);
      body.velocity.set(state.bodyQd[qd], state.bodyQd[qd + 1], state.bodyQd[qd + 2]);
      body.angularVelocity.set(state.bodyQd[qd + 3], state.bodyQd[qd + 4], state.bodyQd[qd + 5]);
    }
    if (!isStatic) {
      const I = model.bodyInertia;
      body.inertia.set(I[3 * i], I[3 * i + 1], I[3 * i + 2]);
      body.invInertia.set(1 / I[3 * i], 1 / I[3 * i + 1], 1 / I[3 * i + 2]);
      body.updateInertiaWorld(true);
    }
    world.addBody(body);
    bodies.set(model.bodyName[i], body);
  }

  const dt = scene.dt;
  return {
    step: () => world.step(dt),
    position(name) {
      const body = bodies.get(name);
      if (!body) throw new RangeError(`cannon world has no body '${name}'`);
      return [body.position.x, body.position.y, body.position.z];
    },
    dispose() {
      // all of cannon's state is on the JS heap: nothing to release
    },
  };
}

/** cannon-es at its default solver settings, as a benchmark {@link Engine}. */
export const cannonEngine: Engine = {
  name: 'cannon',
  describe: `cannon-es: GSSolver 10 iterations, ${BROADPHASE} broadphase, no sleeping, exact inertia, scene's pair rule via ContactMaterials`,
  create: (scene) => createCannonWorld(scene),
};
