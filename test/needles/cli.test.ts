/**
 * `spice-cli needle create` and `needle check` as a user runs them: on recorded screenshots, on a live lab
 * Xspice screenshot taken through the CLI, the -o picture, exit codes and error messages.
 */
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {LabTarget} from '../../src/lab/types.js';
import {startXspice} from '../../src/lab/xspice.js';
import {readPngRgba} from '../../src/client/actions/needles/image.js';
import {runCli} from '../support/cli.js';
import {pixel, SHOT, SHOT_AT_CONNECT, shiftedPng} from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'spice-cli-needle-cli-'));
const json = (r: {stdout: string}) => JSON.parse(r.stdout) as Record<string, any>;

beforeAll(async () => {
  await shiftedPng(SHOT, 13, 7, join(work, 'shifted.png'));
});

describe('needle create and check on recorded screenshots', () => {
  it('creates NAME.json + the whole screenshot as NAME.png, and finds it exactly (exit 0)', async () => {
    const name = join(work, 'scroller');
    const c = await runCli(['needle', 'create', '--from', SHOT, '--area', '100,451,366,134', '--exclude', '102,452,182,132', '--click', '110,460', '--tag', 'xterm', '--tag', 'scroll', name, '--json']);
    expect(c.code, c.stderr + c.stdout).toBe(0);
    expect(json(c)).toMatchObject({json: `${name}.json`, png: `${name}.png`, width: 1024, height: 768, tags: ['xterm', 'scroll']});
    expect(readFileSync(`${name}.png`).equals(readFileSync(SHOT))).toBe(true);
    expect(JSON.parse(readFileSync(`${name}.json`, 'utf8'))).toEqual({
      tags: ['xterm', 'scroll'],
      areas: [
        {x: 100, y: 451, width: 366, height: 134, type: 'match'},
        {x: 102, y: 452, width: 182, height: 132, type: 'exclude'},
      ],
      click: {x: 110, y: 460},
    });
    const r = await runCli(['needle', 'check', SHOT, `${name}.json`, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r)).toMatchObject({found: true, score: 100, dx: 0, dy: 0, click: {x: 110, y: 460}, areas: [{found: true, x: 100, y: 451, mismatched: 0}]});
    // The lines scrolled in the picture taken at connect time are excluded.
    const atConnect = await runCli(['needle', 'check', SHOT_AT_CONNECT, `${name}.json`]);
    expect(atConnect.code).toBe(0);
    expect(atConnect.stdout).toMatch(/^found: scroller score 100 offset \+0,\+0 click 110,460/);
    // Shifted content: found at its offset.
    const sh = await runCli(['needle', 'check', join(work, 'shifted.png'), `${name}.json`, '--json']);
    expect(json(sh)).toMatchObject({found: true, score: 100, dx: 13, dy: 7, click: {x: 123, y: 467}});
  });

  it('not found: exit 1 with the score; -o outlines the area red where it was best placed, green when found', async () => {
    const name = join(work, 'lines');
    expect((await runCli(['needle', 'create', '--from', SHOT, '--area', '100,451,366,134', name])).code).toBe(0);
    const out = join(work, 'not-found.png');
    const r = await runCli(['needle', 'check', SHOT_AT_CONNECT, `${name}.json`, '-o', out, '--json']);
    expect(r.code).toBe(1);
    const res = json(r);
    expect(res.found).toBe(false);
    expect(res.score).toBeLessThan(100);
    expect(res.score).toBeGreaterThan(50);
    const drawn = await readPngRgba(out);
    const {x, y} = res.areas[0] as {x: number; y: number};
    expect(pixel(drawn, x - 1, y - 1)).toEqual([255, 0, 0]);
    expect(pixel(drawn, x + 366, y + 134)).toEqual([255, 0, 0]);
    const okOut = join(work, 'found.png');
    expect((await runCli(['needle', 'check', join(work, 'shifted.png'), `${name}.json`, '-o', okOut])).code).toBe(0);
    const ok = await readPngRgba(okOut);
    expect(pixel(ok, 100 + 13 - 1, 451 + 7 - 1)).toEqual([0, 255, 0]);
    expect(pixel(ok, 100 - 1, 451 - 1)).toEqual([0, 0, 0]);
    // A lower match percentage lets the changed lines pass.
    expect((await runCli(['needle', 'check', SHOT_AT_CONNECT, `${name}.json`, '--match', '90'])).code).toBe(0);
  });

  it('writes openQA needle JSON that reads back and matches', async () => {
    const name = join(work, 'oq');
    const c = await runCli(['needle', 'create', '--openqa', '--from', SHOT, '--area', '2,3,210,28', '--click', '30,10', '--match', '95', name]);
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.parse(readFileSync(`${name}.json`, 'utf8'))).toEqual({tags: [], properties: [], area: [{xpos: 2, ypos: 3, width: 210, height: 28, type: 'match', match: 95, click_point: {xpos: 28, ypos: 7}}]});
    const r = await runCli(['needle', 'check', join(work, 'shifted.png'), `${name}.json`, '--json']);
    expect(json(r)).toMatchObject({found: true, format: 'openqa', dx: 13, dy: 7, click: {x: 43, y: 17}});
  });

  it('errors exit 2 with clear messages', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['needle', 'create', '--from', SHOT, '--area', '1000,700,100,100', join(work, 'outside')], /areas\[0\] \(1000,700 100x100\) is outside the needle picture \(1024x768\)/],
      [['needle', 'create', '--from', SHOT, '--area', '1,2,3', join(work, 'bad')], /invalid --area '1,2,3': expected X,Y,WIDTH,HEIGHT/],
      [['needle', 'create', '--from', join(work, 'none.png'), '--area', '1,2,3,4', join(work, 'bad')], /cannot read the picture .*none\.png/],
      [['needle', 'create', '--from', SHOT, '--area', '1,2,3,4', '--match', '101', join(work, 'bad')], /invalid --match '101'/],
      [['needle', 'check', SHOT, join(work, 'missing.json')], /cannot read the needle .*missing\.json: no such file/],
    ];
    writeFileSync(join(work, 'broken.json'), '{\n  "tags": ["a"],\n  "areas": [\n    {"x": 0, "y": 0, "width": 4 "height": 4}\n  ]\n}\n');
    cases.push([['needle', 'check', SHOT, join(work, 'broken.json')], /broken\.json:4:33: invalid JSON/]);
    writeFileSync(join(work, 'nopng.json'), '{"areas": [{"x": 0, "y": 0, "width": 4, "height": 4}]}');
    cases.push([['needle', 'check', SHOT, join(work, 'nopng.json')], /nopng\.png is missing/]);
    for (const [args, message] of cases) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(join(work, 'outside.json'))).toBe(false);
    // --json errors are JSON too; an existing needle is not overwritten without --force.
    const again = await runCli(['needle', 'create', '--from', SHOT, '--area', '1,2,3,4', join(work, 'lines'), '--json']);
    expect(again.code).toBe(2);
    expect(json(again).error).toMatchObject({kind: 'usage', message: expect.stringMatching(/exists already \(use --force/)});
  });
});

