/**
 * Collects the other side of a failing test: the logs of every container of the service under
 * test over the test window (the previous instance's too when it restarted in the window), and a
 * snapshot of its pods, workloads and the window's events, into output-dir/service/. Through the
 * Kubernetes client only. Bounded: a cap per container log and in total, so a chatty service
 * cannot fill the runner.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Clock, Logger } from '../ports.js'
import type { Kube } from '../k8s/kube.js'
import type { KubeObject, PodLike } from '../k8s/types.js'
import {
  isErrorLine,
  ownerNames,
  podView,
  windowEvents,
  workloadView,
  type ContainerView,
  type ServiceSnapshot
} from './snapshot.js'

export interface CollectOptions {
  /** The namespaces the service was deployed into (the test namespace among them). */
  namespaces: string[]
  /** The run's own test pods, which are not the service. */
  excludePods: Set<string>
  /** Start of the test window (ms since the epoch). */
  sinceMs: number
  outputDir: string
  /** Applied to every log line written (secret values never reach a file). */
  redact: (text: string) => string
  /** Per container log, and for all logs together. */
  capBytes?: { perLog: number; total: number }
  /** Lines kept per container for the summary. */
  lastLines?: number
}

export const SERVICE_DIR = 'service'
const CAPS = { perLog: 512 * 1024, total: 8 * 1024 * 1024 }
/** The API caps a log read by lines first: the window's last lines are what explain a failure. */
const TAIL_LINES = 5000
const MANAGED_BY = 'app.kubernetes.io/managed-by'

export async function collectService(
  kube: Kube,
  o: CollectOptions,
  clock: Clock,
  log: Logger
): Promise<ServiceSnapshot> {
  const caps = o.capBytes ?? CAPS
  const dir = path.join(o.outputDir, SERVICE_DIR)
  fs.mkdirSync(dir, { recursive: true })
  const pods: PodLike[] = []
  const workloads: KubeObject[] = []
  const events = []
  for (const ns of o.namespaces) {
    const [p, deployments, statefulSets, e] = await Promise.all([
      kube.listPods(ns, '').catch(() => []),
      kube.list('apps/v1', 'Deployment', ns).catch(() => []),
      kube.list('apps/v1', 'StatefulSet', ns).catch(() => []),
      kube.listEvents(ns).catch(() => [])
    ])
    pods.push(
      ...p
        .filter((pod) => !o.excludePods.has(pod.metadata?.name ?? ''))
        .filter((pod) => pod.metadata?.labels?.[MANAGED_BY] !== 'in-cluster-test')
        .map((pod) => ({ ...pod, metadata: { ...pod.metadata, namespace: ns } }))
    )
    workloads.push(...deployments, ...statefulSets)
    events.push(
      ...e.map((ev) => ({ ...ev, involvedObject: { ...ev.involvedObject, namespace: ns } }))
    )
  }
  const objects = new Set([
    ...pods.flatMap(ownerNames),
    ...workloads.map((w) => w.metadata?.name ?? '')
  ])
  const snapshot: ServiceSnapshot = {
    since: new Date(o.sinceMs).toISOString(),
    pods: pods.map((p) => podView(p, o.sinceMs)),
    workloads: workloads.map(workloadView),
    objects: [...objects].filter(Boolean).sort(),
    events: windowEvents(events, o.sinceMs, objects),
    truncated: false
  }
  // Seconds back to the window's start, a second early: the API counts whole seconds.
  const sinceSeconds = Math.max(1, Math.ceil((clock.now() - o.sinceMs) / 1000) + 1)
  let budget = caps.total
  for (const pod of snapshot.pods) {
    for (const c of pod.containers) {
      const read = async (previous: boolean): Promise<string | undefined> => {
        if (budget <= 0) {
          snapshot.truncated = true
          return undefined
        }
        const limitBytes = Math.min(caps.perLog, budget)
        const text = await kube
          .readLog(pod.namespace, pod.name, c.name, {
            sinceSeconds: previous ? undefined : sinceSeconds,
            previous,
            tailLines: TAIL_LINES,
            limitBytes
          })
          .catch((e: Error) => {
            log.debug(
              `No log for ${pod.name}/${c.name}${previous ? ' (previous)' : ''}: ${e.message}`
            )
            return undefined
          })
        if (text === undefined) return undefined
        budget -= Buffer.byteLength(text)
        if (Buffer.byteLength(text) >= limitBytes) snapshot.truncated = true
        return o.redact(text)
      }
      const current = await read(false)
      const previous = c.endedInWindow === 'previous' ? await read(true) : undefined
      const file = (suffix: string) =>
        path.join(SERVICE_DIR, pod.namespace, pod.name, `${c.name}${suffix}.log`)
      if (current !== undefined) c.logFile = write(o.outputDir, file(''), current)
      if (previous !== undefined)
        c.previousLogFile = write(o.outputDir, file('.previous'), previous)
      summarizeLogs(c, current ?? '', previous, o.lastLines ?? 15)
    }
  }
  fs.writeFileSync(path.join(dir, 'state.json'), o.redact(JSON.stringify(snapshot, null, 2)) + '\n')
  return snapshot
}

function write(outputDir: string, rel: string, text: string): string {
  const abs = path.join(outputDir, rel)
  fs.mkdirSync(path.dirname(abs), { recursive: true })
  fs.writeFileSync(abs, text)
  return rel
}

/** Error-level lines counted over the window; the last lines of the instance that matters. */
function summarizeLogs(
  c: ContainerView,
  current: string,
  previous: string | undefined,
  n: number
): void {
  const lines = (t: string) => t.split('\n').filter((l) => l.trim() !== '')
  c.errorLines = [...lines(current), ...lines(previous ?? '')].filter(isErrorLine).length
  // After a restart, what the container said before it ended explains the failure.
  c.lastLines = lines(previous ?? current).slice(-n)
}
