/** Writes a .spicerec file from a session's wire tap (see format.ts). */
import {closeSync, openSync, writeSync} from 'node:fs';
import {performance} from 'node:perf_hooks';
import type {Channel, WireTap} from '../channels/channel.js';
import {RECORD_HEADER_SIZE, RECORDING_MAGIC, RECORDING_VERSION, type RecordedChannel, type RecordingHeader} from './format.js';

export class RecordingWriter {
  private fd: number;
  private t0 = performance.now();
  private channels = new Map<string, RecordedChannel>();
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private closed = false;
  messages = 0;

  constructor(
    readonly path: string,
    private readonly description: string,
    private readonly meta: Record<string, unknown> = {},
  ) {
    this.fd = openSync(path, 'w');
  }

  /** Pass as SessionOptions.tap. The header (with every channel's caps) is written on close. */
  readonly tap: WireTap = (channel: Channel, dir, type, body) => {
    if (this.closed) return;
    const key = `${channel.type}:${channel.id}`;
    if (!this.channels.has(key)) {
      const l = channel.link;
      this.channels.set(key, {
        type: channel.type,
        id: channel.id,
        miniHeader: l.miniHeader,
        commonCaps: [...l.caps.common],
        channelCaps: [...l.caps.channel],
        serverCommonCaps: l.serverCommonCaps,
        serverChannelCaps: l.serverChannelCaps,
      });
    }
    const h = Buffer.alloc(RECORD_HEADER_SIZE);
    h.writeUInt8(dir === 'in' ? 0 : 1, 0);
    h.writeUInt8(channel.type, 1);
    h.writeUInt8(channel.id, 2);
    h.writeBigUInt64LE(BigInt(Math.round((performance.now() - this.t0) * 1000)), 4);
    h.writeUInt16LE(type, 12);
    h.writeUInt32LE(body.length, 14);
    this.pending.push(h, Buffer.from(body));
    this.pendingBytes += h.length + body.length;
    this.messages++;
    if (this.pendingBytes > 1 << 20) this.flushRecords();
  };

  private records: Buffer[] = [];
  private flushRecords(): void {
    // Records are kept until close so that the header (which needs every channel) can come first.
    this.records.push(Buffer.concat(this.pending));
    this.pending = [];
    this.pendingBytes = 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.flushRecords();
    const header: RecordingHeader = {
      createdAt: new Date().toISOString(),
      description: this.description,
      meta: this.meta,
      channels: [...this.channels.values()],
    };
    const json = Buffer.from(JSON.stringify(header, null, 1), 'utf8');
    const pre = Buffer.alloc(16);
    pre.write(RECORDING_MAGIC, 0, 'latin1');
    pre.writeUInt32LE(RECORDING_VERSION, 8);
    pre.writeUInt32LE(json.length, 12);
    writeSync(this.fd, pre);
    writeSync(this.fd, json);
    for (const r of this.records) writeSync(this.fd, r);
    closeSync(this.fd);
  }
}
