import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import { FakeClock } from '../../__fixtures__/fake-clock.js'
import { FakeLogger } from '../../__fixtures__/fake-logger.js'
import { realFixture } from '../../__fixtures__/fake-kube.js'
import {
  applicationFromFile,
  deployApplication,
  expectedRevision,
  notReadyResources,
  renderApplication
} from '../../src/argocd/deploy-app.js'
import { DeployError, type DeployPort } from '../../src/k8s/wait.js'
import type { KubeObject } from '../../src/k8s/types.js'

// Real Application and Deployment objects from the local cluster (__fixtures__/argocd/capture.sh).
const argo = <T = KubeObject>(name: string): T =>
  JSON.parse(fs.readFileSync(`__fixtures__/argocd/${name}.json`, 'utf8')) as T
const healthy = argo('app-synced-healthy')
const progressing = argo('app-progressing')
const degraded = argo('app-degraded')
const comparisonError = argo('app-comparison-error')
const revisionOf = (app: KubeObject) => (app.status as { sync: { revision: string } }).sync.revision
const HEALTHY_REVISION = revisionOf(healthy)
// The broken app was captured at a later commit than the healthy one.
const BROKEN_REVISION = revisionOf(progressing)

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'applications.argoproj.io' }
}

/** Applications come from `apps` in turn (the last repeats); Deployments from `workloads`. */
function port(
  apps: KubeObject[],
  workloads: Record<string, KubeObject> = {},
  crd: KubeObject | null = CRD
) {
  const applied: KubeObject[] = []
  let reads = 0
  const p: DeployPort = {
    apply: async (objs) => void applied.push(...objs),
    get: async (o) => {
      if (o.kind === 'CustomResourceDefinition') return crd ?? undefined
      if (o.kind === 'Application') return apps[Math.min(reads++, apps.length - 1)]
      return workloads[`${o.kind}/${o.metadata?.name}`]
    }
  }
  return { ...p, applied }
}

const template = fs.readFileSync('templates/argocd-application.yaml', 'utf8')
const rendered = (revision: string) =>
  renderApplication(template, 'template', {
    name: 'in-cluster-test-example',
    repo: 'git://10.200.0.1/main.git',
    path: 'example/deploy-local',
    revision,
    namespace: 'example'
  })

describe('the Application to apply', () => {
  it('carries the helm inputs in spec.source.helm, and no helm section without them', () => {
    const app = renderApplication(template, 'template', {
      name: 'in-cluster-test-example',
      repo: 'git://10.200.0.1/main.git',
      path: 'example/chart',
      revision: HEALTHY_REVISION,
      namespace: 'example',
      helm: {
        valueFiles: ['values-local.yaml'],
        valuesObject: { workflows: { resources: { limits: { memory: '192Mi' } } } }
      }
    }) as KubeObject & { spec: { source: object } }
    expect(app.spec.source).toEqual({
      repoURL: 'git://10.200.0.1/main.git',
      path: 'example/chart',
      targetRevision: HEALTHY_REVISION,
      helm: {
        valueFiles: ['values-local.yaml'],
        valuesObject: { workflows: { resources: { limits: { memory: '192Mi' } } } }
      }
    })
    const onlyInline = renderApplication(template, 'template', {
      name: 'n',
      repo: 'r',
      path: 'p',
      revision: 'v',
      namespace: 'example',
      helm: { valueFiles: [], valuesObject: { a: 1 } }
    }) as KubeObject & { spec: { source: object } }
    expect(onlyInline.spec.source).toMatchObject({ helm: { valuesObject: { a: 1 } } })
    expect(onlyInline.spec.source).not.toHaveProperty('helm.valueFiles')
    const none = renderApplication(template, 'template', {
      name: 'n',
      repo: 'r',
      path: 'p',
      revision: 'v',
      namespace: 'example',
      helm: { valueFiles: [] }
    }) as KubeObject & { spec: { source: object } }
    expect(none.spec.source).not.toHaveProperty('helm')
  })

  it('renders the template with the source, revision, destination and a refresh request', () => {
    const app = rendered(HEALTHY_REVISION) as KubeObject & {
      metadata: { annotations: Record<string, string> }
      spec: { source: object; destination: object; project: string }
    }
    expect(app.metadata).toMatchObject({ name: 'in-cluster-test-example', namespace: 'argocd' })
    expect(app.metadata.annotations['argocd.argoproj.io/refresh']).toBe('normal')
    expect(app.spec.source).toEqual({
      repoURL: 'git://10.200.0.1/main.git',
      path: 'example/deploy-local',
      targetRevision: HEALTHY_REVISION
    })
    expect(app.spec.destination).toEqual({
      server: 'https://kubernetes.default.svc',
      namespace: 'example'
    })
    expect(app.spec.project).toBe('default')
    expect(expectedRevision(app)).toBe(HEALTHY_REVISION)
  })

  it("reads the example's Application and points it at the revision under test", () => {
    const file = 'example/argocd/application.yaml'
    const text = fs.readFileSync(file, 'utf8')
    const asIs = applicationFromFile(text, file)
    // A branch moves: there is no revision to wait for.
    expect(expectedRevision(asIs)).toBeUndefined()
    const pinned = applicationFromFile(text, file, 'abc1234')
    expect((pinned.spec as { source: { targetRevision: string } }).source.targetRevision).toBe(
      'abc1234'
    )
    expect(expectedRevision(pinned)).toBe('abc1234')
    expect(pinned.metadata?.namespace).toBe('argocd')
  })

  it('refuses a file that is not exactly one Application', () => {
    const text = fs.readFileSync('example/deploy-broken/workflows.yaml', 'utf8')
    expect(() => applicationFromFile(text, 'workflows.yaml')).toThrow(
      'workflows.yaml must contain exactly one ArgoCD Application (found Deployment)'
    )
  })
})

