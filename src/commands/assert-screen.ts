import {Flags} from '@oclif/core';
import {durationFlag} from '../cli/duration.js';
import {SessionCommand} from '../cli/base-command.js';
import {needleArgs, needleFlags, needlesOf, printMatch, SCREEN_SESSION} from '../cli/screen-flags.js';
import {assertScreen} from '../client/actions/screen.js';

export default class AssertScreen extends SessionCommand {
  static override summary = 'Check that one of the needles matches the screen now: exit 0, or 1 when none does.';
  static override description = `Waits for the first complete frame and for the display to be still (no draw for --still ms; if it never is within --timeout, the screen is checked as it is), then looks once. NEEDLE is a needle JSON path (the .json may be left out), a name in the --needles folder, or a tag. On a mismatch the best candidate's score is in the message (and with --json in "best").`;
  static override examples = [
    '<%= config.bin %> assert-screen --uri spice://127.0.0.1:5900 xterm-prompt',
    '<%= config.bin %> assert-screen needles/desktop.json --still 1000 --json',
  ];
  static override strict = false;
  static override args = needleArgs;
  static override flags = {
    ...needleFlags,
    still: durationFlag({name: 'still', unit: 'ms', description: 'How long nothing may be drawn before the screen is looked at; 0 looks at the first complete frame.', defaultMs: 300}),
  };

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(AssertScreen);
    const needles = await needlesOf(argv as string[], flags);
    const options = {timeoutMs: flags.timeout, monitor: flags.monitor, match: flags.match, stillMs: flags.still};
    const out = await this.withSession(flags, SCREEN_SESSION, (s, signal) => assertScreen(s, needles, {...options, signal}));
    this.report(out, printMatch);
  }
}
