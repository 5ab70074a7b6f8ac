/**
 * The namespace gate (k8s/namespaces.ts) with client.ts against a real API server and its namespace
 * controller: a namespace held by a finalizer, then let go. Runs only when ICT_KUBECONFIG names a
 * working kubeconfig (e.g. /var/lib/in-cluster-test/cluster/admin.kubeconfig); without it the
 * suite is reported as skipped, not passed.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { createKube } from '../../src/k8s/client.js'
import { NamespaceStuckError, waitingOutNamespaces } from '../../src/k8s/namespaces.js'
import type { KubeObject, NamespaceLike } from '../../src/k8s/types.js'
import type { Clock } from '../../src/ports.js'
import { FakeLogger } from '../../__fixtures__/fake-logger.js'

const kubeconfig = process.env.ICT_KUBECONFIG
const ns = `ict-ns-${Date.now().toString(36)}`
const HOLD = 'in-cluster-test.example/hold'
const TEST_MANAGER = 'ict-namespaces-test'
const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      const t = setTimeout(resolve, ms)
      signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true })
    })
}

const suite = kubeconfig ? describe : describe.skip

suite('waitingOutNamespaces against a real API server', () => {
  const kube = kubeconfig ? createKube(kubeconfig) : undefined!
  const held = (finalizers: string[]): KubeObject =>
    ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'held', namespace: ns, finalizers }
    }) as KubeObject
  const secret: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'tests-env', namespace: ns }
  }
  const nsRef = { apiVersion: 'v1', kind: 'Namespace', name: ns }

  afterAll(async () => {
    if (!kube) return
    await kube.apply([held([])], { fieldManager: TEST_MANAGER }).catch(() => undefined)
    await kube.delete(nsRef)
  })

  it('gives up on a namespace a finalizer holds, naming it, then waits one out and creates it again', async () => {
    await kube.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }])
    await kube.apply([held([HOLD])], { fieldManager: TEST_MANAGER })
    await kube.delete(nsRef)

    const log = new FakeLogger()
    const gated = waitingOutNamespaces(kube, {
      clock: realClock,
      log,
      timeoutSeconds: 15,
      intervalMs: 500
    })
    // The namespace controller says why some seconds after the deletion (5 s in the capture of
    // namespace-terminating-finalizer.json): a bound shorter than that could only name the content.
    const err = await gated.apply([secret]).then(
      () => undefined,
      (e: unknown) => e as Error
    )
    expect(err).toBeInstanceOf(NamespaceStuckError)
    expect(err?.message).toMatch(
      new RegExp(`^Namespace ${ns} is still terminating after 15s \\(stuck-timeout\\), held by .*`)
    )
    expect(err?.message).toContain(HOLD)
    expect((await kube.get<NamespaceLike>(nsRef))?.status?.phase).toBe('Terminating')

    // Let go (the finalizer's owner applies without it), and a new write waits it out.
    await kube.apply([held([])], { fieldManager: TEST_MANAGER })
    const again = waitingOutNamespaces(kube, {
      clock: realClock,
      log,
      timeoutSeconds: 60,
      intervalMs: 500
    })
    await again.apply([secret])
    const live = await kube.get<NamespaceLike>(nsRef)
    expect(live?.status?.phase).toBe('Active')
    expect(live?.metadata?.deletionTimestamp).toBeUndefined()
    expect(
      await kube.get({ apiVersion: 'v1', kind: 'Secret', name: 'tests-env', namespace: ns })
    ).toBeDefined()
    expect(log.text('info')).toMatch(new RegExp(`Namespace ${ns} is gone after \\d+s`))
    expect(log.text('info')).toContain(`Created Namespace ${ns}`)
  }, 120_000)
})
