import {Flags} from '@oclif/core';
import {LabCommand} from '../../../cli/lab-command.js';
import {publicInfo, readPasswordFile} from '../../../lab/cli.js';
import {
  XSPICE_COMPRESSIONS,
  XSPICE_STREAMING,
  XSPICE_WAN_MODES,
  defaultXClients,
  startXspice,
  type XClient,
  type XspiceCompression,
  type XspiceStreaming,
  type XspiceWanMode,
} from '../../../lab/xspice.js';

export default class LabStartXspice extends LabCommand {
  static override summary = 'Start an Xspice target (an X server that is a SPICE server) on 127.0.0.1 and leave it running';
  static override description =
    'Prints the URI to connect to (spice://127.0.0.1:PORT, with ?tls-port=N when --tls). ' +
    'Stop it with `spice-cli lab stop NAME`. By default the screen shows an xterm running a shell and an xlogo.';
  static override examples = [
    '<%= config.bin %> lab start xspice',
    '<%= config.bin %> lab start xspice --password-file pw.txt --tls --json',
    '<%= config.bin %> lab start xspice --vdagent --audio --compression lz',
  ];

  static override flags = {
    'password-file': Flags.string({description: 'require the password in this file (first line)'}),
    tls: Flags.boolean({description: 'also open a TLS port (lab CA in the target dir; the plain port stays open)'}),
    vdagent: Flags.boolean({description: 'run spice-vdagentd + spice-vdagent (clipboard, monitors config; file transfer needs --file-xfer-dir, else send-file gets DISABLED)'}),
    'agent-mouse': Flags.boolean({description: 'client-mode pointer events go through the agent, per monitor (XSPICE_AGENT_MOUSE=1; needs --vdagent)'}),
    'file-xfer-dir': Flags.string({description: 'where the agent saves transferred files (implies --vdagent)'}),
    audio: Flags.boolean({description: 'playback channel fed from a FIFO (raw S16LE stereo 48 kHz), sent as Opus to clients that offer it'}),
    compression: Flags.string({description: `image compression: ${XSPICE_COMPRESSIONS.join('|')}`}),
    'jpeg-wan': Flags.string({description: `JPEG WAN compression: ${XSPICE_WAN_MODES.join('|')}`}),
    'zlib-glz-wan': Flags.string({description: `zlib-GLZ WAN compression: ${XSPICE_WAN_MODES.join('|')}`}),
    streaming: Flags.string({description: `video streaming: ${XSPICE_STREAMING.join('|')}`}),
    surfaces: Flags.boolean({description: 'off-screen surfaces (--no-surfaces to disable)', default: true, allowNo: true}),
    width: Flags.integer({description: 'screen width', default: 1024}),
    height: Flags.integer({description: 'screen height', default: 768}),
    heads: Flags.integer({description: 'QXL heads (NumHeads): X outputs a multi-monitor layout can enable', default: 1, min: 1, max: 16}),
    client: Flags.string({description: 'extra X client to start, e.g. "xclock -update 1" (repeatable)', multiple: true}),
    'default-clients': Flags.boolean({description: 'start the default xterm and xlogo (--no-default-clients for an empty screen)', default: true, allowNo: true}),
    name: Flags.string({description: 'target name (default xspice-N)'}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(LabStartXspice);
    const password = flags['password-file'] ? readPasswordFile(flags['password-file']) : undefined;
    const clients: XClient[] = flags['default-clients'] ? defaultXClients() : [];
    for (const c of flags.client ?? []) {
      const [command, ...args] = c.trim().split(/\s+/);
      if (command) clients.push({command, args});
    }
    const target = await startXspice({
      name: flags.name,
      password,
      tls: flags.tls,
      vdagent: flags.vdagent,
      agentMouse: flags['agent-mouse'],
      fileXferDir: flags['file-xfer-dir'],
      audio: flags.audio,
      compression: flags.compression as XspiceCompression | undefined,
      jpegWan: flags['jpeg-wan'] as XspiceWanMode | undefined,
      zlibGlzWan: flags['zlib-glz-wan'] as XspiceWanMode | undefined,
      streaming: flags.streaming as XspiceStreaming | undefined,
      surfaces: flags.surfaces,
      width: flags.width,
      height: flags.height,
      heads: flags.heads,
      clients,
    });
    if (flags.json) {
      this.report(publicInfo(target));
    } else {
      this.log(target.uri);
      this.logToStderr(`started ${target.name} on display ${target.display} (stop with: spice-cli lab stop ${target.name})`);
    }
  }
}
