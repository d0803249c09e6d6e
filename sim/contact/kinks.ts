/**
 * Kink reports of the contact-force kernel: which non-smooth decisions it reports, how
 * near they must be, and their labels.
 *
 * | kind           | mode    | boundary            | margin (unit)      | value jumps? |
 * | -------------- | ------- | ------------------- | ------------------ | ------------ |
 * | `onset`        | penalty | d = 0               | |d| (m)            | no (slope)   |
 * | `damping clamp`| penalty | k·φ + D·φ̇ = 0       | |φ̇ + kφ/D| (m/s)   | no (slope)   |
 * | `damping ramp` | penalty | d = ±h (activation), d = ±τ/2 (mass share) | distance to the nearest (m) | no (slope) |
 * | `stick/slip`   | penalty | |v_t| = ε           | ||v_t| − ε| (m/s)  | no (slope)   |
 * | `margin`       | soft    | d = contact margin  | |margin − d| (m)   | yes (tiny)   |
 * | `restitution threshold` | hard | the approach speed −u⁻ = the restitution threshold (an impact turns plastic) | |u⁻ + threshold| (m/s) | yes (a bounce or none) |
 * | `approach`     | all (validity only) | a pair outside the margin reaches it | gap − contact margin (m) | yes (soft), else no: beyond it the contact's own decisions start |
 * | `pair sweep`   | penalty, soft | a moving body's dashpot gains sum S_b = 1 (pair-sweep.ts; the step sweeps when one passes it) | |1 − S_b| (dimensionless), per moving body in ≥ 2 pairs (a pair adds at most 1) | yes (the force steps from Jacobi to the pair sweep) |
 * | `impact beside contacts` | hard | a placed impact at a step boundary, its bodies carrying other contacts | the approach distance to the nearest step boundary (m) | yes (O(dt)) |
 * | `earliest impact` | hard | two placed impacts of one island swap order, the island moving other impulses by the earliest's s | the later impact's approach distance at the earlier's time, |s₁ − s₂|·dt·|u⁻₂| (m) | no (slope) |
 * | `position pass` | hard | the smallest first-order end gap d + dt·u_n(v⁺ + v_place) = −penetrationTolerance (the drift correction runs below) | |gap + tolerance| (m), on a step that places an impact or runs the pass | yes (≤ the tolerance, 1 µm) and a slope change |
 *
 * The soft force at the margin is tiny but not zero, so the collision pass dropping a
 * contact there is a small jump; penalty forces are already 0 beyond d = 0.
 *
 * Labels are `<A>/<B> <kind>` (e.g. `ball/ground onset`), `<body> <kind>` for a
 * decision of one body (`pair sweep`), or `<A>/<B> vs <C>/<D> <kind>` for one between two
 * contacts (`earliest impact`); `position pass` is labelled by the contact with the
 * smallest gap; the caller adds the step through
 * a `withLabel` scope. They are built once per (pair, kind) and cached, so a report costs
 * an array read, not a string build.
 */
import type { KinkSink } from '../../ad/primitive.ts';

/**
 * Decisions farther than this from their boundary are not reported at all, in the
 * margin's own unit (m or m/s, table above). Generous: 10⁴ × the default kink tolerance
 * (1e-6) and equal to the loosest one the scenes ask for (1e-2), so any report filtered
 * at tol ≤ 1e-2 is complete, while contacts far from every boundary (most of them, most
 * steps) record nothing.
 */
export const KINK_REPORT_RADIUS = 1e-2;

/**
 * A kink sink that sets its own report radius (in the margins' units): the decision log of
 * sim/validity.ts asks for every decision (`Infinity`), since a margin of 19 mm/s can lie
 * 20 µm away in a parameter. Sinks without one get {@link KINK_REPORT_RADIUS}.
 */
export interface RadiusSink extends KinkSink {
  readonly radius: number;
}

/** The radius within which `sink` wants decisions reported (see {@link RadiusSink}). */
export function reportRadius(sink: KinkSink): number {
  return (sink as Partial<RadiusSink>).radius ?? KINK_REPORT_RADIUS;
}

