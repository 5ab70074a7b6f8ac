import { describe, expect, it } from '@jest/globals'
import { callsOnLine, goFile, matchesFormat, tokenize } from '../../src/results/go-source.js'

const code = [
  'package x',
  '',
  '// t.Errorf("in a comment") is not a call',
  'func helper(t *testing.T, want string) {',
  '\tt.Helper()',
  '\tt.Logf("checking %s", want) /* t.Fatal("no") */',
  '}',
  '',
  'func TestX(t *testing.T) {',
  '\ts.Require().NoError(err)',
  '\tg.Expect(x).',
  '\t\tTo(Equal(`multi',
  'line`), "desc")',
  '\tt.Log(err.Error())',
  '\tr := \'x\'; t.Errorf("a \\"quoted\\" %d", 1)',
  '}'
].join('\n')

describe('go-source', () => {
  it('tokenizes strings, raw strings and runes, and drops comments', () => {
    const tokens = tokenize(code)
    expect(tokens.filter((t) => t.kind === 'string').map((t) => [t.text, t.line])).toEqual([
      ['checking %s', 6],
      ['multi\nline', 12],
      ['desc', 13],
      ['a "quoted" %d', 15]
    ])
    expect(tokens.some((t) => t.text.includes('in a comment') || t.text === 'no')).toBe(false)
  })

  it('finds the calls named on a line, with their receiver chain, depth and first literal', () => {
    const f = goFile(code)
    const brief = (line: number) =>
      callsOnLine(f, line).map((c) => [c.recv.join('.'), c.name, c.depth, c.args, c.literal])
    expect(brief(10)).toEqual([
      ['s', 'Require', 0, 0, undefined],
      ['s.Require()', 'NoError', 0, 1, undefined]
    ])
    // A chain broken over lines: the call on line 12 knows its receiver from line 11.
    expect(brief(12)).toEqual([
      ['g.Expect()', 'To', 0, 2, undefined],
      ['', 'Equal', 1, 1, 'multi\nline']
    ])
    expect(brief(14)).toEqual([
      ['t', 'Log', 0, 1, undefined],
      ['err', 'Error', 1, 0, undefined]
    ])
    expect(brief(15)).toEqual([['t', 'Errorf', 0, 2, 'a "quoted" %d']])
    expect([...f.funcs.keys()]).toEqual(['helper', 'TestX'])
  })

  it('matches a printed message to a format without regular expressions', () => {
    expect(matchesFormat('status = %q, want %q', 'status = "draft", want "active"', true)).toBe(
      true
    )
    expect(matchesFormat('queue length = %d, want 0', 'queue length = 3, want 0', true)).toBe(true)
    expect(matchesFormat('comparing status %q', 'status = "draft", want "active"', true)).toBe(
      false
    )
    expect(matchesFormat('100%% done: %v', '100% done: yes', true)).toBe(true)
    expect(matchesFormat('.*', 'anything', true)).toBe(false)
    expect(matchesFormat('child: status', 'child: status is draft', false)).toBe(true)
  })
})
