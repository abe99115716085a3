import {writeOutput} from '../../client/actions/capture.js';
import {Args, Flags} from '@oclif/core';
import {SpiceCommand} from '../../cli/base-command.js';
import {SpiceError} from '../../client/errors.js';
import {matchFlag} from '../../cli/numbers.js';
import {drawMatch} from '../../client/actions/needles/draw.js';
import {encodePngRgba, readPngRgba} from '../../client/actions/needles/image.js';
import {matchNeedle} from '../../client/actions/needles/match.js';
import {loadNeedle} from '../../client/actions/needles/needle.js';
import {needleFile} from '../../client/actions/needles/resolve.js';

export default class NeedleCheck extends SpiceCommand {
  // Offline: no connection, so no protocol trace (--verbose) either.
  static override baseFlags = {...SpiceCommand.baseFlags, verbose: {...SpiceCommand.baseFlags.verbose, hidden: true}};
  static override summary = 'Look for a needle on a screenshot: score and location; exit 0 found, 1 not found.';
  static override description = `Reads NEEDLE.json (spice-cli or openQA format) and the PNG beside it, and searches each match area on the screenshot within its margin. A pixel matches when each of R, G, B differs by at most --tolerance; an area is found where at least its match percentage of pixels match. -o writes the screenshot with the areas outlined where they were found (green) or best placed (red), exclude areas in yellow and the click point in magenta.`;
  static override examples = [
    '<%= config.bin %> needle check shot.png needles/xterm.json',
    '<%= config.bin %> needle check shot.png needles/xterm.json -o checked.png --tolerance 8 --json',
    '<%= config.bin %> needle check screen.ppm needles/xterm',
  ];

  static override args = {
    screenshot: Args.string({description: 'Screenshot (PNG or PPM).', required: true}),
    needle: Args.string({description: 'Needle JSON (its PNG beside it); the .json may be left out.', required: true}),
  };

  static override flags = {
    output: Flags.string({char: 'o', description: 'Write the screenshot with the areas drawn (PNG).'}),
    match: matchFlag('Percentage of pixels that must match, for areas without their own `match`.'),
    tolerance: Flags.integer({description: 'Largest per-channel difference of a matching pixel.', default: 0, min: 0, max: 255}),
    margin: Flags.integer({description: 'Search margin for areas without their own (default 50).', min: 0}),
  };

  async run(): Promise<void> {
    const {args, flags} = await this.parse(NeedleCheck);
    const needle = await loadNeedle(needleFile(args.needle));
    const screen = await readPngRgba(args.screenshot);
    const t0 = performance.now();
    const r = matchNeedle(screen, needle, {match: flags.match, tolerance: flags.tolerance, margin: flags.margin});
    const ms = Math.round((performance.now() - t0) * 100) / 100;
    if (flags.output) writeOutput(flags.output, await encodePngRgba(drawMatch(screen, needle, r)));
    const report = {
        found: r.found,
        score: r.score,
        needle: r.needle,
        format: needle.format,
        dx: r.dx,
        dy: r.dy,
        click: r.click,
        areas: r.areas.map((a) => ({index: a.index, found: a.found, score: a.score, x: a.x, y: a.y, width: a.area.width, height: a.area.height, pixels: a.pixels, mismatched: a.mismatched})),
        ms,
        ...(flags.output ? {output: flags.output} : {}),
    };
    if (!flags.json) {
      const lines = [`${r.found ? 'found' : 'not found'}: ${r.needle} score ${r.score} offset ${sign(r.dx)},${sign(r.dy)}${r.click ? ` click ${r.click.x},${r.click.y}` : ''}`];
      for (const a of r.areas) {
        lines.push(`  area ${a.index} ${a.area.x},${a.area.y} ${a.area.width}x${a.area.height}: ${a.found ? 'found' : 'not found'} at ${a.x},${a.y} score ${a.score} (${a.mismatched} of ${a.pixels} pixels differ)`);
      }
      process.stdout.write(lines.join('\n') + '\n');
    }
    if (!r.found) throw new SpiceError('expectation', `the needle ${r.needle} was not found (score ${r.score})`, {details: report});
    this.report(report, () => undefined);
  }
}

const sign = (n: number) => (n >= 0 ? `+${n}` : String(n));
