import {copyFileSync, existsSync, mkdirSync, writeFileSync} from 'node:fs';
import {basename, dirname, resolve} from 'node:path';
import {Args, Flags} from '@oclif/core';
import {SpiceCommand} from '../../cli/base-command.js';
import {SpiceError} from '../../client/errors.js';
import {parsePercent, parsePoint, parseRect} from '../../client/actions/needles/args.js';
import {readPngRgba} from '../../client/actions/needles/image.js';
import {needleFromJson, needleToJson, needleToOpenQaJson, type NeedleArea} from '../../client/actions/needles/needle.js';

export default class NeedleCreate extends SpiceCommand {
  // Offline: no connection, so no protocol trace (--verbose) either.
  static override baseFlags = {...SpiceCommand.baseFlags, verbose: {...SpiceCommand.baseFlags.verbose, hidden: true}};
  static override summary = 'Make a needle (NAME.json + NAME.png) from a screenshot.';
  static override description = `Writes NAME.json with the areas to compare and NAME.png, a copy of the whole screenshot (as openQA keeps it: areas can be redrawn later and "needle check -o" shows them in context). Areas are in the screenshot's pixels; --exclude areas are left out of the comparison (clocks, cursors, counters). The click point is absolute; without one, clicks go to the centre of the last match area. --openqa writes os-autoinst's needle JSON instead.`;
  static override examples = [
    '<%= config.bin %> needle create --from shot.png --area 100,451,366,134 --tag xterm needles/xterm',
    '<%= config.bin %> needle create --from shot.png --area 0,0,212,30 --exclude 0,0,40,12 --click 20,20 --match 99 --margin 20 needles/header',
  ];

  static override args = {
    name: Args.string({description: 'Needle path without extension (NAME.json and NAME.png are written).', required: true}),
  };

  static override flags = {
    from: Flags.string({description: 'Screenshot (PNG) the needle is cut from.', required: true}),
    area: Flags.string({description: 'Match area X,Y,WIDTH,HEIGHT (repeatable).', multiple: true, multipleNonGreedy: true, required: true}),
    exclude: Flags.string({description: 'Area X,Y,WIDTH,HEIGHT left out of the comparison (repeatable).', multiple: true, multipleNonGreedy: true}),
    click: Flags.string({description: 'Click point X,Y in the screenshot (moves with the match area holding it).'}),
    tag: Flags.string({description: 'Tag (repeatable).', multiple: true, multipleNonGreedy: true}),
    match: Flags.string({description: "Percentage of each area's pixels that must match (default 100 when checked); with --openqa, openQA's similarity (its default 96)."}),
    margin: Flags.integer({description: 'Search margin in pixels around each area (default 50 when checked).', min: 0}),
    openqa: Flags.boolean({description: "Write os-autoinst's needle JSON (xpos/ypos, click_point) instead of spice-cli's.", default: false}),
    force: Flags.boolean({description: 'Overwrite an existing needle.', default: false}),
  };

  async run(): Promise<void> {
    const {args, flags} = await this.parse(NeedleCreate);
    const name = args.name.replace(/\.(json|png)$/i, '');
    const jsonPath = `${name}.json`;
    const pngPath = `${name}.png`;
    if (!flags.from.toLowerCase().endsWith('.png')) throw new SpiceError('usage', `--from ${flags.from}: a needle picture must be a PNG`);
    if (!flags.force && (existsSync(jsonPath) || existsSync(pngPath))) throw new SpiceError('usage', `${jsonPath} or ${pngPath} exists already (use --force to overwrite)`);
    const match = parsePercent('--match', flags.match);
    const image = await readPngRgba(flags.from);
    const areas: NeedleArea[] = [
      ...flags.area.map((a) => ({...parseRect('--area', a), type: 'match' as const, ...(match !== undefined ? {match} : {}), ...(flags.margin !== undefined ? {margin: flags.margin} : {})})),
      ...(flags.exclude ?? []).map((a) => ({...parseRect('--exclude', a), type: 'exclude' as const})),
    ];
    const click = flags.click ? parsePoint('--click', flags.click) : undefined;
    // Validate exactly as the needle will be read back.
    const needle = needleFromJson({tags: flags.tag ?? [], areas, ...(click ? {click} : {})}, jsonPath, image);
    const text = flags.openqa ? needleToOpenQaJson(needle, click !== undefined) : needleToJson({...needle, click});
    mkdirSync(dirname(resolve(pngPath)), {recursive: true});
    copyFileSync(flags.from, pngPath);
    writeFileSync(jsonPath, text);
    const result = {needle: basename(name), json: jsonPath, png: pngPath, format: flags.openqa ? 'openqa' : 'spice-cli', width: image.width, height: image.height, areas, click: needle.click, tags: needle.tags};
    this.report(result, `wrote ${jsonPath} and ${pngPath} (${areas.length} area${areas.length === 1 ? '' : 's'} on ${image.width}x${image.height})`);
  }
}
