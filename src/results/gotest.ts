/**
 * Parses what a compiled Go test binary prints with -test.v, in plain text or with test2json's ^V
 * framing (-test.v=test2json), or as `go test -json` events, mixed with any other log lines.
 *
 * The reference is Go itself: the framing is read as cmd/internal/test2json reads it (the same
 * markers, the same ^V rules, the same attribution of output by indentation), so every test,
 * subtest and repetition gets test2json's verdict. Beyond test2json, what the text still tells:
 * a report glued to the end of an output line in plain -test.v (test2json misses it there), the
 * tests a timeout or a kill cut off, and each test's `file:line:` reports, of which
 * failure-source.ts tells the failing checks (reading the source when it is given), and the
 * goroutine dumps where goroutines.ts finds panics and hung tests. Bytes become lines in
 * log-lines.ts.
 *
 * Streaming: `TestLogParser.push(line)` per line, `finish()` at the end. Memory is bounded by the
 * number of tests, not by the log: a line is cut to MAX_LINE, a test keeps at most
 * OUTPUT_HEAD + OUTPUT_TAIL lines of output, and once KEEP_OUTPUT_BYTES of output are held, a
 * finished test keeps none (pass, skip) or a few lines (failure; its reports are kept apart).
 * Every step is O(1) per line (no rescans), so time is linear.
 */
import type { Check, Failure, TestCase, TestRun } from './types.js'
import { ProfileCollector, type CoverProfile } from './cover-profile.js'
import {
  checksOf,
  failingChecks,
  lastLine,
  silentFailure,
  SourceIndex,
  type Printed,
  type SourceReader
} from './failure-source.js'
import { GoroutineDump } from './goroutines.js'
import { capLine, forEachLineOfFile, linesOf, MAX_LINE } from './log-lines.js'

/** test2json's ^V: begins every framing line the binary prints with -test.v=test2json. */
const MARKER_CHAR = '\u0016'
const OUTPUT_HEAD = 100
const OUTPUT_TAIL = 100
/** Past this much output held, a finished test keeps little of its own (see result()). */
// 4 MiB: with 8 the 1 GiB bench peaked at 175-204 MiB (GC timing), with 4 at 176-188.
const KEEP_OUTPUT_BYTES = 4 * 1024 * 1024
const SMALL_OUTPUT = 5
const MAX_LOCATIONS = 50
const MAX_MESSAGE_LINES = 60

const UPDATES = [
  '=== RUN   ',
  '=== PAUSE ',
  '=== CONT  ',
  '=== NAME  ',
  '=== PASS  ',
  '=== FAIL  ',
  '=== SKIP  ',
  '=== ATTR  ',
  '=== ARTIFACTS '
]
const REPORTS = ['--- PASS: ', '--- FAIL: ', '--- SKIP: ', '--- BENCH: ']
/** A report glued to the end of a line by output without a trailing newline (plain -test.v). */
const GLUED_REPORT = /--- (PASS|FAIL|SKIP): (\S+) \((\d+(?:\.\d+)?)s\)$/
const COVERAGE = /^coverage: ([\d.]+)% of statements/
/**
 * `    x_test.go:12: message`: t.Log/t.Error output, possibly glued after unterminated output.
 * Also `asm_amd64.s:1771:`, where Go places a t.Fatalf of a goroutine made only of helpers.
 */
const FILE_LINE = /(?:^|\s)([\w.@+~-][\w./@+~-]*\.go|asm_\w+\.s):(\d+): ?(.*)$/
/** Terminal colours (matryer/is prints its `file:line:` in grey). */
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g
/** What a -cover binary prints when it exits through os.Exit (log.Fatal): it was not killed. */
const COVER_EXIT = /^warning: GOCOVERDIR not set, no coverage data emitted$/

/** A `file:line:` report being read: its continuation lines are indented past `indent`. */
interface Candidate extends Printed {
  indent: number
}

