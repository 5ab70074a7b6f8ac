/**
 * Cleanup on SIGINT/SIGTERM. A cancelled workflow sends the step SIGINT (then SIGTERM, then
 * kills it), and Ctrl-C stops the CLI: without a handler Node exits at once and the run's Secret
 * and Job stay in the cluster until the post step, or forever for the CLI. The handler runs the
 * cleanup once, bounded (the runner does not wait long), then exits with the signal's code.
 */
import type { Logger } from '../ports.js'

type Signal = 'SIGINT' | 'SIGTERM'

/** The parts of `process` used: injectable for tests. */
export interface SignalProcess {
  on(signal: Signal, listener: () => void): unknown
  off(signal: Signal, listener: () => void): unknown
  exit(code: number): void
}

const CODE: Record<Signal, number> = { SIGINT: 130, SIGTERM: 143 }

/**
 * Installs the handlers; returns a function that removes them (call it once the run's own
 * `finally` has cleaned up). A second signal while the cleanup runs is ignored: the timeout
 * bounds the wait.
 */
export function cleanupOnSignal(
  cleanup: () => Promise<void>,
  log: Pick<Logger, 'warning'>,
  options: { timeoutMs?: number; proc?: SignalProcess } = {}
): () => void {
  const proc = options.proc ?? (process as unknown as SignalProcess)
  const timeoutMs = options.timeoutMs ?? 5000
  let running = false
  const handler = (signal: Signal) => () => {
    if (running) return
    running = true
    log.warning(`Received ${signal}: deleting what this run created before exiting`)
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        log.warning(`Cleanup did not finish within ${timeoutMs / 1000}s; the post step tries again`)
        resolve()
      }, timeoutMs)
    })
    void Promise.race([
      cleanup().catch((e: Error) => log.warning(`Cleanup after ${signal} failed: ${e.message}`)),
      timeout
    ]).finally(() => {
      clearTimeout(timer)
      proc.exit(CODE[signal])
    })
  }
  const listeners: Array<[Signal, () => void]> = [
    ['SIGINT', handler('SIGINT')],
    ['SIGTERM', handler('SIGTERM')]
  ]
  for (const [s, l] of listeners) proc.on(s, l)
  return () => {
    for (const [s, l] of listeners) proc.off(s, l)
  }
}