/** The kinds of kink, as codes (index into {@link CONTACT_KINK_KINDS}). */
export const KINK_ONSET = 0;
export const KINK_DAMPING_CLAMP = 1;
export const KINK_STICK_SLIP = 2;
export const KINK_MARGIN = 3;
export const KINK_DAMPING_RAMP = 4;
/**
 * Hard mode: an impact placed inside a step (sim/hard/problem.ts) while its bodies carry
 * other contacts. Those act over the whole step, not from the impact on, so the outcome
 * jumps by O(dt) where the impact crosses a step boundary and the gradient misses how their
 * impulses split at the impact time (first order in dt, O(1) in the gradient).
 */
export const KINK_IMPACT_BESIDE_CONTACTS = 5;
/**
 * A pair outside the collision margin whose gap would reach it: never reported by a step
 * (the collision pass does not see the pair), only by the validity radius's watch
 * (sim/validity/approach.ts), since beyond it the rollout has decisions this run cannot see.
 */
export const KINK_APPROACH = 6;

/**
 * Hard mode: the approach speed of a contact that closes within the step against the
 * restitution threshold (sim/hard/settings.ts): faster, it bounces; slower, it is plastic.
 */
export const KINK_RESTITUTION_THRESHOLD = 7;

/**
 * Force modes: whether the step runs the pair sweep (pair-sweep.ts), decided by the sums S_b
 * of the moving bodies' dashpot gains against 1; each body's, margin |1 − S_b|.
 */
export const KINK_PAIR_SWEEP = 8;

/**
 * Hard mode: which of two placed impacts in one island is the earliest, where the island
 * moves its other impulses between dynamic bodies back by the earliest's fraction s
 * (sim/hard/placement-islands.ts): where the two swap, those impulses switch from one s to
 * the other, a slope change of the outcome (its value is continuous).
 */
export const KINK_EARLIEST_IMPACT = 9;

/**
 * Hard mode: whether the position pass's drift correction runs (sim/hard/position.ts): the
 * smallest first-order end-of-step gap (with the impact placement's motion) against
 * −penetrationTolerance. Where it runs it holds its contacts' gaps at 0; where it does not,
 * they end where the velocities leave them: a slope change and a jump of up to the
 * tolerance (1 µm) in the value.
 */
export const KINK_POSITION_PASS = 10;

/** Label suffix of each kink code. */
export const CONTACT_KINK_KINDS = [
  'onset',
  'damping clamp',
  'stick/slip',
  'margin',
  'damping ramp',
  'impact beside contacts',
  'approach',
  'restitution threshold',
  'pair sweep',
  'earliest impact',
  'position pass',
] as const;

/** The key of contact `a`/`b`'s decision `kind` among `bodies` bodies (one per label of distinct names). */
export function contactKinkKey(bodies: number, a: number, b: number, kind: number): number {
  return (a * bodies + b) * CONTACT_KINK_KINDS.length + kind;
}

/**
 * Key spaces ({@link contactKinkKey}) up to this size (a model of up to 85 bodies) are held
 * in dense arrays indexed by key (a label read, a sink's entry: an array read instead of a
 * map lookup, for the ~45 decisions a billiards step reports); larger ones in sparse arrays.
 */
export const DENSE_KINK_KEYS_MAX = 1 << 16;

/** An array indexed by the contact kink keys of `bodies` bodies: dense when small, else sparse. */
export function contactKinkTable<T>(bodies: number): (T | undefined)[] {
  const size = bodies * bodies * CONTACT_KINK_KINDS.length;
  return size <= DENSE_KINK_KEYS_MAX ? new Array<T | undefined>(size).fill(undefined) : [];
}

const labelCache = new WeakMap<readonly string[], (string | undefined)[]>();

/**
 * A sink that takes a contact's decision by its pair and kind, building or looking up the
 * label only the first time it sees them: the rollout's per-decision summary
 * (driver/records.ts), to which most contacts of most steps report (soft mode's margin lies
 * within the report radius of every resting contact).
 */
