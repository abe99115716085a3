import {Flags} from '@oclif/core';
import {SessionCommand} from '../cli/base-command.js';
import {parseLayout, setMonitors, showMonitors} from '../client/actions/monitors.js';
import {DISPLAY_ONLY} from '../cli/sessions.js';

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
    const layout = flags.set === undefined ? undefined : parseLayout(flags.set);
    const o = {timeoutMs: flags.timeout};
    if (!layout) {
      const shown = await this.withSession(flags, DISPLAY_ONLY, (s) => showMonitors(s, o));
      return this.report(shown, (r) => r.monitors.forEach((m) => this.log(`${m.index}: ${m.layout} (display channel ${m.channel}, surface ${m.surface})`)));
    }
    const out = await this.withSession(flags, DISPLAY_ONLY, (s) => setMonitors(s, layout, o));
    this.report(out, `monitors now ${out.after.join(',')} (were ${out.before.join(',')})`);
  }
}
