/**
 * The parser against Go itself: every log in __fixtures__/gotest/t2j/logs (real binaries, see
 * capture.sh there) beside `go tool test2json -t` of the same bytes (and of the `FAIL\tpkg` line
 * go test adds after them, as `go test -json` does). Counts, per-test verdicts
 * (name and repetition), failures and the failing location must agree with test2json and with
 * the source (each line a failure is expected at ends with `// want-location`).
 *
 * Where the parser knows more than test2json, on purpose:
 * - a report glued to the end of an output line in plain -test.v (output without a trailing
 *   newline): test2json leaves the test without a result; the parser reads the report;
 * - a test still running at -test.timeout: test2json leaves it without a result; the parser fails
 *   it (`timedOut`), which is what Go's panic says. So `failed + interrupted` equals test2json's
 *   failures plus its tests without a result.
 */
import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {
  parseTestLog,
  parseTestLogFile,
  reportableFailures,
  stripFraming,
  TestLogParser
} from '../../src/results/gotest.js'
import { locateFile } from '../../src/results/locate.js'
import { ByteLineSplitter } from '../../src/results/log-lines.js'
import { checkoutSource } from '../../src/results/source-files.js'
import { checksOf } from '../../src/results/failure-source.js'
import type { TestRun } from '../../src/results/types.js'

const dir = '__fixtures__/gotest/t2j'
const source = fs.readFileSync(`${dir}/src/suite_test.go`, 'utf8').split('\n')
const repoFiles = [
  `${dir}/src/suite_test.go`,
  `${dir}/src/calc.go`,
  '__fixtures__/gotest/src/calc_test.go'
]
const logs = fs
  .readdirSync(`${dir}/logs`)
  .filter((f) => f.endsWith('.txt'))
  .sort()

interface T2JTest {
  name: string
  rep: number
  verdict?: 'pass' | 'fail' | 'skip'
  paused: boolean
  finished: boolean
  parent?: T2JTest
}

/** test2json's verdicts, one per run of a test, and the package's final action. */
function reference(json: string) {
  const tests: T2JTest[] = []
  const latest = new Map<string, T2JTest>()
  const lastChild = new Map<string, T2JTest>()
  let pkg: string | undefined
  const run = (name: string) => {
    const slash = name.lastIndexOf('/')
    const parent = slash > 0 ? latest.get(name.slice(0, slash)) : undefined
    const key = parent ? `${parent.name}#${parent.rep}` : ''
    const prev = lastChild.get(key)
    if (prev && !prev.verdict && !prev.paused) prev.finished = true
    const t: T2JTest = {
      name,
      rep: (latest.get(name)?.rep ?? 0) + 1,
      paused: false,
      finished: false,
      parent
    }
    latest.set(name, t)
    lastChild.set(key, t)
    tests.push(t)
    return t
  }
  for (const line of json.split('\n').filter(Boolean)) {
    const e = JSON.parse(line) as { Action: string; Test?: string }
    if (!e.Test) {
      if (e.Action === 'pass' || e.Action === 'fail') pkg = e.Action
      continue
    }
    if (e.Action === 'run') run(e.Test)
    else if (e.Action === 'pause') latest.get(e.Test)!.paused = true
    else if (e.Action === 'cont') (latest.get(e.Test) ?? run(e.Test)).paused = false
    else if (e.Action === 'pass' || e.Action === 'fail' || e.Action === 'skip')
      (latest.get(e.Test) ?? run(e.Test)).verdict = e.Action
  }
  return { tests, pkg }
}

const key = (name: string, rep: number) => `${name}#${rep}`

