import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import {
  withCoverProfile,
  durationsFromResults,
  listArgs,
  mergeRuns,
  parseTestList,
  runPattern,
  shardArgList,
  shardArgs,
  splitRunPattern,
  splitTests
} from '../../src/shard/shard.js'
import { parseTestLog } from '../../src/results/gotest.js'

// What the example's test binary printed for `-test.list .` in the local cluster (a listing Job
// of the action), including the coverage runtime's warning on its last line.
const listed = fs.readFileSync('__fixtures__/gotest/test-list-example.txt', 'utf8')

describe('parseTestList', () => {
  it("takes a name glued to what the package printed before it (jmoiron/sqlx's -test.list)", () => {
    // Captured: sqlx's init prints "...This is a stub" with no newline, then Go lists the tests.
    const listed = fs.readFileSync('__fixtures__/gotest/list-glued-sqlx.txt', 'utf8')
    const names = parseTestList(listed)
    expect(names[0]).toBe('TestNamedContextQueries')
    expect(names).toHaveLength(43)
    expect(names.some((n) => n.startsWith('Benchmark'))).toBe(false)
    expect(names).not.toContain('stubTestNamedContextQueries')
  })

  it('keeps the test names and drops what else the binary prints', () => {
    const names = parseTestList(listed)
    expect(names).toHaveLength(19)
    expect(names[0]).toBe('TestSlowSuite01')
    expect(names).toContain('TestWorkflowLifecycle')
    expect(names.some((n) => n.includes('warning'))).toBe(false)
  })
})

describe('parseTestList on the example built on the host', () => {
  it('reads the listing a TestMain with its database lets through', () => {
    const names = parseTestList(
      fs.readFileSync('__fixtures__/gotest/test-list-example-local.txt', 'utf8')
    )
    expect(names).toHaveLength(20)
    expect(names[0]).toBe('TestDeliberateSlow')
    expect(names).toContain('TestSlowSuite08')
    expect(names.every((n) => /^Test\w+$/.test(n))).toBe(true)
  })

  it('finds no test in what a TestMain prints when it exits before listing', () => {
    const nodb = fs.readFileSync('__fixtures__/gotest/test-list-example-nodb.txt', 'utf8')
    expect(nodb).toContain('integration tests need a database')
    expect(parseTestList(nodb)).toEqual([])
  })
})

describe('splitTests', () => {
  const names = parseTestList(listed)

  it('splits by count without history, every test exactly once', () => {
    const groups = splitTests(names, 4)
    expect(groups.map((g) => g.length).sort()).toEqual([4, 5, 5, 5])
    expect(groups.flat().sort()).toEqual([...names].sort())
  })

  it('balances by earlier durations, longest first', () => {
    const durations = new Map([
      ['TestA', 40_000],
      ['TestB', 30_000],
      ['TestC', 20_000],
      ['TestD', 10_000],
      ['TestE', 10_000]
    ])
    const groups = splitTests(['TestA', 'TestB', 'TestC', 'TestD', 'TestE'], 2, durations)
    const load = groups.map((g) => g.reduce((n, t) => n + (durations.get(t) ?? 0), 0))
    expect(groups).toEqual([['TestA', 'TestD', 'TestE'].sort(), ['TestB', 'TestC']])
    expect(load).toEqual([60_000, 50_000])
  })

  it('splits by count when the history has only fast tests (Go prints 0.00s)', () => {
    const fast = ['TestA', 'TestB', 'TestC', 'TestD', 'TestE', 'TestF', 'TestG', 'TestH']
    const zero = new Map(fast.map((t) => [t, 0]))
    expect(splitTests(fast, 4, zero).map((g) => g.length)).toEqual([2, 2, 2, 2])
  })

  it('puts tests unknown to the history at the median known duration', () => {
    const durations = new Map([
      ['TestSlow', 10_000],
      ['TestMid', 3_000],
      ['TestFast', 1_000]
    ])
    // TestNew counts 3 s: after TestSlow (10) and TestMid (3) it joins TestMid's shard (6), then
    // TestFast goes there too (7 < 10).
    expect(splitTests(['TestFast', 'TestMid', 'TestNew', 'TestSlow'], 2, durations)).toEqual([
      ['TestSlow'],
      ['TestFast', 'TestMid', 'TestNew']
    ])
  })

  it('gives each test once even when the list repeats it', () => {
    expect(splitTests(['TestA', 'TestA', 'TestB'], 2)).toEqual([['TestA'], ['TestB']])
  })

  it('makes the groups the shard fixtures were captured with', () => {
    const list = parseTestList(fs.readFileSync('__fixtures__/gotest/test-list-shards.txt', 'utf8'))
    // capture-shards.sh runs these two patterns; keep them in step.
    expect(splitTests(list, 2).map(runPattern)).toEqual([
      '^(ExampleReverse|TestAreaNegative|TestGradeLow|TestSkipped)$',
      '^(TestArea|TestGrade|TestReverse)$'
    ])
  })

  it('is deterministic and never makes empty shards', () => {
    expect(splitTests(['TestB', 'TestA'], 5)).toEqual([['TestA'], ['TestB']])
    expect(splitTests(names, 3)).toEqual(splitTests([...names].reverse(), 3))
  })
})

