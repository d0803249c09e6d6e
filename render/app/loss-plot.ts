/**
 * The loss curve of a live optimization (iteration → loss, log scale), appended to as the
 * worker's iterates arrive.
 */
import uPlot from 'uplot';

const PLOT_HEIGHT = 140;

/** One uPlot chart of loss against iteration. */
export class LossPlot {
  private chart: uPlot | null = null;
  private iters: number[] = [];
  private losses: number[] = [];

  constructor(private readonly root: HTMLElement) {}

  /** Number of iterates drawn (read by the page and the tests). */
  get length(): number {
    return this.iters.length;
  }

  /** Forget the curve (a new run starts). */
  reset(): void {
    this.iters = [];
    this.losses = [];
    this.chart?.destroy();
    this.chart = null;
  }

  /** Append one iterate. */
  push(iter: number, loss: number): void {
    this.iters.push(iter);
    // a log scale cannot show 0: clamp to the smallest positive double
    this.losses.push(Math.max(loss, Number.MIN_VALUE));
    const data: uPlot.AlignedData = [this.iters, this.losses];
    if (this.chart === null) {
      this.chart = new uPlot(
        {
          title: 'objective |q(T) − target|²',
          width: Math.max(240, this.root.clientWidth - 16),
          height: PLOT_HEIGHT,
          scales: { x: { time: false }, y: { distr: 3 } },
          series: [{ label: 'iteration' }, { label: 'loss', stroke: '#6a4c93', width: 2 }],
        },
        data,
        this.root,
      );
    } else {
      this.chart.setData(data);
    }
  }
}
