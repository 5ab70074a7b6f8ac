/**
 * Where each failure is, on real Go 1.26 logs whose tests are in __fixtures__/gotest/locate/src
 * (capture.sh there built them with and without -trimpath and ran them with -test.v and
 * -test.v=test2json): one test per way the last line misleads. Each runs with the source tree,
 * where every failure and every annotation must be at the failing call, and without it, where the
 * fallback is the output's own marks (testify's Error Trace, want/got text), then the last line.
 */
import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { failedThrough, parseTestLog, reportableFailures } from '../../src/results/gotest.js'
import { checkoutSource } from '../../src/results/source-files.js'
import { checksOf } from '../../src/results/failure-source.js'
import { locateFile } from '../../src/results/locate.js'
import type { TestRun } from '../../src/results/types.js'
import { annotations, type RunReport } from '../../src/report/report.js'

const dir = '__fixtures__/gotest/locate'
const src = `${dir}/src`
// As the action sees them: repository paths, read from the repository's root.
const files = [
  ...fs.readdirSync(src).filter((f) => f.endsWith('.go')),
  'internal/testutil/testutil.go'
].map((f) => `${src}/${f}`)
const source = checkoutSource('.', files)
const builds = ['plain-v', 'plain-t2j', 'trimpath-v', 'trimpath-t2j']

const parse = (log: string, withSource: boolean) =>
  parseTestLog(fs.readFileSync(`${dir}/logs/${log}.txt`, 'utf8'), withSource ? { source } : {})

/**
 * The number of the one source line that holds `snippet` (or is it, trimmed, for `=snippet`):
 * where a failure must be. `nth` picks one of several.
 */
function lineOf(file: string, snippet: string, nth?: number): number {
  const lines = fs.readFileSync(`${src}/${file}`, 'utf8').split('\n')
  const exact = snippet.startsWith('=')
  const hit = (l: string) => (exact ? l.trim() === snippet.slice(1) : l.includes(snippet))
  const hits = lines.flatMap((l, i) => (hit(l) ? [i + 1] : []))
  if (nth !== undefined) return hits[nth]
  if (hits.length !== 1) throw new Error(`${snippet} is on ${hits.length} lines of ${file}`)
  return hits[0]
}

/** Each listed failure: test, repository file, line, how found and message; then its checks. */
function located(r: TestRun) {
  const where = (c: { file?: string; line?: number; path?: string }) =>
    c.path ?? (c.file ? locateFile(c.file, files) : undefined)
  return reportableFailures(r).map((t) => {
    const f = t.failure!
    return {
      test: t.name,
      at: [where(f)?.replace(`${src}/`, ''), f.line, f.how],
      message: f.message,
      checks: checksOf(f).map((c) => [where(c)?.replace(`${src}/`, ''), c.line, c.how])
    }
  })
}

function annotated(r: TestRun) {
  const report: RunReport = {
    status: 'failed',
    headline: '',
    details: [],
    run: r,
    durationMs: 0,
    timings: [],
    locate: (printed, pkg) => locateFile(printed, files, pkg)
  }
  const { shown, omitted } = annotations(report)
  return {
    shown: shown.map((a) => [
      a.properties.title,
      a.properties.file?.replace(`${src}/`, ''),
      a.properties.startLine,
      a.message
    ]),
    omitted
  }
}

const one = (file: string, snippet: string, how = 'source') => [file, lineOf(file, snippet), how]

