/**
 * uPlot axes that read on their own (shared by the sweep and loss panels): a title with
 * its unit, tick labels with an SI prefix or powers of ten (render/units.ts), and a y
 * axis as wide as its longest label, so no label is clipped.
 */
import type uPlot from 'uplot';
import { axisPower, axisTitle, decadeTicks, logTicks, scaledUnit, siTicks } from '../units.ts';

/** Width of one character of the axis font (12 px system-ui), px: a generous average. */
const CHAR_WIDTH = 7;
/** Room for the tick marks and the gap before the labels, px. */
const TICK_ROOM = 14;
/** Height of an axis title line, px. */
const TITLE_SIZE = 18;

/** Axis font, set explicitly so the widths above hold. */
const FONT = '12px system-ui, sans-serif';
const TITLE_FONT = 'bold 12px system-ui, sans-serif';

function widthFor(values: readonly string[] | null): number {
  const longest = Math.max(1, ...(values ?? []).map((v) => v.length));
  return TICK_ROOM + CHAR_WIDTH * longest;
}

/** The power of ten an axis on `scale` is written in, from the scale's current range. */
function scalePower(u: uPlot, scale: string): number {
  const s = u.scales[scale];
  return axisPower(Math.max(Math.abs(s?.min ?? 0), Math.abs(s?.max ?? 0)));
}

/**
 * A linear axis titled `name [unit]`: its ticks in one power of ten, which the title's
 * unit carries (render/units.ts), so every label stays short.
 */
function linearAxis(name: string, unit: string, scale: string): uPlot.Axis {
  return {
    scale,
    label: (u) => axisTitle(name, scaledUnit(unit, scalePower(u, scale))),
    labelSize: TITLE_SIZE,
    labelFont: TITLE_FONT,
    font: FONT,
    values: (u, splits, _i, _space, incr) => siTicks(splits, incr, scalePower(u, scale)),
  };
}

/** The parameter (x) axis. */
export function xAxis(name: string, unit: string): uPlot.Axis {
  return linearAxis(name, unit, 'x');
}

/**
 * A linear y axis labelled with its unit only, e.g. `[mm]` (the quantity's name is the
 * chart's title: a rotated name would not fit a short plot), as wide as its tick labels.
 */
export function yAxis(unit: string): uPlot.Axis {
  return {
    ...linearAxis('', unit, 'y'),
    label: (u) => unitLabel(scaledUnit(unit, scalePower(u, 'y'))),
    size: (_u, values) => widthFor(values),
  };
}

/** A log y axis labelled with its unit, powers of ten labelled (1e−6 …), width fitted to the labels. */
export function logYAxis(unit: string): uPlot.Axis {
  return {
    label: unitLabel(unit),
    labelSize: TITLE_SIZE,
    labelFont: TITLE_FONT,
    font: FONT,
    splits: (_u, _axis, min, max) => decadeTicks(min, max),
    values: (_u, splits) => logTicks(splits),
    size: (_u, values) => widthFor(values),
  };
}

function unitLabel(unit: string): string {
  return unit === '' || unit === '1' ? '[1]' : `[${unit}]`;
}

/** The title an axis shows now (its label, evaluated when it depends on the range), after the chart's title for a y axis. */
export function shownTitle(u: uPlot, axis: number): string {
  const label = u.axes[axis]?.label;
  const text = typeof label === 'function' ? label(u, axis, 0, 0) : (label ?? '');
  return axis === 0 ? text : `${u.root.querySelector('.u-title')?.textContent ?? ''} ${text}`.trim();
}

/**
 * Keep the legend showing the point at `idx()` whenever the cursor is off the plot
 * (uPlot would show "--"), so the legend always states numbers.
 */
export function legendAtRest(idx: (u: uPlot) => number | null): uPlot.Hooks.Arrays {
  const rest = (u: uPlot) => {
    if (u.cursor.idx === null || u.cursor.idx === undefined) {
      const i = idx(u);
      if (i !== null) u.setLegend({ idx: i }, false);
    }
  };
  return { setCursor: [rest], setData: [rest], ready: [rest] };
}
