/**
 * Sweeps and continuity reports (docs/design.md "Sweeps and continuity"): value, AD gradient
 * and finite-difference gradient of one final-state number over a grid of one parameter,
 * per contact mode, and the gradient jumps found by refining the grid.
 *
 * Jump detection by refinement. Between neighbouring points whose AD gradients differ by
 * more than `jumpTol`, bisect: evaluate the gradient at the midpoint and keep the half
 * whose ends differ more, `levels` times (the finest interval is spacing / 2^levels).
 *   - the difference falls to `jumpTol` or below: steep but continuous (a smooth gradient
 *     changes by about L·width over an interval, so halving the interval halves it);
 *   - it is still above `jumpTol` at the finest level and did not shrink over the last two
 *     halvings (ratio ≥ {@link PERSISTENCE}): a jump. Its location is the finest
 *     interval's midpoint, its size the gradient difference across it, and its kinks the
 *     non-smooth decisions `gradient()` recorded at the two ends (pair, kind and step);
 *   - still above `jumpTol` but shrinking: continuous too, steeper than the grid resolves.
 * A feature narrower than the finest interval cannot be told from a jump: the report gives
 * each jump's interval, which is the resolution of that claim. One flagged grid interval
 * yields at most one jump (the one the bisection leads to): jumps closer together than
 * the grid spacing need a finer grid (a larger `n`) to be told apart. Following every half
 * instead would cost ~|Δgrad|/jumpTol evaluations per steep but smooth interval.
 *
 * The finite-difference gradient is central, on the plain (tape-free) simulator, with step
 * spacing/8 ({@link FD_STEP_FRACTION}): it compares AD with the secant slope at the grid's
 * own scale. Where the value jumps within ±spacing/8 it spikes (about jump / (spacing/4));
 * at a kink of the value it averages the two one-sided slopes. That is deliberate: fdGrad
 * answers "what does a finite step of the grid's size see", AD "what does the branch
 * taken at this point say".
 */
import type { ContactMode } from './model.ts';
import { sceneFunction, type Kink } from './scene-function.ts';
import type { Scene } from './scene.ts';

/** Default bisection depth: the finest interval is spacing / 4096. */
export const DEFAULT_LEVELS = 12;

/** Default jump tolerance, relative to the largest |AD gradient| on the grid. */
export const DEFAULT_RELATIVE_JUMP_TOL = 0.01;

/**
 * Floor of the default jump tolerance (in the gradient's unit): a gradient that is zero
 * everywhere would otherwise flag rounding noise.
 */
export const JUMP_TOL_FLOOR = 1e-9;

/** A gradient difference that keeps at least this share over two halvings persists (a smooth one keeps ~1/4). */
export const PERSISTENCE = 0.5;

/** Central-difference step of fdGrad, as a share of the grid spacing. */
export const FD_STEP_FRACTION = 1 / 8;

/** Default value-jump tolerance, relative to the range of the value on the grid. */
export const DEFAULT_RELATIVE_VALUE_TOL = 1e-3;

/** Floor of the value-jump tolerance, in the value's unit (far above rounding, ~1e-15 of metres). */
export const VALUE_TOL_FLOOR = 1e-10;

/** Kinks listed per jump (nearest to their boundary first). */
export const KINKS_PER_JUMP = 5;

/** A gradient jump found by refinement. */
export interface SweepJump {
  /** parameter value of the jump: midpoint of the finest interval */
  at: number;
  /** AD gradient after minus before the jump */
  size: number;
  /** the non-smooth decisions recorded at the interval's ends: those that moved across it first, nearest first */
  kinks: Kink[];
  /** the finest interval [a, b] that still holds the jump: its width is the resolution */
  interval: [number, number];
  /** value after minus before, across the interval (≈ 0 when only the gradient jumps) */
  valueJump: number;
  /** the decision that flips inside the interval (scene sweeps), or null when none recorded does */
  cause?: JumpCause | null;
}

/**
 * The decision behind a jump: of the decisions nearest to flipping at the interval's two
 * ends (sim/validity.ts), the one whose predicted flip lies nearest the jump, if it lies
 * within {@link CAUSE_SLACK} interval widths of it (or a tenth of its distance from the
 * end, the first-order prediction's own error).
 */