describe.each(builds)('%s: logs before and after the failing check', (build) => {
  it('with the source: at the failing call, with its message', () => {
    const r = parse(`${build}-logs`, true)
    expect(located(r)).toEqual([
      {
        test: 'TestLogAroundCheck',
        at: one('logs_test.go', 't.Errorf("Validate('),
        message: 'Validate("o-1") = nil, want an error for an order without items',
        checks: [one('logs_test.go', 't.Errorf("Validate(')]
      },
      {
        // Logs that read like assertions around it; the call spans four lines.
        test: 'TestLogsReadLikeChecks',
        at: one('logs_test.go', '=t.Errorf('),
        message: 'Total([1 2]) = 3, want 4',
        checks: [one('logs_test.go', '=t.Errorf(')]
      },
      {
        // The helper logs, then fails: both lines at its call.
        test: 'TestHelperLogsThenFails',
        at: one('logs_test.go', 'expectStatus(t, "draft"'),
        message: 'status = "draft", want "active"',
        checks: [one('logs_test.go', 'expectStatus(t, "draft"')]
      },
      {
        test: 'TestFatalAfterLogs',
        at: one('logs_test.go', 't.Fatalf("Dial('),
        message: 'Dial(""): dial "": connection refused\nis the order service up?',
        checks: [one('logs_test.go', 't.Fatalf("Dial(')]
      },
      {
        // f.t.<newline>Errorf(…): Go reports the line of Errorf.
        test: 'TestOtherReceiver',
        at: one('logs_test.go', 'Errorf("fixture:'),
        message: 'fixture: status = "draft", want "active"',
        checks: [one('logs_test.go', 'Errorf("fixture:')]
      },
      {
        test: 'TestParentLogsChildFails/child',
        at: one('logs_test.go', 't.Error("child: status is draft")'),
        message: 'child: status is draft',
        checks: [one('logs_test.go', 't.Error("child: status is draft")')]
      },
      {
        // No line printed for t.Fail(): the one such call in the test.
        test: 'TestFailWithoutMessage',
        at: one('logs_test.go', 't.Fail()'),
        message: 't.Fail() (no message)',
        checks: [one('logs_test.go', 't.Fail()')]
      },
      {
        // A helper of another package (internal/testutil) that calls t.Helper().
        test: 'TestSharedHelper',
        at: one('logs_test.go', 'testutil.MustEqual('),
        message: 'got 4, want 5',
        checks: [one('logs_test.go', 'testutil.MustEqual(')]
      },
      {
        // A helper the test defines inside itself (check := func(…)).
        test: 'TestLocalHelper',
        at: one('logs_test.go', 'check(Total([]int{1, 1}), 3)'),
        message: 'check: got 2, want 3',
        checks: [one('logs_test.go', 'check(Total([]int{1, 1}), 3)')]
      }
    ])
    // The parent only logged: it failed through its subtest, and says so.
    expect(failedThrough(r).map((t) => t.name)).toEqual(['TestParentLogsChildFails'])
    expect(annotated(r)).toEqual({
      shown: located(r).map((f) => [`${f.test} failed`, f.at[0], f.at[1], f.message]),
      omitted: 0
    })
  })

  it('without the source: the first want/got-looking line, else the last line, and says so', () => {
    const r = parse(`${build}-logs`, false)
    const log = (snippet: string, how: string) => one('logs_test.go', snippet, how)
    expect(located(r).map((f) => [f.test, f.at, f.checks.length])).toEqual([
      ['TestLogAroundCheck', log('t.Errorf("Validate(', 'trace'), 1],
      // "expected state …" reads like a check: without the source, nothing tells it apart.
      ['TestLogsReadLikeChecks', log('t.Logf("expected state', 'trace'), 3],
      ['TestHelperLogsThenFails', log('expectStatus(t, "draft"', 'trace'), 1],
      ['TestFatalAfterLogs', log('t.Fatalf("Dial(', 'last-line'), 1],
      ['TestOtherReceiver', log('Errorf("fixture:', 'trace'), 1],
      ['TestParentLogsChildFails/child', log('t.Log("child: done")', 'last-line'), 1],
      ['TestFailWithoutMessage', log('t.Log("marked failed")', 'last-line'), 1],
      ['TestSharedHelper', log('testutil.MustEqual(', 'trace'), 1],
      ['TestLocalHelper', log('check(Total([]int{1, 1}), 3)', 'trace'), 1]
    ])
    // An annotation at a last line says that it is only that.
    expect(annotated(r).shown[3]).toEqual([
      'TestFatalAfterLogs failed (its last output line: the failing check is not known)',
      'logs_test.go',
      lineOf('logs_test.go', 't.Fatalf("Dial('),
      'Dial(""): dial "": connection refused\nis the order service up?'
    ])
  })
})

