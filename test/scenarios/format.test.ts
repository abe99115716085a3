/**
 * Scenario files without a server: the JSON Schema is the one derived from the step declarations and the
 * examples validate against it; malformed YAML and misspelt steps exit 2 naming file:line:column with a
 * suggestion, and nothing connects to the server before the whole file validates; includes, variables,
 * shards and the JUnit XML (checked by xmllint against test/scenarios/junit.xsd).
 */
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync, copyFileSync} from 'node:fs';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {parse} from 'yaml';
import {describe, expect, it} from 'vitest';
import {scenarioSchema} from '../../src/scenarios/schema.js';
import {loadScenario, ScenarioError} from '../../src/scenarios/load.js';
import {selectShard} from '../../src/commands/run.js';
import {junitXml} from '../../src/scenarios/junit.js';
import {runCli} from '../support/cli.js';
import {check} from './mini-schema.js';

const root = new URL('../../', import.meta.url).pathname;
const examples = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.yaml')).map((f) => join(root, 'examples', f));
const dir = mkdtempSync(join(tmpdir(), 'spice-cli-scenarios-'));
mkdirSync(join(dir, 'needles'));
for (const f of ['xterm-prompt.json', 'xterm-prompt.png']) copyFileSync(join(root, 'examples/needles', f), join(dir, 'needles', f));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function problems(path: string, vars?: Record<string, string>): string[] {
  try {
    loadScenario(path, {vars, env: {}});
  } catch (e) {
    if (e instanceof ScenarioError) return e.problems;
    throw e;
  }
  return [];
}

describe('schema', () => {
  const schema = scenarioSchema();
  it('docs/scenario.schema.json is the schema generated from src/scenarios/steps.ts', () => {
    expect(JSON.parse(readFileSync(join(root, 'docs/scenario.schema.json'), 'utf8'))).toEqual(schema);
  });
  it('every example validates against the schema and loads', () => {
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const f of examples) {
      expect(check(schema, schema, parse(readFileSync(f, 'utf8'))), f).toEqual([]);
      expect(problems(f), f).toEqual([]);
    }
  });
  it('the schema rejects what the loader rejects', () => {
    const bad = {steps: [{wiat_screen: 'x'}, {click: {x: 1}}, {sleep: '5 parsecs'}], nmae: 'x'};
    const found = check(schema, schema, bad);
    expect(found.some((p) => p.includes('unexpected nmae'))).toBe(true);
    expect(found.some((p) => p.startsWith('$.steps[0]'))).toBe(true);
    expect(found.some((p) => p.startsWith('$.steps[1]'))).toBe(true);
    expect(found.some((p) => p.startsWith('$.steps[2]'))).toBe(true);
  });
});

describe('the monitors step and resize with a monitor', () => {
  it('reads a layout as one string or a list, positions may be negative; resize takes a monitor index', () => {
    const p = file('layout.yaml', 'name: layout\nsteps:\n  - monitors: "1024x768+0+0, 800x600+1024+0"\n  - monitors: [640x480-640+0, 1024x768+0+0]\n  - resize: {width: 800, height: 600, monitor: 1}\n');
    const s = loadScenario(p, {env: {}});
    expect(s.steps.map((st) => st.args)).toEqual([
      {set: [{width: 1024, height: 768, x: 0, y: 0}, {width: 800, height: 600, x: 1024, y: 0}]},
      {set: [{width: 640, height: 480, x: -640, y: 0}, {width: 1024, height: 768, x: 0, y: 0}]},
      {width: 800, height: 600, monitor: 1},
    ]);
    const schema = scenarioSchema();
    expect(check(schema, schema, parse(readFileSync(p, 'utf8')))).toEqual([]);
  });
  it('a malformed layout is an error at its position, and the schema rejects it too', () => {
    const p = file('bad-layout.yaml', 'name: bad\nsteps:\n  - monitors: 1024x768\n  - monitors: [800x600+0+0, 0x600+800+0]\n  - monitors: []\n  - resize: {width: 800, height: 600, monitor: 16}\n');
    const got = problems(p);
    expect(got[0]).toMatch(/bad-layout\.yaml:3:15: monitors: bad monitor "1024x768": expected WIDTHxHEIGHT\+X\+Y, e\.g\. 1024x768\+0\+0/);
    expect(got[1]).toMatch(/bad-layout\.yaml:4:29: monitors: bad size "0x600": each side must be 1–16384/);
    expect(got[2]).toMatch(/bad-layout\.yaml:5:15: monitors: expected monitors as "WIDTHxHEIGHT\+X\+Y,\.\.\." or a list of them/);
    expect(got[3]).toMatch(/bad-layout\.yaml:6:48: resize\.monitor: expected a whole number in 0\.\.15/);
    expect(got).toHaveLength(4);
    const schema = scenarioSchema();
    const found = check(schema, schema, parse(readFileSync(p, 'utf8')));
    for (const i of [0, 2, 3]) expect(found.some((f) => f.startsWith(`$.steps[${i}]`)), JSON.stringify(found)).toBe(true);
  });
});

