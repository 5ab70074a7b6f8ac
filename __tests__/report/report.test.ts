import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import { parseTestLog } from '../../src/results/gotest.js'
import { locateFile } from '../../src/results/locate.js'
import {
  annotations,
  capSummary,
  gate,
  junitXml,
  outputs,
  resultsJson,
  summary,
  textReport,
  type RunReport
} from '../../src/report/report.js'
import { cell } from '../../src/report/markdown.js'

const repo = ['__fixtures__/gotest/src/calc_test.go']
const report = (log: string, extra: Partial<RunReport> = {}): RunReport => ({
  status: 'failed',
  headline: '3 tests failed: TestTestifyFailure, TestPlainFailure, TestSubtestFailure/broken.',
  details: [],
  run: parseTestLog(fs.readFileSync(`__fixtures__/gotest/${log}`, 'utf8')),
  durationMs: 83_000,
  timings: [
    { stage: 'cluster', ms: 41_000, startMs: 0 },
    { stage: 'tests', ms: 12_300, startMs: 70_000 }
  ],
  image: 'example/tests:0123456789ab',
  jobName: 'tests-01234567-x',
  logFile: '/tmp/in-cluster-test/tests.log',
  locate: (p, pkg) => locateFile(p, repo, pkg),
  ...extra
})

