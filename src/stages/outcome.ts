/**
 * The outcome stage: the runs of the Job (or its shards) made into one verdict. Shards are merged
 * and the one that went worst speaks for the run; a run that did not pass is diagnosed from its
 * Job, pod and events; a Job given up on is deleted once its log and diagnosis are taken.
 */
import type { JobInputs } from '../inputs/types.js'
import type { Clock, Logger } from '../ports.js'
import type { Kube } from '../k8s/kube.js'
import { CONTAINER } from '../k8s/job-template.js'
import type { JobRun } from '../job/runner.js'
import { mergeShards } from '../shard/merge.js'
import { rerunTargets, withReruns } from '../shard/rerun-failed.js'
import { reportableFailures } from '../results/gotest.js'
import type { CoverProfile } from '../results/cover-profile.js'
import type { TestRun } from '../results/types.js'
import { diagnose } from '../diagnosis/diagnose.js'
import type { RunStatus } from '../report/report.js'
import { collectService } from '../service/collect.js'
import { serviceTroubles, withServiceTroubles, type ServiceSnapshot } from '../service/snapshot.js'
import type { StageTimer } from '../timing.js'

/** How long the service's pods get to report what happened at the end of the tests. */
export const SETTLE_MS = 5000

export interface Outcome {
  status: RunStatus
  headline: string
  details: string[]
  run: TestRun
  profile?: CoverProfile
  exitCode?: number
  /** The service under test, collected when the run did not pass. */
  service?: ServiceSnapshot
}

export interface OutcomeContext {
  namespace: string
  /** The run's Job name (the shards' prefix): its events are the run's own. */
  jobName: string
  image: string
  /** Where the service under test runs, and since when the tests ran. */
  service: {
    namespaces: string[]
    sinceMs: number
    outputDir: string
    redact: (t: string) => string
    /** False: the service-logs input turned the collection off. */
    collect: boolean
  }
}

export interface OutcomeDeps {
  kube: Kube
  log: Logger
  clock: Clock
  timer: StageTimer
}

export async function outcomeStage(
  tests: { runs: JobRun[]; reruns?: JobRun[]; groups?: string[][] },
  inputs: Pick<JobInputs, 'shards' | 'shardMode' | 'timeoutSeconds'> & { failOnFlaky: boolean },
  c: OutcomeContext,
  d: OutcomeDeps
): Promise<Outcome> {
  const { runs, reruns = [] } = tests
  // Shards: counts added up, cover profiles merged and the coverage recomputed from them (left
  // out when a shard printed no profile, as a single Job that panicked would print none). Then
  // the reruns: a test counts as it last ended.
  const merged = withReruns(mergeShards(runs), reruns, tests.groups)
  const run = merged.run
  if ((runs.length > 1 || reruns.length > 0) && run.coverage !== undefined)
    run.coverage = Math.round(run.coverage * 10) / 10
  // The shard that went worst speaks for the run: an error before a failure before a pass. After
  // reruns, the last one speaks (it ran the tests still failing, alone) when it ended.
  const lastRerun = reruns.at(-1)
  const worst =
    (lastRerun && ['succeeded', 'failed'].includes(lastRerun.watched.outcome)
      ? lastRerun
      : undefined) ??
    runs.find((r) => r.watched.outcome !== 'succeeded') ??
    runs.find((r) => r.run.status === 'failed') ??
    runs[0]
  const watched = worst.watched
  const base = {
    run,
    profile: merged.profile,
    exitCode: watched.exitCode,
    details: [] as string[]
  }
  // Reruns that left nothing failing stand for the Jobs that failed before them.
  const allSucceeded =
    runs.every((r) => r.watched.outcome === 'succeeded') ||
    (lastRerun?.watched.outcome === 'succeeded' && run.status === 'passed')
  const flaky = run.flakyTests ?? []
  if (allSucceeded && run.status === 'passed' && flaky.length > 0 && inputs.failOnFlaky)
    return {
      ...base,
      status: 'failed',
      headline: `${flaky.length} test(s) failed, then passed when run again alone (fail-on-flaky is true): ${flaky
        .slice(0, 5)
        .map(
          (f) =>
            `${f.name}${f.kind === 'shard-conflict' ? ' (failed only beside other shards: shared state?)' : ''}`
        )
        .join(', ')}${flaky.length > 5 ? ', …' : ''}`
    }
  // An image without the TestMain opt-in runs -test.run=^$ in every pod: nothing, and passes.
  if (inputs.shards > 1 && inputs.shardMode === 'indexed' && allSucceeded && !run.tests.length)
    return {
      ...base,
      status: 'error',
      headline:
        "The Indexed Job's pods ran no test: the image's TestMain must pick its shard from JOB_COMPLETION_INDEX and IN_CLUSTER_TEST_RUN_<index> (see shard-mode in the README), or use shard-mode: jobs."
    }
  if (allSucceeded && run.status === 'passed') return { ...base, status: 'passed', headline: '' }

  const service = await serviceOf(runs, c, d)
  // The run's own objects and the service's: other workloads' events are not this run's story.
  const ours = new Set(service?.objects ?? [])
  const events = await d.kube.listEvents(c.namespace).catch(() => [])
  if (reruns.length > 0 && run.status === 'failed')
    base.details.push(
      `Run again alone ${reruns.length} time(s) (rerun-failed); still failing: ${rerunTargets(run).join(', ')}`
    )
  const diagnosis = diagnose({
    job: watched.job,
    pod: watched.pod,
    podVanished: watched.podVanished,
    events: events.filter(
      (e) =>
        !e.involvedObject?.name ||
        e.involvedObject.name.startsWith(c.jobName) ||
        ours.has(e.involvedObject.name)
    ),
    timedOut: watched.outcome === 'timeout',
    timeoutSeconds: inputs.timeoutSeconds,
    image: c.image,
    failedTests: reportableFailures(run).map((t) => t.name),
    panicked: run.panic?.message,
    container: CONTAINER,
    testsRan: run.tests.length > 0,
    lastLogLines: worst.tail.slice(-3)
  })
  await deleteGivenUp([...runs, ...reruns], c.namespace, d)
  return {
    ...base,
    status: watched.outcome === 'succeeded' ? 'failed' : diagnosis.status,
    headline: withServiceTroubles(
      (runs.length > 1 ? `[${worst.name}] ` : '') + diagnosis.headline,
      service ? serviceTroubles(service) : []
    ),
    details: [...base.details, ...diagnosis.details],
    service
  }
}

