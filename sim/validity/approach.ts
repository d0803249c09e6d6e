/**
 * Approach decisions: pairs of bodies outside the collision margin, whose contact would
 * enter it if the parameters moved.
 *
 * The steps record decisions only for the contacts the collision pass reports, i.e. the
 * pairs within the contact margin. A ball falling for 0.1 s with 0.95 m still to go
 * records nothing, yet lowering it by 0.95 m brings a contact, and with it every decision
 * a contact makes (onset, bounce, friction). Beyond the margin entry the rollout has
 * decisions this run cannot see, so the validity radius must stop there.
 *
 * {@link ApproachWatch} rides a tangent rollout (driver/tangent-rollout.ts `TangentCarry`):
 * before each step it measures, for every pair that can collide and is not in contact,
 * the gap g between the surfaces (the narrowphase of sim/pairs at a margin wide enough to
 * reach them) and its tangents along the parameters, ġ_j = n·(ṗ_B − ṗ_A) at the closest
 * points (the envelope theorem: the closest points' own motion along the surfaces does not
 * change the distance to first order). The margin of the decision is g − margin (m), the
 * distance to the flip (g − margin)/‖ġ‖. Each pair keeps the step where that distance is
 * smallest, and {@link ApproachWatch.report} logs it as `step t: A/B approach`.
 *
 * Cost: a pair is skipped without its narrowphase when a lower bound on its distance —
 * the bounding spheres' gap (a lower bound on g) over an upper bound on ‖ġ‖ (each body's
 * point speed bound |ẋ| + |δθ|·r + Σ|ḣ|) — shows it can change nothing the report shows:
 * no nearer than its own best so far, or no nearer than the `listed` nearest pairs' bests
 * and, along each parameter alone, than the nearest so far along it — counting, with
 * {@link ApproachWatch.boundBy}, the decisions the steps have logged so far: the approaches
 * are logged after them and enter the report only strictly nearer than those, and the
 * bounds only fall as the rollout goes on. Pairs no direction moves are skipped outright.
 * The per-parameter test runs only for pairs one comparison against the bodies' reaches
 * (max_j bound_j·s_ij, {@link ApproachWatch} `alongReaches`) cannot settle; what changes
 * nothing along the rollout (the sizes' share of the speed bounds, a plane's whole bound,
 * which bodies' sizes move at all) is computed once.
 *
 * First order, like every distance of the validity report; the box–box gap beyond the
 * margin is the separating-axis bound (a lower bound on g), so there the distance errs
 * on the near side.
 */
import { collidePair } from '../collision/dispatch.ts';
import { createContacts, type Contacts } from '../collision/contacts.ts';
import { contactKinkLabel, KINK_APPROACH } from '../contact/kinks.ts';
import type { Model } from '../model.ts';
import { ShapeType } from '../shapes.ts';
import { STATE_FIELDS, type State } from '../state.ts';
import type { StepMarginSink } from '../driver/tangent-rollout.ts';
import { GEOM_SIZE_WIDTH, SHAPE_ROWS, type SolidRow } from '../shapes/table.ts';
import type { NearestDecisions } from './nearest.ts';

/** Shape codes read in the loops (a module binding read is a getter call under some loaders). */
const PLANE = ShapeType.plane;
const SPHERE = ShapeType.sphere;

/** Relative room above the reaches' sum for the rounding of the per-direction test it stands for (ApproachWatch.alongReaches). */
const REACH_SLACK = 1 + 1e-12;

/** Contacts one pair may report (a box face against a plane: 4 corners; box–box manifolds up to 8). */
const PAIR_CONTACTS = 16;

