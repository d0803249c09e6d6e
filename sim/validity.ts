/**
 * The validity radius of a gradient: how far, in the parameters' own units, the
 * parameters can move before some non-smooth decision of the rollout flips.
 *
 * Every decision the steps record (sim/contact/kinks.ts for penalty and soft, sim/hard/
 * decisions.ts for hard: onset, damping clamp, stick/slip, margin entry, the restitution/
 * speculative switch that also places an impact in the step, the restitution threshold,
 * an impact beside contacts) has a margin m ≥ 0 in its
 * own unit (m or m/s) that reaches 0 where it flips. Margins of different units cannot be
 * compared with each other or with a parameter step; the first-order distance to the
 * flip can:
 *
 *   distance = |m| / ‖∇θ m‖,   and per parameter |m| / |∂m/∂θ_i|   (θ's own units)
 *
 * The tangents ∂m/∂θ_i come, in every contact mode, from ONE tangent rollout
 * (sim/driver/tangent-rollout.ts): the rollout inputs' tangents ∂x/∂θ_i (the parameters
 * written into the inputs as the gradient writes them, sim/param-inputs.ts, in forward
 * mode) are carried through every step beside the forward pass by the Stepper's
 * tangent-forward, which reports each decision with its margin's tangents; collision,
 * geometry and decisions are computed once per step, only the linearized propagation per
 * parameter. The margins are those of the plain step, in its order.
 *
 * `gradient()` does not even pay for that rollout's forward values: {@link validityRide}
 * hands the directions to the gradient's rollout primitive, whose forward pass steps through
 * the tangent-forward (driver/config.ts `forwardTangents`; same values, records and kinks).
 * In every contact mode it pays no backward pass either: the directions are the
 * parameters' own, so the final state's carried tangents are the gradient's columns and
 * the rollout enters the gradient's trace as a primitive of the parameters
 * (driver/tangent-columns.ts; the gradient equal to the reverse pass's to rounding).
 *
 * Resting contacts: a contact placed exactly at d = 0 reports onset margin 0. With a zero
 * tangent along θ (its gap does not move) it bounds nothing (distance ∞); with a nonzero
 * one the radius is 0. What can flip for a contact that stays closed is its release, the
 * impulse or force reaching 0 (hard onset λ_n·W_nn, penalty |d| and damping clamp), each with
 * its own margin. {@link rankKinksByDistance} orders a kink report by these distances.
 *
 * Hard mode's tangent-forward (sim/hard/stepper-tangent.ts) carries the margins' tangents
 * analytically on every step without a placed impact, and by a one-sided difference of
 * that one step on the rare steps that place one (a bounce, a break).
 *
 * Scenes with narrowphase feature choices (their margins' tangents are not carried) and
 * parameters that reach no rollout input (the contact margin) keep the earlier method
 * (as does `method: 'differences'`, in every mode): one extra plain rollout per
 * parameter, θ + h_i e_i with h_i = {@link TANGENT_STEP}·max(|θ_i|, 1), a one-sided
 * difference of every margin matched by decision (step, pair, kind, and the contact's
 * rank among the pair's contacts of that step): P + 1 plain rollouts for P parameters.
 * There, a soft margin entry present at θ and missing at θ + h_i flipped within h_i: its
 * distance along i is taken as h_i. Any other decision that goes missing lost the guard
 * it is evaluated under (a damping clamp or stick/slip needs its contact to press, which
 * is the onset decision, recorded with its own distance): it gets no tangent along i.
 * Approaches: the steps record decisions only for contacts within the collision margin,
 * and beyond a contact's margin entry the rollout has decisions this run cannot see. So
 * every pair that can collide and is outside the margin is watched (validity/approach.ts):
 * its gap less the margin, at the step where its distance is least (tangent rollout) or
 * its margin is least (P + 1 rollouts), is a decision `step t: A/B approach` (m). A ball
 * falling with 0.95 m to go is bounded by it, not left without a radius.
 *
 * The distance is first order: a margin that is curved along θ flips nearer or farther
 * (the tests compare it with where a fine sweep sees the gradient change).
 */
