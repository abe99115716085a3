import {Flags} from '@oclif/core';
import {SessionCommand} from '../../cli/base-command.js';
import {durationFlag} from '../../cli/duration.js';
import {parseNumber} from '../../cli/numbers.js';
import {checkCombos, checkTypeable, DEFAULT_LAYOUT, getLayout, LAYOUT_NAMES, MAX_RATE, typePacing} from '../../client/actions/keyboard.js';
import {checkUsbRedirect, parseEmulation, prepareUsbRedirect, redirectUsb, USB_EMULATIONS, type UsbDeviceReport} from '../../client/actions/usb.js';
import {ChannelType} from '../../client/wire/enums.js';
import {parseDeviceSpec, redirectHostDevice} from '../../client/actions/usb-host.js';
import {SpiceError} from '../../client/errors.js';

const describe = (d: UsbDeviceReport) =>
  d.device.emulate === 'storage' ? `${d.device.image}${d.device.readOnly ? ' (read-only)' : ''} as a USB stick on ${d.slot}` : `a USB ${d.device.emulate} on ${d.slot}`;

export default class UsbRedirect extends SessionCommand {
  static override summary = 'Plug emulated USB devices (a disk image as a stick, a keyboard, a tablet), or a real USB device of this machine, into the guest through USB redirection slots.';
  static override description = `--emulate storage:IMAGE makes the disk image file a USB stick (Mass Storage, Bulk-Only Transport, SCSI; 512-byte blocks, a tail short of a block is left out), writable, or read-only with :ro (the guest sees a write-protected disk; the file is opened read-only). --emulate keyboard plugs a USB keyboard (HID boot protocol) that types --type TEXT and then presses --keys COMBO... (layouts and pacing as \`type\` and \`key\`) once the guest's driver reads it; --emulate tablet an absolute pointer. Give --emulate several times for several devices, each on its own slot (--slot is the first one's).

The devices stay attached for --for, or until Ctrl-C (then they are detached cleanly and the command exits 130); with --type or --keys and no --for, until typed. They are unplugged with the guest's acknowledgement. Before connecting (exit 2): a missing image, a folder, an image under 512 bytes, one not writable without :ro, text the layout cannot type. After connecting (exit 2), each with its own message: a server without usbredir channels, no free slot (all in use), a --slot that does not exist, a --slot in use. --json reports the slots, the devices and what the guest did (SCSI commands, bytes read and written; what was typed).

--device VID:PID or BUS-PORT (as \`usb list\` shows) redirects a real USB device of this machine instead (node-usb): its kernel driver is detached and reattached at the end, every control, bulk and interrupt transfer is forwarded (isochronous transfers are not: node-usb has none). --filter takes spice-gtk's rules (class,vendor,product,version,allow|...) to refuse devices; the server's own filter is applied too. Errors, each its own message: not found (the devices present are listed), permission denied (with the udev rule that fixes it), busy, unplugged while attached.`;
  static override examples = [
    '<%= config.bin %> usb redirect --uri spice://127.0.0.1:5900 --emulate storage:stick.img --for 60',
    '<%= config.bin %> usb redirect --emulate storage:disk.img:ro --slot 1 --json',
    '<%= config.bin %> usb redirect --emulate keyboard --type "echo hello\\n"',
    '<%= config.bin %> usb redirect --emulate storage:stick.img --emulate keyboard --keys ctrl-alt-f2 --for 30',
    '<%= config.bin %> usb redirect --device 0781:5567 --for 120    # a real USB stick of this machine',
  ];

