/**
 * Says in one line why a test run did not pass, the way an engineer would after ten minutes of
 * kubectl: from the Job's conditions, the pod's phase and container states, the scheduler's
 * verdict and the namespace's events. Pure: the caller collects the objects.
 */
import type { ContainerStateLike, EventLike, JobLike, PodLike } from '../k8s/types.js'
import { podCreateFailure } from './create.js'
import { startFailure } from './start.js'

export interface DiagnosisInput {
  job?: JobLike
  pod?: PodLike
  /** True when the pod existed during the run but is gone now. */
  podVanished?: boolean
  events: EventLike[]
  /** Our own deadline passed before the Job finished. */
  timedOut?: boolean
  timeoutSeconds: number
  image: string
  /** Failing tests parsed from the log, and whether it shows a panic. */
  failedTests: string[]
  panicked?: string
  container?: string
  /** Whether any test started, and the log's last lines: a binary can fail before its first test. */
  testsRan?: boolean
  lastLogLines?: string[]
}

export interface Diagnosis {
  /** `failed`: tests ran and failed; `error`: they could not run; `timeout`: deadline. */
  status: 'failed' | 'error' | 'timeout'
  headline: string
  details: string[]
}

const IMAGE_PULL = new Set([
  'ImagePullBackOff',
  'ErrImagePull',
  'ErrImageNeverPull',
  'InvalidImageName'
])

function containerStatus(pod: PodLike | undefined, name?: string) {
  const all = pod?.status?.containerStatuses ?? []
  return all.find((c) => c.name === name) ?? all[0]
}

function limitOf(pod: PodLike | undefined, resource: string, name?: string): string | undefined {
  const containers = pod?.spec?.containers ?? []
  const c = containers.find((x) => x.name === name) ?? containers[0]
  return c?.resources?.limits?.[resource]
}

/**
 * What the pod asks the scheduler for, of the resources its message says no node has
 * ("1 Insufficient memory"): e.g. "memory 4Ti". Requests of all containers, as the scheduler
 * adds them; a single container's are shown as they were written.
 */
function requestsNamed(pod: PodLike | undefined, message: string): string | undefined {
  const short = [...message.matchAll(/Insufficient ([\w/-]+(?:\.[\w/-]+)*)/g)].map((m) => m[1])
  const wanted = [...new Set(short)]
  const containers = pod?.spec?.containers ?? []
  const parts = wanted.flatMap((r) => {
    const values = containers.map((c) => c.resources?.requests?.[r]).filter((v) => v !== undefined)
    return values.length > 0 ? [`${r} ${values.join(' + ')}`] : []
  })
  return parts.length > 0 ? parts.join(', ') : undefined
}

/** The scheduler's verdict without its preemption sentence, which only repeats it. */
function schedulerVerdict(message: string): string {
  return clause(message.replace(/\s*preemption:.*$/s, ''))
}

/**
 * The kubelet's message for a secretKeyRef (or configMapKeyRef) whose key is missing, rephrased
 * to name the object and the key; other config errors (a missing Secret) are kept as they are.
 */
