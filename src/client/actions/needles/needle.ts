/**
 * Needles: a PNG plus a JSON description of the areas to compare. Two JSON formats are read:
 *
 * - ours: `{"tags": [...], "areas": [{"x", "y", "width", "height", "type": "match"|"exclude", "match"?,
 *   "margin"?}], "click"?: {"x", "y"}, "properties"?: [...]}` — coordinates in the needle PNG, click point
 *   absolute in it;
 * - openQA/os-autoinst: `{"tags", "properties", "area": [{"xpos", "ypos", "width", "height", "type":
 *   "match"|"exclude"|"ocr", "match"?, "margin"?, "click_point"?: {"xpos", "ypos"} | "center"}]}` — the click
 *   point is relative to its area's top-left; "ocr" areas are kept out (no OCR here).
 *
 * The PNG has the JSON's basename (`login.json` → `login.png`). Like os-autoinst (needle.pm, testapi.pm): type
 * "match", margin 50, and without a click point the click goes to the centre of the last match area. Our match
 * value is a percentage of pixels (default 100: SPICE pictures are lossless); an openQA `match` is a similarity
 * on its own scale (default 96) and is converted with openQaMatchToPercent(). Every problem is a SpiceError
 * 'usage' naming the file.
 */
import {existsSync, readFileSync} from 'node:fs';
import {basename, dirname, join} from 'node:path';
import {SpiceError} from '../../errors.js';
import {readPngRgba, type Rgba} from './image.js';

export type {Rgba} from './image.js';

/** Our defaults: every pixel must match (lossless SPICE pictures), margin 50 as in os-autoinst's needle.pm. */
export const NEEDLE_DEFAULTS = {match: 100, margin: 50} as const;
/** os-autoinst's default area similarity (tinycv.pm: `match || 96`). */
export const OPENQA_DEFAULT_MATCH = 96;

/**
 * An openQA `match` (its similarity in percent) as our percentage of matching pixels. os-autoinst computes
 * similarity = 0.9 + (40 - MSE) / 380 from the mean squared grey-level difference at the best location, so
 * match m allows an MSE of 40 - (m - 90) * 3.8 (17.2 for 96). We allow the share of pixels that, differing at full
 * contrast (255² each), give that MSE: 96 → 99.9735 %, 90 → 99.9384 %. Small differences everywhere (noise) that
 * openQA's MSE absorbs need --tolerance here instead.
 */
export function openQaMatchToPercent(m: number): number {
  const mse = Math.max(0, 40 - (m - 90) * 3.8);
  return Math.max(0, 100 - (100 * mse) / (255 * 255));
}

export interface NeedleArea {
  x: number;
  y: number;
  width: number;
  height: number;
  type: 'match' | 'exclude';
  /** 0..100, percentage of the area's (not excluded) pixels that must match; default MatchOptions.match, else 100.
   * For openQA needles: their `match` (default 96) converted by openQaMatchToPercent(). */
  match?: number;
  /** Search margin in pixels around the area; default MatchOptions.margin, else 50. */
  margin?: number;
}

export interface Needle {
  name: string;
  /** The JSON file it was read from (or will be written to). */
  file: string;
  /** RGBA pixels of the needle PNG. */
  image: Rgba;
  areas: NeedleArea[];
  /** Click point in needle coordinates; moves with the match area `clickArea`. */
  click?: {x: number; y: number};
  /** Index in `areas` of the match area whose found offset moves the click point. */
  clickArea?: number;
  tags: string[];
  properties: string[];
  format: 'spice-cli' | 'openqa';
  /** openQA "ocr" areas read but not compared (spice-cli has no OCR). */
  ignoredOcrAreas: number;
}

/** Reads our needle JSON or an openQA/os-autoinst needle JSON, and the PNG beside it. */
export async function loadNeedle(jsonPath: string): Promise<Needle> {
  let text: string;
  try {
    text = readFileSync(jsonPath, 'utf8');
  } catch (e) {
    throw new SpiceError('usage', `cannot read the needle ${jsonPath}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(e)}`);
  }
  const json = parseJson(jsonPath, text);
  const pngPath = join(dirname(jsonPath), `${basename(jsonPath, '.json')}.png`);
  if (!existsSync(pngPath)) {
    throw new SpiceError('usage', `needle ${jsonPath}: its picture ${pngPath} is missing (a needle is NAME.json plus NAME.png)`);
  }
  const image = await readPngRgba(pngPath);
  return needleFromJson(json, jsonPath, image);
}