function check(file: string, r: TestRun) {
  const text = fs.readFileSync(`${dir}/logs/${file}`, 'utf8')
  const ref = reference(fs.readFileSync(`${dir}/logs/${file.replace(/\.txt$/, '.json')}`, 'utf8'))
  const plain = !file.includes('-t2j-')
  const glued = (name: string) =>
    plain &&
    text.split('\n').some((l) => !l.startsWith('--- ') && l.includes(`--- PASS: ${name} (`))

  // Every run of every test, with test2json's verdict.
  const ours = new Map(r.tests.map((t) => [key(t.name, t.repetition ?? 1), t]))
  expect([...ours.keys()].sort()).toEqual(ref.tests.map((t) => key(t.name, t.rep)).sort())
  for (const t of ref.tests) {
    const p = ours.get(key(t.name, t.rep))!
    const want = t.verdict ?? (glued(t.name) ? 'pass' : p.timedOut ? 'fail' : 'interrupted')
    expect({ test: key(t.name, t.rep), status: p.status }).toEqual({
      test: key(t.name, t.rep),
      status: want
    })
  }
  const n = (v?: string) => ref.tests.filter((t) => t.verdict === v).length
  const gluedPasses = ref.tests.filter((t) => !t.verdict && glued(t.name)).length
  expect(r.passed).toBe(n('pass') + gluedPasses)
  expect(r.skipped).toBe(n('skip'))
  expect(r.failed + r.interrupted).toBe(n('fail') + n(undefined) - gluedPasses)
  expect(r.status).toBe(ref.pkg === 'pass' ? 'passed' : 'failed')
  if (text.split('\n').some((l) => ['PASS', 'FAIL'].includes(l.replace('\u0016', ''))))
    expect(r.verdict?.toLowerCase()).toBe(ref.pkg)

  // Failures: the failing leaves, and every test left without a result but a parent cut off
  // through a running subtest.
  const open = ref.tests.filter((t) => !t.verdict && !glued(t.name))
  const failingChild = new Set(
    ref.tests.filter((t) => t.verdict === 'fail' && t.parent).map((t) => t.parent)
  )
  const openChild = new Set(
    open.filter((t) => !t.paused && !t.finished && t.parent).map((t) => t.parent)
  )
  const expected = [
    ...ref.tests.filter((t) => t.verdict === 'fail' && !failingChild.has(t)),
    ...open.filter((t) => !openChild.has(t))
  ]
  const reportable = reportableFailures(r)
  expect(reportable.map((t) => key(t.name, t.repetition ?? 1)).sort()).toEqual(
    expected.map((t) => key(t.name, t.rep)).sort()
  )

  // Flaky: failed in one repetition, passed in another.
  const outcomes = new Map<string, Set<string>>()
  for (const t of ref.tests)
    if (t.verdict) outcomes.set(t.name, (outcomes.get(t.name) ?? new Set()).add(t.verdict))
  const flaky = [...outcomes].filter(([, o]) => o.has('pass') && o.has('fail')).map(([k]) => k)
  expect(r.flaky ?? []).toEqual(flaky)

  // Where: the line of the source the failure is at, whatever path form the binary printed.
  for (const t of reportable) {
    const f = t.failure!
    const located =
      !t.name.startsWith('Example') &&
      !(t.status === 'interrupted' && (r.ending !== 'sigquit' || t.bystander))
    if (!located) {
      expect({ test: t.name, file: f.file }).toEqual({ test: t.name, file: undefined })
      continue
    }
    expect({ test: t.name, file: f.file ?? 'none' }).toEqual({
      test: t.name,
      file: expect.stringMatching(/suite_test\.go$/)
    })
    expect(locateFile(f.file!, repoFiles, 'example.com/t2j')).toBe(`${dir}/src/suite_test.go`)
    for (const at of [{ file: f.file!, line: f.line! }, ...checksOf(f)])
      expect({ test: t.name, source: source[at.line - 1] }).toEqual({
        test: t.name,
        source: expect.stringMatching(/\/\/ want-location/)
      })
  }
  return reportable
}

describe('the parser agrees with go tool test2json on every captured log', () => {
  it('has the logs of both Go versions, both path forms and both -test.v modes', () => {
    expect(logs.length).toBe(48)
    for (const v of ['go1.26-plain-v', 'go1.26-trimpath-t2j', 'go1.19-trimpath-v'])
      expect(logs.filter((l) => l.startsWith(v)).length).toBe(8)
  })

  // eslint-disable-next-line jest/expect-expect -- check() asserts
  it.each(logs)('%s', (file) => {
    check(file, parseTestLog(fs.readFileSync(`${dir}/logs/${file}`, 'utf8')))
  })

  // With the source every failing check is found there, at a `// want-location` line.
  it.each(logs)('%s, with the source', (file) => {
    const source = checkoutSource('.', repoFiles)
    const r = parseTestLog(fs.readFileSync(`${dir}/logs/${file}`, 'utf8'), { source })
    const reportable = check(file, r)
    const checks = reportable.flatMap((t) => checksOf(t.failure))
    expect(checks.every((c) => c.how === 'source' && c.path === `${dir}/src/suite_test.go`)).toBe(
      true
    )
    // The main run's twelve failing calls (TestTwoErrors has two), none of its logs.
    const want = (n: number) => (file.includes('-main') ? 12 : n)
    expect(checks.length).toBe(want(checks.length))
  })

  // eslint-disable-next-line jest/expect-expect -- check() asserts
  it.each(logs.filter((l) => l.includes('-main') || l.includes('-timeout')))(
    '%s, streamed from the file',
    async (file) => {
      const { run } = await parseTestLogFile(`${dir}/logs/${file}`)
      check(file, run)
    }
  )
})

