// Shared test helpers.

/**
 * `n` deterministic points spread over (lo, hi): the golden-ratio (Weyl) sequence,
 * offset by `seed`. Low-discrepancy, so a handful of points covers the interval evenly.
 */
export function spreadPoints(n: number, lo: number, hi: number, seed = 0): number[] {
  const golden = 0.6180339887498949;
  const out: number[] = [];
  for (let k = 1; k <= n; k++) {
    const u = (seed * 0.1234567 + k * golden) % 1;
    out.push(lo + (hi - lo) * (0.05 + 0.9 * u));
  }
  return out;
}

/** The error `f` throws, or null when it returns: for checking an error's fields. */
export function thrown(f: () => void): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  return null;
}

/** Central difference (f(x + h·e_i) − f(x − h·e_i)) / 2h of f at x along coordinate i. */
export function centralDerivative(f: (x: number[]) => number, x: readonly number[], i: number, h = 1e-6): number {
  const up = x.slice(),
    down = x.slice();
  up[i] += h;
  down[i] -= h;
  return (f(up) - f(down)) / (2 * h);
}
