import { describe, expect, it } from '@jest/globals'
import { quietDependencyDeprecations, warningCode } from '../src/quiet-deprecations.js'

function fakeProcess() {
  const printed: unknown[][] = []
  const proc = {
    emitWarning: (warning: string | Error, ...rest: unknown[]) => {
      printed.push([warning, ...rest])
    }
  }
  quietDependencyDeprecations(proc)
  return { proc, printed }
}

describe('quietDependencyDeprecations', () => {
  // The two calls as Node 24 makes them (node:punycode, node:url), then other warnings.
  it('drops punycode and url.parse deprecations, in the forms Node emits them', () => {
    const { proc, printed } = fakeProcess()
    proc.emitWarning(
      'The `punycode` module is deprecated. Please use a userland alternative instead.',
      'DeprecationWarning',
      'DEP0040'
    )
    proc.emitWarning('`url.parse()` behavior is not standardized', {
      type: 'DeprecationWarning',
      code: 'DEP0169'
    })
    expect(printed).toEqual([])
  })

  it('lets every other warning through unchanged', () => {
    const { proc, printed } = fakeProcess()
    proc.emitWarning('Buffer() is deprecated', 'DeprecationWarning', 'DEP0005')
    proc.emitWarning('an experimental feature', 'ExperimentalWarning')
    proc.emitWarning('plain')
    expect(printed).toEqual([
      ['Buffer() is deprecated', 'DeprecationWarning', 'DEP0005'],
      ['an experimental feature', 'ExperimentalWarning'],
      ['plain']
    ])
  })

  it('reads the code from an Error, options or the third argument', () => {
    const e = Object.assign(new Error('x'), { code: 'DEP0169' })
    expect(warningCode(e, [])).toBe('DEP0169')
    expect(warningCode('x', [{ code: 'DEP0040' }])).toBe('DEP0040')
    expect(warningCode('x', ['DeprecationWarning', 'DEP0040'])).toBe('DEP0040')
    expect(warningCode('x', ['DeprecationWarning'])).toBeUndefined()
  })
})
