/**
 * The one Job runner: follows a created test Job's log into a file while watching the Job to its
 * end, then parses what the log says. A single run, every shard Job and every index of an
 * Indexed Job go through runJob, so they are followed, watched and parsed the same way.
 */
import * as fs from 'node:fs'
import type { Clock, Logger } from '../ports.js'
import type { Kube } from '../k8s/kube.js'
import type { JobObject, PodLike } from '../k8s/types.js'
import { CONTAINER } from '../k8s/job-template.js'
import { followLogs } from '../logs/follow.js'
import { Wakeup } from '../k8s/poll.js'
import { stripFraming, TestLogParser } from '../results/gotest.js'
import type { CoverProfile } from '../results/cover-profile.js'
import type { TestRun } from '../results/types.js'
import type { SourceReader } from '../results/failure-source.js'
import { watchJob, type WatchResult } from './watch.js'

/** Lines of the log's end kept for the diagnosis. */
const TAIL_LINES = 20

/** Extra seconds past the Job's own deadline before we stop waiting for Kubernetes to say so. */
const DEADLINE_SLACK_S = 30

export interface JobRunContext {
  kube: Kube
  namespace: string
  /** The Job's activeDeadlineSeconds; our own deadline is a little later. */
  timeoutSeconds: number
  stuckTimeoutSeconds: number
  clock: Clock
  log: Logger
  /** Told each Job as soon as it exists, with the object the API server returned. */
  onCreated?: (job: JobObject) => void
  /** The checkout the test binary was built from: which printed lines are failing checks. */
  source?: SourceReader
}

/** One followed Job (or one index of it), its log parsed. */
export interface JobRun {
  /** How the run is named in headers: the Job's, or the shard's. */
  name: string
  jobName: string
  /** The complete log, as the container printed it. */
  file: string
  /** Its last lines, for the diagnosis (the file may be larger than a string can be). */
  tail: string[]
  watched: WatchResult
  run: TestRun
  profile?: CoverProfile
}

export interface FollowSpec {
  jobName: string
  /** The log goes here, line by line as it arrives; the file is kept when the pod is gone. */
  file: string
  echo: (line: string) => void
  /** A shard's index (Indexed Job), tag for its lines, and name in headers (default: the Job's). */
  shard?: { index?: number; tag: string; name?: string }
}

export async function createJob(ctx: JobRunContext, job: JobObject, what = ''): Promise<void> {
  const created = await ctx.kube.create(job)
  ctx.onCreated?.(created)
  ctx.log.info(`Created ${what}Job ${job.metadata?.name} in ${ctx.namespace}`)
}

/** Follows the log of a created Job's pod (of one index, for an Indexed Job) and watches it. */
export async function runJob(ctx: JobRunContext, spec: FollowSpec): Promise<JobRun> {
  const { kube, namespace, clock, log } = ctx
  const { jobName, file, shard } = spec
  fs.writeFileSync(file, '')
  let pod: PodLike | undefined
  let finished = false
  const abort = new AbortController()
  // Parsed as it arrives: memory stays flat whatever the log's size, and nothing reads it twice.
  const parser = new TestLogParser({ source: ctx.source })
  const tail: string[] = []
  // The follower waits for the pod the watch reads and for the watch's end: wake it on both.
  const followerWakeup = new Wakeup()
  const follower = followLogs(
    kube,
    {
      namespace,
      container: CONTAINER,
      pod: () => pod,
      finished: () => finished,
      wakeup: followerWakeup
    },
    file,
    (line) => {
      parser.push(line)
      if (line.trim() !== '') tail.push(line.length > 2000 ? line.slice(0, 2000) : line)
      if (tail.length > TAIL_LINES) tail.shift()
      spec.echo(stripFraming(line))
    },
    clock,
    log,
    abort.signal
  )
  try {
    const w = await watchJob(
      kube,
      {
        namespace,
        name: jobName,
        container: CONTAINER,
        index: shard?.index,
        tag: shard?.tag,
        timeoutMs: (ctx.timeoutSeconds + DEADLINE_SLACK_S) * 1000,
        stuckGraceMs: ctx.stuckTimeoutSeconds * 1000,
        onPod: (p) => {
          if (p) pod = p
          followerWakeup.wake()
        }
      },
      clock,
      log
    )
    finished = true
    followerWakeup.wake()
    // Why we stopped waiting, while the log group is open; the diagnosis follows at the end.
    if (w.outcome === 'stuck' || w.outcome === 'timeout')
      log.info(
        `${shard?.tag ?? ''}Gave up on Job ${jobName}: ${w.message}${w.outcome === 'stuck' ? ' (stuck-timeout)' : ''}`
      )
    const followed = await follower
    const watched = { ...w, podVanished: w.podVanished || followed.podGone }
    return {
      name: shard?.name ?? jobName,
      jobName,
      file,
      tail,
      watched,
      run: parser.finish(),
      profile: parser.profile()
    }
  } finally {
    finished = true
    abort.abort()
    await follower.catch(() => undefined)
  }
}

/** Creates one test Job, then follows and watches it. */
export async function createAndRunJob(
  ctx: JobRunContext,
  job: JobObject,
  spec: Omit<FollowSpec, 'jobName'>
): Promise<JobRun> {
  await createJob(ctx, job)
  return runJob(ctx, { ...spec, jobName: job.metadata?.name ?? '' })
}
