/**
 * The sweep panel: a final-state quantity (top) and its AD gradient (bottom) against one
 * parameter, every computed contact mode overlaid in its colour (render/mode-colours.ts),
 * axes titled with units. Gradient jumps are bands numbered in the plot and listed under
 * it with their cause (the decision and step that changed across them). The page's
 * contact mode is drawn bold and its jumps filled; the other modes are dashed, their
 * jumps outlined. Points not computed yet are bridged, so a coarse curve shows first.
 * Above the plots, the gradient readout at the scene's own value of the parameter, per
 * mode, with its validity radius (how far the parameter may move before a decision of the
 * rollout flips, in the parameter's unit) and the nearest decision; the page's mode's
 * radius is a band on the gradient plot, its nearest decisions' flip points ticks.
 * Data comes from the sweep pool (sweep-pool.ts); this file only draws.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ContactMode } from '../../sim/model.ts';
import { MODE_COLOURS } from '../mode-colours.ts';
import type { SweepCurve, SweepSpec, SweepValidity } from '../sweep-grid.ts';
import { outlierRange, pathUnit, quotientUnit, withUnit } from '../units.ts';
import { legendAtRest, shownTitle, xAxis, yAxis } from './plot-axes.ts';

const PLOT_HEIGHT = 110;
/** Opacity of a jump band of the page's mode, as a hex alpha (others are outlined only). */
const JUMP_FILL_ALPHA = '33';
/** Jump labels drawn in the plot per mode; the list under it has them all. */
const MAX_LABELLED_JUMPS = 9;
/** Narrowest drawn validity band, CSS px: a radius far below the grid spacing still shows where it is. */
const MIN_BAND_PX = 3;
/** Colour of the validity band and decision ticks (neither a mode colour nor a jump band's). */
const VALIDITY_COLOUR = '#6b4fbb';

/** What the panel shows now (also read by the browser tests). */
export interface SweepPanelState {
  primary: ContactMode;
  modes: ContactMode[];
  /** points computed per mode */
  points: Record<string, number>;
  /** jumps per mode */
  jumps: Record<string, number>;
  /** the axis titles drawn (x, then y of the value plot, then y of the gradient plot) */
  axisTitles: string[];
  /** the jump list's lines, as shown */
  jumpCauses: string[];
  /** the gradient readout's lines (one per mode with a validity report), as shown */
  readout: string[];
  /** per mode: the validity radius at the scene's value, parameter units (null: no decision moves with it) */
  radius: Partial<Record<ContactMode, number | null>>;
  /** the validity band drawn on the gradient plot, parameter units (null: none) */
  band: [number, number] | null;
  /** the gradient points left outside the gradient axis's range (units.ts `outlierRange`), as listed */
  gradientOutside: string[];
}

/** Two stacked uPlot charts (value, gradient) sharing the parameter axis. */
export class SweepPanel {
  private charts: uPlot[] = [];
  private shapeKey = '';
  private curves: SweepCurve[] = [];
  private spec: SweepSpec | null = null;
  private primary: ContactMode = 'soft';
  /** the scene's value of the parameter: the legend shows the nearest grid point at rest */
  private anchor = NaN;
  private validity: Partial<Record<ContactMode, SweepValidity>> = {};
  private readonly readout: HTMLElement;
  private readonly plots: HTMLElement;
  private readonly jumpList: HTMLOListElement;
  private readonly outside: HTMLElement;
  private readonly status: HTMLElement;

  constructor(private readonly root: HTMLElement) {
    this.readout = document.createElement('div');
    this.readout.className = 'grad-readout';
    this.plots = document.createElement('div');
    this.jumpList = document.createElement('ol');
    this.jumpList.className = 'jump-list';
    this.outside = document.createElement('div');
    this.outside.className = 'panel-status';
    this.status = document.createElement('div');
    this.status.className = 'panel-status';
    root.append(this.readout, this.plots, this.outside, this.jumpList, this.status);
  }

