/**
 * Pure pieces of log following: splitting the kubelet's timestamped lines, and dropping the lines
 * a reconnect (with sinceTime, which has only second precision) sends a second time.
 */

export interface LogLine {
  /** RFC3339Nano time the kubelet recorded, e.g. 2026-11-25T03:59:12.123456789Z. */
  timestamp: string
  text: string
}

const TS = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2}) ?/

/**
 * Splits the timestamp the kubelet puts before each line (`timestamps=true`) from the text; a line
 * without one keeps all its text and an empty timestamp (the deduper then always accepts it).
 */
export function splitTimestamp(line: string): LogLine {
  const m = line.match(TS)
  if (!m) return { timestamp: '', text: line }
  return { timestamp: m[0].trimEnd(), text: line.slice(m[0].length) }
}

/** A key that sorts like the time: RFC3339Nano drops trailing zeros, so pad the fraction. */
export function timestampKey(ts: string): string {
  const m = ts.match(TS)
  if (!m) return ''
  const frac = (m[2] ?? '.').slice(1).padEnd(9, '0')
  return `${m[1]}.${frac}`
}

/** sinceTime for a reconnect: the second of the last line (the API ignores fractions). */
export function sinceTimeFor(ts: string): string | undefined {
  const m = ts.match(TS)
  return m ? `${m[1]}Z` : undefined
}

/**
 * Turns chunks into complete lines; CRLF and a trailing partial line are handled. The pieces of
 * a line still without its newline are kept apart and joined once it ends, so a long line that
 * arrives in many chunks costs linear time (joining at every chunk was quadratic: 33 s for
 * 64 MB).
 */
export class LineSplitter {
  private parts: string[] = []
  push(chunk: string): string[] {
    const out: string[] = []
    let start = 0
    let nl = chunk.indexOf('\n')
    while (nl !== -1) {
      let line = chunk.slice(start, nl)
      if (this.parts.length > 0) {
        this.parts.push(line)
        line = this.parts.join('')
        this.parts = []
      }
      out.push(line.endsWith('\r') ? line.slice(0, -1) : line)
      start = nl + 1
      nl = chunk.indexOf('\n', start)
    }
    if (start < chunk.length) this.parts.push(chunk.slice(start))
    return out
  }
  /** The partial last line, when the stream ended without a newline. */
  flush(): string[] {
    const r = this.parts.join('')
    this.parts = []
    return r === '' ? [] : [r.endsWith('\r') ? r.slice(0, -1) : r]
  }
}

/**
 * How far back a reconnect reads, before the latest second seen. The kubelet timestamps stdout and
 * stderr as it reads each pipe, so lines reach the log file (and the stream) slightly out of time
 * order; a line still to come can carry a time up to this skew before the latest one seen. Go's
 * `log` package on stderr beside `t.Log` on stdout is enough to interleave them.
 */
const RECONNECT_MARGIN_S = 1

/** FNV-1a: replayed lines are matched by time, length and hash, so the window stays small. */
function hash(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/**
 * Keeps every line of a stream, and after a reconnect skips exactly the lines the kubelet sends
 * again. A normal stream is never filtered: its lines are not in time order (see above), so an
 * earlier timestamp does not mean a repeat. A reconnect reads from `sinceTime()`, a whole second
 * (the API drops fractions) with a margin for the skew, and the kubelet then sends again, first,
 * every line whose time is at or after it: those are the lines this remembers (by time and text),
 * and the reconnect's lines are skipped while they are such repeats. The first line that is not one
 * ends the replay: everything after it is new, even a line equal to an older one.
 */
export class LogDeduper {
  private maxKey = ''
  private maxTimestamp = ''
  private cutoffKey = ''
  /** Accepted lines at or after the cutoff (in arrival order; pruned from the front). */
  private window: Array<{ key: string; id: string }> = []
  private head = 0
  private inWindow = new Map<string, number>()
  private replay?: Map<string, number>

  /** Call before reading again from `sinceTime()`: the lines since then will come again. */
  reconnecting(): void {
    this.replay = new Map(this.inWindow)
  }

  accept(line: LogLine): boolean {
    if (!line.timestamp) return true
    const key = timestampKey(line.timestamp)
    const id = `${key} ${line.text.length} ${hash(line.text)}`
    if (this.replay) {
      const pending = this.replay.get(id) ?? 0
      if (pending > 0) {
        this.replay.set(id, pending - 1)
        return false
      }
      this.replay = undefined
    }
    if (key > this.maxKey) {
      this.maxKey = key
      this.maxTimestamp = line.timestamp
      this.cutoffKey = timestampKey(this.sinceTime() ?? '')
      this.prune()
    }
    if (key >= this.cutoffKey) {
      this.window.push({ key, id })
      this.inWindow.set(id, (this.inWindow.get(id) ?? 0) + 1)
    }
    return true
  }

  private prune(): void {
    while (this.head < this.window.length && this.window[this.head].key < this.cutoffKey) {
      const { id } = this.window[this.head++]
      const n = this.inWindow.get(id)! - 1
      if (n === 0) this.inWindow.delete(id)
      else this.inWindow.set(id, n)
    }
    if (this.head > 1024 && this.head * 2 > this.window.length) {
      this.window = this.window.slice(this.head)
      this.head = 0
    }
  }

  /** Where a reconnect should start reading: the latest second seen, less the skew margin. */
  sinceTime(): string | undefined {
    const s = sinceTimeFor(this.maxTimestamp)
    if (!s) return undefined
    return new Date(Date.parse(s) - RECONNECT_MARGIN_S * 1000).toISOString().replace('.000Z', 'Z')
  }

  /** The latest timestamp accepted so far. */
  get last(): string {
    return this.maxTimestamp
  }
}
