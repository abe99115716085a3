/**
 * Loads the node-usb backend on demand: the `usb` package is a native module, and a machine where it is missing or
 * cannot load (no prebuilt binary for the platform) still runs every other command. The failure is a clear error.
 */
import {SpiceError} from '../../errors.js';
import type {UsbBackend} from './backend.js';

let loaded: Promise<UsbBackend> | undefined;

export function loadNodeUsbBackend(): Promise<UsbBackend> {
  loaded ??= (async () => {
    try {
      const [usb, impl] = await Promise.all([import('usb'), import('./node-usb.js')]);
      const mod = ((usb as {default?: unknown}).default ?? usb) as ConstructorParameters<typeof impl.NodeUsbBackend>[0];
      return new impl.NodeUsbBackend(mod, impl.nodeUsbVersion());
    } catch (e) {
      loaded = undefined;
      const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
      throw new SpiceError(
        'usage',
        `host USB devices need the \`usb\` package (node-usb 2.x, libusb), which could not be loaded: ${why}. Install it with \`npm install usb@^2.18.0\` (prebuilt for Linux, macOS and Windows on x64 and arm64); emulated devices (--emulate) work without it`,
        {cause: e, details: {code: 'usb-unavailable'}},
      );
    }
  })();
  return loaded;
}
