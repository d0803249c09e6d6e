/**
 * What the page's bundle gets for vega and vega-lite (vite.config.ts): the CLI's loss SVG
 * (scenes/plotting.ts loads them on use) is never drawn in the page, which plots with
 * uPlot. Importing this fails, as importing vega does on an install without it, so the
 * CLI's code reports "plotting unavailable" instead of drawing.
 */
throw new Error('vega and vega-lite are not bundled in the viewer page (it plots with uPlot)');
