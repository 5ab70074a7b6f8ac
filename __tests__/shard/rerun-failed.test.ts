import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { mergeProfiles, totalCoverage } from '../../src/results/cover-profile.js'
import { parseTestLog, parseTestLogWithProfile } from '../../src/results/gotest.js'
import { mergeShardLogs, parseLogFile, rerunHeader, shardHeader } from '../../src/shard/merge.js'
import {
  diedBeforeTests,
  notRerunnable,
  pendingReruns,
  rerunArgs,
  rerunTargets,
  topLevel,
  withReruns
} from '../../src/shard/rerun-failed.js'
import { parseTestList, shardArgList, splitTests } from '../../src/shard/shard.js'

// capture-rerun.sh: the rerun-src package as two shards that conflict (FIXTURE_CONFLICT=1:
// TestShared and TestTable/b fail beside the other shard), the failed tests run again alone
// (they pass, TestBroken fails again), then TestBroken alone once more; and the whole suite as one
// run without the conflict, which is what the sharded run with reruns must report.
const read = (name: string) => fs.readFileSync(`__fixtures__/gotest/${name}.txt`, 'utf8')
const args = ['-test.v', '-test.coverprofile=/dev/stdout']
const shards = () => mergeShardLogs([read('rerun-shard-1'), read('rerun-shard-2')])
const rerun = (name: string) => parseTestLogWithProfile(read(name))
const statuses = (tests: Array<{ name: string; status: string }>) =>
  Object.fromEntries(tests.map((t) => [t.name, t.status]))

describe("a rerun's -test.run", () => {
  it('is the shards the captures ran: split by count, anchored', () => {
    const groups = splitTests(parseTestList(read('rerun-list')), 2)
    expect(shardArgList(args, groups).map((a) => a.at(-1))).toEqual([
      '-test.run=^(TestBroken|TestSkipped|TestTable)$',
      '-test.run=^(TestShared|TestSteady)$'
    ])
  })

  it('runs exactly the failed top-level tests, a failed subtest through its parent, sorted', () => {
    const first = shards().run
    expect(rerunTargets(first)).toEqual(['TestTable', 'TestBroken', 'TestShared'])
    const ran = first.tests.map((t) => t.name)
    expect(rerunArgs(args, rerunTargets(first), ran)).toEqual([
      ...args,
      '-test.run=^(TestBroken|TestShared|TestTable)$'
    ])
    // What the second capture ran: the one test still failing after the first rerun.
    const after = withReruns(shards(), [rerun('rerun-1')]).run
    expect(rerunArgs(args, rerunTargets(after), ran)).toEqual([...args, '-test.run=^(TestBroken)$'])
  })

  it('sorts the names and replaces the run\u2019s own -test.run', () => {
    expect(rerunArgs(['-test.run', 'Test.*', '-test.v'], ['Test_a', 'TestÄb'], [])).toEqual([
      '-test.v',
      '-test.run=^(Test_a|TestÄb)$'
    ])
    // Go's flag package takes the last -test.run, so the user's is dropped, not left beside it.
    expect(rerunArgs(['-test.run=TestX', '-test.run=TestY'], ['TestY'], [])).toEqual([
      '-test.run=^(TestY)$'
    ])
  })

  it("keeps the user's subtest filter below the anchored top level", () => {
    expect(rerunArgs(['-test.run=TestTable/b', '-test.v'], ['TestTable'], ['TestTable'])).toEqual([
      '-test.v',
      '-test.run=^(TestTable)$/b'
    ])
    // Several alternatives with subtest parts: the user's -test.run stays, the others are skipped.
    expect(
      rerunArgs(['-test.run=TestA/x|TestB/y'], ['TestA'], ['TestA', 'TestB', 'TestB/y'])
    ).toEqual(['-test.run=TestA/x|TestB/y', '-test.skip=^(TestB)$'])
  })

  it('names the top level of a subtest', () => {
    expect(topLevel('TestTable/b/deeper')).toBe('TestTable')
    expect(topLevel('TestShared')).toBe('TestShared')
  })
})