export interface ContactKinkSink extends KinkSink {
  contactKink(margin: number, bodyName: readonly string[], a: number, b: number, kind: number, jump: boolean): void;
}

/**
 * Report contact `a`/`b`'s decision `kind` at `margin` to `sink`: by key when it takes
 * decisions so ({@link ContactKinkSink}), else by its label ({@link contactKinkLabel}).
 */
export function reportContactKink(
  sink: KinkSink,
  margin: number,
  bodyName: readonly string[],
  a: number,
  b: number,
  kind: number,
  jump = false,
): void {
  if ((sink as Partial<ContactKinkSink>).contactKink !== undefined)
    (sink as ContactKinkSink).contactKink(margin, bodyName, a, b, kind, jump);
  else sink.kink(margin, contactKinkLabel(bodyName, a, b, kind), jump);
}

/**
 * The label `<A>/<B> <kind>` for bodies `a`, `b` and kink code `kind`, cached per
 * name list.
 *
 * @example
 * contactKinkLabel(['ground', 'ball'], 1, 0, KINK_ONSET); // 'ball/ground onset'
 */
export function contactKinkLabel(bodyName: readonly string[], a: number, b: number, kind: number): string {
  let labels = labelCache.get(bodyName);
  if (labels === undefined) labelCache.set(bodyName, (labels = contactKinkTable<string>(bodyName.length)));
  const key = contactKinkKey(bodyName.length, a, b, kind);
  return (labels[key] ??= `${bodyName[a]}/${bodyName[b]} ${CONTACT_KINK_KINDS[kind]}`);
}

/**
 * The label `<body> <kind>` of a decision of one body (`pair sweep`), cached per name list
 * as {@link contactKinkLabel}'s.
 *
 * @example
 * bodyKinkLabel(['ground', 'box'], 1, KINK_PAIR_SWEEP); // 'box pair sweep'
 */
export function bodyKinkLabel(bodyName: readonly string[], body: number, kind: number): string {
  const labels = labelsOf(bodyLabelCache, bodyName);
  const key = body * CONTACT_KINK_KINDS.length + kind;
  let label = labels.get(key);
  if (label === undefined) labels.set(key, (label = `${bodyName[body]} ${CONTACT_KINK_KINDS[kind]}`));
  return label;
}
const bodyLabelCache: LabelCaches = new WeakMap();

/** Labels built so far, by key, per body name list (a model's). */
type LabelCaches = WeakMap<readonly string[], Map<number, string>>;

/** The label map of `bodyName` in `caches`, made on first use. */
function labelsOf(caches: LabelCaches, bodyName: readonly string[]): Map<number, string> {
  let labels = caches.get(bodyName);
  if (labels === undefined) caches.set(bodyName, (labels = new Map()));
  return labels;
}

/**
 * The label `<A>/<B> vs <C>/<D> <kind>` of a decision between two contacts (`earliest
 * impact`), cached per name list as {@link contactKinkLabel}'s.
 *
 * @example
 * contactPairKinkLabel(['a', 'b', 'c', 'd'], 0, 1, 3, 2, KINK_EARLIEST_IMPACT); // 'a/b vs d/c earliest impact'
 */
export function contactPairKinkLabel(
  bodyName: readonly string[],
  a: number,
  b: number,
  c: number,
  d: number,
  kind: number,
): string {
  const labels = labelsOf(pairLabelCache, bodyName);
  const N = bodyName.length;
  const key = (((a * N + b) * N + c) * N + d) * CONTACT_KINK_KINDS.length + kind;
  let label = labels.get(key);
  if (label === undefined) {
    label = `${bodyName[a]}/${bodyName[b]} vs ${bodyName[c]}/${bodyName[d]} ${CONTACT_KINK_KINDS[kind]}`;
    labels.set(key, label);
  }
  return label;
}
const pairLabelCache: LabelCaches = new WeakMap();
