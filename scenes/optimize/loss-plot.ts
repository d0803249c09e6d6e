/**
 * loss.svg of an optimization: the loss of each iterate against the iteration, log scale,
 * one colour per stage (continuation's temperatures), drawn with vega-lite and rendered to
 * SVG headlessly by vega (as scenes/cli/plot.ts does for sweeps).
 */
import type { TopLevelSpec } from 'vega-lite';
import type { OptimizeRun } from './driver.ts';
import { loadPlotting } from '../plotting.ts';

/** Size of the plot, px. */
const SIZE = { width: 560, height: 260 };

/** Smallest loss drawn: a log scale cannot show 0 (an exact hit). */
const LOSS_FLOOR = 1e-16;

/** The vega-lite spec of the loss curve (exported for restyling and tests). */
export function lossPlotSpec(run: OptimizeRun): TopLevelSpec {
  const { result, problem } = run;
  const stageName = (k: number) => {
    const s = result.stages[k].setting;
    return s.mode === 'soft' ? `soft, τ = ${s.temperature.toExponential(1)} m` : s.mode;
  };
  // the iteration index of each loss entry: a stage's warm start shares its predecessor's last index
  let iteration = 0;
  const points = result.loss.map((loss, i) => {
    if (i > 0 && result.stageOf[i] === result.stageOf[i - 1]) iteration++;
    return { iteration, loss: Math.max(loss, LOSS_FLOOR), stage: stageName(result.stageOf[i]) };
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `${problem.name}: loss by iteration (${run.strategy})`,
      subtitle: `verified in ${run.verification.mode} mode: ${problem.missLabel} = ${run.verification.miss.toPrecision(3)} (tolerance ${problem.tolerance})`,
      anchor: 'start',
    },
    ...SIZE,
    data: { values: points },
    mark: { type: 'line', point: { size: 16 } },
    encoding: {
      x: { field: 'iteration', type: 'quantitative', title: 'iteration' },
      y: { field: 'loss', type: 'quantitative', title: 'loss', scale: { type: 'log' } },
      color: { field: 'stage', type: 'nominal', title: 'stage', sort: null },
    },
  };
}

/** The loss curve as an SVG document. */
export async function renderLossSvg(run: OptimizeRun): Promise<string> {
  const { vega, vegaLite } = await loadPlotting();
  const view = new vega.View(vega.parse(vegaLite.compile(lossPlotSpec(run)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