/** Builds a Needle from parsed JSON (either format) and its picture; validates everything. */
export function needleFromJson(json: unknown, file: string, image: Rgba): Needle {
  const fail = (what: string): never => {
    throw new SpiceError('usage', `needle ${file}: ${what}`);
  };
  if (!isObject(json)) return fail('expected a JSON object with "areas" (spice-cli) or "area" (openQA)');
  const openqa = Array.isArray(json.area);
  if (!openqa && !Array.isArray(json.areas)) return fail('expected an "areas" array (spice-cli format) or an "area" array (openQA format)');
  const tags = stringList(json.tags, 'tags', fail);
  const properties = propertyList(json.properties, fail);
  const list = (openqa ? json.area : json.areas) as unknown[];
  const key = openqa ? 'area' : 'areas';
  const areas: NeedleArea[] = [];
  let ignoredOcrAreas = 0;
  let click: {x: number; y: number} | undefined;
  let clickArea: number | undefined;
  list.forEach((raw, i) => {
    const at = `${key}[${i}]`;
    if (!isObject(raw)) fail(`${at} must be an object`);
    const a = raw as Record<string, unknown>;
    const num = (name: string, min: number, dflt?: number): number => {
      const v = a[name] ?? dflt;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(`${at}.${name} must be an integer >= ${min}${v === undefined ? ' (missing)' : `, got ${JSON.stringify(v)}`}`);
      return v as number;
    };
    const type = a.type ?? 'match';
    if (type !== 'match' && type !== 'exclude' && !(openqa && type === 'ocr')) {
      fail(`${at}.type must be ${openqa ? '"match", "exclude" or "ocr"' : '"match" or "exclude"'}, got ${JSON.stringify(type)}`);
    }
    // os-autoinst treats 0 and a missing value alike (`|| 0`); we ask for them explicitly in our format.
    const x = num(openqa ? 'xpos' : 'x', 0, openqa ? 0 : undefined);
    const y = num(openqa ? 'ypos' : 'y', 0, openqa ? 0 : undefined);
    const width = num('width', 1);
    const height = num('height', 1);
    if (x + width > image.width || y + height > image.height) {
      fail(`${at} (${x},${y} ${width}x${height}) is outside the needle picture (${image.width}x${image.height})`);
    }
    if (type === 'ocr') {
      ignoredOcrAreas++;
      return;
    }
    const area: NeedleArea = {x, y, width, height, type: type as 'match' | 'exclude'};
    if (a.match !== undefined && (typeof a.match !== 'number' || !(a.match >= 0 && a.match <= 100))) fail(`${at}.match must be a percentage 0..100, got ${JSON.stringify(a.match)}`);
    // os-autoinst reads a missing or 0 match as 96 (`|| 96`).
    if (openqa && type === 'match') area.match = openQaMatchToPercent((a.match as number | undefined) || OPENQA_DEFAULT_MATCH);
    else if (a.match !== undefined) area.match = a.match as number;
    if (a.margin !== undefined) {
      if (!(openqa && a.margin === 0)) area.margin = num('margin', 0);
    }
    areas.push(area);
    if (openqa && a.click_point !== undefined) {
      if (type !== 'match') fail(`${at}.click_point is only allowed on a match area`);
      const cp = a.click_point;
      if (cp === 'center') click = {x: x + Math.floor(width / 2), y: y + Math.floor(height / 2)};
      else if (isObject(cp) && typeof cp.xpos === 'number' && typeof cp.ypos === 'number') click = {x: x + Math.floor(cp.xpos), y: y + Math.floor(cp.ypos)};
      else fail(`${at}.click_point must be {"xpos": X, "ypos": Y} or "center", got ${JSON.stringify(cp)}`);
      clickArea = areas.length - 1;
    }
  });
  const matchIdx = areas.flatMap((a, i) => (a.type === 'match' ? [i] : []));
  if (matchIdx.length === 0) fail(`no match area: at least one ${key} entry needs type "match"`);
  for (const i of matchIdx) {
    if (comparedPixels(areas, i) === 0) fail(`${key}[${i}] is entirely covered by exclude areas: nothing left to compare`);
  }
  if (!openqa && json.click !== undefined) {
    const c = json.click;
    if (!isObject(c) || !Number.isInteger(c.x) || !Number.isInteger(c.y) || (c.x as number) < 0 || (c.y as number) < 0) fail(`click must be {"x": X, "y": Y} with integers >= 0, got ${JSON.stringify(c)}`);
    const cx = (c as {x: number}).x;
    const cy = (c as {y: number}).y;
    if (cx >= image.width || cy >= image.height) fail(`click ${cx},${cy} is outside the needle picture (${image.width}x${image.height})`);
    click = {x: cx, y: cy};
    // The click point moves with the match area holding it, else with the last match area.
    const holder = [...matchIdx].reverse().find((i) => inside(areas[i]!, cx, cy));
    clickArea = holder ?? matchIdx[matchIdx.length - 1]!;
  }
  if (!click) {
    // No click point: the centre of the last match area, as os-autoinst's testapi does.
    clickArea = matchIdx[matchIdx.length - 1]!;
    const a = areas[clickArea]!;
    click = {x: a.x + Math.floor(a.width / 2), y: a.y + Math.floor(a.height / 2)};
  }
  return {name: basename(file, '.json'), file, image, areas, click, clickArea, tags, properties, format: openqa ? 'openqa' : 'spice-cli', ignoredOcrAreas};
}

