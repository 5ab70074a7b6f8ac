/**
 * The one wait loop of the action: read, decide, log what changed, give up when stuck or late.
 * Deploy waits, the ArgoCD wait and the Job watch all poll: a poll survives an API-server restart
 * and a dropped connection without extra logic. Where a second matters (the test Job's end), an
 * API watch cuts the sleep short through a Wakeup, so the poll reads as soon as something changed.
 */
import type { Clock } from '../ports.js'

/**
 * Asked on every round while waiting: a reason to give up now (a pod that cannot start, say), or
 * undefined to keep waiting.
 */
export type StuckCheck = () => Promise<string | undefined>

/** What one round found: the value waited for, or what is still awaited. */
export type PollStep<T> = { done: T } | { waiting: string }

export type PollOutcome<T> =
  | { state: 'done'; value: T }
  /** The deadline passed; `message` is the last round's. */
  | { state: 'timeout'; message: string }
  | { state: 'stuck'; reason: string; message: string }

export interface PollOptions {
  clock: Clock
  /** From the first round. */
  timeoutMs: number
  intervalMs?: number
  stuck?: StuckCheck
  /** Told each waiting message that differs from the one before, so a change is logged once. */
  onChange?: (message: string) => void
  /** Ends a round's sleep early when woken (by a watch event). */
  wakeup?: Wakeup
}

/**
 * A sleep that something else can cut short. A wake while nobody sleeps is kept for the next
 * sleep, so a change seen during a round's reads is not lost.
 */
export class Wakeup {
  private pending = false
  private current: AbortController | undefined

  wake(): void {
    if (this.current) this.current.abort()
    else this.pending = true
  }

  /** Whether the sleep was cut short by a wake (now or one kept from before). */
  async sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<boolean> {
    if (this.pending || signal?.aborted) {
      const woken = this.pending
      this.pending = false
      return woken
    }
    const c = new AbortController()
    const abort = () => c.abort()
    signal?.addEventListener('abort', abort, { once: true })
    this.current = c
    try {
      await clock.sleep(ms, c.signal)
      return c.signal.aborted && !signal?.aborted
    } finally {
      this.current = undefined
      signal?.removeEventListener('abort', abort)
    }
  }
}

export const POLL_INTERVAL_MS = 2000

/**
 * After a wake, this long before the next read: the events of one change come in bursts (a pod's
 * status, then its owner's), and one read after the burst sees them all.
 */
export const WAKE_SETTLE_MS = 50

export async function poll<T>(
  step: () => Promise<PollStep<T>>,
  o: PollOptions
): Promise<PollOutcome<T>> {
  const deadline = o.clock.now() + o.timeoutMs
  let last: string | undefined
  for (;;) {
    const r = await step()
    if ('done' in r) return { state: 'done', value: r.done }
    if (r.waiting !== last) o.onChange?.(r.waiting)
    last = r.waiting
    const stuck = await o.stuck?.()
    if (stuck) return { state: 'stuck', reason: stuck, message: r.waiting }
    if (o.clock.now() >= deadline) return { state: 'timeout', message: r.waiting }
    const ms = o.intervalMs ?? POLL_INTERVAL_MS
    if (!o.wakeup) await o.clock.sleep(ms)
    else if (await o.wakeup.sleep(o.clock, ms)) await o.clock.sleep(WAKE_SETTLE_MS)
  }
}
