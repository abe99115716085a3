/**
 * A USB redirection slot: one usbredir channel of the session. Nothing is said on it until someone opens it; the
 * first open() exchanges hellos (UsbredirConnection.open) and the stream stays for the channel's life, since the
 * usb-guest takes one hello per chardev connection (QEMU's usbredirparser ignores a second one). A slot is
 * busy from open() until release(); a device implementation drives the connection meanwhile.
 */
import {SpiceError} from '../errors.js';
import type {Logger} from '../log.js';
import {UsbredirConnection, type UsbredirOpenOptions, type UsbredirPipe} from './connection.js';

export class UsbSlot {
  private connection?: UsbredirConnection;
  private holder = false;
  private endError?: SpiceError;

  constructor(
    /** The usbredir channel id (QEMU numbers the usb-redir chardevs in command-line order from 0). */
    readonly id: number,
    private readonly pipe: UsbredirPipe,
    private readonly logger: Logger,
  ) {}

  /** `usbredir:ID`, as errors and reports name it. */
  get name(): string {
    return `usbredir:${this.id}`;
  }

  /** Opened and not yet released. */
  get busy(): boolean {
    return this.holder;
  }

  /** The slot's channel is gone. */
  get ended(): boolean {
    return this.endError !== undefined;
  }

  /**
   * The slot's usbredir stream, hellos exchanged; the slot is busy until release(). `caps` and `version` apply
   * to the first open only (the hello is said once per channel).
   */
  async open(opts: Omit<UsbredirOpenOptions, 'logger'>): Promise<UsbredirConnection> {
    if (this.endError) throw this.endError;
    if (this.holder) throw new SpiceError('usage', `USB slot ${this.name} is in use`);
    this.holder = true;
    try {
      this.connection ??= UsbredirConnection.start(this.pipe, {...opts, logger: this.logger});
      await this.connection.ready(opts.timeoutMs);
      return this.connection;
    } catch (e) {
      this.holder = false;
      throw e;
    }
  }

  /** Frees the slot for the next open(). */
  release(): void {
    this.holder = false;
  }

  /** The channel ended (or the session closed). */
  end(err: SpiceError): void {
    this.endError ??= err;
    this.connection?.end(err);
  }
}
