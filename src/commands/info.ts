import {SessionCommand} from '../cli/base-command.js';
import {formatReport, sessionReport} from '../client/actions/info.js';

export default class Info extends SessionCommand {
  static override summary = 'Connect, link every channel, and describe the server.';
  static override description =
    'Links the main channel and every channel the server lists, then prints the server name and UUID, each channel with its negotiated capabilities, mouse modes, agent state, multimedia time and link round-trip time.';
  static override examples = [
    '<%= config.bin %> info --uri spice://127.0.0.1:5900',
    '<%= config.bin %> info --uri "spice://vm.example:5900?tls-port=5901" --ca-file ca.pem --json',
    'SPICE_URI=spice+unix:///run/vm.sock <%= config.bin %> info',
  ];

  async run(): Promise<void> {
    const {flags} = await this.parse(Info);
    this.jsonOut = flags.json;
    const uri = this.requireUri(flags.uri);
    const opts = await this.sessionOptions(flags);
    const t0 = performance.now();
    const session = await this.openSession(uri, opts);
    const connectMs = performance.now() - t0;
    try {
      const report = {...sessionReport(session), connectMs: Math.round(connectMs * 10) / 10};
      if (flags.json) this.printJson(report);
      else process.stdout.write(formatReport(report) + '\n');
    } finally {
      session.close();
    }
  }
}
