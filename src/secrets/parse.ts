/**
 * Secret inputs (`secret-env`, `deploy-secrets`) read as `NAME: value` / `NAME=value` lines,
 * byte-exact. Not YAML: a YAML parser types values before anything could mask them (`007` became
 * `7`, `~` became empty, `abc #def` lost its end, `*x` failed with the alias name in the message),
 * and the changed value was what got masked. Here a value is the text after the separator as
 * written. Errors name the input and the line number and never quote a value (nor a name that did
 * not parse: it may be a value on the wrong line).
 *
 * Syntax, one entry per line:
 * - `NAME: value` — the value starts after the blanks that follow the colon. A value wholly inside
 *   one pair of matching quotes ('…' or "…") is the text between them, as written (no escapes), so
 *   values written for the YAML parser keep working.
 * - `NAME=value` — the value is everything after `=`, quotes included.
 * - `NAME: |` then lines indented deeper: a multi-line value (a PEM key), each line minus the
 *   first line's indentation, ending with one newline; `|-` without it, `|+` with every trailing
 *   newline. Folded (`>`) values are refused.
 * - Blank lines and lines starting with `#` are skipped (inside a `|` block they are content).
 */

export class SecretInputError extends Error {
  constructor(
    readonly input: string,
    /** The message without the `Input '…':` prefix, for callers that wrap it in their own error. */
    readonly detail: string
  ) {
    super(`Input '${input}': ${detail}`)
    this.name = 'InputError'
  }
}

export interface DeploySecret {
  name: string
  namespace?: string
  data: Record<string, string>
}

/** Environment variable names, as the previous parser accepted them. */
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/
/** Keys of a Kubernetes Secret's data. */
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/

interface Line {
  /** 1-based, as a user counts the lines of the input. */
  number: number
  text: string
  indent: number
}

function splitLines(value: string): Line[] {
  return value.split(/\r?\n/).map((text, i) => ({
    number: i + 1,
    text,
    indent: text.length - text.replace(/^[ \t]+/, '').length
  }))
}

const skipped = (l: Line) => l.text.trim() === '' || l.text.trim().startsWith('#')

interface Entry {
  name: string
  value: string
  line: number
}

/**
 * Reads the entry at `lines[i]` and the block lines that belong to it. Returns the entry and the
 * index of the next line to read.
 */
function readEntry(
  input: string,
  lines: Line[],
  i: number,
  nameRule: { pattern: RegExp; what: string }
): { entry: Entry; next: number } {
  const line = lines[i]
  const text = line.text.slice(line.indent)
  // Names hold neither ':' nor '=', so the first of them is the separator.
  const sep = text.search(/[:=]/)
  if (sep <= 0) {
    throw new SecretInputError(
      input,
      `line ${line.number} is not NAME: value or NAME=value (its text is not shown: it may hold a secret)`
    )
  }
  const name = text.slice(0, sep).replace(/[ \t]+$/, '')
  if (!nameRule.pattern.test(name)) {
    throw new SecretInputError(
      input,
      `line ${line.number}: the text before '${text[sep]}' is not ${nameRule.what} (not shown: it may hold a secret)`
    )
  }
  const rest = text.slice(sep + 1)
  if (text[sep] === '=') return { entry: { name, value: rest, line: line.number }, next: i + 1 }
  if (rest !== '' && !/^[ \t]/.test(rest)) {
    throw new SecretInputError(
      input,
      `line ${line.number}: put a blank after '${name}:' (or write ${name}=value)`
    )
  }
  const raw = rest.replace(/^[ \t]+/, '')
  const block = raw.match(/^\|([-+]?)[ \t]*$/)
  if (block) return readBlock(input, lines, i, name, block[1] as '' | '-' | '+')
  if (/^>[-+]?[ \t]*$/.test(raw) || /^\|[-+]?\d/.test(raw)) {
    throw new SecretInputError(
      input,
      `line ${line.number}: the value of ${name} uses a YAML block form that is not supported: use '|' (or '|-') for a multi-line value, or ${name}=value for a value that is these characters`
    )
  }
  return { entry: { name, value: unquote(raw), line: line.number }, next: i + 1 }
}

