/**
 * What every engine in the side-by-side benchmarks offers: build a world from a parsed
 * scene, step it, read a body's position. The peers (cannon-es, rapier) implement it in
 * bench/peers/cannon.ts and bench/peers/rapier.ts; our engine gets the same face, so one
 * timing loop and one physics read-out serve all of them.
 */
import type { Scene } from '../../sim/scene.ts';

/** A world built from one scene, advanced one `scene.dt` per `step()`. */
export interface EngineWorld {
  /** advance by the scene's dt */
  step(): void;
  /** the named body's centre of mass, world frame, m (a fresh array: not for hot loops) */
  position(body: string): [number, number, number];
  /** release what the engine holds outside the JS heap (rapier's WASM memory) */
  dispose(): void;
}

/** A physics engine that can simulate our scene files. */
export interface Engine {
  /** short name, used as a column or figure name: `cannon`, `rapier`, `diffcontact` */
  name: string;
  /** one line on the engine's settings, for the readable bench output */
  describe: string;
  /** Build a world from a scene returned by `parseScene`; throws for shapes the engine lacks. */
  create(scene: Scene): EngineWorld;
}

/**
 * Milliseconds per step of one run: a fresh world from `scene`, `steps` steps timed
 * together (the build is not timed), then disposed.
 *
 * @example
 * const ms = stepMsPerStep(cannonEngine, scene, 1000);
 */
export function stepMsPerStep(engine: Engine, scene: Scene, steps: number): number {
  const world = engine.create(scene);
  try {
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) world.step();
    return (performance.now() - t0) / steps;
  } finally {
    world.dispose();
  }
}

/**
 * The named body's positions over a run of `steps` steps from the scene's initial state,
 * one sample per step (index 0 is the initial position): `(steps + 1) × 3`, row-major.
 *
 * @example
 * const zs = trajectory(rapierEngine, scene, 'ball', 3000).filter((_, i) => i % 3 === 2);
 */
export function trajectory(engine: Engine, scene: Scene, body: string, steps: number): Float64Array {
  const world = engine.create(scene);
  try {
    const out = new Float64Array(3 * (steps + 1));
    out.set(world.position(body), 0);
    for (let i = 1; i <= steps; i++) {
      world.step();
      out.set(world.position(body), 3 * i);
    }
    return out;
  } finally {
    world.dispose();
  }
}

/** The scene's body named `name`, or a RangeError naming it. */
export function sceneBody(scene: Scene, name: string): Scene['bodies'][number] {
  const body = scene.bodies.find((b) => b.name === name);
  if (!body)
    throw new RangeError(`scene has no body '${name}' (bodies: ${scene.bodies.map((b) => b.name).join(', ')})`);
  return body;
}
