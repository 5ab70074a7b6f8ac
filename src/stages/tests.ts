/**
 * The tests stage: the secret-env Secret, then the test Job rendered from its template and run
 * to its end — one Job, or the tests listed in the cluster and split over shard Jobs (or the
 * indexes of one Indexed Job). Every Job goes through the one runner (job/runner.ts).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { JobInputs, Registry } from '../inputs/types.js'
import type { Clock, Logger } from '../ports.js'
import type { Kube, ObjectRef } from '../k8s/kube.js'
import type { JobObject, KubeObject } from '../k8s/types.js'
import { parseJobTemplate } from '../k8s/job-template.js'
import { jobName, jobOwner, renderJob, renderPullSecret, renderSecret } from '../job/render.js'
import { dockerConfigJson } from '../image/push.js'
import { secretObjectValues } from '../secrets/parse.js'
import {
  createAndRunJob,
  createJob,
  runJob,
  type JobRun,
  type JobRunContext
} from '../job/runner.js'
import {
  durationsFromResults,
  listArgs,
  parseTestList,
  splitTests,
  withCoverProfile
} from '../shard/shard.js'
import { shardHeader } from '../shard/merge.js'
import { indexedShardJob, shardEnv, shardJobName, shardJobs, withEnv } from '../shard/jobs.js'
import { rerunFailed } from './rerun.js'
import type { StageTimer } from '../timing.js'
import type { SourceReader } from '../results/failure-source.js'

export interface TestsDeps {
  kube: Kube
  clock: Clock
  log: Logger
  timer: StageTimer
  templatesDir: string
  /** Told each object the stage creates, as soon as it exists (the run records and deletes them). */
  created(ref: ObjectRef): void
  /** Told the values of the Secrets the test pod reads (env-from-secrets), to mask and redact. */
  secretValues(values: string[]): void
  /** The checkout the test binary was built from (see results/failure-source.ts). */
  source?: SourceReader
}

export interface TestsContext {
  namespace: string
  stuckTimeoutSeconds: number
  outputDir: string
  /** The run's log file (tests.log): the single Job's log, or every shard's under a header. */
  logFile: string
  image: string
  /** The test container's command when the image has no ENTRYPOINT (stages/image.ts). */
  command?: string[]
  name: string
  /** image-load push's registry: with credentials, the pods pull through a Secret made of them. */
  registry?: Registry
}

export interface TestsResult {
  runs: JobRun[]
  /** The failed tests' reruns (rerun-failed), in order; empty when none ran. */
  reruns: JobRun[]
  /** A sharded run's tests, per shard. */
  groups?: string[][]
  /** Why there was nothing to run (sharding found no test); the runs hold the listing. */
  error?: string
}

/** The test Job's name: the image's content tag and the time, so re-runs never collide. */
export function testJobName(image: string, clock: Clock): string {
  return jobName(
    'tests',
    `${(image.split(':').pop() ?? '').slice(0, 8)}-${clock.now().toString(36)}`
  )
}

