import { describe, expect, it } from '@jest/globals'
import { stringify } from 'yaml'
import { FakeClock } from '../../__fixtures__/fake-clock.js'
import { FakeLogger } from '../../__fixtures__/fake-logger.js'
import { bootstrapArgocd, prepareInstall, sha256 } from '../../src/argocd/bootstrap.js'
import type { DeployPort } from '../../src/k8s/wait.js'
import type { KubeObject } from '../../src/k8s/types.js'

// The shape of core-install.yaml: CRDs, then namespaced objects without a namespace (it is
// applied with -n argocd), workloads on quay.io and the redis image from ECR.
const objects: KubeObject[] = [
  {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'applications.argoproj.io' }
  },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'argocd-repo-server' } },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'argocd-application-controller' }
  },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'argocd-redis' },
    spec: {
      template: {
        spec: {
          containers: [
            {
              name: 'redis',
              image: 'public.ecr.aws/docker/library/redis:8.2.2-alpine',
              imagePullPolicy: 'Always'
            }
          ],
          initContainers: [{ name: 'secret-init', image: 'quay.io/argoproj/argocd:v3.2.11' }]
        }
      }
    }
  }
]
const text = objects.map((o) => stringify(o)).join('---\n')

describe('prepareInstall', () => {
  it('puts the namespace and CRDs first, namespaces the rest into argocd and swaps images', () => {
    const install = prepareInstall(text, 'mirror.yaml', {
      version: 'v3.2.11',
      manifest: 'mirror.yaml',
      argocd: 'local/argocd:v3.2.11-abc',
      redis: 'local/redis:7'
    })
    expect(install.first.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual([
      'Namespace/argocd',
      'CustomResourceDefinition/applications.argoproj.io'
    ])
    expect(install.rest.map((o) => [o.kind, o.metadata?.namespace])).toEqual([
      ['ServiceAccount', 'argocd'],
      ['ClusterRole', undefined],
      ['Deployment', 'argocd']
    ])
    const pod = (install.rest[2].spec as { template: { spec: Record<string, unknown> } }).template
      .spec as {
      containers: Array<{ image: string; imagePullPolicy: string }>
      initContainers: Array<{ image: string; imagePullPolicy: string }>
    }
    expect(pod.containers[0]).toMatchObject({
      image: 'local/redis:7',
      imagePullPolicy: 'IfNotPresent'
    })
    expect(pod.initContainers[0]).toMatchObject({
      image: 'local/argocd:v3.2.11-abc',
      imagePullPolicy: 'IfNotPresent'
    })
    // Not the release's bytes: nothing claims it was verified.
    expect(install.verified).toBeUndefined()
  })

  it("refuses the release's manifest when its sha256 is not the pinned one", () => {
    expect(() =>
      prepareInstall(text, 'https://raw.githubusercontent.com/x', { version: 'v3.2.11' })
    ).toThrow(
      `has sha256 ${sha256(text)}, expected a48ce0ab6ff5f7aac90a8bd0374434f4d15edeaa85f774672c8692c9819d2ae8: refusing to apply it`
    )
  })

  it('applies an unpinned release as published', () => {
    expect(prepareInstall(text, 'u', { version: 'v9.9.9' }).rest).toHaveLength(3)
  })
})

describe('bootstrapArgocd', () => {
  function port(existing: Record<string, KubeObject>) {
    const applied: KubeObject[][] = []
    let crdReads = 0
    const p: DeployPort = {
      apply: async (objs) => void applied.push(objs),
      get: async (o) => {
        if (o.kind === 'CustomResourceDefinition') {
          // Established on the second read, as the API server does a moment after creation.
          return {
            ...o,
            status: { conditions: crdReads++ > 0 ? [{ type: 'Established', status: 'True' }] : [] }
          }
        }
        if (o.kind === 'Deployment')
          return {
            ...o,
            metadata: { ...o.metadata, generation: 1 },
            status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 }
          }
        return existing[`${o.kind}/${o.metadata?.name}`]
      }
    }
    return { ...p, applied }
  }
  const install = () => prepareInstall(text, 'mirror.yaml', { version: 'v3.2.11', manifest: 'm' })

  it('applies CRDs, waits until they are established, then the rest with the default project', async () => {
    const p = port({})
    const log = new FakeLogger()
    await bootstrapArgocd(install(), 60, p, new FakeClock(), log)
    expect(p.applied.map((batch) => batch.map((o) => o.kind))).toEqual([
      ['CustomResourceDefinition', 'Namespace'],
      ['ServiceAccount', 'ClusterRole', 'Deployment', 'AppProject']
    ])
    expect(log.text()).toMatch(
      /Waiting for CustomResourceDefinition\/applications.argoproj.io: not established yet/
    )
    expect(log.text()).toMatch(/ArgoCD is ready/)
  })

  it('leaves an existing default AppProject alone', async () => {
    const p = port({ 'AppProject/default': { kind: 'AppProject', metadata: { name: 'default' } } })
    await bootstrapArgocd(install(), 60, p, new FakeClock(), new FakeLogger())
    expect(p.applied[1].map((o) => o.kind)).not.toContain('AppProject')
  })
})