import type { RadiusSink } from './contact/kinks.ts';
import { CONTACT_KINK_KINDS, contactKinkLabel, KINK_MARGIN } from './contact/kinks.ts';
import type { ContactDecisions } from './contact/wrenches-tangent.ts';
import { GEOMETRY_DECISION_KINDS } from './contact/geometry-shared.ts';
import { buildModel, initialState } from './builder.ts';
import { parseParamPath, pathBodies, readParam, writeParam, type ParamPath } from './paths.ts';
import { parseScene, type Scene } from './scene.ts';
import { assertFiniteState, type State } from './state.ts';
import { createStepData, step } from './step.ts';
import { ApproachWatch } from './validity/approach.ts';
import { narrowphaseFeatures } from './validity/features.ts';
import { NearestDecisions } from './validity/nearest.ts';
import type { ForwardTangents } from './driver/config.ts';
import type { RolloutLayout } from './driver/inputs.ts';
import { rolloutTangents, TangentCarry, type StepMarginSink } from './driver/tangent-rollout.ts';
import type { Model } from './model.ts';
import { inputTangents } from './param-inputs.ts';
import { rolloutInputs, rolloutLayout, stepperOfMode } from './rollout.ts';

/** Relative step of the tangents' one-sided differences (of max(|θ_i|, 1), in θ_i's unit). */
export const TANGENT_STEP = 1e-7;

/** Decisions listed by distance in a validity report (the nearest ones). */
export const DECISIONS_LISTED = 10;

/** Parameters up to which `gradient()` computes the validity radius unless told not to. */
export const VALIDITY_DEFAULT_MAX_PARAMS = 8;

/** One decision of the rollout with its first-order distance to flipping. */
export interface Decision {
  /** which decision: `step t: A/B kind` (`#k` for the k-th contact of the pair that step) */
  label: string;
  step: number;
  /** the decision's kind: a contact's (onset, damping clamp, stick/slip, margin, approach, …: sim/contact/kinks.ts), hard mode's (sim/hard/decisions.ts) or a narrowphase feature choice (validity/features.ts) */
  kind: string;
  /** its margin at θ, in its own unit (m or m/s) */
  margin: number;
  /** |m| / ‖∇θ m‖ in the parameters' units (Infinity when no parameter moves it) */
  distance: number;
  /** per parameter: |m| / |∂m/∂θ_i| (Infinity when θ_i does not move it) */
  byParameter: Record<string, number>;
  /** the parameter values where the first-order model puts the flip: θ − |m| ∇|m| / ‖∇|m|‖² */
  flipAt: Record<string, number>;
  /** whether the decision's force law jumps there (soft margin entry) */
  jump: boolean;
}

/** `validWithin` of a gradient result: the nearest decision's distance, and per parameter. */
export interface ValidWithin {
  /** |m| / ‖∇θ m‖ of the nearest decision, in the parameters' units */
  distance: number;
  /** the decision that sets it (label as in {@link Decision}) */
  decision: string;
  step: number;
  kind: string;
  /** that decision's margin in its own unit */
  margin: number;
  /** per parameter: the nearest decision along that parameter alone */
  byParameter: Record<string, { distance: number; decision: string }>;
}

/** The validity report of a rollout around θ. */
export interface Validity {
  /** null when no decision can flip to first order (none recorded, or none moved by θ) */
  validWithin: ValidWithin | null;
  /** the nearest decisions, nearest first (at most {@link DECISIONS_LISTED}) */
  decisions: Decision[];
  /**
   * with `distancesOf` (labels `step t: A/B kind`, as the kink report writes them): each
   * one's distance, the nearest over the pair's contacts that step (Infinity when no
   * parameter moves it or it was not logged)
   */
  distances?: Record<string, number>;
}

/** Label strings interned to small integers, shared by the runs being compared. */
class LabelTable {
  readonly names: string[] = [];
  private readonly ids = new Map<string, number>();
  /** the id of a label seen before, or undefined */
  find(label: string): number | undefined {
    return this.ids.get(label);
  }
  id(label: string): number {
    let id = this.ids.get(label);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(label);
      this.ids.set(label, id);
    }
    return id;
  }
}

/** How much more room than predicted a growing decision log takes. */
const GROWTH_MARGIN = 1.25;

/** Largest (pair, kind) table of a decision log's label ids (Int32 entries); beyond, a map. */
const PAIR_TABLE_LIMIT = 2 ** 20;

