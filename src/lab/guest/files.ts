/**
 * The files of the tiny guest's initramfs. Everything here is hashed into the cache key,
 * so changing a script (or the module list) rebuilds the guest once.
 */

/** Modules the guest loads at boot (their dependencies are added by modprobe --show-depends). */
export const GUEST_MODULES = [
  // display: qxl with its DRM deps; fbcon is built in, so tty1 appears on the qxl framebuffer
  'qxl',
  // agent and named ports: virtio-serial
  'virtio_pci',
  'virtio_console',
  // USB: redirection slots, tablet, smartcard reader, storage
  'xhci_pci',
  'usbhid',
  'hid_generic',
  'usb_storage',
  'sd_mod',
  // FAT on an emulated USB stick: Debian's FAT defaults are codepage 437 and iocharset "ascii" (with UTF-8 names),
  // and vfat's mount fails with EINVAL when either NLS table is missing (iocharset=utf8/iso8859-1 need theirs)
  'vfat',
  'nls_cp437',
  'nls_ascii',
  'nls_utf8',
  'nls_iso8859-1',
  // audio: intel-hda + hda-duplex. QEMU's codec has no driver of its own but the generic one, loaded first so
  // the controller's probe binds it directly rather than through the kernel's request_module (busybox modprobe).
  // snd_pcm_oss gives /dev/dsp (8 kHz U8 mono by default): busybox cat/dd play and record through it, no ioctls.
  'snd_hda_codec_generic',
  'snd_hda_intel',
  'snd_pcm_oss',
  // input events (usb-tablet, keyboard) readable by tests
  'evdev',
  // the PS/2 mouse (i8042 and serio are built in): relative motion in server mouse mode
  'psmouse',
] as const;

export const PROMPT_TEXT = 'spice-guest';

/** /init: PID 1 from the initramfs. Installs busybox's applets, then hands over to busybox init. */
export const INIT_SCRIPT = `#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /root
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s
exec /sbin/init
`;

/** busybox init's table: setup once, then a root shell on the serial port and on tty1 (qxl framebuffer). */
export const INITTAB = `::sysinit:/etc/rc
ttyS0::respawn:-/bin/sh
tty1::respawn:-/bin/sh
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/umount -a -r
`;

/** System setup: filesystems, modules, virtio port names (as udev would make them). */
export const RC_SCRIPT = `#!/bin/sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
hostname ${PROMPT_TEXT}
KVER=$(uname -r)
while read -r mod args; do
  [ -n "$mod" ] || continue
  insmod "/lib/modules/$KVER/$mod" $args 2>/dev/null || echo "${PROMPT_TEXT}: insmod $mod failed"
done < /etc/modules
# udev-style /dev/virtio-ports/NAME links (port names arrive shortly after the driver binds)
if [ -d /sys/bus/virtio/drivers/virtio_console ]; then
  i=0
  while [ $i -lt 20 ]; do
    ls /sys/class/virtio-ports/*/name >/dev/null 2>&1 && break
    sleep 0.1; i=$((i+1))
  done
  sleep 0.2
  mkdir -p /dev/virtio-ports
  for p in /sys/class/virtio-ports/*; do
    [ -r "$p/name" ] || continue
    n=$(cat "$p/name")
    [ -n "$n" ] && ln -sf "../\${p##*/}" "/dev/virtio-ports/$n"
  done
fi
# an HDA controller's codec is probed asynchronously after snd_hda_intel loads: wait for its OSS device
if ls -d /sys/bus/pci/drivers/snd_hda_intel/0000:* >/dev/null 2>&1; then
  i=0
  while [ $i -lt 50 ] && [ ! -c /dev/dsp ]; do sleep 0.1; i=$((i+1)); done
  [ -c /dev/dsp ] || echo "${PROMPT_TEXT}: no /dev/dsp (sound card without a codec?)"
fi
# keep kernel messages off the shells' consoles
echo "1 4 1 7" > /proc/sys/kernel/printk
msg="${PROMPT_TEXT}: ready, kernel $KVER, $(wc -l < /proc/modules) modules loaded"
echo "$msg"
# from a subshell: rc is a session leader without a controlling tty, so its own open would make ttyS0 rc's
# controlling tty (then, with shell probes arriving early, no serial shell ever answered)
[ -c /dev/ttyS0 ] && (echo "$msg" > /dev/ttyS0)
`;

/** Login-shell profile: a clear prompt, a wide serial line (long commands from tests). */
export const PROFILE = `export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/root
PS1='${PROMPT_TEXT}:\\w# '
case "$(tty)" in
  /dev/ttyS*) export TERM=vt100; stty cols 1000 rows 50 2>/dev/null ;;
  *) export TERM=linux ;;
esac
cd /root
`;
