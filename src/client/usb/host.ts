/**
 * The usb-host side of one attached device: describes it (interface_info, ep_info, then device_connect, in the
 * order the protocol asks) and answers the guest's packets through the UsbDevice's handlers, in order, each reply
 * with its request's id. Interrupt receiving (the protocol's "input endpoints" section): after
 * start_interrupt_receiving the host keeps one interrupt IN transfer pending on the device (UsbDevice.interruptIn)
 * and sends each completion as an unsolicited interrupt_packet, ids counting from 0, until
 * stop_interrupt_receiving or detach; a failed transfer ends the stream with an unsolicited
 * interrupt_receiving_status stall. Not served yet (answered with status stall or inval): iso streams, bulk streams
 * and bulk receiving. detach() sends device_disconnect and waits for the guest's ack when both sides have
 * device_disconnect_ack.
 */
import {EventEmitter} from 'node:events';
import type {UsbredirPacket} from '../wire/usbredir/codec.js';
import {bulkLength, splitBulkLength, UsbredirPackets as P} from '../wire/usbredir/packets.js';
import {epIndex, isInEndpoint, UsbredirCap, UsbredirEpType, UsbredirStatus} from '../wire/usbredir/protocol.js';
import type {UsbredirConnection} from './connection.js';
import type {UsbDevice, UsbTransferResult} from './device.js';

const EMPTY = new Uint8Array(0);

export class UsbDeviceHost extends EventEmitter {
  private configuration = 1;
  private readonly alt = new Map<number, number>();
  private attached = false;
  /** Interrupt IN streams by endpoint address (cancelled by stop_interrupt_receiving and detach). */
  private readonly interruptStreams = new Map<number, AbortController>();
  /** Packets are handled one at a time, in order (per-endpoint queues come with devices that need them). */
  private queue: Promise<void> = Promise.resolve();
  private readonly onPacket = (p: UsbredirPacket) => {
    this.queue = this.queue
      .then(() => this.handle(p))
      .catch((e: unknown) => {
        this.answerFailure(p);
        this.emit('device-error', e);
      });
  };

  constructor(
    readonly connection: UsbredirConnection,
    readonly device: UsbDevice,
  ) {
    super();
  }

  /** Describes the device to the guest and starts answering its packets. */
  attach(): void {
    if (this.attached) return;
    this.attached = true;
    this.connection.on('packet', this.onPacket);
    this.sendInfo();
    const i = this.device.info;
    this.connection.send(P.DEVICE_CONNECT, {
      speed: i.speed,
      device_class: i.deviceClass,
      device_subclass: i.deviceSubclass,
      device_protocol: i.deviceProtocol,
      vendor_id: i.vendorId,
      product_id: i.productId,
      device_version_bcd: i.deviceVersion,
    });
  }

  /** interface_info then ep_info (after connect, set_configuration, set_alt_setting). */
  private sendInfo(): void {
    const i = this.device.info;
    const per = (f: (k: number) => number) => Array.from({length: 32}, (_, k) => f(k));
    const ifs = i.interfaces;
    this.connection.send(P.INTERFACE_INFO, {
      interface_count: ifs.length,
      interface: per((k) => ifs[k]?.number ?? 0),
      interface_class: per((k) => ifs[k]?.class ?? 0),
      interface_subclass: per((k) => ifs[k]?.subclass ?? 0),
      interface_protocol: per((k) => ifs[k]?.protocol ?? 0),
    });
    const eps = new Map(i.endpoints.map((e) => [epIndex(e.address), e]));
    const ep0 = (k: number) => k === 0 || k === 16;
    this.connection.send(P.EP_INFO, {
      type: per((k) => (ep0(k) ? UsbredirEpType.CONTROL : (eps.get(k)?.type ?? UsbredirEpType.INVALID))),
      interval: per((k) => eps.get(k)?.interval ?? 0),
      interface: per((k) => eps.get(k)?.interface ?? 0),
      max_packet_size: per((k) => (ep0(k) ? i.ep0MaxPacketSize : (eps.get(k)?.maxPacketSize ?? 0))),
      max_streams: per(() => 0),
    });
  }

  /** An interrupt IN endpoint of the description, and a device that serves interrupt IN transfers. */
  private canReceiveInterrupts(endpoint: number): boolean {
    const ep = this.device.info.endpoints.find((e) => e.address === endpoint);
    return isInEndpoint(endpoint) && ep?.type === UsbredirEpType.INTERRUPT && this.device.interruptIn !== undefined;
  }

  /** Interrupt IN streams running (endpoint addresses). */
  get receivingInterrupts(): number[] {
    return [...this.interruptStreams.keys()];
  }