interface Instance extends TestCase {
  /** Internal bookkeeping; removed in finish(). */
  _: {
    parent?: Instance
    paused: boolean
    /** A sequential sibling started after it: it finished, its report just was not printed. */
    finished: boolean
    failedChild: boolean
    openChild: boolean
    candidates: Candidate[]
    open?: Candidate
    tail: string[]
    /** The last output line not kept (past the output budget). */
    last?: string
    dropped: number
    bytes: number
  }
}

/** Shared empty arrays: most tests never need their own (a 1 GiB log has 150k tests). */
const NO_LINES: string[] = Object.freeze([]) as unknown as string[]
const NO_CANDIDATES: Candidate[] = Object.freeze([]) as unknown as Candidate[]

const DONE: Instance['_'] = Object.freeze({
  paused: false,
  finished: false,
  failedChild: false,
  openChild: false,
  candidates: NO_CANDIDATES,
  tail: NO_LINES,
  dropped: 0,
  bytes: 0
})

interface PendingReport {
  test: Instance
  action: string
  durationMs?: number
}

function stripIndent(line: string): string {
  return line.startsWith('    ') ? line.slice(4) : line
}

function leadingSpaces(s: string): number {
  let i = 0
  while (i < s.length && s.charCodeAt(i) === 32) i++
  return i
}

/** Removes test2json's ^V framing wherever the log is shown to people. */
export function stripFraming(text: string): string {
  return text.includes(MARKER_CHAR) ? text.split(MARKER_CHAR).join('') : text
}

export class TestLogParser {
  private readonly all: Instance[] = []
  private readonly latest = new Map<string, Instance>()
  private report: PendingReport[] = []
  private testName = ''
  private needMarker = false
  private pkg?: string
  private coverage?: number
  private verdict?: 'PASS' | 'FAIL'
  private panic?: Failure & { test?: string }
  private timedOut?: string
  private readonly dump = new GoroutineDump()
  private sigquit = false
  private lastOutside = ''
  private exitedByCover = false
  private keptBytes = 0
  private readonly profiles = new ProfileCollector()
  private pendingJson = ''

  /** `source`: the checkout the binary was built from, to tell which printed lines failed. */
  constructor(private readonly options: ParseOptions = {}) {}

  /** One line of the log, without its newline (a trailing CR is dropped). */
  push(raw: string): void {
    let line = raw.length > MAX_LINE ? capLine(raw) : raw
    if (line.endsWith('\r')) line = line.slice(0, -1)
    // test2json treats a ^V that does not begin a line as the start of the next one.
    const v = line.indexOf(MARKER_CHAR, 1)
    if (v > 0) {
      let start = 0
      let at = v
      while (at > 0) {
        this.pushLine(line.slice(start, at))
        start = at
        at = line.indexOf(MARKER_CHAR, at + 1)
      }
      this.pushLine(line.slice(start))
      return
    }
    this.pushLine(line)
  }

  private pushLine(line: string): void {
    if (
      line.length > 1 &&
      line.charCodeAt(0) === 123 &&
      line.startsWith('{"') &&
      line.includes('"Action"')
    ) {
      if (this.jsonEvent(line)) return
    }
    this.profiles.push(line)
    this.handle(line)
  }

  /** A `go test -json` event: its output is the binary's text, in pieces. */
  private jsonEvent(line: string): boolean {
    let e: { Action?: string; Package?: string; Output?: string }
    try {
      e = JSON.parse(line) as typeof e
    } catch {
      return false
    }
    if (e.Package) this.pkg = e.Package
    if (e.Action === 'output' && e.Output !== undefined) {
      let text = this.pendingJson + e.Output
      let nl: number
      while ((nl = text.indexOf('\n')) !== -1) {
        this.push(text.slice(0, nl))
        text = text.slice(nl + 1)
      }
      this.pendingJson = text.length > MAX_LINE ? capLine(text) : text
    }
    return true
  }

