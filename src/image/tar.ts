/**
 * The few tar (ustar) pieces an image archive needs. Written here rather than taken from a library
 * because pack.ts must control every header byte (fixed owner, mode and mtime, so the same binary
 * gives the same digest), patch one header after its content is hashed, and stream a file once:
 * about sixty lines against a dependency the project does not declare.
 */

export const BLOCK = 512

/** Two zero blocks end an archive. */
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK)

export interface TarEntry {
  /** Relative path; a directory's ends with `/`. At most 100 bytes (no long-name extensions). */
  name: string
  /** Permission bits including setuid/setgid/sticky (e.g. 0o1777). */
  mode: number
  /** Bytes of content; 0 for a directory. */
  size: number
  type: 'file' | 'directory'
  /** Seconds since the epoch. */
  mtime: number
}

function octal(header: Buffer, offset: number, length: number, value: number, field: string): void {
  const digits = value.toString(8)
  // A field holds length-1 digits and a NUL; larger values need base-256, which we never emit.
  if (!Number.isSafeInteger(value) || value < 0 || digits.length > length - 1)
    throw new Error(`tar ${field} ${value} does not fit a ustar header`)
  header.write(digits.padStart(length - 1, '0') + '\0', offset, length, 'ascii')
}

/** One 512-byte ustar header: owner root (0/0), no user or group names, fixed mtime. */
export function tarHeader(e: TarEntry): Buffer {
  const name = Buffer.from(e.name, 'utf8')
  if (name.length === 0 || name.length > 100)
    throw new Error(`tar entry name '${e.name}' must be 1 to 100 bytes long`)
  const h = Buffer.alloc(BLOCK)
  name.copy(h, 0)
  octal(h, 100, 8, e.mode, 'mode')
  octal(h, 108, 8, 0, 'uid')
  octal(h, 116, 8, 0, 'gid')
  octal(h, 124, 12, e.type === 'file' ? e.size : 0, 'size')
  octal(h, 136, 12, e.mtime, 'mtime')
  h.write(e.type === 'file' ? '0' : '5', 156, 1, 'ascii')
  h.write('ustar\0' + '00', 257, 8, 'ascii')
  octal(h, 329, 8, 0, 'devmajor')
  octal(h, 337, 8, 0, 'devminor')
  // The checksum is the byte sum with its own field read as spaces.
  h.fill(0x20, 148, 156)
  let sum = 0
  for (const b of h) sum += b
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii')
  return h
}

/** Zero bytes that fill a content of `size` bytes up to the next block. */
export function padding(size: number): Buffer {
  const rest = size % BLOCK
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest)
}

/** Header, content and padding of a small in-memory file. */
export function tarFile(name: string, content: Buffer, mtime: number, mode = 0o644): Buffer {
  return Buffer.concat([
    tarHeader({ name, mode, size: content.length, type: 'file', mtime }),
    content,
    padding(content.length)
  ])
}

export function tarDirectory(name: string, mtime: number, mode = 0o755): Buffer {
  return tarHeader({
    name: name.endsWith('/') ? name : name + '/',
    mode,
    size: 0,
    type: 'directory',
    mtime
  })
}

/** Bytes a file entry takes in an archive: header, content, padding. */
export function tarFileLength(size: number): number {
  return BLOCK + size + padding(size).length
}
