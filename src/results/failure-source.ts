/**
 * Which of a test's `file.go:N:` lines are its failing checks. In -test.v output a t.Log line and
 * a t.Errorf line look the same, but the checkout the binary was built from says which call each
 * line came from: the call whose name is on line N (Go reports that line, also for a call that
 * spans lines or ends a chain). Failure calls: Error, Errorf, Fatal, Fatalf, Fail, FailNow on any
 * receiver (t, b, f, tb, s.T()…), testify's assert./require. and suite methods, matryer/is,
 * gomega's Expect(…).To and the like, and a helper whose body makes one of those (t.Helper()
 * makes Go report the helper's caller). Log calls: Log, Logf, Skip*.
 *
 * Without the source (a downloaded log, a file outside the workspace, a line that is no known
 * call), the output's own marks tell: testify's Error Trace block and want/got-style words.
 * Otherwise only the last line is left. Each check says which way it was found (`how`).
 *
 * A pure function of the printed lines and a SourceReader port (the only way to the files).
 */
import { locateFile } from './locate.js'
import { callsIn, callsOnLine, goFile, matchesFormat, type Call, type GoFile } from './go-source.js'
import type { Check, Failure, Found } from './types.js'

/** One `file:N:` report of a test: its text (after `file:N: `) and its continuation lines. */
export interface Printed {
  file: string
  line: number
  /** lines[0]: the text on the `file:N:` line; then each continuation line, trimmed. */
  lines: string[]
}

/** The workspace's Go files, read only through here (never a path outside the workspace). */
export interface SourceReader {
  /** Every Go file of the workspace, as a path relative to it. */
  readonly files: readonly string[]
  /** The text of one of `files`; undefined when it cannot be read. */
  read(path: string): string | undefined
}

export interface CheckContext {
  /** The test's full name (`TestA/sub`): its function is looked up to pick between same names. */
  test: string
  /** The Go package, when the log names it (go test -json). */
  pkg?: string
  source?: SourceReader
}

const TRACE = /^Error Trace:\s+(\S+?):(\d+)$/
const TESTIFY_FIELD = /^(Error Trace|Error|Test|Messages):\s*(.*)$/
/**
 * Without the source, the want/got style of a check's message (`f(x) = y, want z`, `got: …`,
 * testify's and gomega's `expected`/`actual`, matryer/is's `a != b`): log lines rarely read so.
 */
const WANT_GOT =
  /\b(got|want|wanted|expected|expecting|actual|unexpected|mismatch|differs?|not equal)\b|!=/i

