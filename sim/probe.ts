/**
 * The local probe (docs/design.md "Sweeps and continuity", `diffcontact grad --probe R`): what
 * a gradient means at one point of a non-smooth program.
 *
 * 1. One-sided directional derivatives along ±each parameter, by second-order one-sided
 *    finite differences of the plain simulator with steps R·2^{−k} down to R·2^{−levels}
 *    (one-sided.ts), and a test of whether the value jumps (the difference quotients blow
 *    up as the step shrinks).
 *    Why not forward mode: the rollout primitive has no JVP rule, so `ad.jvp` through it
 *    builds the tangent from 13n pullbacks, and a pullback differentiates the branch the
 *    forward pass took (relu'(0) = 0 at a contact onset): it would return the same branch
 *    derivative as the gradient, not the two one-sided limits. The plain simulator costs
 *    ~1/4 of a gradient, so 2(levels+1) runs per parameter are cheap and give true
 *    one-sided slopes at resolution R·2^{−levels}.
 * 2. AD gradients at `samples` points drawn uniformly in the ball of radius R around the
 *    point (seeded, reproducible) plus the point itself; their componentwise [min, max]
 *    estimates the Clarke generalized gradient over the ball (the convex hull of nearby
 *    gradients: [−1, 1] for |x| at 0).
 * 3. A verdict: `discontinuous` if the value jumps along some ±direction, else `kink` if
 *    some parameter's one-sided derivatives differ by more than their error, else
 *    `smooth`; with the kink events `gradient()` recorded at the point (pair, kind, step).
 *    The verdict is about the point: a `smooth` one whose ball holds gradients spread
 *    wider than {@link ROUGH_SPREAD} of its slopes says so in its reason.
 * The radius is in each parameter's own unit (one ball for all parameters): probe
 * parameters of one kind together, or at a radius that is small for all of them.
 */
import { seededRng } from '../ad/random.ts';
import { oneSided, type OneSided } from './one-sided.ts';
import { sceneFunction, type Kink, type PointGradient } from './scene-function.ts';
import { sweepFunction } from './sweep.ts';
import type { ValidWithin } from './validity.ts';
import type { Scene } from './scene.ts';

/** Default number of gradient samples in the ball (each costs one gradient). */
export const DEFAULT_SAMPLES = 16;

/** Default halvings of the finite-difference step: the finest step is R/256. */
export const DEFAULT_PROBE_LEVELS = 8;

/**
 * Default noise floor of the value, in the quantity's unit (m, m/s, …): the rollout's
 * rounding error is ~1e-15 of the state's scale (metres, metres per second), far below
 * this, while physical jumps (an impact) are orders of magnitude above it.
 */
export const DEFAULT_VALUE_TOL = 1e-10;

/**
 * One-sided slopes that differ by less than this share of the larger one (plus their
 * error estimates and the value noise over the step) count as equal.
 */
export const KINK_RTOL = 1e-3;

/**
 * A smooth verdict adds a warning when the gradients sampled in the ball spread wider than
 * this share of the one-sided slopes at the point: a smooth function's gradient changes by
 * 2R·|f''| over the ball, far less at a radius small enough to probe with.
 */
export const ROUGH_SPREAD = 0.25;

/** What the probe concludes about the point. */
export type Verdict = 'smooth' | 'kink' | 'discontinuous';

/** Probe settings. */
export interface ProbeSettings {
  /** R, in the parameters' units: ball radius and largest finite-difference step */
  radius: number;
  /** gradient samples in the ball (default {@link DEFAULT_SAMPLES}) */
  samples?: number;
  /** seed of the sample points (default 1) */
  seed?: number;
  /** halvings of the step (default {@link DEFAULT_PROBE_LEVELS}, ≥ 2) */
  levels?: number;
  /** value noise floor (default {@link DEFAULT_VALUE_TOL}) */
  valueTol?: number;
}

/** The probe of a function of parameter vectors, per parameter index. */
export interface LocalProbe {
  /** about the whole ball of radius R */
  verdict: Verdict;
  /** about the point alone: from its one-sided derivatives and value (the probe's old verdict) */
  atPoint: Verdict;
  /** the decisions that flip within R by their first-order distance, nearest first */
  flipsWithin: ProbedDecision[];
  /** what the line sweeps through the ball found */
  lines: LineFinding[];
  /** one line saying why */
  reason: string;
  /** value at the point */
  value: number;
  /** AD gradient at the point (the branch derivative when at a kink) */
  grad: number[];
  /** [right, left] derivative along each parameter, both as slopes along +x */
  directional: [number, number][];
  /** componentwise [min, max] of the AD gradients sampled in the ball */
  range: [number, number][];
  /** non-smooth decisions near their boundary at the point, nearest first */
  kinks: Kink[];
}