export async function testsStage(
  inputs: JobInputs,
  c: TestsContext,
  d: TestsDeps
): Promise<TestsResult> {
  const { kube, log, timer } = d
  const labels = { 'in-cluster-test/run': c.name }
  await readEnvSecrets(inputs, c.namespace, d)
  const { secretName, pullSecretName, onCreated } = await jobSecrets(inputs, c, d, labels)
  const template = inputs.template?.job ?? defaultTemplate(d.templatesDir)
  /** The test Job for `args`, as the template renders it. */
  const testJob = (name: string, args: string[]) =>
    renderJob(template, {
      name,
      namespace: c.namespace,
      image: c.image,
      command: c.command,
      args,
      env: inputs.env,
      secretEnv: secretName ? { secretName, keys: Object.keys(inputs.secretEnv) } : undefined,
      envFromSecrets: inputs.envFromSecrets,
      imagePullSecrets: pullSecretName ? [pullSecretName] : undefined,
      memoryLimit: inputs.memoryLimit,
      cpuLimit: inputs.cpuLimit,
      deadlineSeconds: inputs.timeoutSeconds,
      labels
    })
  const ctx: JobRunContext = {
    kube,
    namespace: c.namespace,
    timeoutSeconds: inputs.timeoutSeconds,
    stuckTimeoutSeconds: c.stuckTimeoutSeconds,
    clock: d.clock,
    log,
    onCreated,
    source: d.source
  }

  /** A Job that runs alone: shard 0 of 1. */
  const aloneJob = (name: string, args: string[]) => withEnv(testJob(name, args), shardEnv(0, 1))
  const rerun = (runs: JobRun[], testArgs: string[], groups?: string[][]) =>
    rerunFailed(runs, ctx, {
      groups,
      attempts: inputs.rerunFailed,
      testArgs,
      name: c.name,
      outputDir: c.outputDir,
      logFile: c.logFile,
      testJob,
      timer
    })

  if (inputs.shards <= 1) {
    const run = await timer.time('tests', () =>
      log.group(`Test output (Job ${c.name})`, () =>
        createAndRunJob(ctx, aloneJob(c.name, inputs.testArgs), {
          file: c.logFile,
          echo: (line) => log.info(line)
        })
      )
    )
    return { runs: [run], reruns: await rerun([run], inputs.testArgs) }
  }

  // The binary lists its own tests, in the cluster: a TestMain may need what only runs there.
  const listFile = path.join(c.outputDir, 'test-list.log')
  const listing = await timer.time('test list', () =>
    log.group('List the tests to shard', () =>
      createAndRunJob(ctx, aloneJob(`${c.name}-list`, listArgs(inputs.testArgs)), {
        file: listFile,
        echo: () => undefined
      })
    )
  )
  const listed = fs.readFileSync(listing.file, 'utf8')
  const names = parseTestList(listed)
  if (listing.watched.outcome !== 'succeeded' || names.length === 0) {
    fs.copyFileSync(listFile, c.logFile)
    const error =
      listing.watched.outcome === 'succeeded'
        ? `The test binary listed no tests (${listArgs(inputs.testArgs).join(' ')}): nothing to shard`
        : undefined
    return { runs: [listing], reruns: [], error }
  }
  const groups = splitTests(names, inputs.shards, previousDurations(inputs, log))
  // Each shard prints its cover profile, so the merged coverage is the whole run's (a -cover
  // binary told the listing so); the percentages alone cannot be merged.
  const shardArgs = withCoverProfile(inputs.testArgs, listed)
  const indexed = inputs.shardMode === 'indexed'
  log.info(
    `${names.length} tests over ${groups.length} ${indexed ? 'indexes' : 'Jobs'}: ${groups.map((g, i) => `[${i + 1}] ${g.length}`).join(', ')}`
  )
  const runs = await timer.time('tests', () =>
    runShards(ctx, testJob(c.name, []), groups, shardArgs, { ...c, indexed })
  )
  // One log for the log-file output: each shard's, under a header.
  await writeCombinedLog(c.logFile, runs)
  return { runs, groups, reruns: await rerun(runs, shardArgs, groups) }
}

/** The shards, as N Jobs or one Indexed Job, followed to their ends, each into its own log. */
async function runShards(
  ctx: JobRunContext,
  job: JobObject,
  groups: string[][],
  shardArgs: string[],
  c: { name: string; outputDir: string; indexed: boolean }
): Promise<JobRun[]> {
  const { log } = ctx
  const shardLog = (i: number) => path.join(c.outputDir, `tests-shard-${i + 1}.log`)
  const echo = (i: number) => (line: string) => log.info(`[${i + 1}] ${line}`)
  return log.group(
    `Test output (${groups.length} shards of Job ${c.name}${c.indexed ? ', Indexed' : ''})`,
    async () => {
      if (c.indexed) {
        // One Job, an index per shard: the image's TestMain picks its share (jobs.ts).
        await createJob(ctx, indexedShardJob(job, groups, shardArgs), `Indexed (${groups.length}) `)
        return Promise.all(
          groups.map((_, i) =>
            runJob(ctx, {
              jobName: c.name,
              file: shardLog(i),
              echo: echo(i),
              shard: { index: i, tag: `[${i + 1}] `, name: `${c.name} index ${i}` }
            })
          )
        )
      }
      const jobs = shardJobs(job, groups, shardArgs)
      await Promise.all(jobs.map((j) => createJob(ctx, j)))
      return Promise.all(
        jobs.map((j, i) =>
          runJob(ctx, {
            jobName: j.metadata?.name ?? shardJobName(c.name, i),
            file: shardLog(i),
            echo: echo(i),
            shard: { tag: `[${i + 1}] ` }
          })
        )
      )
    }
  )
}