/** Room for label ids and for contacts of one pair and kind in one step, in a decision key. */
const LABEL_SLOTS = 2 ** 20;
const RANK_SLOTS = 256;

/**
 * Every decision of one rollout: key (step, label, rank) and margin, in growable typed
 * arrays. The steps report into it as a kink sink with an infinite radius. A log made
 * with a {@link Matcher} (the runs at θ + h_i) keeps nothing: each decision is matched to
 * the base run's as it arrives and its margin written at the base's index.
 */
class DecisionLog implements RadiusSink, StepMarginSink {
  readonly radius = Infinity;
  t = 0;
  count = 0;
  /**
   * entries [0, stepOrdered) are in step order (the steps' reports); the approaches are
   * logged after the rollout (validity/approach.ts), each at its own step, after them
   */
  stepOrdered = Infinity;
  keys = new Float64Array(256);
  margins = new Float64Array(256);
  jumps = new Uint8Array(256);
  /** each entry's label as reported (the steps pass cached strings: one object per pair and kind) and its id */
  readonly labelRefs: string[] = [];
  ids = new Int32Array(256);
  /** per label id: the last step it was reported at, and how many times in that step */
  private lastStep = new Int32Array(64).fill(-1);
  private rankCount = new Int32Array(64);
  constructor(
    private readonly labels: LabelTable,
    private readonly matchInto: Matcher | null = null,
    private readonly dirs = 0,
    /** the rollout's steps, when known: a full log grows to what the steps so far predict for all */
    private readonly steps = 0,
  ) {
    this.nearest = dirs > 0 ? new NearestDecisions(dirs, DECISIONS_LISTED) : null;
  }

  /** with tangent directions: the distances and nearest decisions, kept as the tangents arrive */
  readonly nearest: NearestDecisions | null;

  /** The tangents of the margin just logged (a tangent rollout reports them after each kink). */
  tangents(mdot: Float64Array): void {
    this.nearest?.note(this.count - 1, this.margins, mdot, 0);
  }

  kink(margin: number, label = 'contact', jump = false): void {
    const m = this.matchInto;
    // a run at θ + h_i reports what the base run did, in its order: the base entry the
    // matcher expects next has the same label object, and its id (no table lookup)
    const id = m !== null && m.expectsLabel(label) ? m.expectedId() : this.labels.id(label);
    if (m !== null) {
      m.record(decisionKey(this.t, id, this.rankOf(id)), margin);
      return;
    }
    this.one[0] = margin;
    this.append(id, this.one, 0, jump);
    // the labels as reported serve a matcher's base (a plain log); a tangent log never is one
    if (this.nearest === null) this.labelRefs.push(label);
  }

  /**
   * A contact's decisions with their tangents, at once (contact/wrenches-tangent.ts): the
   * entries `kink` then `tangents` would make, label ids from a table by (pair, kind)
   * rather than by string. A log with tangents only (never a matcher's base: no labelRefs).
   */
  contactDecisions(batch: ContactDecisions): void {
    const names = batch.bodyName;
    const N = names.length;
    const slots = N * N * CONTACT_KINK_KINDS.length;
    if (this.pairNames !== names) {
      this.pairNames = names;
      this.pairIds = slots <= PAIR_TABLE_LIMIT ? new Int32Array(slots).fill(-1) : null;
      this.pairIdMap.clear();
    }
    const dirs = this.dirs;
    for (let k = 0; k < batch.count; k++) {
      const kind = batch.kinds[k];
      const slot = (batch.a * N + batch.b) * CONTACT_KINK_KINDS.length + kind;
      let id = this.pairIds !== null ? this.pairIds[slot] : (this.pairIdMap.get(slot) ?? -1);
      if (id < 0) {
        id = this.labels.id(contactKinkLabel(names, batch.a, batch.b, kind));
        if (this.pairIds !== null) this.pairIds[slot] = id;
        else this.pairIdMap.set(slot, id);
      }
      this.append(id, batch.margins, k, kind === KINK_MARGIN);
      this.nearest?.note(this.count - 1, this.margins, batch.mdot, k * dirs);
    }
  }

  /** label ids by (pair, kind) for {@link contactDecisions}: a table, or a map for many bodies */
  private pairNames: readonly string[] | null = null;
  private pairIds: Int32Array | null = null;
  private readonly pairIdMap = new Map<number, number>();

