/**
 * `sweep --plot sweep.svg`: the sweep drawn with vega-lite (compiled to a vega spec and
 * rendered to SVG headlessly by vega's View, no browser or canvas needed). Two panels
 * sharing the parameter axis: the value, and the gradient (AD as lines, finite
 * differences as hollow points), one colour per contact mode, each jump a dashed
 * vertical rule in its mode's colour on both panels.
 *
 * vega and vega-lite are imported on first use, so commands that do not plot do not load
 * them.
 */
import type { TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from './files.ts';
import type { ContactMode } from '../../sim/model.ts';
import type { ModeSweep, SweepResult } from '../../sim/sweep.ts';
import { loadPlotting } from '../plotting.ts';
import { MODE_COLOURS } from '../../render/mode-colours.ts';

/** Colour of each contact mode, shared with the viewer (render/mode-colours.ts). */
export { MODE_COLOURS };

/** Size of each panel, px. */
const PANEL = { width: 560, height: 220 };

/** What the axes are: the swept parameter and the quantity. */
export interface PlotLabels {
  of: string;
  wrt: string;
}

/**
 * The vega-lite spec of a sweep (exported for tests and for anyone who wants to restyle
 * it): the data are inline, one row per (mode, grid point) and one per (mode, jump).
 *
 * @example
 * const spec = sweepPlotSpec(sweep(scene, opts), { of: 'ball.position.z', wrt: 'ball.position.z' });
 */
export function sweepPlotSpec(result: SweepResult, labels: PlotLabels): TopLevelSpec {
  const entries = Object.entries(result) as [ContactMode, ModeSweep][];
  const modes = entries.map(([mode]) => mode);
  const points = entries.flatMap(([mode, s]) =>
    s.x.map((x, i) => ({ mode, x, value: s.value[i], grad: s.grad[i], fdGrad: s.fdGrad[i] })),
  );
  const jumps = entries.flatMap(([mode, s]) => s.jumps.map((j) => ({ mode, at: j.at, size: j.size })));
  const x = { field: 'x', type: 'quantitative', title: labels.wrt, scale: { zero: false } } as const;
  const colour = {
    field: 'mode',
    type: 'nominal',
    title: 'contact',
    scale: { domain: modes, range: modes.map((m) => MODE_COLOURS[m]) },
  } as const;
  const jumpRules = {
    data: { values: jumps },
    mark: { type: 'rule' as const, strokeDash: [4, 3], opacity: 0.7 },
    encoding: {
      x: { field: 'at', type: 'quantitative' as const },
      color: colour,
      tooltip: [{ field: 'at' }, { field: 'size', title: 'gradient jump' }],
    },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `${labels.of} against ${labels.wrt}`,
      subtitle:
        'top: value; bottom: gradient (lines AD, hollow points finite differences); dashed rules: gradient jumps',
      anchor: 'start',
    },
    vconcat: [
      {
        ...PANEL,
        layer: [
          {
            data: { values: points },
            mark: { type: 'line', point: { size: 12 } },
            encoding: {
              x,
              y: { field: 'value', type: 'quantitative', title: labels.of, scale: { zero: false } },
              color: colour,
            },
          },
          jumpRules,
        ],
      },
      {
        ...PANEL,
        layer: [
          {
            data: { values: points },
            mark: { type: 'line', point: { size: 12 } },
            encoding: {
              x,
              y: { field: 'grad', type: 'quantitative', title: `d ${labels.of} / d ${labels.wrt}` },
              color: colour,
            },
          },
          {
            data: { values: points },
            mark: { type: 'point', filled: false, size: 40 },
            encoding: { x, y: { field: 'fdGrad', type: 'quantitative' }, color: colour },
          },
          jumpRules,
        ],
      },
    ],
    resolve: { scale: { color: 'shared' } },
  };
}

/**
 * The sweep as an SVG document (vega-lite → vega → SVG, headless).
 *
 * @example
 * const svg = await renderSweepSvg(result, { of: 'ball.position.z', wrt: 'ball.position.z' });
 */
export async function renderSweepSvg(result: SweepResult, labels: PlotLabels): Promise<string> {
  const { vega, vegaLite } = await loadPlotting();
  const compiled = vegaLite.compile(sweepPlotSpec(result, labels)).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Render the sweep and write it to `file` (atomically: see files.ts). */
export async function writeSweepPlot(file: string, result: SweepResult, labels: PlotLabels): Promise<void> {
  writeFileAtomic(file, await renderSweepSvg(result, labels), 'plot');
}