/** A function the probe can examine: plain value and AD gradient of a parameter vector. */
export interface ProbedFunction {
  value(x: readonly number[]): number;
  gradient(x: readonly number[]): PointGradient;
  /** the decisions nearest to flipping at x, nearest first, with where they flip (sim/validity.ts) */
  decisions?(x: readonly number[]): ProbedDecision[];
}

/** A decision as the probe reads it: its first-order distance and flip point. */
export interface ProbedDecision {
  label: string;
  distance: number;
  flipAt: number[];
}

/** Grid points of a line sweep through the ball (each one gradient; refinement adds more). */
export const LINE_POINTS = 5;

/** Bisection depth of a line sweep: the finest interval is R / (LINE_POINTS − 1) / 2^LINE_LEVELS. */
export const LINE_LEVELS = 10;

/** What sampling along one line through the ball found. */
export interface LineFinding {
  /** why this line: towards a decision's predicted flip, or the most different sampled gradient */
  towards: string;
  /** unit direction in parameter space */
  direction: number[];
  /** distances along it of the gradient jumps and value jumps that persist under refinement */
  gradientJumps: { at: number; size: number }[];
  valueJumps: { at: number; size: number }[];
}

/** A point uniform in the ball of radius r around x (direction from normals, radius r·u^{1/n}). */
function pointInBall(x: readonly number[], r: number, rng: ReturnType<typeof seededRng>): number[] {
  const dir = x.map(() => rng.normal());
  const norm = Math.hypot(...dir);
  const scale = (r * rng.uniform() ** (1 / x.length)) / (norm > 0 ? norm : 1);
  return x.map((v, j) => v + scale * dir[j]);
}

function sidesDiffer(right: OneSided, left: OneSided, valueTol: number): boolean {
  const noise = (2 * valueTol) / right.step;
  const tol =
    KINK_RTOL * Math.max(Math.abs(right.slope), Math.abs(left.slope)) + 4 * (right.error + left.error) + noise;
  return Math.abs(right.slope - left.slope) > tol;
}

function fmt(v: number): string {
  return Number(v.toPrecision(4)).toString();
}

/**
 * Probe `f` at `x` (module comment): one-sided derivatives, the gradient range over the
 * ball of radius `radius`, and a verdict. `names` label the parameters in the reason.
 *
 * @example
 * const abs = { value: ([x]: readonly number[]) => Math.abs(x),
 *               gradient: ([x]: readonly number[]) => ({ value: Math.abs(x), grad: [Math.sign(x)], kinks: [] }) };
 * probeFunction(abs, [0], { radius: 1e-3 }); // verdict 'kink', directional [[1, −1]], range [[−1, 1]]
 */
export function probeFunction(
  f: ProbedFunction,
  x: readonly number[],
  opts: ProbeSettings,
  names?: readonly string[],
): LocalProbe {
  const { radius } = opts;
  const samples = opts.samples ?? DEFAULT_SAMPLES;
  const levels = opts.levels ?? DEFAULT_PROBE_LEVELS;
  const valueTol = opts.valueTol ?? DEFAULT_VALUE_TOL;
  if (!(radius > 0) || !Number.isFinite(radius))
    throw new RangeError(`probe: radius must be a finite number > 0, got ${radius}`);
  if (!Number.isInteger(samples) || samples < 0)
    throw new RangeError(`probe: samples must be a whole number >= 0, got ${samples}`);
  const label = (j: number) => names?.[j] ?? `x[${j}]`;

  const centre = f.gradient(x);
  const phi0 = f.value(x);
  // one-sided slopes and jump tests along ±each parameter
  const sides = x.map((_, j) => {
    const phi = (s: number) => f.value(x.map((v, i) => (i === j ? v + s : v)));
    return [
      oneSided(phi, phi0, 1, radius, levels, valueTol),
      oneSided(phi, phi0, -1, radius, levels, valueTol),
    ] as const;
  });
  // gradients in the ball
  const rng = seededRng(opts.seed ?? 1);
  const range: [number, number][] = centre.grad.map((g) => [g, g]);
  for (let s = 0; s < samples; s++) {
    const g = f.gradient(pointInBall(x, radius, rng)).grad;
    g.forEach((v, j) => (range[j] = [Math.min(range[j][0], v), Math.max(range[j][1], v)]));
  }

  let verdict: Verdict = 'smooth';
  let reason = 'one-sided derivatives agree along every parameter and the value is continuous at the point';
  const jumping = sides.flatMap(([right, left], j) =>
    [right, left]
      .filter((side) => side.valueJump !== null)
      .map((side) => ({ j, side, sign: side === right ? '+' : '−' })),
  );
  const differing = sides.findIndex(([right, left]) => sidesDiffer(right, left, valueTol));
  if (jumping.length > 0) {
    const { j, side, sign } = jumping[0];
    verdict = 'discontinuous';
    reason = `the value jumps by ${fmt(side.valueJump as number)} along ${sign}${label(j)} within ${fmt(side.step)}: difference quotients blow up as the step shrinks`;
  } else if (differing >= 0) {
    const [right, left] = sides[differing];
    verdict = 'kink';
    reason = `one-sided derivatives along ${label(differing)} differ: right ${fmt(right.slope)}, left ${fmt(left.slope)} (the value is continuous)`;
  }
  const atPoint = verdict;
  const ball = judgeBall(f, x, opts, centre.grad, range, label);
  if (verdict !== 'discontinuous' && ball.verdict !== 'smooth') {
    if (ball.verdict === 'discontinuous' || verdict === 'smooth') {
      reason = verdict === 'smooth' ? `${ball.reason} (at the point itself: ${reason})` : `${reason}; ${ball.reason}`;
      verdict = ball.verdict;
    } else reason = `${reason}; ${ball.reason}`;
  } else if (verdict === 'smooth') {
    reason = `${ball.reason}; ${reason}`;
  }
  return {
    verdict,
    atPoint,
    flipsWithin: ball.flipsWithin,
    lines: ball.lines,
    reason,
    value: centre.value,
    grad: centre.grad,
    directional: sides.map(([right, left]) => [right.slope, left.slope]),
    range,
    kinks: centre.kinks,
  };
}

