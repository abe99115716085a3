import {Flags} from '@oclif/core';
import {SessionCommand} from '../../cli/base-command.js';
import {durationFlag} from '../../cli/duration.js';
import {parseNumber} from '../../cli/numbers.js';
import {checkCombos, checkTypeable, DEFAULT_LAYOUT, getLayout, LAYOUT_NAMES, MAX_RATE, typePacing} from '../../client/actions/keyboard.js';
import {checkUsbRedirect, parseEmulation, prepareUsbRedirect, redirectUsb, USB_EMULATIONS, type UsbDeviceReport} from '../../client/actions/usb.js';
import {ChannelType} from '../../client/wire/enums.js';

const describe = (d: UsbDeviceReport) =>
  d.device.emulate === 'storage' ? `${d.device.image}${d.device.readOnly ? ' (read-only)' : ''} as a USB stick on ${d.slot}` : `a USB ${d.device.emulate} on ${d.slot}`;

export default class UsbRedirect extends SessionCommand {
  static override summary = 'Plug emulated USB devices (a disk image as a stick, a keyboard, a tablet) into the guest through USB redirection slots.';
  static override description = `--emulate storage:IMAGE makes the disk image file a USB stick (Mass Storage, Bulk-Only Transport, SCSI; 512-byte blocks, a tail short of a block is left out), writable, or read-only with :ro (the guest sees a write-protected disk; the file is opened read-only). --emulate keyboard plugs a USB keyboard (HID boot protocol) that types --type TEXT and then presses --keys COMBO... (layouts and pacing as \`type\` and \`key\`) once the guest's driver reads it; --emulate tablet an absolute pointer. Give --emulate several times for several devices, each on its own slot (--slot is the first one's).

The devices stay attached for --for, or until Ctrl-C (then they are detached cleanly and the command exits 130); with --type or --keys and no --for, until typed. They are unplugged with the guest's acknowledgement. Before connecting (exit 2): a missing image, a folder, an image under 512 bytes, one not writable without :ro, text the layout cannot type. After connecting (exit 2), each with its own message: a server without usbredir channels, no free slot (all in use), a --slot that does not exist, a --slot in use. --json reports the slots, the devices and what the guest did (SCSI commands, bytes read and written; what was typed).`;
  static override examples = [
    '<%= config.bin %> usb redirect --uri spice://127.0.0.1:5900 --emulate storage:stick.img --for 60',
    '<%= config.bin %> usb redirect --emulate storage:disk.img:ro --slot 1 --json',
    '<%= config.bin %> usb redirect --emulate keyboard --type "echo hello\\n"',
    '<%= config.bin %> usb redirect --emulate storage:stick.img --emulate keyboard --keys ctrl-alt-f2 --for 30',
  ];

  static override flags = {
    emulate: Flags.string({description: `The device to emulate: ${USB_EMULATIONS.join(', ')}; several times for several devices.`, required: true, multiple: true}),
    slot: Flags.integer({description: "The usbredir slot (channel id) of the first device; default the first free one.", min: 0}),
    for: durationFlag({name: 'for', unit: 's', description: 'Stay attached this long, then detach (default: until Ctrl-C, or until typed with --type/--keys).'}),
    type: Flags.string({description: 'Text to type through the emulated keyboard (\\n is Enter).'}),
    keys: Flags.string({description: 'Key combinations to press through the emulated keyboard after --type (enter, ctrl-alt-delete).', multiple: true}),
    layout: Flags.string({char: 'l', description: `Keyboard layout of the guest: ${LAYOUT_NAMES.join(', ')}.`, default: DEFAULT_LAYOUT}),
    rate: Flags.string({char: 'r', description: `Keystrokes per second (at most ${MAX_RATE}; default 50 for --type, 10 for --keys).`}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(UsbRedirect);
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
