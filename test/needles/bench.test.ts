/**
 * The needle benchmark (dist/bench/needle.js, part of `npm run bench`) runs and reports each case with the
 * right outcome; numbers are checked for shape only, never for speed.
 */
import {execFileSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';

const NEEDLE_JS = fileURLToPath(new URL('../../dist/bench/needle.js', import.meta.url));

describe('needle benchmark', () => {
  it('prints found, offset and not-found cases with median and p99', () => {
    const report = JSON.parse(execFileSync(process.execPath, [NEEDLE_JS, '--runs', '3'], {encoding: 'utf8', timeout: 60_000}));
    expect(report).toMatchObject({frame: '1024x768', margin: 50});
    const outcome = (report.cases as Array<Record<string, unknown>>).map((c) => [c.found, c.dx, c.dy]);
    expect(outcome).toEqual([
      [true, 0, 0],
      [true, 13, 7],
      [true, -40, 35],
      [false, 0, 0],
      [false, 0, 0],
      [false, 0, 0],
      [false, 0, 0],
    ]);
    for (const c of report.cases) {
      expect(c.runs).toBeGreaterThanOrEqual(3);
      for (const k of ['medianMs', 'p99Ms', 'maxMs']) expect(Number.isFinite(c[k]) && c[k] >= 0, `${c.case} ${k}`).toBe(true);
      expect(c.score).toBeLessThanOrEqual(100);
    }
  });
});