/**
 * The verdict on the ball of radius R around x: `smooth` only if no decision flips within
 * R (by the first-order distances, sim/validity.ts) and sampling agrees; else the lines
 * from x towards the nearest flip (and towards the most different sampled gradient) are
 * swept, and the verdict is `discontinuous` if the value jumps on one, else `kink`.
 */
function judgeBall(
  f: ProbedFunction,
  x: readonly number[],
  opts: ProbeSettings,
  grad: readonly number[],
  range: readonly [number, number][],
  label: (j: number) => string,
): { verdict: Verdict; reason: string; flipsWithin: ProbedDecision[]; lines: LineFinding[] } {
  const { radius } = opts;
  const flipsWithin = (f.decisions?.(x) ?? []).filter((d) => d.distance <= radius);
  const directions: { towards: string; direction: number[] }[] = [];
  const nearest = flipsWithin[0];
  if (nearest !== undefined) {
    const step = nearest.flipAt.map((v, j) => v - x[j]);
    const norm = Math.hypot(...step);
    if (norm > 0) directions.push({ towards: nearest.label, direction: step.map((v) => v / norm) });
  }
  // sampled gradients spread wider than a smooth function's would: sweep that way too
  const rough = range.findIndex(
    ([lo, hi], j) => hi - lo > ROUGH_SPREAD * Math.max(Math.abs(grad[j]), Number.MIN_VALUE),
  );
  if (rough >= 0 && directions.length === 0) {
    const [lo, hi] = range[rough];
    const sign = Math.abs(hi - grad[rough]) >= Math.abs(lo - grad[rough]) ? 1 : -1;
    directions.push({
      towards: `the sampled gradients along ${label(rough)} (span [${fmt(lo)}, ${fmt(hi)}])`,
      direction: x.map((_, j) => (j === rough ? sign : 0)),
    });
    directions.push({
      towards: `the sampled gradients along −${label(rough)}`,
      direction: x.map((_, j) => (j === rough ? -sign : 0)),
    });
  }
  const lines = directions.map(({ towards, direction }) => {
    const along = (s: number) => x.map((v, j) => v + s * direction[j]);
    const swept = sweepFunction(
      {
        gradient: (s) => {
          const g = f.gradient(along(s));
          return { value: g.value, grad: g.grad.reduce((sum, v, j) => sum + v * direction[j], 0), kinks: g.kinks };
        },
        value: (s) => f.value(along(s)),
      },
      { from: 0, to: radius, n: LINE_POINTS, levels: LINE_LEVELS },
    );
    return {
      towards,
      direction,
      gradientJumps: swept.jumps.map((j) => ({ at: j.at, size: j.size })),
      valueJumps: swept.valueJumps.map((j) => ({ at: j.at, size: j.size })),
    };
  });
  const valueJump = lines.flatMap((l) => l.valueJumps.map((j) => ({ ...j, l })))[0];
  const gradJump = lines.flatMap((l) => l.gradientJumps.map((j) => ({ ...j, l })))[0];
  const flip =
    nearest === undefined
      ? ''
      : `${nearest.label} flips ${fmt(nearest.distance)} away (first order), within R = ${fmt(radius)}`;
  if (valueJump !== undefined) {
    return {
      verdict: 'discontinuous',
      reason: `the value jumps by ${fmt(valueJump.size)} at ${fmt(valueJump.at)} towards ${valueJump.l.towards}${flip ? `; ${flip}` : ''}`,
      flipsWithin,
      lines,
    };
  }
  if (gradJump !== undefined) {
    return {
      verdict: 'kink',
      reason: `the gradient jumps by ${fmt(gradJump.size)} at ${fmt(gradJump.at)} towards ${gradJump.l.towards}, the value is continuous${flip ? `; ${flip}` : ''}`,
      flipsWithin,
      lines,
    };
  }
  if (nearest !== undefined) {
    return {
      verdict: 'kink',
      reason: `${flip}; sampling along it saw neither the gradient nor the value jump (its effect on the quantity is below the sweep's tolerance)`,
      flipsWithin,
      lines,
    };
  }
  const sampled =
    rough >= 0
      ? `AD gradients within R span [${fmt(range[rough][0])}, ${fmt(range[rough][1])}] along ${label(rough)}, but no jump survives refinement along it`
      : 'the sampled gradients agree';
  const why = f.decisions === undefined ? sampled : `no decision flips within R = ${fmt(radius)} and ${sampled}`;
  return { verdict: 'smooth', reason: why, flipsWithin, lines };
}