  /** The state tests and the page read. */
  get state(): SweepPanelState {
    const points: Record<string, number> = {};
    const jumps: Record<string, number> = {};
    for (const c of this.curves) {
      points[c.mode] = c.value.filter((v) => v !== null).length;
      jumps[c.mode] = c.jumps.length;
    }
    const axisTitles =
      this.charts.length === 2
        ? [shownTitle(this.charts[0], 0), shownTitle(this.charts[0], 1), shownTitle(this.charts[1], 1)]
        : [];
    const jumpCauses = Array.from(this.jumpList.children, (li) => li.textContent ?? '');
    const readout = Array.from(this.readout.children, (li) => li.textContent ?? '');
    const radius: Partial<Record<ContactMode, number | null>> = {};
    for (const [mode, v] of Object.entries(this.validity)) radius[mode as ContactMode] = v.radius;
    return {
      primary: this.primary,
      modes: this.curves.map((c) => c.mode),
      points,
      jumps,
      axisTitles,
      jumpCauses,
      readout,
      radius,
      band: this.band(),
      gradientOutside: this.outside.textContent === '' ? [] : [this.outside.textContent ?? ''],
    };
  }

  /** The status line, and what it does not say (a tooltip). */
  setStatus(text: string, title = ''): void {
    this.status.textContent = text;
    this.status.title = title;
  }

  /** Draw `curves` of `spec` with `primary` (the page's contact mode) emphasized; `anchor` is the scene's value of the parameter. */
  show(
    spec: SweepSpec,
    curves: SweepCurve[],
    primary: ContactMode,
    anchor = this.anchor,
    validity = this.validity,
  ): void {
    this.spec = spec;
    this.validity = validity;
    this.curves = curves.map((c) => ({ ...c, value: [...c.value], grad: [...c.grad] }));
    this.primary = primary;
    this.anchor = anchor;
    this.root.dataset.primary = primary;
    this.root.dataset.modes = curves.map((c) => c.mode).join(',');
    this.redraw();
    this.listOutside();
    this.listJumps();
    this.showReadout();
  }

  /** Emphasize another mode without new data. */
  setPrimary(primary: ContactMode): void {
    if (this.spec !== null) this.show(this.spec, this.curves, primary);
    else this.primary = primary;
  }

  /** Forget the curves (a new scene). */
  clear(): void {
    for (const c of this.charts) c.destroy();
    this.charts = [];
    this.shapeKey = '';
    this.curves = [];
    this.spec = null;
    this.validity = {};
    this.jumpList.replaceChildren();
    this.readout.replaceChildren();
    this.outside.textContent = '';
  }

  /** Names and units of the three axes. */
  private axes(spec: SweepSpec): { x: [string, string]; value: [string, string]; grad: [string, string] } {
    const ofUnit = pathUnit(spec.of);
    const wrtUnit = pathUnit(spec.wrt);
    return {
      x: [spec.wrt, wrtUnit],
      value: [`final ${spec.of}`, ofUnit],
      grad: [`d ${spec.of} / d ${spec.wrt}`, quotientUnit(ofUnit, wrtUnit)],
    };
  }

  private redraw(): void {
    const spec = this.spec;
    if (spec === null || this.curves.length === 0) return;
    const grid = this.curves[0].x;
    const width = Math.max(240, this.root.clientWidth - 4);
    // the legend's labels carry the jump counts: a new count rebuilds the charts
    const key = `${this.curves.map((c) => `${c.mode}:${c.jumps.length}`).join()}|${Object.keys(this.validity).join()}|${this.primary}|${spec.of}|${spec.wrt}|${spec.from}|${spec.to}|${spec.n}|${width}`;
    const values: uPlot.AlignedData = [grid, ...this.curves.map((c) => c.value)];
    const grads: uPlot.AlignedData = [grid, ...this.curves.map((c) => c.grad)];
    if (key === this.shapeKey && this.charts.length === 2) {
      this.charts[0].setData(values);
      this.charts[1].setData(grads);
      return;
    }
    for (const c of this.charts) c.destroy();
    this.shapeKey = key;
    const axes = this.axes(spec);
    this.charts = [
      new uPlot(this.options(axes.x, axes.value, width), values, this.plots),
      new uPlot(this.options(axes.x, axes.grad, width), grads, this.plots),
    ];
  }

