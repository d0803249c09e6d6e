/**
 * The loss curve of a live optimization (iteration → loss, log scale), appended to as the
 * worker's iterates arrive, with the loss the tolerance stands for drawn as a dashed line
 * (a miss of 1 cm is a loss of 1e−4 m²). The legend shows the latest iterate unless the
 * cursor points at another.
 */
import uPlot from 'uplot';
import { legendAtRest, logYAxis, shownTitle, xAxis } from './plot-axes.ts';

const PLOT_HEIGHT = 120;
const LOSS_COLOUR = '#6a4c93';
const TOLERANCE_COLOUR = '#555';
/**
 * Lowest loss drawn: uPlot's log axis has tick increments down to 1e-32 only, and below
 * them its tick loop never ends ("Invalid array length"). Smaller losses (a converged
 * optimization reaches 1e-29 m² and below) are drawn at this floor; the legend shows the
 * true value.
 */
const LOSS_FLOOR = 1e-30;

/** What the loss axis is: the objective's name, its unit, and the loss at the tolerance. */
export interface LossAxis {
  /** e.g. `|ball.position − target|²` */
  name: string;
  /** e.g. `m²` */
  unit: string;
  /** the loss at which the miss equals the tolerance (tolerance²) */
  toleranceLoss: number;
}

/** One uPlot chart of loss against iteration. */
export class LossPlot {
  private chart: uPlot | null = null;
  private iters: number[] = [];
  private losses: number[] = [];
  /** the losses as reported (`losses` holds what is drawn) */
  private reported: number[] = [];
  private axis: LossAxis = { name: 'loss', unit: '', toleranceLoss: NaN };

  constructor(private readonly root: HTMLElement) {}

  /** Number of iterates drawn (read by the page and the tests). */
  get length(): number {
    return this.iters.length;
  }

  /** The axis titles drawn (x, y). */
  get axisTitles(): string[] {
    return this.chart === null ? [] : [shownTitle(this.chart, 0), shownTitle(this.chart, 1)];
  }

  /** Forget the curve (a new run starts) and name the loss of the next one. */
  reset(axis: LossAxis = this.axis): void {
    this.axis = axis;
    this.iters = [];
    this.losses = [];
    this.reported = [];
    this.chart?.destroy();
    this.chart = null;
  }

  /** Append one iterate. */
  push(iter: number, loss: number): void {
    this.iters.push(iter);
    // a log scale cannot show 0, and uPlot's no value below 1e-32
    this.losses.push(Math.max(loss, LOSS_FLOOR));
    this.reported.push(loss);
    const data: uPlot.AlignedData = [this.iters, this.losses];
    if (this.chart === null) {
      const { unit, toleranceLoss } = this.axis;
      this.chart = new uPlot(
        {
          width: Math.max(240, this.root.clientWidth - 4),
          height: PLOT_HEIGHT,
          scales: {
            x: { time: false },
            // keep the tolerance line in view
            y: {
              distr: 3,
              log: 10,
              range: (_u, lo, hi) =>
                uPlot.rangeLog(
                  Math.min(lo, toleranceLoss / 3 || lo),
                  Math.max(hi, 3 * toleranceLoss || hi),
                  10,
                  true,
                ) as uPlot.Range.MinMax,
            },
          },
          title: `loss ${this.axis.name}`,
          axes: [xAxis('iteration', ''), logYAxis(unit)],
          series: [
            { label: 'iteration' },
            {
              label: 'loss',
              stroke: LOSS_COLOUR,
              width: 2,
              value: (_u, v, _s, i) =>
                v === null || i === null ? '–' : `${(this.reported[i] ?? v).toExponential(2)}${unit ? ` ${unit}` : ''}`,
            },
          ],
          legend: { show: true, live: true },
          hooks: {
            draw: [(u) => this.drawTolerance(u)],
            ...legendAtRest((u) => (u.data[0].length > 0 ? u.data[0].length - 1 : null)),
          },
        },
        data,
        this.root,
      );
    } else {
      this.chart.setData(data);
    }
  }

  /** The dashed line at the loss the tolerance stands for, labelled. */
  private drawTolerance(u: uPlot): void {
    const t = this.axis.toleranceLoss;
    if (!(t > 0)) return;
    const y = u.valToPos(t, 'y', true);
    const { left, width } = u.bbox;
    const ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = TOLERANCE_COLOUR;
    ctx.setLineDash([5, 4]);
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(left + width, y);
    ctx.stroke();
    ctx.fillStyle = TOLERANCE_COLOUR;
    ctx.font = `${Math.round(11 * devicePixelRatio)}px system-ui, sans-serif`;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'bottom';
    ctx.fillText('tolerance', left + width - 4, y - 2);
    ctx.restore();
  }
}
