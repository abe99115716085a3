/**
 * `compare` underneath (no server, no build): the needle matcher over whole pictures, the diff picture, PPM/PGM
 * reading (what `spice-cli screenshot -o x.ppm` writes) and needle names on the command line.
 */
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {compareImages, diffImage} from '../../src/client/actions/needles/compare.js';
import {decodePnm, readPngRgba, type Rgba} from '../../src/client/actions/needles/image.js';
import {needleFile, resolveNeedles} from '../../src/client/actions/needles/resolve.js';
import {SpiceError} from '../../src/client/errors.js';
import {copyRgba, pixel, SHOT, SHOT_AT_CONNECT} from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'spice-cli-compare-'));

function solid(width: number, height: number, rgb: [number, number, number]): Rgba {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set([...rgb, 255], i);
  return {width, height, data};
}

function set(img: Rgba, x: number, y: number, rgb: [number, number, number]): void {
  img.data.set(rgb, (y * img.width + x) * 4);
}

function caught(f: () => unknown): SpiceError {
  try {
    f();
  } catch (e) {
    if (e instanceof SpiceError) return e;
    throw e;
  }
  throw new Error('no error thrown');
}

/** The P6 bytes of an RGBA picture, as `screenshot -o x.ppm` writes them. */
function ppm(img: Rgba): Buffer {
  const rgb = Buffer.alloc(img.width * img.height * 3);
  for (let p = 0; p < img.width * img.height; p++) rgb.set(img.data.subarray(p * 4, p * 4 + 3), p * 3);
  return Buffer.concat([Buffer.from(`P6\n${img.width} ${img.height}\n255\n`), rgb]);
}

describe('compareImages', () => {
  it('equal pictures: score 100, nothing differs', async () => {
    const a = await readPngRgba(SHOT);
    expect(compareImages(a, copyRgba(a))).toEqual({equal: true, width: 1024, height: 768, pixels: 1024 * 768, differing: 0, score: 100, tolerance: 0, match: 100});
  });

  it('counts every differing pixel, with its bounding box; tolerance and the match percentage decide what is equal', () => {
    const a = solid(40, 30, [10, 20, 30]);
    const b = copyRgba(a);
    set(b, 3, 4, [14, 20, 30]); // off by 4 in red
    set(b, 30, 20, [10, 20, 200]); // far off in blue
    set(b, 7, 25, [10, 28, 30]); // off by 8 in green
    const exact = compareImages(a, b);
    expect(exact).toMatchObject({equal: false, differing: 3, pixels: 1200, score: 99.75, box: {x: 3, y: 4, width: 28, height: 22}});
    expect(compareImages(a, b, {tolerance: 4})).toMatchObject({equal: false, differing: 2, box: {x: 7, y: 20, width: 24, height: 6}});
    expect(compareImages(a, b, {tolerance: 8})).toMatchObject({equal: false, differing: 1, box: {x: 30, y: 20, width: 1, height: 1}});
    // 3 of 1200 pixels = 0.25 %: a match of 99.75 lets them pass, 99.76 does not.
    expect(compareImages(a, b, {match: 99.75}).equal).toBe(true);
    expect(compareImages(a, b, {match: 99.76}).equal).toBe(false);
    // Alpha is ignored, as for needles.
    const alpha = copyRgba(a);
    alpha.data[3] = 0;
    expect(compareImages(a, alpha).equal).toBe(true);
  });

  it('agrees with the recorded desktops: the lines scrolled between connect and end differ, nothing else', async () => {
    const [a, b] = await Promise.all([readPngRgba(SHOT_AT_CONNECT), readPngRgba(SHOT)]);
    const r = compareImages(a, b);
    expect(r.equal).toBe(false);
    expect(r.differing).toBeGreaterThan(0);
    expect(r.box!.y).toBeGreaterThanOrEqual(0);
    const diff = diffImage(a, b);
    let red = 0;
    for (let i = 0; i < diff.data.length; i += 4) if (diff.data[i] === 255 && diff.data[i + 1] === 0 && diff.data[i + 2] === 0) red++;
    expect(red).toBe(r.differing);
  });

  it('pictures of different sizes: an expectation failure naming both sizes', () => {
    const e = caught(() => compareImages(solid(10, 10, [0, 0, 0]), solid(10, 11, [0, 0, 0]), {}, ['a.png', 'b.ppm']));
    expect(e.kind).toBe('expectation');
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe('the pictures differ in size: a.png is 10x10, b.ppm is 10x11');
  });

  it('the diff picture: differing pixels pure red, the rest B in dim grey', () => {
    const a = solid(4, 2, [255, 255, 255]);
    const b = copyRgba(a);
    set(b, 1, 1, [0, 0, 0]);
    const d = diffImage(a, b);
    expect(pixel(d, 1, 1)).toEqual([255, 0, 0]);
    expect(pixel(d, 0, 0)).toEqual([85, 85, 85]);
    expect(d.data[3]).toBe(255);
  });
});