  private handle(raw: string): void {
    let line = raw
    let sawMarker = false
    if (line.charCodeAt(0) === 0x16) {
      sawMarker = true
      line = line.slice(1)
    }
    if (this.dump.active && this.dump.line(line, sawMarker)) return
    if (line === '') {
      this.output(line)
      return
    }
    if (this.needMarker && !sawMarker) {
      this.output(line)
      return
    }
    if (line === '=== NAME') line = '=== NAME  '
    if (line === 'PASS' || line === 'FAIL' || line.startsWith('FAIL\t')) {
      this.flushReport(0)
      this.testName = ''
      this.needMarker = sawMarker
      this.verdict = line === 'PASS' ? 'PASS' : 'FAIL'
      return
    }
    const c0 = line.charCodeAt(0)
    if (c0 === 61 /* = */ && line.startsWith('=== ')) {
      for (const u of UPDATES) if (line.startsWith(u)) return this.update(line, sawMarker)
    }
    let indent = 0
    let body = line
    if (c0 === 32 || c0 === 45 /* - */) {
      while (body.startsWith('    ')) {
        body = body.slice(4)
        indent++
      }
      if (body.startsWith('--- ')) {
        for (const r of REPORTS)
          if (body.startsWith(r)) return this.reportLine(body, indent, line, sawMarker)
      }
    }
    if (!this.needMarker && !sawMarker) {
      const glued = line.endsWith('s)') ? GLUED_REPORT.exec(line) : null
      if (glued && glued.index > 0 && this.latest.has(glued[2])) {
        this.output(line.slice(0, glued.index))
        return this.reportLine(line.slice(glued.index), 0, line.slice(glued.index), false, true)
      }
    }
    if (indent > 0 && indent <= this.report.length)
      this.testName = this.report[indent - 1].test.name
    this.output(line)
  }

  private update(line: string, sawMarker: boolean): void {
    const rest = line.slice(4)
    const sp = rest.indexOf(' ')
    const action = rest.slice(0, sp).toLowerCase()
    let name = rest.slice(sp + 1).trim()
    if (action === 'artifacts' || action === 'attr') name = name.split(' ')[0]
    this.needMarker = sawMarker
    this.flushReport(0)
    this.testName = name
    if (!name) return
    if (action === 'run') this.run(name)
    else if (action === 'pause') {
      const t = this.latest.get(name)
      if (t && t._ !== DONE) t._.paused = true
    } else if (action === 'cont') {
      const t = this.latest.get(name) ?? this.run(name)
      if (t._ !== DONE) t._.paused = false
    }
  }

  private run(name: string): Instance {
    const slash = name.lastIndexOf('/')
    const parent = slash > 0 ? this.latest.get(name.slice(0, slash)) : undefined
    // A sequential t.Run returns before the next one starts: a sibling still without a result
    // and not paused has finished, its report only not printed yet.
    const prevSibling = this.lastChild.get(parent ?? this.root)
    if (prevSibling && prevSibling.status === 'interrupted' && !prevSibling._.paused)
      prevSibling._.finished = true
    const previous = this.latest.get(name)
    const t: Instance = {
      name,
      package: this.pkg,
      status: 'interrupted',
      output: [],
      // A new test starts from the same blank state a finished one is reset to.
      _: { ...DONE, parent }
    }
    if (previous) t.repetition = (previous.repetition ?? 1) + 1
    this.latest.set(name, t)
    this.lastChild.set(parent ?? this.root, t)
    this.all.push(t)
    return t
  }

  private readonly root = {} as Instance
  private readonly lastChild = new Map<Instance, Instance>()

  private reportLine(
    body: string,
    indent: number,
    origLine: string,
    sawMarker: boolean,
    glued = false
  ): void {
    const colon = body.indexOf(':')
    const action = body.slice(4, colon).toLowerCase()
    let name = body.slice(colon + 1).trim()
    let durationMs: number | undefined
    const paren = name.indexOf(' (')
    if (paren >= 0) {
      if (name.endsWith('s)')) {
        const secs = Number(name.slice(paren + 2, -2))
        if (!Number.isNaN(secs)) durationMs = Math.round(secs * 1000)
      }
      name = name.slice(0, paren)
    }
    if (this.report.length < indent) {
      this.output(origLine)
      return
    }
    if (!glued) this.needMarker = sawMarker
    this.flushReport(indent)
    const test = this.latest.get(name) ?? this.run(name)
    this.report.push({ test, action, durationMs })
    this.testName = name
  }

