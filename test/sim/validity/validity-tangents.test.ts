// The validity radius from one tangent rollout (the margins' tangents carried by the
// Stepper's tangent-forward) against the same radius from P + 1 plain rollouts (one-sided
// differences of every margin, the method it replaces in penalty and soft mode): the same
// decisions at the same distances, to the differences' accuracy.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScene, parseSceneText, type Scene } from '../../../sim/scene.ts';
import { gradient } from '../../../sim/gradient.ts';
import { validity, validityRide } from '../../../sim/validity.ts';
import { expectSameRadii } from './same-radii.ts';
import { validityCases } from './validity-cases.ts';

describe('validWithin by tangents equals validWithin by differences', () => {
  for (const c of validityCases()) {
    if (c.scene.contact.mode === 'hard' || c.name.includes('box–box')) continue;
    it(`${c.name} along ${c.wrt}`, () => expectSameRadii(c.scene, [c.wrt], 1e-4));
  }

  it('billiards break (400 steps, soft): 8 initial velocities', () => {
    const scene = parseSceneText(readFileSync(new URL('../../../scenes/billiards.json', import.meta.url), 'utf8'));
    const wrt = ['cue', 'ball1', 'ball2', 'ball3'].flatMap((b) => [`${b}.linearVelocity.x`, `${b}.linearVelocity.y`]);
    // 1e-3: the one-sided differences (step 1e-7 of |θ|) of margins that curve along θ
    // after a few hundred steps of contacts differ from the tangents by up to ~2e-4 here
    expectSameRadii({ ...scene, steps: 400 }, wrt, 1e-3);
  });

  it('a ball on the ground in penalty mode, along its radius, mass, stiffness and friction', () => {
    const scene = parseScene({
      dt: 0.001,
      steps: 150,
      contact: { mode: 'penalty', stiffness: 1e4, friction: 0.3, restitution: 0.5 },
      bodies: [
        { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } },
        {
          name: 'ball',
          shape: { type: 'sphere', radius: 0.1 },
          mass: 1,
          position: [0, 0, 0.12],
          linearVelocity: [0.4, 0, -1],
        },
      ],
    });
    expectSameRadii(scene, ['ball.radius', 'ball.mass', 'contact.stiffness', 'ball.friction'], 1e-3);
  });

  it('hard mode has a tangent rollout too (compared with the differences in validity-hard-tangents.test.ts)', () => {
    const hard = validityCases().find((c) => c.scene.contact.mode === 'hard') as { scene: Scene; wrt: string };
    expect(validity(hard.scene, [hard.wrt], { method: 'tangents' }).validWithin).not.toBeNull();
  });
});

describe("validWithin riding the gradient's forward pass", () => {
  const billiards = parseSceneText(readFileSync(new URL('../../../scenes/billiards.json', import.meta.url), 'utf8'));
  const wrt = ['cue', 'ball1', 'ball2', 'ball3'].flatMap((b) => [`${b}.linearVelocity.x`, `${b}.linearVelocity.y`]);
  for (const mode of ['soft', 'penalty'] as const) {
    it(`billiards (300 steps, ${mode}): the same gradient, kinks and report as a gradient and a tangent rollout apart`, () => {
      const scene = { ...billiards, steps: 300, contact: { ...billiards.contact, mode } };
      expect(validityRide(scene, wrt)).not.toBeNull();
      const riding = gradient(scene, 'cue.position.x', wrt, { validity: true });
      const alone = gradient(scene, 'cue.position.x', wrt, { validity: false });
      expect(riding.value).toBe(alone.value);
      // riding, the gradient is the carried tangents' (driver/tangent-columns.ts): J·ẋ_j against
      // the reverse pass's ȳᵀJ, the same numbers to rounding (measured ≤ 2.2e-15 of the largest here)
      const size = Math.max(...Object.values(alone.grad).map(Math.abs));
      for (const p of wrt) expect(Math.abs(riding.grad[p] - alone.grad[p])).toBeLessThanOrEqual(1e-13 * size);
      const labelsMargins = (r: typeof alone) => r.kinks.map((k) => [k.label, k.margin]).sort();
      expect(labelsMargins(riding)).toEqual(labelsMargins(alone));
      const v = validity(scene, wrt, { distancesOf: alone.kinks.map((k) => k.label) });
      expect(riding.validWithin).toEqual(v.validWithin);
      expect(riding.decisions).toEqual(v.decisions);
      for (const k of riding.kinks) expect(k.distance).toBe(v.distances?.[k.label]);
    });
  }

  it('in hard mode too (its Stepper has a tangent-forward): validity-hard-tangents.test.ts', () => {
    expect(
      validityRide({ ...billiards, steps: 10, contact: { ...billiards.contact, mode: 'hard' } }, wrt),
    ).not.toBeNull();
  });
});
