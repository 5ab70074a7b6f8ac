import { afterAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ApiException } from '@kubernetes/client-node'
import { createKube, describeApiError, statusCode } from '../../src/k8s/client.js'
import { applyOrder, refOf } from '../../src/k8s/kube.js'

// Status bodies the v1.32.9 API server sent (captured by __fixtures__/k8s/capture-errors.mts).
const body = (name: string) =>
  readFileSync(new URL(`../../__fixtures__/k8s/${name}.json`, import.meta.url), 'utf8')

describe('describeApiError', () => {
  it("names what we tried, then the server's message, code and reason", () => {
    const e = new ApiException(422, 'Unknown API Status Code!', body('status-422-invalid-job'), {
      'audit-id': 'x'
    })
    const err = describeApiError(e, 'Creating Job/Bad_Name')
    expect(err.message).toMatch(/^Creating Job\/Bad_Name: Job.batch "Bad_Name" is invalid/)
    expect(err.message).toMatch(
      /spec.template.spec.restartPolicy: Required value.* \(422 Invalid\)$/
    )
    expect(statusCode(err)).toBe(422)
    expect((err as Error & { status?: { reason?: string } }).status?.reason).toBe('Invalid')
  })

  it('keeps no trace of the exception dump, not even as its cause', () => {
    const e = new ApiException(400, 'Unknown API Status Code!', body('status-400-bad-selector'), {
      'audit-id': 'x'
    })
    const err = describeApiError(e, 'Listing pods')
    expect(err.message).toBe(
      "Listing pods: unable to parse requirement: found '!', expected: identifier (400 BadRequest)"
    )
    expect(err.cause).toBeUndefined()
    expect(JSON.stringify(err)).not.toContain('Headers')
  })

  it('keeps the status code of an error without a body (the log endpoint on 404)', () => {
    const e = new ApiException(404, 'Error occurred in log request', undefined, { date: 'x' })
    const err = describeApiError(e, 'Reading the log of pod p in ns')
    expect(err.message).toBe(
      'Reading the log of pod p in ns: Error occurred in log request (HTTP 404)'
    )
    expect(statusCode(err)).toBe(404)
  })

  it('keeps a body that is not JSON as the message', () => {
    const err = describeApiError(
      new ApiException(503, 'x', 'upstream connect error', {}),
      'Reading Job/j'
    )
    expect(err.message).toBe('Reading Job/j: upstream connect error (HTTP 503)')
  })

  it('wraps other errors with what we tried', () => {
    const err = describeApiError(new Error('socket hang up'), 'Listing events in ns')
    expect(err.message).toBe('Listing events in ns: socket hang up')
    expect(statusCode(err)).toBeUndefined()
  })
})

describe('createKube', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kube-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('says which server and kubeconfig did not answer', async () => {
    const file = join(dir, 'config')
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
        'users: [{name: u, user: {token: t}}]',
        'contexts: [{name: x, context: {cluster: c, user: u}}]',
        'current-context: x'
      ].join('\n')
    )
    const kube = createKube(file)
    await expect(kube.version()).rejects.toThrow(
      `The Kubernetes API at https://127.0.0.1:1 (from ${file}) did not answer`
    )
  })

  it('fails at once on a kubeconfig that does not exist', () => {
    expect(() => createKube(join(dir, 'missing'))).toThrow(/missing/)
  })
})

describe('applyOrder', () => {
  it('puts CRDs, then Namespaces first and keeps the rest in order', () => {
    const o = (kind: string, name: string) => ({ apiVersion: 'v1', kind, metadata: { name } })
    const list = [
      o('Deployment', 'a'),
      o('Namespace', 'ns'),
      o('Service', 'b'),
      o('CustomResourceDefinition', 'apps.argoproj.io'),
      o('ConfigMap', 'c')
    ]
    expect(applyOrder(list).map((x) => `${x.kind}/${x.metadata.name}`)).toEqual([
      'CustomResourceDefinition/apps.argoproj.io',
      'Namespace/ns',
      'Deployment/a',
      'Service/b',
      'ConfigMap/c'
    ])
    expect(list[0].kind).toBe('Deployment')
  })

  it('refOf reads the reference of an object', () => {
    expect(
      refOf({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'n' } })
    ).toEqual({ apiVersion: 'batch/v1', kind: 'Job', name: 'j', namespace: 'n' })
  })
})
