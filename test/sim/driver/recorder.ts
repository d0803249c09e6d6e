// A kink sink for the driver's tangent tests.
import type { StepMarginSink } from '../../../sim/driver/tangent-rollout.ts';

/** Records every decision a step reports: label, margin and (from a tangent rollout) tangents. */
export class Recorder implements StepMarginSink {
  readonly radius = Infinity;
  t = 0;
  labels: string[] = [];
  margins: number[] = [];
  tangentsOf: number[][] = [];
  kink(margin: number, label = ''): void {
    this.labels.push(`${this.t}: ${label}`);
    this.margins.push(margin);
  }
  tangents(mdot: Float64Array): void {
    this.tangentsOf[this.margins.length - 1] = Array.from(mdot);
  }
}
