import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import {
  coverageByPackage,
  formatProfile,
  mergeProfiles,
  parseCoverProfile,
  profileFromLog,
  totalCoverage
} from '../../src/results/cover-profile.js'
import { parseTestLog } from '../../src/results/gotest.js'

const fixture = (name: string) => fs.readFileSync(`__fixtures__/gotest/${name}`, 'utf8')

describe('cover profiles captured from the fixture binary', () => {
  it('computes the same total as the binary printed, in every mode', () => {
    for (const name of ['atomic.cover', 'count.cover', 'set.cover']) {
      expect(totalCoverage(parseCoverProfile(fixture(name)))).toEqual({
        statements: 5,
        covered: 1,
        percent: 20
      })
    }
    expect(parseTestLog(fixture('coverprofile.txt')).coverage).toBe(20)
  })

  it('merges runs: counts add up, set ORs, a block counts once', () => {
    const count = mergeProfiles([
      parseCoverProfile(fixture('count.cover')),
      parseCoverProfile(fixture('count-fail.cover'))
    ])!
    expect(count.blocks.get('example.com/fixtures/calc.go:6.24,6.40')).toEqual({
      file: 'example.com/fixtures/calc.go',
      statements: 1,
      count: 10
    })
    expect(totalCoverage(count)).toEqual({ statements: 5, covered: 1, percent: 20 })
    const set = mergeProfiles([
      parseCoverProfile(fixture('set.cover')),
      parseCoverProfile(fixture('set-fail.cover'))
    ])!
    expect(set.blocks.get('example.com/fixtures/calc.go:6.24,6.40')?.count).toBe(1)
    expect(() => mergeProfiles([count, set])).toThrow(
      'cannot merge cover profiles of different modes: count, set'
    )
  })

  it('merges disjoint coverage from two runs into more coverage', () => {
    const a = parseCoverProfile(
      'mode: set\nm/p/a.go:1.1,2.2 2 1\nm/p/a.go:3.1,4.2 3 0\nm/q/b.go:1.1,2.2 5 0\n'
    )
    const b = parseCoverProfile(
      'mode: set\nm/p/a.go:1.1,2.2 2 0\nm/p/a.go:3.1,4.2 3 1\nm/q/b.go:1.1,2.2 5 0\n'
    )
    const merged = mergeProfiles([a, b])!
    expect(totalCoverage(a).percent).toBe(20)
    expect(totalCoverage(merged)).toEqual({ statements: 10, covered: 5, percent: 50 })
    expect(coverageByPackage(merged)).toEqual([
      { package: 'm/p', statements: 5, covered: 5, percent: 100 },
      { package: 'm/q', statements: 5, covered: 0, percent: 0 }
    ])
    expect(parseCoverProfile(formatProfile(merged)).blocks).toEqual(merged.blocks)
  })

  it('finds the profile a binary printed to stdout, after its coverage line', () => {
    const p = profileFromLog(fixture('coverprofile-stdout.txt'))!
    expect(p.mode).toBe('atomic')
    expect(totalCoverage(p).percent).toBe(parseTestLog(fixture('coverprofile-stdout.txt')).coverage)
    expect(profileFromLog(fixture('pass.txt'))).toBeUndefined()
  })

  it('rejects text that is not a profile', () => {
    expect(() => parseCoverProfile('PASS\n')).toThrow(
      /first line must be "mode: set\|count\|atomic"/
    )
    expect(() => parseCoverProfile('mode: set\ngarbage')).toThrow(
      'not a cover profile line: garbage'
    )
  })
})
