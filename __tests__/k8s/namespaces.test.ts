import { describe, expect, it } from '@jest/globals'
import type { ObjectRef, WatchQuery } from '../../src/k8s/kube.js'
import type { KubeObject, NamespaceLike } from '../../src/k8s/types.js'
import {
  isTerminating,
  namespacesOf,
  NamespaceStuckError,
  waitingOutNamespaces,
  whatHolds
} from '../../src/k8s/namespaces.js'
import { FakeClock } from '../../__fixtures__/fake-clock.js'
import { FakeKube, realFixture } from '../../__fixtures__/fake-kube.js'
import { FakeLogger } from '../../__fixtures__/fake-logger.js'

/** Captured by capture-namespace.sh: held by a ConfigMap's finalizer nothing removes. */
const held = realFixture<NamespaceLike>('namespace-terminating-finalizer')
const heldName = held.metadata!.name!

/** A namespace just deleted: the controller has not said anything yet. */
const justDeleted = (name: string): NamespaceLike => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, deletionTimestamp: '2026-12-07T15:00:00Z' },
  spec: { finalizers: ['kubernetes'] },
  status: { phase: 'Terminating' }
})

/** A FakeKube whose Namespace reads follow a script (then what was applied), and that counts them. */
class NamespaceKube extends FakeKube {
  readonly scripts = new Map<string, Array<NamespaceLike | undefined | Error>>()
  readonly namespaceReads: string[] = []
  override async get<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    if (ref.kind !== 'Namespace') return super.get<T>(ref)
    this.namespaceReads.push(ref.name)
    const next = this.scripts.get(ref.name)?.shift()
    if (next instanceof Error) throw next
    return (next as T | undefined) ?? super.get<T>(ref)
  }
}

function setup(timeoutSeconds = 60) {
  const kube = new NamespaceKube()
  const clock = new FakeClock()
  const log = new FakeLogger()
  const gated = waitingOutNamespaces(kube, { clock, log, timeoutSeconds, intervalMs: 2000 })
  return { kube, clock, log, gated }
}

