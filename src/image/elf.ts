/**
 * Reads just enough of an ELF header to tell whether a test binary can run in an image that has
 * nothing but the binary: it must be Linux ELF, for the node's architecture, and static (no
 * PT_INTERP program header, i.e. no dynamic loader such as /lib64/ld-linux-x86-64.so.2 to find).
 * Pure: callers pass the file's first bytes (ELF_HEADER_BYTES is enough for a Go binary).
 */

/** Go's linker puts the program headers right after the 64-byte ELF header; 4 KiB is ample. */
export const ELF_HEADER_BYTES = 4096

const PT_INTERP = 3

/** ELF e_machine values → Go's GOARCH names, for the architectures Kubernetes nodes run. */
const MACHINES: Record<number, string> = {
  3: '386',
  40: 'arm',
  62: 'amd64',
  183: 'arm64',
  21: 'ppc64le',
  22: 's390x',
  243: 'riscv64'
}

export interface ElfInfo {
  bits: 32 | 64
  littleEndian: boolean
  /** Go's name for the architecture, or `machine-N` for one we do not know. */
  arch: string
  /** The dynamic loader the binary asks for; undefined for a static binary. */
  interpreter?: string
}

const FIX_STATIC =
  'Build it with CGO_ENABLED=0 (the go-package mode sets it: do not override it with cgo flags, ' +
  "-linkshared or -buildmode=pie), or use a Dockerfile whose runtime image has the binary's libraries"

/**
 * Parses the header; throws with the reason when the bytes are not a complete ELF header (not
 * ELF at all, or the program headers lie beyond the bytes given).
 */
export function readElf(header: Buffer): ElfInfo {
  if (header.length < 52 || header.readUInt32BE(0) !== 0x7f454c46) {
    const magic = header.subarray(0, 4).toString('hex')
    const hint =
      magic === 'cffaedfe' || magic === 'cefaedfe'
        ? ' (a macOS Mach-O binary: build with GOOS=linux)'
        : magic.startsWith('4d5a')
          ? ' (a Windows binary: build with GOOS=linux)'
          : ''
    throw new Error(`not an ELF executable${hint}`)
  }
  const cls = header[4]
  const data = header[5]
  if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2))
    throw new Error(`an ELF file with an unknown class ${cls} or byte order ${data}`)
  const bits = cls === 2 ? 64 : 32
  const le = data === 1
  const u16 = (o: number): number => (le ? header.readUInt16LE(o) : header.readUInt16BE(o))
  const u32 = (o: number): number => (le ? header.readUInt32LE(o) : header.readUInt32BE(o))
  // Offsets beyond 2^53 cannot occur in a file we could read, so Number is exact here.
  const word = (o: number): number =>
    bits === 64 ? Number(le ? header.readBigUInt64LE(o) : header.readBigUInt64BE(o)) : u32(o)
  if (bits === 64 && header.length < 64) throw new Error('a truncated ELF header')

  const machine = u16(18)
  const phoff = word(bits === 64 ? 32 : 28)
  const phentsize = u16(bits === 64 ? 54 : 42)
  const phnum = u16(bits === 64 ? 56 : 44)
  const arch = MACHINES[machine] ?? `machine-${machine}`
  if (phnum > 0 && phoff + phnum * phentsize > header.length) {
    throw new Error(
      `its program headers end at byte ${phoff + phnum * phentsize}, beyond the ${header.length} bytes read`
    )
  }
  let interpreter: string | undefined
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize
    if (u32(ph) !== PT_INTERP) continue
    const offset = word(bits === 64 ? ph + 8 : ph + 4)
    const size = word(bits === 64 ? ph + 32 : ph + 16)
    // The path usually sits right after the program headers; name it when we have the bytes.
    interpreter =
      offset + size <= header.length
        ? header
            .subarray(offset, offset + size)
            .toString('latin1')
            .replace(/\0+$/, '')
        : '(a dynamic loader)'
  }
  return { bits, littleEndian: le, arch, interpreter }
}

/**
 * Why the binary cannot run as the only file of an image, with the fix; undefined when it can.
 * `arch` is the GOARCH the image is for.
 */
export function staticBinaryProblem(header: Buffer, arch: string): string | undefined {
  let info: ElfInfo
  try {
    info = readElf(header)
  } catch (e) {
    return `it is ${(e as Error).message}, so it cannot run in a Linux image`
  }
  if (info.interpreter !== undefined) {
    return (
      `it is dynamically linked (it needs the loader ${info.interpreter} and shared libraries, ` +
      `which an image holding only the binary does not have). ${FIX_STATIC}`
    )
  }
  if (info.arch !== arch) {
    return `it is built for ${info.arch} but the image is for ${arch}: build with GOARCH=${arch}`
  }
  return undefined
}
