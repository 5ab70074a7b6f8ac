import { describe, expect, it } from '@jest/globals'
import { repositorySecret, repositorySecretName } from '../../src/argocd/repo-secret.js'
import { CreatedObjects } from '../../src/cleanup/created.js'
import { cleanup } from '../../src/cleanup/cleanup.js'
import { refOf } from '../../src/k8s/kube.js'
import { secretValues } from '../../src/stages/prepare.js'
import type { Inputs } from '../../src/inputs/types.js'
import { createdObjects, memoryStateStore } from '../../src/state.js'
import { FakeExec } from '../../__fixtures__/fake-exec.js'
import { FakeKube } from '../../__fixtures__/fake-kube.js'
import { FakeLogger } from '../../__fixtures__/fake-logger.js'

const url = 'http://10.200.0.1:8418/in-cluster-test.git'
type SecretObject = {
  metadata: { name: string; namespace: string; labels: Record<string, string> }
  stringData: Record<string, string>
}

describe('repositorySecret', () => {
  it("is ArgoCD's declarative repository Secret for exactly that URL, in argocd, labelled as ours", () => {
    const s = repositorySecret(url, { username: 'e2e', password: 'p4ss' }) as SecretObject & {
      kind: string
    }
    expect(s.kind).toBe('Secret')
    expect(s.metadata.namespace).toBe('argocd')
    expect(s.metadata.labels).toEqual({
      'argocd.argoproj.io/secret-type': 'repository',
      'app.kubernetes.io/managed-by': 'in-cluster-test'
    })
    expect(s.stringData).toEqual({ type: 'git', url, username: 'e2e', password: 'p4ss' })
  })

  it('is named after the URL: stable for a re-run, distinct per repository, a DNS name', () => {
    const name = repositorySecretName(url)
    expect(name).toMatch(/^in-cluster-test-repo-[0-9a-f]{12}$/)
    expect(repositorySecretName(url)).toBe(name)
    expect(repositorySecretName(`${url}/`)).not.toBe(name)
    expect(repositorySecret(url, { username: 'u', password: 'p' }).metadata?.name).toBe(name)
  })

  it('is recorded for removal: main deletes it at its end, else the post step does', async () => {
    const secret = repositorySecret(url, { username: 'u', password: 'p' })
    const name = repositorySecretName(url)
    const state = memoryStateStore()
    const created = new CreatedObjects(state)
    created.add(refOf(secret))
    expect(createdObjects(state).objects).toEqual([{ kind: 'Secret', namespace: 'argocd', name }])

    // The post step of a run whose main step was killed before its `finally`.
    const exec = new FakeExec()
    await cleanup(
      { clusterCreated: false, keepCluster: false, kubectlPath: 'kubectl' },
      exec,
      new FakeLogger(),
      [
        ...createdObjects(state).objects,
        { kind: 'Application', namespace: 'argocd', name: 'in-cluster-test-example' }
      ]
    )
    expect(exec.commandLines()).toEqual([
      'kubectl delete applications.argoproj.io in-cluster-test-example --namespace argocd --ignore-not-found --wait=false --request-timeout=30s',
      `kubectl delete secrets ${name} --namespace argocd --ignore-not-found --wait=false --request-timeout=30s`
    ])

    // Main's own end: deleted, and forgotten so the post step does not try again.
    const kube = new FakeKube()
    await created.deleteSecrets(kube, new FakeLogger())
    expect(kube.deleted).toEqual([{ apiVersion: 'v1', kind: 'Secret', name, namespace: 'argocd' }])
    expect(createdObjects(state).objects).toEqual([])
  })
})

describe("the repository's password among the run's secrets", () => {
  it('is masked and redacted with the other secret values (prepare)', () => {
    const inputs = {
      job: { secretEnv: {} },
      image: { buildSecrets: {} },
      deploy: {
        secrets: [],
        application: {
          repo: url,
          namespace: 'example',
          credentials: { username: 'e2e', password: 'p4ss', from: 'app-repo-password' }
        }
      }
    } as unknown as Pick<Inputs, 'job' | 'deploy' | 'image'>
    expect(secretValues(inputs)).toEqual(['p4ss'])
  })
})
