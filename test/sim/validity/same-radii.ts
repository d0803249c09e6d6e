// validWithin by tangents against validWithin by differences: the comparison the validity
// tangent tests share.
import { expect } from 'vitest';
import type { Scene } from '../../../sim/scene.ts';
import { validity } from '../../../sim/validity.ts';

/** Relative difference, with distances that are both infinite counted as equal. */
export function rel(a: number, b: number): number {
  if (a === b) return 0;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
}

/**
 * validWithin by one tangent rollout and by P + 1 plain rollouts agree to `rtol`: the
 * distance, each parameter's, and the nearest `listed` decisions' distances (ties may list
 * in either order; default: the whole list).
 */
export function expectSameRadii(scene: Scene, wrt: string[], rtol: number, listed = Infinity): void {
  const t = validity(scene, wrt, { method: 'tangents' });
  const d = validity(scene, wrt, { method: 'differences' });
  expect(t.validWithin).not.toBeNull();
  expect(rel(t.validWithin?.distance as number, d.validWithin?.distance as number)).toBeLessThan(rtol);
  for (const p of wrt) {
    const a = t.validWithin?.byParameter[p]?.distance ?? Infinity;
    const b = d.validWithin?.byParameter[p]?.distance ?? Infinity;
    expect(rel(a, b), `${p}: ${a} vs ${b}`).toBeLessThan(rtol);
  }
  const tk = t.decisions.slice(0, listed).map((x) => x.distance);
  const dk = d.decisions.slice(0, listed).map((x) => x.distance);
  tk.forEach((v, i) => expect(rel(v, dk[i]), `decision ${i}`).toBeLessThan(rtol));
}