describe('withReruns', () => {
  it('reports what the single run without the conflict reports, counts and statuses', () => {
    const whole = parseTestLog(read('rerun-full'))
    const merged = withReruns(shards(), [rerun('rerun-1'), rerun('rerun-2')])
    expect(statuses(merged.run.tests)).toEqual(statuses(whole.tests))
    expect([merged.run.passed, merged.run.failed, merged.run.skipped]).toEqual([
      whole.passed,
      whole.failed,
      whole.skipped
    ])
    expect(merged.run.status).toBe('failed')
    expect(merged.run.verdict).toBe('FAIL')
  })

  it('lists a test that failed beside other shards and passed alone as a shard conflict', () => {
    const merged = withReruns(shards(), [rerun('rerun-1'), rerun('rerun-2')])
    expect(merged.run.flaky).toEqual(['TestTable', 'TestShared'])
    expect(merged.run.flakyTests).toEqual([
      {
        name: 'TestTable',
        kind: 'shard-conflict',
        failedTest: 'TestTable/b',
        failure: expect.objectContaining({
          file: 'store_test.go',
          line: 30,
          message: 'case b: count 4, want 1'
        }),
        shard: 1,
        rerun: 1
      },
      {
        name: 'TestShared',
        kind: 'shard-conflict',
        failure: expect.objectContaining({
          file: 'store_test.go',
          line: 18,
          message: "shared_events holds 6 rows, not this test's 3 (shared)"
        }),
        shard: 2,
        rerun: 1
      }
    ])
    // Failing in every rerun is failing: never flaky.
    expect(merged.run.flaky).not.toContain('TestBroken')
    expect(merged.run.tests.filter((t) => t.name === 'TestBroken')).toHaveLength(1)
  })

  it('passes a run whose every failure passed on rerun, and calls it a rerun in one Job', () => {
    const single = parseTestLogWithProfile(read('rerun-shard-2'))
    const once = withReruns({ run: single.run, profile: single.profile, shards: [single] }, [
      parseTestLogWithProfile(
        read('rerun-1')
          .split('\n')
          .filter((l) => !/TestBroken|broken on purpose/.test(l))
          .join('\n')
      )
    ])
    expect(once.run.status).toBe('passed')
    expect(once.run.failed).toBe(0)
    expect(once.run.flakyTests?.map((f) => [f.name, f.kind, f.shard])).toEqual([
      ['TestShared', 'rerun', undefined]
    ])
  })

  it("merges the reruns' cover profiles into the first run's, and the coverage with them", () => {
    const first = shards()
    const reruns = [rerun('rerun-1'), rerun('rerun-2')]
    const merged = withReruns(first, reruns)
    const expected = mergeProfiles([first.profile!, ...reruns.map((r) => r.profile!)])!
    expect(merged.profile?.blocks).toEqual(expected.blocks)
    expect(merged.run.coverage).toBe(totalCoverage(expected).percent)
    // The conflict's branches ran only in the shards, the rest also in the reruns: hits add up.
    const hits = (p: typeof expected) => [...p.blocks.values()].reduce((n, b) => n + b.count, 0)
    expect(hits(merged.profile!)).toBe(
      hits(first.profile!) + reruns.reduce((n, r) => n + hits(r.profile!), 0)
    )
  })

  it('leaves a run without reruns as it was', () => {
    const first = shards()
    expect(withReruns(first, [])).toBe(first)
  })
})

