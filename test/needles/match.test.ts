/**
 * Needle loading and matching on real screenshots of the lab Xspice desktop (recordings/, taken by
 * spicy-screenshot): exact matches, shifted content found at its offset, changed content not found, exclude
 * areas, tolerance and the match percentage, and an openQA needle JSON.
 */
import {copyFileSync, mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {readPngRgba, type Rgba} from '../../src/client/actions/needles/image.js';
import {matchAny, matchNeedle} from '../../src/client/actions/needles/match.js';
import {loadNeedle, needleFromJson, openQaMatchToPercent, type Needle} from '../../src/client/actions/needles/needle.js';
import {copyRgba, FIXTURES, pixel, RECORDINGS, SHOT, SHOT_AT_CONNECT, shiftedPng} from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'spice-cli-needles-'));
let shot: Rgba;
let atConnect: Rgba;
let shifted: Rgba;
let connectShifted: Rgba;
/** The coloured words at the top of the xterm ("red green yellow ...", "bold inverse plain"). */
const HEADER = {x: 2, y: 3, width: 210, height: 28};
/** The scrolling xterm: its lines differ between the two screenshots. */
const SCROLLER = {x: 100, y: 451, width: 366, height: 134};
const SCROLLER_LINES = {x: 102, y: 452, width: 182, height: 132};

const needle = (areas: object[], extra: object = {}): Needle => needleFromJson({tags: ['t'], areas, ...extra}, join(work, 'n.json'), shot);

beforeAll(async () => {
  shot = await readPngRgba(SHOT);
  atConnect = await readPngRgba(SHOT_AT_CONNECT);
  await shiftedPng(SHOT, 13, 7, join(work, 'shifted.png'));
  shifted = await readPngRgba(join(work, 'shifted.png'));
  await shiftedPng(SHOT_AT_CONNECT, 13, 7, join(work, 'connect-shifted.png'));
  connectShifted = await readPngRgba(join(work, 'connect-shifted.png'));
});