describe('shard args', () => {
  it('anchors the names and escapes regexp characters', () => {
    expect(runPattern(['TestA', 'Test_B'])).toBe('^(TestA|Test_B)$')
    expect(new RegExp(runPattern(['TestA'])).test('TestAB')).toBe(false)
    expect(runPattern(['Test.x'])).toBe('^(Test\\.x)$')
  })

  it("keeps the subtest part of the user's -test.run", () => {
    expect(shardArgs(['-test.run=TestGrade/A', '-test.v'], ['TestGrade'])).toEqual([
      '-test.v',
      '-test.run=^(TestGrade)$/A'
    ])
  })

  it('narrows alternatives with subtests by -test.skip of the other shards', () => {
    const args = ['-test.run=TestGrade/B|TestArea$/x', '-test.skip=Flaky', '-test.v']
    expect(shardArgList(args, [['TestGrade'], ['TestArea', 'TestAreaNegative']])).toEqual([
      [
        '-test.v',
        '-test.run=TestGrade/B|TestArea$/x',
        '-test.skip=Flaky|^(TestArea|TestAreaNegative)$'
      ],
      ['-test.v', '-test.run=TestGrade/B|TestArea$/x', '-test.skip=Flaky|^(TestGrade)$']
    ])
  })

  it("replaces the user's -test.run in both spellings and keeps the rest", () => {
    expect(shardArgs(['-test.v', '-test.run', 'X', '-test.count=1'], ['TestA'])).toEqual([
      '-test.v',
      '-test.count=1',
      '-test.run=^(TestA)$'
    ])
    expect(shardArgs(['-test.run=Y', '-test.v'], ['TestA', 'TestB'])).toEqual([
      '-test.v',
      '-test.run=^(TestA|TestB)$'
    ])
  })
})

describe('splitRunPattern', () => {
  it("splits like Go's testing: | between alternatives, / between levels, not inside [] or ()", () => {
    expect(splitRunPattern('TestA')).toEqual([['TestA']])
    expect(splitRunPattern('TestA/fast|TestB')).toEqual([['TestA', 'fast'], ['TestB']])
    expect(splitRunPattern('^(TestA|TestB)$/x/y')).toEqual([['^(TestA|TestB)$', 'x', 'y']])
    expect(splitRunPattern('Test[/|]x')).toEqual([['Test[/|]x']])
    expect(splitRunPattern('Test\\/x')).toEqual([['Test\\/x']])
    expect(splitRunPattern('/sub')).toEqual([['', 'sub']])
  })
})

describe('listArgs', () => {
  it('lists everything by default and drops what a listing does not use', () => {
    expect(listArgs(['-test.v', '-test.coverprofile=/dev/stdout', '-db', 'x'])).toEqual([
      '-test.v',
      '-db',
      'x',
      '-test.list=.'
    ])
  })

  it("lists only what the user's -test.run selects at the top level", () => {
    expect(listArgs(['-test.run', 'TestWorkflow', '-test.v'])).toEqual([
      '-test.v',
      '-test.list=TestWorkflow'
    ])
    expect(listArgs(['-test.run=TestGrade/B'])).toEqual(['-test.list=TestGrade'])
    expect(listArgs(['-test.run=TestGrade$/B|TestArea', '-test.skip=X'])).toEqual([
      '-test.list=(?:TestGrade$)|(?:TestArea)'
    ])
    expect(listArgs(['-test.run=/sub'])).toEqual(['-test.list=.'])
  })
})

describe('durationsFromResults', () => {
  it('reads top-level test durations from a results.json', () => {
    const json = JSON.stringify({
      tests: [
        { name: 'TestA', status: 'pass', durationMs: 1200 },
        { name: 'TestA/sub', status: 'pass', durationMs: 1100 },
        { name: 'TestB', status: 'skip', durationMs: null }
      ]
    })
    expect([...durationsFromResults(json)]).toEqual([['TestA', 1200]])
  })
})

describe('mergeRuns', () => {
  it('adds up real shard logs and fails when one shard failed', () => {
    const pass = parseTestLog(fs.readFileSync('__fixtures__/gotest/pass.txt', 'utf8'))
    const fail = parseTestLog(fs.readFileSync('__fixtures__/gotest/fail.txt', 'utf8'))
    const merged = mergeRuns([pass, fail])
    expect(merged.passed).toBe(pass.passed + fail.passed)
    expect(merged.failed).toBe(pass.failed + fail.failed)
    expect(merged.tests).toHaveLength(pass.tests.length + fail.tests.length)
    expect(merged.status).toBe('failed')
    expect(merged.coverage).toBeUndefined()
    expect(mergeRuns([pass, pass]).status).toBe('passed')
  })
})

describe('withCoverProfile', () => {
  const listing = (name: string) => fs.readFileSync(`__fixtures__/gotest/${name}`, 'utf8')

  it('adds -test.coverprofile=/dev/stdout for a binary built with -cover', () => {
    expect(withCoverProfile(['-test.v'], listing('test-list-shards.txt'))).toEqual([
      '-test.v',
      '-test.coverprofile=/dev/stdout'
    ])
  })

  it("keeps the user's own, and adds nothing to a binary without coverage", () => {
    const own = ['-test.coverprofile', '/tmp/c.out']
    expect(withCoverProfile(own, listing('test-list-shards.txt'))).toEqual(own)
    // A binary built without -cover lists its tests and nothing else (it would exit 2 on the flag).
    expect(withCoverProfile(['-test.v'], 'TestA\nTestB\n')).toEqual(['-test.v'])
  })
})
