/**
 * `spice-cli do`'s command line → scenario steps (src/scenarios/actions-argv.ts), without a server: actions
 * split on "+", bare values and --FIELD options, the YAML the loader validates (every value as in a scenario
 * file), messages that name the action, literal strings, and YAML steps from a text (stdin).
 */
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {ACTIONS_SOURCE, actionMessage, actionsYaml, parseActions, positionalFields, splitActions} from '../../src/scenarios/actions-argv.js';
import {loadScenario, ScenarioError} from '../../src/scenarios/load.js';
import {STEPS} from '../../src/scenarios/steps.js';

const dir = mkdtempSync(join(tmpdir(), 'spice-cli-do-'));

function load(words: string[]) {
  const {actions, commandArgv} = parseActions(words, new Map([['json', false], ['uri', true], ['u', true]]));
  try {
    return {actions, commandArgv, sc: loadScenario(join(dir, ACTIONS_SOURCE), {text: actionsYaml(actions), needles: '.', cwd: dir, env: {}})};
  } catch (e) {
    if (e instanceof ScenarioError) throw new Error(e.problems.map((p) => actionMessage(p, actions)).join('\n'));
    throw e;
  }
}

describe('do: actions on the command line', () => {
  it('splits on lone "+" ("++" is a literal "+")', () => {
    expect(splitActions(['type', 'a', '+', 'key', '++', 'ctrl-+', '+', 'type', '+++'])).toEqual([['type', 'a'], ['key', '+', 'ctrl-+'], ['type', '++']]);
  });

  it('fills short forms and required fields with bare values, --FIELD with values, booleans alone', () => {
    const {sc, commandArgv} = load([
      ...['type', 'echo ${HOME} hi', '--rate', '20', '+'],
      ...['key', 'ctrl-c', 'enter', '--hold=2s', '+'],
      ...['key', '--down', 'shift', '+'],
      ...['click', '10', '20', '--button', 'right', '--double', '--hold', '1500', '+'],
      ...['drag', '1,2', '3,4', '+'],
      ...['wait-change', '--region', '0,0,10,10', '--timeout', '5s', '+'],
      ...['sleep', '250ms', '+'],
      ...['screenshot', 'out.png', '--json', '+'],
      ...['scroll', 'down', '--clicks', '3', '--at', '5,6', '-u', 'spice://h:1', '+'],
      ...['type', '--', '--not-an-option'],
    ]);
    expect(commandArgv).toEqual(['--json', '-u', 'spice://h:1']);
    expect(sc.steps.map((s) => [s.kind, s.args])).toEqual([
      ['type', {text: 'echo ${HOME} hi', rate: 20}],
      ['key', {keys: ['ctrl-c', 'enter'], hold: 2000}],
      ['key', {keys: ['shift'], down: true}],
      ['click', {x: 10, y: 20, button: 'right', double: true, hold: 1500}],
      ['drag', {from: [1, 2], to: [3, 4]}],
      ['wait_change', {region: [0, 0, 10, 10], timeout: 5000}],
      ['sleep', {ms: 250}],
      ['screenshot', {name: 'out.png'}],
      ['scroll', {direction: 'down', clicks: 3, at: [5, 6]}],
      ['type', {text: '--not-an-option'}],
    ]);
    // Action N is line N of the text, which the loader's positions give.
    expect(sc.steps.map((s) => s.pos.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('a misspelt action gets a suggestion; other mistakes name the action and what it takes', () => {
    expect(() => parseActions(['kye', 'enter'])).toThrow(/^do: action 1: unknown action "kye": did you mean "key"\? \(actions: wait-still, /);
    expect(() => parseActions(['type', 'a', '+', 'wiat-screen', 'x'])).toThrow(/^do: action 2: unknown action "wiat-screen": did you mean "wait-screen"\?/);
    expect(() => parseActions(['type', 'a', 'b'])).toThrow('do: action 1 (type): too many values: "b" (quote a text with spaces as one word): expected type TEXT [--rate] [--layout]');
    expect(() => parseActions(['click', '1', '2', '--buton', 'left'])).toThrow(/^do: action 1 \(click\): no option --buton: expected click X Y \[--button\] \[--double\] \[--hold\] \(did you mean --button\?\)$/);
    expect(() => parseActions(['type', 'a', '+', '+', 'key', 'b'])).toThrow(/^do: action 2: empty action/);
    expect(() => parseActions(['repeat', '--times', '2'])).toThrow(/do: action 1 \(repeat\): repeat holds other steps.*spice-cli do -/);
    expect(() => load(['type', 'a', '+', 'type', 'b', '--rate', '5000'])).toThrow('do: action 2 (type): --rate: expected a number in 0.1..1000');
    expect(() => load(['click', '1'])).toThrow('do: action 1 (click): click needs "y" (Guest screen pixel.)');
    expect(() => load(['wait-screen', 'needles/nope'])).toThrow(/^do: action 1 \(wait-screen\): needle "needles\/nope" not found: expected \S*needles\/nope\.json/);
    expect(() => load(['key', '--down', '--up', 'shift'])).toThrow('do: action 1 (key): "down" and "up" exclude each other');
  });

  it('click and move take their point as X,Y too', () => {
    expect(parseActions(['click', '10,20', '+', 'move', '3', '4']).actions.map((a) => a.fields)).toEqual([{x: '10', y: '20'}, {x: '3', y: '4'}]);
  });

  it('every step that a command line can write has its positional fields', () => {
    expect(positionalFields(STEPS.click!)).toEqual(['x', 'y']);
    expect(positionalFields(STEPS.resize!)).toEqual(['width', 'height']);
    expect(positionalFields(STEPS.scroll!)).toEqual(['direction']);
    expect(positionalFields(STEPS.wait_screen!)).toEqual(['needles']);
  });

  it('runtime messages of the runner name the action too', () => {
    const {actions} = parseActions(['type', 'a', '+', 'wait-screen', 'x']);
    expect(actionMessage(`${ACTIONS_SOURCE}:2:3: wait_screen: the needle x did not match within 10 s`, actions)).toBe('do: action 2 (wait-screen): the needle x did not match within 10 s');
  });

  it('YAML steps from a text (do -): a plain list, with variables from the environment and needles beside the current directory', () => {
    writeFileSync(join(dir, 'n.json'), '{"areas": []}');
    const sc = loadScenario(join(dir, 'stdin'), {text: '- type: "hi ${WHO}\\n"\n- key: {keys: shift, down: true}\n- wait_screen: n\n', needles: '.', cwd: dir, env: {WHO: 'there'}});
    expect(sc.steps.map((s) => s.kind)).toEqual(['type', 'key', 'wait_screen']);
    expect(sc.steps[0]!.args.text).toBe('hi there\n');
    expect(sc.steps[2]!.args.needles).toEqual([{ref: 'n', dir}]);
    expect(() => loadScenario(join(dir, 'stdin'), {text: '- tpye: x\n', cwd: dir})).toThrow(/stdin:1:3: unknown step "tpye": did you mean "type"\?/);
  });
});
