import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { DeployInputs } from '../../src/inputs/types.js'
import type { KubeObject } from '../../src/k8s/types.js'
import { deployStage } from '../../src/stages/deploy.js'
import { StageTimer } from '../../src/timing.js'
import { FakeClock } from '../../__fixtures__/fake-clock.js'
import { FakeExec } from '../../__fixtures__/fake-exec.js'
import { FakeKube } from '../../__fixtures__/fake-kube.js'
import { FakeLogger } from '../../__fixtures__/fake-logger.js'
import { emptyToolCache } from '../../__fixtures__/fake-tool-cache.js'

const crd = (managers: string[]): KubeObject =>
  ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: 'applications.argoproj.io',
      managedFields: managers.map((manager) => ({ manager, operation: 'Apply' }))
    }
  }) as KubeObject

function setup(install: DeployInputs['argocd']['install']) {
  const kube = new FakeKube()
  const clock = new FakeClock()
  const inputs: DeployInputs = {
    loadImages: [],
    manifests: [],
    secrets: [],
    argocd: { install, version: 'v3.2.11', manifest: '/nonexistent/core-install.yaml' },
    application: {
      repo: 'git://x/y.git',
      path: 'deploy',
      revision: 'a'.repeat(40),
      namespace: 'example'
    },
    helm: { valueFiles: [], version: 'v3.18.4' },
    timeoutSeconds: 60
  }
  const deps = {
    kube,
    kubectl: 'kubectl',
    exec: new FakeExec(),
    toolCache: emptyToolCache(),
    clock,
    log: new FakeLogger(),
    timer: new StageTimer(clock),
    templatesDir: path.resolve('templates'),
    platform: { os: 'linux' as const, arch: 'amd64' as const },
    loadImages: async () => undefined
  }
  return { kube, inputs, deps }
}

describe('deployStage and an ArgoCD it did not install', () => {
  it("refuses argocd: 'true' over an installation another manager made, naming what to do", async () => {
    const { kube, inputs, deps } = setup('true')
    await kube.apply([crd(['helm', 'kube-controller-manager'])])
    await expect(
      deployStage(inputs, { namespace: 'example', stuckTimeoutSeconds: 60, workspace: '.' }, deps)
    ).rejects.toThrow(
      /Input 'argocd': ArgoCD is installed in this cluster already, and not by this action.*'auto'.*'force'/
    )
  })

  it("uses an existing installation as it is with 'auto', and records the built-in Application", async () => {
    const { kube, inputs, deps } = setup('auto')
    await kube.apply([crd(['helm'])])
    const created: string[] = []
    // The Application never becomes Healthy here: the deploy times out, which is fine for this test.
    const result = await deployStage(
      inputs,
      { namespace: 'example', stuckTimeoutSeconds: 600, workspace: '.' },
      { ...deps, created: (ref) => created.push(`${ref.kind}/${ref.namespace}/${ref.name}`) }
    )
    expect(deps.log.lines.map((l) => l.message).join('\n')).toContain('ArgoCD is already installed')
    expect(created).toEqual(['Application/argocd/in-cluster-test-example'])
    expect(result.namespaces).toEqual(['example'])
  })
})

describe("deployStage and ArgoCD's credentials for app-repo", () => {
  const context = { namespace: 'example', stuckTimeoutSeconds: 600, workspace: '.' }
  const repo = 'http://10.200.0.1:8418/in-cluster-test.git'

  async function deployWith(credentials?: NonNullable<DeployInputs['application']>['credentials']) {
    const { kube, inputs, deps } = setup('auto')
    await kube.apply([crd(['helm'])])
    inputs.application = { ...inputs.application!, repo, credentials }
    const created: string[] = []
    // The Application never becomes Healthy here: the deploy times out, which is fine for this test.
    await deployStage(inputs, context, {
      ...deps,
      created: (ref) => created.push(`${ref.kind}/${ref.namespace}/${ref.name}`)
    })
    const kinds = kube.applied.map((o) => `${o.kind}/${o.metadata?.namespace ?? ''}`)
    return { kube, created, kinds, log: deps.log }
  }

  it('applies the repository Secret before the Application and records it for removal', async () => {
    const { kube, created, kinds, log } = await deployWith({
      username: 'e2e',
      password: 'p4ss-w0rd',
      from: 'app-repo-password'
    })
    const secret = kube.applied.find((o) => o.kind === 'Secret') as unknown as {
      metadata: { name: string; namespace: string; labels: Record<string, string> }
      stringData: Record<string, string>
    }
    expect(secret.metadata.namespace).toBe('argocd')
    expect(secret.metadata.labels['argocd.argoproj.io/secret-type']).toBe('repository')
    expect(secret.metadata.labels['app.kubernetes.io/managed-by']).toBe('in-cluster-test')
    expect(secret.stringData).toEqual({
      type: 'git',
      url: repo,
      username: 'e2e',
      password: 'p4ss-w0rd'
    })
    // The URL ArgoCD matches the Secret by is the Application's repoURL, byte for byte.
    const app = kube.applied.find((o) => o.kind === 'Application') as unknown as {
      spec: { source: { repoURL: string } }
    }
    expect(app.spec.source.repoURL).toBe(secret.stringData.url)
    expect(kinds.indexOf('Secret/argocd')).toBeLessThan(kinds.indexOf('Application/argocd'))
    expect(created).toEqual([
      'Application/argocd/in-cluster-test-example',
      `Secret/argocd/${secret.metadata.name}`
    ])
    expect(log.text()).toContain(`ArgoCD logs in to ${repo} as e2e with app-repo-password`)
    expect(log.text()).not.toContain('p4ss-w0rd')
  })

  it('creates no Secret for a repository without credentials', async () => {
    const { created, kinds } = await deployWith(undefined)
    expect(kinds).not.toContain('Secret/argocd')
    expect(created).toEqual(['Application/argocd/in-cluster-test-example'])
  })

  it('applies no Secret where ArgoCD is missing (the deploy fails on that first)', async () => {
    const { kube, inputs, deps } = setup('false')
    inputs.application = {
      ...inputs.application!,
      credentials: { username: 'x-access-token', password: 't0ken', from: 'github-token' }
    }
    const result = await deployStage(inputs, context, deps)
    expect(result.failure?.headline).toMatch(/ArgoCD is not installed in this cluster/)
    expect(kube.applied.filter((o) => o.kind === 'Secret')).toEqual([])
  })
})

