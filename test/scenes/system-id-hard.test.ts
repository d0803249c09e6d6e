// system-id in hard mode: the AD gradient of the trajectory loss with respect to mass,
// friction and restitution agrees with central finite differences of the plain hard
// simulator, restitution has no effect on the soft and penalty models (their bounce comes
// from damping), and plain L-BFGS in hard mode recovers all three values from the
// documented poor initial guess, judged against the true values.
import { describe, expect, it } from 'vitest';
import { optimize } from '../../scenes/optimize/driver.ts';
import { systemId, TRUTH } from '../../scenes/optimize/system-id.ts';

describe('system-id: mass, friction and restitution from a trajectory observed in hard mode', () => {
  const problem = systemId('test');
  const hard = { mode: 'hard' as const, temperature: problem.scene.contact.temperature };

  it('the hard-mode gradient matches central differences of the plain simulator', () => {
    // the true mass and friction with a wrong restitution: every parameter moves the loss,
    // and no contact decision is near its boundary, so FD is valid. The one report is the box
    // landing on its corners in one step ("impact beside contacts": the other corners' impulses
    // act over the whole step, a first-order convention): its margin is the 14 µm the box
    // travels between the impact and the step boundary, which none of these parameters moves
    // (the fall does not depend on them), and the FD check below holds across it
    const x = [TRUTH.mass, TRUTH.friction, 0.3];
    const { value, grad, kinks } = problem.lossAndGrad(x, hard);
    expect(kinks.filter((k) => !k.label.endsWith('impact beside contacts'))).toEqual([]);
    expect(value).toBeCloseTo(problem.value(x, hard), 15);
    // h = 1e-6: measured FD agreement with h from 1e-7 to 1e-5 is ~1e-6 relative
    const h = 1e-6;
    grad.forEach((g, j) => {
      const up = x.slice();
      const down = x.slice();
      up[j] += h;
      down[j] -= h;
      const fd = (problem.value(up, hard) - problem.value(down, hard)) / (2 * h);
      expect(Math.abs(g - fd)).toBeLessThanOrEqual(1e-4 * Math.abs(fd));
    });
  });

  it('restitution enters the penalty and soft models too (their dashpots follow it): every gradient is nonzero there', () => {
    for (const mode of ['penalty', 'soft'] as const) {
      const { grad } = problem.lossAndGrad(problem.x0, { mode, temperature: problem.scene.contact.temperature });
      expect(Math.abs(grad[2]), mode).toBeGreaterThan(0);
      expect(Math.abs(grad[0]) + Math.abs(grad[1])).toBeGreaterThan(0);
    }
  });

  it('plain L-BFGS in hard mode recovers all three within 2 % (verified against the truth)', async () => {
    const run = await optimize(problem, { strategy: 'plain', mode: 'hard' });
    expect(run.initial.miss).toBeGreaterThan(5 * problem.tolerance);
    expect(run.verification.success).toBe(true);
    const [mass, friction, restitution] = run.result.x;
    expect(Math.abs(mass / TRUTH.mass - 1)).toBeLessThanOrEqual(problem.tolerance);
    expect(Math.abs(friction / TRUTH.friction - 1)).toBeLessThanOrEqual(problem.tolerance);
    expect(Math.abs(restitution / TRUTH.restitution - 1)).toBeLessThanOrEqual(problem.tolerance);
  });
});
