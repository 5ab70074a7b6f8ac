/**
 * Why a Job has no pod: the Job controller could not create it and said so only in a
 * `FailedCreate` event on the Job (Pod Security admission, a ResourceQuota, a LimitRange, an
 * admission webhook, a missing service account). The pod never exists, so nothing in a pod's
 * status tells; without this the run waits its whole timeout and blames a hanging test. Pure.
 */
import type { EventLike } from '../k8s/types.js'

export type CreateFailureKind =
  'pod-security' | 'quota' | 'limit-range' | 'webhook' | 'service-account' | 'other'

export interface CreateFailure {
  kind: CreateFailureKind
  /** One line for the summary, the cause first and what to do last. */
  headline: string
  /** The API server's message, without the "Error creating: pods … is forbidden:" preamble. */
  message: string
  /** How often the controller tried (the event's count). */
  count: number
}

const MAX_MESSAGE = 600

function eventTime(e: EventLike): number {
  return Date.parse(e.lastTimestamp ?? e.eventTime ?? '') || 0
}

/** The part of the message after the boilerplate the API server puts in front. */
function cause(message: string): string {
  const m = message
    .replace(/^\(combined from similar events\):\s*/i, '')
    .replace(/^Error creating:\s*/i, '')
    .replace(/^pods(?: "[^"]*")? is forbidden:\s*/i, '')
    .trim()
    .replace(/(?<!\.)\.$/, '')
  return m.length > MAX_MESSAGE ? m.slice(0, MAX_MESSAGE - 1) + '…' : m
}

/**
 * The latest FailedCreate event of the Job `jobName` (of any Job when not given), as a headline;
 * undefined when there is none. Call it while the Job has no pod: one such event is enough to
 * know the pod will not appear until something changes, so give up after stuck-timeout.
 */
export function podCreateFailure(events: EventLike[], jobName?: string): CreateFailure | undefined {
  const failed = events
    .filter(
      (e) =>
        e.reason === 'FailedCreate' &&
        (e.involvedObject?.kind === undefined || e.involvedObject.kind === 'Job') &&
        (jobName === undefined || e.involvedObject?.name === jobName)
    )
    .sort((a, b) => eventTime(a) - eventTime(b))
  const last = failed[failed.length - 1]
  if (!last) return undefined
  const raw = last.message ?? ''
  const message = cause(raw)
  const count = last.count ?? 1
  const job = last.involvedObject?.name ? `The Job ${last.involvedObject.name}` : 'The test Job'
  const refused = `${job} could not create its pod`

  const podSecurity = raw.match(/violates PodSecurity "([^"]+)"/)
  if (podSecurity) {
    const violations = message.replace(/^violates PodSecurity "[^"]+":\s*/, '')
    return {
      kind: 'pod-security',
      message,
      count,
      headline: `${refused}: the namespace enforces Pod Security "${podSecurity[1]}" and the pod violates it (${violations}). Use the default job-template, which meets "restricted", or set these fields in your template's securityContext.`
    }
  }
  if (/exceeded quota|failed quota/i.test(raw)) {
    const mustSpecify = /must specify/i.test(raw)
    return {
      kind: 'quota',
      message,
      count,
      headline: mustSpecify
        ? `${refused}: a ResourceQuota of the namespace requires requests and limits the pod does not set (${message}). Set memory-limit and cpu-limit (or the template's resources).`
        : `${refused}: it would exceed a ResourceQuota of the namespace (${message}). Lower the pod's requests and limits (memory-limit, cpu-limit, the Job template), wait for other pods to finish, or raise the quota.`
    }
  }
  if (/per (Container|Pod)|LimitRange/i.test(raw)) {
    return {
      kind: 'limit-range',
      message,
      count,
      headline: `${refused}: a LimitRange of the namespace refuses its resources (${message}). Set memory-limit and cpu-limit (or the template's resources) within the range.`
    }
  }
  const webhook = raw.match(/admission webhook "([^"]+)" denied the request/)
  if (webhook) {
    return {
      kind: 'webhook',
      message,
      count,
      headline: `${refused}: the admission webhook ${webhook[1]} denied it (${message.replace(/^admission webhook "[^"]+" denied the request:\s*/, '')}). Change the Job template to meet the cluster's policy, or ask its owners.`
    }
  }
  const sa = raw.match(/serviceaccount "([^"]+)" not found/i)
  if (sa) {
    return {
      kind: 'service-account',
      message,
      count,
      headline: `${refused}: its service account ${sa[1]} does not exist in the namespace. Create it before the tests (manifests), or remove serviceAccountName from the job-template.`
    }
  }
  return {
    kind: 'other',
    message,
    count,
    headline: `${refused}: ${message || 'the cluster gave no reason'}. Fix what the message names (the Job template, the namespace's policies).`
  }
}