/** The service's logs and state over the test window; undefined when they cannot be read. */
async function serviceOf(
  runs: JobRun[],
  c: OutcomeContext,
  d: OutcomeDeps
): Promise<ServiceSnapshot | undefined> {
  if (!c.service.collect) return undefined
  const testPods = new Set(runs.flatMap((r) => (r.watched.podName ? [r.watched.podName] : [])))
  try {
    // A service that crashed in the test's last second is not in its pod's status yet: the
    // kubelet notices at its next relist (1 s) and reports it after. Seen in CI: the snapshot
    // taken at once missed the crash that failed the test. Only runs that did not pass wait.
    await d.clock.sleep(SETTLE_MS)
    const snapshot = await d.timer.time('service logs', () =>
      d.log.group('Service under test: logs and state of the test window', async () => {
        const s = await collectService(
          d.kube,
          { ...c.service, excludePods: testPods },
          d.clock,
          d.log
        )
        d.log.info(
          `${s.pods.length} pod(s) in ${c.service.namespaces.join(', ')}; logs in ${c.service.outputDir}/service`
        )
        return s
      })
    )
    return snapshot
  } catch (e) {
    d.log.warning(`Could not collect the service's logs and state: ${(e as Error).message}`)
    return undefined
  }
}

/**
 * A Job given up on (stuck pod, our own deadline) would otherwise sit Pending or running until
 * its activeDeadlineSeconds; its log and diagnosis are taken already.
 */
async function deleteGivenUp(
  runs: JobRun[],
  namespace: string,
  d: { kube: Kube; log: Logger }
): Promise<void> {
  const givenUp = runs
    .filter((r) => r.watched.outcome === 'stuck' || r.watched.outcome === 'timeout')
    .map((r) => r.jobName)
  // An Indexed Job is one Job for all its shards: delete it once.
  for (const job of new Set(givenUp)) {
    await d.kube
      .delete({ apiVersion: 'batch/v1', kind: 'Job', name: job, namespace })
      .then(() => d.log.info(`Deleted Job ${job}, which could not finish`))
      .catch((e: Error) => d.log.warning(`Could not delete the Job ${job}: ${e.message}`))
  }
}