  /** Keeps one interrupt IN transfer pending and sends each completion, until stopped or failed. */
  private receiveInterrupts(endpoint: number): void {
    const ctl = new AbortController();
    this.interruptStreams.set(endpoint, ctl);
    const maxPacketSize = this.device.info.endpoints.find((e) => e.address === endpoint)?.maxPacketSize ?? 0;
    this.emit('interrupt-receiving', endpoint, true);
    void (async () => {
      let id = 0n;
      let status: number = UsbredirStatus.SUCCESS;
      try {
        while (!ctl.signal.aborted) {
          const r = await this.device.interruptIn!(endpoint, ctl.signal);
          if (ctl.signal.aborted) break;
          if (r.status !== UsbredirStatus.SUCCESS) {
            status = r.status;
            break;
          }
          const data = (r.data ?? EMPTY).subarray(0, maxPacketSize);
          this.connection.send(P.INTERRUPT_PACKET, {endpoint, status: UsbredirStatus.SUCCESS, length: data.length, data}, id++);
        }
      } catch (e) {
        if (!ctl.signal.aborted) {
          status = UsbredirStatus.IOERROR;
          this.emit('device-error', e);
        }
      }
      if (this.interruptStreams.get(endpoint) === ctl) this.stopInterrupts(endpoint);
      // Stopped for any reason but stop_interrupt_receiving or detach: the guest hears stall (the protocol's rule).
      if (status !== UsbredirStatus.SUCCESS && this.attached) {
        try {
          this.connection.send(P.INTERRUPT_RECEIVING_STATUS, {status: UsbredirStatus.STALL, endpoint});
        } catch {
          /* the connection is gone */
        }
      }
    })();
  }

  private stopInterrupts(endpoint: number): void {
    const ctl = this.interruptStreams.get(endpoint);
    if (!ctl) return;
    this.interruptStreams.delete(endpoint);
    ctl.abort();
    this.emit('interrupt-receiving', endpoint, false);
  }

  private async handle(p: UsbredirPacket): Promise<void> {
    const c = this.connection;
    const v = p.value as Record<string, number> & {data: Uint8Array; length: number; length_high?: number};
    switch (p.def) {
      case P.CONTROL_PACKET: {
        const r = await this.device.control({endpoint: v.endpoint, request: v.request, requestType: v.requesttype, value: v.value, index: v.index, length: v.length, data: v.data});
        const data = inData(v.endpoint, r, v.length);
        const setup = {endpoint: v.endpoint, request: v.request, requesttype: v.requesttype, value: v.value, index: v.index};
        c.send(P.CONTROL_PACKET, {...setup, status: r.status, length: data ? data.length : v.length, data: data ?? EMPTY}, p.id);
        return;
      }
      case P.BULK_PACKET: {
        const length = bulkLength(v);
        const r = this.device.bulk ? await this.device.bulk(v.endpoint, length, v.data) : {status: UsbredirStatus.STALL};
        const data = inData(v.endpoint, r, length);
        c.send(P.BULK_PACKET, {endpoint: v.endpoint, status: r.status, stream_id: v.stream_id, ...splitBulkLength(data ? data.length : length), data: data ?? EMPTY}, p.id);
        return;
      }
      case P.INTERRUPT_PACKET: {
        const r = this.device.interruptOut ? await this.device.interruptOut(v.endpoint, v.data) : {status: UsbredirStatus.STALL};
        c.send(P.INTERRUPT_PACKET, {endpoint: v.endpoint, status: r.status, length: v.length, data: EMPTY}, p.id);
        return;
      }
      case P.RESET:
        await this.device.reset?.();
        return;
      case P.SET_CONFIGURATION: {
        const status = this.device.setConfiguration ? await this.device.setConfiguration(v.configuration) : UsbredirStatus.SUCCESS;
        if (status === UsbredirStatus.SUCCESS) {
          this.configuration = v.configuration;
          this.sendInfo();
        }
        c.send(P.CONFIGURATION_STATUS, {status, configuration: this.configuration}, p.id);
        return;
      }
      case P.GET_CONFIGURATION:
        c.send(P.CONFIGURATION_STATUS, {status: UsbredirStatus.SUCCESS, configuration: this.configuration}, p.id);
        return;
      case P.SET_ALT_SETTING: {
        const status = this.device.setAltSetting ? await this.device.setAltSetting(v.interface, v.alt) : v.alt === 0 ? UsbredirStatus.SUCCESS : UsbredirStatus.STALL;
        if (status === UsbredirStatus.SUCCESS) {
          this.alt.set(v.interface, v.alt);
          this.sendInfo();
        }
        c.send(P.ALT_SETTING_STATUS, {status, interface: v.interface, alt: this.alt.get(v.interface) ?? 0}, p.id);
        return;
      }
      case P.GET_ALT_SETTING:
        c.send(P.ALT_SETTING_STATUS, {status: UsbredirStatus.SUCCESS, interface: v.interface, alt: this.alt.get(v.interface) ?? 0}, p.id);
        return;
      case P.START_INTERRUPT_RECEIVING: {
        const status = this.canReceiveInterrupts(v.endpoint) ? UsbredirStatus.SUCCESS : UsbredirStatus.INVAL;
        c.send(P.INTERRUPT_RECEIVING_STATUS, {status, endpoint: v.endpoint}, p.id);
        // After the status: the stream's first interrupt_packet follows it.
        if (status === UsbredirStatus.SUCCESS && !this.interruptStreams.has(v.endpoint)) this.receiveInterrupts(v.endpoint);
        return;
      }
      case P.STOP_INTERRUPT_RECEIVING:
        this.stopInterrupts(v.endpoint);
        c.send(P.INTERRUPT_RECEIVING_STATUS, {status: UsbredirStatus.SUCCESS, endpoint: v.endpoint}, p.id);
        return;
      case P.START_ISO_STREAM:
      case P.STOP_ISO_STREAM:
        c.send(P.ISO_STREAM_STATUS, {status: p.def === P.STOP_ISO_STREAM ? UsbredirStatus.SUCCESS : UsbredirStatus.STALL, endpoint: v.endpoint}, p.id);
        return;
      case P.ALLOC_BULK_STREAMS:
      case P.FREE_BULK_STREAMS:
        c.send(P.BULK_STREAMS_STATUS, {endpoints: v.endpoints, no_streams: 0, status: UsbredirStatus.INVAL}, p.id);
        return;
      case P.FILTER_REJECT:
        this.emit('rejected');
        return;
      case P.FILTER_FILTER:
        this.emit('filter', (p.value as {rules: string}).rules);
        return;
      default:
        // cancel_data_packet: replies are sent as transfers complete; nothing is queued to cancel yet.
        return;
    }
  }

