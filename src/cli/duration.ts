/**
 * Durations on the command line: one syntax for every flag that takes one. A value may carry its unit
 * (`500ms`, `2s`, `1.5s`, `1m`); a bare number keeps the flag's historic unit (seconds for --timeout, --wait and
 * clipboard's --hold; milliseconds for --still and type/key's --hold), as README's "Conventions" says.
 */
import {Flags} from '@oclif/core';
import {SpiceError} from '../client/errors.js';

export type DurationUnit = 'ms' | 's';

const UNIT_MS: Record<string, number> = {ms: 1, s: 1000, m: 60_000};

/** The longest wait a timer can take (about 24.8 days): what `--timeout 0` ("no limit") means. */
export const NO_LIMIT_MS = 2 ** 31 - 1;

/** Milliseconds of `text` ("500ms", "2s", "1m", or a bare number in `unit`); a usage error names `flag`. */
export function parseDuration(text: string, unit: DurationUnit, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m)?\s*$/i.exec(text);
  if (!m) throw new SpiceError('usage', `${flag} ${text}: expected a duration such as 500ms, 2s or 1m (a bare number is in ${unit === 's' ? 'seconds' : 'milliseconds'})`);
  return Math.round(Number(m[1]) * UNIT_MS[(m[2] ?? unit).toLowerCase()]!);
}

/** How a duration reads in help and messages: 100ms, 10s, 2m. */
export function formatDuration(ms: number): string {
  if (ms >= NO_LIMIT_MS) return 'no limit';
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0 && ms > 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** An oclif flag whose value is a duration in milliseconds. `zeroMeansNoLimit`: 0 is NO_LIMIT_MS. */
export function durationFlag(o: {name: string; unit: DurationUnit; description: string; defaultMs?: number; zeroMeansNoLimit?: boolean; helpGroup?: string; aliases?: string[]}) {
  const base = {
    description: `${o.description} A duration: 500ms, 2s, 1m; a bare number is in ${o.unit === 's' ? 'seconds' : 'milliseconds'}.`,
    helpGroup: o.helpGroup,
    aliases: o.aliases,
    helpValue: 'DURATION',
    parse: async (input: string) => {
      const ms = parseDuration(input, o.unit, `--${o.name}`);
      return ms === 0 && o.zeroMeansNoLimit ? NO_LIMIT_MS : ms;
    },
  };
  if (o.defaultMs === undefined) return Flags.custom<number>(base)();
  return Flags.custom<number>({...base, default: o.defaultMs, defaultHelp: async () => formatDuration(o.defaultMs!)})({});
}
