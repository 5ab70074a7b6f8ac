import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { deployManifests, DeployError, type DeployPort } from '../../src/k8s/wait.js'
import { applyOrder, refOf } from '../../src/k8s/kube.js'
import { loadManifests, parseManifests, withDefaultNamespace } from '../../src/k8s/manifests.js'
import { readiness } from '../../src/k8s/readiness.js'
import type { KubeObject } from '../../src/k8s/types.js'
import { FakeClock } from '../../__fixtures__/fake-clock.js'
import { FakeExec } from '../../__fixtures__/fake-exec.js'
import { FakeLogger } from '../../__fixtures__/fake-logger.js'
import { FakeKube } from '../../__fixtures__/fake-kube.js'

const deployment = (status: Record<string, unknown>, generation = 2): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'api', namespace: 'example', generation },
  spec: { replicas: 2 },
  status
})

describe('readiness', () => {
  it('waits for the controller, the update and availability of a Deployment', () => {
    expect(readiness(deployment({ observedGeneration: 1 }))).toMatchObject({
      state: 'waiting',
      message: /new spec/
    })
    expect(
      readiness(
        deployment({ observedGeneration: 2, replicas: 3, updatedReplicas: 2, availableReplicas: 2 })
      )
    ).toEqual({
      state: 'waiting',
      message: '1 old replicas pending termination'
    })
    expect(
      readiness(
        deployment({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 1 })
      )
    ).toEqual({
      state: 'waiting',
      message: '1 of 2 replicas available'
    })
    expect(
      readiness(
        deployment({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 })
      )
    ).toEqual({
      state: 'ready'
    })
  })

  it('fails a Deployment past its progress deadline', () => {
    const r = readiness(
      deployment({
        observedGeneration: 2,
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: 'ReplicaSet "api-5d" has timed out progressing.'
          }
        ]
      })
    )
    expect(r).toEqual({
      state: 'failed',
      message: 'ReplicaSet "api-5d" has timed out progressing.'
    })
  })

  it('handles StatefulSets, Jobs and other kinds', () => {
    const sts = (status: Record<string, unknown>): KubeObject => ({
      kind: 'StatefulSet',
      metadata: { name: 'pg', generation: 1 },
      spec: { replicas: 1 },
      status
    })
    expect(readiness(sts({ observedGeneration: 1, readyReplicas: 0 }))).toMatchObject({
      state: 'waiting'
    })
    expect(
      readiness(
        sts({ observedGeneration: 1, readyReplicas: 1, currentRevision: 'a', updateRevision: 'a' })
      )
    ).toEqual({ state: 'ready' })
    const job = (conditions: unknown[]): KubeObject => ({
      kind: 'Job',
      metadata: { name: 'migrate' },
      status: { conditions }
    })
    expect(readiness(job([{ type: 'Complete', status: 'True' }]))).toEqual({ state: 'ready' })
    expect(
      readiness(
        job([
          {
            type: 'Failed',
            status: 'True',
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit'
          }
        ])
      )
    ).toEqual({
      state: 'failed',
      message: 'BackoffLimitExceeded: Job has reached the specified backoff limit'
    })
    expect(readiness({ kind: 'ConfigMap', metadata: { name: 'x' } })).toEqual({ state: 'ready' })
  })
})

describe('manifests', () => {
  it('parses multi-document YAML and Lists, skipping empty documents', () => {
    const objs = parseManifests(
      '---\napiVersion: v1\nkind: Namespace\nmetadata: {name: example}\n---\n# only a comment\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Service, metadata: {name: api}}\n',
      'x.yaml'
    )
    expect(objs.map((o) => o.kind)).toEqual(['Namespace', 'Service'])
  })

  it('names the file of invalid YAML or objects without a kind', () => {
    expect(() => parseManifests('a: [b', 'bad.yaml')).toThrow(/^bad.yaml is not valid YAML/)
    expect(() => parseManifests('metadata: {name: x}', 'odd.yaml')).toThrow(
      'odd.yaml has an object without apiVersion, kind or metadata.name'
    )
  })

  it('defaults namespaces of namespaced objects only, and orders namespaces and CRDs first', () => {
    const objs = withDefaultNamespace(
      [
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a' } },
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'b', namespace: 'other' } },
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'example' } },
        {
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name: 'c' }
        }
      ],
      'example'
    )
    expect(objs.map((o) => o.metadata?.namespace)).toEqual([
      'example',
      'other',
      undefined,
      undefined
    ])
    // The one apply order (k8s/kube.ts): CRDs, then Namespaces, then the rest.
    expect(applyOrder(objs).map((o) => o.kind)).toEqual([
      'CustomResourceDefinition',
      'Namespace',
      'Service',
      'Service'
    ])
  })

  it('reads folders directly and renders kustomize directories with kubectl', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ict-manifests-'))
    fs.mkdirSync(path.join(dir, 'plain'))
    fs.writeFileSync(
      path.join(dir, 'plain', 'b.yaml'),
      'apiVersion: v1\nkind: Service\nmetadata: {name: b}\n'
    )
    fs.writeFileSync(
      path.join(dir, 'plain', 'a.yml'),
      'apiVersion: v1\nkind: Service\nmetadata: {name: a}\n'
    )
    fs.writeFileSync(path.join(dir, 'plain', 'notes.txt'), 'ignored')
    fs.mkdirSync(path.join(dir, 'kust'))
    fs.writeFileSync(path.join(dir, 'kust', 'kustomization.yaml'), 'resources: []\n')
    const exec = new FakeExec().on((c) => c.args[0] === 'kustomize', {
      stdout: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: k}\n'
    })
    const objs = await loadManifests(
      [path.join(dir, 'plain'), path.join(dir, 'kust')],
      '/usr/bin/kubectl',
      exec
    )
    expect(objs.map((o) => o.metadata?.name)).toEqual(['a', 'b', 'k'])
    expect(exec.commandLines()).toEqual([`/usr/bin/kubectl kustomize ${path.join(dir, 'kust')}`])
  })
})

