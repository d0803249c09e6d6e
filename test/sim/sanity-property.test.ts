// Property: random valid scenes in every contact mode never end in a finite blow-up that
// goes unreported. "Blow-up" is judged here independently of sim/sanity.ts, from energy
// conservation with a tenfold margin: a body may not end faster than √(2·10·E/m) nor higher
// than 10·E/(m·g) above the highest start, where E bounds everything the scene can supply
// (kinetic energy, the fall of every body over the run, and the energy of every initial
// overlap, bounded from bounding spheres). A run past that must have thrown a
// DivergenceError; fast-check shrinks any counterexample to a minimal scene.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildModel, initialState } from '../../sim/builder.ts';
import { DivergenceError } from '../../sim/errors.ts';
import { CONTACT_MODES } from '../../sim/model.ts';
import { parseScene, type SceneInput } from '../../sim/scene.ts';
import { simulate } from '../../sim/step.ts';

const G = 9.81;
const STEPS = 150;
/** overlaps of one pair counted at most this many times (a box face on a box face: 8 contacts) */
const CONTACTS_PER_PAIR = 8;

const body = fc.record({
  box: fc.boolean(),
  size: fc.double({ min: 0.05, max: 0.5, noNaN: true }),
  mass: fc.double({ min: 1e-3, max: 10, noNaN: true }),
  position: fc.tuple(
    fc.double({ min: -0.5, max: 0.5, noNaN: true }),
    fc.double({ min: -0.5, max: 0.5, noNaN: true }),
    fc.double({ min: 0.02, max: 1.5, noNaN: true }),
  ),
  velocity: fc.tuple(
    fc.double({ min: -5, max: 5, noNaN: true }),
    fc.double({ min: -5, max: 5, noNaN: true }),
    fc.double({ min: -5, max: 5, noNaN: true }),
  ),
});

const sceneArb = fc.record({
  mode: fc.constantFrom(...CONTACT_MODES),
  stiffness: fc.double({ min: 1e2, max: 1e7, noNaN: true }),
  temperature: fc.double({ min: 1e-4, max: 1e-2, noNaN: true }),
  dt: fc.double({ min: 1e-4, max: 1e-2, noNaN: true }),
  bodies: fc.array(body, { minLength: 1, maxLength: 4 }),
});

type Drawn = typeof sceneArb extends fc.Arbitrary<infer T> ? T : never;

function sceneOf(d: Drawn): SceneInput {
  return {
    dt: d.dt,
    steps: STEPS,
    contact: { mode: d.mode, stiffness: d.stiffness, temperature: d.temperature, damping: 0 },
    bodies: [
      { name: 'ground', shape: { type: 'plane' } },
      ...d.bodies.map((b, i) => ({
        name: `b${i}`,
        shape: b.box
          ? { type: 'box' as const, halfExtents: [b.size, b.size, b.size] as [number, number, number] }
          : { type: 'sphere' as const, radius: b.size },
        mass: b.mass,
        position: b.position,
        linearVelocity: b.velocity,
      })),
    ],
  };
}

/** E, J: an upper bound on the energy the scene can supply over the run. */
function energyBound(d: Drawn): number {
  const T = STEPS * d.dt;
  const radius = (b: Drawn['bodies'][number]) => (b.box ? Math.sqrt(3) * b.size : b.size);
  let e = 0;
  for (const b of d.bodies) {
    e += 0.5 * b.mass * (b.velocity[0] ** 2 + b.velocity[1] ** 2 + b.velocity[2] ** 2);
    // falling for the whole run from the top of the scene, plus the scene's own height
    e += b.mass * G * (G * T * T + 0.5 * T * Math.abs(b.velocity[2]) * 2 + 2);
  }
  // overlaps, from bounding spheres (deeper than the real ones); soft contacts reach 2τ further
  const spring = (depth: number, masses: number) =>
    CONTACTS_PER_PAIR * (d.stiffness * (depth + 2 * d.temperature) ** 2 + depth * G * masses);
  d.bodies.forEach((a, i) => {
    e += spring(Math.max(0, radius(a) - a.position[2]), a.mass);
    for (let j = i + 1; j < d.bodies.length; j++) {
      const b = d.bodies[j];
      const dist = Math.hypot(
        a.position[0] - b.position[0],
        a.position[1] - b.position[1],
        a.position[2] - b.position[2],
      );
      e += spring(Math.max(0, radius(a) + radius(b) - dist), a.mass + b.mass);
    }
  });
  return e;
}

describe('the sanity monitor (property)', () => {
  it('no random scene, in any mode, ends in a finite blow-up without a DivergenceError', () => {
    fc.assert(
      fc.property(sceneArb, (d) => {
        const scene = parseScene(sceneOf(d));
        const model = buildModel(scene);
        const state = initialState(model, scene);
        try {
          simulate(model, state, scene.steps);
        } catch (err) {
          // reported: that is the contract (and the report names a body of the scene)
          expect(err).toBeInstanceOf(DivergenceError);
          expect(model.bodyName).toContain((err as DivergenceError).body);
          return;
        }
        const E = energyBound(d);
        const top = Math.max(...d.bodies.map((b) => b.position[2]));
        d.bodies.forEach((b, i) => {
          const k = i + 1;
          const v = Math.hypot(state.bodyQd[6 * k], state.bodyQd[6 * k + 1], state.bodyQd[6 * k + 2]);
          expect(v, `body b${i} speed`).toBeLessThanOrEqual(Math.sqrt((2 * 10 * E) / b.mass));
          expect(state.bodyQ[7 * k + 2], `body b${i} height`).toBeLessThanOrEqual(top + (10 * E) / (b.mass * G));
        });
      }),
      { numRuns: 60, seed: 16 },
    );
  });
});
