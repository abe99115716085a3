/**
 * A minimal writer for the "newc" cpio format the Linux kernel unpacks as an initramfs.
 * Written in TypeScript (rather than piping `find | cpio`) so the archive can hold device
 * nodes (/dev/console) without mknod, owners are always root, and the output is deterministic.
 */

export type CpioEntry =
  | {type: 'dir'; path: string; mode?: number}
  | {type: 'file'; path: string; data: Buffer; mode?: number}
  | {type: 'symlink'; path: string; target: string}
  | {type: 'char'; path: string; major: number; minor: number; mode?: number};

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

function pad4(len: number): Buffer {
  const rest = len % 4;
  return Buffer.alloc(rest === 0 ? 0 : 4 - rest);
}

/** Serializes the entries, in order, followed by the TRAILER!!! record. Paths are relative ("bin/sh"). */
export function writeCpio(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  const push = (name: string, mode: number, data: Buffer, nlink: number, rdevMajor = 0, rdevMinor = 0): void => {
    const nameBuf = Buffer.from(`${name}\0`, 'utf8');
    const header =
      '070701' +
      hex8(ino++) +
      hex8(mode) +
      hex8(0) + // uid
      hex8(0) + // gid
      hex8(nlink) +
      hex8(0) + // mtime: fixed for a reproducible archive
      hex8(data.length) +
      hex8(0) + // devmajor
      hex8(0) + // devminor
      hex8(rdevMajor) +
      hex8(rdevMinor) +
      hex8(nameBuf.length) +
      hex8(0); // check
    const headerBuf = Buffer.from(header, 'ascii');
    parts.push(headerBuf, nameBuf, pad4(headerBuf.length + nameBuf.length), data, pad4(data.length));
  };
  for (const e of entries) {
    const path = e.path.replace(/^\/+/, '');
    switch (e.type) {
      case 'dir':
        push(path, S_IFDIR | (e.mode ?? 0o755), Buffer.alloc(0), 2);
        break;
      case 'file':
        push(path, S_IFREG | (e.mode ?? 0o644), e.data, 1);
        break;
      case 'symlink':
        push(path, S_IFLNK | 0o777, Buffer.from(e.target, 'utf8'), 1);
        break;
      case 'char':
        push(path, S_IFCHR | (e.mode ?? 0o600), Buffer.alloc(0), 1, e.major, e.minor);
        break;
    }
  }
  push('TRAILER!!!', 0, Buffer.alloc(0), 1);
  return Buffer.concat(parts);
}
