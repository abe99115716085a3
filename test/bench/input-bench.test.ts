/**
 * `spice-cli bench --input-only --target xspice` end to end (the built CLI, as `npm run bench`): keystroke
 * rates into cat > FILE on Xspice and key-to-pixel latency for spice-cli and spice-gtk. Checks the JSON
 * shape, that the default rate (50/s) arrived complete (the keyboard's own acceptance) and that every
 * latency figure is positive and finite; no assertion on speed.
 */
import {describe, expect, it} from 'vitest';
import {runBench} from '../support/bench.js';

describe('npm run bench -- --input-only', () => {
  it('reports keystroke rates without loss and key-to-pixel latency beside spice-gtk on Xspice', async () => {
    const r = await runBench(['--input-only', '--target', 'xspice'], 150_000);
    expect(r.code, r.stderr).toBe(0);
    const {input} = JSON.parse(r.stdout);
    expect(input.qemu).toBeUndefined();
    const x = input.xspice;
    expect(x.rates.length).toBeGreaterThan(0);
    expect(x.rates[0]).toMatchObject({rate: 50, complete: true});
    for (const [i, rate] of x.rates.entries()) {
      expect(rate.sentPerSecond).toBeGreaterThan(0);
      // Rising rates, stopping at the first loss.
      if (i > 0) expect(rate.rate).toBeGreaterThan(x.rates[i - 1].rate);
      if (!rate.complete) expect(i).toBe(x.rates.length - 1);
    }
    expect(x.maxRateWithoutLoss).toBe(Math.max(...x.rates.filter((q: {complete: boolean}) => q.complete).map((q: {rate: number}) => q.rate)));
    for (const s of [x.keyToPixel.spiceCli, x.keyToPixel.spiceGtk]) {
      expect(s.n).toBe(30);
      for (const k of ['median', 'p90', 'min', 'max']) expect(Number.isFinite(s[k]) && s[k] > 0, `${k} = ${s[k]}`).toBe(true);
    }
    expect(x.keyToPixel.spiceGtkVersion).toMatch(/^\d+\.\d+/);
  }, 180_000);

  it('rejects a value given to --input', async () => {
    const r = await runBench(['--input=yes'], 30_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unexpected argument: yes/);
  });
});
