/**
 * One name per idea on the command line (issue 11): every command's flags, read from the command classes in
 * src/commands (what `oclif manifest` lists, without a build). An old spelling is only ever an alias of the
 * new name, and a match percentage is always `--match` (`--threshold` kept as its alias).
 */
import {readdirSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';

/** Old spelling → the name that replaced it. */
const OLD_SPELLINGS: Record<string, string> = {threshold: 'match', settle: 'still'};

interface FlagInfo {
  aliases?: string[];
  description?: string;
  default?: unknown;
}

const dir = join(import.meta.dirname, '..', '..', 'src', 'commands');
const files = readdirSync(dir, {recursive: true, encoding: 'utf8'}).filter((f) => f.endsWith('.ts'));

async function commandFlags(): Promise<Array<{command: string; name: string; flag: FlagInfo}>> {
  const out: Array<{command: string; name: string; flag: FlagInfo}> = [];
  for (const f of files) {
    const cls = (await import(join(dir, f))).default as {flags?: Record<string, FlagInfo>; baseFlags?: Record<string, FlagInfo>};
    const command = f.replace(/\.ts$/, '').replace(/\//g, ' ');
    for (const [name, flag] of Object.entries({...cls.baseFlags, ...cls.flags})) out.push({command, name, flag});
  }
  return out;
}

describe('flag names', () => {
  it('no flag is named with an old spelling; an old spelling is an alias of its new name', async () => {
    const flags = await commandFlags();
    expect(flags.length).toBeGreaterThan(100);
    const named = flags.filter((f) => OLD_SPELLINGS[f.name]).map((f) => `${f.command} --${f.name}`);
    expect(named).toEqual([]);
    for (const f of flags) {
      for (const a of f.flag.aliases ?? []) if (OLD_SPELLINGS[a]) expect(`${f.command} --${f.name}`).toBe(`${f.command} --${OLD_SPELLINGS[a]}`);
    }
  });

  it('a match percentage is --match (default 100 in --help) and takes --threshold, on every command that took it', async () => {
    const flags = await commandFlags();
    const pct = flags.filter((f) => /percentage of (the )?pixels/i.test(f.flag.description ?? '') || f.name === 'match');
    expect(pct.every((f) => f.name === 'match'), pct.map((f) => `${f.command} --${f.name}`).join(', ')).toBe(true);
    const withAlias = pct.filter((f) => f.flag.aliases?.includes('threshold'));
    expect(withAlias.map((f) => f.command).sort()).toEqual(['assert-screen', 'compare', 'needle check', 'wait-screen']);
    for (const f of withAlias) expect(f.flag.default, f.command).toBe(100);
    // needle create --match writes each area's own value (no default there): it never was --threshold.
    expect(pct.filter((f) => !withAlias.includes(f)).map((f) => f.command)).toEqual(['needle create']);
  });
});