  private flushReport(depth: number): void {
    this.testName = ''
    while (this.report.length > depth) {
      const r = this.report.pop()!
      this.result(r)
    }
  }

  private result(r: PendingReport): void {
    const t = r.test
    if (r.action === 'bench') return
    t.status = r.action === 'pass' ? 'pass' : r.action === 'fail' ? 'fail' : 'skip'
    if (r.durationMs !== undefined) t.durationMs = r.durationMs
    if (t.status === 'fail' && t._.parent && t._.parent._ !== DONE) t._.parent._.failedChild = true
    const s = t._
    // Only a failure's message needs them.
    if (t.status !== 'fail') {
      s.candidates = NO_CANDIDATES
      s.open = undefined
    }
    // A pass or skip whose output is all in `output` needs no state of its own any more.
    if (
      t.status !== 'fail' &&
      s.tail.length === 0 &&
      s.dropped === 0 &&
      this.keptBytes <= KEEP_OUTPUT_BYTES
    ) {
      t._ = DONE
      return
    }
    if (this.keptBytes <= KEEP_OUTPUT_BYTES) return
    if (t.status !== 'fail') {
      // Nothing of a finished pass or skip is needed any more: share one empty state.
      this.keptBytes -= s.bytes
      if (t.output.length > 0) t.output = []
      t._ = DONE
      return
    }
    // Past the budget, a finished test keeps little: none for a pass or skip, a few lines for a
    // failure (its message and locations are kept apart).
    const keep = t.status === 'fail' ? SMALL_OUTPUT : 0
    if (t.output.length + s.tail.length <= keep) return
    const head = t.output.slice(0, keep)
    const tail = keep > 0 ? [...t.output, ...s.tail].slice(-keep) : NO_LINES
    const bytes = (l: string[]) => l.reduce((n, x) => n + x.length, 0)
    this.keptBytes -= s.bytes
    s.dropped += t.output.length + s.tail.length - head.length - tail.length
    t.output = head
    s.tail = tail
    s.bytes = bytes(head) + bytes(tail)
    this.keptBytes += s.bytes
  }

  private output(line: string): void {
    if (!this.dump.active && line.startsWith('panic: ')) return this.startPanic(line)
    if (line === 'SIGQUIT: quit') {
      this.sigquit = true
      this.dump.startGoroutines()
      return
    }
    const cov = line.startsWith('coverage: ') ? COVERAGE.exec(line) : null
    if (cov) {
      this.coverage = Number(cov[1])
      return
    }
    const t = this.testName ? this.latest.get(this.testName) : undefined
    if (!t) {
      if (line.startsWith('warning: GOCOVERDIR') && COVER_EXIT.test(line)) this.exitedByCover = true
      else if (line.trim()) this.lastOutside = line
      return
    }
    if (line.startsWith('warning: GOCOVERDIR') && COVER_EXIT.test(line)) {
      this.exitedByCover = true
      return
    }
    // A finished pass or skip keeps no late lines (output after its report, before the next
    // marker: not its own).
    if (t._ === DONE) return
    const text = stripIndent(line)
    this.keep(t, text)
    this.locate(t, line)
  }

  private keep(t: Instance, text: string): void {
    const s = t._
    // Past the budget a test will keep few lines when it ends: holding more meanwhile only
    // makes garbage that outlives the young generation.
    const over = this.keptBytes > KEEP_OUTPUT_BYTES
    if (over && t.status === 'interrupted') {
      // Past the budget a running test keeps only its last line (for "its last output" if it is
      // cut off): its failure's message and places are kept apart, and storing lines that a
      // pass then drops made V8's heap grow by ~90 MiB on a 1 GiB log. Output after a failure's
      // report (an Example's got/want) is still kept.
      s.dropped++
      if (text.trim()) s.last = text
      return
    }
    const headLimit = over ? SMALL_OUTPUT : OUTPUT_HEAD
    const tailLimit = over ? SMALL_OUTPUT : OUTPUT_TAIL
    if (t.output.length < headLimit && s.tail.length === 0) {
      t.output.push(text)
    } else {
      if (s.tail === NO_LINES) s.tail = []
      s.tail.push(text)
      if (s.tail.length >= tailLimit * 2) {
        const cut = s.tail.length - tailLimit
        for (let i = 0; i < cut; i++) {
          s.bytes -= s.tail[i].length
          this.keptBytes -= s.tail[i].length
        }
        s.dropped += cut
        s.tail = s.tail.slice(cut)
      }
    }
    s.bytes += text.length
    this.keptBytes += text.length
  }

