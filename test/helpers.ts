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
