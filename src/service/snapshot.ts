/**
 * The service under test as a reviewer needs it after a failing run: its pods (ready, restarts,
 * how the last container ended), its workloads' ready counts, the events of the test window, and
 * what went wrong in that window (a restart, an OOM kill, a pod gone unready). Pure: collect.ts
 * reads the objects and logs.
 */
import type { ContainerStateLike, EventLike, KubeObject, PodLike } from '../k8s/types.js'

export interface ContainerView {
  name: string
  ready: boolean
  restarts: number
  /** running, waiting: <reason>, terminated: <reason> (exit N). */
  state: string
  /** How the instance that ended in the window ended (the previous one after a restart). */
  lastTermination?: { reason?: string; exitCode?: number; finishedAt?: string }
  /**
   * An instance ended abnormally inside the test window: `previous` when the kubelet has started
   * the container again (its log is the previous instance's), `current` when not yet.
   */
  endedInWindow?: 'previous' | 'current'
  memoryLimit?: string
  /** Files under output-dir, relative to it. */
  logFile?: string
  previousLogFile?: string
  /** Lines at error level in the window's log. */
  errorLines: number
  /** The last lines before a restart (previous log), else of the current log. */
  lastLines: string[]
}

export interface PodView {
  namespace: string
  name: string
  phase: string
  /** ready containers / all. */
  ready: string
  restarts: number
  /** The pod's Ready condition turned False inside the window and is still False. */
  unreadyInWindow: boolean
  containers: ContainerView[]
}

export interface WorkloadView {
  kind: string
  namespace: string
  name: string
  /** ready / desired replicas. */
  ready: string
}

export interface ServiceSnapshot {
  /** Start of the test window (ISO time). */
  since: string
  pods: PodView[]
  workloads: WorkloadView[]
  /** The names of the service's objects: pods, their owners, workloads. */
  objects: string[]
  /** The window's events about the service's objects, oldest first. */
  events: EventLike[]
  /** Log collection stopped at its cap; some logs are cut or missing. */
  truncated: boolean
}

type Terminated = NonNullable<ContainerStateLike['terminated']>

// Container times have whole seconds: one that ended in the window's first second reads earlier.
const after = (iso: string | undefined, sinceMs: number) =>
  iso !== undefined && Date.parse(iso) >= sinceMs - 1000

/** The view of one pod, logs not yet read (collect.ts fills logFile, errorLines, lastLines). */
export function podView(pod: PodLike, sinceMs: number): PodView {
  const statuses = pod.status?.containerStatuses ?? []
  const specs = pod.spec?.containers ?? []
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready')
  const containers: ContainerView[] = statuses.map((cs) => {
    // A container that completed (exit 0) is a finished Job's, not a failure.
    const abnormal = (t: Terminated | undefined): t is Terminated =>
      t !== undefined &&
      after(t.finishedAt, sinceMs) &&
      !(t.exitCode === 0 && t.reason === 'Completed')
    const current = cs.state?.terminated
    const previous = cs.lastState?.terminated
    const endedInWindow = abnormal(current)
      ? 'current'
      : abnormal(previous)
        ? 'previous'
        : undefined
    const ended = endedInWindow === 'current' ? current : endedInWindow ? previous : undefined
    return {
      name: cs.name ?? '?',
      ready: cs.ready ?? false,
      restarts: cs.restartCount ?? 0,
      state: describeState(cs.state),
      lastTermination: ended
        ? { reason: ended.reason, exitCode: ended.exitCode, finishedAt: ended.finishedAt }
        : undefined,
      endedInWindow,
      memoryLimit: specs.find((s) => s.name === cs.name)?.resources?.limits?.memory,
      errorLines: 0,
      lastLines: []
    }
  })
  return {
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '?',
    phase: pod.status?.phase ?? 'Unknown',
    ready: `${containers.filter((c) => c.ready).length}/${containers.length}`,
    restarts: containers.reduce((n, c) => n + c.restarts, 0),
    unreadyInWindow:
      pod.status?.phase === 'Running' &&
      ready?.status === 'False' &&
      after(ready.lastTransitionTime, sinceMs),
    containers
  }
}