describe('the shapes the issue lists, on captured logs', () => {
  const parse = (f: string) => parseTestLog(fs.readFileSync(`${dir}/logs/${f}`, 'utf8'))
  const failure = (r: TestRun, name: string, rep = 1) =>
    r.tests.find((t) => t.name === name && (t.repetition ?? 1) === rep)!.failure!

  it.each(['go1.26-plain-v-main.txt', 'go1.26-trimpath-t2j-main.txt', 'go1.19-plain-v-main.txt'])(
    '%s: assertion lines, not log lines; every location; whole Example messages',
    (f) => {
      const r = parse(f)
      expect(failure(r, 'TestLogThenError')).toMatchObject({
        line: 22,
        message: 'Add(2, 2) = 4, want 5'
      })
      expect(failure(r, 'TestErrorThenLog')).toMatchObject({ line: 67 })
      expect(checksOf(failure(r, 'TestTwoErrors')).map((l) => l.line)).toEqual([74, 75])
      expect(failure(r, 'TestMultiLine').message).toBe('response differs:\ngot: {a:1}\nwant: {a:2}')
      expect(failure(r, 'TestTestifyLike')).toMatchObject({
        file: expect.stringMatching(/suite_test\.go$/),
        line: 62,
        message: 'Not equal:\nexpected: "active"\nactual  : "draft"\nthe status should match'
      })
      expect(failure(r, 'TestNoNewlineFail')).toMatchObject({ line: 84 })
      expect(failure(r, 'Example_bad').message).toBe(
        'got:\nline one\nline two\nline three\nwant:\nline one\nline 2\nline three'
      )
      expect(r.tests.find((t) => t.name === 'TestNoNewlinePass')?.status).toBe('pass')
      expect(
        r.tests.find((t) => t.name === 'TestParentFailsOnlyThroughChild')?.failedByChildren
      ).toBe(true)
    }
  )

  it('counts -test.count=3 run by run and names the flaky test', () => {
    const r = parse('go1.26-plain-v-count.txt')
    expect(r.tests.filter((t) => t.name === 'TestFlaky').map((t) => t.status)).toEqual([
      'pass',
      'fail',
      'pass'
    ])
    expect(r.flaky).toEqual(['TestFlaky'])
    expect(failure(r, 'TestFlaky', 2)).toMatchObject({ line: 120 })
  })

  it.each(['go1.26-plain-v-timeout.txt', 'go1.19-trimpath-v-timeout.txt'])(
    '%s: the subtest running at the timeout fails at its own frame; paused and finished ones are listed as cut off',
    (f) => {
      const r = parse(f)
      expect(r.timedOut).toBe('1s')
      expect(
        reportableFailures(r).map((t) => [t.name, t.failure?.message, t.failure?.line])
      ).toEqual([
        ['TestTimeout/group/stuck', 'test timed out after 1s', 171],
        [
          'TestTimeout/fast',
          'finished, but its result was not printed: the run timed out after 1s in another test before its parent ended',
          undefined
        ],
        [
          'TestTimeout/group/waiting',
          'paused by t.Parallel, never resumed: the run timed out after 1s in another test',
          undefined
        ]
      ])
      expect(r.tests.find((t) => t.name === 'TestTimeout/group/waiting')).toMatchObject({
        status: 'interrupted',
        bystander: true
      })
    }
  )

  it('a killed run reports the running leaf only, like a timeout', () => {
    const r = parse('go1.26-plain-v-sigkill.txt')
    expect(r.ending).toBe('killed')
    expect(reportableFailures(r).map((t) => t.name)).toEqual(['TestSlow/sleeps'])
    expect(reportableFailures(r)[0].failure?.message).toBe(
      'the log ends while this test was running (was the binary killed?); its last output: suite_test.go:178: starting a long operation'
    )
  })

  it('log.Fatal: the binary exited, with its real last line', () => {
    const r = parse('go1.26-plain-v-logfatal.txt')
    expect(r.ending).toBe('exited')
    expect(reportableFailures(r)[0].failure?.message).toMatch(
      /^the binary exited while this test was running \(os\.Exit, e\.g\. log\.Fatal\); its last output: \d{4}\/\d\d\/\d\d [\d:]+ cannot reach the database: connection refused$/
    )
  })

  it('panics are located at the test frame, with -trimpath module paths too', () => {
    const r = parse('go1.26-trimpath-v-panic.txt')
    expect(r.panic).toMatchObject({
      test: 'TestPanic',
      file: 'example.com/t2j/suite_test.go',
      line: 151
    })
  })
})

