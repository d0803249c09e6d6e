/**
 * The sweep panel: a final-state quantity (top) and its AD gradient (bottom) against one
 * parameter, every computed contact mode overlaid, gradient jumps marked as bands. The
 * page's contact mode is drawn bold and its jumps filled; the other modes are dashed,
 * their jumps outlined. Data comes from the worker (sweep-grid.ts); this file only draws.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ContactMode } from '../../sim/model.ts';
import type { SweepCurve, SweepSpec } from '../sweep-grid.ts';

/** Series colour of each mode. */
export const MODE_COLOURS: Record<ContactMode, string> = { soft: '#1f77b4', penalty: '#d62728', hard: '#2ca02c' };

const PLOT_HEIGHT = 150;
/** Opacity of a jump band of the page's mode (others are outlined only). */
const JUMP_FILL_ALPHA = '33';

/** What the panel shows now (also read by the browser tests). */
export interface SweepPanelState {
  primary: ContactMode;
  modes: ContactMode[];
  /** points computed per mode */
  points: Record<string, number>;
  /** jumps per mode */
  jumps: Record<string, number>;
}

/** Two stacked uPlot charts (value, gradient) sharing the parameter axis. */
export class SweepPanel {
  private charts: uPlot[] = [];
  private shapeKey = '';
  private curves: SweepCurve[] = [];
  private spec: SweepSpec | null = null;
  private primary: ContactMode = 'soft';
  private readonly plots: HTMLElement;
  private readonly status: HTMLElement;

  constructor(private readonly root: HTMLElement) {
    this.plots = document.createElement('div');
    this.status = document.createElement('div');
    this.status.className = 'panel-status';
    root.append(this.plots, this.status);
  }

  /** The state tests and the page read. */
  get state(): SweepPanelState {
    const points: Record<string, number> = {};
    const jumps: Record<string, number> = {};
    for (const c of this.curves) {
      points[c.mode] = c.x.length;
      jumps[c.mode] = c.jumps.length;
    }
    return { primary: this.primary, modes: this.curves.map((c) => c.mode), points, jumps };
  }

  setStatus(text: string): void {
    this.status.textContent = text;
  }

  /** Draw `curves` of `spec` with `primary` (the page's contact mode) emphasized. */
  show(spec: SweepSpec, curves: SweepCurve[], primary: ContactMode): void {
    this.spec = spec;
    this.curves = curves.map((c) => ({ ...c }));
    this.primary = primary;
    this.root.dataset.primary = primary;
    this.root.dataset.modes = curves.map((c) => c.mode).join(',');
    this.redraw();
  }

  /** Emphasize another mode without new data. */
  setPrimary(primary: ContactMode): void {
    if (this.spec !== null) this.show(this.spec, this.curves, primary);
    else this.primary = primary;
  }

  private redraw(): void {
    const spec = this.spec;
    if (spec === null) return;
    const n = spec.n;
    const grid = Array.from({ length: n }, (_, i) => spec.from + ((spec.to - spec.from) * i) / (n - 1));
    const column = (c: SweepCurve, key: 'value' | 'grad') => grid.map((_, i) => (i < c[key].length ? c[key][i] : null));
    const width = Math.max(240, this.root.clientWidth - 16);
    const key = `${this.curves.map((c) => c.mode).join()}|${this.primary}|${spec.of}|${spec.wrt}|${width}`;
    const values: uPlot.AlignedData = [grid, ...this.curves.map((c) => column(c, 'value'))];
    const grads: uPlot.AlignedData = [grid, ...this.curves.map((c) => column(c, 'grad'))];
    if (key === this.shapeKey && this.charts.length === 2) {
      this.charts[0].setData(values);
      this.charts[1].setData(grads);
      return;
    }
    for (const c of this.charts) c.destroy();
    this.shapeKey = key;
    this.charts = [
      new uPlot(this.options(spec.of, width), values, this.plots),
      new uPlot(this.options(`d ${spec.of} / d ${spec.wrt}`, width), grads, this.plots),
    ];
  }

  private options(title: string, width: number): uPlot.Options {
    const series: uPlot.Series[] = [{ label: this.spec?.wrt ?? 'x' }];
    for (const c of this.curves) {
      const main = c.mode === this.primary;
      series.push({
        label: `${c.mode}${c.jumps.length > 0 ? ` (${c.jumps.length} jump${c.jumps.length > 1 ? 's' : ''})` : ''}`,
        stroke: MODE_COLOURS[c.mode],
        width: main ? 2.5 : 1.25,
        dash: main ? undefined : [6, 4],
        points: { show: main, size: 4 },
        spanGaps: false,
      });
    }
    return {
      title,
      width,
      height: PLOT_HEIGHT,
      scales: { x: { time: false } },
      series,
      legend: { show: true, live: false },
      hooks: { draw: [(u) => this.drawJumps(u)] },
    };
  }

  /** Bands over the grid intervals where a mode's gradient jumps. */
  private drawJumps(u: uPlot): void {
    const ctx = u.ctx;
    const { top, height } = u.bbox;
    ctx.save();
    for (const c of this.curves) {
      const main = c.mode === this.primary;
      for (const j of c.jumps) {
        const x0 = u.valToPos(j.from, 'x', true);
        const x1 = u.valToPos(j.to, 'x', true);
        if (main) {
          ctx.fillStyle = MODE_COLOURS[c.mode] + JUMP_FILL_ALPHA;
          ctx.fillRect(x0, top, Math.max(1, x1 - x0), height);
        } else {
          ctx.strokeStyle = MODE_COLOURS[c.mode];
          ctx.setLineDash([3, 3]);
          ctx.strokeRect(x0, top, Math.max(1, x1 - x0), height);
        }
      }
    }
    ctx.restore();
  }
}