export interface JumpCause {
  /** `step t: A/B kind` */
  decision: string;
  kind: string;
  step: number;
  /** where the first-order model puts the flip, in the parameter */
  flipAt: number;
}

/** Interval widths within which a predicted flip counts as the cause of a jump. */
export const CAUSE_SLACK = 4;

/**
 * A jump of the value found by refinement: where the secant of the value between two
 * points disagrees with their AD gradients by more than a smooth (or kinked) function
 * could, at every scale down to the finest interval.
 */
export interface ValueJump {
  /** parameter value of the jump: midpoint of the finest interval */
  at: number;
  /** value after minus before, across the finest interval */
  size: number;
  /** the finest interval [a, b] that still holds the jump */
  interval: [number, number];
  /** the non-smooth decisions recorded at the interval's ends, as for {@link SweepJump} */
  kinks: Kink[];
  /** the decision that flips inside the interval (scene sweeps), or null when none recorded does */
  cause?: JumpCause | null;
}

/**
 * A saw-tooth: teeth of one sign repeating along the sweep while the value between them
 * runs the other way (e.g. the final height of a ball that loses or gains one step of
 * contact as the parameter moves). A tooth is either a value jump (`kind: 'jumps'`) or,
 * where the value stays continuous, a flank: a short stretch between two gradient jumps
 * on which the value runs against the sweep's mean slope (`kind: 'flanks'`; a penalty
 * contact's damping ramp, crossed within one step, makes one every time the first
 * contact step moves by one).
 */
export interface SawTooth {
  /** value jumps, or continuous flanks between gradient jumps */
  kind: 'jumps' | 'flanks';
  /** number of teeth in it */
  teeth: number;
  /** mean tooth size: the jump, or the value's change across the flank (signed, in the value's unit) */
  meanJump: number;
  /** mean spacing of the teeth, in the parameter's unit */
  meanPeriod: number;
  /** where the teeth are (the jumps' `at`, the flanks' midpoints) */
  at: number[];
  /** flanks only: each one's ends and the decisions that flip there (the bounding gradient jumps' causes) */
  flanks?: SawFlank[];
}

/** One continuous tooth of a saw-tooth: where it starts and ends, and what flips at each end. */
export interface SawFlank {
  /** the gradient jumps that bound it (their `at`) */
  from: number;
  to: number;
  /** value change across it */
  rise: number;
  /** the decisions that flip at its start and end (null where none recorded does) */
  causes: [JumpCause | null, JumpCause | null];
}

/** The sweep of one contact mode: grid, values, gradients, jumps. */
export interface ModeSweep {
  /** the grid: n points from `from` to `to` */
  x: number[];
  /** the quantity's final value at each grid point */
  value: number[];
  /** AD gradient at each grid point */
  grad: number[];
  /** central finite difference of the plain simulator, step spacing/8 */
  fdGrad: number[];
  /** gradient jumps that persist under refinement, by position */
  jumps: SweepJump[];
  /** value jumps that persist under refinement, by position (a gradient jump may sit at the same place) */
  valueJumps: ValueJump[];
  /** value jumps repeating as a saw-tooth, or null */
  sawTooth: SawTooth | null;
  /**
   * largest |Δgrad / Δx| between neighbouring evaluated points (grid and refinement),
   * outside the jumps' intervals: a lower bound of the gradient's Lipschitz constant on
   * the range where it is continuous
   */
  lipschitz: number;
  /** the gradient difference that triggered refinement */
  jumpTol: number;
  /** the value residual (secant against tangents) that triggered value refinement */
  valueJumpTol: number;
}

/** The swept function: AD value/gradient/kinks and the plain value at one parameter value. */
export interface SweptFunction {
  gradient(x: number): { value: number; grad: number; kinks: Kink[] };
  value(x: number): number;
  /** the decisions nearest to flipping at x, with where they flip (sim/validity.ts); when given, jumps get a `cause` */
  decisions?(x: number): { label: string; kind: string; step: number; distance: number; flipAt: number }[];
}

/** Grid and refinement settings of a sweep. */
export interface GridOptions {
  from: number;
  to: number;
  /** number of grid points, ≥ 2 */
  n: number;
  /** gradient difference that triggers refinement (default 1 % of the largest |grad|, ≥ {@link JUMP_TOL_FLOOR}) */
  jumpTol?: number;
  /** bisection depth (default {@link DEFAULT_LEVELS}, ≥ 2) */
  levels?: number;
  /**
   * value residual |Δvalue − ½(g_a + g_b)·Δx| that triggers value refinement (default
   * {@link DEFAULT_RELATIVE_VALUE_TOL} of the value's range on the grid, ≥ {@link VALUE_TOL_FLOOR})
   */
  valueJumpTol?: number;
}

