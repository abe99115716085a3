/** The keyboard layouts spice-cli can type on, by name (`--layout`). */
import {SpiceError} from '../errors.js';
import {KeyboardLayout} from './layout.js';
import {KEY_TYPES, LAYOUT_DATA} from './layouts/index.js';

export const DEFAULT_LAYOUT = 'us';
export const LAYOUT_NAMES = Object.keys(LAYOUT_DATA);

const cache = new Map<string, KeyboardLayout>();

/** The layout of that name; a usage error listing the known ones otherwise. */
export function getLayout(name: string = DEFAULT_LAYOUT): KeyboardLayout {
  const key = name.toLowerCase();
  let l = cache.get(key);
  if (!l) {
    const data = LAYOUT_DATA[key];
    if (!data) throw new SpiceError('usage', `unknown keyboard layout "${name}": expected one of ${LAYOUT_NAMES.join(', ')}`);
    l = new KeyboardLayout(data, KEY_TYPES);
    cache.set(key, l);
  }
  return l;
}
