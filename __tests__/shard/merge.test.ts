import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { profileFromLog, totalCoverage } from '../../src/results/cover-profile.js'
import { parseTestLog } from '../../src/results/gotest.js'
import { combinedLog, mergeShardLogs, parseLogFile } from '../../src/shard/merge.js'

// capture-shards.sh: the shards-src package run whole and as the two shards splitTests makes,
// each with its cover profile printed into its log (-test.coverprofile=/dev/stdout).
const read = (name: string) => fs.readFileSync(`__fixtures__/gotest/${name}.txt`, 'utf8')
const statuses = (tests: Array<{ name: string; status: string }>) =>
  Object.fromEntries(tests.map((t) => [t.name, t.status]))

describe('mergeShardLogs', () => {
  for (const mode of ['atomic', 'set']) {
    it(`gives the whole run's tests, counts and coverage (${mode} mode)`, () => {
      const whole = parseTestLog(read(`shard-${mode}-full`))
      const merged = mergeShardLogs([read(`shard-${mode}-1`), read(`shard-${mode}-2`)])
      // Each shard alone covers less than the whole run: only the merge gives its figure.
      for (const s of merged.shards) expect(s.run.coverage).toBeLessThan(whole.coverage!)
      expect(merged.run.coverage).toBe(whole.coverage)
      expect(merged.run.coverage).toBe(91.7)
      expect(merged.run.passed).toBe(whole.passed)
      expect(merged.run.failed).toBe(whole.failed)
      expect(merged.run.skipped).toBe(whole.skipped)
      expect(statuses(merged.run.tests)).toEqual(statuses(whole.tests))
      expect(merged.run.status).toBe(whole.status)
    })
  }

  it('merges the logs of a real Indexed Job to the whole run (capture-indexed.sh)', () => {
    const logs = [0, 1].map((i) => fs.readFileSync(`__fixtures__/k8s/log-indexed-${i}.txt`, 'utf8'))
    const whole = parseTestLog(read('shard-atomic-full'))
    const merged = mergeShardLogs(logs)
    expect(merged.shards.map((s) => s.run.coverage)).toEqual([66.7, 75])
    expect(merged.run.coverage).toBe(whole.coverage)
    expect(statuses(merged.run.tests)).toEqual(statuses(whole.tests))
    expect([merged.run.passed, merged.run.failed, merged.run.skipped]).toEqual([6, 2, 1])
  })

  it('keeps the failures of every shard, with their messages', () => {
    const merged = mergeShardLogs([read('shard-atomic-1'), read('shard-atomic-2')])
    expect(merged.run.status).toBe('failed')
    const failed = merged.run.tests.filter((t) => t.status === 'fail')
    expect(failed.map((t) => t.name).sort()).toEqual(['TestGradeLow', 'TestReverse'])
    expect(failed.find((t) => t.name === 'TestGradeLow')?.failure?.message).toContain(
      'deliberate failure'
    )
    expect(failed.find((t) => t.name === 'TestReverse')?.failure?.message).toContain('Reverse')
  })

  it('covers a block in set mode when any shard did, and adds up hits in atomic mode', () => {
    const set = mergeShardLogs([read('shard-set-1'), read('shard-set-2')])
    const wholeSet = profileFromLog(read('shard-set-full'))!
    expect([...set.profile!.blocks]).toEqual([...wholeSet.blocks])

    const atomic = mergeShardLogs([read('shard-atomic-1'), read('shard-atomic-2')])
    const [a, b] = atomic.shards.map((s) => s.profile!)
    for (const [key, block] of atomic.profile!.blocks)
      expect(block.count).toBe(a.blocks.get(key)!.count + b.blocks.get(key)!.count)
    // Grade's `return "B"` (line 19 on) runs in shard 2 only, its `return "C"` in shard 1 only.
    const hits = (p: typeof a, line: number) =>
      [...p.blocks].filter(([k]) => k.includes(`shapes.go:${line}.`)).map(([, v]) => v.count)
    expect(hits(a, 19)).toEqual([0])
    expect(hits(b, 19)).toEqual([1])
    expect(hits(atomic.profile!, 19)).toEqual([1])
    expect(hits(a, 21)).toEqual([1])
    expect(hits(b, 21)).toEqual([0])
    expect(hits(atomic.profile!, 21)).toEqual([1])
    expect(totalCoverage(atomic.profile!).percent).toBe(91.7)
  })

  it('leaves the coverage unknown when a shard printed no profile (panicked, killed)', () => {
    const panicked = fs.readFileSync('__fixtures__/gotest/panic.txt', 'utf8')
    const merged = mergeShardLogs([read('shard-atomic-1'), panicked])
    expect(merged.run.coverage).toBeUndefined()
    expect(merged.profile).toBeDefined()
    expect(merged.run.panic).toBeDefined()
  })

  it("never merges a cut profile: every cut of shard 2's profile is reported", () => {
    const log = read('shard-atomic-2')
    const start = log.indexOf('mode: atomic\n') + 'mode: atomic\n'.length
    const whole = mergeShardLogs([read('shard-atomic-1'), log])
    expect(whole.incomplete).toBeUndefined()
    // The runtime lost the tail of the pipe: any byte of the profile can be the last one kept.
    for (let cut = start + 1; cut < log.trimEnd().length; cut++) {
      const merged = mergeShardLogs([read('shard-atomic-1'), log.slice(0, cut)])
      expect({ cut, coverage: merged.run.coverage }).toEqual({ cut, coverage: undefined })
      expect({ cut, shards: merged.incomplete?.map((x) => x.shard) }).toEqual({ cut, shards: [2] })
      expect(merged.run.coverageNote).toMatch(
        /^no coverage: the cover profile of shard 2 is incomplete/
      )
      expect(merged.profile?.incomplete).toMatch(/^shard 2: /)
    }
  })

  it('says why, when the shards printed only their coverage lines (no -test.coverprofile)', () => {
    const noProfile = (name: string) => read(name).split('mode: atomic\n')[0]
    const merged = mergeShardLogs([noProfile('shard-atomic-1'), noProfile('shard-atomic-2')])
    expect(merged.run.coverage).toBeUndefined()
    expect(merged.run.coverageNote).toBe(
      "no coverage for the whole run: each shard printed only its own (66.7%, 75%), and shards' figures do not add up; run the binary with -test.coverprofile=/dev/stdout to merge their profiles"
    )
  })

  it('gives one log exactly what parsing it gives', () => {
    const log = read('shard-atomic-full')
    const one = mergeShardLogs([log])
    expect(one.run).toEqual(parseTestLog(log))
    expect(one.profile).toEqual(profileFromLog(log))
  })
})