  /** Follows `file:line:` lines and their continuation: the test's reports, for its failure. */
  private locate(t: Instance, raw: string): void {
    const s = t._
    const line = raw.includes('\u001b[') ? raw.replace(ANSI, '') : raw
    if (s.open) {
      const ind = leadingSpaces(line)
      if (ind >= s.open.indent + 4 || (ind >= s.open.indent && line.charCodeAt(ind) === 9)) {
        if (s.open.lines.length < MAX_MESSAGE_LINES) s.open.lines.push(line.trim())
        return
      }
      s.open = undefined
    }
    const m = line.includes('.go:') || line.includes('.s:') ? FILE_LINE.exec(line) : null
    if (!m || s.candidates.length >= MAX_LOCATIONS) return
    // Continuation lines sit 4 columns right of the margin the testing package printed; a
    // location glued after unterminated output (`progress    x_test.go:3: msg`) had margin 4.
    const c: Candidate = {
      file: m[1],
      line: Number(m[2]),
      indent: line.charCodeAt(0) === 32 ? leadingSpaces(line) : 4,
      lines: [m[3]]
    }
    if (s.candidates === NO_CANDIDATES) s.candidates = []
    s.candidates.push(c)
    s.open = c
  }

  private startPanic(line: string): void {
    const message = line.slice(7).replace(/ \[recovered(, repanicked)?\]$/, '')
    if (message.startsWith('test timed out after ')) {
      this.timedOut = message.slice('test timed out after '.length)
      this.dump.startTimeout()
      return
    }
    if (!this.panic) this.panic = { message, test: this.testName || undefined }
    this.dump.startGoroutines()
  }

  finish(): TestRun {
    if (this.pendingJson) {
      const rest = this.pendingJson
      this.pendingJson = ''
      this.push(rest)
    }
    this.flushReport(0)
    const tests = this.all
    const source = this.options.source ? new SourceIndex(this.options.source) : undefined
    if (this.panic) this.placePanic(source)
    const ending: TestRun['ending'] = this.verdict
      ? undefined
      : this.sigquit
        ? 'sigquit'
        : this.exitedByCover
          ? 'exited'
          : this.timedOut || this.panic
            ? undefined
            : 'killed'
    this.markCutOff()
    for (const t of tests) {
      const s = t._
      if (s.tail.length > 0 || s.dropped > 0) {
        const kept = s.tail.slice(-OUTPUT_TAIL)
        const dropped = s.dropped + s.tail.length - kept.length
        if (dropped > 0) t.output.push(`… ${dropped} lines not kept …`)
        t.output.push(...kept)
      }
      if (t.timedOut) t.status = 'fail'
      if (t.status === 'fail' || t.status === 'interrupted') {
        t.failure = this.failureOf(t, ending, source)
        const own =
          checksOf(t.failure).some((c) => c.how !== 'last-line') ||
          (this.panic?.test === t.name && !s.failedChild)
        if ((s.failedChild || s.openChild) && !own) t.failedByChildren = true
      }
      // Dropped by assignment, not delete: delete turns every test into a slow dictionary object.
      ;(t as { _?: unknown })._ = undefined
    }
    return this.summed(ending)
  }

