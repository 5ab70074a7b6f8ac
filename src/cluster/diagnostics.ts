/**
 * The cluster's side of a run that did not pass, exported by the main step into the export-logs
 * folder, so a later step of the job (an artifact upload) finds it; the post step runs after
 * every other step, too late for that. A kind cluster exports itself (`kind export logs`); any
 * other cluster is read through the Kubernetes API, as far as the run's credentials reach:
 * nodes, every pod, every event, the logs of kube-system's pods and the kubelets' logs.
 *
 * Never Secrets (they are not read) nor a kubeconfig; what is written is redacted like output-dir.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Exec, Logger } from '../ports.js'
import type { Kube } from '../k8s/kube.js'
import type { EventLike, KubeObject, NodeLike, PodLike } from '../k8s/types.js'
import { exportKindLogs } from '../kind/cluster.js'
import { redactDirectory, type Redactor } from '../secrets/redact.js'

export interface DiagnosticsOptions {
  /** The export-logs folder. */
  dir: string
  /** Set for a kind cluster (created or reused by the run): kind exports its own logs. */
  kind?: { path: string; clusterName: string }
  redactor: Redactor
  caps?: DiagnosticsCaps
}

export interface DiagnosticsCaps {
  /** Bytes per container log (and per kubelet log). */
  perLog: number
  /** Bytes of all logs together. */
  total: number
}

export const DIAGNOSTICS_CAPS: DiagnosticsCaps = { perLog: 1 << 20, total: 20 << 20 }
/** The API cuts a log by lines first, then by bytes: the last lines are what explain a failure. */
const TAIL_LINES = 10000
/** Where the control plane and the cluster's add-ons run. */
const SYSTEM_NAMESPACE = 'kube-system'

/** Exports the diagnostics into `o.dir`; returns the files written, relative to it. */
export async function exportDiagnostics(
  o: DiagnosticsOptions,
  d: { kube?: Kube; exec: Exec; log: Logger }
): Promise<string[]> {
  fs.mkdirSync(o.dir, { recursive: true })
  if (o.kind) {
    await exportKindLogs(o.kind.path, o.kind.clusterName, o.dir, d.exec)
  } else if (d.kube) {
    await collectThroughApi(d.kube, o.dir, o.caps ?? DIAGNOSTICS_CAPS, d.log)
  } else {
    return []
  }
  // Test and service logs may print a secret value; no runner masks files.
  await redactDirectory(o.dir, o.redactor)
  return listFiles(o.dir)
}

/** Nodes, pods, events and logs, each part on its own: one refused read skips only that part. */
export async function collectThroughApi(
  kube: Kube,
  dir: string,
  caps: DiagnosticsCaps,
  log: Logger
): Promise<void> {
  const write = (rel: string, text: string) => {
    const file = path.join(dir, rel)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, text)
  }
  const read = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> =>
    fn().catch((e: Error) => {
      log.warning(`Cluster diagnostics: could not read ${what}: ${e.message}`)
      return undefined
    })

  const nodes = (await read('the nodes', () => kube.list<NodeLike>('v1', 'Node'))) ?? []
  write('nodes.txt', nodeTable(nodes))
  write('nodes.json', json(nodes.map(withoutNoise)))
  const pods = (await read('the pods', () => kube.list<PodLike>('v1', 'Pod'))) ?? []
  write('pods.txt', podTable(pods))
  write('pods.json', json(pods.map(withoutNoise)))
  const events = sortEvents(
    (await read('the events', () => kube.list<KubeObject & EventLike>('v1', 'Event'))) ?? []
  )
  write('events.txt', eventTable(events))
  write('events.json', json(events.map(withoutNoise)))

  const budget = { left: caps.total }
  const system = pods.filter((p) => p.metadata?.namespace === SYSTEM_NAMESPACE)
  for (const { pod, container, previous } of systemContainers(system)) {
    const limitBytes = Math.min(caps.perLog, budget.left)
    if (limitBytes <= 0) break
    const text = await kube
      .readLog(SYSTEM_NAMESPACE, pod, container, { previous, tailLines: TAIL_LINES, limitBytes })
      .catch((e: Error) => log.debug(`No log for ${pod}/${container}: ${e.message}`))
    if (typeof text !== 'string') continue
    budget.left -= Buffer.byteLength(text)
    write(containerLogFile(SYSTEM_NAMESPACE, pod, container, previous), text)
  }
  for (const node of nodes.map((n) => n.metadata?.name ?? '').filter(Boolean)) {
    const limit = Math.min(caps.perLog, budget.left)
    if (limit <= 0) break
    const text = await kube.readNodeLog(node, 'kubelet', TAIL_LINES).catch((e: Error) => {
      // 403 without nodes/proxy, 404 or 400 where the kubelet serves no log query: not ours.
      log.debug(`No kubelet log of ${node}: ${e.message}`)
      return undefined
    })
    if (text === undefined) continue
    const kept = lastBytes(text, limit)
    if (!kept) continue
    budget.left -= Buffer.byteLength(kept)
    write(path.join('kubelet', `${segment(node)}.log`), kept)
  }
}

/** Every container of the pods, and its previous instance when it restarted. */
function systemContainers(
  pods: PodLike[]
): Array<{ pod: string; container: string; previous: boolean }> {
  const out: Array<{ pod: string; container: string; previous: boolean }> = []
  for (const p of pods) {
    const pod = p.metadata?.name
    if (!pod) continue
    for (const c of p.spec?.containers ?? []) {
      if (!c.name) continue
      out.push({ pod, container: c.name, previous: false })
      const restarts = p.status?.containerStatuses?.find((s) => s.name === c.name)?.restartCount
      if ((restarts ?? 0) > 0) out.push({ pod, container: c.name, previous: true })
    }
  }
  return out
}

