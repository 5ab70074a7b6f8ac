/** Synthetic ELF headers for the static-binary check. */
/** A minimal ELF header with the given program header types (and an interpreter path). */
export function elf(opts: {
  bits?: 32 | 64
  le?: boolean
  machine?: number
  phTypes?: number[]
  interp?: string
}): Buffer {
  const bits = opts.bits ?? 64
  const le = opts.le ?? true
  const ehsize = bits === 64 ? 64 : 52
  const phentsize = bits === 64 ? 56 : 32
  const types = opts.phTypes ?? [1]
  const interpAt = ehsize + types.length * phentsize
  const b = Buffer.alloc(interpAt + 64)
  b.writeUInt32BE(0x7f454c46, 0)
  b[4] = bits === 64 ? 2 : 1
  b[5] = le ? 1 : 2
  const u16 = (v: number, o: number) => (le ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o))
  const u32 = (v: number, o: number) => (le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o))
  const word = (v: number, o: number) =>
    bits === 64
      ? le
        ? b.writeBigUInt64LE(BigInt(v), o)
        : b.writeBigUInt64BE(BigInt(v), o)
      : u32(v, o)
  u16(opts.machine ?? 62, 18)
  word(ehsize, bits === 64 ? 32 : 28)
  u16(phentsize, bits === 64 ? 54 : 42)
  u16(types.length, bits === 64 ? 56 : 44)
  types.forEach((t, i) => {
    const ph = ehsize + i * phentsize
    u32(t, ph)
    if (t === 3) {
      const path = Buffer.from((opts.interp ?? '/lib/ld.so') + '\0')
      path.copy(b, interpAt)
      word(interpAt, bits === 64 ? ph + 8 : ph + 4)
      word(path.length, bits === 64 ? ph + 32 : ph + 16)
    }
  })
  return b
}