interface Sample {
  x: number;
  value: number;
  grad: number;
  kinks: Kink[];
}

/** Throw a RangeError naming the first bad grid option. */
function checkGrid(opts: GridOptions): void {
  if (!Number.isFinite(opts.from) || !Number.isFinite(opts.to) || !(opts.from < opts.to)) {
    throw new RangeError(`sweep: need finite from < to, got from ${opts.from}, to ${opts.to}`);
  }
  if (!Number.isInteger(opts.n) || opts.n < 2)
    throw new RangeError(`sweep: n must be a whole number >= 2, got ${opts.n}`);
  const levels = opts.levels ?? DEFAULT_LEVELS;
  if (!Number.isInteger(levels) || levels < 2)
    throw new RangeError(`sweep: levels must be a whole number >= 2, got ${levels}`);
  if (opts.jumpTol !== undefined && !(opts.jumpTol > 0))
    throw new RangeError(`sweep: jumpTol must be > 0, got ${opts.jumpTol}`);
  if (opts.valueJumpTol !== undefined && !(opts.valueJumpTol > 0))
    throw new RangeError(`sweep: valueJumpTol must be > 0, got ${opts.valueJumpTol}`);
}

/**
 * The kinks of a jump from those recorded at its interval's ends: one entry per label at
 * its smaller margin. Decisions that moved across the interval (recorded at one end only,
 * or at different margins) come first, nearest first: they are what changed there. A
 * decision recorded identically at both ends (a ball resting on the table from step 0)
 * does not depend on the parameter, so it comes after them.
 */
export function jumpKinks(a: readonly Kink[], b: readonly Kink[]): Kink[] {
  const atB = new Map(b.map((k) => [k.label, k.margin]));
  const byLabel = new Map<string, { margin: number; moved: boolean }>();
  for (const k of a) {
    const other = atB.get(k.label);
    byLabel.set(k.label, { margin: Math.min(k.margin, other ?? Infinity), moved: other !== k.margin });
  }
  for (const k of b) if (!byLabel.has(k.label)) byLabel.set(k.label, { margin: k.margin, moved: true });
  return [...byLabel]
    .sort(([, p], [, q]) => Number(q.moved) - Number(p.moved) || p.margin - q.margin)
    .slice(0, KINKS_PER_JUMP)
    .map(([label, { margin }]) => ({ label, margin }));
}

/**
 * Bisect [lo, hi] towards the half whose ends differ more by `measure` (module comment),
 * `levels` times. Returns the finest interval if the difference persists there (it did
 * not fall to `tol`, nor below {@link PERSISTENCE} of itself two halvings earlier), else
 * null; every evaluated midpoint goes to `samples`.
 */
function bisect(
  f: SweptFunction,
  lo: Sample,
  hi: Sample,
  measure: (a: Sample, b: Sample) => number,
  tol: number,
  levels: number,
  samples: Sample[],
): [Sample, Sample] | null {
  const diffs = [measure(lo, hi)];
  for (let level = 1; level <= levels; level++) {
    const xm = 0.5 * (lo.x + hi.x);
    // the interval is down to adjacent doubles: as fine as it gets
    if (!(xm > lo.x && xm < hi.x)) break;
    const m = { x: xm, ...f.gradient(xm) };
    samples.push(m);
    const left = measure(lo, m);
    const right = measure(m, hi);
    if (left >= right) hi = m;
    else lo = m;
    const d = Math.max(left, right);
    diffs.push(d);
    if (d <= tol) return null;
  }
  const last = diffs[diffs.length - 1];
  if (last < PERSISTENCE * diffs[Math.max(0, diffs.length - 3)]) return null;
  return [lo, hi];
}

/** |Δ AD gradient| between two samples. */
function gradientDifference(a: Sample, b: Sample): number {
  return Math.abs(b.grad - a.grad);
}