export class ApproachWatch {
  private readonly pairA: Int32Array;
  private readonly pairB: Int32Array;
  /** per pair: which body is a plane (1: A, 2: B, 0: neither), as {@link gapLowerBound} tells them apart */
  private readonly pairPlane: Uint8Array;
  /** per pair: the smallest first-order distance seen, its step, margin and tangents */
  private readonly bestDistance: Float64Array;
  private readonly bestStep: Int32Array;
  private readonly bestMargin: Float64Array;
  private readonly bestSlope: Float64Array;
  private readonly radius: Float64Array;
  /** each shape code's solid row (null: the plane) */
  private readonly solids: readonly (SolidRow | null)[];
  /** 1 where the bounding sphere (a plane: its half-space) is the shape itself, so the bound is the gap */
  private readonly exactBound: Uint8Array;
  /** per body and direction: an upper bound on the speed of any of its points along the direction */
  private readonly speedBound: Float64Array;
  /** per body and direction: the sizes' share of `speedBound` (a plane: all of it), constant */
  private readonly sizeRate: Float64Array;
  /** per body: 1 where some direction moves its sizes (geomSize's tangents), constant */
  private readonly sizeMoves: Uint8Array;
  /** per body: the norm over the directions of its speed bounds, S_i */
  private readonly speedNorm: Float64Array;
  /** per body and direction: the rotation's tangent δθ (world), 3 per entry */
  private readonly turn: Float64Array;
  private readonly scratch: Contacts = createContacts(PAIR_CONTACTS);
  private readonly slope: Float64Array;

  /** the size gradient ∂g/∂geomSize of the two bodies at the contact being measured (4 each) */
  private readonly sizeGradA = new Float64Array(GEOM_SIZE_WIDTH);
  private readonly sizeGradB = new Float64Array(GEOM_SIZE_WIDTH);

