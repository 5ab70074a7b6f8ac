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

/** Turns chunks into complete lines; CRLF and a trailing partial line are handled. */
export class LineSplitter {
  private rest = ''
  push(chunk: string): string[] {
    const text = this.rest + chunk
    const parts = text.split('\n')
    this.rest = parts.pop() ?? ''
    return parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
  }
  /** The partial last line, when the stream ended without a newline. */
  flush(): string[] {
    const r = this.rest
    this.rest = ''
    return r === '' ? [] : [r.endsWith('\r') ? r.slice(0, -1) : r]
  }
}

/** Remembers where the log got to, to accept only new lines after a reconnect. */
export class LogDeduper {
  private lastKey = ''
  private atLast = new Map<string, number>()
  private replay = new Map<string, number>()
  private lastTimestamp = ''

  /** Call before reading again from sinceTime: lines up to the last one seen will come again. */
  reconnecting(): void {
    this.replay = new Map(this.atLast)
  }

  accept(line: LogLine): boolean {
    if (!line.timestamp) return true
    const key = timestampKey(line.timestamp)
    if (key < this.lastKey) return false
    if (key === this.lastKey) {
      // Several lines can share a timestamp; skip as many copies as were already accepted.
      const pending = this.replay.get(line.text) ?? 0
      if (pending > 0) {
        this.replay.set(line.text, pending - 1)
        return false
      }
      this.atLast.set(line.text, (this.atLast.get(line.text) ?? 0) + 1)
      return true
    }
    this.lastKey = key
    this.lastTimestamp = line.timestamp
    this.atLast = new Map([[line.text, 1]])
    this.replay = new Map()
    return true
  }

  get last(): string {
    return this.lastTimestamp
  }
}