describe('errors name file:line:column', () => {
  it('a misspelt step gets the nearest step name; a misspelt field the nearest field', () => {
    const p = file('typo.yaml', 'name: typo\nsteps:\n  - wait_screen: xterm-prompt\n  - wiat_screen: xterm-prompt\n  - type: {txet: hello}\n  - click: {x: 1, y: -4}\n');
    const got = problems(p);
    expect(got[0]).toMatch(/typo\.yaml:4:5: unknown step "wiat_screen": did you mean "wait_screen"\?/);
    expect(got[1]).toMatch(/typo\.yaml:5:12: type has no field "txet": expected text, rate, layout \(did you mean "text"\?\)/);
    expect(got[2]).toMatch(/typo\.yaml:5:5: type needs "text"/);
    expect(got[3]).toMatch(/typo\.yaml:6:22: click\.y: expected a whole number in 0\.\.∞/);
    expect(got).toHaveLength(4);
  });

  it('variables: ${VAR} from vars, --var and the environment; unknown ones are errors with a suggestion', () => {
    const p = file('vars.yaml', 'name: v-${WHO}\nvars:\n  WHO: file\n  RATE: 20\nsteps:\n  - type: {text: "${WHO} $${x}", rate: "${RATE}"}\n  - type: "${WHOO}"\n');
    expect(problems(p)).toEqual([`${p.replace(process.cwd() + '/', '')}:7:11: unknown variable \${WHOO}: define it under vars:, pass --var WHOO=VALUE or set it in the environment (did you mean \${WHO}?)`]);
    const ok = file('vars-ok.yaml', 'name: v-${WHO}\nvars: {WHO: file}\nsteps:\n  - type: {text: "${WHO} $${x} ${HOME}", rate: "${RATE}"}\n  - check_screen: {needles: xterm-prompt, as: SEEN}\n  - type: "${SEEN} ${MATCHED}"\n');
    const sc = loadScenario(ok, {vars: {WHO: 'cli', RATE: '12.5'}, env: {HOME: '/root'}});
    expect(sc.name).toBe('v-cli');
    expect(sc.steps[0]!.args).toEqual({text: 'cli ${x} /root', rate: 12.5});
    expect(sc.steps[2]!.args).toEqual({text: '${SEEN} ${MATCHED}'});
  });

  it('includes are inlined, with errors in the included file named by its own position; loops are reported', () => {
    file('inc-part.yaml', 'steps:\n  - sleep: 10\n  - key: enter\n');
    const p = file('inc-main.yaml', 'name: inc\nsteps:\n  - include: inc-part.yaml\n  - type: x\n');
    expect(loadScenario(p, {env: {}}).steps.map((s) => s.kind)).toEqual(['sleep', 'key', 'type']);
    file('inc-bad.yaml', '- sleep: 10\n- slep: 5\n');
    expect(problems(file('inc-main2.yaml', 'name: inc\nsteps:\n  - include: inc-bad.yaml\n'))[0]).toMatch(/inc-bad\.yaml:2:3: unknown step "slep": did you mean "sleep"\?/);
    file('loop-a.yaml', 'name: a\nsteps:\n  - include: loop-b.yaml\n');
    file('loop-b.yaml', '- include: loop-a.yaml\n');
    expect(problems(join(dir, 'loop-a.yaml'))[0]).toMatch(/loop-b\.yaml:1:3: include of loop-a\.yaml loops back \(loop-a\.yaml → loop-b\.yaml → loop-a\.yaml\)/);
  });

  it('malformed YAML exits 2 with file:line:column, and nothing connects before the file validates', async () => {
    const connections: number[] = [];
    const server = createServer((s) => {
      connections.push(Date.now());
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const uri = `spice://127.0.0.1:${(server.address() as {port: number}).port}`;
    try {
      const bad = file('malformed.yaml', 'name: bad\nsteps:\n  - type: hello\n  - key: [enter\n');
      const r = await runCli(['run', bad, '--uri', uri]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/malformed\.yaml:5:1: invalid YAML: /);
      // A good first scenario and a second with a typo in its last step: neither runs.
      const good = file('good.yaml', 'name: good\nsteps:\n  - key: enter\n');
      const typo = file('typo2.yaml', 'name: typo2\nsteps:\n  - type: hello\n  - sleep: 100\n  - srceenshot: x\n');
      const r2 = await runCli(['run', good, typo, '--uri', uri, '--json']);
      expect(r2.code).toBe(2);
      const out = JSON.parse(r2.stdout);
      expect(out.error.message).toMatch(/typo2\.yaml:5:5: unknown step "srceenshot": did you mean "screenshot"\?/);
      // A character the layout cannot type is found before connecting too.
      const untypable = file('untypable.yaml', 'name: u\nsteps:\n  - type: {text: "€", layout: us}\n');
      const r3 = await runCli(['run', untypable, '--uri', uri]);
      expect(r3.code).toBe(2);
      expect(r3.stderr).toMatch(/untypable\.yaml:3:5: type: .*€/);
      // And together with the format problems of the same file, in order of position (issue 11).
      const both = file('both-kinds.yaml', 'name: b\nsteps:\n  - key: ctlr-c\n  - wiat_still: 100\n');
      const r4 = await runCli(['run', both, '--uri', uri]);
      expect(r4.code).toBe(2);
      expect(r4.stderr).toMatch(/both-kinds\.yaml:3:5: key: unknown key name "ctlr".*\n.*both-kinds\.yaml:4:5: unknown step "wiat_still"/);
      expect(connections).toEqual([]);
    } finally {
      server.close();
    }
  });
});

describe('shards and JUnit', () => {
  it('--shard 1/3, 2/3, 3/3 split the sorted files: each exactly once, whatever the order given', () => {
    const files = Array.from({length: 10}, (_, i) => `/s/${String.fromCharCode(106 - i)}.yaml`);
    const shards = [1, 2, 3].map((i) => selectShard(files, `${i}/3`));
    expect(shards.flat().sort()).toEqual([...files].sort());
    expect(shards.map((s) => s.length)).toEqual([4, 3, 3]);
    expect(selectShard([...files].reverse(), '2/3')).toEqual(shards[1]);
    expect(() => selectShard(files, '4/3')).toThrow(/expected I\/N/);
  });

  it('the JUnit XML validates against the JUnit XSD (xmllint), and a broken one does not', () => {
    const xml = junitXml(
      'spice-cli run',
      [
        {name: 'ok <1>', classname: 'spice-cli.a', file: '/a.yaml', seconds: 1.5, outcome: 'passed', log: 'step & log', figures: {boot: 12.5}},
        {name: 'bad', classname: 'spice-cli.b', file: '/b.yaml', seconds: 0.2, outcome: 'failure', message: 'needle "x" not found', type: 'expectation', log: ''},
        {name: 'lost', classname: 'spice-cli.c', file: '/c.yaml', seconds: 0.3, outcome: 'error', message: 'connection lost\u0001', type: 'connection-lost', log: ''},
        {name: 'later', classname: 'spice-cli.d', file: '/d.yaml', seconds: 0, outcome: 'skipped', message: 'not run', log: ''},
      ],
      new Date('2026-01-02T03:04:05.678Z'),
    );
    const xsd = new URL('./junit.xsd', import.meta.url).pathname;
    const good = file('junit.xml', xml);
    const r = spawnSync('xmllint', ['--noout', '--schema', xsd, good], {encoding: 'utf8'});
    expect(r.error, 'xmllint (libxml2-utils) is needed: spice-cli lab install').toBeUndefined();
    expect(r.stderr).toContain('validates');
    expect(r.status).toBe(0);
    expect(xml).toContain('tests="4" failures="1" errors="1" skipped="1"');
    expect(xml).toContain('timestamp="2026-01-02T03:04:05"');
    const broken = file('junit-broken.xml', xml.replace(' classname="spice-cli.b"', ''));
    const r2 = spawnSync('xmllint', ['--noout', '--schema', xsd, broken], {encoding: 'utf8'});
    expect(r2.status).not.toBe(0);
    expect(r2.stderr).toMatch(/classname/);
  });
});
