/**
 * spice-gtk's and usbredir's device filter rules (usbredirfilter): `class,vendor,product,version,allow` rules
 * separated by `|`, each number in C's strtol base-0 syntax (0x1f, 31, 037), -1 for any; allow is 0 (block) or not 0
 * (allow). Empty rules are skipped. The first rule that matches decides; no match is the default (deny for
 * spice-gtk's auto-connect filter and the server's filter, allow with `defaultAllow`).
 *
 * A device is checked by its class (unless 0x00 or 0xef: "see the interfaces") and then by every interface's class,
 * each against vendor, product and bcdDevice too: any refusal refuses the device. Non-boot HID interfaces
 * (03/00/00) of a device with several interfaces are skipped, unless every interface is one.
 */
import {SpiceError} from '../../errors.js';

export interface UsbFilterRule {
  /** -1: any */
  deviceClass: number;
  vendorId: number;
  productId: number;
  /** bcdDevice, -1: any */
  deviceVersion: number;
  allow: boolean;
}

export interface UsbFilterDevice {
  deviceClass: number;
  vendorId: number;
  productId: number;
  deviceVersion: number;
  interfaces: {class: number; subclass: number; protocol: number}[];
}

/** strtol(s, &end, 0) where the whole token must be a number (leading blanks and a sign allowed, as strtol does). */
function parseNumber(token: string): number | undefined {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(token);
  if (!m) return undefined;
  const body = m[2]!;
  const n = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : body.length > 1 && body.startsWith('0') ? parseInt(body, 8) : parseInt(body, 10);
  return m[1] === '-' ? -n : n;
}

const FIELDS = [
  ['class', 255],
  ['vendor', 65535],
  ['product', 65535],
  ['version', 65535],
] as const;

/** Parses a filter string; a bad rule is a usage error naming the rule's position (1-based) and text. */
export function parseUsbFilter(text: string, what = 'USB filter'): UsbFilterRule[] {
  const rules: UsbFilterRule[] = [];
  let position = 0;
  for (const raw of text.split('|')) {
    if (raw === '') continue;
    position++;
    const bad = (why: string) =>
      new SpiceError('usage', `${what}: rule ${position} "${raw}" ${why} (a rule is class,vendor,product,version,allow with -1 for any, e.g. 0x08,-1,-1,-1,1|-1,-1,-1,-1,0)`);
    const tokens = raw.split(',').filter((t) => t !== '');
    if (tokens.length !== 5) throw bad(`has ${tokens.length} field${tokens.length === 1 ? '' : 's'}, not 5`);
    const values = tokens.map(parseNumber);
    const badAt = values.findIndex((v) => v === undefined);
    if (badAt >= 0) throw bad(`has "${tokens[badAt]}" for ${badAt < 4 ? FIELDS[badAt]![0] : 'allow'}, not a number`);
    for (const [k, [name, max]] of FIELDS.entries()) {
      const v = values[k]!;
      if (v < -1 || v > max) throw bad(`has ${name} ${tokens[k]}: give -1 or 0..${max === 255 ? '0xff' : '0xffff'}`);
    }
    rules.push({deviceClass: values[0]!, vendorId: values[1]!, productId: values[2]!, deviceVersion: values[3]!, allow: values[4]! !== 0});
  }
  return rules;
}

const hex = (n: number, w: number) => `0x${n.toString(16).padStart(w, '0')}`;

/** Rules back to text, as usbredir writes them (0x-hex, -1 for any). */
export function formatUsbFilter(rules: UsbFilterRule[]): string {
  const f = (v: number, w: number) => (v === -1 ? '-1' : hex(v, w));
  return rules.map((r) => `${f(r.deviceClass, 2)},${f(r.vendorId, 4)},${f(r.productId, 4)},${f(r.deviceVersion, 4)},${r.allow ? 1 : 0}`).join('|');
}

export interface UsbFilterVerdict {
  allowed: boolean;
  /** The deciding rule (undefined: no rule matched, the default decided). */
  rule?: UsbFilterRule;
  /** The class that was checked when the verdict fell. */
  checkedClass?: number;
}

function check1(rules: UsbFilterRule[], cls: number, d: UsbFilterDevice, defaultAllow: boolean): UsbFilterVerdict {
  for (const r of rules) {
    if (
      (r.deviceClass === -1 || r.deviceClass === cls) &&
      (r.vendorId === -1 || r.vendorId === d.vendorId) &&
      (r.productId === -1 || r.productId === d.productId) &&
      (r.deviceVersion === -1 || r.deviceVersion === d.deviceVersion)
    ) {
      return {allowed: r.allow, rule: r, checkedClass: cls};
    }
  }
  return {allowed: defaultAllow, checkedClass: cls};
}

/** The usbredirfilter check of a device; `defaultAllow` when no rule matches (default: deny). */
export function checkUsbFilter(rules: UsbFilterRule[], d: UsbFilterDevice, opts: {defaultAllow?: boolean} = {}, skipNonBootHid = true): UsbFilterVerdict {
  const defaultAllow = opts.defaultAllow ?? false;
  let last: UsbFilterVerdict = {allowed: true};
  if (d.deviceClass !== 0x00 && d.deviceClass !== 0xef) {
    last = check1(rules, d.deviceClass, d, defaultAllow);
    if (!last.allowed) return last;
  }
  let skipped = 0;
  for (const i of d.interfaces) {
    if (skipNonBootHid && d.interfaces.length > 1 && i.class === 0x03 && i.subclass === 0 && i.protocol === 0) {
      skipped++;
      continue;
    }
    last = check1(rules, i.class, d, defaultAllow);
    if (!last.allowed) return last;
  }
  if (d.interfaces.length > 0 && skipped === d.interfaces.length) return checkUsbFilter(rules, d, opts, false);
  return {allowed: true, rule: last.rule, checkedClass: last.checkedClass};
}

/** "rule 2 (0x08,-1,-1,-1,0)" or "no rule (the default)". */
export function describeVerdict(v: UsbFilterVerdict): string {
  if (!v.rule) return 'no rule matched (the default is to refuse)';
  return `rule ${formatUsbFilter([v.rule])} matched class ${hex(v.checkedClass ?? 0, 2)}`;
}