describe('matching real screenshots', () => {
  it('finds a needle on its own screenshot: score 100 at its exact place, click point unmoved', () => {
    const n = needle([{...HEADER, type: 'match'}], {click: {x: 30, y: 10}});
    const r = matchNeedle(shot, n);
    expect(r).toMatchObject({found: true, score: 100, dx: 0, dy: 0, click: {x: 30, y: 10}});
    expect(r.areas[0]).toMatchObject({found: true, x: HEADER.x, y: HEADER.y, mismatched: 0, pixels: HEADER.width * HEADER.height});
    // Screen bytes that do not start on a 4-byte boundary (a view into a larger buffer) are matched alike.
    const odd = new Uint8Array(shot.data.length + 1);
    odd.set(shot.data, 1);
    expect(matchNeedle({width: shot.width, height: shot.height, data: odd.subarray(1)}, n)).toEqual(r);
  });

  it('finds shifted content at its offset within the margin, and moves the click point with it', () => {
    const n = needle([{...HEADER, type: 'match'}, {...SCROLLER, type: 'match'}], {click: {x: 110, y: 460}});
    const r = matchNeedle(shifted, n);
    expect(r).toMatchObject({found: true, score: 100, dx: 13, dy: 7, click: {x: 123, y: 467}});
    expect(r.areas.map((a) => [a.x, a.y])).toEqual([
      [HEADER.x + 13, HEADER.y + 7],
      [SCROLLER.x + 13, SCROLLER.y + 7],
    ]);
  });

  it('does not find content shifted further than the margin', () => {
    const n = needle([{...HEADER, type: 'match', margin: 10}]);
    const r = matchNeedle(shifted, n);
    expect(r.found).toBe(false);
    expect(r.score).toBeLessThan(100);
    // Margin 13 reaches it.
    expect(matchNeedle(shifted, needle([{...HEADER, type: 'match', margin: 13}]))).toMatchObject({found: true, dx: 13, dy: 7});
  });

  it('does not find changed content, with a lower score counted at the best place', () => {
    const n = needle([{...SCROLLER, type: 'match'}]);
    const r = matchNeedle(atConnect, n);
    expect(r.found).toBe(false);
    // The differing pixels at the needle's own place, counted here independently.
    let differing = 0;
    for (let y = SCROLLER.y; y < SCROLLER.y + SCROLLER.height; y++) {
      for (let x = SCROLLER.x; x < SCROLLER.x + SCROLLER.width; x++) if (pixel(shot, x, y).join() !== pixel(atConnect, x, y).join()) differing++;
    }
    expect(differing).toBeGreaterThan(1000);
    const atOwnPlace = (100 * (SCROLLER.width * SCROLLER.height - differing)) / (SCROLLER.width * SCROLLER.height);
    expect(r.score).toBeGreaterThanOrEqual(Math.floor(atOwnPlace * 100) / 100);
    expect(r.score).toBeLessThan(100);
    expect(r.areas[0]!.mismatched).toBeLessThanOrEqual(differing);
  });

  it('ignores changes inside exclude areas, also when the content moved', () => {
    const n = needle([
      {...SCROLLER, type: 'match'},
      {...SCROLLER_LINES, type: 'exclude'},
    ]);
    expect(matchNeedle(atConnect, n)).toMatchObject({found: true, score: 100, dx: 0, dy: 0});
    expect(matchNeedle(connectShifted, n)).toMatchObject({found: true, score: 100, dx: 13, dy: 7});
    expect(matchNeedle(atConnect, n).areas[0]!.pixels).toBe(SCROLLER.width * SCROLLER.height - SCROLLER_LINES.width * SCROLLER_LINES.height);
  });

  it('per-channel tolerance: a uniformly darkened area matches with tolerance 6, not 5 or 0', () => {
    const darker = copyRgba(shot);
    for (let y = HEADER.y; y < HEADER.y + HEADER.height; y++) {
      for (let x = HEADER.x; x < HEADER.x + HEADER.width; x++) {
        const i = (y * darker.width + x) * 4;
        for (let c = 0; c < 3; c++) darker.data[i + c] = Math.max(0, darker.data[i + c]! - 6);
      }
    }
    const n = needle([{...HEADER, type: 'match'}]);
    expect(matchNeedle(darker, n).found).toBe(false);
    expect(matchNeedle(darker, n, {tolerance: 5}).found).toBe(false);
    expect(matchNeedle(darker, n, {tolerance: 6})).toMatchObject({found: true, score: 100, dx: 0, dy: 0});
  });

  it('match percentage: 10 inverted pixels pass at 99.8 % and fail at 99.9 %, per area or as the default (MatchOptions.match)', () => {
    const spoiled = copyRgba(shot);
    const n = HEADER.width * HEADER.height;
    for (let k = 0; k < 10; k++) {
      const p = k * 577;
      const i = ((HEADER.y + Math.floor(p / HEADER.width)) * spoiled.width + HEADER.x + (p % HEADER.width)) * 4;
      for (let c = 0; c < 3; c++) spoiled.data[i + c] = 255 - spoiled.data[i + c]!;
    }
    const exact = matchNeedle(spoiled, needle([{...HEADER, type: 'match'}]));
    expect(exact.found).toBe(false);
    expect(exact.areas[0]).toMatchObject({x: HEADER.x, y: HEADER.y, mismatched: 10});
    const loose = matchNeedle(spoiled, needle([{...HEADER, type: 'match', match: 99.8}]));
    expect(loose).toMatchObject({found: true, dx: 0, dy: 0});
    expect(loose.areas[0]!.mismatched).toBe(10);
    expect(loose.score).toBe(Math.floor((10000 * (n - 10)) / n) / 100);
    expect(matchNeedle(spoiled, needle([{...HEADER, type: 'match', match: 99.9}])).found).toBe(false);
    expect(matchNeedle(spoiled, needle([{...HEADER, type: 'match'}]), {match: 99.8}).found).toBe(true);
    // An area's own match wins over the default.
    expect(matchNeedle(spoiled, needle([{...HEADER, type: 'match', match: 100}]), {match: 99.8}).found).toBe(false);
  });

  it('on a smaller screen (the 640x480 recording): areas that cannot be placed are not found, score 0', async () => {
    const small = await readPngRgba(`${RECORDINGS}xspice-stream.png`);
    expect([small.width, small.height]).toEqual([640, 480]);
    // The scrolling xterm's area ends at y 585: even 50 px up it stays below the 480-pixel screen.
    const r = matchNeedle(small, needle([{...SCROLLER, type: 'match'}]));
    expect(r).toMatchObject({found: false, score: 0});
    expect(r.areas[0]).toMatchObject({x: SCROLLER.x, y: SCROLLER.y, mismatched: SCROLLER.width * SCROLLER.height});
  });

  it('matchAny returns the best found needle, or undefined', () => {
    const scroller = needle([{...SCROLLER, type: 'match'}]);
    const header = needle([{...HEADER, type: 'match'}]);
    expect(matchAny(atConnect, [scroller, header])?.areas[0]!.area).toMatchObject(HEADER);
    expect(matchAny(atConnect, [scroller])).toBeUndefined();
  });
});

