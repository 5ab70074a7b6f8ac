/**
 * A log as lines, whatever its size: a byte stream split at newlines and before a ^V that does
 * not begin a line (as test2json splits), each line cut to MAX_LINE (its head and its tail: a
 * glued report sits at the end), so a log without newlines never becomes one string.
 */
import * as fs from 'node:fs'

/** Longer lines keep their head and tail (a glued report sits at the end). */
export const MAX_LINE = 64 * 1024
const LINE_TAIL = 16 * 1024

/** A line cut to MAX_LINE: its head and its tail, and how much was left out between them. */
export function capLine(line: string): string {
  if (line.length <= MAX_LINE) return line
  const head = MAX_LINE - LINE_TAIL
  return `${line.slice(0, head)} … [${line.length - head - LINE_TAIL} characters cut] … ${line.slice(-LINE_TAIL)}`
}

/** Splits text into lines as the parser reads them, without one string per whole log. */
export function* linesOf(text: string): Generator<string> {
  let start = 0
  while (start < text.length) {
    let end = text.indexOf('\n', start)
    if (end === -1) end = text.length
    yield end - start > MAX_LINE ? capLine(text.slice(start, end)) : text.slice(start, end)
    start = end + 1
  }
}

/**
 * Splits a byte stream into lines: at `\n`, and before a ^V that does not begin a line (as
 * test2json does). A line longer than MAX_LINE keeps its head and tail only, so a log without
 * newlines never becomes one string.
 */
export class ByteLineSplitter {
  private parts: Buffer[] = []
  private size = 0
  private tail?: Buffer
  private cut = 0

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    const len = chunk.length
    let pos = 0
    // Where the next newline and ^V are, found once per chunk position (no rescans).
    let nl = -2
    let v = -2
    while (pos < len) {
      if (nl !== -1 && nl < pos) nl = chunk.indexOf(10, pos)
      const vFrom = this.size === 0 && !this.tail ? pos + 1 : pos
      if (v !== -1 && v < vFrom) v = vFrom < len ? chunk.indexOf(0x16, vFrom) : -1
      const lineEnd = nl === -1 ? len : nl
      if (v !== -1 && v < lineEnd) {
        this.add(chunk.subarray(pos, v))
        this.emit()
        pos = v
        continue
      }
      if (nl === -1) {
        // A copy: the caller may reuse the chunk's memory for its next read.
        this.add(Buffer.from(chunk.subarray(pos)))
        return
      }
      this.add(chunk.subarray(pos, nl))
      this.emit()
      pos = nl + 1
    }
  }

  private add(b: Buffer): void {
    if (b.length === 0) return
    if (this.size + b.length <= MAX_LINE - LINE_TAIL) {
      this.parts.push(b)
      this.size += b.length
      return
    }
    // Over the head's room: keep filling the head, the rest slides through the tail.
    const room = MAX_LINE - LINE_TAIL - this.size
    if (room > 0) {
      this.parts.push(b.subarray(0, room))
      this.size += room
      b = b.subarray(room)
    }
    const t = this.tail ? Buffer.concat([this.tail, b]) : Buffer.from(b)
    this.cut += Math.max(0, t.length - LINE_TAIL)
    this.tail = t.length > LINE_TAIL ? Buffer.from(t.subarray(t.length - LINE_TAIL)) : t
  }

  private emit(): void {
    const head =
      this.parts.length === 1
        ? this.parts[0].toString('utf8')
        : Buffer.concat(this.parts, this.size).toString('utf8')
    let line = head
    if (this.tail) {
      line =
        this.cut > 0
          ? `${head} … [${this.cut} bytes cut] … ${this.tail.toString('utf8')}`
          : head + this.tail.toString('utf8')
    }
    this.parts = []
    this.size = 0
    this.tail = undefined
    this.cut = 0
    this.onLine(line)
  }

  /** The last line, when the stream did not end with a newline; true if there was one. */
  end(): boolean {
    if (this.size === 0 && !this.tail) return false
    this.emit()
    return true
  }
}

/**
 * Calls `onLine` for every line of a file, read as a stream (see ByteLineSplitter), and resolves
 * once the last one is read.
 */
export async function forEachLineOfFile(
  path: string,
  onLine: (line: string) => void
): Promise<void> {
  const splitter = new ByteLineSplitter(onLine)
  // One buffer, read into again and again: a stream's fresh 64 KiB chunks are external memory
  // that V8 frees late, which alone doubled the peak RSS on a 1 GiB log.
  const buf = Buffer.allocUnsafe(1 << 20)
  const fh = await fs.promises.open(path, 'r')
  let chunks = 0
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null)
      if (bytesRead === 0) break
      splitter.push(buf.subarray(0, bytesRead))
      // A turn of the event loop now and then, so that a long parse does not starve timers and
      // other streams (shards followed at the same time).
      if (++chunks % 16 === 0) await new Promise((resolve) => setImmediate(resolve))
    }
  } finally {
    await fh.close()
  }
  splitter.end()
}
