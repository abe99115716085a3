/**
 * The server's device filter, applied on our side before any device is attached, emulated or real (one function for
 * both paths). QEMU's usb-redir `filter` property (rules `class:vendor:product:version:allow` joined by `|`) reaches
 * us as a usbredir filter_filter right after our hello (QEMU sends it when the usb-host has the filter cap), in
 * usbredir's `,` syntax. QEMU checks every device_connect against it with usbredirfilter_check and flags 0: the
 * first matching rule decides, a device no rule matches is refused, non-boot HID interfaces of composite devices
 * are skipped (hw/usb/redirect.c, usbredir_check_filter). A refused device is not attached to the guest: QEMU warns
 * "Device VID:PID rejected by device filter, not attaching", resets its side of the slot and sends filter_reject
 * (usbredir_reject_device). So we refuse it first, with a clear error, as spice-gtk does (its check uses the same
 * default-deny flags), and treat a filter_reject as the same refusal.
 */
import type {SpiceError} from '../errors.js';
import type {UsbredirConnection} from './connection.js';
import type {UsbDeviceInfo} from './device.js';
import {hostDeviceError} from './host-device/errors.js';
import {checkUsbFilter, describeVerdict, parseUsbFilter, type UsbFilterDevice} from './host-device/filter.js';

/** How long to wait for a filter_filter that is not in yet: QEMU answers our hello with it at once. */
export const SERVER_FILTER_GRACE_MS = 200;

/** A device description as the filter sees it. */
export function filterDeviceOf(info: Pick<UsbDeviceInfo, 'deviceClass' | 'vendorId' | 'productId' | 'deviceVersion' | 'interfaces'>): UsbFilterDevice {
  return {
    deviceClass: info.deviceClass,
    vendorId: info.vendorId,
    productId: info.productId,
    deviceVersion: info.deviceVersion,
    interfaces: info.interfaces.map((i) => ({class: i.class, subclass: i.subclass, protocol: i.protocol})),
  };
}

/** The refusal of `device` (named `what`) by the server's rules (usbredir text), as QEMU decides it; undefined: allowed. */
export function serverFilterRefusal(rules: string, device: UsbFilterDevice, what: string, outcome = 'it was not attached'): SpiceError | undefined {
  const verdict = checkUsbFilter(parseUsbFilter(rules, "the server's USB filter"), device, {defaultAllow: false});
  if (verdict.allowed) return undefined;
  return hostDeviceError('device-filtered', `the server's USB filter (${rules}) refuses ${what} (${describeVerdict(verdict)}): ${outcome}`, undefined, {serverFilter: rules});
}

/**
 * Before attaching: waits up to `graceMs` for the server's filter_filter when none came yet, then throws the
 * refusal (usage error, details.code device-filtered) if its rules refuse the device. A server without a filter
 * never sends one: then everything is allowed.
 */
export async function checkServerFilter(connection: UsbredirConnection, device: UsbFilterDevice, what: string, graceMs = SERVER_FILTER_GRACE_MS): Promise<void> {
  if (connection.serverFilter === undefined && graceMs > 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, graceMs);
      function done() {
        clearTimeout(timer);
        connection.off('filter', done);
        resolve();
      }
      connection.on('filter', done);
    });
  }
  const rules = connection.serverFilter;
  if (rules === undefined) return;
  const refused = serverFilterRefusal(rules, device, what);
  if (refused) throw refused;
}

/** While attached: calls `onRefused` when a new filter_filter refuses the device (a bad filter is a refusal too); returns the unsubscriber. */
export function watchServerFilter(connection: UsbredirConnection, device: UsbFilterDevice, what: string, onRefused: (e: SpiceError) => void): () => void {
  const listener = (rules: string) => {
    let refused: SpiceError | undefined;
    try {
      refused = serverFilterRefusal(rules, device, what, 'it was detached');
    } catch (e) {
      refused = e as SpiceError;
    }
    if (refused) onRefused(refused);
  };
  connection.on('filter', listener);
  return () => connection.off('filter', listener);
}

/** The error of a filter_reject: the server refused the device after it was connected. */
export function serverRejected(what: string): SpiceError {
  return hostDeviceError('device-filtered', `the server rejected ${what} (usbredir filter_reject: QEMU's usb-redir filter refuses it, or its device checks failed): it was detached`);
}
