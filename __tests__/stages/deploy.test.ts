import { describe, expect, it } from '@jest/globals'
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
    loadImage: async () => undefined
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
