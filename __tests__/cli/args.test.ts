import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import { parse } from 'yaml'
import { parseCli, UsageError } from '../../src/cli/args.js'
import { INPUT_NAMES } from '../../src/inputs/index.js'

describe('parseCli', () => {
  it('maps flags to inputs in both spellings', () => {
    expect(
      parseCli([
        'run',
        '--cluster',
        'existing',
        '--kubeconfig=/k',
        '--test-args',
        '-test.v -test.count=1'
      ])
    ).toEqual({
      command: 'run',
      inputs: { cluster: 'existing', kubeconfig: '/k', 'test-args': '-test.v -test.count=1' }
    })
  })

  it('parses the report command', () => {
    expect(parseCli(['report', '--log', 'tests.log', '--json'])).toEqual({
      command: 'report',
      log: 'tests.log',
      json: true,
      coverprofile: undefined,
      source: '.'
    })
    expect(parseCli(['report', '--log=tests.log'])).toMatchObject({ json: false })
    // The checkout the tests were built from: the current directory unless told.
    expect(parseCli(['report', '--log', 'tests.log', '--source', 'svc'])).toMatchObject({
      source: 'svc'
    })
  })

  it('refuses unknown commands, flags, duplicates and missing values with a usage error', () => {
    expect(() => parseCli(['deploy'])).toThrow(UsageError)
    expect(() => parseCli(['run', '--clster', 'kind'])).toThrow(
      "unknown flag --clster; the flags are the action's inputs (see --help)"
    )
    expect(() => parseCli(['run', '--cluster', 'a', '--cluster', 'b'])).toThrow(
      '--cluster is given twice'
    )
    expect(() => parseCli(['run', '--cluster'])).toThrow('--cluster needs a value')
    // Inputs of one entry per line take their flag once per entry.
    expect(parseCli(['run', '--env', 'A=1', '--env', 'B=2', '--secret-env=C=3'])).toMatchObject({
      inputs: { env: 'A=1\nB=2', 'secret-env': 'C=3' }
    })
    expect(() => parseCli(['run', 'kind'])).toThrow(/unexpected argument 'kind'/)
    expect(() => parseCli(['report'])).toThrow('report needs --log FILE')
  })

  it('shows help', () => {
    expect(parseCli([])).toEqual({ command: 'help' })
    expect(parseCli(['run', '--help'])).toEqual({ command: 'help' })
  })
})

describe('inputs stay in step', () => {
  const action = parse(fs.readFileSync('action.yml', 'utf8')) as {
    inputs: Record<string, { description: string; default?: string }>
  }

  it('action.yml declares exactly the inputs the code reads, each with a description and default', () => {
    expect(Object.keys(action.inputs).sort()).toEqual([...INPUT_NAMES].sort())
    for (const [name, input] of Object.entries(action.inputs)) {
      expect(`${name}: ${input.description}`.length).toBeGreaterThan(name.length + 20)
      expect(input.default).toBeDefined()
    }
  })

  it('the README documents every input and output', () => {
    const readme = fs.readFileSync('README.md', 'utf8')
    const outputs = Object.keys(
      (parse(fs.readFileSync('action.yml', 'utf8')) as { outputs: object }).outputs
    )
    for (const name of [...INPUT_NAMES, ...outputs]) expect(readme).toContain(`| \`${name}\` |`)
  })
})
