/**
 * The plotting libraries (vega, vega-lite) are optional peers of the package: a physics
 * library should not pull 11 MB of chart code into every install. Plots load them here on
 * first use and, when they are missing, fail with the command that installs them.
 */

/** A plot was asked for, but vega or vega-lite is not installed. */
export class PlottingUnavailableError extends Error {
  constructor(missing: string) {
    super(`plots need the optional packages vega and vega-lite (${missing} is not installed): npm install vega vega-lite`);
    this.name = 'PlottingUnavailableError';
  }
}

function isMissingModule(err: unknown, name: string): boolean {
  const e = err as { code?: string; message?: string } | null;
  return e?.code === 'ERR_MODULE_NOT_FOUND' && typeof e.message === 'string' && e.message.includes(`'${name}'`);
}

/** vega and vega-lite, or a {@link PlottingUnavailableError} naming the one that is missing. */
export async function loadPlotting(): Promise<{ vega: typeof import('vega'); vegaLite: typeof import('vega-lite') }> {
  const load = async <T>(name: string, importer: () => Promise<T>): Promise<T> => {
    try {
      return await importer();
    } catch (err) {
      if (isMissingModule(err, name)) throw new PlottingUnavailableError(name);
      throw err;
    }
  };
  const [vega, vegaLite] = await Promise.all([load('vega', () => import('vega')), load('vega-lite', () => import('vega-lite'))]);
  return { vega, vegaLite };
}
