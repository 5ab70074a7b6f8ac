import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { dockerignorePatterns, excludesItself } from '../../src/image/dockerignore.js'

const example = fs.readFileSync(
  path.join(import.meta.dirname, '../../example/.dockerignore'),
  'utf8'
)

describe('excludesItself', () => {
  it("is true for the example's .dockerignore, and false without its last line", () => {
    expect(excludesItself(example)).toBe(true)
    const without = example
      .split('\n')
      .filter((l) => l !== '.dockerignore')
      .join('\n')
    expect(excludesItself(without)).toBe(false)
  })

  it("follows docker's patterns: globs in a segment, ** across them, a leading / or ./", () => {
    for (const p of [
      '.dockerignore',
      '/.dockerignore',
      './.dockerignore',
      '.*',
      '*',
      '**',
      '.docker*',
      '**/.dockerignore',
      '.dockerignor?',
      '.[d]ockerignore'
    ])
      expect([p, excludesItself(`${p}\n`)]).toEqual([p, true])
    for (const p of [
      '*.md',
      'deploy/',
      '*/.dockerignore',
      '.dockerignore/x',
      'dockerignore',
      '\\.*x'
    ])
      expect([p, excludesItself(`${p}\n`)]).toEqual([p, false])
  })

  it('lets the last matching pattern win, and skips comments and blank lines', () => {
    expect(excludesItself('.*\n!.dockerignore\n')).toBe(false)
    expect(excludesItself('!.dockerignore\n.*\n')).toBe(true)
    expect(excludesItself('# .dockerignore\n\n   \n')).toBe(false)
    expect(excludesItself('  .dockerignore  \r\n')).toBe(true)
  })

  it('reads patterns as docker does', () => {
    expect(dockerignorePatterns('a/\n! ./b//c\n#x\n/d\n')).toEqual([
      { pattern: 'a', negated: false },
      { pattern: 'b/c', negated: true },
      { pattern: 'd', negated: false }
    ])
  })
})