  /** one margin passed through an array (a double argument of a call V8 does not inline is boxed) */
  private readonly one = new Float64Array(1);

  /** The rank of the next decision with label `id` among the current step's with that label. */
  private rankOf(id: number): number {
    if (id >= this.lastStep.length) this.growRanks(id);
    let rank = 0;
    if (this.lastStep[id] === this.t) rank = this.rankCount[id];
    else this.lastStep[id] = this.t;
    this.rankCount[id] = rank + 1;
    return rank;
  }

  /** Log a decision with label `id` and margin `margins[k]` at the current step. */
  private append(id: number, margins: Float64Array, k: number, jump: boolean): void {
    const rank = this.rankOf(id);
    if (this.count === this.keys.length) this.grow();
    this.keys[this.count] = decisionKey(this.t, id, rank);
    this.margins[this.count] = margins[k];
    this.jumps[this.count] = jump ? 1 : 0;
    this.ids[this.count] = id;
    this.nearest?.add(this.count);
    this.count++;
  }

  private growRanks(id: number): void {
    const size = 2 * (id + 1);
    const last = new Int32Array(size).fill(-1);
    last.set(this.lastStep);
    const count = new Int32Array(size);
    count.set(this.rankCount);
    this.lastStep = last;
    this.rankCount = count;
  }

  private grow(): void {
    // twice the room, or the decisions per step so far times the steps (a quarter more):
    // one or two large buffers rather than a doubling series of them
    const predicted = this.t > 0 ? Math.ceil((GROWTH_MARGIN * this.count * this.steps) / this.t) : 0;
    const size = Math.max(2 * this.keys.length, predicted);
    const keys = new Float64Array(size);
    keys.set(this.keys);
    const margins = new Float64Array(size);
    margins.set(this.margins);
    const jumps = new Uint8Array(size);
    jumps.set(this.jumps);
    const ids = new Int32Array(size);
    ids.set(this.ids);
    this.keys = keys;
    this.margins = margins;
    this.jumps = jumps;
    this.ids = ids;
    this.nearest?.reserve(size);
  }
}

/**
 * Run the scene's rollout with the plain step, logging every decision of every step;
 * `before(t, state)` sees the state before each step (the approach watch).
 */
function logDecisions(
  scene: Scene,
  log: DecisionLog,
  before: ((t: number, state: State, model: Model) => void) | null = null,
): DecisionLog {
  const model = buildModel(scene);
  const state = initialState(model, scene);
  const data = createStepData(model);
  const features = narrowphaseFeatures(model);
  for (let t = 0; t < scene.steps; t++) {
    log.t = t;
    // the poses the step's collision pass sees (the step overwrites the state in place)
    features?.poses.set(state.bodyQ);
    before?.(t, state, model);
    step(model, data, state, null, state, log);
    if (features !== null) features.report(data.contacts, log);
    if ((t + 1) % 100 === 0 || t === scene.steps - 1) assertFiniteState(state, model, t + 1);
  }
  return log;
}

/** The scene with parameters `params` set to `x` and revalidated (a bad value is a SceneError). */
export function sceneAt(scene: Scene, params: readonly ParamPath[], x: readonly number[]): Scene {
  let s = scene;
  params.forEach((p, j) => (s = writeParam(s, p, x[j])));
  return parseScene(s);
}

/**
 * Matches the decisions of a run at θ + h_i to the base run's, writing each margin at
 * the base's index in `margins` (entries it never writes stay as they were: NaN). Runs a
 * few parameter steps apart report the same decisions in the same order, so it first
 * tries the entry after its last hit and otherwise searches the key's step only (the log
 * is in step order): linear in the log, where a Map of non-integer keys would cost more
 * than the physics.
 */
class Matcher {
  private next = 0;
  /** first[t]: index of the base's first entry at step ≥ t */
  private readonly first: Int32Array;
  constructor(
    private readonly base: DecisionLog,
    private readonly steps: number,
    readonly margins: Float64Array,
  ) {
    const first = new Int32Array(steps + 1).fill(base.count);
    for (let i = base.count - 1; i >= 0; i--) first[stepOf(base.keys[i])] = i;
    for (let t = steps - 1; t >= 0; t--) first[t] = Math.min(first[t], first[t + 1]);
    this.first = first;
  }

