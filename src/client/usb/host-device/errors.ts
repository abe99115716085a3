/**
 * The host-device failures a user meets, each with its own message (issue 13 item 5): not found, permission
 * denied (with the udev rule that fixes it), busy (claimed by another program), unplugged (mid-transfer), refused
 * by a filter. `details.code` names the case for `--json`.
 */
import {SpiceError} from '../../errors.js';
import {hex4, UsbBackendError, type UsbBackendErrorCode} from './backend.js';

export type HostDeviceErrorCode = 'device-not-found' | 'permission-denied' | 'device-busy' | 'device-unplugged' | 'device-filtered' | 'usb-unavailable' | 'device-error';

export interface DeviceIds {
  vendorId: number;
  productId: number;
  /** bus-port, e.g. 1-4.2 */
  busPort?: string;
}

/** The udev rule that gives the plugdev group access to the device. */
export function udevRule(vendorId: number, productId: number): string {
  return `SUBSYSTEM=="usb", ATTR{idVendor}=="${hex4(vendorId)}", ATTR{idProduct}=="${hex4(productId)}", MODE="0660", GROUP="plugdev"`;
}

const describe = (d: DeviceIds) => `USB device ${hex4(d.vendorId)}:${hex4(d.productId)}${d.busPort ? ` (bus-port ${d.busPort})` : ''}`;

export function hostDeviceError(code: HostDeviceErrorCode, message: string, cause?: unknown, details: Record<string, unknown> = {}): SpiceError {
  const kind = code === 'device-unplugged' ? 'connection-lost' : 'usage';
  return new SpiceError(kind, message, {cause, details: {code, ...details}});
}

export function deviceNotFound(spec: string, known: string[]): SpiceError {
  const list = known.length ? `; devices present: ${known.join(', ')}` : '; no USB device is visible on this machine';
  return hostDeviceError('device-not-found', `no USB device ${spec} found (give VID:PID in hex, e.g. 0781:5567, or BUS-PORT, e.g. 1-4.2, as \`spice-cli usb list\` shows)${list}`);
}

/** The backend's code of an error, if it is one of its errors (or carries a libusb errno). */
export function backendCode(e: unknown): UsbBackendErrorCode | undefined {
  if (e instanceof UsbBackendError) return e.code;
  return undefined;
}

/**
 * A backend failure while opening, claiming or using the device → the user's message. `during` says what was
 * being done ("opening", "claiming interface 0", "a bulk transfer").
 */
export function mapDeviceError(e: unknown, d: DeviceIds, during: string): SpiceError {
  if (e instanceof SpiceError) return e;
  const code = backendCode(e);
  const what = describe(d);
  const detail = e instanceof Error ? e.message : String(e);
  switch (code) {
    case 'ACCESS':
      return hostDeviceError(
        'permission-denied',
        `permission denied ${during} ${what}: this user may not open it. Add a udev rule, e.g. in /etc/udev/rules.d/50-spice-cli-usb.rules:\n  ${udevRule(d.vendorId, d.productId)}\nthen \`sudo udevadm control --reload && sudo udevadm trigger\`, replug the device and make sure you are in the plugdev group (or run as root)`,
        e,
        {udevRule: udevRule(d.vendorId, d.productId)},
      );
    case 'BUSY':
      return hostDeviceError('device-busy', `${what} is busy ${during}: another program has claimed it (close it, or stop the service using the device) (${detail})`, e);
    case 'NO_DEVICE':
      return hostDeviceError('device-unplugged', `${what} was unplugged (${during}): the redirect ended and the guest saw the device disconnect`, e);
    case 'NOT_FOUND':
      return hostDeviceError('device-not-found', `${what} is gone or has no such interface (${during}): ${detail}`, e);
    default:
      return hostDeviceError('device-error', `${what} failed ${during}: ${detail}`, e);
  }
}