export function containerLogFile(
  namespace: string,
  pod: string,
  container: string,
  previous = false
): string {
  return path.join(
    'logs',
    segment(namespace),
    segment(pod),
    `${segment(container)}${previous ? '.previous' : ''}.log`
  )
}

/** A name as one path segment (API names are DNS names already; this is for the odd one). */
function segment(name: string): string {
  return name.replace(/[^\w.-]/g, '_').replace(/^\.+/, '_')
}

/** The last `max` bytes of a text, from a line's start. */
function lastBytes(text: string, max: number): string {
  const buf = Buffer.from(text)
  if (buf.length <= max) return text
  const tail = buf.subarray(buf.length - max).toString('utf8')
  return tail.slice(tail.indexOf('\n') + 1)
}

const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`

/** An object without the fields that only repeat it (managed fields, the last applied copy). */
function withoutNoise<T>(o: T): T {
  const { metadata, ...rest } = o as { metadata?: Record<string, unknown> }
  if (!metadata) return o
  const meta: Record<string, unknown> = { ...metadata }
  delete meta.managedFields
  const annotations = { ...(metadata.annotations as Record<string, string> | undefined) }
  delete annotations['kubectl.kubernetes.io/last-applied-configuration']
  if (Object.keys(annotations).length > 0) meta.annotations = annotations
  else delete meta.annotations
  return { ...rest, metadata: meta } as T
}

// ---------------------------------------------------------------------------------------------
// The text files: what `kubectl get -o wide` would show, from the objects.

/** Columns padded to their widest cell, two spaces apart. */
export function alignedTable(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)))
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
          .join('  ')
          .trimEnd()
      )
      .join('\n') + '\n'
  )
}

/** Ready, and each condition that is not as it should be (a pressure that is True). */
export function nodeTable(nodes: NodeLike[]): string {
  return alignedTable([
    ['NAME', 'READY', 'VERSION', 'ARCH', 'CONDITIONS'],
    ...nodes.map((n) => {
      const conditions = n.status?.conditions ?? []
      const ready = conditions.find((c) => c.type === 'Ready')
      const troubles = conditions
        .filter((c) => c.type !== 'Ready' && c.status !== 'False')
        .map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}`)
      if (ready && ready.status !== 'True')
        troubles.unshift(`Ready=${ready.status}: ${ready.reason ?? ''} ${ready.message ?? ''}`)
      return [
        n.metadata?.name ?? '?',
        ready?.status ?? 'Unknown',
        n.status?.nodeInfo?.kubeletVersion ?? '',
        n.status?.nodeInfo?.architecture ?? '',
        (n.spec?.unschedulable ? ['SchedulingDisabled', ...troubles] : troubles).join('; ').trim()
      ]
    })
  ])
}

/** Phase, ready containers, restarts and why a container waits or ended. */
export function podTable(pods: PodLike[]): string {
  const sorted = [...pods].sort((a, b) =>
    `${a.metadata?.namespace}/${a.metadata?.name}`.localeCompare(
      `${b.metadata?.namespace}/${b.metadata?.name}`
    )
  )
  return alignedTable([
    ['NAMESPACE', 'NAME', 'PHASE', 'READY', 'RESTARTS', 'REASONS'],
    ...sorted.map((p) => {
      const statuses = p.status?.containerStatuses ?? []
      const ready = statuses.filter((s) => s.ready).length
      const restarts = statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0)
      const reasons = [
        p.status?.reason,
        ...statuses.flatMap((s) => {
          const why =
            s.state?.waiting?.reason ??
            s.state?.terminated?.reason ??
            s.lastState?.terminated?.reason
          return why ? [`${s.name}: ${why}`] : []
        })
      ].filter(Boolean)
      return [
        p.metadata?.namespace ?? '',
        p.metadata?.name ?? '?',
        p.status?.phase ?? '',
        `${ready}/${p.spec?.containers?.length ?? statuses.length}`,
        String(restarts),
        reasons.join(', ')
      ]
    })
  ])
}

/** When an event last happened: the API fills one of these, depending on who reported it. */
export function eventTime(e: EventLike): string {
  const x = e as EventLike & {
    firstTimestamp?: unknown
    metadata?: { creationTimestamp?: unknown }
  }
  for (const t of [x.lastTimestamp, x.eventTime, x.firstTimestamp, x.metadata?.creationTimestamp]) {
    if (!t) continue
    const d = new Date(t as string | Date)
    if (!Number.isNaN(d.getTime())) return d.toISOString()
  }
  return ''
}

export function sortEvents<T extends EventLike>(events: T[]): T[] {
  return [...events].sort((a, b) => eventTime(a).localeCompare(eventTime(b)))
}

export function eventTable(events: EventLike[]): string {
  return alignedTable([
    ['TIME', 'TYPE', 'REASON', 'OBJECT', 'COUNT', 'MESSAGE'],
    ...events.map((e) => [
      eventTime(e),
      e.type ?? '',
      e.reason ?? '',
      `${e.involvedObject?.namespace ? `${e.involvedObject.namespace}/` : ''}${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}`,
      String(e.count ?? 1),
      (e.message ?? '').replace(/\s+/g, ' ').trim()
    ])
  ])
}

function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort()
}
