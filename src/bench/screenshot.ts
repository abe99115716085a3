/**
 * Whole-process screenshot time: `spice-cli screenshot --still 0 -o F.ppm` against `spicy-screenshot -o
 * F.ppm` on the same still lab desktop (rich content), alternating runs; both write a PPM of the first
 * complete frame. Also the in-process time from SpiceSession.connect() to the first complete frame.
 */
import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {SpiceSession} from '../client/session.js';
import {richDesktopClients} from '../lab/desktop.js';
import {startXspice} from '../lab/xspice.js';
import {timeProcessOk} from './processes.js';
import {ratio, summarize} from './stats.js';

export async function benchScreenshot(bin: string, runs: number, log: (l: string) => void) {
  const work = mkdtempSync(join(tmpdir(), 'spice-cli-bench-shot-'));
  const t = await startXspice({compression: 'auto_glz', clients: richDesktopClients(work)});
  try {
    await new Promise((r) => setTimeout(r, 500));
    const ours: number[] = [];
    const gtk: number[] = [];
    const firstFrame: number[] = [];
    for (let round = -1; round < runs; round++) {
      const a = await timeProcessOk(process.execPath, [bin, 'screenshot', '--uri', t.uri, '--still', '0', '-o', join(work, 'ours.ppm')], 30_000);
      await new Promise((r) => setTimeout(r, 150));
      const b = await timeProcessOk('spicy-screenshot', ['-h', '127.0.0.1', '-p', String(t.port), '-o', join(work, 'spicy.ppm')], 30_000);
      await new Promise((r) => setTimeout(r, 150));
      const t0 = performance.now();
      const s = await SpiceSession.connect(t.uri, {render: true, timeoutMs: 10_000});
      await s.display!.waitFirstFrame();
      const ff = performance.now() - t0;
      await new Promise((r) => setTimeout(r, 300)); // Xspice dislikes immediate disconnects (see target-bench)
      s.close();
      await new Promise((r) => setTimeout(r, 150));
      if (round < 0) continue;
      ours.push(a.ms);
      gtk.push(b.ms);
      firstFrame.push(ff);
    }
    const result = {
      spiceCli: summarize(ours),
      spicyScreenshot: summarize(gtk),
      ratio: ratio(summarize(ours), summarize(gtk)),
      inProcessFirstFrame: summarize(firstFrame),
      note: 'whole process, spawn → exit, PPM of the first complete frame (--still 0), Xspice auto_glz with xterm, xlogo and a photo',
    };
    log(`screenshot: spice-cli ${result.spiceCli.median} ms, spicy-screenshot ${result.spicyScreenshot.median} ms (ratio ${result.ratio})`);
    return result;
  } finally {
    await t.stop();
  }
}
