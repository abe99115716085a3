/** Session specs shared by several commands. */
import {Flags} from '@oclif/core';
import {ChannelType} from '../client/wire/enums.js';
import type {SessionSpec} from './base-command.js';

/** The display channel only, rendered (monitor layouts). */
export const DISPLAY_ONLY: SessionSpec = {channels: [ChannelType.DISPLAY], render: true};

/** --monitor: the same words everywhere (what it does with the monitor is in each command's description). */
export function monitorFlag(what: string) {
  return Flags.integer({description: `Monitor index: 0 is the first, in the order \`spice-cli monitors\` lists them. ${what}`, default: 0, min: 0, max: 255});
}