describe('openQA needle JSON', () => {
  let dir: string;
  beforeAll(() => {
    // The fixture's PNG is the recorded screenshot itself (openQA keeps whole screenshots as needle pictures).
    dir = mkdtempSync(join(work, 'openqa-'));
    copyFileSync(join(FIXTURES, 'openqa-desktop.json'), join(dir, 'openqa-desktop.json'));
    copyFileSync(SHOT, join(dir, 'openqa-desktop.png'));
  });

  it('reads tags, properties, areas with openQA defaults, the click point; leaves ocr areas out', async () => {
    const n = await loadNeedle(join(dir, 'openqa-desktop.json'));
    expect(n).toMatchObject({name: 'openqa-desktop', format: 'openqa', tags: ['desktop', 'xterm'], properties: ['glyph_check'], ignoredOcrAreas: 1});
    expect(n.areas).toEqual([
      {...HEADER, type: 'match', match: openQaMatchToPercent(96)},
      {...SCROLLER, type: 'match', match: openQaMatchToPercent(90), margin: 30},
      {...SCROLLER_LINES, type: 'exclude'},
    ]);
    expect(n.click).toEqual({x: SCROLLER.x + 20, y: SCROLLER.y + 10});
    expect(openQaMatchToPercent(96)).toBeCloseTo(100 - (100 * 17.2) / 65025, 6);
  });

  it('matches: found where the excluded lines changed, at the offset when shifted, click point moved', async () => {
    const n = await loadNeedle(join(dir, 'openqa-desktop.json'));
    expect(matchNeedle(atConnect, n)).toMatchObject({found: true, score: 100, dx: 0, dy: 0, click: {x: 120, y: 461}});
    expect(matchNeedle(connectShifted, n)).toMatchObject({found: true, score: 100, dx: 13, dy: 7, click: {x: 133, y: 468}});
  });

  it('without its exclude area the changed lines make it fail', async () => {
    const json = JSON.parse(String((await import('node:fs')).readFileSync(join(FIXTURES, 'openqa-desktop.json')))) as {area: Array<{type: string}>};
    json.area = json.area.filter((a) => a.type !== 'exclude');
    writeFileSync(join(dir, 'no-exclude.json'), JSON.stringify(json));
    copyFileSync(SHOT, join(dir, 'no-exclude.png'));
    const r = matchNeedle(atConnect, await loadNeedle(join(dir, 'no-exclude.json')));
    expect(r.found).toBe(false);
    expect(r.areas.map((a) => a.found)).toEqual([true, false]);
  });

  it('a needle without click point clicks the centre of its last match area', () => {
    const n = needleFromJson({area: [{xpos: 2, ypos: 3, width: 210, height: 28}]}, 'x.json', shot);
    expect(n.click).toEqual({x: 2 + 105, y: 3 + 14});
    expect(matchNeedle(shifted, n).click).toEqual({x: 107 + 13, y: 17 + 7});
  });
});

describe('needle errors', () => {
  const err = (json: unknown) => {
    try {
      needleFromJson(json, 'bad.json', shot);
    } catch (e) {
      return e as {kind: string; message: string};
    }
    throw new Error('no error');
  };

  it('names the problem', () => {
    expect(err([])).toMatchObject({kind: 'usage', message: expect.stringContaining('"areas"')});
    expect(err({areas: [{x: 1000, y: 700, width: 100, height: 10}]}).message).toMatch(/areas\[0\] \(1000,700 100x10\) is outside the needle picture \(1024x768\)/);
    expect(err({areas: [{x: 0, y: 0, width: 0, height: 10}]}).message).toMatch(/areas\[0\]\.width must be an integer >= 1, got 0/);
    expect(err({areas: [{x: 0, y: 0, width: 5, height: 5, type: 'exclude'}]}).message).toMatch(/no match area/);
    expect(err({areas: [{x: 0, y: 0, width: 5, height: 5, type: 'ocr'}]}).message).toMatch(/"match" or "exclude", got "ocr"/);
    expect(err({areas: [{x: 0, y: 0, width: 5, height: 5, match: 120}]}).message).toMatch(/match must be a percentage 0\.\.100, got 120/);
    expect(err({areas: [{x: 0, y: 0, width: 5, height: 5}, {x: 0, y: 0, width: 5, height: 5, type: 'exclude'}]}).message).toMatch(/entirely covered by exclude areas/);
    expect(err({area: [{xpos: 0, ypos: 0, width: 5, height: 5, click_point: {x: 1}}]}).message).toMatch(/click_point must be/);
  });

  it('bad JSON with line and column, a missing PNG', async () => {
    writeFileSync(join(work, 'broken.json'), '{\n  "areas": [\n    {"x": 1,, "y": 2}\n  ]\n}\n');
    await expect(loadNeedle(join(work, 'broken.json'))).rejects.toMatchObject({kind: 'usage', message: expect.stringMatching(/broken\.json:3:13: invalid JSON/)});
    writeFileSync(join(work, 'lonely.json'), JSON.stringify({areas: [{x: 0, y: 0, width: 5, height: 5}]}));
    await expect(loadNeedle(join(work, 'lonely.json'))).rejects.toMatchObject({kind: 'usage', message: expect.stringMatching(/lonely\.png is missing/)});
    await expect(loadNeedle(join(work, 'nothing.json'))).rejects.toMatchObject({kind: 'usage', message: expect.stringMatching(/no such file/)});
  });
});
