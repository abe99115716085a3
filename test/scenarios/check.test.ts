/**
 * `run --check` underneath (no server, no build): every file loaded and preflighted as run does before
 * connecting, every problem of every file collected with file:line:column.
 */
import {cpSync, mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {checkScenarios} from '../../src/scenarios/check.js';

const root = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'spice-cli-check-'));
cpSync(join(root, 'examples/needles'), join(dir, 'needles'), {recursive: true});
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('run --check', () => {
  it('the examples check clean: names, step and needle counts', async () => {
    const files = ['xspice-xterm', 'xspice-branch', 'xspice-clipboard', 'qemu-shell'].map((n) => join(root, `examples/${n}.yaml`));
    const r = await checkScenarios(files, {});
    expect(r.problems).toEqual([]);
    expect(r.files.every((f) => f.ok)).toBe(true);
    expect(r.files[0]).toMatchObject({file: files[0], ok: true, name: 'xterm echo', steps: 6, needles: 2, problems: []});
  });

  it('collects every problem of every file: the format, missing needles, untypeable text, unknown keys, broken needles', async () => {
    writeFileSync(join(dir, 'needles/broken.json'), '{"areas": [{"x": 0, "y": 0, "width": 5000, "height": 1}]}');
    cpSync(join(dir, 'needles/xterm-prompt.png'), join(dir, 'needles/broken.png'));
    const bad = file('bad.yaml', 'name: bad\nsteps:\n  - wiat_screen: xterm-prompt\n  - wait_screen: nope\n  - assert_screen: broken\n');
    const keys = file('keys.yaml', 'name: keys\nsteps:\n  - type: "caf\\u00e9 \\u4e2d"\n  - key: ctrl-foo\n  - repeat: {times: 2, steps: [{key: "${X}"}]}\n');
    const good = file('good.yaml', 'name: good\nsteps:\n  - wait_screen: xterm-prompt\n  - type: "echo ${X}\\n"\n');
    const r = await checkScenarios([bad, keys, good], {X: '1'});
    expect(r.files.map((f) => [f.ok, f.problems.length])).toEqual([
      [false, 3],
      [false, 2],
      [true, 0],
    ]);
    expect(r.problems[0]).toMatch(/bad\.yaml:3:5: unknown step "wiat_screen": did you mean "wait_screen"\?/);
    expect(r.problems[1]).toMatch(/bad\.yaml:4:18: needle "nope" not found: expected .*needles\/nope\.json/);
    // A file with format problems still gets the needles of its other steps loaded.
    expect(r.problems[2]).toMatch(/bad\.yaml:5:5: assert_screen: needle .*broken\.json: areas\[0\] \(0,0 5000x1\) is outside the needle picture/);
    expect(r.problems[3]).toMatch(/keys\.yaml:3:5: type: .*cannot type 2 characters: "é" \(U\+00E9\), "中" \(U\+4E2D\)/);
    expect(r.problems[4]).toMatch(/keys\.yaml:4:5: key: unknown key name "foo" in "ctrl-foo"/);
  });

  it('reports the format problems and the key and layout problems of a file together, in order of position (issue 11)', async () => {
    const both = file(
      'both.yaml',
      [
        'name: both',
        'steps:',
        '  - key: ctlr-c', // 3: a key name
        '  - wait_scren: xterm-prompt', // 4: an unknown step
        '  - type: {text: hi, rate: fast}', // 5: a wrong field type (the step is not checked further)
        '  - repeat:',
        '      times: 0', // 7: out of range; the steps of the repeat are still checked
        '      steps:',
        '        - type: "caf\u00e9"', // 9: not on the us layout
        '        - click: {x: 1}', // 10: a missing field
        '  - key: {keys: enter, layuot: de}', // 11: an unknown field
        '  - type: "\u4e2d"', // 12: not on the us layout
        '',
      ].join('\n'),
    );
    const r = await checkScenarios([both], {});
    expect(r.files[0]!.ok).toBe(false);
    expect(r.problems.map((p) => p.replace(/^.*both\.yaml:/, ''))).toEqual([
      expect.stringMatching(/^3:5: key: unknown key name "ctlr" in "ctlr-c"/),
      expect.stringMatching(/^4:5: unknown step "wait_scren": did you mean "wait_screen"\?/),
      expect.stringMatching(/^5:28: type\.rate: expected a number in 0\.1\.\.1000/),
      expect.stringMatching(/^7:14: repeat\.times: expected a whole number in 1\.\.100000/),
      expect.stringMatching(/^9:11: type: .*cannot type the character "é"/),
      expect.stringMatching(/^10:11: click needs "y"/),
      expect.stringMatching(/^11:24: key has no field "layuot".*did you mean "layout"/),
      expect.stringMatching(/^12:5: type: .*cannot type the character "中"/),
    ]);
  });

  it('checks no keys against a default layout that did not parse (no second guess at it)', async () => {
    const r = await checkScenarios([file('layout.yaml', 'name: layout\ndefaults: {layout: deu}\nsteps:\n  - type: "Gr\u00fc\u00dfe"\n  - key: {keys: ctrl-foo, layout: us}\n')], {});
    expect(r.problems).toEqual([expect.stringMatching(/layout\.yaml:2:20: layout: expected one of us, .*, not "deu"/), expect.stringMatching(/layout\.yaml:5:5: key: unknown key name "foo"/)]);
  });
});
