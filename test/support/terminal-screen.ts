/**
 * What a terminal shows after receiving `output`: the text lines (scrollback included) once the cursor
 * movements and erasures of a live view (ink's log-update) are applied. Enough of VT100 for that: printable
 * characters, \r, \n, cursor up/down/column (CSI A, B, G), erase line (CSI K, 2K) and screen (CSI 2J, H);
 * colours and modes (CSI m, ?h, ?l) are ignored.
 */
export function terminalScreen(output: string): string[] {
  const lines: string[][] = [[]];
  let row = 0;
  let col = 0;
  const line = () => (lines[row] ??= []);
  // eslint-disable-next-line no-control-regex
  const token = /\x1b\[([?0-9;]*)([A-Za-z])|\x1b\][^\x07]*\x07|[\s\S]/gu;
  for (const [t, params, cmd] of output.matchAll(token)) {
    const n = Number(params?.replace(/^\?/, '') || 1);
    if (cmd === 'A') row = Math.max(0, row - n);
    else if (cmd === 'B') row += n;
    else if (cmd === 'G') col = n - 1;
    else if (cmd === 'H') [row, col] = [0, 0];
    else if (cmd === 'K') line().splice(params === '2' ? 0 : col);
    else if (cmd === 'J' && params === '2') lines.splice(0, lines.length, []);
    else if (cmd || t.startsWith('\x1b')) continue;
    else if (t === '\r') col = 0;
    else if (t === '\n') [row, col] = [row + 1, 0];
    else {
      const l = line();
      while (l.length < col) l.push(' ');
      l[col++] = t;
    }
  }
  for (let i = 0; i < lines.length; i++) lines[i] ??= [];
  return lines.map((l) => l.join('').trimEnd());
}
