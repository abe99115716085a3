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
    const t0 = performance.now();
    const report = await this.withSession(flags, {}, async (s) => ({...sessionReport(s), connectMs: Math.round((performance.now() - t0) * 10) / 10}));
    this.report(report, (r) => process.stdout.write(formatReport(r) + '\n'));
  }
}
