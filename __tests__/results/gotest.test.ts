import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import { parseTestLog, reportableFailures } from '../../src/results/gotest.js'
import { locateFile } from '../../src/results/locate.js'

const fixture = (name: string) => fs.readFileSync(`__fixtures__/gotest/${name}`, 'utf8')
const brief = (name: string) => {
  const r = parseTestLog(fixture(name))
  return {
    passed: r.passed,
    failed: r.failed,
    skipped: r.skipped,
    interrupted: r.interrupted,
    coverage: r.coverage,
    status: r.status
  }
}

describe('parseTestLog on captured binaries', () => {
  it('all pass, with subtests, parallel tests and skips', () => {
    expect(brief('pass.txt')).toEqual({
      passed: 8,
      failed: 0,
      skipped: 6,
      interrupted: 0,
      coverage: 20,
      status: 'passed'
    })
    const r = parseTestLog(fixture('pass.txt'))
    expect(r.tests.map((t) => t.name)).toContain('TestParallel/b')
    expect(r.tests.find((t) => t.name === 'TestParallel/a')).toMatchObject({
      status: 'pass',
      durationMs: 10,
      output: ['calc_test.go:42: parallel a done']
    })
    expect(r.tests.find((t) => t.name === 'TestSkipped')).toMatchObject({
      status: 'skip',
      output: ['calc_test.go:48: needs a GPU']
    })
  })

  it('testify, t.Errorf and subtest failures, with messages and locations', () => {
    expect(brief('fail.txt')).toEqual({
      passed: 9,
      failed: 4,
      skipped: 3,
      interrupted: 0,
      coverage: 20,
      status: 'failed'
    })
    const failures = reportableFailures(parseTestLog(fixture('fail.txt')))
    expect(failures.map((t) => t.name)).toEqual([
      'TestTestifyFailure',
      'TestPlainFailure',
      'TestSubtestFailure/broken'
    ])
    expect(failures[0].failure).toMatchObject({
      file: '/work/main/__fixtures__/gotest/src/calc_test.go',
      line: 54
    })
    expect(failures[0].failure?.message).toMatch(
      /^Not equal:\nexpected: map\[string\]int\{"a":2\}\nactual {2}: map\[string\]int\{"a":1\}/
    )
    expect(failures[0].failure?.message).toMatch(/the map should hold the updated count$/)
    expect(failures[1].failure).toMatchObject({
      file: 'calc_test.go',
      line: 60,
      message: 'Add(2, 2) = 4, want 5\nwhich is what the spec says',
      how: 'trace'
    })
    expect(failures[2].failure).toMatchObject({
      file: '/work/main/__fixtures__/gotest/src/calc_test.go',
      line: 68,
      message: 'Received unexpected error:\nfile does not exist\nopening the config',
      how: 'trace'
    })
  })

  it('a panic fails the test that panicked, located at the test frame', () => {
    const r = parseTestLog(fixture('panic.txt'))
    expect(r.status).toBe('failed')
    expect(r.coverage).toBeUndefined()
    expect(r.panic).toEqual({
      message: 'runtime error: integer divide by zero',
      test: 'TestPanics',
      file: '/work/main/__fixtures__/gotest/src/calc_test.go',
      line: 77
    })
    expect(reportableFailures(r).map((t) => [t.name, t.failure?.message])).toEqual([
      ['TestPanics', 'panic: runtime error: integer divide by zero']
    ])
  })

  it('a timeout fails the tests that were still running', () => {
    const r = parseTestLog(fixture('timeout.txt'))
    expect(r.timedOut).toBe('2s')
    expect(reportableFailures(r).map((t) => [t.name, t.status, t.failure])).toEqual([
      [
        'TestSlow',
        'fail',
        {
          message: 'test timed out after 2s',
          file: '/work/main/__fixtures__/gotest/src/calc_test.go',
          line: 85,
          how: 'trace',
          kind: 'timeout'
        }
      ]
    ])
  })

  it('a binary killed mid-test keeps the finished tests and marks the running one interrupted', () => {
    const r = parseTestLog(fixture('killed.txt'))
    expect(brief('killed.txt')).toEqual({
      passed: 8,
      failed: 0,
      skipped: 5,
      interrupted: 1,
      coverage: undefined,
      status: 'failed'
    })
    expect(reportableFailures(r)[0]).toMatchObject({
      name: 'TestSlow',
      status: 'interrupted',
      failure: {
        message:
          'the log ends while this test was running (was the binary killed?); its last output: calc_test.go:84: starting a long operation'
      }
    })
  })

  it('no tests at all', () => {
    expect(brief('no-tests.txt')).toEqual({
      passed: 0,
      failed: 0,
      skipped: 0,
      interrupted: 0,
      coverage: 0,
      status: 'passed'
    })
  })

  it('reads test2json framing and JSON events the same as text', () => {
    const text = parseTestLog(fixture('fail.txt'))
    for (const name of ['fail.test2json.txt', 'fail.json']) {
      const r = parseTestLog(fixture(name))
      expect({ p: r.passed, f: r.failed, s: r.skipped, c: r.coverage }).toEqual({
        p: text.passed,
        f: text.failed,
        s: text.skipped,
        c: text.coverage
      })
      expect(reportableFailures(r).map((t) => [t.name, t.failure])).toEqual(
        reportableFailures(text).map((t) => [t.name, t.failure])
      )
    }
    expect(parseTestLog(fixture('fail.json')).tests[0].package).toBe('example.com/fixtures')
  })

  it('ignores unrelated log lines around the tests', () => {
    const noisy =
      '2026/11/25 04:00:00 connecting to postgres\n{"level":"info","msg":"hi"}\n' +
      fixture('fail.txt') +
      '\nstream closed\n'
    expect(parseTestLog(noisy).failed).toBe(4)
  })
})

