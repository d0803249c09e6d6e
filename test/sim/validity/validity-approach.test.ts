// Approach decisions (sim/validity/approach.ts): a pair outside the collision margin whose
// contact would enter it bounds the validity radius. Each predicted distance is checked
// against closed-form flight and against where the collision pass of plain rollouts, moved
// by just less and just more than the distance, starts to see the contact.
import { describe, expect, it } from 'vitest';
import { buildModel, initialState } from '../../../sim/builder.ts';
import { collide } from '../../../sim/collision/collide.ts';
import { createContacts } from '../../../sim/collision/contacts.ts';
import { gradient } from '../../../sim/gradient.ts';
import { parseParamPath, pathBodies, readParam, writeParam } from '../../../sim/paths.ts';
import { parseScene, type Scene, type SceneInput } from '../../../sim/scene.ts';
import { createStepData, step } from '../../../sim/step.ts';
import { validity } from '../../../sim/validity.ts';

const G = 9.81;
const DT = 1e-3;

function dropScene(mode: 'penalty' | 'soft', steps: number, shape: SceneInput['bodies'][number]['shape']): Scene {
  return parseScene({
    dt: DT,
    steps,
    gravity: [0, 0, -G],
    contact: { mode },
    bodies: [
      { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } },
      { name: 'ball', shape, mass: 1, position: [0, 0, 1.1] },
    ],
  });
}

/** Whether the collision pass sees a contact before any of the scene's steps (plain rollout). */
function contactSeen(scene: Scene): boolean {
  const model = buildModel(scene);
  const state = initialState(model, scene);
  const data = createStepData(model);
  const contacts = createContacts(64);
  for (let t = 0; t < scene.steps; t++) {
    if (collide(model, state.bodyQ, model.contact.margin, contacts) > 0) return true;
    step(model, data, state, null, state);
  }
  return false;
}

/** The scene with parameter `path` moved by `delta`. */
function moved(scene: Scene, path: string, delta: number): Scene {
  const p = parseParamPath(path, pathBodies(scene), '--wrt');
  return parseScene(writeParam(scene, p, readParam(scene, p) + delta));
}

/** The nearest decision's distance is where plain rollouts start to see the contact (within 1 %). */
function expectFlipAt(scene: Scene, path: string, direction: -1 | 1, distance: number): void {
  expect(contactSeen(moved(scene, path, direction * 0.99 * distance))).toBe(false);
  expect(contactSeen(moved(scene, path, direction * 1.01 * distance))).toBe(true);
}

