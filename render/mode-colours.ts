/**
 * One colour per contact mode, the same in every picture the project draws: the CLI's SVG
 * plots (scenes/cli/plot.ts) and the viewer's sweep plots, trails and timeline. Only a
 * type import, so both node and the page load it without pulling anything in.
 */
import type { ContactMode } from '../sim/model.ts';

/** Colour of each contact mode (CSS hex): hard red, penalty blue, soft green. */
export const MODE_COLOURS: Readonly<Record<ContactMode, string>> = {
  hard: '#d62728',
  penalty: '#1f77b4',
  soft: '#2ca02c',
};
