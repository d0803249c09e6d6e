// The divergence monitor's kinematic bounds (sim/sanity.ts): a body too light for its
// blow-up to move the scene's energy is reported by its speed or its distance, and the
// shipped scenes stay far below both bounds.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DivergenceError } from '../../sim/errors.ts';
import type { SceneInput } from '../../sim/scene.ts';
import { createStepData, step } from '../../sim/step.ts';
import { thrown } from '../helpers.ts';
import { monitorOf } from './sanity-helpers.ts';

const G = 9.81;

/** A 1 kg ball and a 1e-30 kg ball resting on the ground 2 m apart. */
function lightAndHeavy(extra: Partial<SceneInput> = {}): SceneInput {
  return {
    dt: 0.001,
    steps: 1000,
    contact: { mode: 'penalty' },
    bodies: [
      { name: 'ground', shape: { type: 'plane' } },
      { name: 'heavy', shape: { type: 'sphere', radius: 0.1 }, mass: 1, position: [2, 0, 0.1] },
      { name: 'light', shape: { type: 'sphere', radius: 0.1 }, mass: 1e-30, position: [0, 0, 0.1] },
    ],
    ...extra,
  };
}

describe('the blind spot of the energy balance: a light body', () => {
  it('a 1e-30 kg ball at 7e28 m holds 0.7 J, under the 21.6 J allowed (1 kg · g · 2.2 m); the distance bound reports it', () => {
    const { model, s, monitor } = monitorOf(lightAndHeavy());
    const light = model.bodyName.indexOf('light');
    s.bodyQ[7 * light + 2] = 7e28;
    // its energy m·g·h: what the energy balance sees
    expect(1e-30 * G * 7e28).toBeCloseTo(0.687, 3);
    const err = thrown(() => monitor.check(s.bodyQ, s.bodyQd, 1));
    expect(err).toBeInstanceOf(DivergenceError);
    expect(err).toMatchObject({ step: 1, body: 'light', field: 'position' });
    expect(monitor.peak).toBeLessThan(1);
    expect((err as Error).message).toMatch(
      /is 7\.00e\+28 m from where it started, more than the .* m allowed \(sanity\.speedFactor 100/,
    );
    expect((err as DivergenceError).hint).toMatch(/1\.00e-30 kg/);
  });

  it('the same ball at 1e6 m/s (5e-19 J) is reported by its speed, at the bound F·V + |g|·t and not below', () => {
    const { model, s, monitor } = monitorOf(lightAndHeavy());
    const light = model.bodyName.indexOf('light');
    // V = √(2|g|L): both balls start at rest, no overlap, no control; L = 2 m apart + 0.2 m diameter
    const V = Math.sqrt(2 * G * 2.2);
    expect(monitor.speedScale()).toBeCloseTo(V, 12);
    const bound = 100 * V + G * 0.001;
    s.bodyQd[6 * light] = bound * (1 - 1e-9);
    monitor.check(s.bodyQ, s.bodyQd, 1);
    expect(monitor.kinematicPeak).toBeCloseTo(1, 6);
    s.bodyQd[6 * light] = bound * (1 + 1e-9);
    expect(thrown(() => monitor.check(s.bodyQ, s.bodyQd, 1))).toMatchObject({ body: 'light', field: 'speed' });
    s.bodyQd[6 * light] = 1e6;
    expect(thrown(() => monitor.check(s.bodyQ, s.bodyQd, 1))).toMatchObject({ body: 'light', field: 'speed' });
  });

  it('spin counts as |ω|·r; the factor is configurable (sanity.speedFactor)', () => {
    const { model, s, monitor } = monitorOf(lightAndHeavy());
    const light = model.bodyName.indexOf('light');
    s.bodyQd[6 * light + 3] = 1e6;
    expect(thrown(() => monitor.check(s.bodyQ, s.bodyQd, 1))).toMatchObject({ body: 'light', field: 'speed' });
    const loose = monitorOf(lightAndHeavy({ sanity: { speedFactor: 1e6 } }));
    loose.s.bodyQd[6 * light + 3] = 1e6;
    loose.monitor.check(loose.s.bodyQ, loose.s.bodyQd, 1);
    expect(loose.monitor.kinematicPeak).toBeLessThan(1);
  });

  it('a free fall is never flagged: gravity adds |g|·t to the speed bound and ½|g|t² to the distance', () => {
    const { scene, model, s, monitor } = monitorOf({
      dt: 0.01,
      steps: 2000,
      bodies: [{ name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 1e-30, position: [0, 0, 0] }],
    });
    const data = createStepData(model);
    for (let t = 0; t < scene.steps; t++) {
      step(model, data, s, null, s);
      monitor.check(s.bodyQ, s.bodyQd, t + 1);
    }
    // 20 s of fall: 196 m/s and 1962 m, against a scene of 0.2 m
    expect(s.bodyQd[2]).toBeCloseTo(-G * 20, 6);
    expect(monitor.kinematicPeak).toBeLessThan(1);
  });
});

describe('no false alarm on the shipped scenes, in every contact mode', () => {
  const SCENES = ['ball-drop', 'billiards', 'bounce-to-target', 'box-slide', 'capsule-roll', 'bounce-wrong-hump'];
  for (const name of SCENES) {
    it(`${name}: both kinematic bounds stay below 0.1 of their limit, the penetration bound below 0.2`, () => {
      for (const mode of ['soft', 'penalty', 'hard'] as const) {
        const raw = JSON.parse(
          readFileSync(new URL(`../../scenes/${name}.json`, import.meta.url), 'utf8'),
        ) as SceneInput;
        const { scene, model, s, monitor } = monitorOf({ ...raw, contact: { ...raw.contact, mode } });
        const data = createStepData(model);
        for (let t = 0; t < Math.min(scene.steps, 1500); t++) {
          step(model, data, s, null, s);
          monitor.check(s.bodyQ, s.bodyQd, t + 1, data.contacts);
        }
        // measured: 0.0044 (billiards) to 0.022 (ball-drop)
        expect(monitor.kinematicPeak, mode).toBeLessThan(0.1);
        // measured: 0 (every plane contact, most scenes) to 0.084 (billiards, penalty)
        expect(monitor.penetrationPeak, mode).toBeLessThan(0.2);
      }
    });
  }
});
