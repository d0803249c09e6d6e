/**
 * Hard mode's tangent-forward step (the hard Stepper's `tangentForward`, stepper.ts): the
 * plain step runs first (so the state it leaves and the scratch a record is kept from are
 * bitwise the plain step's), then its record and the step's input carry every direction's
 * tangent through the step's linearization:
 *
 *   no placed impact   step-tangent.ts (hand-written, each kernel once, the solve's K
 *                      factored once per island) and decisions-tangent.ts for the margins;
 *   a placed impact    step-tangent-placed.ts (the rest by hand, the impacts' bodies by
 *                      rows of their hand pullback), and each decision's margin tangent by
 *                      a one-sided difference of the ONE step along each direction (the
 *                      step rerun from the same warm start at x + h·ẋ_j, h = 1e-7 of the
 *                      largest input change): the rare steps of a bounce or a break. A
 *                      decision missing from the rerun (flipped within h) gets no tangent.
 */
import type { KinkSink } from '../../ad/primitive.ts';
import { reportRadius, type RadiusSink } from '../contact/kinks.ts';
import type { MarginTangentSink } from '../contact/wrenches-tangent.ts';
import { copyInto } from '../driver/records.ts';
import { modelWithInputs, WRENCH_PER_BODY, type RolloutLayout } from '../driver/inputs.ts';
import type { StepTangents } from '../driver/stepper.ts';
import type { Model } from '../model.ts';
import { allocState, type State } from '../state.ts';
import { createStepData, step, type StepData } from '../step.ts';
import { reportHardDecisions } from './decisions.ts';
import { reportHardDecisionTangents } from './decisions-tangent.ts';
import type { PlacedSplitter } from './placed-split.ts';
import type { HardStepData } from './step.ts';
import { placesImpact } from './step-adjoint.ts';
import { hardStepTangent, tangentScratchOf } from './step-tangent.ts';
import { placedStepTangent, type PlacedJacobianRows } from './step-tangent-placed.ts';
import type { HardStepRecord, TracedStepContext } from './record.ts';
import { restoreWarmStart } from './warmStart.ts';

/** Floats per body of a pose and a twist. */
const POSE = 7;
const TWIST = 6;

/** The largest input change of a placed step's margin difference (units of the inputs). */
const PLACED_MARGIN_STEP = 1e-7;

/** Tangent-forward of one hard-mode rollout evaluation (one per Stepper). */
export class HardTangentForward {
  private readonly n: number;
  /** the step's input (layout L1) and its tangents (dirs × L1.size), the tangents after (dirs × 13n) */
  private readonly xs: Float64Array;
  private xdot = new Float64Array(0);
  private ydot = new Float64Array(0);
  private inputsOf: Float64Array | null = null;
  private rec: HardStepRecord | undefined = undefined;

  constructor(
    private readonly model: Model,
    private readonly data: StepData,
    private readonly hard: HardStepData,
    private readonly L: RolloutLayout,
    private readonly L1: RolloutLayout,
    private readonly ctx: TracedStepContext,
    private readonly splitter: PlacedSplitter,
    private readonly rows: PlacedJacobianRows,
    private readonly bodies: readonly number[],
    x: Float64Array,
    /** stepper.ts `recordStep`: the step just taken, into a reusable record */
    private readonly record: (into: HardStepRecord | undefined) => HardStepRecord,
  ) {
    this.n = model.nbody;
    this.xs = new Float64Array(L1.size);
    // the parameter groups lie between the state and the controls in both layouts
    copyInto(this.xs, L1.invMass, x, L.invMass, L.controls - L.invMass);
  }