function describeState(state: ContainerStateLike | undefined): string {
  if (state?.running) return 'running'
  if (state?.waiting) return `waiting: ${state.waiting.reason ?? '?'}`
  if (state?.terminated)
    return `terminated: ${state.terminated.reason ?? '?'} (exit ${state.terminated.exitCode ?? '?'})`
  return 'unknown'
}

/** `1/2` for a Deployment or StatefulSet. */
export function workloadView(obj: KubeObject): WorkloadView {
  const spec = obj.spec ?? {}
  const status = obj.status ?? {}
  const want = typeof spec.replicas === 'number' ? spec.replicas : 1
  const ready = typeof status.readyReplicas === 'number' ? status.readyReplicas : 0
  return {
    kind: obj.kind ?? '?',
    namespace: obj.metadata?.namespace ?? '',
    name: obj.metadata?.name ?? '?',
    ready: `${ready}/${want}`
  }
}

/** The events of the window about the given objects (by name), oldest first. */
export function windowEvents(
  events: EventLike[],
  sinceMs: number,
  objects: Set<string>
): EventLike[] {
  const time = (e: EventLike) => Date.parse(e.lastTimestamp ?? e.eventTime ?? '') || 0
  return events
    .filter((e) => time(e) >= sinceMs && objects.has(e.involvedObject?.name ?? ''))
    .sort((a, b) => time(a) - time(b))
}

/** The names of a pod and of what owns it up the usual chain (pod → ReplicaSet → Deployment). */
export function ownerNames(pod: PodLike): string[] {
  const names = [pod.metadata?.name ?? '']
  for (const o of pod.metadata?.ownerReferences ?? []) {
    if (!o.name) continue
    names.push(o.name)
    // A ReplicaSet is named <deployment>-<pod-template-hash>.
    if (o.kind === 'ReplicaSet') names.push(o.name.replace(/-[a-z0-9]{6,10}$/, ''))
  }
  return names
}

const ERROR_LEVEL =
  /(\blevel[=:]\s*"?(error|fatal|panic)\b|"level"\s*:\s*"(error|fatal|panic)"|\b(ERROR|FATAL|PANIC)\b|^panic: |^fatal error: |\[error\])/i

/** Whether a service log line is at error level (structured, logfmt, or plain). */
export function isErrorLine(line: string): boolean {
  return ERROR_LEVEL.test(line)
}

/**
 * What went wrong with the service in the window, one phrase per pod, for the headline:
 * "workflows-7d9c-x2v restarted: OOMKilled (limit 128Mi)".
 */
export function serviceTroubles(s: ServiceSnapshot): string[] {
  const out: string[] = []
  for (const p of s.pods) {
    const restarted = p.containers.filter((c) => c.endedInWindow)
    if (restarted.length > 0) {
      const why = restarted.map((c) => {
        const t = c.lastTermination
        const reason = t?.reason ?? 'terminated'
        const limit = reason === 'OOMKilled' && c.memoryLimit ? ` (limit ${c.memoryLimit})` : ''
        const code =
          reason !== 'OOMKilled' && t?.exitCode !== undefined ? ` (exit ${t.exitCode})` : ''
        const who = p.containers.length > 1 ? `${c.name}: ` : ''
        return `${who}${reason}${limit}${code}`
      })
      const verb = restarted.some((c) => c.endedInWindow === 'previous') ? 'restarted' : 'exited'
      out.push(`${p.name} ${verb}: ${why.join(', ')}`)
    } else if (p.unreadyInWindow) {
      out.push(`${p.name} went unready`)
    }
  }
  return out
}

/** The headline with what the service did meanwhile, when it did anything. */
export function withServiceTroubles(headline: string, troubles: string[]): string {
  if (troubles.length === 0) return headline
  const shown =
    troubles.slice(0, 2).join('; ') +
    (troubles.length > 2 ? `; and ${troubles.length - 2} more` : '')
  return `${headline.replace(/\.\s*$/, '')}; meanwhile ${shown}.`
}