describe('a pair outside the collision margin bounds the radius', () => {
  for (const mode of ['penalty', 'soft'] as const) {
    it(`${mode}: a falling ball 0.95 m above the ground, 100 steps: the approach at the last step, in closed form`, () => {
      const scene = dropScene(mode, 100, { type: 'sphere', radius: 0.1 });
      const v = validity(scene, ['ball.position.z']);
      expect(v.validWithin).not.toBeNull();
      const w = v.validWithin!;
      expect(w.decision).toBe('step 99: ground/ball approach');
      // semi-implicit Euler: before step t the centre has fallen g·dt²·t(t+1)/2
      const t = 99;
      const gap = 1.1 - (G * DT * DT * t * (t + 1)) / 2 - 0.1;
      const margin = buildModel(scene).contact.margin;
      expect(w.margin).toBeCloseTo(gap - margin, 12);
      // ∂gap/∂z0 = 1 in free flight
      expect(w.distance).toBeCloseTo(gap - margin, 12);
      // the flip lies below: the slope's sign, not only its size
      expect(v.decisions[0].flipAt['ball.position.z']).toBeCloseTo(1.1 - w.distance, 12);
      expectFlipAt(scene, 'ball.position.z', -1, w.distance);
    });
  }

  it('the radius and the plane offset move the surfaces: ∂g/∂r = −1, ∂g/∂offset = −1', () => {
    const scene = dropScene('soft', 100, { type: 'sphere', radius: 0.1 });
    const v = validity(scene, ['ball.radius', 'ground.offset']);
    const w = v.validWithin!;
    expect(w.decision).toBe('step 99: ground/ball approach');
    expect(w.byParameter['ball.radius'].distance).toBeCloseTo(w.margin, 12);
    expect(w.byParameter['ground.offset'].distance).toBeCloseTo(w.margin, 12);
    expect(w.distance).toBeCloseTo(w.margin / Math.SQRT2, 12);
    // both grow towards the flip: θ − m ∇g/‖∇g‖² with ∇g = (−1, −1)
    expect(v.decisions[0].flipAt['ball.radius']).toBeCloseTo(0.1 + w.margin / 2, 12);
    expect(v.decisions[0].flipAt['ground.offset']).toBeCloseTo(w.margin / 2, 12);
    expectFlipAt(scene, 'ball.radius', 1, w.byParameter['ball.radius'].distance);
    expectFlipAt(scene, 'ground.offset', 1, w.byParameter['ground.offset'].distance);
  });

  it('a box half extent: ∂g/∂h_z = −1 for a box falling flat, and h_x does not move the bottom face', () => {
    const scene = dropScene('penalty', 100, { type: 'box', halfExtents: [0.2, 0.15, 0.1] });
    const v = validity(scene, ['ball.halfExtents.z', 'ball.halfExtents.x']);
    const w = v.validWithin!;
    expect(w.decision).toBe('step 99: ground/ball approach');
    expect(w.byParameter['ball.halfExtents.z'].distance).toBeCloseTo(w.margin, 9);
    expect(w.byParameter['ball.halfExtents.x']).toBeUndefined();
    expect(v.decisions[0].flipAt['ball.halfExtents.z']).toBeCloseTo(0.1 + w.margin, 9);
    expectFlipAt(scene, 'ball.halfExtents.z', 1, w.byParameter['ball.halfExtents.z'].distance);
  });

  it('two spheres passing each other without gravity: the nearest approach mid-rollout, along the offset', () => {
    // A flies along x past B, its line 0.5 m off B's centre: the gap is least when x_A = x_B
    const scene = parseScene({
      dt: DT,
      steps: 400,
      gravity: [0, 0, 0],
      contact: { mode: 'soft' },
      bodies: [
        {
          name: 'a',
          shape: { type: 'sphere', radius: 0.1 },
          mass: 1,
          position: [-1, 0.5, 0],
          linearVelocity: [5, 0, 0],
        },
        { name: 'b', shape: { type: 'sphere', radius: 0.15 }, mass: 1, position: [0, 0, 0] },
      ],
    });
    const v = validity(scene, ['a.position.y']);
    const w = v.validWithin!;
    // x_A = −1 + 5·dt·t reaches 0 at t = 200
    expect(w.decision).toBe('step 200: a/b approach');
    const margin = buildModel(scene).contact.margin;
    expect(w.margin).toBeCloseTo(0.5 - 0.25 - margin, 9);
    expect(w.distance).toBeCloseTo(0.5 - 0.25 - margin, 9);
    expect(v.decisions[0].flipAt['a.position.y']).toBeCloseTo(0.5 - w.distance, 9);
    expectFlipAt(scene, 'a.position.y', -1, w.distance);
  });

  it('rides the gradient: the same radius from gradient() as from validity(), the gradient itself unchanged', () => {
    const scene = dropScene('soft', 100, { type: 'sphere', radius: 0.1 });
    const withRadius = gradient(scene, 'ball.position.z', ['ball.position.z']);
    const without = gradient(scene, 'ball.position.z', ['ball.position.z'], { validity: false });
    expect(withRadius.grad).toEqual(without.grad);
    expect(withRadius.validWithin?.decision).toBe('step 99: ground/ball approach');
    expect(withRadius.validWithin?.distance).toBe(validity(scene, ['ball.position.z']).validWithin?.distance);
  });
});
