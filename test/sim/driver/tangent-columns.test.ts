// The rollout as a primitive of the parameters whose tangents ride its forward pass
// (sim/driver/tangent-columns.ts): what `gradient()` runs in penalty and soft mode when
// it computes `validWithin`. Against the closed form of free flight, against the reverse
// pass through the steps (the same J: two independent derivative codes), and its guards.
import { describe, expect, it } from 'vitest';
import * as ad from '../../../ad/index.ts';
import { buildModel, initialState } from '../../../sim/builder.ts';
import { gradient, quantityLossGradient } from '../../../sim/gradient.ts';
import { rolloutColumnsPrimitive, rolloutInputs } from '../../../sim/rollout.ts';
import { parseScene, type Scene } from '../../../sim/scene.ts';
import { validityRide } from '../../../sim/validity.ts';

const DT = 0.001;

/** Two balls that collide on the ground (plane–sphere and sphere–sphere contacts, friction, spin). */
function pair(mode: 'soft' | 'penalty' | 'hard', steps = 150): Scene {
  return parseScene({
    dt: DT,
    steps,
    contact: { mode, stiffness: 1e4, friction: 0.5, restitution: 0.5 },
    bodies: [
      { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } },
      {
        name: 'a',
        shape: { type: 'sphere', radius: 0.1 },
        mass: 1,
        position: [0, 0, 0.105],
        linearVelocity: [1.5, 0, -0.5],
        angularVelocity: [0, 3, 1],
      },
      { name: 'b', shape: { type: 'sphere', radius: 0.1 }, mass: 2, position: [0.25, 0.02, 0.1], restitution: 0.6 },
    ],
  });
}

const WRT = ['a.linearVelocity.x', 'a.linearVelocity.z', 'a.mass', 'b.radius', 'contact.stiffness', 'a.friction'];

describe('the rollout as a primitive of the riding parameters', () => {
  it('free flight: ∂z_T/∂v_z0 = T·dt, ∂z_T/∂z_0 = 1, and the mass moves nothing (semi-implicit Euler, closed form)', () => {
    const steps = 200;
    const scene = parseScene({
      dt: DT,
      steps,
      contact: { mode: 'soft' },
      bodies: [
        { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: -10 } },
        {
          name: 'ball',
          shape: { type: 'sphere', radius: 0.1 },
          mass: 1,
          position: [0, 0, 1],
          linearVelocity: [0, 0, 2],
        },
      ],
    });
    const r = gradient(scene, 'ball.position.z', ['ball.linearVelocity.z', 'ball.position.z', 'ball.mass']);
    expect(r.validWithin).toBeDefined();
    expect(r.grad['ball.linearVelocity.z']).toBeCloseTo(steps * DT, 13);
    expect(r.grad['ball.position.z']).toBeCloseTo(1, 14);
    expect(r.grad['ball.mass']).toBe(0);
  });

  for (const mode of ['soft', 'penalty'] as const) {
    it(`${mode}: the columns' gradient is the reverse pass's, for a whole-vector loss and a path named twice`, () => {
      const scene = pair(mode);
      const target = [0.3, 0.1, 0.1];
      const loss = (q: ad.Real[]) => ad.sum(q.map((c, k) => ad.square(ad.sub(c, target[k]))));
      const wrt = [...WRT, 'a.linearVelocity.x'];
      expect(validityRide(scene, wrt)).not.toBeNull();
      const riding = quantityLossGradient(scene, 'b.position', wrt, loss, { validity: true });
      const alone = quantityLossGradient(scene, 'b.position', wrt, loss, { validity: false });
      expect(riding.value).toBe(alone.value);
      // the same kinks (riding, ranked by their distances rather than their margins)
      const labelsMargins = (r: typeof alone) => r.kinks.map((k) => [k.label, k.margin]).sort();
      expect(labelsMargins(riding)).toEqual(labelsMargins(alone));
      const size = Math.max(...Object.values(alone.grad).map(Math.abs));
      expect(size).toBeGreaterThan(0);
      for (const p of WRT) expect(Math.abs(riding.grad[p] - alone.grad[p])).toBeLessThanOrEqual(1e-13 * size);
    });
  }

  it('is used only where the tangents are the exact J (not hard mode), and evaluates once', () => {
    const columnsOf = (scene: Scene) => {
      const model = buildModel(scene);
      const ride = validityRide(scene, WRT.slice(0, 2));
      return rolloutColumnsPrimitive({ model, steps: scene.steps, forwardTangents: ride?.forwardTangents });
    };
    expect(columnsOf(pair('hard', 5))).toBeNull();
    const scene = pair('soft', 5);
    const columns = columnsOf(scene);
    expect(columns).not.toBeNull();
    const model = buildModel(scene);
    const state0 = initialState(model, scene);
    const x = Array.from(rolloutInputs({ model, steps: 5 }, state0.bodyQ, state0.bodyQd));
    const run = () => ad.valueAndGrad((theta) => (columns as NonNullable<typeof columns>)(theta, x)[16], [1.5, -0.5]);
    run();
    expect(run).toThrow(/one evaluation/);
  });
});