describe('deployApplication on real Application states', () => {
  it('is done when the app is Synced and Healthy at the expected revision', async () => {
    const p = port([progressing, healthy])
    const log = new FakeLogger()
    const r = await deployApplication(rendered(HEALTHY_REVISION), 60, p, new FakeClock(), log)
    expect(r.revision).toBe(HEALTHY_REVISION)
    expect(p.applied.map((o) => o.kind)).toEqual(['Application'])
    // The first read still shows the app at the revision it had before.
    expect(log.text()).toContain(
      `at revision ${BROKEN_REVISION.slice(0, 12)}, waiting for ${HEALTHY_REVISION.slice(0, 12)}`
    )
    expect(log.text()).toMatch(/is Synced and Healthy at [0-9a-f]{12}/)
  })

  it('keeps waiting while the app is healthy at another revision, and says so at the deadline', async () => {
    const wanted = 'ffffffffffffffffffffffffffffffffffffffff'
    const err = (await deployApplication(
      rendered(wanted),
      30,
      port([healthy]),
      new FakeClock(),
      new FakeLogger()
    ).catch((e: unknown) => e)) as DeployError
    expect(err).toBeInstanceOf(DeployError)
    expect(err.message).toMatch(
      new RegExp(
        `not Synced and Healthy after 30s: at revision ${HEALTHY_REVISION.slice(0, 12)}, waiting for ffffffffffff`
      )
    )
  })

  it('names the workload that never gets healthy, judged from its live object', async () => {
    const err = (await deployApplication(
      rendered(BROKEN_REVISION.slice(0, 7)),
      20,
      port([progressing], { 'Deployment/workflows': argo('deployment-progressing') }),
      new FakeClock(),
      new FakeLogger()
    ).catch((e: unknown) => e)) as DeployError
    expect(err.message).toMatch(/after 20s: Synced\/Progressing/)
    expect(err.message).toMatch(
      /Deployment\/workflows in example-broken: 0 of 1 replicas available/
    )
    expect(err.notReady).toEqual([
      {
        resource: 'Deployment/workflows in example-broken',
        state: 'waiting',
        message: '0 of 1 replicas available'
      }
    ])
  })

  it('waits out a Degraded spell shorter than the grace period', async () => {
    const clock = new FakeClock()
    const r = await deployApplication(
      rendered(HEALTHY_REVISION),
      120,
      port([degraded, degraded, degraded, healthy]),
      clock,
      new FakeLogger(),
      { graceMs: 30_000, pollMs: 5_000 }
    )
    expect(r.revision).toBe(HEALTHY_REVISION)
  })

  it('fails a Degraded app after the grace period, with the stalled Deployment', async () => {
    const clock = new FakeClock()
    const started = clock.now()
    const err = (await deployApplication(
      rendered(HEALTHY_REVISION),
      300,
      port([degraded], { 'Deployment/workflows': argo('deployment-degraded') }),
      clock,
      new FakeLogger(),
      { graceMs: 30_000, pollMs: 5_000 }
    ).catch((e: unknown) => e)) as DeployError
    // Degraded was never a transient here, so it failed after the grace, not at the deadline.
    expect(clock.now() - started).toBeLessThan(60_000)
    expect(err.message).toMatch(
      /^ArgoCD Application in-cluster-test-example in argocd failed: health Degraded/
    )
    expect(err.message).toMatch(
      /Deployment\/workflows in example-broken: ReplicaSet "workflows-[a-z0-9]+" has timed out progressing/
    )
    expect(err.notReady[0]).toMatchObject({ state: 'failed' })
  })

  it("fails with ArgoCD's own error when it cannot render the source", async () => {
    const err = (await deployApplication(
      rendered(HEALTHY_REVISION),
      300,
      port([comparisonError]),
      new FakeClock(),
      new FakeLogger(),
      { graceMs: 10_000 }
    ).catch((e: unknown) => e)) as DeployError
    expect(err.message).toMatch(
      /ComparisonError: .*example\/deploy-broken: app path does not exist/
    )
  })

  it('says ArgoCD is missing when the cluster does not serve Applications', async () => {
    const p = port([healthy], {}, null)
    const err = (await deployApplication(
      rendered(HEALTHY_REVISION),
      60,
      p,
      new FakeClock(),
      new FakeLogger()
    ).catch((e: unknown) => e)) as DeployError
    expect(err).toBeInstanceOf(DeployError)
    expect(err.message).toMatch(
      /^ArgoCD is not installed in this cluster \(no applications.argoproj.io CRD\)/
    )
    expect(p.applied).toEqual([])
  })

  it('gives up early when told a pod cannot start', async () => {
    const err = (await deployApplication(
      rendered(HEALTHY_REVISION),
      300,
      port([progressing]),
      new FakeClock(),
      new FakeLogger(),
      { stuck: async () => 'Pod workflows-1: ErrImageNeverPull: container workflows' }
    ).catch((e: unknown) => e)) as DeployError
    expect(err.message).toBe(
      'ArgoCD Application in-cluster-test-example in argocd cannot become Healthy: Pod workflows-1: ErrImageNeverPull: container workflows'
    )
  })
})

describe('notReadyResources', () => {
  it('lists nothing for a healthy app whose workloads are ready', async () => {
    const ready = {
      ...argo('deployment-progressing'),
      status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 }
    }
    const rows = await notReadyResources(healthy, {
      get: async (o) => (o.kind === 'Deployment' ? ready : realFixture('job-succeeded'))
    })
    expect(rows.filter((r) => r.resource.startsWith('Deployment'))).toEqual([])
  })
})
