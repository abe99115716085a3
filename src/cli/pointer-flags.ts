/** The flags every pointer command (move, click, drag, scroll) has, and what they mean to the pointer action. */
import {Flags} from '@oclif/core';
import {monitorFlag} from './sessions.js';
import type {PointerOptions} from '../client/actions/pointer.js';
import type {ConnectionFlags} from './base-command.js';
import {ChannelType} from '../client/wire/enums.js';

export const pointerFlags = {
  monitor: monitorFlag('The coordinates are on this one.'),
  'server-mode': Flags.boolean({
    description: 'Stay in server mouse mode (relative motion) even when client mode is available: exact when the server reports the cursor position (closed loop), best effort otherwise.',
    default: false,
  }),
};

/** Inputs, the cursor channel whose reported position closes the loop in server mouse mode, and the display channel whose primary surface size bounds the points. */
export const POINTER_CHANNELS = [ChannelType.INPUTS, ChannelType.CURSOR, ChannelType.DISPLAY];

export function pointerOptions(flags: ConnectionFlags & {monitor: number; 'server-mode': boolean}): PointerOptions {
  return {monitor: flags.monitor, serverMode: flags['server-mode'], timeoutMs: flags.timeout};
}

/** What a pointer command prints without --json: a warning when the position is not exact. */
export function warnInexact(r: {exact: boolean}): void {
  if (!r.exact) process.stderr.write('spice-cli: warning: server mouse mode (relative motion) without a reported cursor position at the target: the position is approximate\n');
}
