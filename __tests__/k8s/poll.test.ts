import { describe, expect, it } from '@jest/globals'
import { poll, Wakeup } from '../../src/k8s/poll.js'
import type { Clock } from '../../src/ports.js'

/** A clock whose sleeps end only when aborted: a test that is not woken hangs and times out. */
class WokenOnlyClock implements Clock {
  sleeps = 0
  now(): number {
    return 0
  }
  sleep(_ms: number, signal?: AbortSignal): Promise<void> {
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
    await slept
    expect(clock.sleeps).toBe(1)
  })

  it('keeps a wake that came while nobody slept for the next sleep', async () => {
    const w = new Wakeup()
    const clock = new WokenOnlyClock()
    w.wake()
    await w.sleep(clock, 60_000)
    expect(clock.sleeps).toBe(0)
  })

  it('ends a sleep when its own signal aborts', async () => {
    const w = new Wakeup()
    const c = new AbortController()
    const slept = w.sleep(new WokenOnlyClock(), 60_000, c.signal)
    c.abort()
    await expect(slept).resolves.toBeUndefined()
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