/** The gradient jump in [lo, hi], if one persists under refinement. */
function refine(
  f: SweptFunction,
  lo: Sample,
  hi: Sample,
  tol: number,
  levels: number,
  samples: Sample[],
): SweepJump | null {
  const found = bisect(f, lo, hi, gradientDifference, tol, levels, samples);
  if (found === null) return null;
  const [a, b] = found;
  return {
    at: 0.5 * (a.x + b.x),
    size: b.grad - a.grad,
    kinks: jumpKinks(a.kinks, b.kinks),
    interval: [a.x, b.x],
    valueJump: b.value - a.value,
  };
}

/** |Δvalue − ½(g_a + g_b)·Δx|: zero for a quadratic, ~|Δg|·Δx/4 across a kink, the jump across a jump. */
function residual(a: Sample, b: Sample): number {
  return Math.abs(b.value - a.value - 0.5 * (a.grad + b.grad) * (b.x - a.x));
}

/**
 * The value jump in [lo, hi], if one persists under refinement of the value residual: a
 * jump keeps its residual at every halving, a kink halves it, a smooth stretch loses 7/8
 * of it.
 */
function refineValue(
  f: SweptFunction,
  lo: Sample,
  hi: Sample,
  tol: number,
  levels: number,
  samples: Sample[],
): ValueJump | null {
  const found = bisect(f, lo, hi, residual, tol, levels, samples);
  if (found === null) return null;
  const [a, b] = found;
  return { at: 0.5 * (a.x + b.x), size: b.value - a.value, interval: [a.x, b.x], kinks: jumpKinks(a.kinks, b.kinks) };
}

/**
 * Value jumps of one sign, at least {@link SAW_TEETH} of them, against the value's slope
 * between them; else, where the value is continuous, at least as many flanks against it
 * ({@link findFlanks}).
 */
function findSawTooth(
  jumps: readonly ValueJump[],
  gradientJumps: readonly SweepJump[],
  grid: readonly Sample[],
  samples: readonly Sample[],
): SawTooth | null {
  // the sweep's mean slope: between the teeth the value runs this way
  const slope = grid.reduce((sum, s) => sum + s.grad, 0) / grid.length;
  for (const sign of [1, -1]) {
    const teeth = jumps.filter((j) => Math.sign(j.size) === sign);
    if (teeth.length < SAW_TEETH) continue;
    if (!(Math.sign(slope) === -sign)) continue;
    return teethSummary(
      'jumps',
      teeth.map((j) => j.at),
      teeth.map((j) => j.size),
    );
  }
  const flanks = findFlanks(gradientJumps, samples, slope);
  if (flanks.length < SAW_TEETH) return null;
  return {
    ...teethSummary(
      'flanks',
      flanks.map((f) => 0.5 * (f.from + f.to)),
      flanks.map((f) => f.rise),
    ),
    flanks,
  };
}

/** A saw-tooth's count, mean size and mean spacing from its teeth's places and sizes. */
function teethSummary(kind: SawTooth['kind'], at: number[], sizes: readonly number[]): SawTooth {
  return {
    kind,
    teeth: at.length,
    meanJump: sizes.reduce((sum, v) => sum + v, 0) / sizes.length,
    meanPeriod: (at[at.length - 1] - at[0]) / (at.length - 1),
    at,
  };
}

/**
 * Stretches between gradient jumps on which the AD gradient has the sign opposite to the
 * sweep's mean `slope`: each starts at a jump after which the gradient runs against the
 * slope and ends at the first later jump after which it runs with it. The gradient on a
 * stretch is read at the evaluated sample just after its starting jump (the right end of
 * that jump's finest interval); the rise is the value change between the samples just
 * inside the two jumps. `samples` sorted by x.
 */
function findFlanks(jumps: readonly SweepJump[], samples: readonly Sample[], slope: number): SawFlank[] {
  if (!(slope !== 0) || jumps.length < 2) return [];
  const at = (x: number) => samples.find((s) => s.x === x);
  const sorted = [...jumps].sort((a, b) => a.at - b.at);
  const flanks: SawFlank[] = [];
  let start: SweepJump | null = null;
  for (const j of sorted) {
    const after = at(j.interval[1]);
    if (after === undefined) continue;
    const against = Math.sign(after.grad) === -Math.sign(slope);
    if (start === null && against) start = j;
    else if (start !== null && !against) {
      const a = at(start.interval[1]),
        b = at(j.interval[0]);
      if (a !== undefined && b !== undefined)
        flanks.push({
          from: start.at,
          to: j.at,
          rise: b.value - a.value,
          causes: [start.cause ?? null, j.cause ?? null],
        });
      start = null;
    }
  }
  // teeth point one way: keep those whose rise runs against the slope
  return flanks.filter((f) => Math.sign(f.rise) === -Math.sign(slope));
}