describe('streaming pieces', () => {
  it('strips the ^V framing for display', () => {
    expect(stripFraming('\u0016=== RUN   TestA\nout\u0016--- PASS: TestA (0.00s)\n')).toBe(
      '=== RUN   TestA\nout--- PASS: TestA (0.00s)\n'
    )
  })

  it('splits bytes at newlines and before a ^V inside a line, across chunk borders', () => {
    const text = fs.readFileSync(`${dir}/logs/go1.26-plain-t2j-main.txt`)
    const expected: string[] = []
    new ByteLineSplitter((l) => expected.push(l)).push(text)
    for (const size of [1, 2, 3, 7, 64]) {
      const got: string[] = []
      const s = new ByteLineSplitter((l) => got.push(l))
      for (let i = 0; i < text.length; i += size) s.push(text.subarray(i, i + size))
      s.end()
      expect(got).toEqual(expected)
    }
    expect(expected).toContain('progress: 50%')
    expect(expected).toContain('\u0016--- PASS: TestNoNewlinePass (0.00s)')
  })

  it('cuts an endless line to its head and tail, keeping a glued report', () => {
    const got: string[] = []
    const s = new ByteLineSplitter((l) => got.push(l))
    s.push(Buffer.from('=== RUN   TestBig\n'))
    for (let i = 0; i < 100; i++) s.push(Buffer.alloc(10_000, 'x'))
    s.push(Buffer.from('--- PASS: TestBig (0.00s)\nPASS\n'))
    expect(got.length).toBe(3)
    expect(got[1].length).toBeLessThan(70_000)
    expect(got[1]).toMatch(/ … \[\d+ bytes cut\] … x+--- PASS: TestBig \(0\.00s\)$/)
    const p = new TestLogParser()
    got.forEach((l) => p.push(l))
    expect(p.finish()).toMatchObject({ passed: 1, status: 'passed' })
  })

  it('past its output budget keeps messages and last lines, not every line', () => {
    const p = new TestLogParser()
    const noise = 'x'.repeat(1000)
    // 10 MiB of passing output fills the budget (8 MiB).
    for (let i = 0; i < 100; i++) {
      p.push(`=== RUN   TestFill${i}`)
      for (let j = 0; j < 100; j++) p.push(`    ${noise}`)
      p.push(`--- PASS: TestFill${i} (0.00s)`)
    }
    p.push('=== RUN   TestLate')
    for (let j = 0; j < 200; j++) p.push(`    ${noise} ${j}`)
    p.push('    late_test.go:9: got 1, want 2')
    p.push('--- FAIL: TestLate (0.00s)')
    p.push('=== RUN   TestCut')
    p.push('    still working')
    const r = p.finish()
    const late = r.tests.find((t) => t.name === 'TestLate')!
    expect(late.failure).toMatchObject({ file: 'late_test.go', line: 9, message: 'got 1, want 2' })
    expect(late.output.length).toBeLessThan(12)
    expect(r.tests.find((t) => t.name === 'TestCut')?.failure?.message).toMatch(
      /its last output: still working$/
    )
    expect(r.tests.find((t) => t.name === 'TestFill99')?.output).toEqual([])
  })

  it('parses a file the same as its text', async () => {
    const file = path.join(dir, 'logs', 'go1.26-plain-t2j-count.txt')
    const { run } = await parseTestLogFile(file)
    expect(run).toEqual(parseTestLog(fs.readFileSync(file, 'utf8')))
  })
})
