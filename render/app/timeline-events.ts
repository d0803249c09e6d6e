/**
 * The strip under the timeline: where the trajectory is in contact (a pale band per frame
 * with contacts) and where a contact starts (a dark tick at each frame that has more
 * contacts than the one before), in the track's contact-mode colour. A trajectory file
 * carries no contacts, so its strip is empty.
 */
import type { Track } from '../track.ts';

/** Opacity of the in-contact band, as a hex alpha. */
const BAND_ALPHA = '55';

/**
 * Draw `track`'s contact events on `canvas` (its CSS width spans the track's duration).
 * Returns the times of the onsets drawn, s.
 */
export function drawContactEvents(canvas: HTMLCanvasElement, track: Track | null, colour: string): number[] {
  const width = Math.max(1, canvas.clientWidth);
  const height = Math.max(1, canvas.clientHeight);
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (ctx === null) return [];
  ctx.clearRect(0, 0, width, height);
  const c = track?.contacts;
  if (track === null || c === undefined) return [];
  const times = track.times;
  const duration = times[times.length - 1] - times[0];
  if (!(duration > 0)) return [];
  const at = (t: number) => ((t - times[0]) / duration) * width;
  const onsets: number[] = [];
  for (let f = 0; f < times.length; f++) {
    const count = c.offsets[f + 1] - c.offsets[f];
    if (count === 0) continue;
    const x0 = at(times[f]);
    const x1 = f + 1 < times.length ? at(times[f + 1]) : width;
    ctx.fillStyle = colour + BAND_ALPHA;
    ctx.fillRect(x0, 0, Math.max(1, x1 - x0), height);
    const before = f > 0 ? c.offsets[f] - c.offsets[f - 1] : 0;
    if (count > before) {
      ctx.fillStyle = colour;
      ctx.fillRect(Math.round(x0), 0, 2, height);
      onsets.push(times[f]);
    }
  }
  return onsets;
}