/** The decision that flips inside a jump's interval ({@link JumpCause}), or null. */
function causeOf(f: SweptFunction, jump: { at: number; interval: [number, number] }): JumpCause | null {
  const [a, b] = jump.interval;
  const width = b - a;
  let best: JumpCause | null = null;
  let bestOff = Infinity;
  for (const x of [a, b]) {
    for (const d of f.decisions?.(x) ?? []) {
      const off = Math.abs(d.flipAt - jump.at);
      if (off < bestOff && off <= Math.max(CAUSE_SLACK * width, 0.1 * d.distance)) {
        bestOff = off;
        best = { decision: d.label, kind: d.kind, step: d.step, flipAt: d.flipAt };
      }
    }
  }
  return best;
}

/** Jumps of one sign needed to call a saw-tooth. */
export const SAW_TEETH = 2;

/**
 * Sweep any scalar function of one parameter: values, AD and FD gradients on the grid,
 * then jumps by refinement (module comment). {@link sweep} applies it to a scene.
 *
 * @example
 * // |x − 0.3| has a gradient jump of 2 at 0.3
 * const f = { value: (x: number) => Math.abs(x - 0.3),
 *             gradient: (x: number) => ({ value: Math.abs(x - 0.3), grad: Math.sign(x - 0.3), kinks: [] }) };
 * sweepFunction(f, { from: 0, to: 1, n: 11 }).jumps; // [{ at ≈ 0.3, size ≈ 2, … }]
 */
export function sweepFunction(f: SweptFunction, opts: GridOptions): ModeSweep {
  checkGrid(opts);
  const { from, to, n } = opts;
  const levels = opts.levels ?? DEFAULT_LEVELS;
  const spacing = (to - from) / (n - 1);
  const fdStep = FD_STEP_FRACTION * spacing;
  const grid: Sample[] = [];
  const fdGrad: number[] = [];
  for (let i = 0; i < n; i++) {
    // the last point exactly at `to`, not from + (n−1)·spacing rounded
    const x = i === n - 1 ? to : from + i * spacing;
    grid.push({ x, ...f.gradient(x) });
    fdGrad.push((f.value(x + fdStep) - f.value(x - fdStep)) / (2 * fdStep));
  }
  const largest = Math.max(...grid.map((s) => Math.abs(s.grad)));
  const jumpTol = opts.jumpTol ?? Math.max(DEFAULT_RELATIVE_JUMP_TOL * largest, JUMP_TOL_FLOOR);

  // refine every grid interval whose gradient difference exceeds the tolerance
  const samples = [...grid];
  const jumps: SweepJump[] = [];
  for (let i = 0; i + 1 < n; i++) {
    if (!(Math.abs(grid[i + 1].grad - grid[i].grad) > jumpTol)) continue;
    const jump = refine(f, grid[i], grid[i + 1], jumpTol, levels, samples);
    if (jump !== null) jumps.push(jump);
  }

  // value jumps: intervals whose secant disagrees with their tangents
  const values = grid.map((g) => g.value);
  const valueRange = Math.max(...values) - Math.min(...values);
  const valueJumpTol = opts.valueJumpTol ?? Math.max(DEFAULT_RELATIVE_VALUE_TOL * valueRange, VALUE_TOL_FLOOR);
  const valueJumps: ValueJump[] = [];
  for (let i = 0; i + 1 < n; i++) {
    if (!(residual(grid[i], grid[i + 1]) > valueJumpTol)) continue;
    const jump = refineValue(f, grid[i], grid[i + 1], valueJumpTol, levels, samples);
    if (jump !== null) valueJumps.push(jump);
  }

  if (f.decisions !== undefined) {
    for (const j of [...jumps, ...valueJumps]) j.cause = causeOf(f, j);
  }

  // Lipschitz estimate over neighbouring evaluated points, skipping the jumps themselves
  samples.sort((a, b) => a.x - b.x);
  const insideJump = (a: number, b: number) =>
    [...jumps, ...valueJumps].some((j) => j.interval[0] === a && j.interval[1] === b);
  let lipschitz = 0;
  for (let i = 0; i + 1 < samples.length; i++) {
    const a = samples[i];
    const b = samples[i + 1];
    if (b.x > a.x && !insideJump(a.x, b.x)) lipschitz = Math.max(lipschitz, Math.abs(b.grad - a.grad) / (b.x - a.x));
  }
  return {
    x: grid.map((s) => s.x),
    value: grid.map((s) => s.value),
    grad: grid.map((s) => s.grad),
    fdGrad,
    jumps,
    valueJumps,
    sawTooth: findSawTooth(valueJumps, jumps, grid, samples),
    lipschitz,
    jumpTol,
    valueJumpTol,
  };
}

