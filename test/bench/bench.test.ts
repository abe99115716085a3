/**
 * `spice-cli bench` (= `npm run bench`) end to end, tiny: two rounds against Xspice, as a process (the built CLI;
 * `npm test` builds first). Checks the JSON shape and that every number is positive and finite; no
 * assertion on speed.
 */
import {mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {runBench} from '../support/bench.js';

function expectSummary(s: unknown, runs: number): void {
  expect(s).toMatchObject({n: runs});
  for (const key of ['median', 'p90', 'min', 'max'] as const) {
    const v = (s as Record<string, number>)[key];
    expect(Number.isFinite(v) && v > 0, `${key} = ${v}`).toBe(true);
  }
}

describe('npm run bench', () => {
  it('measures spice-cli and spice-gtk on Xspice and prints the JSON report', async () => {
    const r = await runBench(['--runs', '2', '--target', 'xspice'], 150_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/round 2\/2/);
    const report = JSON.parse(r.stdout);
    expect(report.machine.cpus).toBeGreaterThan(0);
    expect(report.machine.node).toBe(process.version);
    expect(Object.keys(report.targets)).toEqual(['xspice']);
    const x = report.targets.xspice;
    expect(x.channels).toBe(4);
    expect(x.spiceGtk.channels).toBe(4);
    for (const s of [x.spiceCli.inProcess, x.spiceCli.process, x.spiceGtk.inProcess, x.spiceGtk.process, x.spiceGtk.spicyScreenshot]) expectSummary(s, 2);
    expect(x.spiceGtk.spicyScreenshot.note).toMatch(/not the same work/);
    for (const v of [x.ratio.inProcess, x.ratio.process]) expect(Number.isFinite(v) && v > 0).toBe(true);
    expectSummary(report.cliVersion, 2);
    for (const c of ['sleep0', 'check_screen']) expectSummary(report.scenarios[c].msPerStep, 2);
  }, 180_000);

  it('rejects a bad --target or --runs (exit 2), before starting anything', async () => {
    const r = await runBench(['--target', 'vnc'], 30_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--target=vnc to be one of: xspice, qemu, both/);
    const runs = await runBench(['--runs', '0', '--json'], 30_000);
    expect(runs.code).toBe(2);
    expect(JSON.parse(runs.stdout).error.message).toMatch(/--runs/);
    expect(runs.stderr).not.toMatch(/\[bench\] starting/);
  });
  it('-o writes the report to a file as well', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'spice-cli-bench-')), 'report.json');
    const r = await runBench(['--clipboard-only', '--runs', '1', '-o', out], 120_000);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(JSON.parse(r.stdout));
    expect(JSON.parse(r.stdout).clipboard).toBeDefined();
  }, 150_000);
});