describe.each(builds)('%s: several failed checks in one test', (build) => {
  const trimmed = build.startsWith('trimpath')
  // matryer/is reads the source at run time for its comment: not there with -trimpath.
  const isFirst = trimmed ? '1 != 2' : '1 != 2 // the total of one item'
  const isSecond = trimmed ? 'not true:' : 'not true: Validate(Order{ID: "o-3"}) != nil'

  it.each([true, false])(
    'every check, the first as the failure (with the source: %s)',
    (withSource) => {
      const r = parse(`${build}-checks`, withSource)
      const how = withSource ? 'source' : 'trace'
      const c = (snippet: string) => one('checks_test.go', snippet, how)
      const checks = [
        [c('t.Errorf("Total(nil)'), c('t.Error("Total([2]) != 3")')],
        [c('assert.Equal(t, "active"'), c('assert.Len('), c('require.NoError(t,')],
        [c('s.Equal(3'), c('s.Require().NoError(')],
        // Without the source, is's bare `not true:` (-trimpath) is not marked as a check.
        withSource || !trimmed ? [c('is.Equal('), c('is.True(')] : [c('is.Equal(')],
        // gomega: Go reports the line of .To(, below g.Expect(.
        [c('To(Equal(4)')],
        [c('c.Check(Total(nil)'), c('c.Assert(Validate(')]
      ]
      expect(located(r)).toEqual(
        [
          ['TestTwoChecks', 'Total(nil) = 0, want 1'],
          [
            'TestTestifyChecks',
            'Not equal:\nexpected: "active"\nactual  : "draft"\nDiff:\n--- Expected\n+++ Actual\n@@ -1 +1 @@\n-active\n+draft\nstatus after submit'
          ],
          ['TestOrderSuite/TestSuiteChecks', 'Not equal:\nexpected: 3\nactual  : 2'],
          ['TestIsChecks', isFirst],
          ['TestGomegaChecks', 'the total of two items\nExpected\n<int>: 3\nto equal\n<int>: 4'],
          [
            // quicktest prints the call's source, or why it could not (-trimpath).
            'TestQuicktestChecks',
            expect.stringMatching(
              /^error:\nvalues are not equal\ngot:\nint\(0\)\nwant:\nint\(1\)\nstack:\n\S+checks_test\.go:\d+\n/
            )
          ]
        ].map(([test, message], i) => ({ test, at: checks[i][0], message, checks: checks[i] }))
      )
      const all = r.tests.flatMap((t) => checksOf(t.failure)).map((k) => k.message)
      expect(all).toContain(
        'Received unexpected error:\norder has no ID\nan order without ID should validate'
      )
      expect(all.includes(isSecond)).toBe(withSource || !trimmed)
    }
  )

  it('annotates every check: the first of each test before the second of any, 10 at most', () => {
    // This log and the logs class's, as one run: 15 failed tests, 21 checks.
    const text = ['logs', 'checks']
      .map((c) => fs.readFileSync(`${dir}/logs/${build}-${c}.txt`, 'utf8'))
      .join('\n')
    const r = parseTestLog(text, { source })
    const { shown, omitted } = annotated(r)
    expect(shown.map((a) => a[0])).toEqual([
      'TestLogAroundCheck failed',
      'TestLogsReadLikeChecks failed',
      'TestHelperLogsThenFails failed',
      'TestFatalAfterLogs failed',
      'TestOtherReceiver failed',
      'TestParentLogsChildFails/child failed',
      'TestFailWithoutMessage failed',
      'TestSharedHelper failed',
      'TestLocalHelper failed',
      'TestTwoChecks failed (check 1 of 2)'
    ])
    expect(omitted).toBe(11)
    // On the checks' log alone: every first check, then the second ones while there is room.
    const checks = annotated(parse(`${build}-checks`, true))
    expect(checks.omitted).toBe(2)
    expect(checks.shown.map((a) => [a[0], a[2]])).toEqual([
      ['TestTwoChecks failed (check 1 of 2)', lineOf('checks_test.go', 't.Errorf("Total(nil)')],
      [
        'TestTestifyChecks failed (check 1 of 3)',
        lineOf('checks_test.go', 'assert.Equal(t, "active"')
      ],
      [
        'TestOrderSuite/TestSuiteChecks failed (check 1 of 2)',
        lineOf('checks_test.go', 's.Equal(3')
      ],
      ['TestIsChecks failed (check 1 of 2)', lineOf('checks_test.go', 'is.Equal(')],
      ['TestGomegaChecks failed', lineOf('checks_test.go', 'To(Equal(4)')],
      ['TestQuicktestChecks failed (check 1 of 2)', lineOf('checks_test.go', 'c.Check(Total(nil)')],
      ['TestTwoChecks failed (check 2 of 2)', lineOf('checks_test.go', 't.Error("Total([2])')],
      ['TestTestifyChecks failed (check 2 of 3)', lineOf('checks_test.go', 'assert.Len(')],
      [
        'TestOrderSuite/TestSuiteChecks failed (check 2 of 2)',
        lineOf('checks_test.go', 's.Require().NoError(')
      ],
      ['TestIsChecks failed (check 2 of 2)', lineOf('checks_test.go', 'is.True(')]
    ])
    expect(checks.shown.every((a) => a[1] === 'checks_test.go')).toBe(true)
  })
})