/** Our JSON for a needle (what `needle create` writes). */
export function needleToJson(n: Pick<Needle, 'areas' | 'tags' | 'click' | 'properties'>): string {
  const out: Record<string, unknown> = {tags: n.tags, areas: n.areas.map((a) => ({...a}))};
  if (n.click) out.click = {x: n.click.x, y: n.click.y};
  if (n.properties.length > 0) out.properties = n.properties;
  return JSON.stringify(out, null, 2) + '\n';
}

/** os-autoinst's needle JSON for a needle; an explicit click point goes to its area as click_point (relative). */
export function needleToOpenQaJson(n: Needle, explicitClick: boolean): string {
  const area = n.areas.map((a, i) => {
    const out: Record<string, unknown> = {xpos: a.x, ypos: a.y, width: a.width, height: a.height, type: a.type};
    if (a.match !== undefined) out.match = a.match;
    if (a.margin !== undefined) out.margin = a.margin;
    if (explicitClick && n.click && i === n.clickArea) {
      if (!inside(a, n.click.x, n.click.y)) throw new SpiceError('usage', `needle ${n.file}: in openQA's format the click point must lie inside a match area`);
      out.click_point = {xpos: n.click.x - a.x, ypos: n.click.y - a.y};
    }
    return out;
  });
  return JSON.stringify({tags: n.tags, properties: n.properties, area}, null, 2) + '\n';
}

/** Pixels of match area `i` not covered by any exclude area. */
export function comparedPixels(areas: NeedleArea[], i: number): number {
  const a = areas[i]!;
  const ex = areas.filter((e) => e.type === 'exclude');
  let n = 0;
  for (let y = a.y; y < a.y + a.height; y++) {
    for (let x = a.x; x < a.x + a.width; x++) if (!ex.some((e) => inside(e, x, y))) n++;
  }
  return n;
}

export function inside(a: {x: number; y: number; width: number; height: number}, x: number, y: number): boolean {
  return x >= a.x && y >= a.y && x < a.x + a.width && y < a.y + a.height;
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(msg);
    let where = '';
    if (pos) {
      const before = text.slice(0, Number(pos[1]));
      const line = before.split('\n').length;
      const column = before.length - before.lastIndexOf('\n');
      where = `:${line}:${column}`;
    }
    throw new SpiceError('usage', `${file}${where}: invalid JSON: ${msg.replace(/ in JSON at position \d+.*$/, '')}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringList(v: unknown, name: string, fail: (what: string) => never): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((t) => typeof t !== 'string')) return fail(`${name} must be an array of strings`);
  return v as string[];
}

/** openQA properties are strings or {name, value} objects; we keep their names. */
function propertyList(v: unknown, fail: (what: string) => never): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) return fail('properties must be an array');
  return v.map((p) => (typeof p === 'string' ? p : isObject(p) && typeof p.name === 'string' ? p.name : fail('properties entries must be strings or {"name": ...}')));
}
