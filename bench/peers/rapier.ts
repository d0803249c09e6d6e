/**
 * rapier (`@dimforge/rapier3d-compat`, Rust compiled to WASM, inlined as base64: nothing
 * is downloaded) as a benchmark peer: a scene file built as a rapier world at rapier's
 * default integration parameters (solver iterations, contact softness, prediction
 * distance, no CCD), with sleeping off on every body. Importing this module initializes
 * the WASM module once (top-level await).
 *
 * What we set so that rapier simulates the same bodies as the scene says:
 * - **Combine rules.** rapier's default rule for a pair is the *average* of the two
 *   colliders' coefficients, for friction and for restitution. The scene's rule is the
 *   geometric mean of the frictions and the larger restitution: each collider gets
 *   friction √f with the `Multiply` rule (√fa·√fb = √(fa·fb)) and its restitution with the
 *   `Max` rule.
 * - **Mass.** Each collider gets the body's mass; rapier derives the inertia from the
 *   shape exactly (solid sphere, box, capsule), as sim/inertia.ts does.
 * - Shapes: a plane is a `HalfSpace` with the scene's normal on a fixed body moved to
 *   `offset` along it; rapier's capsule runs along its local y, so the collider is turned
 *   by +90° about x to run along the body's z as the scene's does. Quaternions are (w, x,
 *   y, z) on both sides. Gravity is the scene's (−z); rapier has no preferred up axis.
 */
import RAPIER from '@dimforge/rapier3d-compat';
import { buildModel, initialState } from '../../sim/builder.ts';
import type { Model } from '../../sim/model.ts';
import type { Scene } from '../../sim/scene.ts';
import { GEOM_SIZE_WIDTH, ShapeType } from '../../sim/shapes.ts';
import { STATE_FIELDS } from '../../sim/state.ts';
import type { Engine, EngineWorld } from './peer.ts';

await RAPIER.init();

/** Rotation by +90° about x: takes rapier's capsule axis (local y) to the scene's (body z). */
const CAPSULE_Y_TO_Z = { w: Math.SQRT1_2, x: Math.SQRT1_2, y: 0, z: 0 };

function colliderOfBody(model: Model, i: number): RAPIER.ColliderDesc {
  const g = i * GEOM_SIZE_WIDTH;
  const s = model.geomSize;
  switch (model.geomType[i]) {
    case ShapeType.plane:
      return new RAPIER.ColliderDesc(new RAPIER.HalfSpace({ x: s[g], y: s[g + 1], z: s[g + 2] }));
    case ShapeType.sphere:
      return RAPIER.ColliderDesc.ball(s[g]);
    case ShapeType.box:
      return RAPIER.ColliderDesc.cuboid(s[g], s[g + 1], s[g + 2]);
    case ShapeType.capsule:
      return RAPIER.ColliderDesc.capsule(s[g + 1], s[g]).setRotation(CAPSULE_Y_TO_Z);
    default:
      throw new RangeError(`rapier adapter: unknown shape type ${model.geomType[i]} (body '${model.bodyName[i]}')`);
  }
}

/**
 * A rapier world of the scene (see the file header for what is set and why). Call
 * `dispose()` when done: the world lives in WASM memory.
 *
 * @example
 * const world = createRapierWorld(parseScene(json));
 * for (let i = 0; i < 1000; i++) world.step();
 * world.position('ball'); // [x, y, z]
 * world.dispose();
 */
export function createRapierWorld(scene: Scene): EngineWorld {
  const model = buildModel(scene);
  const state = initialState(model, scene);
  const [gx, gy, gz] = scene.gravity;
  const world = new RAPIER.World({ x: gx, y: gy, z: gz });
  world.timestep = scene.dt;
  const bodies = new Map<string, RAPIER.RigidBody>();

  for (let i = 0; i < model.nbody; i++) {
    const q = i * STATE_FIELDS.bodyQ;
    const qd = i * STATE_FIELDS.bodyQd;
    const p = state.bodyQ;
    const v = state.bodyQd;
    let desc: RAPIER.RigidBodyDesc;
    if (model.geomType[i] === ShapeType.plane) {
      const g = i * GEOM_SIZE_WIDTH;
      const [nx, ny, nz, offset] = model.geomSize.subarray(g, g + 4);
      desc = RAPIER.RigidBodyDesc.fixed().setTranslation(nx * offset, ny * offset, nz * offset);
    } else {
      desc =
        model.bodyStatic[i] === 1 ? RAPIER.RigidBodyDesc.fixed() : RAPIER.RigidBodyDesc.dynamic().setCanSleep(false);
      desc
        .setTranslation(p[q], p[q + 1], p[q + 2])
        .setRotation({ w: p[q + 3], x: p[q + 4], y: p[q + 5], z: p[q + 6] })
        .setLinvel(v[qd], v[qd + 1], v[qd + 2])
        .setAngvel({ x: v[qd + 3], y: v[qd + 4], z: v[qd + 5] });
    }
    const body = world.createRigidBody(desc);
    const collider = colliderOfBody(model, i)
      .setFriction(Math.sqrt(model.bodyFriction[i]))
      .setFrictionCombineRule(RAPIER.CoefficientCombineRule.Multiply)
      .setRestitution(model.bodyRestitution[i])
      .setRestitutionCombineRule(RAPIER.CoefficientCombineRule.Max);
    if (model.bodyStatic[i] === 0) collider.setMass(model.bodyMass[i]);
    world.createCollider(collider, body);
    bodies.set(model.bodyName[i], body);
  }

  return {
    step: () => world.step(),
    position(name) {
      const body = bodies.get(name);
      if (!body) throw new RangeError(`rapier world has no body '${name}'`);
      const t = body.translation();
      return [t.x, t.y, t.z];
    },
    dispose: () => world.free(),
  };
}

/** rapier at its default integration parameters, sleeping off, as a benchmark {@link Engine}. */
export const rapierEngine: Engine = {
  name: 'rapier',
  describe: `rapier ${RAPIER.version()} (WASM): default integration parameters, no sleeping, scene's pair rule via Multiply/Max combine rules`,
  create: createRapierWorld,
};
