import { describe, expect, it } from '@jest/globals'
import { poll, WAKE_SETTLE_MS, Wakeup } from '../../src/k8s/poll.js'
import type { Clock } from '../../src/ports.js'

/**
 * A clock whose sleeps end only when aborted (a test that is not woken hangs and times out), but
 * for the short settle after a wake.
 */
class WokenOnlyClock implements Clock {
  sleeps = 0
  now(): number {
    return 0
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= WAKE_SETTLE_MS) return Promise.resolve()
    this.sleeps++
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve()
      signal?.addEventListener('abort', () => resolve(), { once: true })
    })
  }
}

describe('Wakeup', () => {
  it('ends a sleep when woken', async () => {
    const w = new Wakeup()
    const clock = new WokenOnlyClock()
    const slept = w.sleep(clock, 60_000)
    w.wake()
    expect(await slept).toBe(true)
    expect(clock.sleeps).toBe(1)
  })

  it('keeps a wake that came while nobody slept for the next sleep', async () => {
    const w = new Wakeup()
    const clock = new WokenOnlyClock()
    w.wake()
    expect(await w.sleep(clock, 60_000)).toBe(true)
    expect(clock.sleeps).toBe(0)
  })

  it('ends a sleep when its own signal aborts', async () => {
    const w = new Wakeup()
    const c = new AbortController()
    const slept = w.sleep(new WokenOnlyClock(), 60_000, c.signal)
    c.abort()
    // Not a wake: the caller's own abort.
    await expect(slept).resolves.toBe(false)
  })
})

describe('poll with a wakeup', () => {
  it('reads again as soon as it is woken instead of after its interval', async () => {
    const w = new Wakeup()
    let rounds = 0
    const r = await poll(
      async () => {
        rounds++
        // A change arrives while the first round's reads run: the next round starts at once.
        if (rounds === 1) setTimeout(() => w.wake(), 5)
        return rounds === 2 ? { done: 'seen' } : { waiting: 'not yet' }
      },
      { clock: new WokenOnlyClock(), timeoutMs: 60_000, intervalMs: 60_000, wakeup: w }
    )
    expect(r).toEqual({ state: 'done', value: 'seen' })
  })
})

describe('ChangeWatch', () => {
  it("watches a namespace's workloads and pods once each, and stops them all", async () => {
    const { ChangeWatch } = await import('../../src/k8s/changes.js')
    const { FakeKube } = await import('../../__fixtures__/fake-kube.js')
    const kube = new FakeKube()
    const paths: string[] = []
    let stopped = 0
    kube.watch = (q, onEvent) => {
      paths.push(q.path)
      onEvent()
      return () => stopped++
    }
    let changes = 0
    const w = new ChangeWatch(kube, () => changes++)
    w.namespace('example')
    w.namespace('example', ['/apis/argoproj.io/v1alpha1/namespaces/argocd/applications'])
    expect(paths).toEqual([
      '/api/v1/namespaces/example/pods',
      '/apis/apps/v1/namespaces/example/deployments',
      '/apis/apps/v1/namespaces/example/statefulsets',
      '/apis/apps/v1/namespaces/example/daemonsets',
      '/apis/batch/v1/namespaces/example/jobs',
      '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications'
    ])
    expect(changes).toBe(6)
    w.stop()
    expect(stopped).toBe(6)
  })
})
