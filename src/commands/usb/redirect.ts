import {Flags} from '@oclif/core';
import {SessionCommand} from '../../cli/base-command.js';
import {durationFlag} from '../../cli/duration.js';
import {parseEmulation, prepareUsbRedirect, redirectUsb, USB_EMULATIONS} from '../../client/actions/usb.js';
import {ChannelType} from '../../client/wire/enums.js';

export default class UsbRedirect extends SessionCommand {
  static override summary = 'Plug an emulated USB device into the guest through a USB redirection slot.';
  static override description = `--emulate storage:IMAGE makes the disk image file a USB stick (Mass Storage, Bulk-Only Transport, SCSI; 512-byte blocks, a tail short of a block is left out), writable, or read-only with :ro (the guest sees a write-protected disk; the file is opened read-only). The device stays attached for --for, or until Ctrl-C (then it is detached cleanly and the command exits 130), and is unplugged with the guest's acknowledgement. A missing image, a folder, an image under 512 bytes, or one not writable without :ro: exit 2 before connecting; a server without usbredir slots, or none free: exit 2. --json reports the slot, the device and what the guest did (SCSI commands, bytes read and written).`;
  static override examples = [
    '<%= config.bin %> usb redirect --uri spice://127.0.0.1:5900 --emulate storage:stick.img --for 60',
    '<%= config.bin %> usb redirect --emulate storage:disk.img:ro --slot 1 --json',
  ];

  static override flags = {
    emulate: Flags.string({description: `The device to emulate: ${USB_EMULATIONS.join(', ')}.`, required: true}),
    slot: Flags.integer({description: 'The usbredir slot (channel id) to use; default the first free one.', min: 0}),
    for: durationFlag({name: 'for', unit: 's', description: 'Stay attached this long, then detach (default: until Ctrl-C).'}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(UsbRedirect);
    const emulate = parseEmulation(flags.emulate);
    await prepareUsbRedirect(emulate);
    const report = await this.withSession(flags, {channels: [ChannelType.USBREDIR]}, (s, signal) =>
      redirectUsb(s, {
        emulate,
        slot: flags.slot,
        forMs: flags.for,
        timeoutMs: flags.timeout,
        signal,
        onAttached: (a) => {
          if (!flags.json) process.stderr.write(`attached ${a.device.image}${a.device.readOnly ? ' (read-only)' : ''} as a USB stick on ${a.slot}; ${flags.for === undefined ? 'Ctrl-C detaches it' : `detaching in ${flags.for / 1000} s`}\n`);
        },
      }),
    );
    this.report(report, (r) => process.stderr.write(`detached after ${(r.attachedMs / 1000).toFixed(1)} s: ${r.commands} SCSI commands, ${r.bytesRead} bytes read, ${r.bytesWritten} bytes written\n`));
  }
}
