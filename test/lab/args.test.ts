/**
 * The lab's pure builders: Xspice's xorg.conf, environment and arguments, QEMU's command line.
 * Nothing here starts a program or touches a file; every test runs in milliseconds.
 */
import {describe, expect, it} from 'vitest';
import {SpiceError} from '../../src/client/errors.js';
import {PROGRAMS} from '../../src/lab/install.js';
import {
  qemuArgs,
  qemuDeviceArgs,
  qemuDeviceSummary,
  qemuFiles,
  qemuSpiceOption,
  shellCommandLine,
  WEBDAV_PORT_NAME,
  type QemuArgsInput,
} from '../../src/lab/qemu-args.js';
import {
  focusClassFor,
  vdagentArgs,
  vdagentdArgs,
  xClientEnv,
  xorgArgs,
  xspiceEnv,
  xspiceFacts,
  xspiceLayout,
  xspicePrograms,
  xspiceXorgConf,
  type XspiceEnvInput,
} from '../../src/lab/xspice-args.js';
import {validateXspiceOptions, type XspiceOptions} from '../../src/lab/xspice-options.js';

/** The values that follow each occurrence of `flag` in an argument list. */
function valuesOf(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag && i + 1 < args.length ? [args[i + 1]!] : []));
}

/** The value of `key` in a "k=v,k=v" option string (the first one). */
function optionValue(option: string, key: string): string | undefined {
  return option
    .split(',')
    .find((p) => p.startsWith(`${key}=`))
    ?.slice(key.length + 1);
}

