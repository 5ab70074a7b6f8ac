import { describe, expect, it } from '@jest/globals'
import { nodeArchitecture } from '../../src/k8s/nodes.js'
import { FakeKube } from '../../__fixtures__/fake-kube.js'

describe('nodeArchitecture', () => {
  it("is the nodes' nodeInfo.architecture", async () => {
    const kube = new FakeKube()
    kube.objects.set('Node//ict-control-plane', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'ict-control-plane' },
      status: { nodeInfo: { architecture: 'arm64', kubeletVersion: 'v1.32.9' } }
    })
    expect(await nodeArchitecture(kube)).toBe('arm64')
  })

  it('is undefined when the nodes cannot be listed or say nothing', async () => {
    const kube = new FakeKube()
    expect(await nodeArchitecture(kube)).toBeUndefined()
    kube.list = () => Promise.reject(new Error('nodes is forbidden (403 Forbidden)'))
    expect(await nodeArchitecture(kube)).toBeUndefined()
  })
})