describe.each(builds)('%s: t.Fatalf in a goroutine, then more logs', (build) => {
  it('with the source: at the t.Fatalf, also when Go prints a runtime frame for it', () => {
    const r = parse(`${build}-goroutine`, true)
    expect(located(r)).toEqual([
      {
        test: 'TestFatalInGoroutine',
        at: one('goroutine_test.go', 't.Fatalf("worker:'),
        message: 'worker: Validate: order has no ID',
        checks: [one('goroutine_test.go', 't.Fatalf("worker:')]
      },
      {
        // Go prints `asm_amd64.s:1771:` (the goroutine is all helper): found by its message.
        test: 'TestFatalInHelperGoroutine',
        at: one('helpers_test.go', 't.Fatalf("queue length'),
        message: 'queue length = 3, want 0',
        checks: [one('helpers_test.go', 't.Fatalf("queue length')]
      }
    ])
    expect(annotated(r).shown.map((a) => [a[1], a[2]])).toEqual([
      ['goroutine_test.go', lineOf('goroutine_test.go', 't.Fatalf("worker:')],
      ['helpers_test.go', lineOf('helpers_test.go', 't.Fatalf("queue length')]
    ])
  })

  it('without the source: the last line, and a runtime frame that maps to no file', () => {
    const r = parse(`${build}-goroutine`, false)
    expect(located(r).map((f) => [f.test, f.at])).toEqual([
      ['TestFatalInGoroutine', one('goroutine_test.go', 't.Log("cleaning up")', 'last-line')],
      ['TestFatalInHelperGoroutine', [undefined, 1771, 'trace']]
    ])
    expect(annotated(r).shown[1]).toEqual([
      'TestFatalInHelperGoroutine failed',
      undefined,
      undefined,
      'queue length = 3, want 0'
    ])
  })
})

describe.each(builds)('%s: a run cut short', (build) => {
  const t2j = build.endsWith('t2j')
  const cut = ['TestCut/group/checked']
  // Plain -test.v prints a subtest's result when its parent ends: `done` never got one.
  const listed = [...(t2j ? [] : ['TestCut/done']), 'TestCut/group/paused', ...cut]

  it.each([
    ['timeout', 'test timed out after 1s'],
    [
      'sigkill',
      'the log ends while this test was running (was the binary killed?); its last output: cut_test.go:20: waiting for the queue'
    ]
  ])('by %s: every open test listed, counts and list agree', (how, ended) => {
    for (const withSource of [true, false]) {
      const r = parse(`${build}-${how}`, withSource)
      const list = reportableFailures(r)
      expect(list.map((t) => t.name).sort()).toEqual([...listed].sort())
      expect(failedThrough(r).map((t) => t.name)).toEqual(['TestCut', 'TestCut/group'])
      expect(list.length + failedThrough(r).length).toBe(r.failed + r.interrupted)
      // The test that failed a check and then hung: its check, then how it ended.
      const checked = list.find((t) => t.name === 'TestCut/group/checked')!.failure!
      expect(checked).toMatchObject({
        line: lineOf('cut_test.go', 't.Errorf("status'),
        how: withSource ? 'source' : 'trace',
        message: 'status = "draft", want "active"',
        ended: { message: ended }
      })
      // Where it hung: the second time.Sleep of the file (the first is paused's); a kill says not.
      expect(checked.ended?.line).toBe(
        how === 'timeout' ? lineOf('cut_test.go', 'time.Sleep(time.Hour)', 1) : undefined
      )
      const paused = list.find((t) => t.name === 'TestCut/group/paused')!
      expect(paused.failure?.message).toMatch(/^paused by t\.Parallel, never resumed: /)
      const { shown } = annotated(r)
      expect(shown.map((a) => [a[0], a[2]])).toEqual([
        ['TestCut/group/checked failed', lineOf('cut_test.go', 't.Errorf("status')],
        ...listed.filter((n) => !cut.includes(n)).map((n) => [`${n} was interrupted`, undefined]),
        how === 'timeout'
          ? ['TestCut/group/checked timed out', checked.ended?.line]
          : ['TestCut/group/checked was cut off', undefined]
      ])
    }
  })
})