  /** Whether the base entry expected next was reported with this very label object. */
  expectsLabel(label: string): boolean {
    return this.next < this.base.count && this.base.labelRefs[this.next] === label;
  }

  /** The label id of the base entry expected next. */
  expectedId(): number {
    return this.base.ids[this.next];
  }

  record(key: number, margin: number): void {
    const i = this.index(key);
    if (i >= 0) this.margins[i] = margin;
  }

  /** Index of a decision key in the base log (−1 when absent). */
  private index(key: number): number {
    const log = this.base;
    if (this.next < log.count && log.keys[this.next] === key) return this.next++;
    const t = stepOf(key);
    if (t >= this.steps) return -1;
    for (let i = this.first[t]; i < this.first[t + 1]; i++) {
      if (log.keys[i] === key) {
        this.next = i + 1;
        return i;
      }
    }
    return -1;
  }
}

/** The key of a decision: step `t`, label `id`, its `rank` among the step's with that label. */
function decisionKey(t: number, id: number, rank: number): number {
  return (t * LABEL_SLOTS + id) * RANK_SLOTS + Math.min(rank, RANK_SLOTS - 1);
}

/** The step of a decision key. */
function stepOf(key: number): number {
  return Math.floor(key / (RANK_SLOTS * LABEL_SLOTS));
}

/** The kind part of a label `A/B kind`. */
function kindOf(label: string): string {
  return [...CONTACT_KINK_KINDS, ...GEOMETRY_DECISION_KINDS].find((k) => label.endsWith(` ${k}`)) ?? label;
}

/**
 * The validity report of the scene's rollout w.r.t. the parameters `wrt` (paths as
 * written), at the scene's own values: module comment. Costs one tangent rollout carrying
 * P directions (every mode), else P + 1 plain rollouts (feature choices, the margin).
 *
 * @example
 * // a ball 19 µm above the ground at the last step (hard mode)
 * validity(scene, ['ball.position.z']).validWithin;
 * // { distance: 1.9e-5, decision: 'step 199: ground/ball onset', … }
 */
export function validity(
  scene: Scene,
  wrt: readonly string[],
  opts: {
    distancesOf?: readonly string[];
    /**
     * how the margins' tangents are computed: `tangents` (one tangent rollout; the default
     * where it applies, see `tangentSlopes`) or `differences` (P + 1 plain rollouts, every mode)
     */
    method?: 'tangents' | 'differences';
  } = {},
): Validity {
  const bodies = pathBodies(scene);
  const names = [...new Set(wrt)];
  const params = names.map((p) => parseParamPath(p, bodies, '--wrt'));
  const theta = params.map((p) => readParam(scene, p));
  if (params.length === 0) {
    // no parameter moves any decision: nothing to roll out
    const distances =
      opts.distancesOf === undefined ? undefined : Object.fromEntries(opts.distancesOf.map((l) => [l, Infinity]));
    return { validWithin: null, decisions: [], ...(distances && { distances }) };
  }
  const labels = new LabelTable();
  const at = sceneAt(scene, params, theta);
  // one tangent rollout where the mode's Stepper has a tangent-forward; else P + 1 plain ones
  const tangent = opts.method === 'differences' ? null : tangentSlopes(at, params, theta, labels);
  if (tangent === null && opts.method === 'tangents') {
    throw new Error('validity: no tangent rollout for this scene (narrowphase features or the contact margin)');
  }
  if (tangent !== null) return validityReport(names, theta, labels, tangent, null, opts.distancesOf);
  // the approach watch of the base run: pairs outside the margin, the step of each one's least margin
  let watch: ApproachWatch | null = null;
  const base = logDecisions(at, new DecisionLog(labels), (t, state, model) => {
    watch ??= ApproachWatch.forMargins(model);
    watch.observeMargins(t, state);
  });
  const approaches = watch === null ? null : { watch, index: reportApproaches(watch, base) };
  // slope[i·P + j]: ∂|m_i|/∂θ_j
  const slope = differencedSlopes(scene, params, theta, labels, base, approaches);
  return validityReport(names, theta, labels, base, slope, opts.distancesOf);
}