describe('a shard whose binary died before its tests (its TestMain failed beside the others)', () => {
  const groups = splitTests(parseTestList(read('rerun-list')), 2)
  const first = () => mergeShardLogs([read('rerun-shard-1'), read('rerun-shard-2-testmain')])
  const reruns = () => [rerun('rerun-1-testmain'), rerun('rerun-2')]

  it('reruns its whole share with the failed tests, as the capture ran them', () => {
    expect(diedBeforeTests(first(), groups)).toEqual([
      { shard: 2, tests: ['TestShared', 'TestSteady'] }
    ])
    expect(notRerunnable(first().shards, true)).toBeUndefined()
    const targets = pendingReruns(first(), [], groups)
    expect(rerunArgs(args, targets, groups.flat()).at(-1)).toBe(
      '-test.run=^(TestBroken|TestShared|TestSteady|TestTable)$'
    )
    expect(pendingReruns(first(), [rerun('rerun-1-testmain')], groups)).toEqual(['TestBroken'])
  })

  it('reports what the single run reports, its tests named as failed beside other shards', () => {
    const whole = parseTestLog(read('rerun-full'))
    const merged = withReruns(first(), reruns(), groups)
    expect(statuses(merged.run.tests)).toEqual(statuses(whole.tests))
    expect([merged.run.passed, merged.run.failed, merged.run.skipped]).toEqual([
      whole.passed,
      whole.failed,
      whole.skipped
    ])
    expect(merged.run.flakyTests?.map((f) => [f.name, f.kind, f.shard])).toEqual([
      ['TestTable', 'shard-conflict', 1],
      ['TestShared', 'shard-conflict', 2],
      ['TestSteady', 'shard-conflict', 2]
    ])
    expect(merged.run.flakyTests?.[1].failure?.message).toMatch(
      /^did not run: shard 2's test binary ended before its first test/
    )
  })

  it("takes the coverage from the reruns' profiles where the dead shard printed none", () => {
    expect(first().run.coverage).toBeUndefined()
    const merged = withReruns(first(), reruns(), groups)
    const expected = mergeProfiles([first().profile!, ...reruns().map((r) => r.profile!)])!
    expect(merged.run.coverage).toBe(totalCoverage(expected).percent)
    expect(merged.run.coverageNote).toBeUndefined()
  })

  it('is not a shard that died without the groups (the CLI reading tests.log): counts only', () => {
    expect(diedBeforeTests(first(), undefined)).toEqual([])
    const merged = withReruns(first(), reruns())
    expect(merged.run.flakyTests?.map((f) => f.name)).toEqual(['TestTable'])
  })
})

describe('notRerunnable', () => {
  it('reruns failures that ended with a verdict, in Jobs that ended', () => {
    expect(notRerunnable(shards().shards, true)).toBeUndefined()
    expect(notRerunnable(shards().shards, false)).toMatch(/did not end on its own/)
  })

  it('does not rerun after a panic, a -test.timeout or a killed binary', () => {
    const panicked = parseTestLog(read('panic'))
    expect(notRerunnable([{ run: panicked }], true)).toMatch(/panicked/)
    expect(notRerunnable([{ run: parseTestLog(read('timeout')) }], true)).toMatch(/timeout/)
    expect(notRerunnable([{ run: parseTestLog(read('killed')) }], true)).toMatch(/verdict/)
  })
})

describe('tests.log with its reruns', () => {
  it('parses to what the run reported', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ict-rerun-'))
    try {
      const file = path.join(dir, 'tests.log')
      fs.writeFileSync(
        file,
        [
          shardHeader(0, 2, 'tests-abc-s1'),
          read('rerun-shard-1'),
          shardHeader(1, 2, 'tests-abc-s2'),
          read('rerun-shard-2'),
          rerunHeader(1, 2, 'tests-abc-r1'),
          read('rerun-1'),
          rerunHeader(2, 2, 'tests-abc-r2'),
          read('rerun-2')
        ].join('\n')
      )
      const parsed = await parseLogFile(file)
      const direct = withReruns(shards(), [rerun('rerun-1'), rerun('rerun-2')])
      expect(statuses(parsed.run.tests)).toEqual(statuses(direct.run.tests))
      expect(parsed.run.flakyTests).toEqual(direct.run.flakyTests)
      expect(parsed.run.coverage).toBe(direct.run.coverage)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
