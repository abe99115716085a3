/** The picture `needle check -o` writes: the screen with the needle's areas outlined where they were looked for. */
import type {Rgba} from './image.js';
import type {MatchResult} from './match.js';
import type {Needle} from './needle.js';

export const COLORS = {found: [0, 255, 0], notFound: [255, 0, 0], exclude: [255, 255, 0], click: [255, 0, 255]} as const;

/** A copy of `screen` with each match area outlined (2 px, green found / red not found) at its best location,
 * exclude areas (yellow, 1 px) moved with the match area they cut, and the click point as a magenta cross. */
export function drawMatch(screen: Rgba, needle: Needle, result: MatchResult): Rgba {
  const out: Rgba = {width: screen.width, height: screen.height, data: new Uint8Array(screen.data.subarray(0, screen.width * screen.height * 4))};
  const put = (x: number, y: number, c: readonly number[]) => {
    if (x < 0 || y < 0 || x >= out.width || y >= out.height) return;
    const i = (y * out.width + x) * 4;
    out.data[i] = c[0]!;
    out.data[i + 1] = c[1]!;
    out.data[i + 2] = c[2]!;
    out.data[i + 3] = 255;
  };
  const outline = (x: number, y: number, w: number, h: number, thick: number, c: readonly number[]) => {
    for (let t = 0; t < thick; t++) {
      for (let i = x - t; i < x + w + t; i++) {
        put(i, y - 1 - t, c);
        put(i, y + h + t, c);
      }
      for (let j = y - 1 - t; j <= y + h + t; j++) {
        put(x - 1 - t, j, c);
        put(x + w + t, j, c);
      }
    }
  };
  for (const e of needle.areas) {
    if (e.type !== 'exclude') continue;
    const cut = result.areas.find((a) => a.area.x < e.x + e.width && e.x < a.area.x + a.area.width && a.area.y < e.y + e.height && e.y < a.area.y + a.area.height);
    const dx = cut ? cut.x - cut.area.x : 0;
    const dy = cut ? cut.y - cut.area.y : 0;
    outline(e.x + dx, e.y + dy, e.width, e.height, 1, COLORS.exclude);
  }
  for (const a of result.areas) outline(a.x, a.y, a.area.width, a.area.height, 2, a.found ? COLORS.found : COLORS.notFound);
  if (result.click) {
    for (let d = -4; d <= 4; d++) {
      put(result.click.x + d, result.click.y, COLORS.click);
      put(result.click.x, result.click.y + d, COLORS.click);
    }
  }
  return out;
}
