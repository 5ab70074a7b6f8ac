import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import {
  durationsFromResults,
  mergeRuns,
  parseTestList,
  runPattern,
  shardArgs,
  splitTests
} from '../../src/shard/shard.js'
import { parseTestLog } from '../../src/results/gotest.js'

// What the example's test binary printed for `-test.list .` in the local cluster (a listing Job
// of the action), including the coverage runtime's warning on its last line.
const listed = fs.readFileSync('__fixtures__/gotest/test-list-example.txt', 'utf8')

describe('parseTestList', () => {
  it('keeps the test names and drops what else the binary prints', () => {
    const names = parseTestList(listed)
    expect(names).toHaveLength(19)
    expect(names[0]).toBe('TestSlowSuite01')
    expect(names).toContain('TestWorkflowLifecycle')
    expect(names.some((n) => n.includes('warning'))).toBe(false)
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
