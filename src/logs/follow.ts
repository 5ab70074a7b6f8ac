/**
 * Follows the test container's log while the Job runs and writes every line to a file as it
 * arrives, so nothing is lost when the pod is deleted (deadline, TTL, eviction). The kubelet may
 * close a follow stream early; we reconnect from the last timestamp and drop the repeats.
 */
import * as fs from 'node:fs'
import type { Clock, Logger } from '../ports.js'
import type { Kube } from '../k8s/kube.js'
import type { PodLike } from '../k8s/types.js'
import type { Wakeup } from '../k8s/poll.js'
import { LineSplitter, LogDeduper, splitTimestamp } from './lines.js'

export interface FollowTarget {
  namespace: string
  container: string
  /** The pod, once it exists; undefined while the Job has not created it. */
  pod(): PodLike | undefined
  /** True once the Job has finished (or was given up on): read the tail once and stop. */
  finished(): boolean
  /** Woken when the pod or the Job changed, so a wait for either ends at once. */
  wakeup?: Wakeup
}

export interface FollowResult {
  lines: number
  reconnects: number
  /** The pod disappeared before its log could be read to the end. */
  podGone: boolean
}

function containerStarted(pod: PodLike | undefined, container: string): boolean {
  const cs = pod?.status?.containerStatuses?.find((c) => c.name === container)
  return Boolean(cs?.state?.running || cs?.state?.terminated || cs?.lastState?.terminated)
}

/**
 * Streams until the target is finished and the tail is read. Each line goes to `onLine` and to
 * `logFile` (timestamps stripped). Never throws for a vanished pod: what was read is kept.
 */
export async function followLogs(
  kube: Kube,
  target: FollowTarget,
  logFile: string,
  onLine: (line: string) => void,
  clock: Clock,
  log: Logger,
  signal?: AbortSignal,
  pollMs = 1000,
  idleReconnectMs = 15_000
): Promise<FollowResult> {
  const out = fs.createWriteStream(logFile, { flags: 'a' })
  const dedupe = new LogDeduper()
  let lines = 0
  let reconnects = 0
  let podGone = false
  let streamed = false
  const nap = (ms: number, s?: AbortSignal) =>
    target.wakeup ? target.wakeup.sleep(clock, ms, s) : clock.sleep(ms, s)
  const emit = (raw: string) => {
    const line = splitTimestamp(raw)
    if (!dedupe.accept(line)) return
    lines++
    out.write(line.text + '\n')
    onLine(line.text)
  }
  const read = async (podName: string, follow: boolean) => {
    const splitter = new LineSplitter()
    if (streamed) {
      dedupe.reconnecting()
      reconnects++
    }
    streamed = true
    // A follow stream lasts as long as the container: after a deadline that is the pod's grace
    // period (30 s by default), and forever if the API server stops answering. So once the Job
    // is finished, this read is cut short and the final non-follow read below gets the tail.
    const current = new AbortController()
    const stop = () => current.abort()
    signal?.addEventListener('abort', stop, { once: true })
    if (signal?.aborted) stop()
    // client-node pipes the response without forwarding its errors, so a connection that dies
    // mid-stream (an API-server restart) never ends the stream. A follow that has been silent
    // for idleReconnectMs is recycled: reconnecting from the last timestamp costs one repeated
    // second, which the deduper drops. 15 s: on the local cluster a killed API server was back
    // in 15 s, and with a 60 s threshold the stream of a 30 s test never came back before the
    // Job ended (the lines after the restart arrived only with the final read); a silent test
    // costs one cheap request every 15 s.
    let lastData = clock.now()
    const watchFinished = async () => {
      while (follow && !current.signal.aborted) {
        if (target.finished()) return stop()
        if (clock.now() - lastData >= idleReconnectMs) return stop()
        await nap(pollMs, current.signal)
      }
    }
    const watcher = watchFinished()
    try {
      await kube.streamLog(
        target.namespace,
        podName,
        target.container,
        { follow, sinceTime: dedupe.sinceTime(), signal: current.signal },
        (chunk) => {
          lastData = clock.now()
          splitter.push(chunk).forEach(emit)
        }
      )
    } finally {
      stop()
      signal?.removeEventListener('abort', stop)
      await watcher
    }
    // A follow stream cut mid-line: drop the fragment, the reconnect sends the whole line again.
    // Only the final read keeps a last line that has no newline.
    if (!follow) splitter.flush().forEach(emit)
  }
  try {
    for (;;) {
      if (signal?.aborted) break
      const pod = target.pod()
      const done = target.finished()
      if (pod?.metadata?.name && containerStarted(pod, target.container)) {
        try {
          // Once finished, one last non-follow read picks up whatever the stream had not sent.
          await read(pod.metadata.name, !done)
          // The stream was cut because the Job finished: read the tail now.
          if (!done && target.finished() && !signal?.aborted) {
            await read(pod.metadata.name, false)
            break
          }
        } catch (e) {
          const code = (e as { code?: number }).code
          if (code === 404) {
            podGone = true
            log.warning(
              `The test pod ${pod.metadata.name} is gone; its log up to here is kept in ${logFile}`
            )
            break
          }
          if (done) {
            log.warning(`Could not read the end of the test log: ${(e as Error).message}`)
            break
          }
          log.debug(`log stream error, retrying: ${(e as Error).message}`)
        }
        if (done) break
      } else if (done) {
        break
      }
      await nap(pollMs, signal)
    }
  } finally {
    await new Promise<void>((resolve) => out.end(resolve))
  }
  return { lines, reconnects, podGone }
}
