/** The flags of the screen commands (wait-screen, assert-screen, wait-change, wait-still) and what they mean to the screen actions. */
import {Args, Flags} from '@oclif/core';
import {matchFlag} from './numbers.js';
import {monitorFlag as sharedMonitorFlag} from './sessions.js';
import type {Needle} from '../client/actions/needles/needle.js';
import {loadNeedles} from '../client/actions/needles/resolve.js';
import type {NeedleMatchReport, ScreenMatchReport} from '../client/actions/screen.js';
import {ChannelType} from '../client/wire/enums.js';

/** The display is all a screen command links (each link costs the server an RSA key). */
export const SCREEN_SESSION = {channels: [ChannelType.DISPLAY], render: true} as const;

export const monitorFlag = sharedMonitorFlag('The one to look at.');

export const needleArgs = {
  needle: Args.string({description: 'Needles: a NAME.json path (.json may be left out), a name in --needles DIR, or a tag of needles in DIR.', required: true}),
};

export const needleFlags = {
  needles: Flags.string({description: 'Folder of needles named or tagged on the command line.', default: 'needles'}),
  match: matchFlag("Percentage of pixels that must match, for needle areas without their own `match`."),
  monitor: monitorFlag,
};

/** Every needle the words name, read and validated before connecting (exit 2 on a problem). */
export function needlesOf(words: readonly string[], flags: {needles: string}): Promise<Needle[]> {
  return loadNeedles(words, flags.needles);
}

const sign = (n: number) => (n >= 0 ? `+${n}` : String(n));

export function matchLine(m: NeedleMatchReport): string {
  return `${m.needle} score ${m.score} offset ${sign(m.offset.dx)},${sign(m.offset.dy)} click ${m.click.x},${m.click.y}`;
}

/** What wait-screen and assert-screen print without --json (stdout, so that scripts can read the needle's name). */
export function printMatch(r: ScreenMatchReport): void {
  process.stdout.write(`matched ${matchLine(r.matched)} after ${r.ms} ms\n`);
}