function unquote(v: string): string {
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) {
    return v.slice(1, -1)
  }
  return v
}

function readBlock(
  input: string,
  lines: Line[],
  start: number,
  name: string,
  chomp: '' | '-' | '+'
): { entry: Entry; next: number } {
  const owner = lines[start]
  let i = start + 1
  let indent: number | undefined
  const content: string[] = []
  for (; i < lines.length; i++) {
    const l = lines[i]
    if (l.text.trim() === '') {
      content.push(l.text.length > (indent ?? Infinity) ? l.text.slice(indent) : '')
      continue
    }
    if (l.indent <= owner.indent) break
    indent ??= l.indent
    if (l.indent < indent) {
      throw new SecretInputError(
        input,
        `line ${l.number}: a line of the multi-line value of ${name} is indented less than its first line; indent every line of it at least as deep`
      )
    }
    content.push(l.text.slice(indent))
  }
  // Blank lines after the block belong to what follows, as far as the line count goes.
  let end = content.length
  while (end > 0 && content[end - 1] === '') end--
  const trailingBlanks = content.length - end
  const body = content.slice(0, end)
  if (body.length === 0) {
    throw new SecretInputError(
      input,
      `line ${owner.number}: ${name}: | has no indented lines under it; indent the value's lines below it`
    )
  }
  let value = body.join('\n')
  if (chomp === '') value += '\n'
  if (chomp === '+') value += '\n'.repeat(trailingBlanks + 1)
  return { entry: { name, value, line: owner.number }, next: i }
}

function entriesToMap(input: string, entries: Entry[], where = ''): Record<string, string> {
  const out: Record<string, string> = {}
  const first = new Map<string, number>()
  for (const e of entries) {
    const seen = first.get(e.name)
    if (seen !== undefined) {
      throw new SecretInputError(
        input,
        `line ${e.line}: ${e.name} is given again${where} (first on line ${seen}); give each name once`
      )
    }
    first.set(e.name, e.line)
    out[e.name] = e.value
  }
  return out
}

/**
 * `secret-env` (and any input of environment variables): NAME: value or NAME=value lines.
 * A drop-in for the YAML-based stringMap of inputs.ts, without its typing.
 */
export function parseSecretEnv(value: string, input = 'secret-env'): Record<string, string> {
  const lines = splitLines(value)
  const entries: Entry[] = []
  let i = 0
  while (i < lines.length) {
    if (skipped(lines[i])) {
      i++
      continue
    }
    const { entry, next } = readEntry(input, lines, i, {
      pattern: ENV_NAME,
      what: 'a valid variable name (letters, digits, _ - . ; not starting with a digit)'
    })
    entries.push(entry)
    i = next
  }
  return entriesToMap(input, entries)
}

/**
 * `deploy-secrets`: a `name:` or `namespace/name:` line per Secret (not indented), then its
 * `KEY: value` lines indented under it. The same shape the YAML map had, so inputs written for it
 * keep working; flow maps (`db: {A: b}`) are refused with a hint.
 */
