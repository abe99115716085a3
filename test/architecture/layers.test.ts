/**
 * src/client keeps a strict layer order (ARCHITECTURE.md): wire → transport → link → channels → codecs →
 * display → audio → input → agent → recording → session → actions, with errors.ts and log.ts as a base; codecs,
 * display and audio never reach the network; no process handling inside the client. No server needed.
 */
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {checkFrontEnds, checkLayers, importsOf, layerOf, readTree} from '../support/import-graph.js';

const CLIENT = fileURLToPath(new URL('../../src/client', import.meta.url));
const SRC = fileURLToPath(new URL('../../src', import.meta.url));

/** src/commands, src/scenarios and src/cli, keyed by their path under src. */
function frontEnds(): Map<string, string> {
  const out = new Map<string, string>();
  for (const dir of ['commands', 'scenarios', 'cli']) for (const [p, t] of readTree(`${SRC}/${dir}`)) out.set(`${dir}/${p}`, t);
  return out;
}

describe('src/client layers', () => {
  it('no import goes up the layer order, codecs/display stay off the network, no process handling', () => {
    const tree = readTree(CLIENT);
    expect(tree.size).toBeGreaterThan(100);
    expect(tree.has('session.ts') && tree.has('wire/schema.ts') && tree.has('display/layer.ts')).toBe(true);
    expect(checkLayers(tree).map((v) => v.message)).toEqual([]);
  });
});

describe('the layer checker', () => {
  const base = {
    'errors.ts': 'export class SpiceError extends Error {}\n',
    'log.ts': 'export const x = 1;\n',
    'wire/enums.ts': "import {SpiceError} from '../errors.js';\nexport const A = 1;\n",
    'channels/channel.ts': "import {A} from '../wire/enums.js';\nexport class Channel {}\n",
    'display/canvas.ts': "import type {A} from '../wire/enums.js';\nexport const c = 1;\n",
    'session.ts': "import {Channel} from './channels/channel.js';\nimport {c} from './display/canvas.js';\n",
  };

  it('passes a clean tree', () => {
    expect(checkLayers(new Map(Object.entries(base)))).toEqual([]);
  });

  it('reports a codecs file importing channels, and nothing else', () => {
    const tree = new Map(Object.entries({...base, 'codecs/lz.ts': "import {SpiceError} from '../errors.js';\n\nimport {Channel} from '../channels/channel.js';\n"}));
    expect(checkLayers(tree)).toEqual([
      {
        file: 'codecs/lz.ts',
        line: 3,
        rule: 'network',
        message: "codecs/lz.ts:3: codecs → channels (channels/channel.ts): codecs, display and audio may not reach the network",
      },
    ]);
  });

  it('reports upward imports of every form (type, re-export, dynamic, multi-line), not those in comments', () => {
    const tree = new Map(
      Object.entries({
        ...base,
        'channels/display.ts': [
          "import type {c} from '../display/canvas.js';",
          "export {Channel} from './channel.js';",
          "export * from '../session.js';",
          '// import {x} from "../session.js";',
          '/* import("../session.js") */',
          'const layer = await import(',
          "  '../display/canvas.js');",
          'import {',
          '  SpiceError,',
          "} from '../errors.js';",
        ].join('\n'),
      }),
    );
    expect(checkLayers(tree).map((v) => `${v.rule} ${v.file}:${v.line}`)).toEqual([
      'upward channels/display.ts:1',
      'upward channels/display.ts:3',
      'upward channels/display.ts:7',
    ]);
  });

  it('reports process handling, imports out of src/client and files outside any layer', () => {
    const tree = new Map(
      Object.entries({
        ...base,
        'input/keys.ts': "export function stop() {\n  process.once('SIGINT', () => {});\n  process.exitCode = 130;\n  process.stdout.write('x');\n}\n",
        'misc.ts': 'export const m = 1;\n',
        'actions/run.ts': "import {Command} from '@oclif/core';\nimport {x} from '../../cli/base-command.js';\n",
      }),
    );
    expect(checkLayers(tree).map((v) => `${v.rule} ${v.file}:${v.line}`)).toEqual([
      'outside actions/run.ts:2',
      'process input/keys.ts:2',
      'process input/keys.ts:3',
      'process input/keys.ts:4',
      'unknown-layer misc.ts:1',
    ]);
  });

  it('maps files to layers', () => {
    expect(['errors.ts', 'log.ts', 'session.ts', 'wire/messages/main.ts', 'actions/mouse.ts', 'info.ts', 'session/x.ts'].map(layerOf)).toEqual([
      'base',
      'base',
      'session',
      'wire',
      'actions',
      undefined,
      undefined,
    ]);
    expect(importsOf("import a from 'node:fs';\nexport type {T} from './t.js';").map((r) => r.specifier)).toEqual(['node:fs', './t.js']);
  });
});

describe('front ends', () => {
  it('commands, scenarios and cli reach the client only through actions and the session facade', () => {
    const tree = frontEnds();
    expect(tree.has('commands/type.ts') && tree.has('scenarios/runner.ts')).toBe(true);
    expect(checkFrontEnds(tree).map((v) => v.message)).toEqual([]);
  });

  it('reports a command that reaches past the actions (a channel, a codec)', () => {
    const tree = new Map(
      Object.entries({
        'commands/type.ts': "import {typeText} from '../client/actions/keyboard.js';\nimport {SpiceError} from '../client/errors.js';\nimport {InputsChannel} from '../client/channels/inputs.js';\n",
        'scenarios/x.ts': "import type {SpiceSession} from '../client/session.js';\nimport {decodeLz} from '../client/codecs/lz.js';\n",
      }),
    );
    expect(checkFrontEnds(tree).map((v) => `${v.rule} ${v.file}:${v.line}`)).toEqual(['front-end commands/type.ts:3', 'front-end scenarios/x.ts:2']);
  });
});
