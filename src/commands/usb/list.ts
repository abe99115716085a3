import {SessionCommand} from '../../cli/base-command.js';
import {listUsb, type UsbListReport} from '../../client/actions/usb.js';
import {listHostDevices} from '../../client/actions/usb-host.js';
import {ChannelType} from '../../client/wire/enums.js';

export default class UsbList extends SessionCommand {
  static override summary = "List the server's USB redirection slots (free or busy), the USB devices spice-cli can emulate, and the host's USB devices.";
  static override description = `With --uri (or SPICE_URI) it connects and lists the server's usbredir slots (usbredir:ID, free or busy; a server without usbredir channels has none); without a server it lists only what is local: the emulations (--emulate of \`usb redirect\`) and the host's USB devices (when this build has host device support). --json prints {slots, emulations, hostDevices}; slots is null without a server.`;
  static override examples = ['<%= config.bin %> usb list', '<%= config.bin %> usb list --uri spice://127.0.0.1:5900 --json'];

  async run(): Promise<void> {
    const {flags} = await this.parse(UsbList);
    const lister = () => listHostDevices();
    const report = flags.uri ? await this.withSession(flags, {channels: [ChannelType.USBREDIR]}, (s) => listUsb(s, lister)) : await listUsb(undefined, lister);
    this.report(report, (r) => process.stdout.write(human(r)));
  }
}

function human(r: UsbListReport): string {
  const lines: string[] = [];
  if (r.slots === null) lines.push('Slots: (no server given: --uri or SPICE_URI lists its usbredir slots)');
  else if (r.slots.length === 0) lines.push('Slots: none (the server offers no usbredir channel)');
  else lines.push('Slots:', ...r.slots.map((s) => `  ${s.slot}  ${s.state}`));
  lines.push('Emulations (usb redirect --emulate):', ...r.emulations.map((e) => `  ${e.spec.padEnd(20)} ${e.device}; takes ${e.takes}`));
  if (r.hostDevices === null) lines.push(`Host devices: (${r.hostDevicesNote ?? 'host device support not available'})`);
  else if (r.hostDevices.length === 0) lines.push('Host devices: none');
  else lines.push('Host devices:', ...r.hostDevices.map((d) => `  ${JSON.stringify(d)}`));
  return lines.join('\n') + '\n';
}