/**
 * The validity report from a log of every decision with its margin's slopes along each
 * parameter (`slope[i·P + j]` = ∂|m_i|/∂θ_j): distances, the nearest decisions, and
 * `validWithin` (module comment).
 */
function validityReport(
  names: readonly string[],
  theta: readonly number[],
  labels: LabelTable,
  base: DecisionLog,
  slope: Float64Array | null,
  distancesOfLabels: readonly string[] | undefined,
): Validity {
  const P = names.length;
  const n = base.count;
  const opts = { distancesOf: distancesOfLabels };
  // distances, the nearest decisions and the nearest per parameter: kept by a tangent log
  // as its tangents arrived, else noted now from the slopes
  let near = base.nearest;
  if (near === null) {
    if (slope === null) throw new Error('validity: a log without tangents needs its slopes');
    near = new NearestDecisions(P, DECISIONS_LISTED);
    for (let i = 0; i < n; i++) {
      near.add(i);
      near.note(i, base.margins, slope, i * P);
    }
  }
  const nearby = near;
  const distance = near.distance;
  const distances = opts.distancesOf === undefined ? undefined : distancesOf(opts.distancesOf, base, labels, distance);
  const nearestFirst = near.nearest;
  if (nearestFirst.length === 0) return { validWithin: null, decisions: [], ...(distances && { distances }) };
  const describe = (i: number): Decision => {
    const key = base.keys[i];
    const rank = key % RANK_SLOTS;
    const rest = (key - rank) / RANK_SLOTS;
    const id = rest % LABEL_SLOTS;
    const t = (rest - id) / LABEL_SLOTS;
    const label = labels.names[id];
    const m = base.margins[i];
    const row = nearby.row(i);
    let norm2 = 0;
    for (let j = 0; j < P; j++) norm2 += row[j] ** 2;
    const byParameter: Record<string, number> = {};
    const flipAt: Record<string, number> = {};
    names.forEach((p, j) => {
      const g = row[j];
      byParameter[p] = g === 0 ? Infinity : m / Math.abs(g);
      flipAt[p] = theta[j] - (m * g) / norm2;
    });
    return {
      label: `step ${t}: ${label}${rank > 0 ? ` #${rank + 1}` : ''}`,
      step: t,
      kind: kindOf(label),
      margin: m,
      distance: distance[i],
      byParameter,
      flipAt,
      jump: base.jumps[i] === 1,
    };
  };
  const decisions = nearestFirst.map(describe);
  const nearest = decisions[0];
  const byParameter: Record<string, { distance: number; decision: string }> = {};
  const { best, bestDistance } = near;
  names.forEach((p, j) => {
    if (best[j] >= 0) byParameter[p] = { distance: bestDistance[j], decision: describe(best[j]).label };
  });
  return {
    validWithin: {
      distance: nearest.distance,
      decision: nearest.label,
      step: nearest.step,
      kind: nearest.kind,
      margin: nearest.margin,
      byParameter,
    },
    decisions,
    ...(distances && { distances }),
  };
}

/**
 * ∂|m_i|/∂θ_j of every decision of `base` by one-sided differences: one plain rollout per
 * parameter at θ + h_j e_j, matched to the base run decision by decision (module comment).
 */
function differencedSlopes(
  scene: Scene,
  params: readonly ParamPath[],
  theta: readonly number[],
  labels: LabelTable,
  base: DecisionLog,
  approaches: { watch: ApproachWatch; index: Int32Array } | null,
): Float64Array {
  const n = base.count;
  const P = params.length;
  const slope = new Float64Array(n * P);
  const steps = theta.map((v) => TANGENT_STEP * Math.max(Math.abs(v), 1));
  const moved = new Float64Array(n);
  for (let j = 0; j < P; j++) {
    const x = theta.slice();
    x[j] += steps[j];
    moved.fill(NaN);
    const movedApproach = new Float64Array(approaches?.watch.pairs ?? 0).fill(NaN);
    let watch: ApproachWatch | null = null;
    logDecisions(
      sceneAt(scene, params, x),
      new DecisionLog(labels, new Matcher(base, scene.steps, moved)),
      approaches === null
        ? null
        : (t, state, model) => {
            watch ??= ApproachWatch.forMargins(model);
            watch.measureAt(approaches.watch, t, state, movedApproach);
          },
    );
    for (let i = 0; i < n; i++) {
      const m = moved[i];
      if (!Number.isNaN(m)) slope[i * P + j] = (m - base.margins[i]) / steps[j];
      // missing at θ + h: a margin entry left the set, i.e. flipped within h; any other
      // decision lost the guard it is evaluated under (a contact's onset), which is a
      // decision of its own with its own distance
      else if (base.jumps[i] === 1) slope[i * P + j] = -base.margins[i] / steps[j];
    }
    // approaches: the pair's margin at the base's step; in contact there at θ + h: it entered within h
    approaches?.index.forEach((i, p) => {
      if (i < 0) return;
      const m = movedApproach[p];
      slope[i * P + j] = Number.isNaN(m) ? -base.margins[i] / steps[j] : (m - base.margins[i]) / steps[j];
    });
  }
  return slope;
}