export function parseDeploySecrets(value: string, input = 'deploy-secrets'): DeploySecret[] {
  const lines = splitLines(value)
  const out: DeploySecret[] = []
  const refs = new Map<string, number>()
  // Secret names sit at the first line's indentation (an untrimmed input may indent them all).
  const base = lines.find((l) => !skipped(l))?.indent ?? 0
  let i = 0
  while (i < lines.length) {
    const l = lines[i]
    if (skipped(l)) {
      i++
      continue
    }
    const header = l.indent === base ? l.text.slice(base).match(/^([^\s:=]+):[ \t]*(.*)$/) : null
    if (!header) {
      throw new SecretInputError(
        input,
        `line ${l.number} should name a Secret ('name:' or 'namespace/name:', indented like the first one), with its KEY: value lines indented under it`
      )
    }
    const [, ref, after] = header
    const parts = ref.split('/')
    const [namespace, name] = parts.length === 2 ? parts : [undefined, ref]
    if (
      parts.length > 2 ||
      (namespace !== undefined && (namespace.length > 63 || !DNS_LABEL.test(namespace))) ||
      name.length > 253 ||
      !DNS_SUBDOMAIN.test(name)
    ) {
      throw new SecretInputError(
        input,
        `line ${l.number}: the text before ':' is not a Secret name (lower-case letters, digits, '-' and '.') or namespace/name (not shown: it may hold a secret)`
      )
    }
    if (after.trim() !== '' && !after.trim().startsWith('#')) {
      throw new SecretInputError(
        input,
        `line ${l.number}: ${ref} must be a map of KEY: value, one per line indented under '${ref}:' (its value on the same line is not read)`
      )
    }
    const seen = refs.get(ref)
    if (seen !== undefined) {
      throw new SecretInputError(
        input,
        `line ${l.number}: ${ref} is given again (first on line ${seen}); give each Secret once`
      )
    }
    refs.set(ref, l.number)
    i++
    const entries: Entry[] = []
    while (i < lines.length && (skipped(lines[i]) || lines[i].indent > base)) {
      if (skipped(lines[i])) {
        i++
        continue
      }
      const { entry, next } = readEntry(input, lines, i, {
        pattern: SECRET_KEY,
        what: 'a valid Secret key (letters, digits, _ - .)'
      })
      entries.push(entry)
      i = next
    }
    if (entries.length === 0) {
      throw new SecretInputError(
        input,
        `line ${l.number}: ${ref} must be a map of KEY: value, with at least one KEY: value line indented under it`
      )
    }
    out.push({ name, namespace, data: entriesToMap(input, entries, ` in ${ref}`) })
  }
  return out
}

/**
 * Lines shorter than this are not masked on their own: a `{` or `}` line of a JSON key would mask
 * every brace in the log, and three characters reveal nothing of a key.
 */
export const MIN_MASKED_LINE = 4

/**
 * Every string to mask for one secret value: the value itself, and for a multi-line value each of
 * its lines (trimmed), because the runner matches masks within one log line and never finds a
 * multi-line value whole.
 */
export function secretMasks(value: string): string[] {
  const out = new Set<string>()
  if (value.trim() === '') return []
  out.add(value)
  if (value.trim() !== value) out.add(value.trim())
  const lines = value.split(/\r\n|\r|\n/)
  if (lines.length > 1) {
    for (const line of lines) {
      const t = line.trim()
      if (t.length >= MIN_MASKED_LINE) out.add(t)
    }
  }
  return [...out]
}

/**
 * What to mask of a secret input before it is parsed, so that no later message can show a raw
 * line: for each line the value part when the line reads as NAME: value / NAME=value, else the
 * whole line. Header lines (`name:`, `KEY: |`) hold no value and are not masked.
 */
export function rawInputMasks(value: string): string[] {
  const out = new Set<string>()
  const add = (v: string) => secretMasks(v).forEach((m) => out.add(m))
  /** Indentation of the `NAME: |` line whose block we are in. */
  let blockOwner: number | undefined
  for (const line of splitLines(value)) {
    const t = line.text.trim()
    if (blockOwner !== undefined && (t === '' || line.indent > blockOwner)) {
      // A line of a multi-line value: base64 padding (`…==`) must not read as NAME=value.
      if (t.length >= MIN_MASKED_LINE) out.add(t)
      continue
    }
    blockOwner = undefined
    if (t === '' || t.startsWith('#')) continue
    const m = t.match(/^[^\s:=]+(?::(?:[ \t]+|$)|=)(.*)$/)
    const part = m ? m[1] : t
    if (/^[|>][-+]?\d*[ \t]*$/.test(part)) {
      blockOwner = line.indent
      continue
    }
    if (part.trim() === '') continue
    add(part)
    if (unquote(part) !== part) add(unquote(part))
  }
  return [...out]
}

/**
 * The values of a Secret read from the cluster (env-from-secrets), to mask and redact like the
 * inputs: `data` is base64 as the API returns it, `stringData` plain.
 */
export function secretObjectValues(secret: {
  data?: Record<string, string> | null
  stringData?: Record<string, string> | null
}): string[] {
  const values = Object.values(secret.data ?? {}).map((b64) =>
    Buffer.from(b64, 'base64').toString('utf8')
  )
  return [...values, ...Object.values(secret.stringData ?? {})]
}
