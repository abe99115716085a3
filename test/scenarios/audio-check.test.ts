/**
 * `run --check` of the audio steps (no server): a good file checks clean; wrong fields, missing combinations,
 * captures named before they start and bad reference WAVs are reported with file:line:column. And `do` writes the
 * same steps from a command line.
 */
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {checkScenarios} from '../../src/scenarios/check.js';
import {actionsYaml, parseActions} from '../../src/scenarios/actions-argv.js';
import {wavHeader} from '../../src/client/audio/wav.js';

const dir = mkdtempSync(join(tmpdir(), 'spice-cli-audio-check-'));
const file = (name: string, text: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
file('ref.wav', Buffer.concat([wavHeader({channels: 1, rate: 48000, sampleFormat: 's16le'}, 4), Buffer.from([1, 0, 2, 0])]));
file('bad.wav', 'RIFF....WAVEnot really');

describe('run --check: audio steps', () => {
  it('accepts audio_capture and audio_expect', async () => {
    const good = file(
      'good.yaml',
      [
        'name: audio',
        'steps:',
        '  - audio_capture: {start: tone}',
        '  - sleep: 1s',
        '  - audio_expect: {capture: tone, silence: false, frequency: 440, tolerance: 2}',
        '  - audio_capture: {stop: tone}',
        '  - audio_expect: {capture: tone, like: ref.wav, score: 0.8, rms_above: -40, rms_below: -3}',
        '  - audio_expect: {seconds: 0.5, silence: true, floor: -50}',
        '  - audio_send: {file: ref.wav, timeout: 20s}',
        '  - audio_send: {tone: 440, seconds: 2}',
        '',
      ].join('\n'),
    );
    const r = await checkScenarios([good], {});
    expect(r.problems).toEqual([]);
    expect(r.files[0]).toMatchObject({ok: true, steps: 8});
  });

  it('reports each problem at its place', async () => {
    const bad = file(
      'bad.yaml',
      [
        'name: bad audio',
        'steps:',
        '  - audio_capture: {start: a}', // 3
        '  - audio_capture: {start: c, stop: c}', // 4
        '  - audio_capture: {stop: b}', // 5
        '  - audio_expect: {capture: a, frequncy: 440}', // 6
        '  - audio_expect: {capture: a, seconds: 2, silence: yes}', // 7
        '  - audio_expect: {capture: a, tolerance: 3, silence: false, score: 2}', // 8
        '  - audio_expect: {capture: a, like: missing.wav}', // 9
        '  - audio_expect: {capture: a, like: bad.wav}', // 10
        '  - audio_expect: {seconds: 1, rms_above: -10, rms_below: -20}', // 11
        '  - audio_send: {file: ref.wav, tone: 440}', // 12
        '  - audio_send: {file: bad.wav}', // 13
        '  - audio_send: {seconds: 2}', // 14
        '',
      ].join('\n'),
    );
    const r = await checkScenarios([bad], {});
    const p = r.problems.map((x) => x.replace(/^.*bad\.yaml:/, ''));
    expect(p).toEqual([
      '4:5: audio_capture needs either "start: NAME" (begin a capture) or "stop: NAME" (end it)',
      '5:5: audio_capture: no capture "b" is started before this step: start it with "audio_capture: {start: b}" (started before it: a)',
      '6:5: audio_expect needs at least one expectation: silence, frequency, rms_above, rms_below, like',
      expect.stringMatching(/^6:32: audio_expect has no field "frequncy": expected capture, seconds, .* \(did you mean "frequency"\?\)$/),
      '7:5: audio_expect needs either "capture: NAME" (a capture started by audio_capture) or "seconds" (a capture made now)',
      '7:53: audio_expect.silence: expected true or false',
      '8:5: audio_expect: "tolerance" applies to "frequency", which is not given',
      '8:5: audio_expect: "score" applies to "like", which is not given',
      '8:69: audio_expect.score: expected a number in 0..1',
      expect.stringMatching(/^9:5: audio_expect: no such file .*missing\.wav \(like: a WAV file, relative to the scenario file\)$/),
      expect.stringMatching(/^10:5: audio_expect: like: .*bad\.wav: it has no fmt chunk$/),
      '11:5: audio_expect: rms_above must be below rms_below',
      '12:5: audio_send needs either "file" (a WAV file) or "tone" (a frequency in Hz)',
      expect.stringMatching(/^13:5: audio_send: file: .*bad\.wav: it has no fmt chunk$/),
      '14:5: audio_send needs either "file" (a WAV file) or "tone" (a frequency in Hz)',
    ]);
  });

  it('do: audio-capture --start NAME + sleep + audio-capture --stop NAME + audio-expect --capture NAME --frequency 440', () => {
    const argv = ['audio-capture', '--start', 'a', '+', 'sleep', '500', '+', 'audio-capture', '--stop', 'a', '+', 'audio-expect', '--capture', 'a', '--frequency', '440', '--silence=false'];
    const {actions} = parseActions(argv);
    expect(actions.map((a) => a.kind)).toEqual(['audio_capture', 'sleep', 'audio_capture', 'audio_expect']);
    expect(actionsYaml(actions).split('\n')[3]).toBe('- {"audio_expect":{"capture":"a","frequency":"440","silence":"false"}}');
  });
});