/** What to sweep: one quantity, one parameter, a range, the contact modes. */
export interface SweepOptions extends GridOptions {
  /** final-state quantity, one component (e.g. `ball.position.z`) */
  of: string;
  /** the swept parameter (e.g. `ball.position.z`, `contact.stiffness`) */
  wrt: string;
  /** contact modes to sweep (default: the scene's own mode) */
  modes?: readonly ContactMode[];
  /** kinks reported by `gradient()` within this margin (default 1e-3, see sim/gradient.ts) */
  kinkTol?: number;
}

/** A sweep's result: one {@link ModeSweep} per requested mode, in the order asked. */
export type SweepResult = Partial<Record<ContactMode, ModeSweep>>;

/**
 * Sweep `of` over `wrt ∈ [from, to]` on `n` points for each contact mode: value, AD
 * gradient, FD gradient and the gradient jumps that survive refinement, each with the
 * kink events (step, pair, kind) recorded next to it. The scene is not modified.
 *
 * @example
 * // a ball falling for 0.3 s, dropped from around the height where it just touches
 * const r = sweep(scene, { of: 'ball.linearVelocity.z', wrt: 'ball.position.z',
 *                          from: 0.5, to: 0.6, n: 21, modes: ['penalty', 'soft'] });
 * r.penalty?.jumps; // [{ at, size, kinks: [{ label: 'step 299: ground/ball onset', … }], … }, …]
 * r.soft?.jumps;    // []
 */
export function sweep(scene: Scene, opts: SweepOptions): SweepResult {
  checkGrid(opts);
  const modes = [...new Set(opts.modes ?? [scene.contact.mode])];
  // check every mode (paths, availability) before sweeping any
  const functions = modes.map((mode) => {
    const moded = { ...scene, contact: { ...scene.contact, mode } };
    return sceneFunction(moded, opts.of, [opts.wrt], { kinkTol: opts.kinkTol });
  });
  const out: SweepResult = {};
  modes.forEach((mode, k) => {
    const f = functions[k];
    out[mode] = sweepFunction(
      {
        gradient: (x) => {
          const r = f.gradient([x]);
          return { value: r.value, grad: r.grad[0], kinks: r.kinks };
        },
        value: (x) => f.value([x]),
        decisions: (x) => f.validity([x]).decisions.map((d) => ({ ...d, flipAt: d.flipAt[f.wrt[0]] })),
      },
      opts,
    );
  });
  return out;
}

/** The continuity part of a sweep: per mode, its jumps and the Lipschitz estimate. */
export type ContinuityReport = Partial<
  Record<ContactMode, Pick<ModeSweep, 'jumps' | 'valueJumps' | 'sawTooth' | 'lipschitz' | 'jumpTol'>>
>;

/**
 * {@link sweep} reduced to what it says about continuity: per mode, the gradient jumps
 * that persist under refinement (with their kinks) and the Lipschitz estimate elsewhere.
 *
 * @example
 * const report = continuityReport(scene, { of: 'ball.position.z', wrt: 'ball.position.z',
 *                                          from: 0.5, to: 0.6, n: 21, modes: ['soft'] });
 * report.soft?.jumps.length; // 0: smoothed contact, continuous gradient
 */
export function continuityReport(scene: Scene, opts: SweepOptions): ContinuityReport {
  const out: ContinuityReport = {};
  for (const [mode, s] of Object.entries(sweep(scene, opts)) as [ContactMode, ModeSweep][]) {
    const { jumps, valueJumps, sawTooth, lipschitz, jumpTol } = s;
    out[mode] = { jumps, valueJumps, sawTooth, lipschitz, jumpTol };
  }
  return out;
}
