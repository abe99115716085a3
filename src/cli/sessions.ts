/** Session specs shared by several commands. */
import {ChannelType} from '../client/wire/enums.js';
import type {SessionSpec} from './base-command.js';

/** The display channel only, rendered (monitor layouts). */
export const DISPLAY_ONLY: SessionSpec = {channels: [ChannelType.DISPLAY], render: true};
