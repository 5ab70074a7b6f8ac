/**
 * Follows the test Job to Complete or Failed (never only Complete: kubectl wait's classic hang),
 * or to our own deadline, with the poll loop of k8s/poll.ts.
 */
import type { Clock, Logger } from '../ports.js'
import type { Kube } from '../k8s/kube.js'
import type { JobObject, PodLike } from '../k8s/types.js'
import { poll, Wakeup } from '../k8s/poll.js'
import { STUCK_REASONS } from '../diagnosis/pods.js'
import { podCreateFailure } from '../diagnosis/create.js'

/** The label the Job controller puts on each pod of an Indexed Job. */
export const INDEX_LABEL = 'batch.kubernetes.io/job-completion-index'

export type JobOutcome = 'succeeded' | 'failed' | 'timeout' | 'stuck'

export interface JobStatusLike {
  conditions?: Array<{ type?: string; status?: string; reason?: string; message?: string }>
  active?: number
  succeeded?: number
  failed?: number
  /** Indexed Jobs: the indexes done, as Kubernetes writes them ("0,2-4"). */
  completedIndexes?: string
  failedIndexes?: string
}

/** The numbers in an index list like "0,2-4" (completedIndexes, failedIndexes). */
export function parseIndexes(list: string | undefined): Set<number> {
  const out = new Set<number>()
  for (const part of (list ?? '').split(',')) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part)
    if (!m) continue
    for (let i = Number(m[1]); i <= Number(m[2] ?? m[1]); i++) out.add(i)
  }
  return out
}

/**
 * Whether one index of an Indexed Job has finished. With backoffLimitPerIndex the other indexes
 * go on after one fails, so each shard ends on its own; a Job that ended before the index did
 * (its deadline) ended it too.
 */
export function indexFinished(
  status: JobStatusLike | undefined,
  index: number
): 'succeeded' | 'failed' | undefined {
  if (parseIndexes(status?.completedIndexes).has(index)) return 'succeeded'
  if (parseIndexes(status?.failedIndexes).has(index)) return 'failed'
  return jobFinished(status) === 'failed' ? 'failed' : undefined
}

export interface WatchResult {
  outcome: JobOutcome
  job?: JobObject & { status?: JobStatusLike }
  pod?: PodLike
  podName?: string
  /** The terminal condition's reason (BackoffLimitExceeded, DeadlineExceeded, CompletionsReached). */
  reason?: string
  /** The terminal condition's message, or what our own deadline or a stuck pod was. */
  message?: string
  /** The pod existed during the run and was gone at the end. */
  podVanished: boolean
  exitCode?: number
  terminationReason?: string
  /** Why a stuck pod was given up on (ImagePullBackOff, CreateContainerConfigError, ...). */
  stuckReason?: string
  durationMs: number
}

/**
 * Whether a Job has finished, from its conditions. Kubernetes 1.31+ sets FailureTarget or
 * SuccessCriteriaMet first and Failed/Complete only once the pods are gone (for a deadline,
 * after the pod's grace period: 31 s in a captured run), so the earlier conditions count too.
 */
export function jobFinished(status: JobStatusLike | undefined): 'succeeded' | 'failed' | undefined {
  const cond = (type: string) =>
    status?.conditions?.some((c) => c.type === type && c.status === 'True')
  if (cond('Complete') || cond('SuccessCriteriaMet')) return 'succeeded'
  if (cond('Failed') || cond('FailureTarget')) return 'failed'
  return undefined
}

/**
 * The newest pod (a template with backoffLimit > 0 leaves earlier attempts behind); pod names
 * end in a random suffix, so order by creation time, then name for a stable choice.
 */
export function newestPod(pods: PodLike[]): PodLike | undefined {
  const key = (p: PodLike) =>
    `${(p.metadata as { creationTimestamp?: string } | undefined)?.creationTimestamp ?? ''}|${p.metadata?.name ?? ''}`
  return [...pods].sort((a, b) => key(a).localeCompare(key(b))).at(-1)
}

/** The condition that ended the Job (the first terminal one), for its reason and message. */
export function terminalCondition(
  status: JobStatusLike | undefined
): { type?: string; reason?: string; message?: string } | undefined {
  const terminal = ['Failed', 'FailureTarget', 'Complete', 'SuccessCriteriaMet']
  return status?.conditions?.find((c) => c.status === 'True' && terminal.includes(c.type ?? ''))
}

