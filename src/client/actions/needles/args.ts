/** Parsing of the `needle` commands' geometry arguments; bad input is a SpiceError 'usage' naming the flag. */
import {SpiceError} from '../../errors.js';

export function parseRect(flag: string, text: string): {x: number; y: number; width: number; height: number} {
  const parts = text.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 4 || parts.some((n) => !Number.isInteger(n) || n < 0) || parts[2] === 0 || parts[3] === 0) {
    throw new SpiceError('usage', `invalid ${flag} '${text}': expected X,Y,WIDTH,HEIGHT in pixels (width and height > 0)`);
  }
  const [x, y, width, height] = parts as [number, number, number, number];
  return {x, y, width, height};
}

export function parsePoint(flag: string, text: string): {x: number; y: number} {
  const parts = text.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 2 || parts.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new SpiceError('usage', `invalid ${flag} '${text}': expected X,Y in pixels`);
  }
  return {x: parts[0]!, y: parts[1]!};
}

export function parsePercent(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !(n >= 0 && n <= 100)) throw new SpiceError('usage', `invalid ${flag} '${text}': expected a percentage 0..100`);
  return n;
}