function configErrorCause(message: string): string {
  const key = message.match(/couldn't find key (\S+) in (Secret|ConfigMap) (\S+)/)
  if (key) {
    const [, name, kind, object] = key
    return `the ${kind} ${object} has no key ${name} (an env entry of the Job refers to it by key)`
  }
  return clause(message)
}

/** The hint that matches an image-pull failure: one pulled by digest, or one that was to be loaded. */
function imageHint(image: string, reason: string): string {
  // Pushed (image-load push) or given by digest: it is in a registry, which the nodes cannot use.
  if (/@sha256:[a-f0-9]{64}$/.test(image))
    return 'the nodes could not pull it from its registry: check that they reach the registry under that name (a plain-HTTP one must be an insecure registry of their container runtime) and that registry-username may read it'
  if (image.endsWith(':latest') || !/[:@]/.test(image.split('/').pop() ?? '')) {
    return "the image has no tag or ':latest', so the kubelet tries to pull it: use a content tag and imagePullPolicy IfNotPresent"
  }
  if (reason === 'ErrImageNeverPull')
    return 'imagePullPolicy is Never and the image is not on the node: load it (image-load)'
  return 'the image is not on the node and no registry serves it: check image-load (kind load, or your import command) ran for this cluster'
}

export function diagnose(input: DiagnosisInput): Diagnosis {
  const { pod, job } = input
  const cs = containerStatus(pod, input.container)
  const terminated = cs?.state?.terminated ?? cs?.lastState?.terminated
  const waiting = cs?.state?.waiting
  // Since Kubernetes 1.31 FailureTarget comes first, while the pods are still being terminated:
  // the Job may be read before Failed is set.
  const conditions = job?.status?.conditions ?? []
  const jobFailed =
    conditions.find((c) => c.type === 'Failed' && c.status === 'True') ??
    conditions.find((c) => c.type === 'FailureTarget' && c.status === 'True')
  const details = stateDetails(input, jobFailed, terminated, waiting)
  const mins = formatDuration(input.timeoutSeconds)

  // No pod at all, and the Job controller said why: admission or quota, not a hanging test.
  const notCreated = input.pod ? undefined : podCreateFailure(input.events)
  if (notCreated) return { status: 'error', headline: notCreated.headline, details }

  const cannotRun = podCannotRun(input, terminated, waiting)
  if (cannotRun) return { ...cannotRun, details }
  const deadline = jobFailed?.reason === 'DeadlineExceeded' || input.timedOut
  if (deadline) {
    const running = input.failedTests.length
      ? ` Unfinished or failed: ${input.failedTests.slice(0, 5).join(', ')}.`
      : ''
    return {
      status: 'timeout',
      headline: `Tests did not finish within the timeout (${mins}): the Job was stopped.${running} Raise timeout, or find the test that hangs in the log.`,
      details
    }
  }
  const deleted = deletedMidRun(input, cs?.state)
  if (deleted) {
    const name = pod?.metadata?.name ? ` ${pod.metadata.name}` : ''
    const unfinished = input.failedTests.length
      ? ` Unfinished then: ${input.failedTests.slice(0, 5).join(', ')}.`
      : ''
    return {
      status: 'error',
      headline: `The test pod${name} was deleted while the tests ran (${deleted}), so the Job failed without a result; the log up to then is kept.${unfinished} Run again, and look for what deletes pods in the namespace.`,
      details
    }
  }
  if (input.panicked) {
    return { status: 'failed', headline: `A test panicked: ${input.panicked}`, details }
  }
  if (input.failedTests.length > 0) {
    const n = input.failedTests.length
    const names = input.failedTests.slice(0, 3).join(', ') + (n > 3 ? ` and ${n - 3} more` : '')
    return {
      status: 'failed',
      headline: `${n} test${n === 1 ? '' : 's'} failed: ${names}.`,
      details
    }
  }
  if (terminated && terminated.exitCode === 0 && input.testsRan === false) {
    return {
      status: 'error',
      headline:
        'The test container exited 0 without running a Go test (no test in its log): check that the image runs the test binary and that test-args select tests (-test.v -test.run ...).',
      details
    }
  }
  if (terminated && terminated.exitCode !== 0 && input.testsRan === false) {
    const said = (input.lastLogLines ?? [])
      .filter((l) => l.trim())
      .slice(-2)
      .join(' ')
    return {
      status: 'error',
      headline: `The test binary exited with code ${terminated.exitCode} before any test ran${said ? `: ${clause(said.slice(0, 600))}` : ''}.`,
      details
    }
  }
  if (terminated && terminated.exitCode !== 0) {
    const signal =
      terminated.exitCode !== undefined && terminated.exitCode > 128
        ? ` (signal ${terminated.exitCode - 128})`
        : ''
    return {
      status: 'failed',
      headline: `The test binary exited with code ${terminated.exitCode}${signal} (${terminated.reason ?? 'Error'}) and no failing test was found in its log: look at its last lines.`,
      details
    }
  }
  if (jobFailed) {
    return {
      status: 'error',
      headline: `The test Job failed: ${jobFailed.reason ?? ''} ${jobFailed.message ?? ''}`.trim(),
      details
    }
  }
  return {
    status: 'error',
    headline:
      'The tests did not pass, and the cluster did not say why: see the events and the log below.',
    details
  }
}

type Condition = { type?: string; status?: string; reason?: string; message?: string }
type Terminated = NonNullable<ContainerStateLike['terminated']>
type Waiting = NonNullable<ContainerStateLike['waiting']>

/** What the cluster says of the Job and its pod, one line each, for the details. */
function stateDetails(
  input: DiagnosisInput,
  jobFailed: Condition | undefined,
  terminated: Terminated | undefined,
  waiting: Waiting | undefined
): string[] {
  const details: string[] = []
  const pod = input.pod
  if (pod?.status?.phase)
    details.push(`Pod ${pod.metadata?.name ?? ''} phase: ${pod.status.phase}`.replace('  ', ' '))
  if (jobFailed)
    details.push(
      `Job condition ${jobFailed.type}: ${jobFailed.reason ?? ''} ${jobFailed.message ?? ''}`.trim()
    )
  if (terminated) {
    details.push(
      `Container terminated: reason ${terminated.reason ?? '?'}, exit code ${terminated.exitCode ?? '?'}${terminated.message ? `, ${terminated.message}` : ''}`
    )
  }
  if (waiting)
    details.push(
      `Container waiting: ${waiting.reason ?? '?'}${waiting.message ? `: ${waiting.message}` : ''}`
    )
  for (const e of input.events.filter((e) => e.type === 'Warning').slice(-10)) {
    details.push(
      `Event ${e.reason ?? ''} on ${e.involvedObject?.kind ?? '?'}/${e.involvedObject?.name ?? '?'}: ${e.message ?? ''}${e.count && e.count > 1 ? ` (x${e.count})` : ''}`
    )
  }
  return details
}

/** The pod could not run the tests at all: out of memory, no image, bad config, no node. */
function podCannotRun(
  input: DiagnosisInput,
  terminated: Terminated | undefined,
  waiting: Waiting | undefined
): Omit<Diagnosis, 'details'> | undefined {
  const pod = input.pod
  if (terminated?.reason === 'OOMKilled') {
    const limit = limitOf(pod, 'memory', input.container)
    return {
      status: 'error',
      headline: `Tests were killed: out of memory${limit ? ` (limit ${limit})` : ''}. Raise memory-limit, or look for a test that holds too much memory.`
    }
  }
  // Before the exit code: a container that never started says exit 128 like a binary would.
  const start = startFailure({ terminated, waiting })
  if (start) {
    const exit = start.exitCode === undefined ? '' : `, exit ${start.exitCode}`
    const cause = start.cause ? `: ${clause(start.cause)}` : ''
    return {
      status: 'error',
      headline: `The test container could not start (${start.reason}${exit})${cause}.${start.hint ? ` ${start.hint}.` : ''}`
    }
  }
  if (waiting && IMAGE_PULL.has(waiting.reason ?? '')) {
    return {
      status: 'error',
      headline: `The test image ${input.image} could not be pulled (${waiting.reason}): ${imageHint(input.image, waiting.reason ?? '')}.`
    }
  }
  if (waiting?.reason === 'CreateContainerConfigError') {
    return {
      status: 'error',
      headline: `The test container could not start: ${configErrorCause(waiting.message ?? 'its configuration is invalid')}. Create the Secret or key it needs, or fix env-from-secrets / secret-env / the Job template.`
    }
  }
  const unschedulable = pod?.status?.conditions?.find(
    (c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable'
  )
  if (unschedulable) {
    const message = unschedulable.message ?? 'no node fits it'
    const requests = requestsNamed(pod, message)
    return {
      status: 'error',
      headline: `The test pod could not be scheduled${requests ? ` (it requests ${requests})` : ''}: ${schedulerVerdict(message)}. Lower the requests (the Job template's resources; memory-limit and cpu-limit cap them), or use a bigger cluster.`
    }
  }
  return undefined
}

/**
 * Whether the test pod was deleted (or evicted) while its container still ran, and by what when
 * the pod says so. Such a pod gets a deletionTimestamp (its grace period's end) while its
 * container keeps running until killed; the Job controller already counts it as failed
 * (FailureTarget, BackoffLimitExceeded with backoffLimit 0). A Go test binary is PID 1 in its
 * container and cannot die from SIGTERM there (the kernel drops the signal the runtime re-raises),
 * so it exits 2 at once: the pod then says "terminated, Error, exit 2" like a failing test, and
 * only its end time, not before the deletion was asked for, tells the two apart. An eviction
 * also sets a DisruptionTarget condition whose reason says who (EvictionByEvictionAPI: a drain,
 * PreemptionByScheduler, TerminationByKubelet: node pressure, DeletionByTaintManager).
 * A pod that is gone entirely (podVanished) was deleted too. Deadlines are handled before this.
 */
function deletedMidRun(
  input: DiagnosisInput,
  state: ContainerStateLike | undefined
): string | undefined {
  const pod = input.pod
  const disruption = pod?.status?.conditions?.find(
    (c) => c.type === 'DisruptionTarget' && c.status === 'True'
  )
  if (disruption) {
    return `${disruption.reason ?? 'disrupted'}${disruption.message ? `: ${clause(disruption.message)}` : ''}`
  }
  const byApi = 'deleted through the API: kubectl delete, a controller, or a node drain'
  if (pod?.metadata?.deletionTimestamp) {
    const t = state?.terminated
    // Still running when deleted, or ended by the deletion: after it was asked for, or by its
    // signal (TERM, or KILL after the grace period) when the times are missing.
    if (state?.running) return byApi
    if (
      t &&
      t.reason !== 'Completed' &&
      (endedByDeletion(pod.metadata, t.finishedAt) ?? [137, 143].includes(t.exitCode ?? 0))
    )
      return byApi
  }
  if (input.podVanished && !state?.terminated) return byApi
  return undefined
}

/**
 * Whether a container ended once its pod's deletion had been asked for: the deletionTimestamp is
 * that moment plus the grace period. Both are whole seconds, so "the same second" counts as after.
 * Undefined when a time is missing or unreadable.
 */
function endedByDeletion(
  meta: NonNullable<PodLike['metadata']>,
  finishedAt: string | undefined
): boolean | undefined {
  const deadline = Date.parse(meta.deletionTimestamp ?? '')
  const finished = Date.parse(finishedAt ?? '')
  if (Number.isNaN(deadline) || Number.isNaN(finished)) return undefined
  return finished >= deadline - (meta.deletionGracePeriodSeconds ?? 30) * 1000
}

/** A message used inside a sentence: without its own final period. */
function clause(message: string): string {
  return message.trim().replace(/(?<!\.)\.$/, '')
}

export function formatDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`
  if (seconds % 60 === 0) return `${seconds / 60}m`
  return seconds > 60 ? `${Math.floor(seconds / 60)}m${seconds % 60}s` : `${seconds}s`
}