  static override flags = {
    emulate: Flags.string({description: `The device to emulate: ${USB_EMULATIONS.join(', ')}; several times for several devices.`, multiple: true, exclusive: ['device']}),
    device: Flags.string({description: 'A USB device of this machine to redirect: VID:PID (hex) or BUS-PORT, as `usb list` shows.', exclusive: ['emulate']}),
    filter: Flags.string({description: "With --device: spice-gtk filter rules that refuse devices (class,vendor,product,version,allow|...; -1 for any).", dependsOn: ['device']}),
    slot: Flags.integer({description: "The usbredir slot (channel id) of the first device; default the first free one.", min: 0}),
    for: durationFlag({name: 'for', unit: 's', description: 'Stay attached this long, then detach (default: until Ctrl-C, or until typed with --type/--keys).'}),
    type: Flags.string({description: 'Text to type through the emulated keyboard (\\n is Enter).'}),
    keys: Flags.string({description: 'Key combinations to press through the emulated keyboard after --type (enter, ctrl-alt-delete).', multiple: true}),
    layout: Flags.string({char: 'l', description: `Keyboard layout of the guest: ${LAYOUT_NAMES.join(', ')}.`, default: DEFAULT_LAYOUT}),
    rate: Flags.string({char: 'r', description: `Keystrokes per second (at most ${MAX_RATE}; default 50 for --type, 10 for --keys).`}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(UsbRedirect);
    if (flags.device !== undefined) {
      // --device: a real USB device of this machine, through the usb-host action.
      const device = flags.device!;
      parseDeviceSpec(device); // a malformed spec is exit 2 before connecting
      const report = await this.withSession(flags, {channels: [ChannelType.USBREDIR]}, (s, signal) =>
        redirectHostDevice(
          s,
          {
            device,
            slot: flags.slot,
            forMs: flags.for,
            filter: flags.filter,
            timeoutMs: flags.timeout,
            onAttached: (r) => {
              if (!flags.json) process.stderr.write(`attached USB device ${r.device.vendorId}:${r.device.productId} (${r.device.busPort}) on ${r.slot}; ${flags.for !== undefined ? `detaching in ${flags.for / 1000} s` : 'Ctrl-C detaches'}\n`);
            },
          },
          signal,
        ),
      );
      this.report(report, (r) => process.stderr.write(`detached ${r.slot} after ${(r.attachedMs / 1000).toFixed(1)} s (${r.ended})\n`));
      return;
    }
    if (!flags.emulate) throw new SpiceError('usage', 'give --emulate storage:IMAGE|keyboard|tablet, or --device VID:PID|BUS-PORT for a USB device of this machine (see `spice-cli usb list`)');
    const emulate = flags.emulate.map(parseEmulation);
    const type = flags.type?.replace(/\\n/g, '\n');
    const keyboard = {layout: getLayout(flags.layout), rate: flags.rate === undefined ? undefined : parseNumber(flags.rate, '--rate')};
    checkUsbRedirect({emulate, type, keys: flags.keys, slot: flags.slot});
    if (type !== undefined) checkTypeable(type, keyboard.layout);
    if (flags.keys) checkCombos(flags.keys, keyboard.layout);
    typePacing(keyboard);
    for (const e of emulate) await prepareUsbRedirect(e);
    const report = await this.withSession(flags, {channels: [ChannelType.USBREDIR]}, (s, signal) =>
      redirectUsb(s, {
        emulate,
        slot: flags.slot,
        forMs: flags.for,
        type,
        keys: flags.keys,
        keyboard,
        timeoutMs: flags.timeout,
        signal,
        onAttached: (devices) => {
          if (flags.json) return;
          const until = flags.for !== undefined ? `detaching in ${flags.for / 1000} s` : type !== undefined || flags.keys ? 'detaching once typed' : 'Ctrl-C detaches';
          process.stderr.write(`attached ${devices.map(describe).join(', ')}; ${until}\n`);
        },
      }),
    );
    this.report(report, (r) => {
      if (r.typed) process.stderr.write(`typed ${r.typed.characters} characters (${r.typed.keystrokes} keystrokes)\n`);
      for (const d of r.devices) {
        const io = d.commands === undefined ? '' : `: ${d.commands} SCSI commands, ${d.bytesRead} bytes read, ${d.bytesWritten} bytes written`;
        process.stderr.write(`detached ${d.slot} after ${(d.attachedMs / 1000).toFixed(1)} s${io}\n`);
      }
    });
  }

}
