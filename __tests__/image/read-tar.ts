/**
 * A test-side tar reader, independent of src/image/tar.ts, so a bug in the writer cannot hide
 * behind the same bug in the reader. Checks each header's checksum as tar does.
 */
export interface ReadEntry {
  name: string
  mode: number
  type: string
  size: number
  mtime: number
  uid: number
  gid: number
  content: Buffer
}

const field = (h: Buffer, at: number, len: number): string =>
  h
    .subarray(at, at + len)
    .toString('latin1')
    .replace(/\0.*$/s, '')
const num = (h: Buffer, at: number, len: number): number =>
  parseInt(field(h, at, len).trim() || '0', 8)

export function readTar(data: Buffer): ReadEntry[] {
  const out: ReadEntry[] = []
  let at = 0
  while (at + 512 <= data.length) {
    const h = data.subarray(at, at + 512)
    if (h.every((b) => b === 0)) break
    let sum = 0
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]
    if (sum !== num(h, 148, 8)) throw new Error(`bad checksum at ${at}`)
    if (field(h, 257, 6) !== 'ustar') throw new Error(`not ustar at ${at}`)
    const size = num(h, 124, 12)
    out.push({
      name: field(h, 0, 100),
      mode: num(h, 100, 8),
      type: field(h, 156, 1),
      size,
      mtime: num(h, 136, 12),
      uid: num(h, 108, 8),
      gid: num(h, 116, 8),
      content: data.subarray(at + 512, at + 512 + size)
    })
    at += 512 + Math.ceil(size / 512) * 512
  }
  if (data.length % 512 !== 0) throw new Error('archive length is not a multiple of 512')
  return out
}
