/**
 * The display channel. This stage links it and announces the client caches (DISPLAY INIT), so that the
 * server streams the display; drawing into surfaces comes with the canvas (display/ and codecs/).
 */
import {DisplayCap} from '../wire/caps.js';
import {ChannelType, SurfaceFlags} from '../wire/enums.js';
import {timeoutError} from '../errors.js';
import type {MessageConsumer, MessageDef} from '../wire/message.js';
import {DisplayClient, DisplayServer, type StreamReport} from '../wire/messages/display.js';
import {Channel} from './channel.js';

/** Receives every display message in order; the channel counts a message processed once it resolves. */
export type DisplayConsumer = MessageConsumer;

export interface ScreenSize {
  width: number;
  height: number;
}

/** Without sizes in the context (the session always gives them), display INIT announces no pixmap cache and no GLZ window. */
const NO_SIZE = 0;

// Satisfies display/streams.ts's StreamReportSink and display/layer.ts's DisplaySource structurally.
export class DisplayChannel extends Channel {
  // spice-server's worker sends the first messages once it has the channel (see Channel.greetsOnLink).
  protected override readonly greetsOnLink = true;
  /** The display layer (surfaces, canvas) that draws this channel's messages; set by the session. */
  consumer?: DisplayConsumer;
  /** The primary surface's size (SURFACE_CREATE with SurfaceFlags.PRIMARY), known also without a consumer. */
  primarySize?: ScreenSize;
  private primaryId?: number;

  // STREAM_REPORT for the video streams (display/streams.ts).
  get streamReports(): boolean {
    return this.caps.has(DisplayCap.STREAM_REPORT);
  }
  sendStreamReport(report: StreamReport): void {
    this.send(DisplayClient.STREAM_REPORT, report);
  }
  mmTime(): number | undefined {
    const main = this.ctx.findChannel(ChannelType.MAIN, 0) as {currentMmTime?: () => number | undefined} | undefined;
    return main?.currentMmTime?.();
  }

  /** The primary surface's size once the server created it (pointer bounds without decoding the screen). */
  waitPrimarySize(timeoutMs: number): Promise<ScreenSize> {
    if (this.primarySize) return Promise.resolve(this.primarySize);
    return new Promise((resolve, reject) => {
      const done = () => (clearTimeout(timer), this.off('primary-size', onSize));
      const onSize = (s: ScreenSize) => (done(), resolve(s));
      const timer = setTimeout(() => (done(), reject(timeoutError(`the ${this.name} channel's primary surface`, timeoutMs))), timeoutMs);
      this.on('primary-size', onSize);
    });
  }

  protected override async onMessage(def: MessageDef, value: unknown): Promise<void> {
    if (def === DisplayServer.SURFACE_CREATE) {
      const m = value as {surface_id: number; width: number; height: number; flags: number};
      if (m.flags & SurfaceFlags.PRIMARY) {
        this.primaryId = m.surface_id;
        this.primarySize = {width: m.width, height: m.height};
        this.emit('primary-size', this.primarySize);
      }
    } else if (def === DisplayServer.SURFACE_DESTROY && (value as {surface_id: number}).surface_id === this.primaryId) {
      this.primaryId = this.primarySize = undefined;
    }
    await this.consumer?.(def, value);
  }

  protected override onLinked(): void {
    // Cache id 1 and dictionary id 1 on every display channel: they share one pixmap cache and one GLZ window.
    this.send(DisplayClient.INIT, {
      pixmap_cache_id: 1,
      pixmap_cache_size: BigInt((this.ctx.display?.pixmapCacheBytes ?? NO_SIZE) / 4),
      glz_dictionary_id: 1,
      glz_dictionary_window_size: (this.ctx.display?.glzWindowBytes ?? NO_SIZE) / 4,
    });
    const preferred = this.ctx.display?.preferredCompression;
    if (preferred !== undefined && this.link.serverChannelCaps.includes(DisplayCap.PREF_COMPRESSION)) {
      this.send(DisplayClient.PREFERRED_COMPRESSION, {image_compression: preferred});
    }
  }
}
