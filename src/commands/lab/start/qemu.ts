import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {Flags} from '@oclif/core';
import {LabCommand} from '../../../cli/lab-command.js';
import {SpiceError} from '../../../client/errors.js';
import {publicInfo, readPasswordFile} from '../../../lab/cli.js';
import {addToState, findTarget} from '../../../lab/state.js';
import type {LabTarget} from '../../../lab/types.js';

/** src/lab/qemu.ts, loaded dynamically (it may be absent from a build); its types only are imported here. */
type QemuModule = typeof import('../../../lab/qemu.js');

const WEBDAV_PORT = 'org.spice-space.webdav.0';

export default class LabStartQemu extends LabCommand {
  static override summary = 'Start a QEMU target (SPICE built in) on 127.0.0.1 and leave it running';
  static override description =
    'Without --linux the guest is the BIOS screen (up in ~0.1 s); with --linux a tiny busybox Linux guest boots (~10 s under TCG). ' +
    'Prints the URI; stop it with `spice-cli lab stop NAME`.';
  static override examples = [
    '<%= config.bin %> lab start qemu',
    '<%= config.bin %> lab start qemu --linux --all-devices --json',
    '<%= config.bin %> lab start qemu --usbredir 2 --port org.example.port',
  ];

  static override flags = {
    linux: Flags.boolean({description: 'boot the tiny Linux guest (serial shell, qxl framebuffer) instead of the BIOS screen'}),
    'all-devices': Flags.boolean({description: 'agent, 2 USB redirection slots, audio, smartcard, tablet'}),
    agent: Flags.boolean({description: 'virtio-serial agent port (com.redhat.spice.0)'}),
    usbredir: Flags.integer({description: 'number of USB redirection slots', min: 0, max: 8}),
    'usbredir-filter': Flags.string({description: "QEMU's usb-redir filter on every slot: class:vendor:product:version:allow rules joined by '|', -1 for any (e.g. '0x08:-1:-1:-1:0|-1:-1:-1:-1:1' refuses mass storage)"}),
    audio: Flags.boolean({description: 'intel-hda + hda-duplex: playback and record channels'}),
    smartcard: Flags.boolean({description: 'usb-ccid + passthru card: smartcard channel'}),
    tablet: Flags.boolean({description: 'usb-tablet (client mouse mode)'}),
    port: Flags.string({description: 'named spiceport / virtserialport (repeatable)', multiple: true}),
    webdav: Flags.boolean({description: `add the WebDAV port (${WEBDAV_PORT})`}),
    unix: Flags.boolean({description: 'serve SPICE on a unix socket in the target dir instead of TCP'}),
    'password-file': Flags.string({description: 'require the password in this file (first line)'}),
    tls: Flags.boolean({description: 'also open a TLS port (lab CA in the target dir)'}),
    memory: Flags.integer({description: 'guest RAM in MiB'}),
    name: Flags.string({description: 'target name (default qemu-N)'}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(LabStartQemu);
    if (flags.unix && flags.tls) throw new SpiceError('usage', '--tls cannot be used with --unix');
    const modUrl = new URL('../../../lab/qemu.js', import.meta.url);
    if (!existsSync(fileURLToPath(modUrl))) {
      throw new Error('the QEMU lab target is not part of this build (dist/lab/qemu.js is missing); rebuild with `npm run build`');
    }
    const {startQemu} = (await import(modUrl.href)) as QemuModule;
    const password = flags['password-file'] ? readPasswordFile(flags['password-file']) : undefined;
    const ports = [...(flags.port ?? [])];
    if (flags.webdav && !ports.includes(WEBDAV_PORT)) ports.push(WEBDAV_PORT);
    const target = await startQemu({
      mode: flags.linux ? 'linux' : 'bios',
      ...(flags['all-devices'] ? {allDevices: true} : {}),
      ...(flags.agent ? {agent: true} : {}),
      ...(flags.usbredir !== undefined ? {usbredir: flags.usbredir} : {}),
      ...(flags['usbredir-filter'] !== undefined ? {usbredirFilter: flags['usbredir-filter']} : {}),
      ...(flags.audio ? {audio: true} : {}),
      ...(flags.smartcard ? {smartcard: true} : {}),
      ...(flags.tablet ? {tablet: true} : {}),
      ...(ports.length ? {ports} : {}),
      ...(flags.unix ? {unix: true} : {}),
      ...(password !== undefined ? {password} : {}),
      ...(flags.tls ? {tls: true} : {}),
      ...(flags.memory !== undefined ? {memoryMb: flags.memory} : {}),
      ...(flags.name !== undefined ? {name: flags.name} : {}),
    });
    if (!findTarget(target.name)) addToState(target);
    if (flags.json) {
      this.report(publicInfo(target));
    } else {
      this.log(target.uri);
      this.logToStderr(`started ${target.name} (stop with: spice-cli lab stop ${target.name})`);
    }
  }
}
