/**
 * `Math.hypot(x, y)` bit for bit, without its cost: V8's builtin allocates an array of the
 * arguments on every call (~150 ns a call on the hard decision report, which takes two a
 * contact a step: 5 of its 8 µs a billiards step). Margins computed before keep their bits
 * (kink reports and the validity radius compare them), so this repeats V8's operations:
 * normalize by the larger magnitude, sum the squares, √ and scale back
 * (v8/src/builtins/math.tq `MathHypot`). test/sim/math/hypot.test.ts compares it with
 * `Math.hypot` itself, Object.is, over random and edge-case inputs.
 *
 * @example
 * hypot2(3, 4); // 5, as Math.hypot(3, 4)
 */
export function hypot2(x: number, y: number): number {
  const ax = Math.abs(x),
    ay = Math.abs(y);
  if (ax === Infinity || ay === Infinity) return Infinity;
  if (ax !== ax || ay !== ay) return NaN;
  const max = ax > ay ? ax : ay;
  if (max === 0) return 0;
  // V8 Kahan-sums the normalized squares; with two terms the compensation after the first is 0
  const nx = ax / max,
    ny = ay / max;
  return Math.sqrt(nx * nx + ny * ny) * max;
}
