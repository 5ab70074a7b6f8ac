/**
 * Removes secret values from what the action writes itself: the summary, the PR comment (the REST
 * API is not masked by the runner), results.json, junit.xml, annotations and the log files users
 * upload as artifacts (no runner masks those either). Built once the secret values are known
 * (inputs, and the Secrets of env-from-secrets read from the cluster).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { cell, code } from '../report/markdown.js'
import { secretMasks } from './parse.js'

export const REDACTED = '***'

/**
 * How a value can appear once rendered: escaped in JSON (results.json), in XML or HTML
 * (junit.xml) and as inert Markdown (report/markdown.ts, a leaf module of pure escaping). The report renders after
 * redaction too, but a value may reach a file by a path that does not.
 */
function renderedForms(s: string): string[] {
  const html = s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  const attribute = html.replace(/"/g, '&quot;')
  return [
    s,
    JSON.stringify(s).slice(1, -1),
    html,
    attribute,
    attribute.replace(/\n/g, '&#10;'),
    cell(s, Infinity),
    code(s, Infinity).slice('<code>'.length, -'</code>'.length)
  ]
}

export class Redactor {
  private readonly pattern: RegExp | undefined
  /** Number of distinct strings searched for (values, their lines and rendered forms). */
  readonly size: number

  private constructor(
    private readonly values: readonly string[],
    private readonly replacement: string
  ) {
    const strings = new Set<string>()
    for (const v of values)
      for (const m of secretMasks(v)) renderedForms(m).forEach((f) => strings.add(f))
    // Longest first: at one position the regex takes the first alternative that matches, so a
    // value is replaced whole rather than by a shorter secret it contains.
    const sorted = [...strings].filter((s) => s !== '').sort((a, b) => b.length - a.length)
    this.size = sorted.length
    this.pattern =
      sorted.length > 0
        ? new RegExp(sorted.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g')
        : undefined
  }

  /** A Redactor for secret values; each multi-line value's lines are redacted on their own too. */
  static from(values: Iterable<string>, replacement = REDACTED): Redactor {
    return new Redactor([...values], replacement)
  }

  /** A Redactor for these values too (e.g. env-from-secrets, read later from the cluster). */
  with(values: Iterable<string>): Redactor {
    return new Redactor([...this.values, ...values], this.replacement)
  }

  redact(text: string): string {
    if (!this.pattern || text === '') return text
    return text.replace(this.pattern, this.replacement)
  }

  /**
   * A copy of `value` with every string in it redacted: arrays and plain objects are walked,
   * functions and other objects are kept as they are (a RunReport's `locate`).
   */
  redactDeep<T>(value: T): T {
    if (!this.pattern) return value
    const seen = new WeakMap<object, unknown>()
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return this.redact(v)
      if (v === null || typeof v !== 'object') return v
      if (seen.has(v)) return seen.get(v)
      if (Array.isArray(v)) {
        const out: unknown[] = []
        seen.set(v, out)
        for (const x of v) out.push(walk(x))
        return out
      }
      const proto = Object.getPrototypeOf(v) as unknown
      if (proto !== Object.prototype && proto !== null) return v
      const out: Record<string, unknown> = {}
      seen.set(v, out)
      for (const [k, x] of Object.entries(v)) out[k] = walk(x)
      return out
    }
    return walk(value) as T
  }

  /**
   * A line-by-line redacting stream for large files (the test log): memory stays at one line,
   * and a value split across two chunks is still found. Line endings are kept as they were.
   */
  transform(): Transform {
    let rest = ''
    const redact = (s: string) => this.redact(s)
    return new Transform({
      decodeStrings: false,
      transform(chunk: Buffer | string, _enc: BufferEncoding, done: TransformCallback) {
        const text = rest + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'))
        const cut = text.lastIndexOf('\n') + 1
        rest = text.slice(cut)
        done(null, cut > 0 ? text.slice(0, cut).split('\n').map(redact).join('\n') : '')
      },
      flush(done: TransformCallback) {
        done(null, redact(rest))
      }
    })
  }
}

/**
 * Redacts a file in place, streaming line by line (through a temporary file next to it, renamed
 * over it), so a large test log is never read whole. A missing file is left missing.
 */
export async function redactFile(file: string, redactor: Redactor): Promise<void> {
  if (redactor.size === 0 || !fs.existsSync(file)) return
  const tmp = `${file}.redacting`
  // The stream decodes UTF-8 itself, so a character split across chunks stays whole.
  await pipeline(
    fs.createReadStream(file, { encoding: 'utf8' }),
    redactor.transform(),
    fs.createWriteStream(tmp)
  )
  fs.renameSync(tmp, file)
}

/**
 * Redacts every regular text file under `dir` (output-dir), recursively; returns those it read.
 * `exclude` names files (by path relative to `dir`) written from already-redacted data, such as
 * results.json: replacing a short secret inside a JSON number would break the file.
 */
export async function redactDirectory(
  dir: string,
  redactor: Redactor,
  exclude: string[] = []
): Promise<string[]> {
  if (redactor.size === 0 || !fs.existsSync(dir)) return []
  const done: string[] = []
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue
    const file = path.join(entry.parentPath, entry.name)
    if (exclude.includes(path.relative(dir, file)) || looksBinary(file)) continue
    await redactFile(file, redactor)
    done.push(file)
  }
  return done
}

/** A NUL byte in the first 8 KiB: an image tarball or coverage binary, not text to rewrite. */
function looksBinary(file: string): boolean {
  const fd = fs.openSync(file, 'r')
  try {
    const buf = Buffer.alloc(8192)
    const n = fs.readSync(fd, buf, 0, buf.length, 0)
    return buf.subarray(0, n).includes(0)
  } finally {
    fs.closeSync(fd)
  }
}
