/**
 * `spice-cli compare`, `needle check` with PPM and `run --check` as a user runs them (the built CLI; no server):
 * exit codes, messages, --json and the diff picture.
 */
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import sharp from 'sharp';
import {describe, expect, it} from 'vitest';
import {readPngRgba} from '../../src/client/actions/needles/image.js';
import {runCli} from '../support/cli.js';
import {pixel, SHOT, SHOT_AT_CONNECT} from './helpers.js';

const root = new URL('../../', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'spice-cli-compare-cli-'));
const json = (r: {stdout: string}) => JSON.parse(r.stdout) as Record<string, any>;

async function toPpm(png: string, out: string): Promise<void> {
  const {data, info} = await sharp(png).removeAlpha().raw().toBuffer({resolveWithObject: true});
  writeFileSync(out, Buffer.concat([Buffer.from(`P6\n${info.width} ${info.height}\n255\n`), data]));
}

describe('compare', () => {
  it('equal pictures (PNG against PPM) exit 0; different ones exit 1 with the count, -o marks them red', async () => {
    const ppm = join(work, 'shot.ppm');
    await toPpm(SHOT, ppm);
    const same = await runCli(['compare', SHOT, ppm, '--json']);
    expect(same.code, same.stderr).toBe(0);
    expect(json(same)).toMatchObject({ok: true, equal: true, differing: 0, score: 100, width: 1024, height: 768, tolerance: 0, match: 100});
    expect(json(same)).not.toHaveProperty('threshold');
    const diff = join(work, 'diff.png');
    const d = await runCli(['compare', SHOT_AT_CONNECT, ppm, '-o', diff, '--json']);
    expect(d.code, d.stderr).toBe(1);
    const out = json(d);
    expect(out.ok).toBe(false);
    expect(out.error.kind).toBe('expectation');
    expect(out.differing).toBeGreaterThan(0);
    expect(out.error.message).toBe(`the pictures differ: ${out.differing} of 786432 pixels differ in ${out.box.x},${out.box.y} ${out.box.width}x${out.box.height} (score ${out.score})`);
    const img = await readPngRgba(diff);
    expect(pixel(img, out.box.x + out.box.width + 5, out.box.y)).not.toEqual([255, 0, 0]);
    let red = 0;
    for (let i = 0; i < img.data.length; i += 4) if (img.data[i] === 255 && img.data[i + 1] === 0 && img.data[i + 2] === 0) red++;
    expect(red).toBe(out.differing);
    // A match percentage below the score passes; --threshold is its old spelling.
    const low = await runCli(['compare', SHOT_AT_CONNECT, ppm, '--match', String(Math.floor(out.score)), '--json']);
    expect(low.code, low.stderr).toBe(0);
    expect(json(low).match).toBe(Math.floor(out.score));
    const old = await runCli(['compare', SHOT_AT_CONNECT, ppm, '--threshold', String(Math.floor(out.score)), '--json']);
    expect(json(old)).toEqual(json(low));
  });

  it('a size mismatch exits 1 naming both sizes; an unreadable file or a bad flag exits 2', async () => {
    const small = join(work, 'small.png');
    await sharp(SHOT).extract({left: 0, top: 0, width: 100, height: 50}).png().toFile(small);
    const r = await runCli(['compare', SHOT, small]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`spice-cli: the pictures differ in size: ${SHOT} is 1024x768, ${small} is 100x50`);
    expect((await runCli(['compare', SHOT, join(work, 'none.png')])).code).toBe(2);
    const bad = await runCli(['compare', SHOT, SHOT, '--match', '120']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid --match '120': expected a percentage 0\.\.100/);
    expect((await runCli(['compare', SHOT, SHOT, '--threshold', '120'])).code).toBe(2);
  });

  it('needle check reads a PPM screenshot and a needle given without .json', async () => {
    const ppm = join(work, 'check.ppm');
    await toPpm(SHOT, ppm);
    const name = join(work, 'scroller');
    expect((await runCli(['needle', 'create', '--from', SHOT, '--area', '100,451,366,134', name])).code).toBe(0);
    const r = await runCli(['needle', 'check', ppm, name, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r)).toMatchObject({found: true, score: 100, needle: 'scroller', dx: 0, dy: 0});
    const missing = await runCli(['needle', 'check', ppm, join(work, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read the needle .*nope\.json: no such file/);
  });
});

describe('run --check', () => {
  it('exit 0 for valid files (--json lists them), 2 with every problem as file:line:column, without a server', async () => {
    const ok = await runCli(['run', '--check', join(root, 'examples/xspice-xterm.yaml'), join(root, 'examples/qemu-shell.yaml'), '--json'], {env: {SPICE_URI: 'spice://127.0.0.1:1'}});
    expect(ok.code, ok.stderr).toBe(0);
    expect(json(ok).files.map((f: {name: string; ok: boolean}) => [f.name, f.ok])).toEqual([
      ['xterm echo', true],
      ['qemu shell', true],
    ]);
    const bad = join(work, 'bad.yaml');
    writeFileSync(bad, 'name: bad\nsteps:\n  - wiat_screen: x\n  - key: ctrl-foo\n');
    const r = await runCli(['run', '--check', bad, join(root, 'examples/xspice-xterm.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:3:5: unknown step "wiat_screen"/);
    expect(r.stderr).toMatch(/bad\.yaml:4:5: key: unknown key name "foo" in "ctrl-foo"/);
    const j = await runCli(['run', '--check', bad, join(root, 'examples/xspice-xterm.yaml'), '--json']);
    expect(j.code).toBe(2);
    expect(json(j).files.map((f: {ok: boolean}) => f.ok)).toEqual([false, true]);
    expect(json(j).error.kind).toBe('usage');
  });
});