/**
 * Every decision of the rollout at θ with its margin's tangents along each parameter,
 * from ONE tangent rollout (sim/driver/tangent-rollout.ts): the rollout inputs' tangents
 * ∂x/∂θ_j come from the parameters written into the inputs as the gradient writes them
 * (param-inputs.ts, in forward mode), and the steps carry them to every margin. Null
 * where this does not apply, and the caller differences plain rollouts instead: scenes
 * with narrowphase feature choices (their margins' tangents are not carried yet), and
 * parameters that reach no rollout input (the contact margin).
 */
function tangentSlopes(
  scene: Scene,
  params: readonly ParamPath[],
  theta: readonly number[],
  labels: LabelTable,
): DecisionLog | null {
  const inputs = tangentInputs(scene, params, theta);
  if (inputs === null) return null;
  const log = new DecisionLog(labels, null, params.length, scene.steps);
  const watch = approachWatch(inputs, params.length, log);
  rolloutTangents(inputs.config, stepperOfMode(scene.contact.mode), inputs.x, inputs.xdots, params.length, log, watch);
  reportApproaches(watch, log);
  return log;
}

/**
 * The rollout inputs x of the scene and their tangents ẋ_j = ∂x/∂θ_j (P × L.size), for a
 * tangent rollout; null where none applies ({@link tangentSlopes}).
 */
function tangentInputs(
  scene: Scene,
  params: readonly ParamPath[],
  theta: readonly number[],
): { config: { model: Model; steps: number }; L: RolloutLayout; x: Float64Array; xdots: Float64Array } | null {
  const model = buildModel(scene);
  if (narrowphaseFeatures(model) !== null) return null;
  const state0 = initialState(model, scene);
  const config = { model, steps: scene.steps };
  const L = rolloutLayout(model.nbody, scene.steps, 0);
  const x = rolloutInputs(config, state0.bodyQ, state0.bodyQd);
  const P = params.length;
  const xdots = inputTangents(x, L, scene, model, params, theta);
  for (let j = 0; j < P; j++) {
    let reaches = false;
    for (let k = 0; k < L.size && !reaches; k++) reaches = xdots[j * L.size + k] !== 0;
    if (!reaches) return null;
  }
  return { config, L, x, xdots };
}

/**
 * The watch over pairs outside the collision margin, for a tangent rollout of `inputs`
 * (sim/validity/approach.ts), skipping the pairs that cannot be reported beside the
 * decisions `log` already holds.
 */
function approachWatch(
  inputs: { config: { model: Model }; L: RolloutLayout; xdots: Float64Array },
  dirs: number,
  log: DecisionLog,
) {
  const watch = new ApproachWatch(
    inputs.config.model,
    dirs,
    inputs.xdots,
    inputs.L.geomSize,
    inputs.L.size,
    DECISIONS_LISTED,
  );
  watch.boundBy(log.nearest);
  return watch;
}

/**
 * Log each watched pair's nearest approach, once, after the rollout (validity/approach.ts):
 * after the steps' reports, which are in step order. Returns each approach's index in the log.
 */
function reportApproaches(watch: ApproachWatch, log: DecisionLog): Int32Array {
  log.stepOrdered = log.count;
  return watch.report(log);
}

/** The validity radius riding a gradient's forward pass ({@link validityRide}). */
export interface ValidityRide {
  /** for the gradient rollout's config: its forward pass carries the parameters' tangents */
  readonly forwardTangents: ForwardTangents;
  /** the report, once that forward pass has run (as {@link validity}'s) */
  finish(distancesOf?: readonly string[]): Validity;
}

