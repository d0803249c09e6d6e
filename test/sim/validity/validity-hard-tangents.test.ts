// Hard mode's validity radius from one tangent rollout (the hard Stepper's tangent-forward
// carrying every margin's tangents: sim/hard/decisions-tangent.ts, and one-step differences
// on the steps that place an impact) against the P + 1 plain rollouts it replaces, and
// riding the gradient's forward pass; the closed-form checks of the radius (the issue's
// reproducers: a ball 19 µm above the ground at the last step, gap/(dz/dz0)) are in
// validity.test.ts, which now runs on this path.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gradient } from '../../../sim/gradient.ts';
import { parseSceneText } from '../../../sim/scene.ts';
import { validity, validityRide } from '../../../sim/validity.ts';
import { expectSameRadii } from './same-radii.ts';
import { validityCases } from './validity-cases.ts';

describe('hard mode: validWithin by tangents equals validWithin by differences', () => {
  for (const c of validityCases()) {
    if (c.scene.contact.mode !== 'hard') continue;
    // the nearest two decisions, not the whole list: the impulse margins λ_n·W_nn of redundant
    // contacts (a box's corners) split λ̇ by the minimum norm where the solver's differences
    // follow its own split (the tipping box's later corners differ by ~5 %), the same v̇⁺ either way
    it(`${c.name} along ${c.wrt}`, () => expectSameRadii(c.scene, [c.wrt], 1e-4, 2));
  }
});

describe("hard mode: validWithin riding the gradient's forward pass", () => {
  it('billiards (300 steps): the same gradient, kinks and report as a gradient and a tangent rollout apart', () => {
    const billiards = parseSceneText(readFileSync(new URL('../../../scenes/billiards.json', import.meta.url), 'utf8'));
    const wrt = ['cue', 'ball1'].flatMap((b) => [`${b}.linearVelocity.x`, `${b}.linearVelocity.y`]);
    const scene = { ...billiards, steps: 300, contact: { ...billiards.contact, mode: 'hard' as const } };
    expect(validityRide(scene, wrt)).not.toBeNull();
    const riding = gradient(scene, 'cue.position.x', wrt, { validity: true });
    const alone = gradient(scene, 'cue.position.x', wrt, { validity: false });
    expect(riding.value).toBe(alone.value);
    // the riding gradient is the carried columns' (driver/tangent-columns.ts), the other the
    // reverse pass's: the same J, summed in another order
    const size = Math.max(...Object.values(alone.grad).map(Math.abs));
    expect(size).toBeGreaterThan(0);
    for (const p of wrt) expect(Math.abs(riding.grad[p] - alone.grad[p])).toBeLessThanOrEqual(1e-13 * size);
    const labelsMargins = (r: typeof alone) => r.kinks.map((k) => [k.label, k.margin]).sort();
    expect(labelsMargins(riding)).toEqual(labelsMargins(alone));
    const v = validity(scene, wrt, { distancesOf: alone.kinks.map((k) => k.label) });
    expect(riding.validWithin).toEqual(v.validWithin);
    expect(riding.decisions).toEqual(v.decisions);
  });
});
