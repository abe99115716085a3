/**
 * Local file problems in plain words from one table (src/client/errors.ts), for output files (capture.ts
 * prepareOutput, writeOutput) and for anything thrown (asSpiceError): usage errors, exit 2, naming the file.
 */
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {prepareOutput, writeOutput} from '../../src/client/actions/capture.js';
import {asSpiceError, fileErrorWords, SpiceError} from '../../src/client/errors.js';

const work = mkdtempSync(join(tmpdir(), 'spice-cli-output-files-'));

function thrown(f: () => unknown): SpiceError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SpiceError);
    return e as SpiceError;
  }
  throw new Error('nothing was thrown');
}

describe('output files', () => {
  it('prepareOutput creates the folder; a file in the folder path or a folder as the output is a usage error', () => {
    prepareOutput('-');
    prepareOutput(join(work, 'made', 'sub', 'shot.png'));
    expect(existsSync(join(work, 'made', 'sub'))).toBe(true);
    writeFileSync(join(work, 'a-file'), 'not a folder');
    const underFile = thrown(() => prepareOutput(join(work, 'a-file', 'c.png')));
    expect(underFile).toMatchObject({kind: 'usage', exitCode: 2});
    expect(underFile.message).toBe(`cannot write ${join(work, 'a-file', 'c.png')}: a part of its folder path is a file (folder ${join(work, 'a-file')})`);
    mkdirSync(join(work, 'folder.png'));
    expect(thrown(() => prepareOutput(join(work, 'folder.png'))).message).toBe(`cannot write ${join(work, 'folder.png')}: it is a folder`);
  });

  it('writeOutput words the error as errors.ts does (no bare EISDIR)', () => {
    writeOutput(join(work, 'out', 'x.bin'), new Uint8Array([1, 2]));
    expect(readFileSync(join(work, 'out', 'x.bin'))).toEqual(Buffer.from([1, 2]));
    const e = thrown(() => writeOutput(join(work, 'folder.png'), new Uint8Array(1)));
    expect(e).toMatchObject({kind: 'usage', exitCode: 2, message: `cannot write ${join(work, 'folder.png')}: it is a folder`});
  });

  it.skipIf(process.getuid?.() === 0)('a folder the user may not write: permission denied', () => {
    mkdirSync(join(work, 'locked'));
    chmodSync(join(work, 'locked'), 0o500);
    expect(thrown(() => prepareOutput(join(work, 'locked', 'x.png'))).message).toMatch(/: permission denied \(folder .*locked\)$/);
  });

  it('asSpiceError uses the same words; the folder wording differs only where the folder is meant', () => {
    let err: unknown;
    try {
      readFileSync(join(work, 'nope.txt'));
    } catch (e) {
      err = e;
    }
    expect(asSpiceError(err)).toMatchObject({kind: 'usage', exitCode: 2, message: `cannot use ${join(work, 'nope.txt')}: no such file or folder`});
    expect(fileErrorWords({code: 'EACCES'})).toBe('permission denied');
    expect(fileErrorWords({code: 'EACCES'}, 'folder')).toBe('permission denied');
    expect(fileErrorWords({code: 'ENOTDIR'})).toBe('a part of the path is not a folder');
    expect(fileErrorWords({code: 'ENOTDIR'}, 'folder')).toBe('a part of its folder path is a file');
    expect(fileErrorWords({code: 'ENOSPC'}, 'folder')).toBe('no space left on the device');
    expect(fileErrorWords({code: 'EWHATEVER'})).toBe('EWHATEVER');
    expect(fileErrorWords(new Error('odd'))).toBe('odd');
  });
});