const FAIL = new Set(['Error', 'Errorf', 'Fatal', 'Fatalf', 'Fail', 'FailNow'])
const LOG = new Set(['Log', 'Logf', 'Skip', 'Skipf', 'SkipNow'])
const PRINTF = new Set(['Errorf', 'Fatalf', 'Logf', 'Skipf'])
/** Receivers whose Error/Errorf/Fatal… are not a test's (fmt.Errorf, log.Fatal, slog.Error). */
const NOT_TESTING = new Set([
  'fmt',
  'errors',
  'xerrors',
  'log',
  'slog',
  'klog',
  'glog',
  'zap',
  'logrus',
  'zerolog',
  'status',
  'grpc'
])
/** Standard packages whose methods share testify's names (bytes.Equal, strings.Contains). */
const STD_RECEIVERS = new Set([
  'bytes',
  'strings',
  'reflect',
  'slices',
  'maps',
  'errors',
  'cmp',
  'sort',
  'math',
  'time',
  'filepath',
  'path',
  'os',
  'regexp',
  'unicode',
  'utf8'
])
const TESTIFY = new Set(
  `Condition Contains DirExists ElementsMatch Empty Equal EqualError EqualExportedValues
  EqualValues Error ErrorAs ErrorContains ErrorIs Eventually EventuallyWithT Exactly Fail FailNow
  False FileExists Greater GreaterOrEqual HTTPBodyContains HTTPBodyNotContains HTTPError
  HTTPRedirect HTTPStatusCode HTTPSuccess Implements InDelta InDeltaMapValues InDeltaSlice
  InEpsilon InEpsilonSlice IsDecreasing IsIncreasing IsNonDecreasing IsNonIncreasing IsType
  JSONEq Len Less LessOrEqual Negative Never Nil NoDirExists NoError NoFileExists NotContains
  NotElementsMatch NotEmpty NotEqual NotEqualValues NotErrorAs NotErrorIs NotImplements NotNil
  NotPanics NotRegexp NotSame NotSubset NotZero Panics PanicsWithError PanicsWithValue Positive
  Regexp Same Subset True WithinDuration WithinRange YAMLEq Zero`
    .split(/\s+/)
    .flatMap((n) => [n, `${n}f`])
)
const GOMEGA_MATCH = new Set(['To', 'ToNot', 'NotTo', 'Should', 'ShouldNot'])
const GOMEGA_SUBJECT = new Set(
  [
    'Expect',
    'ExpectWithOffset',
    'Ω',
    'Eventually',
    'EventuallyWithOffset',
    'Consistently',
    'ConsistentlyWithOffset'
  ].map((n) => `${n}()`)
)
const IS_CHECKS = new Set(['Equal', 'True', 'NoErr', 'Fail'])
const BUILTINS = new Set(
  'append cap clear close complex copy delete imag len make max min new panic print println real recover string int int64 float64 byte rune'.split(
    ' '
  )
)
/** How deep helpers are followed (a helper calling a helper calling t.Errorf). */
const HELPER_DEPTH = 3
/** Files searched for a helper's or a test's definition, at most. */
const SEARCH_FILES = 5000
/** A test function's declaration, at the start of a line. */
const TEST_FUNC = /^func ((?:Test|Example|Fuzz|Benchmark)\w*)\(/gm
/** Same-named files tried for one printed line, at most. */
const MAX_CANDIDATES = 20

type Kind = 'failure' | 'log'

interface Known {
  kind: Kind
  literal?: string
  printf: boolean
}

/** What a known call is, from its name and receiver alone. */
function knownKind(c: Call): Kind | undefined {
  const r0 = c.recv[0]
  if (c.recv.length === 0) return undefined
  if (c.recv.length === 1 && NOT_TESTING.has(r0)) return undefined
  if (FAIL.has(c.name)) return c.name === 'Error' && c.args === 0 ? undefined : 'failure'
  if (LOG.has(c.name)) return 'log'
  if (c.recv.length === 1 && (r0 === 'assert' || r0 === 'require'))
    return c.name === 'New' ? undefined : 'failure'
  if (c.recv.some((r) => r === 'Require()' || r === 'Assert()')) return 'failure'
  if (GOMEGA_MATCH.has(c.name) && c.recv.some((r) => GOMEGA_SUBJECT.has(r))) return 'failure'
  if (r0 === 'is' && IS_CHECKS.has(c.name)) return 'failure'
  if (TESTIFY.has(c.name) && !STD_RECEIVERS.has(r0)) return 'failure'
  // quicktest: c.Assert(got, qt.Equals, want), c.Check(…).
  if ((c.name === 'Assert' || c.name === 'Check') && c.args >= 2 && !STD_RECEIVERS.has(r0))
    return 'failure'
  return undefined
}

/**
 * Picks the kind of a printed line among the calls it may come from; undefined if unsure, or if
 * every call of that kind prints a literal the line does not begin like (the file is not the one
 * the binary was built from: another commit, or another file of the same name).
 */
function decide(known: Known[], message: string): Kind | undefined {
  if (known.length === 0) return undefined
  const matches = (k: Known) =>
    k.literal !== undefined && matchesFormat(k.literal, message, k.printf)
  const kinds = new Set(known.map((k) => k.kind))
  const matched = new Set(known.filter(matches).map((k) => k.kind))
  const kind = kinds.size === 1 ? known[0].kind : matched.size === 1 ? [...matched][0] : undefined
  const ofKind = known.filter((k) => k.kind === kind)
  if (message && ofKind.every((k) => k.literal !== undefined && !matches(k))) return undefined
  return kind
}

/**
 * Reads and indexes the workspace's Go files for one parse: the files it classifies lines of,
 * parsed once each; the test functions' files, found in one pass that keeps no text.
 */
export class SourceIndex {
  private readonly parsed = new Map<string, GoFile | null>()
  private tests?: Map<string, string[]>
  private readonly folders = new Map<string, string[]>()

  constructor(readonly reader: SourceReader) {}

  file(path: string): GoFile | undefined {
    let f = this.parsed.get(path)
    if (f === undefined) {
      const text = this.reader.read(path)
      f = text === undefined ? null : goFile(text)
      this.parsed.set(path, f)
    }
    return f ?? undefined
  }

  /** The _test.go files that define `func Name(`. */
  definingTest(name: string): string[] {
    if (!this.tests) {
      this.tests = new Map()
      const files = this.reader.files.filter((p) => p.endsWith('_test.go')).slice(0, SEARCH_FILES)
      for (const p of files) {
        for (const m of this.reader.read(p)?.matchAll(TEST_FUNC) ?? []) {
          this.tests.set(m[1], [...(this.tests.get(m[1]) ?? []), p])
        }
      }
    }
    return this.tests.get(name) ?? []
  }

  /**
   * The workspace files a printed name may mean, best first: for a base name printed by several
   * packages' files, those beside the test's function first (failingChecks then tries each).
   */
  resolve(printed: string, test: string, pkg?: string): string[] {
    const files = this.reader.files
    const clean = printed.replace(/\\/g, '/')
    const best = locateFile(clean, files, pkg)
    const base = clean.split('/').pop() ?? clean
    if (clean.includes('/') || !best) return best ? [best] : []
    const same = files.filter((f) => f === base || f.endsWith('/' + base))
    if (same.length <= 1) return [best]
    const testDirs = new Set(this.definingTest(test.split('/')[0]).map(dirOf))
    const rank = (f: string) => (testDirs.has(dirOf(f)) ? 0 : f === best ? 1 : 2)
    return same.sort((a, b) => rank(a) - rank(b)).slice(0, MAX_CANDIDATES)
  }

  /** Go files of a folder. */
  folder(dir: string): string[] {
    let hit = this.folders.get(dir)
    if (!hit) {
      hit = this.reader.files.filter((f) => dirOf(f) === dir).slice(0, SEARCH_FILES)
      this.folders.set(dir, hit)
    }
    return hit
  }

  /** Go files of the folders named like a package (`testutil.MustEqual` → …/testutil/). */
  packageFiles(name: string): string[] {
    const key = `pkg:${name}`
    let hit = this.folders.get(key)
    if (!hit) {
      hit = this.reader.files
        .filter((f) => dirOf(f).split('/').pop() === name)
        .slice(0, SEARCH_FILES)
      this.folders.set(key, hit)
    }
    return hit
  }
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/')
  return i === -1 ? '' : path.slice(0, i)
}

/** The first of the candidate files whose line tells what the report is. */
function classify(
  index: SourceIndex,
  candidates: string[],
  p: Printed
): { path?: string; kind?: Kind } {
  for (const path of candidates) {
    const kind = classifyLine(index, path, p.line, p.lines[0] ?? '')
    if (kind) return { path, kind }
  }
  return { path: candidates[0] }
}

/** What the call(s) named on a line are; helpers are looked up in the workspace. */
function classifyLine(
  index: SourceIndex,
  path: string,
  line: number,
  message: string
): Kind | undefined {
  const f = index.file(path)
  if (!f) return undefined
  const calls = callsOnLine(f, line)
  const known = calls.filter((c) => knownKind(c) !== undefined)
  if (known.length > 0) {
    const top = Math.min(...known.map((c) => c.depth))
    return decide(
      known.filter((c) => c.depth === top).map((c) => knownOf(c, knownKind(c)!)),
      message
    )
  }
  // No testing call on the line: a helper's (t.Helper() makes Go report its caller's line).
  const helpers = calls.filter((c) => !BUILTINS.has(c.name) && c.recv.length <= 1)
  if (helpers.length === 0) return undefined
  const top = Math.min(...helpers.map((c) => c.depth))
  const inside = helpers
    .filter((c) => c.depth === top)
    .flatMap((c) => helperCalls(index, path, c, HELPER_DEPTH))
  return inside.length > 0 ? decide(inside, message) : undefined
}

function knownOf(c: Call, kind: Kind): Known {
  return { kind, literal: c.literal, printf: PRINTF.has(c.name) }
}

/** The testing calls a helper's body makes, following helpers it calls in turn. */
function helperCalls(index: SourceIndex, from: string, c: Call, depth: number): Known[] {
  if (depth === 0) return []
  const qualifier = c.recv[0]
  const dir = dirOf(from)
  const places = [from, ...index.folder(dir).filter((p) => p !== from)]
  if (qualifier) places.push(...index.packageFiles(qualifier))
  for (const p of places) {
    const f = index.file(p)
    const bodies = f?.funcs.get(c.name)
    if (!f || !bodies) continue
    const out: Known[] = []
    for (const b of bodies) {
      for (const inner of callsIn(f, b.start, b.end)) {
        const kind = knownKind(inner)
        if (kind) out.push(knownOf(inner, kind))
        else if (inner.recv.length <= 1 && !BUILTINS.has(inner.name) && inner.name !== c.name)
          out.push(...helperCalls(index, p, inner, depth - 1))
      }
    }
    return out
  }
  return []
}

const NO_TRACE: Array<{ file: string; line: number }> = []

/** testify's Error Trace entries of a report: where the assertion was, as full paths. */
function traceOf(p: Printed): Array<{ file: string; line: number }> {
  // Most reports are one line: no trace, nothing to allocate.
  if (p.lines.length < 2) return NO_TRACE
  const out: Array<{ file: string; line: number }> = []
  let inTrace = false
  for (const l of p.lines.slice(1)) {
    const m = TRACE.exec(l)
    if (m) {
      out.push({ file: m[1], line: Number(m[2]) })
      inTrace = true
      continue
    }
    if (inTrace && !TESTIFY_FIELD.test(l)) {
      const e = /^(\S+?):(\d+)$/.exec(l)
      if (e) {
        out.push({ file: e[1], line: Number(e[2]) })
        continue
      }
    }
    inTrace = false
  }
  return out
}

/** The printed text of a check: testify's Error and Messages fields, or every line of it. */
export function messageOf(p: Printed): string {
  if (traceOf(p).length > 0) {
    const parts: string[] = []
    let field = ''
    for (const l of p.lines.slice(1)) {
      const fm = TESTIFY_FIELD.exec(l)
      if (fm) {
        field = fm[1]
        if (field === 'Error' || field === 'Messages') parts.push(fm[2].trim())
        continue
      }
      if (field === 'Error' || field === 'Messages') parts.push(l.trim())
    }
    return parts.filter(Boolean).join('\n')
  }
  return p.lines
    .filter((l, i) => i > 0 || l !== '')
    .join('\n')
    .trim()
}

/** Without the source: testify's trace or want/got-style text make a report a check. */
export function looksLikeCheck(p: Printed): boolean {
  return traceOf(p).length > 0 || p.lines.some((l) => WANT_GOT.test(l))
}

/** The printed place, with testify's full path for it when its trace names the same line. */
function printedPlace(p: Printed): { file: string; line: number } {
  const trace = traceOf(p)
  if (trace.length === 0) return { file: p.file, line: p.line }
  const base = p.file.split('/').pop()
  const full = trace.find((t) => t.line === p.line && t.file.split('/').pop() === base)
  return { file: full?.file ?? p.file, line: p.line }
}

/**
 * A failure call in the test's folder whose message format matches: for a line Go printed at a
 * place outside the workspace (a helper goroutine's t.Fatalf shows as `asm_amd64.s:1771`).
 */
function byMessage(
  index: SourceIndex,
  test: string,
  message: string
): { path: string; line: number } | undefined {
  const dirs = new Set(index.definingTest(test.split('/')[0]).map(dirOf))
  const hits: Array<{ path: string; line: number }> = []
  for (const dir of dirs) {
    for (const p of index.folder(dir)) {
      const f = index.file(p)
      if (!f) continue
      for (const c of callsIn(f, 0, f.tokens.length)) {
        if (knownKind(c) !== 'failure' || c.literal === undefined || c.literal === '') continue
        if (matchesFormat(c.literal, message, PRINTF.has(c.name)))
          hits.push({ path: p, line: f.tokens[c.at].line })
      }
    }
  }
  return hits.length === 1 ? hits[0] : undefined
}

/**
 * The failing checks among a test's printed reports, in order; empty when none is one (the
 * caller falls back to the last line, see lastLine).
 */
export function failingChecks(
  printed: readonly Printed[],
  ctx: CheckContext,
  index = ctx.source ? new SourceIndex(ctx.source) : undefined
): Check[] {
  const out: Check[] = []
  for (const p of printed) {
    const message = messageOf(p)
    const place = printedPlace(p)
    if (index) {
      const { path, kind } = p.file.endsWith('.go')
        ? classify(index, index.resolve(place.file, ctx.test, ctx.pkg), p)
        : { path: undefined, kind: undefined }
      if (kind === 'failure') {
        out.push(check(place.file, place.line, message, 'source', path))
        continue
      }
      if (kind === 'log' && traceOf(p).length === 0) continue
      if (!path) {
        const found = byMessage(index, ctx.test, message)
        if (found) {
          out.push(check(found.path, found.line, message, 'source', found.path))
          continue
        }
      }
    }
    if (looksLikeCheck(p)) out.push(check(place.file, place.line, message, 'trace'))
  }
  return out
}

/** A failure's checks: every one, in order; none when it is how the test ended. */
export function checksOf(f: Failure | undefined): Check[] {
  if (!f) return []
  return f.checks ?? (f.how && !f.kind && f.file && f.line ? [f as Check] : [])
}

/** One shape for every check (a parse may hold 100,000 failures: no dictionary objects). */
function check(file: string, line: number, message: string, how: Found, path?: string): Check {
  return { file, line, message, how, path }
}

/** The last report, as the failure's place when no check is known (a guess: say so). */
export function lastLine(printed: readonly Printed[]): Check | undefined {
  const p = printed.at(-1)
  if (!p) return undefined
  const place = printedPlace(p)
  return check(place.file, place.line, messageOf(p), 'last-line')
}

/**
 * A test that failed without printing a check (t.Fail(), t.FailNow()): the one such call in its
 * function, if there is exactly one.
 */
export function silentFailure(index: SourceIndex, test: string): Check | undefined {
  const top = test.split('/')[0]
  const hits: Check[] = []
  for (const path of index.definingTest(top)) {
    const f = index.file(path)
    for (const b of f?.funcs.get(top) ?? []) {
      for (const c of callsIn(f!, b.start, b.end)) {
        if ((c.name !== 'Fail' && c.name !== 'FailNow') || c.args > 0) continue
        if (knownKind(c) !== 'failure') continue
        const line = f!.tokens[c.at].line
        const message = `${[...c.recv, c.name].join('.')}() (no message)`
        hits.push(check(path, line, message, 'source', path))
      }
    }
  }
  return hits.length === 1 ? hits[0] : undefined
}