  /**
   * `inputsDot` (dirs × `inputStride`): the rollout inputs' tangents, whose `geomSize`
   * block (4 per body, at `sizeAt`) moves the surfaces; constant over the rollout.
   */
  constructor(
    private readonly model: Model,
    private readonly dirs: number,
    private readonly inputsDot: Float64Array,
    private readonly sizeAt: number,
    private readonly inputStride: number,
    /** how many of the nearest decisions the report lists (sim/validity.ts DECISIONS_LISTED) */
    private readonly listed = 10,
  ) {
    const n = model.nbody;
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < n; i++)
      for (let k = i + 1; k < n; k++) {
        if (model.bodyStatic[i] === 1 && model.bodyStatic[k] === 1) continue;
        if (model.geomType[i] === PLANE && model.geomType[k] === PLANE) continue;
        a.push(i);
        b.push(k);
      }
    this.pairA = Int32Array.from(a);
    this.pairB = Int32Array.from(b);
    this.pairPlane = Uint8Array.from(a, (i, p) =>
      model.geomType[i] === PLANE ? 1 : model.geomType[b[p]] === PLANE ? 2 : 0,
    );
    const pairs = a.length;
    this.bestDistance = new Float64Array(pairs).fill(Infinity);
    this.bestStep = new Int32Array(pairs).fill(-1);
    this.bestMargin = new Float64Array(pairs);
    this.bestSlope = new Float64Array(pairs * dirs);
    this.radius = new Float64Array(n);
    this.exactBound = new Uint8Array(n);
    this.solids = SHAPE_ROWS.map((row) => row.solid as SolidRow | null);
    for (let i = 0; i < n; i++) {
      this.radius[i] = this.solids[model.geomType[i]]?.boundingRadius(model.geomSize, GEOM_SIZE_WIDTH * i) ?? 0;
      this.exactBound[i] = model.geomType[i] === SPHERE || model.geomType[i] === PLANE ? 1 : 0;
    }
    this.speedBound = new Float64Array(n * dirs);
    this.speedNorm = new Float64Array(n);
    this.sizeMoves = new Uint8Array(n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < dirs; j++)
        for (let k = 0; k < GEOM_SIZE_WIDTH; k++)
          if (inputsDot[j * inputStride + sizeAt + GEOM_SIZE_WIDTH * i + k] !== 0) this.sizeMoves[i] = 1;
    this.alongReach = new Float64Array(n);
    this.sizeRate = this.sizeRates();
    this.turn = new Float64Array(n * dirs * 3);
    this.slope = new Float64Array(dirs);
    this.paramThreshold = new Float64Array(dirs).fill(Infinity);
    this.alongThreshold = new Float64Array(dirs);
    this.selectScratch = new Float64Array(pairs);
  }

  /** the `listed`-th smallest best distance over the pairs (Infinity while fewer have one) */
  private threshold = Infinity;
  /** the decisions the steps have logged so far, which the report also ranks (null: the pairs alone) */
  private logged: NearestDecisions | null = null;

  /**
   * Rank the pairs against `nearest` too, the nearest decisions of the log the steps
   * report into (the approaches are logged after the steps): a pair that cannot be listed
   * beside them, nor be the nearest along a parameter, is not measured.
   */
  boundBy(nearest: NearestDecisions | null): void {
    this.logged = nearest;
  }
  /** per direction: the least distance along it alone over the pairs' best entries */
  private readonly paramThreshold: Float64Array;
  /** per direction: that, or the least along it over the steps' decisions so far */
  private readonly alongThreshold: Float64Array;
  /** whether a best changed since the thresholds were computed */
  private dirty = false;
  private readonly selectScratch: Float64Array;

  private updateThresholds(): void {
    this.dirty = false;
    const dirs = this.dirs;
    const pairs = this.pairA.length;
    this.paramThreshold.fill(Infinity);
    let finite = 0;
    for (let p = 0; p < pairs; p++) {
      const d = this.bestDistance[p];
      if (d === Infinity) continue;
      this.selectScratch[finite++] = d;
      const m = this.bestMargin[p];
      for (let j = 0; j < dirs; j++) {
        const g = Math.abs(this.bestSlope[p * dirs + j]);
        if (g > 0 && m / g < this.paramThreshold[j]) this.paramThreshold[j] = m / g;
      }
    }
    this.threshold = finite < this.listed ? Infinity : kthSmallest(this.selectScratch, finite, this.listed - 1);
  }

  /** A watch without tangents, for {@link observeMargins} and {@link measureAt}. */
  static forMargins(model: Model): ApproachWatch {
    return new ApproachWatch(model, 0, new Float64Array(0), 0, 0);
  }

  /**
   * Per body i: max over the directions j of `along[j]`·s_ij (s_ij its speed bound; 0 where
   * s_ij is 0). A pair whose gap's lower bound L has L ≥ reach_a + reach_b has, along every
   * moving direction, L/(s_aj + s_bj) ≥ along[j]: {@link observe}'s per-direction test
   * passes without being run (with {@link REACH_SLACK} for the rounding of these sums, the
   * pairs it lets through are those the per-direction test lets through, and no others).
   */
  private alongReaches(along: Float64Array): void {
    const n = this.model.nbody;
    const dirs = this.dirs;
    const speedBound = this.speedBound;
    const reach = this.alongReach;
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let j = 0; j < dirs; j++) {
        const s = speedBound[i * dirs + j];
        if (s === 0) continue;
        const v = along[j] * s;
        if (!(v <= r)) r = v;
      }
      reach[i] = r;
    }
  }
  private readonly alongReach: Float64Array;

  /**
   * Measure the pairs at the state before step `t`, with the state's tangents `stateDot`
   * (dirs × 13n, direction-major: [q̇ (7n) | q̇d (6n)] per direction).
   */
  observe(t: number, state: State, stateDot: Float64Array): void {
    const { model, dirs } = this;
    const n = model.nbody;
    const q = state.bodyQ;
    const stride = (STATE_FIELDS.bodyQ + STATE_FIELDS.bodyQd) * n;
    this.bodyTangents(q, stateDot, stride);
    if (this.dirty) this.updateThresholds();
    // the thresholds with the steps' decisions so far (each only falls)
    let threshold = this.threshold;
    const along = this.alongThreshold;
    along.set(this.paramThreshold);
    const logged = this.logged;
    if (logged !== null) {
      threshold = Math.min(threshold, logged.listedBound());
      for (let j = 0; j < dirs; j++) along[j] = Math.min(along[j], logged.bestDistance[j]);
    }
    this.alongReaches(along);
    const reach = this.alongReach;
    const margin = model.contact.margin;
    // the loop's arrays in locals: the measuring calls inside it would make V8 reload fields
    const pairA = this.pairA,
      pairB = this.pairB,
      pairPlane = this.pairPlane,
      speedNorm = this.speedNorm,
      speedBound = this.speedBound,
      bestDistance = this.bestDistance,
      exactBound = this.exactBound,
      radius = this.radius,
      size = model.geomSize;
    const pairs = pairA.length;
    for (let p = 0; p < pairs; p++) {
      const a = pairA[p];
      const b = pairB[p];
      // an upper bound on the gap's rate, ‖s_a + s_b‖ ≤ S_a + S_b: a pair no direction moves records nothing
      const rate = speedNorm[a] + speedNorm[b];
      if (rate === 0) continue;
      // and a lower bound on the gap (gapLowerBound, by the pair's plane side): skip pairs that cannot change the report
      // (a plane's height written out: V8 spends its inlining budget here on the measuring calls,
      // and a double returned from a call it does not inline is boxed)
      const plane = pairPlane[p];
      let bound: number;
      if (plane === 0) bound = centreDistance(q, a, b) - radius[a] - radius[b];
      else {
        const pl = plane === 1 ? a : b,
          body = plane === 1 ? b : a;
        const g = GEOM_SIZE_WIDTH * pl;
        const height =
          size[g] * q[7 * body] + size[g + 1] * q[7 * body + 1] + size[g + 2] * q[7 * body + 2] - size[g + 3];
        bound = height - radius[body];
      }
      const lower = bound - margin;
      // spheres and planes: the bound is the gap itself, so the pair is in contact
      if (lower <= 0 && exactBound[a] === 1 && exactBound[b] === 1) continue;
      if (lower > 0) {
        const nearest = lower / rate;
        if (nearest >= bestDistance[p]) continue;
        if (nearest >= threshold) {
          // the test below passes for every direction when the gap beats the bodies' reaches (alongReaches)
          if (lower >= (reach[a] + reach[b]) * REACH_SLACK) continue;
          let alongEach = true;
          for (let j = 0; j < dirs && alongEach; j++) {
            const rateAlong = speedBound[a * dirs + j] + speedBound[b * dirs + j];
            alongEach = rateAlong === 0 || lower / rateAlong >= along[j];
          }
          if (alongEach) continue;
        }
      }
      const m = this.pairMargin(q, a, b, margin);
      if (!(m > 0)) continue; // none, or in contact: its decisions are the step's own
      const norm = this.gapTangents(q, stateDot, stride, this.scratch, this.nearest);
      if (norm === 0) continue;
      const distance = m / norm;
      if (distance < this.bestDistance[p]) {
        this.bestDistance[p] = distance;
        this.bestStep[p] = t;
        this.bestMargin[p] = m;
        this.bestSlope.set(this.slope, p * dirs);
        this.dirty = true;
      }
    }
  }

  /**
   * Without tangents (the P + 1 plain rollouts of sim/validity.ts): the base run's
   * observation before step t. Each pair keeps the step where its margin is least (the
   * tangent rollout keeps the least distance, which needs the tangents); the runs at
   * θ + h_i then {@link measureAt} those steps.
   */
  observeMargins(t: number, state: State): void {
    const q = state.bodyQ;
    const margin = this.model.contact.margin;
    for (let p = 0; p < this.pairA.length; p++) {
      const a = this.pairA[p];
      const b = this.pairB[p];
      if (this.gapLowerBound(q, a, b) - margin >= this.bestMargin[p] && this.bestStep[p] >= 0) continue;
      const m = this.pairMargin(q, a, b, margin);
      if (!(m > 0)) continue;
      if (this.bestStep[p] < 0 || m < this.bestMargin[p]) {
        this.bestStep[p] = t;
        this.bestMargin[p] = m;
      }
    }
  }

  /**
   * A run at θ + h_i, before step t: the margin of every pair whose base step (`base`'s
   * {@link observeMargins}) is t, into `out[p]` (NaN where the pair is in contact there).
   */
  measureAt(base: ApproachWatch, t: number, state: State, out: Float64Array): void {
    const margin = this.model.contact.margin;
    for (let p = 0; p < this.pairA.length; p++) {
      if (base.bestStep[p] !== t) continue;
      const m = this.pairMargin(state.bodyQ, this.pairA[p], this.pairB[p], margin);
      out[p] = m > 0 ? m : NaN;
    }
  }

  /** Pairs watched (the index `p` of {@link measureAt}'s output). */
  get pairs(): number {
    return this.pairA.length;
  }

  /**
   * Log each pair's nearest approach into `log` as `step t: A/B approach`, with its margin
   * (m) and, from a tangent rollout, its tangents; it jumps where the force law does at
   * the margin (soft mode). Returns, per pair, its index in the log (−1 when it has none:
   * the P + 1 plain rollouts fill those entries' slopes). Leaves `log.t` as it found it.
   */
  report(log: StepMarginSink & { count: number }): Int32Array {
    const names = this.model.bodyName;
    const jump = this.model.contact.mode === 'soft';
    const index = new Int32Array(this.pairA.length).fill(-1);
    const mdot = new Float64Array(this.dirs);
    const t = log.t;
    for (let p = 0; p < this.pairA.length; p++) {
      if (this.bestStep[p] < 0) continue;
      log.t = this.bestStep[p];
      index[p] = log.count;
      log.kink(this.bestMargin[p], contactKinkLabel(names, this.pairA[p], this.pairB[p], KINK_APPROACH), jump);
      if (this.dirs === 0) continue;
      mdot.set(this.bestSlope.subarray(p * this.dirs, (p + 1) * this.dirs));
      log.tangents(mdot);
    }
    log.t = t;
    return index;
  }

  /** index into `scratch` of the nearest contact {@link pairMargin} found */
  private nearest = 0;

  /**
   * The gap of bodies a and b less the contact margin (m), from their nearest contact at a
   * margin wide enough to reach it (left in `scratch` at `nearest`); NaN when the pair has
   * no contact row.
   */
  private pairMargin(q: Float64Array, a: number, b: number, margin: number): number {
    const contacts = this.scratch;
    contacts.count = 0;
    contacts.dropped = 0;
    // the true gap is at most the centres' distance (to a plane: the centre's height)
    const reach = this.gapUpperBound(q, a, b) + 1e-9;
    if (collidePair(this.model, q, a, b, Math.max(reach, margin), contacts) === 0) return NaN;
    let k = 0;
    for (let c = 1; c < contacts.count; c++) if (contacts.dist[c] < contacts.dist[k]) k = c;
    this.nearest = k;
    return contacts.dist[k] - margin;
  }

  /** δθ of each body along each direction, and its point speed bound |ẋ| + |δθ|·r + Σ|ḣ|. */
  private bodyTangents(q: Float64Array, stateDot: Float64Array, stride: number): void {
    const n = this.model.nbody;
    const dirs = this.dirs;
    const norm2 = this.speedNorm,
      turn = this.turn,
      speedBound = this.speedBound,
      radius = this.radius,
      geomType = this.model.geomType,
      sizeRate = this.sizeRate;
    for (let i = 0; i < n; i++) norm2[i] = 0;
    for (let j = 0; j < dirs; j++) {
      const o = j * stride;
      for (let i = 0; i < n; i++) {
        const g = 7 * i;
        // δθ = 2 (q̇ ⊗ q*)_vec, world
        const w = q[g + 3],
          x = q[g + 4],
          y = q[g + 5],
          z = q[g + 6];
        const dw = stateDot[o + g + 3],
          dx = stateDot[o + g + 4],
          dy = stateDot[o + g + 5],
          dz = stateDot[o + g + 6];
        const tx = 2 * (-dw * x + dx * w - dy * z + dz * y);
        const ty = 2 * (-dw * y + dx * z + dy * w - dz * x);
        const tz = 2 * (-dw * z - dx * y + dy * x + dz * w);
        const e = 3 * (i * dirs + j);
        turn[e] = tx;
        turn[e + 1] = ty;
        turn[e + 2] = tz;
        const at = i * dirs + j;
        // a plane's bound is its sizes' alone, constant over the rollout (sizeRate, from the constructor)
        if (geomType[i] === PLANE) {
          const bound = sizeRate[at];
          speedBound[at] = bound;
          norm2[i] += bound * bound;
          continue;
        }
        // a solid's by its rigid motion, plus the sizes: no surface point moves outward faster than Σ|ḣ_k|
        const vx = stateDot[o + g],
          vy = stateDot[o + g + 1],
          vz = stateDot[o + g + 2];
        const move = Math.sqrt(vx * vx + vy * vy + vz * vz);
        let bound = move + Math.sqrt(tx * tx + ty * ty + tz * tz) * radius[i];
        bound += sizeRate[at];
        speedBound[at] = bound;
        norm2[i] += bound * bound;
      }
    }
    for (let i = 0; i < n; i++) norm2[i] = Math.sqrt(norm2[i]);
  }

  /**
   * Per body and direction, the part of the point speed bound the sizes' tangents give
   * (constant over the rollout: the inputs' size tangents do not change): Σ|ḣ_k| for a
   * solid; for a plane its whole bound, |ḣ_offset|, or Infinity when its normal turns
   * (its surface moves by δo − δn·p, and p is unbounded).
   */
  private sizeRates(): Float64Array {
    const { model, dirs } = this;
    const n = model.nbody;
    const h = this.inputsDot;
    const out = new Float64Array(n * dirs);
    for (let j = 0; j < dirs; j++)
      for (let i = 0; i < n; i++) {
        const sz = j * this.inputStride + this.sizeAt + GEOM_SIZE_WIDTH * i;
        if (model.geomType[i] !== PLANE)
          out[i * dirs + j] = Math.abs(h[sz]) + Math.abs(h[sz + 1]) + Math.abs(h[sz + 2]) + Math.abs(h[sz + 3]);
        else if (h[sz] !== 0 || h[sz + 1] !== 0 || h[sz + 2] !== 0) out[i * dirs + j] = Infinity;
        else out[i * dirs + j] = Math.abs(h[sz + 3]);
      }
    return out;
  }

  /** ġ_j = n·(ṗ_B − ṗ_A) at contact k's surface points, into `slope`; returns ‖ġ‖. */
  private gapTangents(q: Float64Array, stateDot: Float64Array, stride: number, c: Contacts, k: number): number {
    const a = c.bodyA[k];
    const b = c.bodyB[k];
    const nx = c.normal[3 * k],
      ny = c.normal[3 * k + 1],
      nz = c.normal[3 * k + 2];
    const half = c.dist[k] / 2;
    const px = c.point[3 * k],
      py = c.point[3 * k + 1],
      pz = c.point[3 * k + 2];
    // the sizes' term only where a direction moves either body's sizes (else every term is 0·finite: sizes = +0)
    const sized = this.sizeMoves[a] === 1 || this.sizeMoves[b] === 1;
    if (sized) {
      // surface points: on A at point − dist/2·n (outward normal n), on B at point + dist/2·n (outward −n)
      // (point and outward normal through an array: doubles passed to a call V8 does not inline are boxed)
      const sf = this.surface;
      sf[0] = px - half * nx;
      sf[1] = py - half * ny;
      sf[2] = pz - half * nz;
      sf[3] = nx;
      sf[4] = ny;
      sf[5] = nz;
      this.sizeGradient(q, a, sf, this.sizeGradA);
      sf[0] = px + half * nx;
      sf[1] = py + half * ny;
      sf[2] = pz + half * nz;
      sf[3] = -nx;
      sf[4] = -ny;
      sf[5] = -nz;
      this.sizeGradient(q, b, sf, this.sizeGradB);
    }
    const h = this.inputsDot;
    // each surface point's lever from its body's centre, for n·ṗ of the material point
    // (pointRate, written out here: a double returned from a call V8 does not inline is boxed)
    const ga = 7 * a,
      gb = 7 * b;
    const rax = px - half * nx - q[ga],
      ray = py - half * ny - q[ga + 1],
      raz = pz - half * nz - q[ga + 2];
    const rbx = px + half * nx - q[gb],
      rby = py + half * ny - q[gb + 1],
      rbz = pz + half * nz - q[gb + 2];
    const turn = this.turn;
    let norm2 = 0;
    for (let j = 0; j < this.dirs; j++) {
      const o = j * stride;
      const ea = 3 * (a * this.dirs + j),
        eb = 3 * (b * this.dirs + j);
      const va = pointRate(stateDot, o + ga, turn, ea, rax, ray, raz, nx, ny, nz);
      const vb = pointRate(stateDot, o + gb, turn, eb, rbx, rby, rbz, nx, ny, nz);
      const za = j * this.inputStride + this.sizeAt + GEOM_SIZE_WIDTH * a;
      const zb = j * this.inputStride + this.sizeAt + GEOM_SIZE_WIDTH * b;
      let sizes = 0;
      if (sized)
        for (let k = 0; k < GEOM_SIZE_WIDTH; k++)
          sizes += this.sizeGradA[k] * h[za + k] + this.sizeGradB[k] * h[zb + k];
      const s = vb - va + sizes;
      this.slope[j] = s;
      norm2 += s * s;
    }
    return Math.sqrt(norm2);
  }

  /**
   * ∂g/∂(body i's geomSize) at its surface point p with outward normal m (`surface`: p, m): minus the
   * outward component of the surface's displacement per unit size change, into `out`
   * (4 entries, sim/collision/types.ts's size layout).
   */
  private sizeGradient(q: Float64Array, i: number, surface: Float64Array, out: Float64Array): void {
    const px = surface[0],
      py = surface[1],
      pz = surface[2],
      mx = surface[3],
      my = surface[4],
      mz = surface[5];
    out.fill(0);
    const s = this.model.geomSize;
    const z = GEOM_SIZE_WIDTH * i;
    const type = this.model.geomType[i];
    if (type === PLANE) {
      // n·p = o: (n + δn)·(p + δp) = o + δo moves the surface outward (along n) by δo − δn·p
      out[0] = px;
      out[1] = py;
      out[2] = pz;
      out[3] = -1;
      return;
    }
    // a solid's own rule (its shape row): the outward displacement per unit size, negated
    const g = 7 * i;
    const p = this.localPoint;
    const m = this.localNormal;
    toBodyFrame(q, g + 3, px - q[g], py - q[g + 1], pz - q[g + 2], p);
    toBodyFrame(q, g + 3, mx, my, mz, m);
    this.solids[type]!.surfaceSizeRates(s, z, p, m, out);
    for (let k = 0; k < GEOM_SIZE_WIDTH; k++) out[k] = -out[k];
  }
  private readonly localPoint = new Float64Array(3);
  /** a surface point and its outward normal (x, y, z, nx, ny, nz), for {@link sizeGradient} */
  private readonly surface = new Float64Array(6);
  private readonly localNormal = new Float64Array(3);

  /** A lower bound on the gap of bodies a and b: their bounding spheres' (a plane: the half-space's). */
  private gapLowerBound(q: Float64Array, a: number, b: number): number {
    const planeA = this.model.geomType[a] === PLANE;
    const planeB = this.model.geomType[b] === PLANE;
    if (planeA) return this.planeHeight(q, a, b) - this.radius[b];
    if (planeB) return this.planeHeight(q, b, a) - this.radius[a];
    return centreDistance(q, a, b) - this.radius[a] - this.radius[b];
  }

  /** An upper bound on the gap of bodies a and b: their centres' distance (to the plane: the centre's height). */
  private gapUpperBound(q: Float64Array, a: number, b: number): number {
    const planeA = this.model.geomType[a] === PLANE;
    const planeB = this.model.geomType[b] === PLANE;
    if (planeA) return Math.max(0, this.planeHeight(q, a, b));
    if (planeB) return Math.max(0, this.planeHeight(q, b, a));
    return centreDistance(q, a, b);
  }

  /** Height of body's centre above the plane (n·x − offset; the plane's size row holds n and offset, world). */
  private planeHeight(q: Float64Array, plane: number, body: number): number {
    const s = this.model.geomSize;
    const g = GEOM_SIZE_WIDTH * plane;
    return s[g] * q[7 * body] + s[g + 1] * q[7 * body + 1] + s[g + 2] * q[7 * body + 2] - s[g + 3];
  }
}