describe('Xspice builders', () => {
  const layout = xspiceLayout('/lab/xspice-7');
  const envInput = (over: Partial<XspiceEnvInput> = {}): XspiceEnvInput => ({
    layout,
    ports: {port: 5900},
    user: {uid: 1000, gid: 100},
    baseEnv: {PATH: '/usr/bin', XSPICE_PASSWORD: 'leaked', XSPICE_PORT: '1'},
    ...over,
  });
  const env = (opts: XspiceOptions, over: Partial<XspiceEnvInput> = {}) => xspiceEnv(opts, envInput(over));

  it('xorg.conf: heads, screen size and surfaces come from the options', () => {
    const two = xspiceXorgConf({surfaces: true, width: 800, height: 600, heads: 2});
    expect(two).toMatch(/Option "NumHeads" "2"/);
    expect(two).toMatch(/Modes "800x600"/);
    expect(two).toMatch(/Option "EnableSurfaces" "True"/);
    expect(two).toMatch(/Option "SpiceAddr" "127\.0\.0\.1"/);
    const one = xspiceXorgConf({surfaces: false, width: 1024, height: 768});
    expect(one).toMatch(/Option "NumHeads" "1"/);
    expect(one).toMatch(/Option "EnableSurfaces" "False"/);
    // Balanced sections: every Section has its EndSection.
    expect(one.match(/^Section /gm)?.length).toBe(one.match(/^EndSection$/gm)?.length);
  });

  it('Xorg arguments: the target xorg.conf, display :N, no TCP for X, the log in the target dir', () => {
    const args = xorgArgs(layout, 123);
    expect(valuesOf(args, '-config')).toEqual(['/lab/xspice-7/xorg.conf']);
    expect(valuesOf(args, '-logfile')).toEqual(['/lab/xspice-7/xorg.log']);
    expect(valuesOf(args, '-nolisten')).toEqual(['tcp']);
    expect(args).toContain(':123');
  });

  it('no password: ticketing off, no password anywhere; a password goes to the environment only', () => {
    const open = env({});
    expect(open.XSPICE_DISABLE_TICKETING).toBe('1');
    expect(open.XSPICE_PASSWORD).toBeUndefined(); // not even the one inherited from the base environment
    const locked = env({password: 'hunter2', vdagent: true, fileXferDir: '/tmp/x'});
    expect(locked.XSPICE_PASSWORD).toBe('hunter2');
    expect(locked.XSPICE_DISABLE_TICKETING).toBeUndefined();
    const argv = [...xorgArgs(layout, 5), ...vdagentdArgs(layout), ...vdagentArgs(layout, '/tmp/x')];
    expect(argv.some((a) => a.includes('hunter2'))).toBe(false);
  });

  it('listens on 127.0.0.1 at the given ports; TLS adds the TLS port and the x509 dir', () => {
    const plain = env({});
    expect(plain).toMatchObject({XSPICE_ADDR: '127.0.0.1', XSPICE_PORT: '5900'});
    expect(plain.XSPICE_TLS_PORT).toBeUndefined();
    expect(plain.XSPICE_X509_DIR).toBeUndefined();
    const tls = env({tls: true}, {ports: {port: 5900, tlsPort: 5901}, x509Dir: '/lab/xspice-7/tls'});
    expect(tls).toMatchObject({XSPICE_PORT: '5900', XSPICE_TLS_PORT: '5901', XSPICE_X509_DIR: '/lab/xspice-7/tls'});
  });

  it('drops inherited XSPICE_* variables, keeps the rest; opts.env wins over settings but not over the ports', () => {
    const e = env({compression: 'quic', env: {XSPICE_IMAGE_COMPRESSION: 'lz', XSPICE_PORT: '1', OTHER: 'x'}});
    expect(e.PATH).toBe('/usr/bin');
    expect(e.OTHER).toBe('x');
    expect(e.XSPICE_IMAGE_COMPRESSION).toBe('lz');
    expect(e.XSPICE_PORT).toBe('5900');
  });

  it('compression and streaming options map to their XSPICE_* variables, and only when given', () => {
    const e = env({compression: 'glz', jpegWan: 'always', zlibGlzWan: 'never', streaming: 'filter', videoCodecs: 'spice:mjpeg', deferredFps: 0, exitOnDisconnect: true});
    expect(e).toMatchObject({
      XSPICE_IMAGE_COMPRESSION: 'glz',
      XSPICE_JPEG_WAN_COMPRESSION: 'always',
      XSPICE_ZLIB_GLZ_WAN_COMPRESSION: 'never',
      XSPICE_STREAMING_VIDEO: 'filter',
      XSPICE_VIDEO_CODECS: 'spice:mjpeg',
      XSPICE_DEFERRED_FPS: '0',
      XSPICE_EXIT_ON_DISCONNECT: '1',
    });
    const keys = Object.keys(env({})).filter((k) => k.startsWith('XSPICE_'));
    expect(keys.sort()).toEqual(['XSPICE_ADDR', 'XSPICE_DISABLE_TICKETING', 'XSPICE_PORT']);
  });

  it('the guest agent: virtio and uinput in the target dir, owned by the given user; agent mouse only when asked', () => {
    const e = env({vdagent: true, agentMouse: true});
    expect(e).toMatchObject({
      XSPICE_VDAGENT_ENABLED: '1',
      XSPICE_VDAGENT_VIRTIO_PATH: layout.virtio,
      XSPICE_VDAGENT_UINPUT_PATH: layout.uinput,
      XSPICE_VDAGENT_UID: '1000',
      XSPICE_VDAGENT_GID: '100',
      XSPICE_AGENT_MOUSE: '1',
    });
    expect(layout.virtio.startsWith(layout.agentDir + '/')).toBe(true);
    expect(env({vdagent: true}).XSPICE_AGENT_MOUSE).toBeUndefined();
    expect(Object.keys(env({})).some((k) => k.startsWith('XSPICE_VDAGENT_'))).toBe(false);
  });

  it('a file transfer folder implies the agent and is handed to spice-vdagent (-f DIR -o 0)', () => {
    expect(env({fileXferDir: '/srv/in'}).XSPICE_VDAGENT_ENABLED).toBe('1');
    expect(valuesOf(vdagentArgs(layout, '/srv/in'), '-f')).toEqual(['/srv/in']);
    expect(valuesOf(vdagentArgs(layout, '/srv/in'), '-o')).toEqual(['0']);
    expect(vdagentArgs(layout)).not.toContain('-f');
    // Daemon and agent meet on the same sockets.
    expect(valuesOf(vdagentdArgs(layout), '-s')).toEqual(valuesOf(vdagentArgs(layout), '-s'));
    expect(valuesOf(vdagentdArgs(layout), '-S')).toEqual(valuesOf(vdagentArgs(layout), '-S'));
    expect(xspiceFacts({fileXferDir: '/srv/in'}, layout)).toMatchObject({vdagentVirtio: layout.virtio, vdagentSocket: layout.udcs});
  });

  it('audio: the FIFO folder in the environment, the FIFO and its PCM format in the facts', () => {
    expect(env({audio: true}).XSPICE_PLAYBACK_FIFO_DIR).toBe(layout.audioDir);
    expect(env({audio: true}).XSPICE_PLAYBACK_COMPRESSION).toBe('1'); // Opus to clients that announce it
    expect(env({audio: true, env: {XSPICE_PLAYBACK_COMPRESSION: '0'}}).XSPICE_PLAYBACK_COMPRESSION).toBe('0');
    expect(env({}).XSPICE_PLAYBACK_FIFO_DIR).toBeUndefined();
    const facts = xspiceFacts({audio: true}, layout);
    expect(facts.audioFifo?.startsWith(layout.audioDir + '/')).toBe(true);
    expect(facts.audioFormat).toBe('s16le,2ch,48000Hz');
    expect(Object.keys(xspiceFacts({}, layout))).toEqual(['home', 'xorgLog']);
  });

  it('X clients: the display, HOME, a UTF-8 locale and a plain prompt; the client env wins', () => {
    const e = xClientEnv({command: 'xterm', env: {LANG: 'fr_FR.UTF-8'}}, {display: 42, home: layout.home, shell: '/bin/sh', baseEnv: {PATH: '/bin'}});
    expect(e).toMatchObject({PATH: '/bin', DISPLAY: ':42', HOME: layout.home, LANG: 'fr_FR.UTF-8', SHELL: '/bin/sh', PS1: '$ '});
  });

  it('focus goes to an xterm by default, to what is asked, or nowhere', () => {
    expect(focusClassFor({}, [{command: '/usr/bin/xterm'}])).toBe('xterm');
    expect(focusClassFor({}, [{command: 'xlogo'}])).toBe(false);
    expect(focusClassFor({focusClass: false}, [{command: 'xterm'}])).toBe(false);
    expect(focusClassFor({focusClass: 'XLogo'}, [{command: 'xterm'}])).toBe('XLogo');
  });

  it('programs: Xorg and the driver always; the agent, openssl and xwininfo only when used', () => {
    const base = xspicePrograms({}, []);
    expect(base).toEqual([PROGRAMS.xorg, PROGRAMS.spiceqxl]);
    const all = xspicePrograms({tls: true, fileXferDir: '/x'}, [{command: 'xlogo'}]);
    expect(all).toEqual(expect.arrayContaining([PROGRAMS.vdagentd, PROGRAMS.vdagent, PROGRAMS.openssl, PROGRAMS.xwininfo]));
    expect(xspicePrograms({}, [{command: 'sleep', window: false}])).not.toContain(PROGRAMS.xwininfo);
  });

  it('validation refuses out-of-range options with a usage error', () => {
    const usage = (opts: XspiceOptions) => {
      try {
        validateXspiceOptions(opts);
      } catch (err) {
        return err instanceof SpiceError && err.kind === 'usage' ? err.message : `not usage: ${String(err)}`;
      }
      return 'accepted';
    };
    expect(usage({heads: 2, width: 800, height: 600, compression: 'quic', password: 'x'})).toBe('accepted');
    expect(usage({heads: 17})).toMatch(/invalid heads 17/);
    expect(usage({compression: 'jpeg' as never})).toMatch(/invalid compression "jpeg"/);
    expect(usage({agentMouse: true})).toMatch(/agentMouse needs the guest agent/);
    expect(usage({agentMouse: true, fileXferDir: '/x'})).toBe('accepted');
    expect(usage({password: ''})).toMatch(/1 to 60 characters/);
    expect(usage({width: 10})).toMatch(/invalid width 10/);
    expect(usage({name: '../x'})).toMatch(/invalid target name/);
  });
});

