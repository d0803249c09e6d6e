// push-box in hard mode (test size: 1 s, 12 knots): the vanishing gradient. From the
// documented start (zero force, the pusher 2 cm behind the box) the hard-contact loss does
// not depend on the forces at all near x0, so its AD gradient is exactly zero and plain
// gradient descent never moves; continuation (soft stages, then a hard finish) and
// randomized smoothing in hard mode both move the box, judged by simulating in hard mode.
import { describe, expect, it } from 'vitest';
import { optimize } from '../../scenes/optimize/driver.ts';
import { pushBox } from '../../scenes/optimize/push-box.ts';

describe('push-box in hard mode: the vanishing gradient', () => {
  const problem = pushBox('test');
  const hard = { mode: 'hard' as const, temperature: problem.scene.contact.temperature };

  it('the hard-mode gradient at the start is exactly zero, and so is the change of the loss under a small push', () => {
    const { value, grad } = problem.lossAndGrad(problem.x0, hard);
    expect(grad.every((g) => g === 0)).toBe(true);
    // the zero is the truth, not a dropped derivative: 0.01 N on every knot moves the 1 kg
    // frictionless pusher ½ · 0.01 m/s² · (1 s)² = 5 mm over the horizon, so it stays 1.5 cm
    // from the box (beyond the 1 cm contact margin) and the box's trajectory is unchanged
    const nudged = problem.x0.map((_, j) => (j % 2 === 0 ? 0.01 : 0));
    expect(problem.value(nudged, hard)).toBe(value);
  });

  it('plain gradients in hard mode never leave the start', async () => {
    const run = await optimize(problem, { strategy: 'plain', mode: 'hard', iters: 5 });
    expect(run.result.x).toEqual(problem.x0);
    expect(run.verification.miss).toBe(run.initial.miss);
    expect(run.verification.success).toBe(false);
  });

  it('continuation (soft stages, then a hard L-BFGS finish) reaches the goal, verified in hard mode', async () => {
    const run = await optimize(problem, { strategy: 'anneal' });
    expect(run.result.stages[run.result.stages.length - 1].setting.mode).toBe('hard');
    expect(run.verification.mode).toBe('hard');
    expect(run.verification.miss).toBeLessThanOrEqual(problem.tolerance);
  });

  it('randomized smoothing (zeroth order) in hard mode moves the box toward the goal: loss down by half', async () => {
    const run = await optimize(problem, {
      strategy: 'smoothing',
      mode: 'hard',
      order: 'zeroth',
      iters: 60,
      threads: 2,
    });
    expect(run.result.loss[run.result.loss.length - 1]).toBeLessThan(0.5 * run.result.loss[0]);
    expect(run.verification.miss).toBeLessThan(run.initial.miss);
  });
});