/** Why the pod cannot start, if it is in a state that will not resolve by itself. */
export function stuckReason(pod: PodLike | undefined, container: string): string | undefined {
  const cs =
    pod?.status?.containerStatuses?.find((c) => c.name === container) ??
    pod?.status?.containerStatuses?.[0]
  const reason = cs?.state?.waiting?.reason
  if (reason && STUCK_REASONS.has(reason)) return reason
  const unschedulable = pod?.status?.conditions?.find(
    (c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable'
  )
  return unschedulable ? 'Unschedulable' : undefined
}

/** API watches on the Job and its pods, each event a call to `changed`; returns their stop. */
function watchChanges(
  kube: Kube,
  namespace: string,
  name: string,
  podSelector: string,
  changed: () => void
): () => void {
  if (!kube.watch) return () => undefined
  const stops = [
    kube.watch(
      {
        path: `/apis/batch/v1/namespaces/${namespace}/jobs`,
        fieldSelector: `metadata.name=${name}`
      },
      changed
    ),
    kube.watch(
      { path: `/api/v1/namespaces/${namespace}/pods`, labelSelector: podSelector },
      changed
    )
  ]
  return () => stops.forEach((stop) => stop())
}

export interface WatchOptions {
  namespace: string
  name: string
  container: string
  /** For one index of an Indexed Job: its pods only, and done when that index is. */
  index?: number
  /** Put before this watch's log lines ("[2] "), when several watches share the output. */
  tag?: string
  /** Our own deadline, a little past the Job's activeDeadlineSeconds. */
  timeoutMs: number
  /** How long a pod may stay stuck (image pull, config error, unschedulable) before we give up. */
  stuckGraceMs: number
  pollMs?: number
  /** Cut short the wait between reads when the API reports a change (see below). */
  wakeup?: Wakeup
  /** Called with every pod read, so the log follower knows the pod. */
  onPod?: (pod: PodLike | undefined) => void
}

/**
 * Polls the Job and its pods until the Job finishes, its pod is stuck past the grace period, or
 * our deadline passes. API errors (a restarting API server) are retried until that deadline.
 * Returns what it saw; the exit code and termination reason come from the container's state or
 * lastState.
 */
export async function watchJob(
  kube: Kube,
  o: WatchOptions,
  clock: Clock,
  log: Logger
): Promise<WatchResult> {
  const started = clock.now()
  let job: (JobObject & { status?: JobStatusLike }) | undefined
  let pod: PodLike | undefined
  let sawPod = false
  let stuckSince: number | undefined
  let phase = ''
  let errors = 0
  let lastError = ''
  // The reads below decide; API watches on the Job and its pods only end the sleep between them,
  // so the end of the Job is seen within a round trip, as `kubectl wait` sees it, instead of up to
  // a poll interval later.
  const wakeup = o.wakeup ?? new Wakeup()
  const selector =
    `job-name=${o.name}` + (o.index === undefined ? '' : `,${INDEX_LABEL}=${o.index}`)
  const stopWatching = watchChanges(kube, o.namespace, o.name, selector, () => wakeup.wake())
  const outcome = await poll<WatchResult>(
    async () => {
      try {
        job = await kube.get<JobObject & { status?: JobStatusLike }>({
          apiVersion: 'batch/v1',
          kind: 'Job',
          name: o.name,
          namespace: o.namespace
        })
        const pods = await kube.listPods(o.namespace, selector)
        pod = newestPod(pods) ?? pod
        if (pods.length > 0) sawPod = true
        const vanished = sawPod && pods.length === 0
        o.onPod?.(vanished ? undefined : pod)
        errors = 0
        // Logged here, not by the poll, so the phase the Job ended in is logged too.
        const now = pod?.status?.phase ?? 'no pod yet'
        if (now !== phase) log.info(`${o.tag ?? ''}Test pod: ${now}`)
        phase = now
        if (!job) return { done: result('failed', undefined, pod, true) }
        const finished =
          o.index === undefined ? jobFinished(job.status) : indexFinished(job.status, o.index)
        if (finished) return { done: result(finished, job, pod, vanished) }
        // No pod yet, and the Job controller says why: admission or quota will not change alone.
        const refused =
          pods.length === 0 && !sawPod
            ? podCreateFailure(
                await kube.listEvents(o.namespace, { kind: 'Job', name: o.name }),
                o.name
              )
            : undefined
        const stuck = refused ? 'FailedCreate' : stuckReason(pod, o.container)
        if (!stuck) stuckSince = undefined
        else if (clock.now() - (stuckSince ??= clock.now()) >= o.stuckGraceMs)
          return {
            done: {
              ...result('stuck', job, pod, vanished),
              stuckReason: stuck,
              message: refused
                ? `the Job could not create its pod for ${Math.round(o.stuckGraceMs / 1000)} s: ${refused.message}`
                : `the test pod stayed ${stuck} for ${Math.round(o.stuckGraceMs / 1000)} s`
            }
          }
      } catch (e) {
        // The API server may restart under us: keep polling until the deadline, say so once.
        lastError = (e as Error).message
        if (errors++ === 0) log.warning(`Lost contact with the API server, retrying: ${lastError}`)
      }
      return { waiting: phase }
    },
    {
      clock,
      timeoutMs: o.timeoutMs,
      intervalMs: o.pollMs,
      wakeup
    }
  ).finally(stopWatching)
  if (outcome.state === 'done') return outcome.value
  return {
    ...result('timeout', job, pod, false),
    message:
      `the Job did not finish within ${Math.round(o.timeoutMs / 1000)} s` +
      (errors > 0 ? ` (the API server did not answer: ${lastError})` : '')
  }

  function result(
    outcome: JobOutcome,
    job: (JobObject & { status?: JobStatusLike }) | undefined,
    p: PodLike | undefined,
    vanished: boolean
  ): WatchResult {
    const cs =
      p?.status?.containerStatuses?.find((c) => c.name === o.container) ??
      p?.status?.containerStatuses?.[0]
    const terminated = cs?.state?.terminated ?? cs?.lastState?.terminated
    const cond = terminalCondition(job?.status)
    return {
      outcome,
      job,
      pod: p,
      podName: p?.metadata?.name,
      reason: outcome === 'succeeded' || outcome === 'failed' ? cond?.reason : undefined,
      message: outcome === 'succeeded' || outcome === 'failed' ? cond?.message : undefined,
      podVanished: vanished || (outcome !== 'succeeded' && !job),
      exitCode: terminated?.exitCode,
      terminationReason: terminated?.reason,
      durationMs: clock.now() - started
    }
  }
}