/** What to probe in a scene. */
export interface ProbeOptions extends ProbeSettings {
  /** final-state quantity, one component (e.g. `ball.position.z`) */
  of: string;
  /** parameters (e.g. `ball.position.z`, `contact.stiffness`) */
  wrt: readonly string[];
  /** kinks reported by `gradient()` within this margin (default 1e-3, see sim/gradient.ts) */
  kinkTol?: number;
}

/** The local probe (`LocalProbe`) of a scene, keyed by parameter path as written. */
export interface ProbeResult {
  /** about the whole ball of radius R (smooth only if no decision flips within it) */
  verdict: Verdict;
  /** about the point alone, from its one-sided derivatives */
  atPoint: Verdict;
  reason: string;
  /** the gradient's validity radius at the point (sim/validity.ts) */
  validWithin: ValidWithin | null;
  /** decisions that flip within R: label, first-order distance, predicted flip point by path */
  flipsWithin: { label: string; distance: number; flipAt: Record<string, number> }[];
  value: number;
  grad: Record<string, number>;
  /** `[d+, d−]`: the right and left derivatives, both as slopes along +parameter */
  directional: Record<string, [number, number]>;
  /** [min, max] of each gradient component over the ball (a Clarke-gradient estimate) */
  range: Record<string, [number, number]>;
  kinks: Kink[];
}

/**
 * Probe the gradient of `of` w.r.t. `wrt` at the scene's own parameter values, within
 * radius R (module comment). The scene is not modified.
 *
 * @example
 * // a ball that touches the ground exactly at the last step, penalty contact
 * const p = probe(scene, { of: 'ball.linearVelocity.z', wrt: ['ball.position.z'], radius: 1e-4 });
 * p.verdict;                         // 'kink'
 * p.directional['ball.position.z'];  // [0, −k·dt/m]: out of contact above, in contact below
 */
export function probe(scene: Scene, opts: ProbeOptions): ProbeResult {
  const f = sceneFunction(scene, opts.of, opts.wrt, { kinkTol: opts.kinkTol });
  const atCentre = f.validity(f.x0);
  const probed: ProbedFunction = {
    value: f.value,
    gradient: f.gradient,
    // the centre's decisions (computed once): the ball is judged from the point
    decisions: () =>
      atCentre.decisions.map((d) => ({ label: d.label, distance: d.distance, flipAt: f.wrt.map((p) => d.flipAt[p]) })),
  };
  const local = probeFunction(probed, f.x0, opts, f.wrt);
  const byPath = <T>(values: readonly T[]): Record<string, T> =>
    Object.fromEntries(f.wrt.map((p, j) => [p, values[j]]));
  return {
    verdict: local.verdict,
    atPoint: local.atPoint,
    reason: local.reason,
    validWithin: atCentre.validWithin,
    flipsWithin: local.flipsWithin.map((d) => ({ label: d.label, distance: d.distance, flipAt: byPath(d.flipAt) })),
    value: local.value,
    grad: byPath(local.grad),
    directional: byPath(local.directional),
    range: byPath(local.range),
    kinks: local.kinks,
  };
}
