import {Args, Flags} from '@oclif/core';
import {SessionCommand} from '../cli/base-command.js';
import {ChannelType} from '../client/wire/enums.js';
import {MouseInterrupted, parseCoord, runMouse, type Mouse} from '../client/actions/mouse.js';
import {withInterrupt} from '../cli/interrupt.js';

/** The flags every mouse command has. */
export const mouseFlags = {
  monitor: Flags.integer({description: 'Monitor (display id) the coordinates are on.', default: 0, min: 0, max: 255}),
  'server-mode': Flags.boolean({
    description: 'Stay in server mouse mode (relative motion) even when client mode is available: exact when the server reports the cursor position (closed loop), best effort otherwise.',
    default: false,
  }),
};

/**
 * Shared body of click/move/drag/scroll: one session with the inputs channel and the cursor channel (whose
 * reported position closes the loop in server mouse mode), Ctrl-C safe.
 */
export async function mouseCommand(
  cmd: SessionCommand & {printJsonPublic(v: unknown): void},
  flags: {uri?: string; json: boolean; timeout: number; monitor: number; 'server-mode': boolean} & Record<string, unknown>,
  summary: Record<string, unknown>,
  fn: (m: Mouse) => Promise<void>,
): Promise<void> {
  const c = cmd as any;
  const uri = c.requireUri(flags.uri);
  const opts = await c.sessionOptions(flags);
  const timeoutMs = flags.timeout * 1000;
  await withInterrupt(async (signal) => {
    const session = await c.openSession(uri, {...opts, channelFilter: (type: number) => type === ChannelType.INPUTS || type === ChannelType.CURSOR});
    try {
      const inputs = await session.inputs(timeoutMs);
      const report = await runMouse(
        session,
        inputs,
        {monitor: flags.monitor, signal, timeoutMs, preferClient: !flags['server-mode'], cursor: session.cursor},
        fn,
        (ch, t) => ch.flush(t),
      );
      if (flags.json) cmd.printJsonPublic({...summary, ...report});
      else if (!report.exact) process.stderr.write('spice-cli: warning: server mouse mode (relative motion) without a reported cursor position at the target: the position is approximate\n');
    } catch (e) {
      if (e instanceof MouseInterrupted) {
        if (flags.json) cmd.printJsonPublic({ok: false, interrupted: true, events: e.done, message: e.message});
        else process.stderr.write(`spice-cli: ${e.message}\n`);
        process.exitCode = 130;
        return;
      }
      throw e;
    } finally {
      session.close();
    }
  });
}

export default class Move extends SessionCommand {
  static override summary = 'Move the mouse pointer to X Y (guest screen pixels).';
  static override description =
    'Uses client mouse mode (absolute positions, exact) and asks the server for it when it supports it; in server mode (relative motion) it corrects until the cursor position the server reports is X Y (exact), or is best effort when the server reports none.';
  static override examples = ['<%= config.bin %> move --uri spice://127.0.0.1:5900 100 200', '<%= config.bin %> move 0 0 --monitor 1 --json'];
  static override args = {
    x: Args.string({description: 'X (pixels from the left)', required: true}),
    y: Args.string({description: 'Y (pixels from the top)', required: true}),
  };
  static override flags = {...mouseFlags};

  printJsonPublic(v: unknown): void {
    this.printJson(v);
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Move);
    this.jsonOut = flags.json;
    const x = parseCoord(args.x, 'X');
    const y = parseCoord(args.y, 'Y');
    await mouseCommand(this, flags, {action: 'move'}, (m) => m.moveTo(x, y));
  }
}