describe('deployManifests', () => {
  const objects: KubeObject[] = [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'example' } },
    deployment({})
  ]

  function port(statuses: Array<KubeObject | undefined>): DeployPort & { applied: KubeObject[][] } {
    const applied: KubeObject[][] = []
    let i = 0
    return {
      applied,
      apply: async (objs) => void applied.push(objs),
      get: async () => statuses[Math.min(i++, statuses.length - 1)]
    }
  }

  it('applies, then waits until the Deployment is ready', async () => {
    const p = port([
      deployment({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 0 }),
      deployment({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 })
    ])
    const clock = new FakeClock()
    const log = new FakeLogger()
    await deployManifests(objects, 60, p, clock, log)
    expect(p.applied).toHaveLength(1)
    expect(log.text()).toMatch(/Waiting for Deployment\/api in example: 0 of 2 replicas available/)
    expect(log.text()).toMatch(/Ready: Deployment\/api in example/)
  })

  it('names the resource that is not ready at the deadline', async () => {
    const p = port([
      deployment({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 1 })
    ])
    const err = await deployManifests(objects, 10, p, new FakeClock(), new FakeLogger()).catch(
      (e: unknown) => e
    )
    expect(err).toBeInstanceOf(DeployError)
    expect((err as DeployError).message).toBe(
      'Deployed resources were not ready after 10s: Deployment/api in example: 1 of 2 replicas available. Raise deploy-timeout or look at the events below.'
    )
    expect((err as DeployError).notReady).toEqual([
      {
        resource: 'Deployment/api in example',
        state: 'waiting',
        message: '1 of 2 replicas available'
      }
    ])
  })

  it('stops at once when a resource failed', async () => {
    const p = port([
      deployment({
        observedGeneration: 2,
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: 'timed out'
          }
        ]
      })
    ])
    const clock = new FakeClock()
    const start = clock.now()
    await expect(deployManifests(objects, 600, p, clock, new FakeLogger())).rejects.toThrow(
      'Deployment/api in example failed: timed out'
    )
    expect(clock.now()).toBe(start)
  })
})

