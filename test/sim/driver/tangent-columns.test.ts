// The rollout as a primitive of the parameters whose tangents ride its forward pass
// (sim/driver/tangent-columns.ts): what `gradient()` runs in every contact mode when
// it computes `validWithin`. Against the closed form of free flight, against the reverse
// pass through the steps (the same J: two independent derivative codes), and its guards.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as ad from '../../../ad/index.ts';
import { buildModel, initialState } from '../../../sim/builder.ts';
import { gradient, quantityLossGradient } from '../../../sim/gradient.ts';
import { rolloutColumnsPrimitive, rolloutInputs } from '../../../sim/rollout.ts';
import { parseSceneText, type Scene } from '../../../sim/scene.ts';
import { validityRide } from '../../../sim/validity.ts';
import { dropScene } from '../onset-scenes.ts';

/** Steps of the drops: 0.2 s, far from the ground from 10 m up. */
const STEPS = 200;
const DROP_WRT = ['ball.linearVelocity.z', 'ball.position.z', 'ball.mass'];

describe('the rollout as a primitive of the riding parameters', () => {
  it('free flight: ∂z_T/∂v_z0 = T·dt, ∂z_T/∂z_0 = 1, and the mass moves nothing (semi-implicit Euler, closed form)', () => {
    const scene = dropScene(10, 'soft', { steps: STEPS });
    expect(validityRide(scene, DROP_WRT)).not.toBeNull();
    const r = gradient(scene, 'ball.position.z', DROP_WRT);
    expect(r.validWithin).toBeDefined();
    expect(r.grad['ball.linearVelocity.z']).toBeCloseTo(STEPS * scene.dt, 13);
    expect(r.grad['ball.position.z']).toBeCloseTo(1, 14);
    expect(r.grad['ball.mass']).toBe(0);
  });

  const billiards = parseSceneText(readFileSync(new URL('../../../scenes/billiards.json', import.meta.url), 'utf8'));
  // the cue ball's derived inputs (inverse mass and inertia from mass and radius), a contact scalar, a friction
  const wrt = ['cue.mass', 'cue.radius', 'contact.stiffness', 'cue.friction', 'ball1.linearVelocity.x'];
  // hard: 150 steps include the break, whose steps place impacts (their rows from the hand pullback)
  for (const mode of ['soft', 'penalty', 'hard'] as const) {
    it(`billiards (150 steps, ${mode}): the columns' gradient is the reverse pass's, for a whole-vector loss and a path named twice`, () => {
      const scene = { ...billiards, steps: 150, contact: { ...billiards.contact, mode } };
      const named = [...wrt, 'cue.mass'];
      expect(validityRide(scene, named)).not.toBeNull();
      const target = [0.3, 0.1, 0.1];
      const loss = (q: ad.Real[]) => ad.sum(q.map((c, k) => ad.square(ad.sub(c, target[k]))));
      const riding = quantityLossGradient(scene, 'ball1.position', named, loss, { validity: true });
      const alone = quantityLossGradient(scene, 'ball1.position', named, loss, { validity: false });
      expect(riding.value).toBe(alone.value);
      // the same kinks (riding, ranked by their distances rather than their margins)
      const labelsMargins = (r: typeof alone) => r.kinks.map((k) => [k.label, k.margin]).sort();
      expect(labelsMargins(riding)).toEqual(labelsMargins(alone));
      const size = Math.max(...Object.values(alone.grad).map(Math.abs));
      expect(size).toBeGreaterThan(0);
      for (const p of wrt) expect(Math.abs(riding.grad[p] - alone.grad[p])).toBeLessThanOrEqual(1e-13 * size);
    });
  }

  it('is used in every contact mode (its tangents are the exact J), and evaluates once', () => {
    const columnsOf = (scene: Scene) => {
      const model = buildModel(scene);
      const ride = validityRide(scene, DROP_WRT.slice(0, 2));
      return rolloutColumnsPrimitive({ model, steps: scene.steps, forwardTangents: ride?.forwardTangents });
    };
    expect(columnsOf(dropScene(1, 'hard', { steps: 5 }))).not.toBeNull();
    const scene = dropScene(1, 'soft', { steps: 5 });
    const columns = columnsOf(scene);
    expect(columns).not.toBeNull();
    const model = buildModel(scene);
    const state0 = initialState(model, scene);
    const x = Array.from(rolloutInputs({ model, steps: 5 }, state0.bodyQ, state0.bodyQd));
    // the ball's final height (body 1's z)
    const run = () => ad.valueAndGrad((theta) => (columns as NonNullable<typeof columns>)(theta, x)[9], [0, 1]);
    run();
    expect(run).toThrow(/one evaluation/);
  });
});
