import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {
  checkActionMetadata,
  expressionsIn,
  type CodeContract
} from '../scripts/lib/action-metadata.js'
import { INPUT_NAMES } from '../src/inputs/table.js'
import { outputs } from '../src/report/report.js'

const actionYml = fs.readFileSync('action.yml', 'utf8')
// The outputs main sets: every key of the report's outputs, whatever the run's status.
const codeOutputs = Object.keys(
  outputs({
    status: 'error',
    headline: '',
    details: [],
    durationMs: 0,
    timings: [],
    locate: () => undefined
  })
)
const code: CodeContract = {
  inputs: INPUT_NAMES,
  outputs: codeOutputs,
  exists: (p) => fs.existsSync(path.join(process.cwd(), p))
}
const messages = (text: string, contract: CodeContract = code) =>
  checkActionMetadata(text, contract).map((p) => `${p.at}: ${p.message}`)
/** action.yml with one exact piece of text replaced (the replacement must happen). */
function broken(from: string | RegExp, to: string): string {
  const changed = actionYml.replace(from, to)
  expect(changed).not.toBe(actionYml)
  return changed
}

describe('action.yml as a workflow engine reads it', () => {
  it('has no problem', () => {
    expect(messages(actionYml)).toEqual([])
  })

  it('is checked against what the code reads and sets (the contract is not empty)', () => {
    expect(code.inputs.length).toBeGreaterThan(50)
    expect(codeOutputs).toEqual(expect.arrayContaining(['status', 'coverage', 'kubeconfig']))
  })
})

describe('broken copies of action.yml fail the check', () => {
  it('an expression in a description (the load error of issue 22)', () => {
    const text = broken("followed by the job's name", '`${{ github.job }}`')
    expect(messages(text)).toEqual([
      expect.stringMatching(
        /^inputs\.upload-artifact\.description \(line \d+\): expressions are not allowed here .*github\.job/
      )
    ])
  })

  it('an expression in the action description, an output description, a key or runs', () => {
    expect(messages(broken(/^name: in-cluster-test$/m, 'name: ${{ github.repository }}'))).toEqual([
      expect.stringMatching(/^name \(line 1\): expressions are not allowed here/)
    ])
    expect(
      messages(broken("description: 'passed, failed, timeout or error.'", 'description: ${{ 1 }}'))
    ).toEqual([expect.stringMatching(/^outputs\.status\.description .*not allowed here/)])
    expect(
      messages(broken('main: dist/main/index.js', "main: ${{ 'dist/main/index.js' }}"))
    ).toEqual(expect.arrayContaining([expect.stringMatching(/^runs\.main .*not allowed here/)]))
  })

  it('a default that uses a context the runner does not give defaults', () => {
    expect(
      messages(broken('default: ${{ github.token }}', 'default: ${{ secrets.GITHUB_TOKEN }}'))
    ).toEqual([
      expect.stringMatching(/^inputs\.github-token\.default .*Unrecognized named-value: 'secrets'/)
    ])
    expect(
      messages(broken('default: ${{ github.token }}', 'default: ${{ inputs.namespace }}-x'))
    ).toEqual([expect.stringMatching(/Unrecognized named-value: 'inputs'/)])
    expect(messages(broken('default: ${{ github.token }}', 'default: ${{ env.TOKEN }}'))).toEqual([
      expect.stringMatching(/Unrecognized named-value: 'env'/)
    ])
    expect(messages(broken('default: ${{ github.token }}', 'default: ${{ always() }}'))).toEqual([
      expect.stringMatching(/Unrecognized function: 'always'/)
    ])
  })

  it('a default with the contexts and functions a runner allows there passes', () => {
    for (const expr of [
      '${{ github.token }}',
      '${{ runner.temp }}/x',
      "${{ hashFiles('**/go.sum') }}",
      "${{ format('{0}-{1}', github.job, matrix.case) }}",
      "${{ job.container.id || 'none' }}",
      '${{ strategy.job-index }}',
      '${{ github.event.pull_request.head.sha || github.sha }}'
    ])
      expect({
        expr,
        problems: messages(broken('default: ${{ github.token }}', `default: "${expr}"`))
      }).toEqual({
        expr,
        problems: []
      })
  })

  it('a runtime the runners do not have, or a bundle that is not built', () => {
    expect(messages(broken('using: node24', 'using: node16'))).toEqual([
      expect.stringMatching(/^runs\.using: 'node16' is not a JavaScript runtime the runners have/)
    ])
    expect(messages(broken('main: dist/main/index.js', 'main: dist/main/missing.js'))).toEqual([
      'runs.main: dist/main/missing.js does not exist (build dist/)'
    ])
    expect(messages(actionYml, { ...code, exists: () => false })).toEqual([
      'runs.main: dist/main/index.js does not exist (build dist/)',
      'runs.post: dist/post/index.js does not exist (build dist/)'
    ])
    expect(messages(broken('post-if: always()', 'post-if: ${{ always() }}'))).toEqual([
      'runs.post-if: a condition is a bare expression, without ${{ }}'
    ])
  })

  it('inputs and outputs that drift from the code', () => {
    expect(messages(actionYml, { ...code, inputs: [...code.inputs, 'new-input'] })).toEqual([
      "inputs: the code reads input 'new-input', action.yml does not declare it"
    ])
    expect(
      messages(actionYml, { ...code, inputs: code.inputs.filter((n) => n !== 'shards') })
    ).toEqual(['inputs.shards: declared, but the code never reads it'])
    expect(messages(actionYml, { ...code, outputs: [...code.outputs, 'new-output'] })).toEqual([
      "outputs: the code sets output 'new-output', action.yml does not declare it"
    ])
    expect(
      messages(actionYml, { ...code, outputs: code.outputs.filter((n) => n !== 'diagnosis') })
    ).toEqual(['outputs.diagnosis: declared, but the code never sets it'])
  })

  it('a repeated key, a missing description, an unknown key, an upper-case id', () => {
    expect(
      messages(broken(/^outputs:\n/m, 'outputs:\n  status:\n    description: again\n'))
    ).toEqual([expect.stringMatching(/line \d+: Map keys must be unique/)])
    expect(messages(broken(/^ {2}cluster:\n {4}description: [^\n]+\n/m, '  cluster:\n'))).toEqual(
      expect.arrayContaining(['inputs.cluster.description: every input needs a description'])
    )
    expect(messages(broken(/^ {2}cluster:\n/m, '  cluster:\n    type: string\n'))).toEqual([
      "inputs.cluster.type: unknown key 'type'"
    ])
    expect(
      messages(broken(/^ {2}cluster:\n/m, '  Cluster:\n'), {
        ...code,
        inputs: code.inputs.map((n) => (n === 'cluster' ? 'Cluster' : n))
      })
    ).toEqual(['inputs.Cluster: the runner lowercases input ids: use lowercase'])
  })
})

describe('expressionsIn', () => {
  it('finds named values and functions, skipping string literals and properties', () => {
    expect(expressionsIn("a ${{ github.job }} b ${{ format('{0}}', env.X) }}")).toEqual([
      { text: 'github.job', namedValues: ['github'], functions: [] },
      { text: "format('{0}}', env.X)", namedValues: ['env'], functions: ['format'] }
    ])
    expect(expressionsIn("${{ github['event'].x && true || null }}")[0].namedValues).toEqual([
      'github'
    ])
    expect(expressionsIn('no expression $ {{ x }}')).toEqual([])
  })
})