describe.each(builds)('%s: a panic in a goroutine', (build) => {
  it.each([true, false])(
    "is at that goroutine's first frame in the user's code (with the source: %s)",
    (withSource) => {
      for (const [log, file, snippet] of [
        ['panic', 'store.go', 'cache["orders"] = 1'],
        ['panic-in-test', 'panic_test.go', 'seen["o-1"] = true']
      ]) {
        const r = parse(`${build}-${log}`, withSource)
        expect(located(r)).toEqual([
          {
            test: log === 'panic' ? 'TestGoroutinePanic' : 'TestGoroutinePanicInTest',
            at: one(file, snippet, 'trace'),
            message: 'panic: assignment to entry in nil map',
            checks: []
          }
        ])
        expect(annotated(r).shown).toEqual([
          [
            `${log === 'panic' ? 'TestGoroutinePanic' : 'TestGoroutinePanicInTest'} panicked`,
            file,
            lineOf(file, snippet),
            'panic: assignment to entry in nil map'
          ]
        ])
      }
    }
  )
})

describe('a checkout that is not exactly the binary’s', () => {
  /** The fixture's source copied into a temporary checkout, changed by `edit`. */
  function checkout(edit: (root: string) => void): { root: string; files: string[] } {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ict-locate-'))
    fs.cpSync(src, path.join(root, 'svc'), { recursive: true })
    edit(root)
    const list = (dir: string): string[] =>
      fs
        .readdirSync(path.join(root, dir), { withFileTypes: true })
        .flatMap((e) =>
          e.isDirectory()
            ? list(`${dir}/${e.name}`)
            : e.name.endsWith('.go')
              ? [`${dir}/${e.name}`.replace(/^\.\//, '')]
              : []
        )
    return { root, files: list('.') }
  }

  it('picks, among files of the same name, the one whose line is the failing call', () => {
    // Another package's logs_test.go, logging on every line: the base name alone is ambiguous.
    const { root, files } = checkout((r) => {
      fs.mkdirSync(path.join(r, 'a'))
      const decoy = Array.from({ length: 120 }, (_, i) => `\tt.Log("line ${i + 1}")`)
      fs.writeFileSync(path.join(r, 'a/logs_test.go'), decoy.join('\n'))
    })
    const r = parseTestLog(fs.readFileSync(`${dir}/logs/plain-v-logs.txt`, 'utf8'), {
      source: checkoutSource(root, files)
    })
    const failures = reportableFailures(r).map((t) => t.failure!)
    expect(failures.map((f) => f.how)).toEqual(Array(9).fill('source'))
    expect(new Set(failures.map((f) => f.path))).toEqual(new Set(['svc/logs_test.go']))
  })

  it('claims no failing call where the line holds another call (the source of another commit)', () => {
    // Two lines added at the top: every printed line now points at the line above its call.
    const { root, files } = checkout((r) => {
      const file = path.join(r, 'svc/logs_test.go')
      fs.writeFileSync(file, `// added\n// lines\n${fs.readFileSync(file, 'utf8')}`)
    })
    const withOld = parseTestLog(fs.readFileSync(`${dir}/logs/plain-v-logs.txt`, 'utf8'), {
      source: checkoutSource(root, files)
    })
    const without = parse('plain-v-logs', false)
    const brief = (run: TestRun) =>
      reportableFailures(run).map((t) => [t.name, t.failure?.line, t.failure?.how])
    // Every printed line now points at the line above its call, a t.Log whose text the report
    // does not begin with, or no call: the output decides, as without the source. Only t.Fail(),
    // which prints nothing, is found in this checkout (at its line there).
    const failLine =
      fs
        .readFileSync(path.join(root, 'svc/logs_test.go'), 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('t.Fail()')) + 1
    expect(brief(withOld)).toEqual(
      brief(without).map(([name, line, how]) =>
        name === 'TestFailWithoutMessage' ? [name, failLine, 'source'] : [name, line, how]
      )
    )
  })
})