/**
 * n·ṗ of a material point at lever r from its body's centre along one direction: n·(ẋ + δθ × r),
 * ẋ at `stateDot[at ..]`, δθ at `turn[e ..]`.
 */
function pointRate(
  stateDot: Float64Array,
  at: number,
  turn: Float64Array,
  e: number,
  rx: number,
  ry: number,
  rz: number,
  nx: number,
  ny: number,
  nz: number,
): number {
  const tx = turn[e],
    ty = turn[e + 1],
    tz = turn[e + 2];
  const vx = stateDot[at] + ty * rz - tz * ry;
  const vy = stateDot[at + 1] + tz * rx - tx * rz;
  const vz = stateDot[at + 2] + tx * ry - ty * rx;
  return nx * vx + ny * vy + nz * vz;
}

/** Rᵀv for the unit quaternion q[at..at+3] (w, x, y, z): v in the body's frame, into `out`. */
function toBodyFrame(q: Float64Array, at: number, vx: number, vy: number, vz: number, out: Float64Array): void {
  // rotate by the conjugate: v' = v + 2w (u × v) + 2 u × (u × v), u = −(x, y, z)
  const w = q[at],
    x = -q[at + 1],
    y = -q[at + 2],
    z = -q[at + 3];
  const tx = 2 * (y * vz - z * vy);
  const ty = 2 * (z * vx - x * vz);
  const tz = 2 * (x * vy - y * vx);
  out[0] = vx + w * tx + (y * tz - z * ty);
  out[1] = vy + w * ty + (z * tx - x * tz);
  out[2] = vz + w * tz + (x * ty - y * tx);
}

/** Distance between the centres of bodies a and b (poses `q`, nbody×7). */
function centreDistance(q: Float64Array, a: number, b: number): number {
  const dx = q[7 * b] - q[7 * a],
    dy = q[7 * b + 1] - q[7 * a + 1],
    dz = q[7 * b + 2] - q[7 * a + 2];
  return Math.sqrt(dx * dx + dy * dy + dz * dz);
}

/** The k-th smallest (0-based) of values[0..count): quickselect, reordering `values`. */
function kthSmallest(values: Float64Array, count: number, k: number): number {
  let lo = 0;
  let hi = count - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i] = values[j];
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k];
  }
  return values[k];
}