describe('PPM and PGM pictures', () => {
  it('a screenshot as P6 reads back to the same pixels as its PNG', async () => {
    const png = await readPngRgba(SHOT);
    const file = join(work, 'shot.ppm');
    writeFileSync(file, ppm(png));
    const back = await readPngRgba(file);
    expect(back.width).toBe(1024);
    expect(compareImages(png, back).differing).toBe(0);
  });

  it('plain P3, grey P5/P2 with comments, 16-bit samples; bad files are usage errors naming them', async () => {
    expect(Array.from(decodePnm(Buffer.from('P3\n# two pixels\n2 1\n255\n255 0 0  0 0 255\n')).data)).toEqual([255, 0, 0, 255, 0, 0, 255, 255]);
    expect(Array.from(decodePnm(Buffer.concat([Buffer.from('P5 2 1 255\n'), Buffer.from([7, 200])])).data)).toEqual([7, 7, 7, 255, 200, 200, 200, 255]);
    expect(Array.from(decodePnm(Buffer.from('P2 1 1 15 15')).data)).toEqual([255, 255, 255, 255]);
    expect(Array.from(decodePnm(Buffer.concat([Buffer.from('P6 1 1 65535\n'), Buffer.from([0xff, 0xff, 0x80, 0x00, 0, 0])])).data)).toEqual([255, 128, 0, 255]);
    const short = join(work, 'short.ppm');
    writeFileSync(short, 'P6\n4 4\n255\nabc');
    await expect(readPngRgba(short)).rejects.toThrow(/cannot read the picture .*short\.ppm: truncated P6 data: 4x4 needs 48 bytes, has 3/);
    await expect(readPngRgba(join(work, 'none.ppm'))).rejects.toThrow(/cannot read the picture .*none\.ppm: no such file/);
  });
});

describe('needles named on the command line', () => {
  const dir = join(work, 'needles');
  mkdirSync(join(dir, 'sub'), {recursive: true});
  const put = (p: string, tags: string[]) => writeFileSync(join(dir, p), JSON.stringify({tags, areas: [{x: 0, y: 0, width: 1, height: 1}]}));
  put('login.json', ['screen-login']);
  put('desktop.json', ['screen-desktop', 'ready']);
  put('sub/desktop-dark.json', ['screen-desktop']);
  writeFileSync(join(dir, 'notes.json'), 'not json');

  it('a path (with or without .json), a name in the folder, a tag (every needle holding it, subfolders too)', () => {
    expect(resolveNeedles([join(dir, 'login.json'), join(dir, 'login')], dir).map((r) => [r.by, r.file])).toEqual([['path', join(dir, 'login.json')]]);
    expect(resolveNeedles(['desktop'], dir)).toEqual([{ref: 'desktop', by: 'name', file: join(dir, 'desktop.json')}]);
    expect(resolveNeedles(['screen-desktop', 'ready'], dir).map((r) => [r.by, r.file])).toEqual([
      ['tag', join(dir, 'desktop.json')],
      ['tag', join(dir, 'sub/desktop-dark.json')],
    ]);
  });

  it('a word that names nothing is a usage error saying where it was looked for', () => {
    const e = caught(() => resolveNeedles(['logout'], dir));
    expect(e.kind).toBe('usage');
    expect(e.message).toMatch(/^no needle "logout": not a file \(logout\.json\), not .*needles\/logout\.json, and no needle in .*needles\/ has the tag "logout"$/);
    expect(caught(() => resolveNeedles(['x'], join(work, 'missing'))).message).toMatch(/missing\/ does not exist; --needles DIR names the needles folder/);
  });

  it('needle check takes a needle with or without .json (or by its .png)', () => {
    expect(['a/b.json', 'a/b', 'a/b.png', 'B.JSON'].map(needleFile)).toEqual(['a/b.json', 'a/b.json', 'a/b.json', 'B.JSON']);
  });
});