describe('deployStage and the namespaces it writes into', () => {
  it("applies the Application's destination as a Namespace before the Application", async () => {
    const { kube, inputs, deps } = setup('auto')
    await kube.apply([crd(['helm'])])
    inputs.application = { ...inputs.application!, namespace: 'example-app' }
    // The Application never becomes Healthy here: the deploy times out, which is fine for this test.
    await deployStage(
      inputs,
      { namespace: 'example', stuckTimeoutSeconds: 600, workspace: '.' },
      deps
    )
    const order = kube.applied.map((o) => `${o.kind}/${o.metadata?.name}`)
    // Through the cluster stage's client, that apply is what waits out a namespace still
    // terminating (k8s/namespaces.ts) before ArgoCD syncs into it.
    expect(order).toContain('Namespace/example-app')
    expect(order.indexOf('Namespace/example-app')).toBeLessThan(
      order.indexOf('Application/in-cluster-test-example-app')
    )
    expect(order.indexOf('Namespace/example')).toBe(1)
  })
})

describe('deployStage and a chart in manifests', () => {
  const context = { namespace: 'example', stuckTimeoutSeconds: 60, workspace: '.' }

  it("renders it before anything is created: helm's message, nothing applied, no image loaded", async () => {
    const { kube, inputs, deps } = setup('false')
    const chart = fs.mkdtempSync(path.join(os.tmpdir(), 'ict-deploy-chart-'))
    fs.writeFileSync(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: workflows\n')
    const stderr = fs.readFileSync('__fixtures__/helm/required-tag.stderr', 'utf8')
    const exec = new FakeExec().on((c) => c.args[0] === 'template', { exitCode: 1, stderr })
    const loaded: string[] = []
    const helm = fs.mkdtempSync(path.join(os.tmpdir(), 'ict-helm-path-'))
    await expect(
      deployStage(
        {
          ...inputs,
          application: undefined,
          manifests: [chart],
          loadImages: ['example/workflows:ci'],
          secrets: [{ name: 's', data: { A: 'b' } }],
          helm: { valueFiles: [], version: 'v3.18.4', path: path.join(helm, 'helm') }
        },
        context,
        { ...deps, exec, loadImages: async (i) => void loaded.push(...i) }
      )
    ).rejects.toThrow(
      `helm template ${chart} failed: Error: execution error at (workflows/templates/workflows.yaml:20:20): image.tag is required`
    )
    expect(exec.commandLines()[0]).toMatch(
      new RegExp(
        `^${path.join(helm, 'helm')} template in-cluster-test-example ${chart} --namespace example `
      )
    )
    expect(kube.applied).toEqual([])
    expect(loaded).toEqual([])
  })
})

describe('deployStage and the service images', () => {
  const context = { namespace: 'example', stuckTimeoutSeconds: 600, workspace: '.' }

  it("loads ArgoCD's own images first, and the service's beside the rest, before the Application", async () => {
    const { kube, inputs, deps } = setup('auto')
    await kube.apply([crd(['helm'])])
    inputs.argocd = { ...inputs.argocd, image: 'local/argocd:v3', redisImage: 'local/redis:7' }
    inputs.loadImages = [
      'example/workflows:ci',
      'local/argocd:v3',
      'local/postgres:15',
      'local/redis:7'
    ]
    const events: string[] = []
    const before = kube.applied.length
    await deployStage(inputs, context, {
      ...deps,
      loadImages: async (images) => {
        events.push(`load ${images.join(' ')} after ${kube.applied.length - before} applied`)
      }
    })
    expect(events).toEqual([
      'load local/argocd:v3 local/redis:7 after 0 applied',
      // Started before the namespace and the Application are applied, and awaited before the latter.
      'load example/workflows:ci local/postgres:15 after 0 applied'
    ])
    expect(kube.applied.some((o) => o.kind === 'Application')).toBe(true)
    expect(deps.timer.list().map((t) => t.stage)).toEqual(
      expect.arrayContaining(['service images load', 'service images load (beside ArgoCD)'])
    )
  })

  it('loads them all first without an Application (the manifests need them at once)', async () => {
    const { inputs, deps } = setup('false')
    inputs.application = undefined
    inputs.loadImages = ['local/argocd:v3', 'example/workflows:ci']
    inputs.argocd = { ...inputs.argocd, image: 'local/argocd:v3' }
    const loads: string[][] = []
    await deployStage(inputs, context, { ...deps, loadImages: async (i) => void loads.push(i) })
    expect(loads).toEqual([['local/argocd:v3', 'example/workflows:ci']])
  })

  it('fails the deploy with the load error of an image loaded beside ArgoCD', async () => {
    const { kube, inputs, deps } = setup('auto')
    await kube.apply([crd(['helm'])])
    inputs.loadImages = ['example/workflows:ci']
    await expect(
      deployStage(inputs, context, {
        ...deps,
        loadImages: async () => {
          throw new Error('Loading example/workflows:ci into kind failed: no space left')
        }
      })
    ).rejects.toThrow('no space left')
    expect(kube.applied.some((o) => o.kind === 'Application')).toBe(false)
  })
})
