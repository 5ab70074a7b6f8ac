import { beforeAll, describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { getInputs, InputError, type Environment } from '../../src/inputs/index.js'

let ws: string
let env: Environment

beforeAll(() => {
  ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ict-helm-inputs-'))
  fs.writeFileSync(path.join(ws, 'Dockerfile.test'), 'FROM scratch\n')
  fs.mkdirSync(path.join(ws, 'deploy', 'chart'), { recursive: true })
  fs.writeFileSync(path.join(ws, 'deploy', 'chart', 'Chart.yaml'), 'apiVersion: v2\nname: c\n')
  fs.writeFileSync(path.join(ws, 'deploy', 'chart', 'values-ci.yaml'), 'replicas: 2\n')
  fs.writeFileSync(path.join(ws, 'deploy', 'ci.yaml'), 'replicas: 3\n')
  fs.mkdirSync(path.join(ws, 'plain'))
  fs.writeFileSync(path.join(ws, 'app.yaml'), 'kind: Application\n')
  env = {
    workspace: ws,
    inActions: true,
    sha: 'a'.repeat(40),
    repositoryUrl: 'https://github.com/o/r.git'
  }
})

const read = (values: Record<string, string>) => getInputs((n) => values[n] ?? '', env)

function errorOf(values: Record<string, string>): InputError {
  try {
    read(values)
  } catch (e) {
    expect(e).toBeInstanceOf(InputError)
    return e as InputError
  }
  throw new Error('expected an InputError')
}

describe('helm inputs for a chart in manifests', () => {
  it('gives the pinned helm and no values by default', () => {
    expect(read({}).deploy.helm).toEqual({
      valueFiles: [],
      values: undefined,
      version: 'v3.18.4',
      path: undefined
    })
  })

  it('reads value files (in the workspace, in order) and inline values as a nested map', () => {
    const i = read({
      manifests: 'deploy/chart',
      'helm-value-files': 'deploy/chart/values-ci.yaml\ndeploy/ci.yaml',
      'helm-values': 'workflows:\n  replicas: 2\n  image: {tag: "1.2"}\n'
    })
    expect(i.deploy.helm.valueFiles).toEqual([
      path.join(ws, 'deploy/chart/values-ci.yaml'),
      path.join(ws, 'deploy/ci.yaml')
    ])
    expect(i.deploy.helm.values).toEqual({ workflows: { replicas: 2, image: { tag: '1.2' } } })
  })

  it('refuses inline values that are not valid YAML, naming the input and the YAML error', () => {
    const e = errorOf({ manifests: 'deploy/chart', 'helm-values': 'workflows:\n  replicas: [2\n' })
    expect(e.input).toBe('helm-values')
    expect(e.message).toMatch(/^Input 'helm-values': is not valid YAML: /)
  })

  it('refuses inline values that are YAML but not a map of values', () => {
    expect(errorOf({ manifests: 'deploy/chart', 'helm-values': '- a\n- b\n' }).message).toBe(
      "Input 'helm-values': must be a YAML map of chart values (e.g. `replicas: 2`), as in a values file"
    )
    expect(errorOf({ manifests: 'deploy/chart', 'helm-values': 'just words' }).input).toBe(
      'helm-values'
    )
  })

  it('refuses a value file that does not exist, before any cluster work', () => {
    const e = errorOf({ manifests: 'deploy/chart', 'helm-value-files': 'deploy/chart/nope.yaml' })
    expect(e.message).toBe(
      `Input 'helm-value-files': ${path.join(ws, 'deploy/chart/nope.yaml')} is not a file: it should be a Helm values file`
    )
  })

  it('refuses values with no chart to give them to', () => {
    expect(errorOf({ manifests: 'plain', 'helm-values': 'a: 1' }).message).toBe(
      "Input 'helm-values': needs a chart to render: a folder with Chart.yaml in 'manifests', or app-path"
    )
  })

  it('takes a helm already on the runner (helm-path) and checks it is a file', () => {
    fs.writeFileSync(path.join(ws, 'helm'), '#!/bin/sh\n', { mode: 0o755 })
    expect(read({ 'helm-path': 'helm' }).deploy.helm.path).toBe(path.join(ws, 'helm'))
    expect(errorOf({ 'helm-path': 'nohelm' }).input).toBe('helm-path')
    expect(errorOf({ 'helm-version': '3.18' }).input).toBe('helm-version')
  })
})

describe('helm inputs for the built-in Application', () => {
  it('become its spec.source.helm: value files relative to app-path, inline values as valuesObject', () => {
    const i = read({
      'app-path': 'deploy/chart',
      'helm-value-files': 'deploy/chart/values-ci.yaml\ndeploy/ci.yaml',
      'helm-values': 'replicas: 4'
    })
    expect(i.deploy.application?.helm).toEqual({
      valueFiles: ['values-ci.yaml', '../ci.yaml'],
      valuesObject: { replicas: 4 }
    })
  })

  it('leaves the Application without a helm section when no helm input is given', () => {
    expect(read({ 'app-path': 'deploy/chart' }).deploy.application?.helm).toBeUndefined()
  })

  it('checks value files in this repository (the default app-repo), not in another app-repo', () => {
    expect(
      errorOf({ 'app-path': 'deploy/chart', 'helm-value-files': 'deploy/chart/nope.yaml' }).input
    ).toBe('helm-value-files')
    const other = read({
      'app-path': 'chart',
      'app-repo': 'https://example.com/other.git',
      'helm-value-files': 'chart/values-prod.yaml'
    })
    expect(other.deploy.application?.helm).toEqual({
      valueFiles: ['values-prod.yaml'],
      valuesObject: undefined
    })
  })

  it("refuses them for a user's own application, which is applied as it is", () => {
    expect(errorOf({ application: 'app.yaml', 'helm-values': 'a: 1' }).message).toMatch(
      /^Input 'helm-values': is for a chart in 'manifests' or the built-in Application \(app-path\): an 'application' manifest is applied as it is/
    )
  })
})