const secret = (namespace: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'tests-env', namespace }
})
const applied = (kube: FakeKube) =>
  kube.applied.map((o) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`)

describe('whatHolds', () => {
  it("names the finalizer that holds a real namespace, from the controller's own conditions", () => {
    expect(isTerminating(held)).toBe(true)
    const h = whatHolds(held)
    // The cause first: the finalizer keeps the content, the content keeps the namespace.
    expect(h[0]).toMatch(
      /^NamespaceFinalizersRemaining: .*in-cluster-test\.example\/hold in 1 resource instances/
    )
    expect(h[1]).toMatch(/^NamespaceContentRemaining: .*configmaps/)
    // The controller's own `kubernetes` finalizer says nothing more than the conditions do.
    expect(h.join(' ')).not.toMatch(/finalizer kubernetes/)
  })

  it('names finalizers on the namespace itself, and the content still going when nothing else is said', () => {
    const ns = justDeleted('a')
    expect(whatHolds(ns)).toEqual(['its content is still being deleted (finalizer kubernetes)'])
    ns.metadata!.finalizers = ['example.com/cleanup']
    ns.spec!.finalizers = ['kubernetes', 'example.com/spec-hold']
    expect(whatHolds(ns)).toEqual([
      'finalizer example.com/cleanup on the namespace',
      'finalizer example.com/spec-hold in its spec'
    ])
  })

  it('tells an active namespace from a terminating one', () => {
    expect(isTerminating({ metadata: { name: 'a' }, status: { phase: 'Active' } })).toBe(false)
    expect(isTerminating({ metadata: { name: 'a' }, status: { phase: 'Terminating' } })).toBe(true)
  })
})

describe('namespacesOf', () => {
  it("lists the objects' namespaces and the Namespaces they declare", () => {
    const r = namespacesOf([
      secret('a'),
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'b' } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'b' } },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'c' } }
    ])
    expect(r.names.sort()).toEqual(['a', 'b'])
    expect([...r.declared]).toEqual(['b'])
  })
})

describe('waitingOutNamespaces', () => {
  it('waits out a namespace still terminating, saying so once, then creates it before the object', async () => {
    const { kube, clock, log, gated } = setup()
    const started = clock.now()
    kube.scripts.set('ns1', [justDeleted('ns1'), justDeleted('ns1'), justDeleted('ns1')])
    await gated.apply([secret('ns1')])
    expect(applied(kube)).toEqual(['Namespace//ns1', 'Secret/ns1/tests-env'])
    // The first look and two reads 2 s apart see it terminating, the next finds it gone.
    expect(clock.now() - started).toBe(4000)
    const lines = log.text('info').split('\n')
    expect(lines.filter((l) => /still terminating/.test(l))).toEqual([
      'Namespace ns1 is still terminating (deleted by an earlier run?): waiting up to 60s (stuck-timeout) for it to go: its content is still being deleted (finalizer kubernetes)'
    ])
    expect(lines).toContain('Namespace ns1 is gone after 4s')
    expect(lines).toContain('Created Namespace ns1')
  })

  it('logs what holds the namespace again only when it changes', async () => {
    const { kube, log, gated } = setup()
    kube.scripts.set('ns1', [justDeleted('ns1'), justDeleted('ns1'), held, held, held])
    await gated.apply([secret('ns1')])
    const lines = log.text('info').split('\n')
    expect(lines.filter((l) => l.startsWith('Namespace ns1: '))).toHaveLength(1)
    expect(lines.find((l) => l.startsWith('Namespace ns1: '))).toMatch(
      /in-cluster-test\.example\/hold/
    )
  })

  it('is an error naming the namespace and what holds it when it stays past stuck-timeout', async () => {
    const { kube, clock, gated } = setup(15)
    const started = clock.now()
    kube.scripts.set(
      heldName,
      Array.from({ length: 100 }, () => held)
    )
    const err = await gated.apply([secret(heldName)]).then(
      () => undefined,
      (e: unknown) => e as Error
    )
    expect(err).toBeInstanceOf(NamespaceStuckError)
    expect(err?.message).toMatch(
      new RegExp(
        `^Namespace ${heldName} is still terminating after 15s \\(stuck-timeout\\), held by NamespaceFinalizersRemaining: .*in-cluster-test\\.example/hold`
      )
    )
    expect(err?.message).toContain(`kubectl get namespace ${heldName} -o yaml`)
    expect(clock.now() - started).toBe(16_000)
    expect(kube.applied).toEqual([])
  })

  it('asks again after a failed wait instead of taking the namespace as ready', async () => {
    const { kube, gated } = setup(2)
    kube.scripts.set('ns1', [held, held, held])
    await expect(gated.apply([secret('ns1')])).rejects.toThrow(NamespaceStuckError)
    await gated.apply([secret('ns1')])
    expect(applied(kube)).toEqual(['Namespace//ns1', 'Secret/ns1/tests-env'])
  })

  it('leaves an active namespace as it is and asks about each namespace once per run', async () => {
    const { kube, gated } = setup()
    await kube.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'live' } }])
    kube.applied.length = 0
    await gated.apply([secret('live')])
    await gated.create({ ...secret('live'), kind: 'Job', apiVersion: 'batch/v1' })
    await gated.apply([secret('live')])
    expect(applied(kube)).toEqual(['Secret/live/tests-env', 'Secret/live/tests-env'])
    expect(kube.namespaceReads).toEqual(['live'])
  })

  it('waits out a Namespace of the batch and lets the batch create it with its own labels', async () => {
    const { kube, gated } = setup()
    kube.scripts.set('app', [justDeleted('app')])
    const ns = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'app', labels: { team: 'a' } }
    } as KubeObject
    await gated.apply([secret('app'), ns])
    expect(kube.applied).toEqual([ns, secret('app')])
  })

  it('creates the namespace of a created object (the test Job) when it is missing', async () => {
    const { kube, gated } = setup()
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 't', namespace: 'j' } }
    await gated.create(job)
    expect(applied(kube)).toEqual(['Namespace//j'])
    expect(kube.created).toEqual([job])
  })

  it('goes on without waiting where it may not read namespaces', async () => {
    const { kube, gated } = setup()
    kube.scripts.set('ns1', [Object.assign(new Error('forbidden (403 Forbidden)'), { code: 403 })])
    await gated.apply([secret('ns1')])
    expect(applied(kube)).toEqual(['Secret/ns1/tests-env'])
  })

  it("watches only that namespace while waiting, and stops the watch when it's gone", async () => {
    const kube = new NamespaceKube()
    const queries: WatchQuery[] = []
    let stopped = 0
    kube.watch = (q) => {
      queries.push(q)
      return () => stopped++
    }
    kube.scripts.set('ns1', [justDeleted('ns1'), justDeleted('ns1')])
    const gated = waitingOutNamespaces(kube, {
      clock: new FakeClock(),
      log: new FakeLogger(),
      timeoutSeconds: 60
    })
    await gated.apply([secret('ns1')])
    expect(queries).toEqual([{ path: '/api/v1/namespaces', fieldSelector: 'metadata.name=ns1' }])
    expect(stopped).toBe(1)
    // The gated port still offers the watch to the stages.
    expect(typeof gated.watch).toBe('function')
  })
})