describe('needles on a live lab Xspice screenshot', () => {
  let target: LabTarget;
  beforeAll(async () => {
    target = await startXspice({clients: [{command: 'xlogo', args: ['-geometry', '200x200+300+200']}]});
  });
  afterAll(async () => {
    await target?.stop();
  });

  it('a needle made from one CLI screenshot is found exactly in the next, and at its offset when shifted', async () => {
    const first = join(work, 'live-1.png');
    const second = join(work, 'live-2.png');
    for (const f of [first, second]) expect((await runCli(['screenshot', '--uri', target.uri, '-o', f, '--settle', '300'])).code).toBe(0);
    const name = join(work, 'xlogo');
    expect((await runCli(['needle', 'create', '--from', first, '--area', '300,200,200,60', '--area', '300,340,200,60', name])).code).toBe(0);
    const r = await runCli(['needle', 'check', second, `${name}.json`, '--json']);
    expect(r.code, r.stdout).toBe(0);
    expect(json(r)).toMatchObject({found: true, score: 100, dx: 0, dy: 0, areas: [{x: 300, y: 200}, {x: 300, y: 340}]});
    await shiftedPng(second, 40, 25, join(work, 'live-shifted.png'));
    const s = await runCli(['needle', 'check', join(work, 'live-shifted.png'), `${name}.json`, '--json']);
    expect(json(s)).toMatchObject({found: true, score: 100, dx: 40, dy: 25, click: {x: 400 + 40, y: 370 + 25}});
    // Not on the recorded desktop (no xlogo there).
    const other = await runCli(['needle', 'check', SHOT, `${name}.json`]);
    expect(other.code).toBe(1);
  });
});
