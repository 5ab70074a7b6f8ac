/**
 * The outcome stage: the runs of the Job (or its shards) made into one verdict. Shards are merged
 * and the one that went worst speaks for the run; a run that did not pass is diagnosed from its
 * Job, pod and events; a Job given up on is deleted once its log and diagnosis are taken.
 */
import type { JobInputs } from '../inputs/types.js'
import type { Logger } from '../ports.js'
import type { Kube } from '../k8s/kube.js'
import { CONTAINER } from '../k8s/job-template.js'
import type { JobRun } from '../job/runner.js'
import { mergeShards } from '../shard/merge.js'
import { reportableFailures } from '../results/gotest.js'
import type { CoverProfile } from '../results/cover-profile.js'
import type { TestRun } from '../results/types.js'
import { diagnose } from '../diagnosis/diagnose.js'
import type { RunStatus } from '../report/report.js'
import { tailLines } from '../text.js'

export interface Outcome {
  status: RunStatus
  headline: string
  details: string[]
  run: TestRun
  profile?: CoverProfile
  exitCode?: number
}

export interface OutcomeContext {
  namespace: string
  /** The run's Job name (the shards' prefix): its events are the run's own. */
  jobName: string
  image: string
}

export async function outcomeStage(
  runs: JobRun[],
  inputs: Pick<JobInputs, 'shards' | 'shardMode' | 'timeoutSeconds'>,
  c: OutcomeContext,
  d: { kube: Kube; log: Logger }
): Promise<Outcome> {
  // Shards: counts added up, cover profiles merged and the coverage recomputed from them (left
  // out when a shard printed no profile, as a single Job that panicked would print none).
  const merged = mergeShards(runs)
  const run = merged.run
  if (runs.length > 1 && run.coverage !== undefined)
    run.coverage = Math.round(run.coverage * 10) / 10
  // The shard that went worst speaks for the run: an error before a failure before a pass.
  const worst =
    runs.find((r) => r.watched.outcome !== 'succeeded') ??
    runs.find((r) => r.run.status === 'failed') ??
    runs[0]
  const watched = worst.watched
  const base = { run, profile: merged.profile, exitCode: watched.exitCode, details: [] }
  const allSucceeded = runs.every((r) => r.watched.outcome === 'succeeded')
  // An image without the TestMain opt-in runs -test.run=^$ in every pod: nothing, and passes.
  if (inputs.shards > 1 && inputs.shardMode === 'indexed' && allSucceeded && !run.tests.length)
    return {
      ...base,
      status: 'error',
      headline:
        "The Indexed Job's pods ran no test: the image's TestMain must pick its shard from JOB_COMPLETION_INDEX and IN_CLUSTER_TEST_RUN_<index> (see shard-mode in the README), or use shard-mode: jobs."
    }
  if (allSucceeded && run.status === 'passed') return { ...base, status: 'passed', headline: '' }

  const events = await d.kube.listEvents(c.namespace).catch(() => [])
  const diagnosis = diagnose({
    job: watched.job,
    pod: watched.pod,
    podVanished: watched.podVanished,
    events: events.filter(
      (e) =>
        !e.involvedObject?.name ||
        e.involvedObject.name.startsWith(c.jobName) ||
        e.type === 'Warning'
    ),
    timedOut: watched.outcome === 'timeout',
    timeoutSeconds: inputs.timeoutSeconds,
    image: c.image,
    failedTests: reportableFailures(run).map((t) => t.name),
    panicked: run.panic?.message,
    container: CONTAINER,
    testsRan: run.tests.length > 0,
    lastLogLines: tailLines(worst.text, 3)
  })
  await deleteGivenUp(runs, c.namespace, d)
  return {
    ...base,
    status: watched.outcome === 'succeeded' ? 'failed' : diagnosis.status,
    headline: (runs.length > 1 ? `[${worst.name}] ` : '') + diagnosis.headline,
    details: diagnosis.details
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
