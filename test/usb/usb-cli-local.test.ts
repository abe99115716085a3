/**
 * `usb redirect --device` and `usb list` from the built CLI without a server: what is refused before connecting
 * (a port where nothing listens proves it: reaching it would be a connect error, exit 10), and the host devices
 * listed through node-usb (none on these machines, but the list is there, not a "not available" note).
 */
import {describe, expect, it} from 'vitest';
import {runCli} from '../support/cli.js';

const NOWHERE = 'spice://127.0.0.1:1';

describe('usb commands without a server', () => {
  it('refuses a malformed --device, and neither --emulate nor --device, before connecting (exit 2)', async () => {
    const bad = await runCli(['usb', 'redirect', '--uri', NOWHERE, '--device', 'nonsense', '--json']);
    expect(bad.code, bad.stderr + bad.stdout).toBe(2);
    expect(JSON.parse(bad.stdout).error.message).toMatch(/--device "nonsense": give VID:PID in hex/);
    const none = await runCli(['usb', 'redirect', '--uri', NOWHERE]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/give --emulate storage:IMAGE\|keyboard\|tablet, or --device VID:PID\|BUS-PORT/);
    const both = await runCli(['usb', 'redirect', '--uri', NOWHERE, '--device', '0781:5567', '--emulate', 'keyboard']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/cannot also be provided when using/);
  });

  it('usb list shows the host devices node-usb sees, and the emulations', async () => {
    const r = await runCli(['usb', 'list', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.ok).toBe(true);
    expect(Array.isArray(rep.hostDevices)).toBe(true);
    expect(rep.hostDevicesNote).toBeUndefined();
    expect(rep.slots).toBeNull();
    expect(rep.emulations.map((e: {emulate: string}) => e.emulate)).toEqual(['storage', 'keyboard', 'tablet']);
  });
});
