/**
 * Tiny static programs for the lab's Linux guest (x86-64, raw syscalls, no libc), compiled with the host's
 * gcc at test time and copied into the guest over its serial shell. GUEST_C_PRELUDE holds what the helpers
 * share: integer types, the DRM ioctl structs and numbers they use, a syscall wrapper, out() and num().
 */
import {execFileSync} from 'node:child_process';
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import type {SerialShell} from '../../src/lab/guest/serial.js';

export const GUEST_C_PRELUDE = String.raw`typedef unsigned int u32; typedef unsigned long long u64; typedef unsigned short u16;
struct drm_mode_card_res { u64 fb_id_ptr, crtc_id_ptr, connector_id_ptr, encoder_id_ptr; u32 count_fbs, count_crtcs, count_connectors, count_encoders, min_width, max_width, min_height, max_height; };
struct drm_mode_create_dumb { u32 height, width, bpp, flags, handle, pitch; u64 size; };
struct drm_mode_map_dumb { u32 handle, pad; u64 offset; };
struct drm_mode_cursor2 { u32 flags, crtc_id; int x, y; u32 width, height, handle; int hot_x, hot_y; };
#define IOWR(nr, T) ((3UL << 30) | ((unsigned long)sizeof(T) << 16) | (0x64 << 8) | (nr))
#define DRM_IOCTL_MODE_GETRESOURCES IOWR(0xA0, struct drm_mode_card_res)
#define DRM_IOCTL_MODE_CREATE_DUMB IOWR(0xB2, struct drm_mode_create_dumb)
#define DRM_IOCTL_MODE_MAP_DUMB IOWR(0xB3, struct drm_mode_map_dumb)
#define DRM_IOCTL_MODE_CURSOR2 IOWR(0xBB, struct drm_mode_cursor2)
#define DRM_MODE_CURSOR_BO 1
#define DRM_MODE_CURSOR_MOVE 2
static long sc(long n, long a, long b, long c, long d, long e, long f) {
  long r;
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9) : "rcx", "r11", "memory");
  return r;
}
static void out(const char *s) { long n = 0; while (s[n]) n++; sc(1, 1, (long)s, n, 0, 0, 0); }
static int num(const char *s) { int v = 0; while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0'); return v; }
`;

/** The entry point: hands the initial stack (argc, argv) to cmain(long *sp). */
const START = String.raw`__asm__(".globl _start\n_start:\n mov %rsp, %rdi\n and $-16, %rsp\n call cmain\n hlt\n");
`;

/** Writes NAME.c (prelude + body + entry) in `dir`, compiles it statically, and returns the binary's path. */
export function buildGuestHelper(dir: string, name: string, body: string): string {
  const c = join(dir, `${name}.c`);
  const bin = join(dir, name);
  writeFileSync(c, GUEST_C_PRELUDE + body + START);
  execFileSync('gcc', ['-Os', '-static', '-nostdlib', '-fno-stack-protector', '-fno-asynchronous-unwind-tables', '-fno-pie', '-no-pie', '-fno-builtin', '-Wl,--build-id=none', '-Wl,-n', '-s', '-o', bin, c]);
  return bin;
}

/** Copies a binary into the guest as an executable, in short base64 lines (the serial console garbles long ones). */
export async function installInGuest(shell: SerialShell, bin: string, guestPath: string): Promise<void> {
  const b64 = `${guestPath}.b64`;
  await shell.run(`echo begin-base64 755 ${guestPath} > ${b64}`);
  for (const line of readFileSync(bin).toString('base64').match(/.{1,76}/g)!) await shell.run(`echo ${line} >> ${b64}`);
  await shell.run(`echo ==== >> ${b64}; uudecode -o ${guestPath} ${b64}`);
}
