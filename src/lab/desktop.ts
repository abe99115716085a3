/**
 * A lab desktop with something of every kind to decode: an xterm with coloured, bold and inverse text,
 * xlogo, and a photo-like image (xwud) that servers compress as a photo (QUIC, JPEG).
 */
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import type {XClient} from './xspice.js';
import {encodeXwd} from './xwd.js';

/** Smooth gradients with fine texture, 256x192. */
export function writePhotoXwd(path: string): void {
  writeFileSync(
    path,
    encodeXwd(256, 192, (x, y) => {
      const r = Math.round(128 + 100 * Math.sin(x / 23) * Math.cos(y / 31));
      const g = Math.round(128 + 90 * Math.sin((x + y) / 17));
      const b = Math.round(((x * 7 + y * 13) % 64) + 120 + 40 * Math.cos(y / 9));
      return (r << 16) | (g << 8) | b;
    }),
  );
}

const COLOURS =
  'printf "\\033[31mred \\033[32mgreen \\033[33myellow \\033[34mblue \\033[35mmagenta \\033[36mcyan\\033[0m\\n\\033[1mbold\\033[0m \\033[7minverse\\033[0m plain\\n"; ls -la /usr/lib | head -20; sleep 600';

/** The X clients of the rich desktop; the photo is written into `workDir`. */
export function richDesktopClients(workDir: string): XClient[] {
  const photo = join(workDir, 'photo.xwd');
  writePhotoXwd(photo);
  return [
    {command: 'xterm', args: ['-geometry', '80x24+0+0', '-e', 'sh', '-c', COLOURS]},
    {command: 'xlogo', args: ['-geometry', '200x200+600+20']},
    {command: 'xwud', args: ['-in', photo, '-geometry', '+600+300']},
  ];
}
