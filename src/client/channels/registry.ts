/** Which class handles each channel type. Types whose features come later link and idle on the base class. */
import {Channel, type ChannelContext, type LinkedSocket} from './channel.js';
import {MainChannel} from './main.js';
import {DisplayChannel} from './display.js';
import {InputsChannel} from './inputs.js';
import {CursorChannel} from './cursor.js';
import {PlaybackChannel} from './playback.js';
import {RecordChannel} from './record.js';
import {ChannelType} from '../wire/enums.js';

type ChannelClass = new (type: number, id: number, link: LinkedSocket, ctx: ChannelContext) => Channel;

const classes: Partial<Record<number, ChannelClass>> = {
  [ChannelType.MAIN]: MainChannel,
  [ChannelType.DISPLAY]: DisplayChannel,
  [ChannelType.INPUTS]: InputsChannel,
  [ChannelType.CURSOR]: CursorChannel,
  [ChannelType.PLAYBACK]: PlaybackChannel,
  [ChannelType.RECORD]: RecordChannel,
};

export function createChannel(type: number, id: number, link: LinkedSocket, ctx: ChannelContext): Channel {
  const C = classes[type] ?? Channel;
  return new C(type, id, link, ctx);
}
