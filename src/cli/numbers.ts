/** Number flags. */
import {SpiceError} from '../client/errors.js';

/** A number flag (--rate 12.5, --hold 30). */
export function parseNumber(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || v.trim() === '') throw new SpiceError('usage', `${flag}: "${v}" is not a number`);
  return n;
}
