// The ad/ examples in docs/examples run as a user runs them (`import { ad } from
// 'diffcontact'`, resolved to the sources here) and print what they claim: each printed
// figure is checked against its closed form, which the example does not compute with ad.
import { afterEach, describe, expect, it, vi } from 'vitest';

/** Import an example script (plain JavaScript, untyped) and return the JSON it prints. */
async function runExample<R>(file: string): Promise<R> {
  const printed: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => void printed.push(line));
  const path: string = `../../docs/examples/${file}`;
  await import(/* @vite-ignore */ path);
  expect(printed).toHaveLength(1);
  return JSON.parse(printed[0]) as R;
}

afterEach(() => vi.restoreAllMocks());

describe('docs/examples', () => {
  it('implicit-kepler.mjs: customRoot and customFixedPoint give the closed-form derivatives of Kepler’s equation', async () => {
    const r = await runExample<{
      E: number;
      residual: number;
      grad: number[];
      fixedPointGrad: number[];
      closedForm: number[];
    }>('implicit-kepler.mjs');
    expect(Math.abs(r.residual)).toBeLessThan(1e-12);
    // ∂E/∂M = 1/(1 − e cos E), ∂E/∂e = sin E/(1 − e cos E), at M = 1.2, e = 0.6
    const [M, e] = [1.2, 0.6];
    expect(r.E - e * Math.sin(r.E)).toBeCloseTo(M, 12);
    const exact = [1 / (1 - e * Math.cos(r.E)), Math.sin(r.E) / (1 - e * Math.cos(r.E))];
    for (const grad of [r.grad, r.fixedPointGrad]) {
      expect(grad[0]).toBeCloseTo(exact[0], 12);
      expect(grad[1]).toBeCloseTo(exact[1], 12);
    }
  });

  it('checkpointed-oscillator.mjs: the scan’s gradient is the plain loop’s, bit for bit, matches the continuous solution, and stores √T states', async () => {
    const r = await runExample<{
      value: number;
      grad: number[];
      plainGrad: number[];
      closedForm: number[];
      stats: { segmentLength: number; segments: number; storedStates: number; recomputedSteps: number };
      tapeGrowthMB: { checkpointed: number; plain: number };
    }>('checkpointed-oscillator.mjs');
    // JSON round-trips doubles exactly, so equal strings are equal bits
    expect(r.grad.map(String)).toEqual(r.plainGrad.map(String));
    // semi-implicit Euler at dt = 1 ms is first order: within 1 % of the continuous
    // solution's derivatives over 20 s (x(T) itself is within 0.4 %)
    const [x0, k, c, T] = [1, 4, 0.2, 20];
    const w = Math.sqrt(k - (c * c) / 4);
    const xT = x0 * Math.exp((-c * T) / 2) * (Math.cos(w * T) + (c / (2 * w)) * Math.sin(w * T));
    expect(Math.abs(r.value - xT)).toBeLessThan(0.01 * Math.abs(xT));
    for (let j = 0; j < 3; j++) {
      expect(Math.abs(r.grad[j] - r.closedForm[j]), `component ${j}`).toBeLessThan(0.01 * Math.abs(r.closedForm[j]));
    }
    // ∂x(T)/∂x₀ = x(T)/x₀ for a linear system: the example's closed form says so too
    expect(r.closedForm[0]).toBeCloseTo(xT / x0, 12);
    const steps = 20_000;
    expect(r.stats.segmentLength).toBe(Math.ceil(Math.sqrt(steps)));
    expect(r.stats.storedStates).toBe(Math.ceil(steps / r.stats.segmentLength));
    expect(r.stats.recomputedSteps).toBe(steps);
  });

  it('soft-sort.mjs: the soft sort’s value and gradient tend to the hard sort’s as τ → 0, within the documented bound', async () => {
    const r = await runExample<{ soft: { tau: number; value: number; grad: number[] }[] }>('soft-sort.mjs');
    const x = [0.3, 1.7, -0.4, 0.9];
    const w = [4, 3, 2, 1];
    // sorted descending: 1.7, 0.9, 0.3, −0.4; ∂L/∂xⱼ is the weight of xⱼ's rank
    const hardValue = 4 * 1.7 + 3 * 0.9 + 2 * 0.3 + 1 * -0.4;
    const hardGrad = [2, 4, 1, 3];
    const [n, gap, spread] = [x.length, 0.6, 1.7 - -0.4];
    let previous = Infinity;
    for (const { tau, value, grad } of r.soft) {
      const bound = (n - 1) * Math.exp(-gap / tau) * spread * w.reduce((a, b) => a + b, 0);
      expect(Math.abs(value - hardValue), `τ = ${tau}`).toBeLessThanOrEqual(bound);
      const gradError = Math.max(...grad.map((g, j) => Math.abs(g - hardGrad[j])));
      expect(gradError, `τ = ${tau}`).toBeLessThan(previous);
      previous = gradError;
    }
    expect(previous).toBeLessThan(1e-9);
  });
});