  /** The panicking test (the leaf, with test2json framing) and where the panic is. */
  private placePanic(source: SourceIndex | undefined): void {
    const panic = this.panic!
    if (panic.test) {
      // With test2json framing the parents' reports come after the panicking subtest's, just
      // before the panic: the panicking test is the failed leaf below the last one reported.
      const lastFailedChild = new Map<Instance, Instance>()
      for (const t of this.all)
        if (t.status === 'fail' && t._.parent) lastFailedChild.set(t._.parent, t)
      let t = this.latest.get(panic.test)
      while (t && lastFailedChild.has(t)) t = lastFailedChild.get(t)
      if (t) panic.test = t.name
    }
    const test = panic.test ?? ''
    const inWorkspace = source && ((file: string) => source.resolve(file, test).length > 0)
    Object.assign(panic, this.dump.panicFrame(test, inWorkspace))
  }

  /** Which of the tests without a result the timeout (or the kill) caught running. */
  private markCutOff(): void {
    const listed = this.dump.runningAtTimeout
    const running = (t: Instance) =>
      listed.size > 0 && this.timedOut ? listed.has(t.name) : !t._.paused && !t._.finished
    for (const t of this.all) {
      if (t.status !== 'interrupted') continue
      if (running(t)) {
        if (t._.parent && t._.parent._ !== DONE) t._.parent._.openChild = true
        if (this.timedOut) t.timedOut = true
      } else {
        t.bystander = true
      }
    }
  }

  private summed(ending: TestRun['ending']): TestRun {
    const tests = this.all
    let passed = 0
    let failed = 0
    let skipped = 0
    let interrupted = 0
    const outcomes = new Map<string, number>()
    for (const t of tests) {
      if (t.status === 'pass') passed++
      else if (t.status === 'fail') failed++
      else if (t.status === 'skip') skipped++
      else interrupted++
      // Only a name that ran more than once can be flaky.
      if (
        (t.status === 'pass' || t.status === 'fail') &&
        (t.repetition || this.latest.get(t.name) !== t)
      )
        outcomes.set(t.name, (outcomes.get(t.name) ?? 0) | (t.status === 'pass' ? 1 : 2))
    }
    const flaky = [...outcomes].filter(([, o]) => o === 3).map(([n]) => n)
    const status =
      failed > 0 || interrupted > 0 || this.panic || this.timedOut || this.verdict !== 'PASS'
        ? 'failed'
        : 'passed'
    const run: TestRun = {
      tests,
      passed,
      failed,
      skipped,
      interrupted,
      coverage: this.coverage,
      panic: this.panic,
      timedOut: this.timedOut,
      verdict: this.verdict,
      status
    }
    if (flaky.length > 0) run.flaky = flaky
    if (ending && tests.length > 0) run.ending = ending
    return run
  }

  /** The cover profile(s) printed into the log (-test.coverprofile=/dev/stdout), merged. */
  profile(): CoverProfile | undefined {
    return this.profiles.finish()
  }

  /** The test's failing checks, the first its failure; without one, how it ended. */
  private failureOf(t: Instance, ending: TestRun['ending'], source?: SourceIndex): Failure {
    const s = t._
    const checks = failingChecks(
      s.candidates,
      { test: t.name, pkg: t.package, source: this.options.source },
      source
    )
    const ended = this.endOf(t, ending)
    if (checks.length > 0) return failureAt(checks, ended)
    if (ended) return ended
    const silent = source && !s.failedChild ? silentFailure(source, t.name) : undefined
    if (silent) return failureAt([silent])
    const last = lastLine(s.candidates)
    if (last) return failureAt([last])
    const lines = t.output.filter((l) => l.trim())
    if (lines.length === 0 && s.last) lines.push(s.last)
    return {
      message:
        lines.length > 0 ? lines.slice(0, MAX_MESSAGE_LINES).join('\n') : 'failed (no message)'
    }
  }

