/** Number flags. */
import {Flags} from '@oclif/core';
import {parsePercent} from '../client/actions/needles/args.js';
import {SpiceError} from '../client/errors.js';

/** A number flag (--rate 12.5, --hold 30). */
export function parseNumber(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || v.trim() === '') throw new SpiceError('usage', `${flag}: "${v}" is not a number`);
  return n;
}

/** `--match PCT` (0..100, default 100), the one name of a match percentage; `--threshold` is its old spelling. */
export function matchFlag(description: string) {
  return Flags.custom<number>({
    description: `${description} --threshold is the old spelling.`,
    aliases: ['threshold'],
    helpValue: 'PCT',
    default: 100,
    parse: async (input: string) => parsePercent('--match', input)!,
  })();
}