  step(state: State, control: Float64Array | null, T: StepTangents, kinks: MarginTangentSink | null): void {
    const { n, L, L1, xs, bodies } = this;
    const dirs = T.dirs;
    const ss = (POSE + TWIST) * n;
    if (this.xdot.length < dirs * L1.size) {
      this.xdot = new Float64Array(dirs * L1.size);
      this.ydot = new Float64Array(dirs * ss);
      this.inputsOf = null;
    }
    const xdot = this.xdot,
      ydot = this.ydot;
    if (this.inputsOf !== T.inputs) {
      this.inputsOf = T.inputs;
      for (let j = 0; j < dirs; j++)
        copyInto(xdot, j * L1.size + L1.invMass, T.inputs, j * L.size + L.invMass, L.controls - L.invMass);
    }
    // the step's input and its tangents: state, then this step's controls
    copyInto(xs, 0, state.bodyQ, 0, POSE * n);
    copyInto(xs, POSE * n, state.bodyQd, 0, TWIST * n);
    const cw = WRENCH_PER_BODY;
    for (let jj = 0; jj < bodies.length; jj++) {
      if (control === null) xs.fill(0, L1.controls + cw * jj, L1.controls + cw * (jj + 1));
      else copyInto(xs, L1.controls + cw * jj, control, cw * bodies[jj], cw);
    }
    for (let j = 0; j < dirs; j++) {
      const o = j * L1.size;
      copyInto(xdot, o, T.state, j * ss, ss);
      for (let jj = 0; jj < bodies.length; jj++) {
        if (T.control === null) xdot.fill(0, o + L1.controls + cw * jj, o + L1.controls + cw * (jj + 1));
        else copyInto(xdot, o + L1.controls + cw * jj, T.control, j * cw * n + cw * bodies[jj], cw);
      }
    }
    // the plain step, then the tangents from its record
    step(this.model, this.data, state, control, state, null);
    const rec = (this.rec = this.record(this.rec));
    if (!placesImpact(rec)) {
      hardStepTangent(this.ctx, rec, xs, dirs, xdot, ydot);
      if (kinks !== null) reportHardDecisionTangents(this.model, this.hard, tangentScratchOf(this.ctx), kinks);
    } else {
      placedStepTangent(this.ctx, this.splitter, this.rows, rec, xs, dirs, xdot, ydot);
      if (kinks !== null) this.placedDecisions(dirs, kinks);
    }
    copyInto(T.state, 0, ydot, 0, dirs * ss);
  }

  /**
   * A placed step's decisions with their margins' tangents by one-sided differences of
   * the step (module header). The warm start the step loaded is the table its store did
   * not write (warmStart.ts swaps the two), still `current` until the next step.
   */
  private placedDecisions(dirs: number, kinks: MarginTangentSink): void {
    const base = collectDecisions(reportRadius(kinks));
    reportHardDecisions(this.model, this.hard, base);
    const n = this.n,
      L1 = this.L1;
    const mdot = new Float64Array(base.margins.length * dirs);
    const x = new Float64Array(L1.size);
    for (let j = 0; j < dirs; j++) {
      let largest = 0;
      for (let k = 0; k < L1.size; k++) largest = Math.max(largest, Math.abs(this.xdot[j * L1.size + k]));
      if (largest === 0) continue;
      const h = PLACED_MARGIN_STEP / largest;
      for (let k = 0; k < L1.size; k++) x[k] = this.xs[k] + h * this.xdot[j * L1.size + k];
      const model = modelWithInputs(this.model, L1, x);
      const data = createStepData(model);
      if (data.hard === null) throw new Error('hard tangent: the step scratch has no hard-contact part');
      restoreWarmStart(data.hard.warmStart, { table: this.hard.warmStart.current });
      const state = allocState(n);
      state.bodyQ.set(x.subarray(0, POSE * n));
      state.bodyQd.set(x.subarray(POSE * n, (POSE + TWIST) * n));
      state.time = 0;
      let control: Float64Array | null = null;
      if (this.bodies.length > 0) {
        control = new Float64Array(TWIST * n);
        for (let jj = 0; jj < this.bodies.length; jj++)
          copyInto(control, TWIST * this.bodies[jj], x, L1.controls + WRENCH_PER_BODY * jj, WRENCH_PER_BODY);
      }
      const moved = collectDecisions(Infinity);
      step(model, data, state, control, state, moved);
      // match by label and its occurrence among the step's decisions of that label
      const seen = new Map<string, number>();
      const at = new Map<string, number[]>();
      moved.labels.forEach((label, i) => {
        const list = at.get(label);
        if (list === undefined) at.set(label, [i]);
        else list.push(i);
      });
      base.labels.forEach((label, i) => {
        const occurrence = seen.get(label) ?? 0;
        seen.set(label, occurrence + 1);
        const other = at.get(label)?.[occurrence];
        mdot[i * dirs + j] = other === undefined ? 0 : (moved.margins[other] - base.margins[i]) / h;
      });
    }
    for (let i = 0; i < base.margins.length; i++) {
      kinks.kink(base.margins[i], base.labels[i], base.jumps[i]);
      kinks.tangents(mdot.subarray(i * dirs, (i + 1) * dirs));
    }
  }
}

/** A sink that keeps the decisions within `radius`, in order. */
function collectDecisions(radius: number): RadiusSink & { margins: number[]; labels: string[]; jumps: boolean[] } {
  const margins: number[] = [],
    labels: string[] = [],
    jumps: boolean[] = [];
  const sink: KinkSink & { radius: number; margins: number[]; labels: string[]; jumps: boolean[] } = {
    radius,
    margins,
    labels,
    jumps,
    kink(margin, label = 'contact', jump = false) {
      if (!(margin < radius)) return;
      margins.push(margin);
      labels.push(label);
      jumps.push(jump);
    },
  };
  return sink;
}
