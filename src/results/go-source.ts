/**
 * Just enough of Go's syntax to tell which call a `file.go:N:` line of test output came from:
 * tokens (comments dropped, string literals unquoted), the calls whose name is on a line (Go
 * reports the line of the called name, also for a call that spans lines or ends a chain), each
 * with its receiver chain and first argument, and function bodies by name (for helpers).
 *
 * The text comes from the pull request: it is only scanned, never evaluated or turned into a
 * regex.
 */

export interface Token {
  kind: 'ident' | 'string' | 'other'
  /** The identifier, the string's value (unquoted) or the punctuation/number as written. */
  text: string
  /** 1-based line of the token's start. */
  line: number
}

export interface Call {
  name: string
  /** The receiver chain, outermost first: `s.Require().NoError` → ['s', 'Require()']. */
  recv: string[]
  /** Parenthesis depth at the call (only compared between calls of one line). */
  depth: number
  args: number
  /** The first argument, when it is a string literal (a format or a message). */
  literal?: string
  /** The token index of the call's name. */
  at: number
}

export interface GoFile {
  tokens: Token[]
  /** For each `(`, `[` or `{` token index, the index of its closing token (and the reverse). */
  match: Map<number, number>
  /** Paren depth before each token. */
  depth: number[]
  /** First token index of each line (1-based; a line without tokens maps to the next one). */
  lineStart: number[]
  /** Top-level functions and methods, and function literals given a name (`check := func(`). */
  funcs: Map<string, Array<{ start: number; end: number }>>
}

const IDENT_START = /[\p{L}_]/u
const IDENT_PART = /[\p{L}\p{N}_]/u

/** ASCII first (almost every character of Go source), Unicode classes for the rest. */
function identStart(c: string): boolean {
  const n = c.charCodeAt(0)
  if (n < 128) return (n >= 97 && n <= 122) || (n >= 65 && n <= 90) || n === 95
  return IDENT_START.test(c)
}

function identPart(c: string): boolean {
  const n = c.charCodeAt(0)
  if (n < 128)
    return (n >= 97 && n <= 122) || (n >= 65 && n <= 90) || n === 95 || (n >= 48 && n <= 57)
  return IDENT_PART.test(c)
}

/** Tokens of a whole file. */
export function tokenize(text: string): Token[] {
  const out: Token[] = []
  let line = 1
  let i = 0
  const n = text.length
  while (i < n) {
    const c = text[i]
    if (c === '\n') {
      line++
      i++
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < n && text[i] !== '\n') i++
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2)
      const stop = end === -1 ? n : end + 2
      for (let k = i; k < stop; k++) if (text[k] === '\n') line++
      i = stop
    } else if (c === '`') {
      const end = text.indexOf('`', i + 1)
      const stop = end === -1 ? n : end
      const value = text.slice(i + 1, stop)
      out.push({ kind: 'string', text: value.replace(/\r/g, ''), line })
      for (const ch of value) if (ch === '\n') line++
      i = stop + 1
    } else if (c === '"' || c === "'") {
      const start = line
      let value = ''
      i++
      while (i < n && text[i] !== c && text[i] !== '\n') {
        if (text[i] === '\\' && i + 1 < n) {
          value += unescape(text[i + 1])
          i += 2
        } else value += text[i++]
      }
      i++
      out.push({ kind: c === '"' ? 'string' : 'other', text: value, line: start })
    } else if (identStart(c)) {
      let j = i + 1
      while (j < n && identPart(text[j])) j++
      out.push({ kind: 'ident', text: text.slice(i, j), line })
      i = j
    } else if (c >= '0' && c <= '9') {
      let j = i + 1
      while (j < n && /[\w.]/.test(text[j])) j++
      out.push({ kind: 'other', text: text.slice(i, j), line })
      i = j
    } else {
      out.push({ kind: 'other', text: c, line })
      i++
    }
  }
  return out
}

function unescape(c: string): string {
  return c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '' : c
}

const OPEN: Record<string, string> = { '(': ')', '[': ']', '{': '}' }

export function goFile(text: string): GoFile {
  const tokens = tokenize(text)
  const match = new Map<number, number>()
  const depth: number[] = []
  const stack: number[] = []
  let parens = 0
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i].text
    if (tokens[i].kind !== 'other') {
      depth.push(parens)
      continue
    }
    if (t === ')') parens = Math.max(0, parens - 1)
    depth.push(parens)
    if (t === '(') parens++
    if (t in OPEN) stack.push(i)
    else if (t === ')' || t === ']' || t === '}') {
      // Pop to the opener of this kind: a stray closer (broken code) does not unbalance the rest.
      for (let k = stack.length - 1; k >= 0; k--) {
        if (OPEN[tokens[stack[k]].text] === t) {
          match.set(stack[k], i)
          match.set(i, stack[k])
          stack.length = k
          break
        }
      }
    }
  }
  const lines = tokens.length > 0 ? tokens[tokens.length - 1].line : 0
  const lineStart: number[] = new Array(lines + 2).fill(tokens.length)
  for (let i = tokens.length - 1; i >= 0; i--) lineStart[tokens[i].line] = i
  for (let l = lines; l >= 1; l--)
    if (lineStart[l] > lineStart[l + 1]) lineStart[l] = lineStart[l + 1]
  const f: GoFile = { tokens, match, depth, lineStart, funcs: new Map() }
  f.funcs = functions(f)
  for (const [name, bodies] of closures(f))
    f.funcs.set(name, [...(f.funcs.get(name) ?? []), ...bodies])
  return f
}