  private options([xName, xUnit]: [string, string], [yName, yUnit]: [string, string], width: number): uPlot.Options {
    const spec = this.spec!;
    const series: uPlot.Series[] = [{ label: spec.wrt, value: (_u, v) => (v === null ? '–' : withUnit(v, xUnit)) }];
    for (const c of this.curves) {
      const main = c.mode === this.primary;
      series.push({
        label: `${c.mode}${c.jumps.length > 0 ? ` (${c.jumps.length} jump${c.jumps.length > 1 ? 's' : ''})` : ''}`,
        stroke: MODE_COLOURS[c.mode],
        width: main ? 2.5 : 1.25,
        dash: main ? undefined : [6, 4],
        points: { show: main, size: 4 },
        spanGaps: true,
        value: (_u, v) => (v === null ? '–' : withUnit(v, yUnit)),
      });
    }
    const gradient = yName.startsWith('d ');
    return {
      width,
      height: PLOT_HEIGHT,
      scales: {
        x: { time: false },
        // the gradient axis leaves out one mode's spikes (listed under the plots) so the other curves keep their shape
        ...(gradient ? { y: { range: (_u: uPlot, min: number, max: number) => this.gradientRange(min, max) } } : {}),
      },
      title: yName,
      axes: [xAxis(xName, xUnit), yAxis(yUnit)],
      series,
      legend: { show: true, live: true },
      hooks: {
        draw: [(u) => this.drawJumps(u), ...(gradient ? [(u: uPlot) => this.drawValidity(u)] : [])],
        ...legendAtRest(() => this.anchorIndex()),
      },
    };
  }

  /** Every mode's gradients, mode after mode (the order {@link outlierRange}'s indices refer to). */
  private allGradients(): (number | null)[] {
    return this.curves.flatMap((c) => c.grad);
  }

  /** The gradient axis's range: the data's, without outliers (units.ts `outlierRange`), padded as uPlot pads. */
  private gradientRange(min: number, max: number): uPlot.Range.MinMax {
    const r = outlierRange(this.allGradients());
    return uPlot.rangeNum(r === null ? min : r.min, r === null ? max : r.max, 0.1, true);
  }

  /** The line under the plots naming the gradient points the axis leaves out. */
  private listOutside(): void {
    const spec = this.spec;
    const r = outlierRange(this.allGradients());
    if (spec === null || r === null) {
      this.outside.textContent = '';
      return;
    }
    const wrtUnit = pathUnit(spec.wrt);
    const gradUnit = quotientUnit(pathUnit(spec.of), wrtUnit);
    const n = this.curves[0]?.x.length ?? 1;
    const points = r.outside.map((i) => {
      const c = this.curves[Math.floor(i / n)];
      return { mode: c.mode, x: c.x[i % n], g: c.grad[i % n] ?? NaN };
    });
    points.sort((a, b) => Math.abs(b.g) - Math.abs(a.g));
    const shown = points.slice(0, 3).map((p) => `${p.mode} ${withUnit(p.g, gradUnit)} at ${withUnit(p.x, wrtUnit)}`);
    this.outside.textContent = `gradient axis: ${points.length} point${points.length > 1 ? 's' : ''} beyond it, > 10× the curves' typical size (${shown.join(', ')}${points.length > 3 ? ', …' : ''})`;
  }

  /** The grid point nearest the scene's value of the parameter (the middle if unknown). */
  private anchorIndex(): number | null {
    const spec = this.spec;
    if (spec === null) return null;
    const i = Number.isFinite(this.anchor)
      ? Math.round(((this.anchor - spec.from) / (spec.to - spec.from)) * (spec.n - 1))
      : (spec.n - 1) >> 1;
    return Math.max(0, Math.min(spec.n - 1, i));
  }