  /**
   * A handler threw: the transfer is answered with status ioerror so the guest does not wait for it forever
   * (nothing is sent for packets that take no reply, or once the stream is gone).
   */
  private answerFailure(p: UsbredirPacket): void {
    const v = p.value as Record<string, number> & {length_high?: number};
    const failed = UsbredirStatus.IOERROR;
    try {
      if (p.def === P.CONTROL_PACKET) {
        const setup = {endpoint: v.endpoint, request: v.request, requesttype: v.requesttype, value: v.value, index: v.index};
        this.connection.send(P.CONTROL_PACKET, {...setup, status: failed, length: 0, data: EMPTY}, p.id);
      } else if (p.def === P.BULK_PACKET) {
        this.connection.send(P.BULK_PACKET, {endpoint: v.endpoint, status: failed, stream_id: v.stream_id, ...splitBulkLength(0), data: EMPTY}, p.id);
      } else if (p.def === P.INTERRUPT_PACKET) {
        this.connection.send(P.INTERRUPT_PACKET, {endpoint: v.endpoint, status: failed, length: 0, data: EMPTY}, p.id);
      } else if (p.def === P.SET_CONFIGURATION) {
        this.connection.send(P.CONFIGURATION_STATUS, {status: failed, configuration: this.configuration}, p.id);
      } else if (p.def === P.SET_ALT_SETTING) {
        this.connection.send(P.ALT_SETTING_STATUS, {status: failed, interface: v.interface, alt: this.alt.get(v.interface) ?? 0}, p.id);
      }
    } catch {
      // the connection failed: its waiters and the session report that
    }
  }

  /** Sends device_disconnect; resolves once the guest acknowledged it (when both sides have the ack cap). */
  async detach(timeoutMs: number): Promise<void> {
    if (!this.attached) return;
    this.attached = false;
    for (const ep of [...this.interruptStreams.keys()]) this.stopInterrupts(ep);
    this.connection.off('packet', this.onPacket);
    const wantsAck = this.connection.codec.negotiation.both(UsbredirCap.DEVICE_DISCONNECT_ACK);
    const ack = wantsAck ? this.connection.waitFor(P.DEVICE_DISCONNECT_ACK, 'the device_disconnect_ack', timeoutMs) : undefined;
    this.connection.send(P.DEVICE_DISCONNECT, {});
    await ack;
  }
}

/** IN data of a reply, cut to the length asked; undefined for OUT endpoints (their replies carry none). */
function inData(endpoint: number, r: UsbTransferResult, asked: number): Uint8Array | undefined {
  if (!(endpoint & 0x80)) return undefined;
  const d = r.data ?? EMPTY;
  return d.length > asked ? d.subarray(0, asked) : d;
}