describe('locateFile', () => {
  const repo = [
    'example/tests/integration/workflow_test.go',
    'example/internal/store/store_test.go',
    'other/workflow_test.go',
    '__fixtures__/gotest/src/calc_test.go'
  ]

  it('maps absolute in-image paths by their longest repository suffix', () => {
    expect(locateFile('/src/tests/integration/workflow_test.go', repo)).toBe(
      'example/tests/integration/workflow_test.go'
    )
    expect(locateFile('/app/example/tests/integration/workflow_test.go', repo)).toBe(
      'example/tests/integration/workflow_test.go'
    )
    expect(locateFile('/work/main/__fixtures__/gotest/src/calc_test.go', repo)).toBe(
      '__fixtures__/gotest/src/calc_test.go'
    )
  })

  it('maps module paths printed by a binary built with -trimpath', () => {
    // `go test -c -trimpath` prints frames and testify traces as import paths, not file paths.
    expect(locateFile('github.com/acme/example/tests/integration/workflow_test.go', repo)).toBe(
      'example/tests/integration/workflow_test.go'
    )
    expect(locateFile('github.com/acme/example/internal/store/store_test.go', repo)).toBe(
      'example/internal/store/store_test.go'
    )
  })

  it('maps base names, using the package to break ties', () => {
    expect(locateFile('store_test.go', repo)).toBe('example/internal/store/store_test.go')
    expect(locateFile('workflow_test.go', repo, 'github.com/acme/example/tests/integration')).toBe(
      'example/tests/integration/workflow_test.go'
    )
    expect(locateFile('workflow_test.go', repo)).toBe('other/workflow_test.go')
    expect(locateFile('missing_test.go', repo)).toBeUndefined()
  })
})

describe('the example service, captured by example/scripts/test-local.sh', () => {
  const repo = [
    'example/tests/integration/workflow_integration_test.go',
    'example/tests/integration/main_test.go'
  ]

  it('passes with its coverage over ./...', () => {
    const r = parseTestLog(fixture('example-pass.txt'))
    expect({ status: r.status, failed: r.failed, skipped: r.skipped }).toEqual({
      status: 'passed',
      failed: 0,
      skipped: 1
    })
    expect(r.passed).toBeGreaterThanOrEqual(10)
    expect(r.coverage).toBeGreaterThan(50)
  })

  it('fails at the deliberate test, which maps to its file in the repository', () => {
    const r = parseTestLog(fixture('example-fail.txt'))
    const [f] = reportableFailures(r)
    expect(f.name).toBe('TestDeliberateFailure')
    expect(f.failure?.file).toBe('/src/tests/integration/workflow_integration_test.go')
    expect(locateFile(f.failure!.file!, repo)).toBe(
      'example/tests/integration/workflow_integration_test.go'
    )
    expect(f.failure?.message).toMatch(/^Not equal:\nexpected: "active"\nactual {2}: "draft"/)
  })

  it('without a database: no tests, no verdict, so failed', () => {
    const r = parseTestLog(fixture('example-nodb.txt'))
    expect({ status: r.status, tests: r.tests.length, verdict: r.verdict }).toEqual({
      status: 'failed',
      tests: 0,
      verdict: undefined
    })
  })
})