describe('deployManifests on a cluster that has the objects already (a re-run)', () => {
  const complete = { conditions: [{ type: 'Complete', status: 'True' }], succeeded: 1 }
  const job = (image: string): KubeObject => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'db-setup', namespace: 'db' },
    spec: { template: { spec: { containers: [{ name: 'migrate', image }] } } },
    // What the fake hands back on reads: a Job that ran.
    status: complete
  })
  const config: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', namespace: 'db' }
  }
  // What client.ts throws for the API server's answer to a changed Job template.
  const immutable = () =>
    Object.assign(
      new Error(
        'Applying Job/db-setup in db: Job.batch "db-setup" is invalid: spec.template: Invalid value: core.PodTemplateSpec{…}: field is immutable (422 Invalid)'
      ),
      {
        code: 422,
        status: {
          kind: 'Status',
          code: 422,
          reason: 'Invalid',
          message:
            'Job.batch "db-setup" is invalid: spec.template: Invalid value: core.PodTemplateSpec{ObjectMeta:v1.ObjectMeta{Name:""}}: field is immutable',
          details: {
            name: 'db-setup',
            group: 'batch',
            kind: 'Job',
            causes: [
              {
                reason: 'FieldValueInvalid',
                message: 'Invalid value: core.PodTemplateSpec{…}: field is immutable',
                field: 'spec.template'
              }
            ]
          }
        }
      }
    )

  /** The deploy stage's binding of the port to the Kube client. */
  const portOf = (kube: FakeKube, canDelete = true): DeployPort => ({
    apply: (o) => kube.apply(o),
    get: (o) => kube.get(refOf(o)),
    ...(canDelete
      ? { delete: (o: KubeObject) => kube.delete(refOf(o), { propagation: 'Foreground' }) }
      : {})
  })

  /** A cluster holding the first run's Job, refusing any other template for it. */
  function cluster(): FakeKube {
    const kube = new FakeKube()
    void kube.apply([job('migrate:1')])
    kube.applyError = (o) => {
      const live = kube.objects.get('Job/db/db-setup')
      return o.kind === 'Job' && live && JSON.stringify(live.spec) !== JSON.stringify(o.spec)
        ? immutable()
        : undefined
    }
    return kube
  }

  it('deletes the Job in the foreground, applies it again and says so in one line', async () => {
    const kube = cluster()
    const log = new FakeLogger()
    await deployManifests([config, job('migrate:2')], 60, portOf(kube), new FakeClock(), log)
    expect(kube.deleted).toEqual([
      { apiVersion: 'batch/v1', kind: 'Job', name: 'db-setup', namespace: 'db' }
    ])
    expect(kube.deleteOptions).toEqual([{ propagation: 'Foreground' }])
    expect(kube.objects.get('Job/db/db-setup')?.spec).toEqual(job('migrate:2').spec)
    expect(log.lines.filter((l) => /Replaced|immutable/.test(l.message))).toEqual([
      {
        level: 'info',
        message: 'Replaced Job db/db-setup: its spec changed and the field is immutable'
      }
    ])
    expect(log.text()).toMatch(/Ready: Job\/db-setup in db/)
  })

  it('applies an unchanged Job as it is', async () => {
    const kube = cluster()
    const log = new FakeLogger()
    await deployManifests([job('migrate:1')], 60, portOf(kube), new FakeClock(), log)
    expect(kube.deleted).toEqual([])
    expect(log.text()).not.toMatch(/Replaced/)
  })

  it('waits until the old Job is gone before applying it again', async () => {
    const kube = cluster()
    let reads = 0
    const p = portOf(kube)
    // Foreground deletion: the Job stays (with a deletionTimestamp) while its pods terminate.
    const port: DeployPort = {
      ...p,
      delete: async () => undefined,
      get: async (o) => {
        if (o.kind === 'Job' && kube.deleted.length === 0 && reads++ === 2)
          await kube.delete(refOf(o))
        return p.get(o)
      }
    }
    const clock = new FakeClock()
    const start = clock.now()
    await deployManifests([job('migrate:2')], 60, port, clock, new FakeLogger())
    expect(clock.now() - start).toBe(4000)
    expect(kube.objects.get('Job/db/db-setup')?.spec).toEqual(job('migrate:2').spec)
  })

  it('gives up on a Job that is not deleted in time, naming it', async () => {
    const kube = cluster()
    const port: DeployPort = { ...portOf(kube), delete: async () => undefined }
    await expect(
      deployManifests([job('migrate:2')], 10, port, new FakeClock(), new FakeLogger())
    ).rejects.toThrow(
      'Could not replace Job db/db-setup (its spec changed and the field is immutable): it was still being deleted after 10s (a finalizer?); delete it by hand'
    )
  })

  it('fails with the API message when it may not delete (the ArgoCD install)', async () => {
    const kube = cluster()
    const log = new FakeLogger()
    await expect(
      deployManifests([job('migrate:2')], 60, portOf(kube, false), new FakeClock(), log)
    ).rejects.toThrow(/^Applying Job\/db-setup in db: .*: field is immutable \(422 Invalid\)$/)
    expect(kube.deleted).toEqual([])
  })

  it('passes other errors on as they are, in one line', async () => {
    const kube = new FakeKube()
    kube.applyError = () =>
      Object.assign(
        new Error(
          'Applying ConfigMap/settings in db: configmaps "settings" is forbidden: User "ci" cannot patch resource "configmaps" (403 Forbidden)'
        ),
        { code: 403, status: { kind: 'Status', code: 403, reason: 'Forbidden', message: '…' } }
      )
    const log = new FakeLogger()
    await expect(deployManifests([config], 60, portOf(kube), new FakeClock(), log)).rejects.toThrow(
      /^Applying ConfigMap\/settings in db: .* \(403 Forbidden\)$/
    )
    expect(kube.deleted).toEqual([])
    expect(log.lines).toEqual([])
  })
})
