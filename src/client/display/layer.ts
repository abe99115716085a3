/**
 * The session's display layer: one DisplayRenderer per display channel, the state they share (pixmap
 * cache, GLZ window), and what commands wait for: the first complete frame, a still screen, damage.
 */
import {EventEmitter} from 'node:events';
import {performance} from 'node:perf_hooks';
import {SpiceError, timeoutError} from '../errors.js';
import type {Logger} from '../log.js';
import {GLZ_WINDOW_BYTES} from '../codecs/glz-window.js';
import type {MessageConsumer} from '../wire/message.js';
import {DisplayRenderer, SharedDisplayState, type DamageEvent, type Head} from './renderer.js';
import type {StreamReportSink} from './streams.js';
import type {Surface} from './surface.js';

/** What the layer needs of a display channel (channels/display.ts's DisplayChannel is one). */
export interface DisplaySource extends StreamReportSink {
  readonly id: number;
  /** Set by attach(): receives every display message in order. */
  consumer?: MessageConsumer;
}

export interface Monitor extends Head {
  channelId: number;
}

export class DisplayLayer extends EventEmitter {
  readonly shared: SharedDisplayState;
  readonly renderers = new Map<number, DisplayRenderer>();
  private ended: Error | null = null;

  constructor(
    private readonly log: Logger,
    private readonly timeoutMs: number,
  ) {
    super();
    this.shared = new SharedDisplayState({glzWindowPixels: GLZ_WINDOW_BYTES / 4, timeoutMs});
  }

  attach(channel: DisplaySource): DisplayRenderer {
    const r = new DisplayRenderer(channel.id, this.shared, this.log, {reports: channel});
    this.renderers.set(channel.id, r);
    channel.consumer = (def, value) => r.handle(def, value);
    r.on('damage', (ev: DamageEvent) => this.emit('damage', ev));
    r.on('mark', () => this.emit('mark', channel.id));
    r.on('primary', (s: Surface) => this.emit('primary', channel.id, s));
    return r;
  }

  /** Makes every pending wait fail (the session ended). */
  end(err: Error): void {
    this.ended = err;
    this.emit('ended', err);
  }

  /** Monitors in the order the guest reports them; one per display channel when it reports none. */
  monitors(): Monitor[] {
    const out: Monitor[] = [];
    for (const [channelId, r] of [...this.renderers].sort((a, b) => a[0] - b[0])) {
      for (const h of r.heads) out.push({...h, channelId});
    }
    return out;
  }

  /** The surface a monitor shows, and where on it. */
  monitorSurface(index: number): {surface: Surface; monitor: Monitor} {
    const all = this.monitors();
    const monitor = all[index];
    if (!monitor) throw new SpiceError('usage', `no monitor ${index}: the guest shows ${all.length} (0–${all.length - 1})`);
    const surface = this.renderers.get(monitor.channelId)?.surfaces.get(monitor.surfaceId);
    if (!surface) throw new SpiceError('protocol', `monitor ${index} refers to surface ${monitor.surfaceId}, which does not exist`);
    return {surface, monitor};
  }

  /** Time of the last draw on any display channel (performance.now()), 0 if none. */
  lastDrawAt(): number {
    let t = 0;
    for (const r of this.renderers.values()) t = Math.max(t, r.lastDrawAt);
    return t;
  }

  private waitUntil(what: string, ready: () => boolean, timeoutMs: number, events: string[]): Promise<void> {
    if (this.ended) return Promise.reject(this.ended);
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (ready()) done(null);
      };
      const onEnd = (e: Error) => done(e);
      const done = (e: Error | null) => {
        clearTimeout(timer);
        for (const ev of events) this.off(ev, check);
        this.off('ended', onEnd);
        if (e) reject(e);
        else resolve();
      };
      const timer = setTimeout(() => done(timeoutError(what, timeoutMs)), timeoutMs);
      for (const ev of events) this.on(ev, check);
      this.on('ended', onEnd);
    });
  }

  /** Resolves once display channel `channelId` has a primary surface and the server marked its first frame complete. */
  waitFirstFrame(timeoutMs = this.timeoutMs, channelId = 0): Promise<void> {
    return this.waitUntil(
      'the first complete frame of the display',
      () => {
        const r = this.renderers.get(channelId);
        return Boolean(r?.primary && r.marked);
      },
      timeoutMs,
      ['mark', 'primary'],
    );
  }

  /** Resolves once no draw has been applied for `stillMs` (after the first frame). */
  async waitStill(stillMs: number, timeoutMs = this.timeoutMs): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (this.ended) throw this.ended;
      const quiet = performance.now() - this.lastDrawAt();
      if (quiet >= stillMs) return;
      const wait = Math.min(stillMs - quiet, deadline - performance.now());
      if (wait <= 0) throw timeoutError(`the display to be still for ${stillMs} ms`, timeoutMs);
      await new Promise((r) => setTimeout(r, Math.max(1, Math.ceil(wait))));
    }
  }
}