describe('combinedLog', () => {
  it('puts each shard under its header, in order', () => {
    const text = combinedLog([
      { name: 'tests-s1', text: 'a\n' },
      { name: 'tests-s2', text: 'b\n' }
    ])
    expect(text).toBe('### shard 1/2 (Job tests-s1)\na\n\n### shard 2/2 (Job tests-s2)\nb\n')
  })
})

describe('parseLogFile', () => {
  const tmp = (text: string) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'merge-')), 'tests.log')
    fs.writeFileSync(file, text)
    return file
  }

  it("gives a sharded tests.log the run's coverage, not the last shard's line", async () => {
    const text = combinedLog([
      { name: 'tests-s1', text: read('shard-atomic-1') },
      { name: 'tests-s2', text: read('shard-atomic-2') }
    ])
    const merged = await parseLogFile(tmp(text))
    expect(merged.shards.length).toBe(2)
    expect(merged.run.coverage).toBe(91.7)
    expect(merged.run).toEqual(mergeShardLogs([read('shard-atomic-1'), read('shard-atomic-2')]).run)
  })

  it("keeps a shard's flaky tests", () => {
    const count = fs.readFileSync('__fixtures__/gotest/t2j/logs/go1.26-plain-v-count.txt', 'utf8')
    expect(mergeShardLogs([read('shard-atomic-1'), count]).run.flaky).toEqual(['TestFlaky'])
  })

  it('parses a single log whole', async () => {
    const merged = await parseLogFile(tmp(read('shard-atomic-full')))
    expect(merged.run).toEqual(parseTestLog(read('shard-atomic-full')))
  })
})