  /** Bands over the grid intervals where a mode's gradient jumps, numbered as in the list. */
  private drawJumps(u: uPlot): void {
    const ctx = u.ctx;
    const { top, height } = u.bbox;
    ctx.save();
    ctx.font = `bold ${Math.round(11 * devicePixelRatio)}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    let number = 1;
    for (const c of this.curves) {
      const main = c.mode === this.primary;
      c.jumps.forEach((j, k) => {
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
        if (k < MAX_LABELLED_JUMPS) {
          ctx.fillStyle = MODE_COLOURS[c.mode];
          ctx.fillText(String(number), (x0 + x1) / 2, top + 2);
        }
        number++;
      });
    }
    ctx.restore();
  }

  /** The page's mode's validity band [x − R, x + R] (parameter units), or null. */
  private band(): [number, number] | null {
    const v = this.validity[this.primary];
    return v === undefined || v.radius === null ? null : [v.x - v.radius, v.x + v.radius];
  }

  /** The page's mode's validity band on the gradient plot, and ticks where its nearest decisions flip. */
  private drawValidity(u: uPlot): void {
    const v = this.validity[this.primary];
    if (v === undefined || this.spec === null) return;
    const ctx = u.ctx;
    const { top, height } = u.bbox;
    const px = devicePixelRatio;
    ctx.save();
    ctx.strokeStyle = VALIDITY_COLOUR;
    ctx.fillStyle = VALIDITY_COLOUR;
    const centre = u.valToPos(v.x, 'x', true);
    if (v.radius !== null) {
      const x0 = u.valToPos(v.x - v.radius, 'x', true);
      const x1 = u.valToPos(v.x + v.radius, 'x', true);
      const w = Math.max(MIN_BAND_PX * px, x1 - x0);
      ctx.globalAlpha = 0.25;
      ctx.fillRect(centre - w / 2, top, w, height);
      ctx.globalAlpha = 1;
      ctx.lineWidth = px;
      ctx.strokeRect(centre - w / 2, top, w, height);
    }
    // the nearest decisions' first-order flip points: small triangles on the bottom edge
    const y = top + height;
    for (const d of v.nearest) {
      const x = u.valToPos(d.flipAt, 'x', true);
      ctx.beginPath();
      ctx.moveTo(x, y - 7 * px);
      ctx.lineTo(x - 4 * px, y);
      ctx.lineTo(x + 4 * px, y);
      ctx.closePath();
      ctx.fill();
    }
    ctx.restore();
  }

  /** One line per mode (the page's first): the gradient at the scene's value, its validity radius and nearest decision. */
  private showReadout(): void {
    const spec = this.spec;
    if (spec === null) return;
    const wrtUnit = pathUnit(spec.wrt);
    const gradUnit = quotientUnit(pathUnit(spec.of), wrtUnit);
    const modes = (Object.keys(this.validity) as ContactMode[]).sort(
      (a, b) => Number(b === this.primary) - Number(a === this.primary),
    );
    const swatch = (mode: ContactMode): HTMLSpanElement => {
      const el = document.createElement('span');
      el.className = 'swatch';
      el.style.background = MODE_COLOURS[mode];
      return el;
    };
    const radius = (v: SweepValidity): string =>
      v.radius === null ? 'radius unknown' : `±${withUnit(v.radius, wrtUnit)}`;
    const tooltip = (v: SweepValidity): string =>
      v.nearest
        .map((d) => `${d.label}: flips at ${withUnit(d.flipAt, wrtUnit)} (±${withUnit(d.distance, wrtUnit)})`)
        .join('\n');
    const lines: HTMLDivElement[] = [];
    // the page's mode in full, the others' radii on one line (their decisions in the tooltip)
    const main = this.validity[this.primary];
    if (main !== undefined) {
      const line = document.createElement('div');
      line.className = 'primary';
      const holds =
        main.radius === null
          ? 'no recorded decision moves with it (no contact, and no approach to the collision margin)'
          : `holds within ±${withUnit(main.radius, wrtUnit)} (nearest decision: ${main.decision})`;
      line.append(
        swatch(this.primary),
        `${this.primary} at ${withUnit(main.x, wrtUnit)}: gradient ${withUnit(main.grad, gradUnit)}, ${holds}`,
      );
      line.title = tooltip(main);
      lines.push(line);
    }
    const others = modes.filter((m) => m !== this.primary);
    if (others.length > 0) {
      const line = document.createElement('div');
      for (const mode of others) {
        const v = this.validity[mode]!;
        line.append(
          swatch(mode),
          `${mode}: ${withUnit(v.grad, gradUnit)}, ${radius(v)}${v.decision ? ` (${v.decision})` : ''}  `,
        );
      }
      line.title = others.map((m) => `${m}:\n${tooltip(this.validity[m]!)}`).join('\n');
      lines.push(line);
    }
    this.readout.replaceChildren(...lines);
  }

  /** One line per jump, numbered as in the plots: mode, interval, size, cause. */
  private listJumps(): void {
    const spec = this.spec;
    if (spec === null) return;
    const wrtUnit = pathUnit(spec.wrt);
    const gradUnit = quotientUnit(pathUnit(spec.of), wrtUnit);
    const items: HTMLLIElement[] = [];
    for (const c of this.curves) {
      for (const j of c.jumps) {
        const li = document.createElement('li');
        const swatch = document.createElement('span');
        swatch.className = 'swatch';
        swatch.style.background = MODE_COLOURS[c.mode];
        const size = withUnit(Math.abs(j.size), gradUnit);
        li.append(
          swatch,
          `${c.mode}: between ${withUnit(j.from, wrtUnit)} and ${withUnit(j.to, wrtUnit)}, gradient ${j.size > 0 ? '+' : '−'}${size} — ${j.cause}`,
        );
        li.title = j.kinks.map((k) => `${k.label} (margin ${k.margin.toPrecision(2)})`).join('\n');
        items.push(li);
      }
    }
    this.jumpList.replaceChildren(...items);
  }
}
