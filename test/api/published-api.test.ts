// A published figure through the public API alone: Zhong et al. 2023's single-collision
// optimum (0.3115), by a plain-JavaScript script that imports only from 'diffcontact'
// (resolved to api/index.ts here by vitest.config.ts; the package test runs the same
// script against the installed tarball with plain node).
import { describe, expect, it } from 'vitest';
// @ts-expect-error a plain-JavaScript script without types
import { OPTIMUM, solve } from '../package/zhong-single.mjs';

describe("Zhong et al. 2023 through import { objective, ad } from 'diffcontact'", () => {
  it('single collision: L-BFGS over the 480 per-step forces reaches the analytic optimum 0.3115 within 1 %', () => {
    const r = solve() as { start: number; loss: number; replayed: number; optimum: number };
    expect(r.start).toBeGreaterThan(1); // a real descent
    expect(Math.abs(r.loss - OPTIMUM) / OPTIMUM, JSON.stringify(r)).toBeLessThan(0.01);
    // the objective's value is the plain simulator's at the same controls
    expect(r.replayed).toBeCloseTo(r.loss, 9);
  }, 180_000);
});