/**
 * The Secrets the test pods read (secret-env's values; the registry's pull credentials), and what
 * to do when a Job is created: record it, and make it an owner of each Secret, so Kubernetes
 * collects them with the Jobs that read them (their TTL) even when neither this run nor its post
 * step gets to delete them.
 */
async function jobSecrets(
  inputs: JobInputs,
  c: TestsContext,
  d: TestsDeps,
  labels: Record<string, string>
): Promise<{
  secretName?: string
  pullSecretName?: string
  onCreated: (job: JobObject) => void
}> {
  const { kube, log } = d
  type Owners = Array<{ name: string; uid: string }>
  const secrets: Array<{ name: string; render(owners: Owners): KubeObject }> = []
  const secretName = Object.keys(inputs.secretEnv).length > 0 ? `${c.name}-env` : undefined
  if (secretName)
    secrets.push({
      name: secretName,
      render: (owners) => renderSecret(secretName, c.namespace, inputs.secretEnv, labels, owners)
    })
  const credentials = c.registry?.credentials
  const pullSecretName = c.registry && credentials ? `${c.name}-pull` : undefined
  if (c.registry && credentials && pullSecretName) {
    const config = dockerConfigJson(c.registry.host, credentials)
    secrets.push({
      name: pullSecretName,
      render: (owners) => renderPullSecret(pullSecretName, c.namespace, config, labels, owners)
    })
  }
  for (const { name } of secrets)
    d.created({ apiVersion: 'v1', kind: 'Secret', name, namespace: c.namespace })
  if (secrets.length > 0) await kube.apply(secrets.map((s) => s.render([])))
  const owners: Owners = []
  const onCreated = (job: JobObject) => {
    d.created({
      apiVersion: 'batch/v1',
      kind: 'Job',
      name: job.metadata?.name ?? '',
      namespace: c.namespace
    })
    const owner = jobOwner(job)
    if (!owner || secrets.length === 0) return
    owners.push(owner)
    kube
      .apply(secrets.map((s) => s.render([...owners])))
      .catch((e: Error) =>
        log.warning(
          `Could not make Job ${owner.name} own ${secrets.map((s) => s.name).join(', ')}: ${e.message}`
        )
      )
  }
  return { secretName, pullSecretName, onCreated }
}

/**
 * The values of the Secrets named in env-from-secrets: the test pod sees them, a test may print
 * them, and nothing the action writes may show them. A Secret that cannot be read is left to the
 * pod's own error (missing) or said once (no permission to read Secrets).
 */
async function readEnvSecrets(inputs: JobInputs, namespace: string, d: TestsDeps): Promise<void> {
  for (const name of inputs.envFromSecrets) {
    const secret = await d.kube
      .get<KubeObject & { data?: Record<string, string> }>({
        apiVersion: 'v1',
        kind: 'Secret',
        name,
        namespace
      })
      .catch((e: Error) => {
        d.log.warning(
          `Could not read the Secret ${name} to mask its values (${e.message}): a test that prints them shows them`
        )
        return undefined
      })
    if (secret) d.secretValues(secretObjectValues(secret))
  }
}

/** Each shard's log under its header, streamed: a log may be larger than a string can be. */
async function writeCombinedLog(logFile: string, runs: JobRun[]): Promise<void> {
  const out = fs.createWriteStream(logFile)
  for (const [i, r] of runs.entries()) {
    out.write(`${i > 0 ? '\n' : ''}${shardHeader(i, runs.length, r.name)}\n`)
    await pipeline(fs.createReadStream(r.file), out, { end: false })
  }
  await new Promise<void>((resolve, reject) =>
    out.end((e?: Error | null) => (e ? reject(e) : resolve()))
  )
}

function defaultTemplate(templatesDir: string): JobObject {
  const file = path.join(templatesDir, 'test-job.yaml')
  return parseJobTemplate(fs.readFileSync(file, 'utf8'), file)
}

/** Test durations of an earlier run, to balance the shards by time instead of count. */
function previousDurations(inputs: JobInputs, log: Logger): Map<string, number> {
  if (!inputs.previousResults) return new Map()
  try {
    return durationsFromResults(fs.readFileSync(inputs.previousResults, 'utf8'))
  } catch (e) {
    log.warning(
      `Could not read test durations from ${inputs.previousResults} (${(e as Error).message}): sharding by count`
    )
    return new Map()
  }
}
