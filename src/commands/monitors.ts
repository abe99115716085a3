import {Flags} from '@oclif/core';
import {SessionCommand} from '../cli/base-command.js';
import {currentLayout, formatLayout, parseLayout, setLayout} from '../client/agent/monitors.js';
import {ChannelType} from '../client/wire/enums.js';

export default class Monitors extends SessionCommand {
  static override summary = "Show the guest's monitor layout, or set a new one through its agent.";
  static override description = `Without --set: prints the monitors the display channel reports (display MONITORS_CONFIG heads, else one per primary surface), one per line as WIDTHxHEIGHT+X+Y. With --set: sends VD_AGENT_MONITORS_CONFIG with those monitors to the guest agent (with positions when the agent has MONITORS_CONFIG_POSITION), then waits (--timeout) until the display channel reports that layout. The guest moves a layout to start at 0,0 and drops monitors beyond its outputs. Without a guest agent: exit 30; a bad layout: exit 2; the layout not shown in time: exit 40.`;
  static override examples = [
    '<%= config.bin %> monitors --uri spice://127.0.0.1:5900',
    '<%= config.bin %> monitors --set 1024x768+0+0,800x600+1024+0 --json',
    '<%= config.bin %> monitors --set 1024x768+0+0',
  ];
  static override flags = {
    set: Flags.string({description: 'New layout: WIDTHxHEIGHT+X+Y per monitor, comma-separated, e.g. 1024x768+0+0,800x600+1024+0.'}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(Monitors);
    this.jsonOut = flags.json;
    const layout = flags.set === undefined ? undefined : parseLayout(flags.set);
    const uri = this.requireUri(flags.uri);
    const opts = await this.sessionOptions(flags);
    const timeoutMs = flags.timeout * 1000;
    const t0 = performance.now();
    const session = await this.openSession(uri, {...opts, render: true, channelFilter: (type) => type === ChannelType.DISPLAY});
    try {
      const display = session.display!;
      await display.waitFirstFrame();
      const before = currentLayout(display);
      if (!layout) {
        const monitors = display.monitors().map((m, i) => ({index: i, ...before[i]!, layout: formatLayout(before[i]!), channel: m.channelId, surface: m.surfaceId}));
        if (flags.json) this.printJson({ok: true, monitors, layout: before.map(formatLayout).join(',')});
        else for (const m of monitors) this.log(`${m.index}: ${m.layout} (display channel ${m.channel}, surface ${m.surface})`);
        return;
      }
      const after = await setLayout(session, display, layout, timeoutMs);
      const out = {ok: true, before: before.map(formatLayout), after: after.map(formatLayout), ms: Math.round(performance.now() - t0)};
      if (flags.json) this.printJson(out);
      else process.stderr.write(`monitors now ${out.after.join(',')} (were ${out.before.join(',')})\n`);
    } finally {
      session.close();
    }
  }
}