/** `name := func(…) {…}` and `name = func(…) {…}`: helpers a test defines inside itself. */
function closures(f: GoFile): GoFile['funcs'] {
  const out: GoFile['funcs'] = new Map()
  const { tokens, match } = f
  for (let i = 0; i + 3 < tokens.length; i++) {
    if (tokens[i].kind !== 'ident') continue
    let k = i + 1
    if (tokens[k].text === ':') k++
    if (tokens[k].text !== '=' || tokens[k + 1]?.text !== 'func' || tokens[k + 2]?.text !== '(')
      continue
    k = (match.get(k + 2) ?? k + 2) + 1
    while (k < tokens.length && tokens[k].text !== '{') {
      if (tokens[k].text === '(') k = match.get(k) ?? k
      k++
    }
    const end = match.get(k)
    if (end === undefined) continue
    const list = out.get(tokens[i].text) ?? []
    list.push({ start: k, end })
    out.set(tokens[i].text, list)
  }
  return out
}

/** Top-level functions and methods: name → body (token range of its braces). */
function functions(f: GoFile): GoFile['funcs'] {
  const out: GoFile['funcs'] = new Map()
  const { tokens, match } = f
  let braces = 0
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]
    if (t.kind === 'other' && t.text === '{') braces++
    else if (t.kind === 'other' && t.text === '}') braces--
    if (braces !== 0 || t.kind !== 'ident' || t.text !== 'func') continue
    let k = i + 1
    if (tokens[k]?.text === '(') k = (match.get(k) ?? k) + 1
    const name = tokens[k]
    if (name?.kind !== 'ident') continue
    k++
    if (tokens[k]?.text === '[') k = (match.get(k) ?? k) + 1
    if (tokens[k]?.text !== '(') continue
    k = (match.get(k) ?? k) + 1
    // Results, then the body: the first `{` not inside the results' parentheses.
    while (k < tokens.length && tokens[k].text !== '{') {
      if (tokens[k].text === '(') k = match.get(k) ?? k
      k++
    }
    const end = match.get(k)
    if (end === undefined) continue
    const list = out.get(name.text) ?? []
    list.push({ start: k, end })
    out.set(name.text, list)
    i = end
  }
  return out
}

/** The call at token `at` (an identifier followed by `(`), or undefined. */
export function callAt(f: GoFile, at: number): Call | undefined {
  const { tokens, match } = f
  const name = tokens[at]
  if (name?.kind !== 'ident' || tokens[at + 1]?.text !== '(') return undefined
  if (tokens[at - 1]?.text === 'func') return undefined
  const recv: string[] = []
  let k = at - 1
  while (tokens[k]?.text === '.') {
    const prev = tokens[k - 1]
    if (prev?.kind === 'ident') {
      recv.unshift(prev.text)
      k -= 2
    } else if (prev?.text === ')') {
      const open = match.get(k - 1)
      const fn = open === undefined ? undefined : tokens[open - 1]
      if (open === undefined || fn?.kind !== 'ident') break
      recv.unshift(`${fn.text}()`)
      k = open - 2
    } else break
  }
  const close = match.get(at + 1) ?? at + 1
  let args = 0
  for (let j = at + 2; j < close; j++) {
    if (j === at + 2) args = 1
    const t = tokens[j]
    if (t.text === '(' || t.text === '[' || t.text === '{') j = match.get(j) ?? j
    else if (t.text === ',' && j + 1 < close) args++
  }
  const first = tokens[at + 2]
  const literal =
    first?.kind === 'string' && (tokens[at + 3]?.text === ',' || at + 3 === close)
      ? first.text
      : undefined
  return { name: name.text, recv, depth: f.depth[at], args, literal, at }
}

/** Every call whose name is on `line` (1-based). */
export function callsOnLine(f: GoFile, line: number): Call[] {
  const out: Call[] = []
  if (line < 1 || line >= f.lineStart.length) return out
  for (let i = f.lineStart[line]; i < f.tokens.length && f.tokens[i].line === line; i++) {
    const c = callAt(f, i)
    if (c) out.push(c)
  }
  return out
}

/** Every call in a token range (a function body). */
export function callsIn(f: GoFile, start: number, end: number): Call[] {
  const out: Call[] = []
  for (let i = start; i < end; i++) {
    const c = callAt(f, i)
    if (c) out.push(c)
  }
  return out
}

/**
 * Whether a printed message can come from this format (printf-style) or first argument
 * (println-style): its literal parts, in order, with the first at the start. First lines only.
 */
export function matchesFormat(literal: string, message: string, printf: boolean): boolean {
  const first = literal.split('\n')[0]
  const text = message.split('\n')[0]
  if (!printf) return text.startsWith(first)
  const pieces: string[] = []
  let piece = ''
  for (let i = 0; i < first.length; i++) {
    if (first[i] !== '%') {
      piece += first[i]
      continue
    }
    if (first[i + 1] === '%') {
      piece += '%'
      i++
      continue
    }
    // A verb: flags, width, precision, argument index, then the verb letter.
    let j = i + 1
    while (j < first.length && /[-+# 0-9.*[\]]/.test(first[j])) j++
    pieces.push(piece)
    piece = ''
    i = j
  }
  pieces.push(piece)
  if (!text.startsWith(pieces[0])) return false
  let pos = pieces[0].length
  for (const p of pieces.slice(1)) {
    const at = text.indexOf(p, pos)
    if (at === -1) return false
    pos = at + p.length
  }
  return pieces.length === 1 ? text === first : true
}