/**
 * The validity radius of `scene` w.r.t. `wrt`, computed by the forward pass of the
 * gradient's own rollout instead of a rollout of its own: that pass steps through the
 * tangent-forward (the same values, records and kink reports) carrying the P directions,
 * so the radius costs the directions' propagation only. Null where {@link validity}
 * would not use a tangent rollout (narrowphase feature choices, a parameter that
 * reaches no rollout input): call `validity` then. The gradient's rollout must be of
 * `scene` itself, without controls.
 *
 * @example
 * const ride = validityRide(scene, wrt);
 * const run = rolloutPrimitive({ model, steps, forwardTangents: ride?.forwardTangents });
 * // … the gradient through run …
 * const v = ride?.finish() ?? validity(scene, wrt);
 */
export function validityRide(scene: Scene, wrt: readonly string[]): ValidityRide | null {
  const bodies = pathBodies(scene);
  const names = [...new Set(wrt)];
  if (names.length === 0) return null;
  const params = names.map((p) => parseParamPath(p, bodies, '--wrt'));
  const theta = params.map((p) => readParam(scene, p));
  const inputs = tangentInputs(scene, params, theta);
  if (inputs === null) return null;
  const labels = new LabelTable();
  const log = new DecisionLog(labels, null, params.length, scene.steps);
  const watch = approachWatch(inputs, params.length, log);
  const carry = new TangentCarry(inputs.L, inputs.config.model.nbody, [], inputs.xdots, params.length, log, watch);
  return {
    forwardTangents: carry,
    finish: (distancesOf) => {
      reportApproaches(watch, log);
      return validityReport(names, theta, labels, log, null, distancesOf);
    },
  };
}

/**
 * The kink report ranked by what bounds the gradient: each kink takes its distance from
 * `distances` ({@link Validity}'s, by label), and the list is sorted nearest first, the
 * kinks no parameter moves (distance Infinity) last, each group by margin. A contact
 * resting exactly at d = 0 from step 0 reports its onset with margin 0, but when the
 * parameters do not move its gap (zero tangent) it cannot flip and bounds nothing; by
 * margin alone it would lead the list and hide the decision that does move. A margin-0
 * kink the parameters do move has distance 0 and still leads. Sorts in place; returns `kinks`.
 *
 * @example
 * rankKinksByDistance(kinks, validity(scene, wrt, { distancesOf: kinks.map((k) => k.label) }).distances);
 */
export function rankKinksByDistance<K extends { label: string; margin: number; distance?: number }>(
  kinks: K[],
  distances: Readonly<Record<string, number>> | undefined,
): K[] {
  if (distances === undefined) return kinks;
  for (const k of kinks) {
    const d = distances[k.label];
    if (d !== undefined) k.distance = d;
  }
  const key = (k: K) => (k.distance !== undefined && Number.isFinite(k.distance) ? k.distance : Infinity);
  return kinks.sort((a, b) => {
    const da = key(a),
      db = key(b);
    if (da !== db) return da < db ? -1 : 1;
    return a.margin - b.margin;
  });
}

/** The distance of each labelled decision (`step t: A/B kind`), nearest over its ranks. */
function distancesOf(
  wanted: readonly string[],
  log: DecisionLog,
  labels: LabelTable,
  distance: Float64Array,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const text of wanted) {
    out[text] = Infinity;
    const parsed = /^step (\d+): (.*)$/.exec(text);
    const id = parsed === null ? undefined : labels.find(parsed[2]);
    if (parsed === null || id === undefined) continue;
    // the steps' reports are in step order: the step's entries from the first at step ≥ t
    const t = Number(parsed[1]);
    const ordered = Math.min(log.stepOrdered, log.count);
    let lo = 0,
      hi = ordered;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (stepOf(log.keys[mid]) < t) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < ordered && stepOf(log.keys[i]) === t; i++) {
      if (log.ids[i] === id) out[text] = Math.min(out[text], distance[i]);
    }
    // the approaches after them, each at its own step
    for (let i = ordered; i < log.count; i++) {
      if (log.ids[i] === id && stepOf(log.keys[i]) === t) out[text] = Math.min(out[text], distance[i]);
    }
  }
  return out;
}
