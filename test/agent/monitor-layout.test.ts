/** The monitor layout syntax of `monitors --set` and `resize`, and the zero-basing the guest applies. */
import {describe, expect, it} from 'vitest';
import {formatLayout, parseLayout, zeroBased} from '../../src/client/agent/monitors.js';
import {SpiceError} from '../../src/client/errors.js';

describe('monitor layouts', () => {
  it('parses WxH+X+Y lists, negative positions included, and formats them back', () => {
    const l = parseLayout(' 1024x768+0+0 , 800X600-800+168');
    expect(l).toEqual([
      {width: 1024, height: 768, x: 0, y: 0},
      {width: 800, height: 600, x: -800, y: 168},
    ]);
    expect(l.map(formatLayout).join(',')).toBe('1024x768+0+0,800x600-800+168');
  });

  it('moves a layout to start at 0,0 as spice-vdagent does', () => {
    expect(zeroBased(parseLayout('800x600-800+0,1024x768+0+0')).map(formatLayout)).toEqual(['800x600+0+0', '1024x768+800+0']);
    expect(zeroBased(parseLayout('1024x768+10+20')).map(formatLayout)).toEqual(['1024x768+0+0']);
  });

  it('refuses anything else as a usage error', () => {
    for (const bad of ['', ',', '1024x768', '1024x768+0', '0x768+0+0', '1024x99999+0+0', 'axb+0+0', Array(17).fill('10x10+0+0').join(',')]) {
      expect(() => parseLayout(bad), bad).toThrow(SpiceError);
      try {
        parseLayout(bad);
      } catch (e) {
        expect((e as SpiceError).kind).toBe('usage');
      }
    }
  });
});
