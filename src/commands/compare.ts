import {Args, Flags} from '@oclif/core';
import {SpiceCommand} from '../cli/base-command.js';
import {matchFlag} from '../cli/numbers.js';
import {writeOutput} from '../client/actions/capture.js';
import {compareImages, diffImage} from '../client/actions/needles/compare.js';
import {encodePngRgba, readPngRgba} from '../client/actions/needles/image.js';
import {SpiceError} from '../client/errors.js';

export default class Compare extends SpiceCommand {
  static override summary = 'Compare two pictures pixel by pixel: exit 0 equal (within --tolerance/--match), 1 different.';
  static override description = `Uses the needle matcher over the whole picture (no search margin): a pixel differs when one of R, G, B differs by more than --tolerance; the pictures are equal when at least --match percent of the pixels match (default 100). Pictures of different sizes are different (exit 1). PNG, PPM (spice-cli screenshot -o x.ppm) and what else sharp reads. -o writes a diff picture: B in dim grey, differing pixels red.`;
  static override examples = [
    '<%= config.bin %> compare expected.png screen.ppm',
    '<%= config.bin %> compare a.png b.png --tolerance 8 --match 99.5 -o diff.png --json',
  ];
  static override args = {
    a: Args.string({description: 'First picture (PNG or PPM).', required: true}),
    b: Args.string({description: 'Second picture (PNG or PPM).', required: true}),
  };
  static override flags = {
    tolerance: Flags.integer({description: 'Largest per-channel difference of a matching pixel.', default: 0, min: 0, max: 255}),
    match: matchFlag('Percentage of pixels that must match.'),
    output: Flags.string({char: 'o', description: 'Write the diff picture (PNG): differing pixels red over B in grey.'}),
  };

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Compare);
    const [a, b] = await Promise.all([readPngRgba(args.a), readPngRgba(args.b)]);
    const r = compareImages(a, b, {tolerance: flags.tolerance, match: flags.match}, [args.a, args.b]);
    if (flags.output) writeOutput(flags.output, await encodePngRgba(diffImage(a, b, r.tolerance)));
    const report = {a: args.a, b: args.b, ...r, ...(flags.output ? {output: flags.output} : {})};
    const box = r.box ? ` in ${r.box.x},${r.box.y} ${r.box.width}x${r.box.height}` : '';
    const summary = `${r.differing} of ${r.pixels} pixels differ${box} (score ${r.score})`;
    if (!r.equal) throw new SpiceError('expectation', `the pictures differ: ${summary}`, {details: report});
    this.report(report, `equal: ${summary}`);
  }
}
