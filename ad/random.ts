/**
 * A small seeded pseudo-random generator for stochastic relaxations (Gumbel-softmax) and
 * for reproducible test points: xoshiro128** 1.0 (Blackman & Vigna, 2018; reference
 * `xoshiro128starstar.c` at prng.di.unimi.it), 128 bits of state, period 2¹²⁸ − 1.
 *
 * Nothing here is global: every stream is an object built from an explicit seed, so the
 * same seed gives the same numbers on every run and machine (the design's "no hidden
 * state"). Not for cryptography.
 */

/** 2⁻⁵²: the spacing of the 52-bit grid `uniform()` samples from. */
const INV_2_POW_52 = 2 ** -52;
/** 2³²: the second word's weight when two 32-bit outputs make one 52-bit integer. */
const TWO_POW_32 = 2 ** 32;

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A stream of random numbers, as the stochastic relaxations take it. */
export interface Rng {
  /** integer in [0, 2³²) */
  nextUint32(): number;
  /** uniform on the open interval (0, 1) */
  uniform(): number;
  /** standard normal */
  normal(): number;
  /** standard Gumbel */
  gumbel(): number;
}

/**
 * The xoshiro128** generator on an explicit 128-bit state (four 32-bit words).
 *
 * @example
 * const rng = seededRng(42);
 * const u = rng.uniform(); // in (0, 1)
 * const g = rng.gumbel();  // standard Gumbel sample
 */
export class Xoshiro128StarStar implements Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Start from the state words `state[0..3]` (uint32 each, not all zero). */
  constructor(state: readonly number[]) {
    if (state.length !== 4) throw new RangeError(`xoshiro128**: state needs 4 words, got ${state.length}`);
    for (const w of state) {
      if (!Number.isInteger(w) || w < 0 || w > 0xffffffff)
        throw new RangeError(`xoshiro128**: state word ${w} is not a uint32`);
    }
    if (state.every((w) => w === 0)) throw new RangeError('xoshiro128**: the all-zero state is a fixed point');
    [this.s0, this.s1, this.s2, this.s3] = state;
  }

  /** The next 32-bit output, as an integer in [0, 2³²). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /**
   * Uniform on the open interval (0, 1): the midpoints of a 2⁵² grid, so neither 0 nor 1
   * is ever returned and `log(u)`, `log(1 − u)` are always finite.
   */
  uniform(): number {
    // 20 high bits of one output and all 32 of the next make a 52-bit integer k
    const hi = this.nextUint32() >>> 12;
    const lo = this.nextUint32();
    return (hi * TWO_POW_32 + lo + 0.5) * INV_2_POW_52;
  }

  /** Standard normal sample (Box–Muller, cosine branch; two uniforms per call). */
  normal(): number {
    const u = this.uniform();
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Standard Gumbel sample −log(−log U): mean γ ≈ 0.5772, variance π²/6. */
  gumbel(): number {
    return -Math.log(-Math.log(this.uniform()));
  }
}

/**
 * A xoshiro128** stream from an integer seed. The seed is taken modulo 2³² and expanded
 * into the four state words by a splitmix-style mixer (golden-ratio increment, then an
 * xorshift–multiply finalizer), so nearby seeds give unrelated streams.
 *
 * @example
 * const a = seededRng(7), b = seededRng(7);
 * a.uniform() === b.uniform(); // true: same seed, same stream
 */
export function seededRng(seed: number): Xoshiro128StarStar {
  if (!Number.isInteger(seed)) throw new RangeError(`seededRng: seed must be an integer, got ${seed}`);
  // 2³² · (golden ratio − 1): the Weyl increment of splitmix
  const GOLDEN_GAMMA = 0x9e3779b9;
  let x = seed >>> 0;
  const state: number[] = [];
  for (let j = 0; j < 4; j++) {
    x = (x + GOLDEN_GAMMA) >>> 0;
    let z = x;
    // finalizer constants from Wellons' hash-prospector (low-bias 32-bit mixer)
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    state.push((z ^ (z >>> 15)) >>> 0);
  }
  // the mixer is a bijection and its four inputs differ, so at most one word is zero
  return new Xoshiro128StarStar(state);
}