  /** A panic, a timeout or the end of the log while the test ran: what and where. */
  private endOf(t: Instance, ending: TestRun['ending']): Failure | undefined {
    const s = t._
    const at = (
      kind: Failure['kind'],
      message: string,
      where: { file?: string; line?: number }
    ): Failure =>
      where.file
        ? { message, file: where.file, line: where.line, how: 'trace', kind }
        : { message, kind }
    if (this.panic && this.panic.test === t.name)
      return at('panic', `panic: ${this.panic.message}`, this.panic)
    if (t.timedOut)
      return at(
        'timeout',
        `test timed out after ${this.timedOut}`,
        this.dump.testFrame(t.name, !s.openChild)
      )
    if (t.status !== 'interrupted') return undefined
    const last =
      s.last ??
      [...t.output].reverse().find((l) => l.trim() && !l.startsWith('… ')) ??
      (t.name === this.testName ? this.lastOutside : undefined)
    const elsewhere = this.timedOut
      ? `the run timed out after ${this.timedOut} in another test`
      : 'the binary stopped in another test'
    const why = t.bystander
      ? s.finished
        ? `finished, but its result was not printed: ${elsewhere} before its parent ended`
        : s.paused
          ? `paused by t.Parallel, never resumed: ${elsewhere}`
          : `did not finish: ${elsewhere}`
      : ending === 'exited'
        ? 'the binary exited while this test was running (os.Exit, e.g. log.Fatal)'
        : ending === 'sigquit'
          ? 'the binary was stopped with SIGQUIT while this test was running'
          : this.panic
            ? `the binary panicked in ${this.panic.test ?? 'another goroutine'} while this test was running`
            : 'the log ends while this test was running (was the binary killed?)'
    const where =
      ending === 'sigquit' && !t.bystander ? this.dump.testFrame(t.name, !s.openChild) : {}
    return at('interrupted', `${why}${last ? `; its last output: ${last.trim()}` : ''}`, where)
  }
}

/** A failure that is its first check (the others listed), and how the test then ended. */
function failureAt(checks: Check[], ended?: Failure): Failure {
  const first = checks[0]
  const f: Failure = { message: first.message, file: first.file, line: first.line, how: first.how }
  if (first.path) f.path = first.path
  if (checks.length > 1) f.checks = checks
  if (ended) f.ended = ended
  return f
}

export interface ParseOptions {
  /** The checkout the test binary was built from (see failure-source.ts). */
  source?: SourceReader
}

/** Parses a whole log. Lines that are JSON test events are unwrapped to the text they carry. */
export function parseTestLog(text: string, options?: ParseOptions): TestRun {
  const p = new TestLogParser(options)
  for (const line of linesOf(text)) p.push(line)
  return p.finish()
}

/**
 * Parses a log file as a stream (a log over 512 MiB cannot be one JS string), with the cover
 * profile printed in it.
 */
export async function parseTestLogFile(
  path: string,
  options?: ParseOptions
): Promise<{ run: TestRun; profile?: CoverProfile }> {
  const p = new TestLogParser(options)
  await forEachLineOfFile(path, (l) => p.push(l))
  return { run: p.finish(), profile: p.profile() }
}

/** Parses a whole log and the cover profile in it, in one pass. */
export function parseTestLogWithProfile(
  text: string,
  options?: ParseOptions
): { run: TestRun; profile?: CoverProfile } {
  const p = new TestLogParser(options)
  for (const line of linesOf(text)) p.push(line)
  return { run: p.finish(), profile: p.profile() }
}

/**
 * The failures worth showing one by one: leaf failures, parents with a check of their own, and
 * every test a timeout or a kill left without a result, those it caught running first, then the
 * paused or finished-but-unreported ones; a parent that failed or was cut off only through them
 * is left out (see failedThrough).
 */
export function reportableFailures(run: TestRun): TestCase[] {
  const listed = run.tests.filter(
    (t) => (t.status === 'fail' || t.status === 'interrupted') && !t.failedByChildren
  )
  // The causes first: a diagnosis names the first few.
  return [...listed.filter((t) => !t.bystander), ...listed.filter((t) => t.bystander)]
}

/** The tests counted as failed that reportableFailures leaves out: parents of listed ones. */
export function failedThrough(run: TestRun): TestCase[] {
  return run.tests.filter(
    (t) => (t.status === 'fail' || t.status === 'interrupted') && t.failedByChildren
  )
}
