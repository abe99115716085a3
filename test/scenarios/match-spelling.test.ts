/**
 * One word for the match percentage in scenarios (issue 11): `match` in steps and defaults, `threshold` read as
 * its old spelling by the loader, `run --check`, `do` and the schema; both in one mapping is an error.
 */
import {cpSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {parse} from 'yaml';
import {describe, expect, it} from 'vitest';
import {actionMessage, actionsYaml, parseActions} from '../../src/scenarios/actions-argv.js';
import {checkScenarios} from '../../src/scenarios/check.js';
import {loadScenario, ScenarioError} from '../../src/scenarios/load.js';
import {scenarioSchema} from '../../src/scenarios/schema.js';
import {DEFAULT_FIELDS, STEPS} from '../../src/scenarios/steps.js';
import {check} from './mini-schema.js';

const root = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'spice-cli-match-'));
cpSync(join(root, 'examples/needles'), join(dir, 'needles'), {recursive: true});
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const problems = (p: string): string[] => {
  try {
    loadScenario(p, {env: {}, cwd: dir});
    return [];
  } catch (e) {
    if (e instanceof ScenarioError) return e.problems;
    throw e;
  }
};
const schema = scenarioSchema();
const schemaProblems = (p: string) => check(schema, schema, parse(readFileSync(p, 'utf8')));

const spelt = (word: string) =>
  `name: m\ndefaults: {${word}: 97}\nsteps:\n  - wait_screen: {needles: xterm-prompt, ${word}: 99.5}\n  - repeat: {times: 2, until: xterm-prompt, ${word}: 98, steps: [{sleep: 1}]}\n`;

describe('match, and threshold as its old spelling', () => {
  it('every screen step and defaults declare match (threshold only as an alias)', () => {
    for (const fields of [DEFAULT_FIELDS, ...Object.values(STEPS).map((s) => s.fields)]) {
      expect(Object.keys(fields)).not.toContain('threshold');
      if (fields.match) expect(fields.match.aliases).toEqual(['threshold']);
    }
    expect(Object.entries(STEPS).filter(([, s]) => s.fields.match).map(([k]) => k)).toEqual(['wait_screen', 'assert_screen', 'check_screen', 'if', 'repeat', 'click_needle', 'measure']);
  });

  it('match: and threshold: load to the same values, in steps and defaults', () => {
    const [a, b] = ['match', 'threshold'].map((w) => loadScenario(file(`${w}.yaml`, spelt(w)), {env: {}}));
    expect(a!.defaults.match).toBe(97);
    expect(a!.steps.map((s) => s.args.match)).toEqual([99.5, 98]);
    expect(b!.defaults).toEqual(a!.defaults);
    expect(b!.steps.map((s) => s.args.match)).toEqual([99.5, 98]);
    expect(Object.keys(b!.steps[0]!.args)).toEqual(['needles', 'match']);
  });

  it('both given is an error at the second one (file:line:column); a bad old-spelt value names what was written', () => {
    const p = file('both.yaml', 'name: both\ndefaults: {match: 97, threshold: 96}\nsteps:\n  - wait_screen: {needles: xterm-prompt, threshold: 99, match: 98}\n  - check_screen: {needles: xterm-prompt, threshold: 120}\n');
    expect(problems(p)).toEqual([
      'both.yaml:2:23: defaults: "match" and its old spelling "threshold" both given: keep only "match"',
      'both.yaml:4:57: wait_screen: "match" and its old spelling "threshold" both given: keep only "match"',
      'both.yaml:5:54: check_screen.threshold: expected a number in 0..100',
    ]);
  });

  it('a misspelt old spelling suggests the new name', () => {
    const p = file('typo.yaml', 'name: t\ndefaults: {treshold: 97}\nsteps:\n  - wait_screen: {needles: xterm-prompt, treshold: 99}\n');
    const got = problems(p);
    expect(got[0]).toMatch(/typo\.yaml:2:12: unknown default "treshold": .*\(did you mean "match"\?\)/);
    expect(got[1]).toMatch(/typo\.yaml:4:42: wait_screen has no field "treshold": .*\(did you mean "match"\?\)/);
  });

  it('run --check accepts both spellings and reports both given', async () => {
    const both = file('both-check.yaml', 'name: b\nsteps:\n  - assert_screen: {needles: xterm-prompt, match: 99, threshold: 98}\n');
    const r = await checkScenarios([join(dir, 'match.yaml'), join(dir, 'threshold.yaml'), both], {});
    expect(r.files.map((f) => f.ok)).toEqual([true, true, false]);
    expect(r.problems).toEqual([`${both}:3:55: assert_screen: "match" and its old spelling "threshold" both given: keep only "match"`]);
  });

  it('the schema lists match, takes threshold as deprecated, and rejects both', () => {
    const defaults = (schema.properties as any).defaults;
    expect(defaults.properties.match.description).toMatch(/^Percentage of pixels that must match/);
    expect(defaults.properties.threshold).toMatchObject({description: 'Old spelling of match.', deprecated: true});
    expect(schemaProblems(join(dir, 'match.yaml'))).toEqual([]);
    expect(schemaProblems(join(dir, 'threshold.yaml'))).toEqual([]);
    const found = schemaProblems(join(dir, 'both.yaml'));
    expect(found.some((f) => f.startsWith('$.defaults'))).toBe(true);
    expect(found.some((f) => f.startsWith('$.steps[0]'))).toBe(true);
  });

  it('do: --match, and --threshold as its old spelling', () => {
    const yaml = (words: string[]) => actionsYaml(parseActions(words).actions);
    const load = (words: string[]) => loadScenario(join(dir, '<do>'), {text: yaml(words), needles: 'needles', cwd: dir, env: {}});
    expect(load(['wait-screen', 'xterm-prompt', '--match', '99']).steps[0]!.args.match).toBe(99);
    expect(load(['wait-screen', 'xterm-prompt', '--threshold', '99']).steps[0]!.args.match).toBe(99);
    const words = ['check-screen', 'xterm-prompt', '--match', '99', '--threshold', '98'];
    const {actions} = parseActions(words);
    try {
      load(words);
      expect.unreachable();
    } catch (e) {
      expect((e as ScenarioError).problems.map((p) => actionMessage(p, actions))).toEqual(['do: action 1 (check-screen): "match" and its old spelling "threshold" both given: keep only "match"']);
    }
  });
});
