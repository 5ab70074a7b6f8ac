/**
 * Why the pods of a deployed service do not become ready, one line per pod: the container that
 * waits or crashed and its reason (image pull, crash loop with the last exit, missing Secret), or
 * the scheduler's verdict. Pure: the caller lists the pods. Used when a deploy does not finish,
 * so the headline names the cause instead of "0 of 1 replicas available".
 */
import type { ContainerStateLike, PodLike } from '../k8s/types.js'
import { runtimeCause, START_WAITING_REASONS } from './start.js'

export interface PodProblem {
  pod: string
  reason: string
  message: string
}

/**
 * Waiting reasons that will not go away by waiting longer: a test pod or a deployed pod in one
 * of them for stuck-timeout (1m by default) is given up on. Crash loops are not among them (a service often restarts
 * while its database starts).
 */
export const STUCK_REASONS = new Set([
  'ImagePullBackOff',
  'ErrImagePull',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError'
])

function lastExit(state: ContainerStateLike | undefined): string {
  const t = state?.terminated
  if (!t) return ''
  // A container that could not start has the runtime's layered message: its end says why.
  const message = t.reason === 'StartError' ? runtimeCause(t.message ?? '') : t.message
  return ` (last exit ${t.exitCode ?? '?'}${t.reason ? `, ${t.reason}` : ''}${message ? `: ${message.trim().split('\n').pop()}` : ''})`
}

export function podProblems(pods: PodLike[]): PodProblem[] {
  const out: PodProblem[] = []
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '?'
    const status = pod.status ?? {}
    if (status.phase === 'Succeeded') continue
    const unscheduled = status.conditions?.find(
      (c) => c.type === 'PodScheduled' && c.status === 'False'
    )
    if (unscheduled) {
      out.push({
        pod: name,
        reason: unscheduled.reason ?? 'Unschedulable',
        message: unscheduled.message ?? ''
      })
      continue
    }
    const containers: Array<{
      name?: string
      image?: string
      state?: ContainerStateLike
      lastState?: ContainerStateLike
    }> = [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]
    for (const c of containers) {
      const waiting = c.state?.waiting
      if (
        waiting?.reason &&
        waiting.reason !== 'ContainerCreating' &&
        waiting.reason !== 'PodInitializing'
      ) {
        const image = c.image
        const what =
          waiting.reason === 'CrashLoopBackOff'
            ? `container ${c.name} keeps crashing${lastExit(c.lastState)}`
            : `container ${c.name}${image && waiting.reason.includes('Image') ? ` (image ${image})` : ''}: ${START_WAITING_REASONS.has(waiting.reason) ? runtimeCause(waiting.message ?? '') : (waiting.message ?? '')}`.trim()
        out.push({ pod: name, reason: waiting.reason, message: what.replace(/:$/, '') })
        break
      }
      const terminated = c.state?.terminated
      if (terminated && terminated.exitCode !== 0 && status.phase === 'Failed') {
        out.push({
          pod: name,
          reason: terminated.reason ?? 'Error',
          message: `container ${c.name} exited${lastExit(c.state)}`
        })
        break
      }
    }
  }
  return out
}

export function formatPodProblem(p: PodProblem): string {
  return `Pod ${p.pod}: ${p.reason}: ${p.message}`
}