describe('report', () => {
  it('sets every output', () => {
    expect(outputs(report('fail.txt', { exitCode: 1 }))).toEqual({
      status: 'failed',
      'exit-code': '1',
      'job-name': 'tests-01234567-x',
      image: 'example/tests:0123456789ab',
      'log-file': '/tmp/in-cluster-test/tests.log',
      'duration-seconds': '83',
      'tests-passed': '9',
      'tests-failed': '4',
      'tests-skipped': '3',
      coverage: '20',
      'failed-tests': '["TestTestifyFailure","TestPlainFailure","TestSubtestFailure/broken"]',
      'flaky-tests': '[]',
      kubeconfig: '',
      diagnosis: '3 tests failed: TestTestifyFailure, TestPlainFailure, TestSubtestFailure/broken.',
      'results-file': '',
      'junit-file': '',
      'coverprofile-file': ''
    })
    expect(outputs(report('pass.txt', { status: 'passed' })).diagnosis).toBe('')
  })

  it('annotates failures at repository paths, located ones first', () => {
    const { shown, omitted } = annotations(report('fail.txt'))
    expect(omitted).toBe(0)
    expect(shown.map((a) => a.properties)).toEqual([
      {
        title: 'TestTestifyFailure failed',
        file: '__fixtures__/gotest/src/calc_test.go',
        startLine: 54
      },
      {
        title: 'TestPlainFailure failed',
        file: '__fixtures__/gotest/src/calc_test.go',
        startLine: 60
      },
      {
        title: 'TestSubtestFailure/broken failed',
        file: '__fixtures__/gotest/src/calc_test.go',
        startLine: 68
      }
    ])
  })

  it('caps annotations at 10 and counts the rest', () => {
    const lines = Array.from(
      { length: 25 },
      (_, i) =>
        `=== RUN   TestN${i}\n    n_test.go:${i + 1}: broken ${i}\n--- FAIL: TestN${i} (0.00s)`
    )
    const r = report('fail.txt', {
      run: parseTestLog([...lines, 'FAIL'].join('\n')),
      locate: () => undefined
    })
    const { shown, omitted } = annotations(r)
    expect(shown).toHaveLength(10)
    expect(omitted).toBe(15)
    expect(summary(r)).toContain('### Failed tests (25)')
  })

  it('writes a summary with the result, failures, slowest tests and timings, escaping test text', () => {
    const hostile =
      '=== RUN   TestX\n    x_test.go:3: got <script>alert(1)</script> | `rm` \n--- FAIL: TestX (1.50s)\nFAIL'
    const md = summary(
      report('fail.txt', { run: parseTestLog(hostile), locate: () => 'pkg/x_test.go' })
    )
    expect(md).toMatch(/^## ❌ In-cluster tests failed: 0 passed, 1 failed, 0 skipped\n/)
    expect(md).toContain(
      '| <code>TestX</code> | pkg/x&#95;test.go:3 (from the output) | got &lt;script&gt;alert(1)&lt;/script&gt; &#124; &#96;rm&#96; | 1.50s |'
    )
    expect(md).not.toContain('<script>')
    expect(md).toContain('| cluster | +0.0s | 41.0s |')
    expect(md).toContain('| tests | +70.0s | 12.3s |')
    expect(md).toContain('| **total** |  | **1m23s** |')
    expect(md).toContain('<summary>Slowest tests</summary>')
  })

  it('lists every failed test at its first check, says how sure each place is, and names the parents', () => {
    const logs = '__fixtures__/gotest/locate/logs'
    const checks = summary(
      report('fail.txt', {
        run: parseTestLog(fs.readFileSync(`${logs}/plain-v-checks.txt`, 'utf8')),
        locate: () => undefined
      })
    )
    expect(checks).toContain(
      '| <code>TestTwoChecks</code> | checks&#95;test.go:17 (from the output) | Total(nil) = 0, want 1<br>_and 1 more failed check_ |'
    )
    expect(checks).toContain('<br>_and 2 more failed checks_ |')
    // Without the source, a last line is said to be one; the parent is named under the list.
    const logsMd = summary(
      report('fail.txt', {
        run: parseTestLog(fs.readFileSync(`${logs}/plain-v-logs.txt`, 'utf8')),
        locate: () => undefined
      })
    )
    expect(logsMd).toContain(
      '| <code>TestFatalAfterLogs</code> | logs&#95;test.go:44 (its last output line: the failing check is not known) |'
    )
    expect(logsMd).toContain(
      '\n\n1 more counted as failed only through the tests above: <code>TestParentLogsChildFails</code>'
    )
    // A run cut short: each open test listed as interrupted, the hung one's end after its check.
    const cut = summary(
      report('fail.txt', {
        run: parseTestLog(fs.readFileSync(`${logs}/plain-v-sigkill.txt`, 'utf8')),
        locate: () => undefined
      })
    )
    expect(cut).toContain('### Failed tests (3)')
    expect(cut).toContain('| <code>TestCut/done</code> (interrupted) |')
    expect(cut).toContain(
      '<br>_then: the log ends while this test was running (was the binary killed?); its last output: cut&#95;test.go:20: waiting for the queue_'
    )
    expect(cut).toContain(
      '2 more counted as failed only through the tests above: <code>TestCut</code>, <code>TestCut/group</code>'
    )
  })

  it('lists only tests that ran among the slowest', () => {
    const md = summary(report('pass.txt', { status: 'passed' }))
    const slowest = /<summary>Slowest tests<\/summary>([\s\S]*?)<\/details>/.exec(md)![1]
    expect(slowest).toContain('| pass |')
    expect(slowest).not.toContain('| skip |')
  })

  it('gives the command that runs the failed tests again, only when the run did not pass', () => {
    const rerun = {
      namespace: 'example',
      testArgs: ['-test.v'],
      env: {},
      secretEnvNames: [],
      envFromSecrets: []
    }
    const md = summary(report('fail.txt', { rerun }))
    expect(md).toContain('### Run it again from a terminal')
    expect(md).toContain(
      "--test-args -test.v --test-args '-test.run=^(TestTestifyFailure|TestPlainFailure|TestSubtestFailure)$'\n```"
    )
    expect(md.indexOf('### Failed tests')).toBeLessThan(md.indexOf('### Run it again'))
    expect(summary(report('pass.txt', { status: 'passed', rerun }))).not.toContain('Run it again')
    expect(summary(report('fail.txt', { rerun, image: undefined }))).not.toContain('Run it again')
  })

  it('shows coverage by package when the binary printed its profile', () => {
    const md = summary(
      report('pass.txt', {
        status: 'passed',
        packages: [
          {
            package: 'github.com/acme/svc/internal/store',
            percent: 81.2,
            statements: 48,
            covered: 39
          },
          {
            package: 'github.com/acme/svc/internal/auth',
            percent: 100,
            statements: 12,
            covered: 12
          }
        ]
      })
    )
    expect(md).toContain('<summary>Coverage by package</summary>')
    expect(md).toContain('| <code>github.com/acme/svc/internal/store</code> | 81.2% | 39/48 |')
    expect(summary(report('pass.txt', { status: 'passed' }))).not.toContain('Coverage by package')
  })

  it('stays under the summary limit', () => {
    const big = 'x'.repeat(200) + '\n'
    const capped = capSummary(big.repeat(10_000), 100_000)
    expect(Buffer.byteLength(capped)).toBeLessThanOrEqual(100_000)
    expect(capped).toMatch(/Summary truncated/)
    expect(cell('a\nb|c', 10)).toBe('a<br>b&#124;c')
  })

  it('gates on coverage', () => {
    expect(gate(20, undefined)).toBeUndefined()
    expect(gate(20, 60)).toEqual({
      min: 60,
      passed: false,
      message: 'Coverage 20% is below min-coverage 60%'
    })
    expect(gate(80, 60)?.passed).toBe(true)
    expect(gate(undefined, 60)?.message).toMatch(/no "coverage:" line.*go test -c -cover/)
  })

  it('writes results.json and JUnit XML', () => {
    const r = report('fail.txt')
    const json = JSON.parse(resultsJson(r))
    expect(json).toMatchObject({ status: 'failed', passed: 9, failed: 4, skipped: 3, coverage: 20 })
    expect(json.failures[1]).toEqual({
      test: 'TestPlainFailure',
      package: null,
      status: 'fail',
      file: '__fixtures__/gotest/src/calc_test.go',
      line: 60,
      how: 'trace',
      message: 'Add(2, 2) = 4, want 5\nwhich is what the spec says',
      checks: [
        {
          file: '__fixtures__/gotest/src/calc_test.go',
          line: 60,
          how: 'trace',
          message: 'Add(2, 2) = 4, want 5\nwhich is what the spec says'
        }
      ],
      ended: null
    })
    const xml = junitXml(r)
    expect(xml).toMatch(/<testsuite name="in-cluster-test" tests="16" failures="4" skipped="3"/)
    expect(xml).toContain(
      '<testcase name="TestPlainFailure" classname="in-cluster-test" time="0.000"><failure message="Add(2, 2) = 4, want 5&#10;'
    )
  })

  it('renders the plain-text report of the CLI', () => {
    expect(textReport(report('fail.txt'))).toBe(
      [
        'status: failed',
        'tests: 9 passed, 4 failed, 3 skipped',
        'coverage: 20%',
        'why: 3 tests failed: TestTestifyFailure, TestPlainFailure, TestSubtestFailure/broken.',
        'FAIL TestTestifyFailure (__fixtures__/gotest/src/calc_test.go:54): Not equal:',
        'FAIL TestPlainFailure (__fixtures__/gotest/src/calc_test.go:60): Add(2, 2) = 4, want 5',
        'FAIL TestSubtestFailure/broken (__fixtures__/gotest/src/calc_test.go:68): Received unexpected error:'
      ].join('\n')
    )
  })
})
