/**
 * The plotting libraries (vega, vega-lite) are optional peers of the package: a physics
 * library should not pull 11 MB of chart code into every install. Plots load them here on
 * first use and, when they are missing, fail with the command that installs them.
 */

/** A plot was asked for, but vega or vega-lite (or both) is not installed. */
export class PlottingUnavailableError extends Error {
  constructor(missing: readonly string[]) {
    const what = missing.length === 1 ? `${missing[0]} is not installed` : `${missing.join(' and ')} are not installed`;
    super(`plots need the optional packages vega and vega-lite (${what}): npm install vega vega-lite`);
    this.name = 'PlottingUnavailableError';
  }
}

function isMissingModule(err: unknown, name: string): boolean {
  const e = err as { code?: string; message?: string } | null;
  return e?.code === 'ERR_MODULE_NOT_FOUND' && typeof e.message === 'string' && e.message.includes(`'${name}'`);
}

/** vega and vega-lite, or a {@link PlottingUnavailableError} naming every one that is missing. */
export async function loadPlotting(): Promise<{ vega: typeof import('vega'); vegaLite: typeof import('vega-lite') }> {
  const [vega, vegaLite] = await Promise.allSettled([import('vega'), import('vega-lite')]);
  const missing = (
    [
      ['vega', vega],
      ['vega-lite', vegaLite],
    ] as const
  ).filter(([name, r]) => r.status === 'rejected' && isMissingModule(r.reason, name));
  if (missing.length > 0) throw new PlottingUnavailableError(missing.map(([name]) => name));
  // any other failure to load is a real error, not a missing optional package
  if (vega.status === 'rejected') throw vega.reason;
  if (vegaLite.status === 'rejected') throw vegaLite.reason;
  return { vega: vega.value, vegaLite: vegaLite.value };
}