describe('QEMU builders', () => {
  const files = qemuFiles('/lab/qemu-1');
  const tcp = {host: '127.0.0.1', port: 5930};
  const input = (over: Partial<QemuArgsInput> = {}): QemuArgsInput => ({name: 'qemu-1', mode: 'bios', listen: tcp, files, hasPassword: false, ...over});
  const spiceOf = (args: string[]) => valuesOf(args, '-spice')[0]!;

  it('bios mode: a pc with qxl, no display window, daemonized with its PID file, QMP and serial sockets in the dir', () => {
    const args = qemuArgs(input());
    expect(valuesOf(args, '-M')).toEqual(['pc']);
    expect(valuesOf(args, '-vga')).toEqual(['qxl']);
    expect(valuesOf(args, '-display')).toEqual(['none']);
    expect(valuesOf(args, '-m')).toEqual(['128']);
    expect(valuesOf(args, '-pidfile')).toEqual([files.pidFile]);
    expect(valuesOf(args, '-D')).toEqual([files.debugLog]);
    expect(valuesOf(args, '-qmp')).toEqual([`unix:${files.qmp},server=on,wait=off`]);
    expect(args).toContain('-daemonize');
    expect(args).not.toContain('-kernel');
    expect(valuesOf(args, '-nic')).toEqual(['none']);
    expect(valuesOf(args, '-device')).toEqual([]);
  });

  it('TCG unless KVM is asked for', () => {
    expect(valuesOf(qemuArgs(input()), '-accel')).toEqual(['tcg']);
    expect(qemuArgs(input()).some((a) => a.includes('kvm'))).toBe(false);
    expect(valuesOf(qemuArgs(input({accel: 'kvm'})), '-accel')).toEqual(['kvm']);
  });

  it('linux mode boots the given kernel and initrd with the serial console, more memory, and the extra append', () => {
    const args = qemuArgs(input({mode: 'linux', guest: {kernel: '/g/vmlinuz', initrd: '/g/initrd.gz'}, append: 'spice.debug=1'}));
    expect(valuesOf(args, '-kernel')).toEqual(['/g/vmlinuz']);
    expect(valuesOf(args, '-initrd')).toEqual(['/g/initrd.gz']);
    expect(valuesOf(args, '-m')).toEqual(['256']);
    const append = valuesOf(args, '-append')[0]!.split(' ');
    expect(append).toEqual(expect.arrayContaining(['console=ttyS0', 'spice.debug=1']));
    expect(valuesOf(qemuArgs(input({mode: 'linux', memoryMb: 512, guest: {kernel: 'k', initrd: 'i'}})), '-m')).toEqual(['512']);
  });

  it('SPICE on 127.0.0.1 at the given port; TLS adds tls-port, the x509 dir and the tls channels', () => {
    const plain = spiceOf(qemuArgs(input()));
    expect(optionValue(plain, 'port')).toBe('5930');
    expect(optionValue(plain, 'addr')).toBe('127.0.0.1');
    expect(optionValue(plain, 'tls-port')).toBeUndefined();
    const tls = qemuSpiceOption({...tcp, tls: {port: 5931, x509Dir: '/lab/qemu-1/tls', channels: ['main', 'display']}}, false);
    expect(optionValue(tls, 'tls-port')).toBe('5931');
    expect(optionValue(tls, 'x509-dir')).toBe('/lab/qemu-1/tls');
    expect(tls.split(',').filter((p) => p.startsWith('tls-channel='))).toEqual(['tls-channel=main', 'tls-channel=display']);
  });

  it('a unix socket replaces the TCP port', () => {
    const spice = spiceOf(qemuArgs(input({listen: {unixPath: files.spiceSocket}})));
    expect(spice.split(',')).toEqual(expect.arrayContaining(['unix=on', `addr=${files.spiceSocket}`]));
    expect(optionValue(spice, 'port')).toBeUndefined();
  });

  it('the password is read from a file through a secret, never put on the command line; none disables ticketing', () => {
    const args = qemuArgs(input({hasPassword: true}));
    expect(valuesOf(args, '-object')).toEqual([`secret,id=spicepw,file=${files.passwordFile},format=raw`]);
    expect(optionValue(spiceOf(args), 'password-secret')).toBe('spicepw');
    expect(spiceOf(args)).not.toContain('disable-ticketing');
    const open = qemuArgs(input());
    expect(valuesOf(open, '-object')).toEqual([]);
    expect(optionValue(spiceOf(open), 'disable-ticketing')).toBe('on');
    // The input has no field that could carry the password itself.
    expect(Object.keys(input({hasPassword: true}))).not.toContain('password');
  });

  it('all devices: the agent port, both usbredir channels on xhci, the smartcard, the tablet and audio', () => {
    const args = qemuArgs(input({allDevices: true}));
    const chardevs = valuesOf(args, '-chardev');
    const devices = valuesOf(args, '-device');
    expect(chardevs).toEqual(expect.arrayContaining(['spicevmc,name=usbredir,id=usbredir1', 'spicevmc,name=usbredir,id=usbredir2']));
    expect(devices.filter((d) => d.startsWith('usb-redir,'))).toEqual(['usb-redir,chardev=usbredir1,bus=xhci.0', 'usb-redir,chardev=usbredir2,bus=xhci.0']);
    expect(chardevs).toContain('spicevmc,id=ccid,name=smartcard');
    expect(devices).toEqual(expect.arrayContaining(['usb-ccid,bus=xhci.0', 'ccid-card-passthru,chardev=ccid', 'usb-tablet,bus=xhci.0', 'qemu-xhci,id=xhci']));
    expect(devices).toContain('virtserialport,bus=vser0.0,chardev=vdagent,name=com.redhat.spice.0');
    expect(valuesOf(args, '-audiodev')).toEqual(['spice,id=snd0']);
    expect(qemuDeviceSummary({allDevices: true})).toBe('agent,usbredir:2,audio,smartcard,tablet');
    // Explicit options still win, whether or not the caller expanded allDevices first.
    expect(qemuDeviceArgs({allDevices: true, usbredir: 0}).some((a) => a.startsWith('usb-redir'))).toBe(false);
  });

  it('each device only when asked: no USB controller without USB devices, no virtio-serial without ports', () => {
    expect(qemuDeviceArgs({})).toEqual([]);
    expect(qemuDeviceArgs({audio: true})).not.toContain('qemu-xhci,id=xhci');
    expect(valuesOf(qemuDeviceArgs({tablet: true}), '-device')).toEqual(['qemu-xhci,id=xhci', 'usb-tablet,bus=xhci.0']);
    expect(qemuDeviceArgs({usbredir: 3}).filter((a) => a.startsWith('usb-redir,'))).toHaveLength(3);
  });

  it("usbredirFilter: QEMU's usb-redir filter property on every slot, its syntax checked", () => {
    const filter = '0x08:-1:-1:-1:0|-1:-1:-1:-1:1';
    expect(qemuDeviceArgs({usbredir: 2, usbredirFilter: filter}).filter((a) => a.startsWith('usb-redir,'))).toEqual([
      `usb-redir,chardev=usbredir1,bus=xhci.0,filter=${filter}`,
      `usb-redir,chardev=usbredir2,bus=xhci.0,filter=${filter}`,
    ]);
    expect(() => qemuDeviceArgs({usbredir: 1, usbredirFilter: '0x08,-1,-1,-1,0'})).toThrow(/invalid usb-redir filter "0x08,-1,-1,-1,0" \(rule "0x08,-1,-1,-1,0"\): give rules class:vendor:product:version:allow/);
    expect(() => qemuDeviceArgs({usbredir: 1, usbredirFilter: '8:-1:-1:-1:1,id=x'})).toThrow(SpiceError);
    expect(() => qemuDeviceArgs({usbredir: 1, usbredirFilter: ''})).toThrow(SpiceError);
  });

  it('named ports become spiceport chardevs on virtio-serial; an unsafe name is refused', () => {
    const args = qemuDeviceArgs({ports: [WEBDAV_PORT_NAME]});
    expect(valuesOf(args, '-device')).toEqual(['virtio-serial-pci,id=vser0', `virtserialport,bus=vser0.0,chardev=port0,name=${WEBDAV_PORT_NAME}`]);
    expect(valuesOf(args, '-chardev')).toEqual([`spiceport,id=port0,name=${WEBDAV_PORT_NAME}`]);
    expect(() => qemuDeviceArgs({ports: ['a,b=c']})).toThrow(SpiceError);
  });

  it('extra arguments come last; the saved command line is shell-quoted', () => {
    const args = qemuArgs(input({extraArgs: ['-smp', '2']}));
    expect(args.slice(-2)).toEqual(['-smp', '2']);
    expect(shellCommandLine(['qemu', '-name', "it's", 'a b', 'x=1,y'])).toBe(`qemu -name 'it'\\''s' 'a b' x=1,y\n`);
  });
});
