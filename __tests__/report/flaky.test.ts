import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import { parseTestLog, parseTestLogWithProfile } from '../../src/results/gotest.js'
import { locateFile } from '../../src/results/locate.js'
import { mergeShardLogs } from '../../src/shard/merge.js'
import { withReruns } from '../../src/shard/rerun-failed.js'
import {
  outputs,
  resultsJson,
  SHARD_CONFLICT_HINT,
  summary,
  type RunReport
} from '../../src/report/report.js'

// capture-rerun.sh: two conflicting shards, then the failed tests rerun alone (see
// __tests__/shard/rerun-failed.test.ts); and a -test.count=3 run with a flaky test.
const read = (name: string) => fs.readFileSync(`__fixtures__/gotest/${name}.txt`, 'utf8')
const repo = ['__fixtures__/gotest/rerun-src/store_test.go']
const sharded = withReruns(mergeShardLogs([read('rerun-shard-1'), read('rerun-shard-2')]), [
  parseTestLogWithProfile(read('rerun-1')),
  parseTestLogWithProfile(read('rerun-2'))
]).run
const report = (run: RunReport['run'], status: RunReport['status']): RunReport => ({
  status,
  headline: status === 'passed' ? '' : '1 test failed: TestBroken.',
  details: [],
  run,
  durationMs: 60_000,
  timings: [],
  locate: (p, pkg) => locateFile(p, repo, pkg),
  image: 'example/tests:0123456789ab'
})

describe('flaky tests in the report', () => {
  it('lists each in flaky-tests with its kind and first failure, at its repository line', () => {
    const out = outputs(report(sharded, 'failed'))
    expect(JSON.parse(out['flaky-tests'])).toEqual([
      {
        name: 'TestTable',
        kind: 'shard-conflict',
        reason: 'failed only beside other shards (shared state?), then passed when run again alone',
        test: 'TestTable/b',
        file: '__fixtures__/gotest/rerun-src/store_test.go',
        line: 30,
        message: 'case b: count 4, want 1',
        shard: 1,
        rerun: 1
      },
      {
        name: 'TestShared',
        kind: 'shard-conflict',
        reason: 'failed only beside other shards (shared state?), then passed when run again alone',
        test: 'TestShared',
        file: '__fixtures__/gotest/rerun-src/store_test.go',
        line: 18,
        message: "shared_events holds 6 rows, not this test's 3 (shared)",
        shard: 2,
        rerun: 1
      }
    ])
    // They passed: only the test that failed in every rerun is a failed test.
    expect(JSON.parse(out['failed-tests'])).toEqual(['TestBroken'])
    expect(out['tests-failed']).toBe('1')
    expect(JSON.parse(resultsJson(report(sharded, 'failed'))).flaky).toEqual(
      JSON.parse(out['flaky-tests'])
    )
  })

  it('gives them a section of their own in the summary, shard conflicts explained', () => {
    const text = summary(report(sharded, 'failed'))
    const section = text.slice(text.indexOf('### Flaky tests (2)'))
    expect(section).toContain(
      '| <code>TestTable</code><br><code>TestTable/b</code> | failed only beside other shards (shared state?), then passed when run again alone (shard 1) (rerun 1) | &#95;&#95;fixtures&#95;&#95;/gotest/rerun-src/store&#95;test.go:30 | case b: count 4, want 1 |'
    )
    expect(section).toContain(`> ${SHARD_CONFLICT_HINT}`)
    expect(SHARD_CONFLICT_HINT).toMatch(/IN_CLUSTER_TEST_SHARD_INDEX/)
    // The failed tests' table names only the one still failing.
    expect(text.slice(text.indexOf('### Failed tests'), text.indexOf('### Flaky'))).toMatch(
      /### Failed tests \(1\)[\s\S]*<code>TestBroken<\/code>/
    )
  })

  it('lists a -test.count flake as a repetition, with its failing repetition', () => {
    const count = parseTestLog(
      fs.readFileSync('__fixtures__/gotest/t2j/logs/go1.26-plain-v-count.txt', 'utf8')
    )
    const flaky = JSON.parse(outputs(report(count, 'failed'))['flaky-tests'])
    expect(flaky).toEqual([
      expect.objectContaining({
        name: 'TestFlaky',
        kind: 'repetition',
        reason: 'failed in one repetition (-test.count) and passed in another',
        line: 120
      })
    ])
    expect(summary(report(count, 'failed'))).toContain('### Flaky tests (1)')
    expect(summary(report(count, 'failed'))).not.toContain(SHARD_CONFLICT_HINT)
  })

  it('has no section and an empty list when nothing was flaky', () => {
    const pass = parseTestLog(read('pass'))
    expect(outputs(report(pass, 'passed'))['flaky-tests']).toBe('[]')
    expect(summary(report(pass, 'passed'))).not.toContain('Flaky')
  })
})
