/**
 * rerun-failed: after every test Job (or shard) has ended, the tests that failed run again in one
 * Job of their own, with nothing beside them, up to `attempts` times while some still fail. Each
 * rerun's log goes into tests.log under its own header, and each is a stage of the timeline.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { JobObject } from '../k8s/types.js'
import { createAndRunJob, type JobRun, type JobRunContext } from '../job/runner.js'
import type { StageTimer } from '../timing.js'
import { mergeShards, rerunHeader } from '../shard/merge.js'
import {
  notRerunnable,
  pendingReruns,
  rerunArgs,
  rerunTargets,
  withReruns
} from '../shard/rerun-failed.js'
import { RERUN_ENV, shardEnv, suffixedJobName, withEnv } from '../shard/jobs.js'

export interface RerunContext {
  /** How many times, at most (the rerun-failed input); 0 reruns nothing. */
  attempts: number
  /** The args the tests ran with (a shard's before its -test.run was narrowed). */
  testArgs: string[]
  /** The run's Job name; reruns are `<name>-r<k>`. */
  name: string
  outputDir: string
  /** tests.log: each rerun's log is appended under `rerunHeader`. */
  logFile: string
  /** The test Job for `args`, as the template renders it. */
  testJob(name: string, args: string[]): JobObject
  /** A sharded run's groups: a shard that ran no test reruns its group. */
  groups?: string[][]
  timer: StageTimer
}

export async function rerunFailed(
  first: JobRun[],
  ctx: JobRunContext,
  c: RerunContext
): Promise<JobRun[]> {
  const { log } = ctx
  const merged = mergeShards(first)
  if (c.attempts <= 0 || pendingReruns(merged, [], c.groups).length === 0) return []
  const ended = first.every(
    (r) => r.watched.outcome === 'succeeded' || r.watched.outcome === 'failed'
  )
  const why = notRerunnable(merged.shards, ended)
  if (why) {
    log.info(`The failed tests are not run again: ${why}.`)
    return []
  }
  const ran = [...merged.run.tests.map((t) => t.name), ...(c.groups ?? []).flat()]
  const reruns: JobRun[] = []
  for (let attempt = 1; attempt <= c.attempts; attempt++) {
    const targets = pendingReruns(merged, reruns, c.groups)
    if (targets.length === 0) break
    const name = suffixedJobName(c.name, `-r${attempt}`)
    const job = withEnv(c.testJob(name, rerunArgs(c.testArgs, targets, ran)), [
      ...shardEnv(0, 1),
      { name: RERUN_ENV, value: String(attempt) }
    ])
    const file = path.join(c.outputDir, `tests-rerun-${attempt}.log`)
    const run = await c.timer.time(`rerun ${attempt}`, () =>
      log.group(
        `Rerun ${attempt}/${c.attempts}: ${targets.length} failed test(s) alone (Job ${name}): ${targets.slice(0, 10).join(', ')}${targets.length > 10 ? ', …' : ''}`,
        () => createAndRunJob(ctx, job, { file, echo: (l) => log.info(`[rerun ${attempt}] ${l}`) })
      )
    )
    reruns.push(run)
    await appendLog(c.logFile, rerunHeader(attempt, c.attempts, name), file)
    if (run.watched.outcome !== 'succeeded' && run.watched.outcome !== 'failed') break
  }
  const after = withReruns(merged, reruns, c.groups).run
  const recovered = after.flakyTests ?? []
  if (recovered.length > 0)
    log.info(
      `Passed when run again alone: ${recovered.map((f) => f.name).join(', ')}${after.status === 'failed' ? `; still failing: ${rerunTargets(after).join(', ')}` : ''}`
    )
  return reruns
}

/** tests.log with the rerun's log after its header, streamed like the shards' logs. */
async function appendLog(logFile: string, header: string, file: string): Promise<void> {
  fs.appendFileSync(logFile, `\n${header}\n`)
  await pipeline(fs.createReadStream(file), fs.createWriteStream(logFile, { flags: 'a' }))
}
