import {SessionCommand} from '../cli/base-command.js';
import {needleArgs, needleFlags, needlesOf, printMatch, SCREEN_SESSION} from '../cli/screen-flags.js';
import {waitScreen} from '../client/actions/screen.js';

export default class WaitScreen extends SessionCommand {
  static override summary = 'Wait until one of the needles matches the screen: exit 0, or 40 when none did within --timeout.';
  static override description = `Looks at the screen as soon as the first frame is drawn and again after every change (at most every 50 ms), as the scenario step wait_screen does. NEEDLE is a needle JSON path (the .json may be left out), a name in the --needles folder, or a tag: every needle there whose "tags" hold the word. On a timeout the best candidate's score is in the message (and with --json in "best").`;
  static override examples = [
    '<%= config.bin %> wait-screen --uri spice://127.0.0.1:5900 xterm-prompt --timeout 30',
    '<%= config.bin %> wait-screen login-screen desktop --needles tests/needles --json',
    '<%= config.bin %> wait-screen needles/xterm.json --match 99.5 --monitor 1',
  ];
  static override strict = false;
  static override args = needleArgs;
  static override flags = needleFlags;

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(WaitScreen);
    const needles = await needlesOf(argv as string[], flags);
    const options = {timeoutMs: flags.timeout, monitor: flags.monitor, match: flags.match};
    const out = await this.withSession(flags, SCREEN_SESSION, (s, signal) => waitScreen(s, needles, {...options, signal}));
    this.report(out, printMatch);
  }
}
