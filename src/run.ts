/**
 * The pipeline, top to bottom. Cluster and test image are prepared concurrently; everything after
 * needs both. Every stage is timed for the summary, and whatever happens, the run ends with a
 * RunReport: the entry points turn it into outputs, annotations and the summary.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Inputs } from './inputs.js'
import type { Clock, Exec, Logger, ToolCache } from './ports.js'
import type { Cluster } from './cluster/provision.js'
import type { StateStore } from './state.js'
import type { Platform } from './tools.js'
import type { Kube } from './k8s/kube.js'
import { StageTimer } from './timing.js'
import { provisionCluster } from './cluster/provision.js'
import { buildImage } from './image/build.js'
import { loadImage } from './image/load.js'
import { notReadyTable, type DeployError } from './deploy/deploy.js'
import { deployStage } from './deploy/stage.js'
import {
  CONTAINER,
  jobName,
  parseJobTemplate,
  renderJob,
  renderSecret,
  type JobObject
} from './job/render.js'
import { watchJob, type WatchResult } from './job/watch.js'
import { followLogs } from './logs/follow.js'
import { parseTestLog, reportableFailures } from './results/gotest.js'
import { locateFile } from './results/locate.js'
import { coverageByPackage, formatProfile, profileFromLog } from './results/cover-profile.js'
import { durationsFromResults, listArgs, parseTestList, splitTests } from './shard/shard.js'
import { combinedLog, mergeShards } from './shard/merge.js'
import { indexedShardJob, shardJobName, shardJobs } from './shard/jobs.js'
import { diagnose } from './diagnosis/diagnose.js'
import { gate, junitXml, resultsJson, type RunReport, type RunStatus } from './report/report.js'

export interface Deps {
  exec: Exec
  toolCache: ToolCache
  log: Logger
  clock: Clock
  state: StateStore
  platform: Platform
  templatesDir: string
  connect(kubeconfigPath: string): Kube
}

/** Extra seconds past the Job's own deadline before we stop waiting for Kubernetes to say so. */
const DEADLINE_SLACK_S = 30

export async function run(inputs: Inputs, deps: Deps): Promise<RunReport> {
  const { log, clock } = deps
  const started = clock.now()
  const timer = new StageTimer(clock)
  // Masked before anything could print them.
  for (const value of Object.values(inputs.secretEnv)) if (value) log.setSecret(value)
  for (const s of inputs.deploySecrets)
    for (const value of Object.values(s.data)) if (value) log.setSecret(value)
  fs.mkdirSync(inputs.outputDir, { recursive: true })
  const logFile = path.join(inputs.outputDir, 'tests.log')
  fs.writeFileSync(logFile, '')
  const repoFiles = await listGoFiles(inputs.workspace, deps.exec)
  const report: RunReport = {
    status: 'error',
    headline: '',
    details: [],
    durationMs: 0,
    timings: [],
    logFile,
    locate: (printed, pkg) => locateFile(printed, repoFiles, pkg)
  }

  let kube: Kube | undefined
  let secretName: string | undefined
  try {
    // The test image builds (and then loads) while the cluster comes up and the service deploys:
    // those stages depend on each other, the image on none of them until it is loaded.
    const testImageLog = path.join(inputs.outputDir, 'test-image.log')
    const quiet = quietExec(deps.exec, testImageLog)
    const built = timer.time('image build', () =>
      buildTestImage(inputs, quiet, bufferedLogger(log, testImageLog))
    )
    let cluster: Cluster
    try {
      cluster = await timer.time('cluster', () =>
        log.group('Cluster', () => provisionCluster(inputs, deps))
      )
    } catch (e) {
      await built.catch(() => undefined)
      throw e
    }
    const k = deps.connect(cluster.kubeconfigPath)
    kube = k
    const version = await timer
      .time('api check', () => k.version())
      .catch(async (e: unknown) => {
        await built.catch(() => undefined)
        throw e
      })
    log.info(`Cluster API answers: Kubernetes ${version}`)
    const load = (img: string, exec: Exec, logger: Logger) =>
      loadImage(
        img,
        inputs.imageLoad,
        { kind: cluster.kind, clusterName: cluster.name, workDir: inputs.outputDir },
        exec,
        logger
      )

    const service = async () => {
      if (inputs.loadImages.length > 0) {
        await timer.time('service images load', () =>
          log.group('Load service images into the cluster', async () => {
            for (const img of inputs.loadImages) await load(img, deps.exec, log)
          })
        )
      }
      await k.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: inputs.namespace } }])
      if (inputs.deploySecrets.length > 0) {
        const secrets = inputs.deploySecrets.map((s) =>
          renderSecret(
            s.name,
            s.namespace ?? inputs.application?.namespace ?? inputs.namespace,
            s.data
          )
        )
        const namespaces = [...new Set(secrets.map((s) => s.metadata?.namespace ?? ''))]
        await k.apply(
          namespaces.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }))
        )
        await k.apply(secrets)
        log.info(
          `Created ${secrets.map((s) => `Secret/${s.metadata?.name} in ${s.metadata?.namespace}`).join(', ')}`
        )
      }
      return deployStage(inputs, {
        kube: k,
        kubectl: cluster.kubectl,
        exec: deps.exec,
        toolCache: deps.toolCache,
        clock,
        log,
        timer,
        templatesDir: deps.templatesDir
      })
    }
    const testImage = async () => {
      const img = await built
      if (inputs.prebuiltImage) {
        fs.appendFileSync(testImageLog, `Using ${img} as given (not built here, not loaded)\n`)
      } else {
        await timer.time('image load', () => load(img, quiet, bufferedLogger(log, testImageLog)))
      }
      return img
    }
    let deployed: DeployError | undefined
    let image: string
    try {
      ;[deployed, image] = await both(service(), testImage())
    } finally {
      await showFile(
        log,
        'Test image: build and load (ran alongside cluster and deploy)',
        testImageLog
      )
    }
    report.image = image
    if (deployed) {
      report.headline = deployed.message
      report.details = [
        ...notReadyTable(deployed.notReady)
          .slice(1)
          .map((r) => r.filter(Boolean).join(': ')),
        ...deployed.pods
      ]
      // The pods usually say why in a way the workload's status does not.
      if (deployed.pods.length > 0 && !report.headline.includes('Pod '))
        report.headline += ` ${deployed.pods[0]}`
      for (const line of report.details) log.error(line)
      report.details.push(...(await warningEvents(k, inputs.namespace)))
      return finish('error')
    }

    const name = jobName(
      'tests',
      `${(image.split(':').pop() ?? '').slice(0, 8)}-${clock.now().toString(36)}`
    )
    report.jobName = name
    const labels = { 'in-cluster-test/run': name }
    if (Object.keys(inputs.secretEnv).length > 0) {
      secretName = `${name}-env`
      await k.apply([renderSecret(secretName, inputs.namespace, inputs.secretEnv, labels)])
    }
    const templatePath = inputs.jobTemplate ?? path.join(deps.templatesDir, 'test-job.yaml')
    const template = parseJobTemplate(fs.readFileSync(templatePath, 'utf8'), templatePath)
    /** The test Job for `args`, as the template renders it. */
    const testJob = (jobNameOf: string, args: string[]) =>
      renderJob(template, {
        name: jobNameOf,
        namespace: inputs.namespace,
        image,
        args,
        env: inputs.env,
        secretEnv: secretName ? { secretName, keys: Object.keys(inputs.secretEnv) } : undefined,
        envFromSecrets: inputs.envFromSecrets,
        memoryLimit: inputs.memoryLimit,
        cpuLimit: inputs.cpuLimit,
        deadlineSeconds: inputs.timeoutSeconds,
        labels
      })
    const createJob = async (job: JobObject, what = '') => {
      await k.create(job)
      log.info(`Created ${what}Job ${job.metadata?.name} in ${inputs.namespace}`)
    }
    /**
     * Follows the log of a created Job's pod (of one index, for an Indexed Job) into `file` and
     * watches it to the end.
     */
    const followJob = async (
      jobNameOf: string,
      file: string,
      echo: (l: string) => void,
      /** A shard's index (Indexed Job), tag for its lines, and name in headers (default: the Job's). */
      shard?: { index?: number; tag: string; name?: string }
    ) => {
      fs.writeFileSync(file, '')
      let pod: WatchResult['pod']
      let finished = false
      const abort = new AbortController()
      const follower = followLogs(
        k,
        {
          namespace: inputs.namespace,
          container: CONTAINER,
          pod: () => pod,
          finished: () => finished
        },
        file,
        echo,
        clock,
        log,
        abort.signal
      )
      try {
        const w = await watchJob(
          k,
          {
            namespace: inputs.namespace,
            name: jobNameOf,
            container: CONTAINER,
            index: shard?.index,
            tag: shard?.tag,
            timeoutMs: (inputs.timeoutSeconds + DEADLINE_SLACK_S) * 1000,
            stuckGraceMs: inputs.stuckTimeoutSeconds * 1000,
            onPod: (p) => {
              if (p) pod = p
            }
          },
          clock,
          log
        )
        finished = true
        // Why we stopped waiting, while the log group is open; the diagnosis follows at the end.
        if (w.outcome === 'stuck' || w.outcome === 'timeout')
          log.info(
            `${shard?.tag ?? ''}Gave up on Job ${jobNameOf}: ${w.message}${w.outcome === 'stuck' ? ' (stuck-timeout)' : ''}`
          )
        const followed = await follower
        const watched = { ...w, podVanished: w.podVanished || followed.podGone }
        const text = fs.readFileSync(file, 'utf8')
        return {
          name: shard?.name ?? jobNameOf,
          jobName: jobNameOf,
          file,
          text,
          watched,
          run: parseTestLog(text),
          profile: profileFromLog(text)
        }
      } finally {
        finished = true
        abort.abort()
        await follower.catch(() => undefined)
      }
    }
    /** Creates one test Job, follows its log into `file` and watches it to the end. */
    const runJob = async (
      jobNameOf: string,
      args: string[],
      file: string,
      echo: (l: string) => void
    ) => {
      await createJob(testJob(jobNameOf, args))
      return followJob(jobNameOf, file, echo)
    }
    type JobRun = Awaited<ReturnType<typeof runJob>>

    let runs: JobRun[]
    if (inputs.shards <= 1) {
      runs = [
        await timer.time('tests', () =>
          log.group(`Test output (Job ${name})`, () =>
            runJob(name, inputs.testArgs, logFile, (line) => log.info(line))
          )
        )
      ]
    } else {
      // The binary lists its own tests, in the cluster: a TestMain may need what only runs there.
      const listFile = path.join(inputs.outputDir, 'test-list.log')
      const listing = await timer.time('test list', () =>
        log.group('List the tests to shard', () =>
          runJob(`${name}-list`, listArgs(inputs.testArgs), listFile, () => undefined)
        )
      )
      const names = parseTestList(listing.text)
      if (listing.watched.outcome !== 'succeeded' || names.length === 0) {
        fs.copyFileSync(listFile, logFile)
        runs = [listing]
        if (listing.watched.outcome === 'succeeded') {
          report.headline = `The test binary listed no tests (${listArgs(inputs.testArgs).join(' ')}): nothing to shard`
          return finish('error')
        }
      } else {
        const groups = splitTests(names, inputs.shards, previousDurations(inputs, log))
        log.info(
          `${names.length} tests over ${groups.length} ${inputs.shardMode === 'indexed' ? 'indexes' : 'Jobs'}: ${groups.map((g, i) => `[${i + 1}] ${g.length}`).join(', ')}`
        )
        const shardLog = (i: number) => path.join(inputs.outputDir, `tests-shard-${i + 1}.log`)
        const echo = (i: number) => (line: string) => log.info(`[${i + 1}] ${line}`)
        runs = await timer.time('tests', () =>
          log.group(
            `Test output (${groups.length} shards of Job ${name}${inputs.shardMode === 'indexed' ? ', Indexed' : ''})`,
            async () => {
              if (inputs.shardMode === 'indexed') {
                // One Job, an index per shard: the image's TestMain picks its share (jobs.ts).
                await createJob(
                  indexedShardJob(testJob(name, []), groups, inputs.testArgs),
                  `Indexed (${groups.length}) `
                )
                return Promise.all(
                  groups.map((_, i) =>
                    followJob(name, shardLog(i), echo(i), {
                      index: i,
                      tag: `[${i + 1}] `,
                      name: `${name} index ${i}`
                    })
                  )
                )
              }
              const jobs = shardJobs(testJob(name, []), groups, inputs.testArgs)
              await Promise.all(jobs.map((j) => createJob(j)))
              return Promise.all(
                jobs.map((j, i) =>
                  followJob(j.metadata?.name ?? shardJobName(name, i), shardLog(i), echo(i), {
                    tag: `[${i + 1}] `
                  })
                )
              )
            }
          )
        )
        // One log for the log-file output: each shard's, under a header.
        fs.writeFileSync(logFile, combinedLog(runs.map((r) => ({ name: r.name, text: r.text }))))
      }
    }

    // Shards: counts added up, cover profiles merged and the coverage recomputed from them (left
    // out when a shard printed no profile, as a single Job that panicked would print none).
    const merged = mergeShards(runs)
    const testRun = merged.run
    if (runs.length > 1 && testRun.coverage !== undefined)
      testRun.coverage = Math.round(testRun.coverage * 10) / 10
    report.run = testRun
    const profile = merged.profile
    if (profile) {
      const coverprofile = path.join(inputs.outputDir, 'cover.out')
      fs.writeFileSync(coverprofile, formatProfile(profile))
      report.files = { ...report.files, coverprofile }
      report.packages = coverageByPackage(profile)
    }
    // The shard that went worst speaks for the run: an error before a failure before a pass.
    const worst =
      runs.find((r) => r.watched.outcome !== 'succeeded') ??
      runs.find((r) => r.run.status === 'failed') ??
      runs[0]
    const watched = worst.watched
    report.exitCode = watched.exitCode
    const allSucceeded = runs.every((r) => r.watched.outcome === 'succeeded')
    // An image without the TestMain opt-in runs -test.run=^$ in every pod: nothing, and passes.
    if (
      inputs.shards > 1 &&
      inputs.shardMode === 'indexed' &&
      allSucceeded &&
      !testRun.tests.length
    ) {
      report.headline =
        "The Indexed Job's pods ran no test: the image's TestMain must pick its shard from JOB_COMPLETION_INDEX and IN_CLUSTER_TEST_RUN_<index> (see shard-mode in the README), or use shard-mode: jobs."
      return finish('error')
    }
    if (allSucceeded && testRun.status === 'passed') return finish('passed')
    const events = await k.listEvents(inputs.namespace).catch(() => [])
    const d = diagnose({
      job: watched.job,
      pod: watched.pod,
      podVanished: watched.podVanished,
      events: events.filter(
        (e) =>
          !e.involvedObject?.name || e.involvedObject.name.startsWith(name) || e.type === 'Warning'
      ),
      timedOut: watched.outcome === 'timeout',
      timeoutSeconds: inputs.timeoutSeconds,
      image,
      failedTests: reportableFailures(testRun).map((t) => t.name),
      panicked: testRun.panic?.message,
      container: CONTAINER,
      testsRan: testRun.tests.length > 0,
      lastLogLines: lastLines(worst.text, 3)
    })
    report.headline = (runs.length > 1 ? `[${worst.name}] ` : '') + d.headline
    report.details = d.details
    // A Job given up on (stuck pod, our own deadline) would otherwise sit Pending or running
    // until its activeDeadlineSeconds; its log and diagnosis are taken already.
    const givenUp = runs
      .filter((r) => r.watched.outcome === 'stuck' || r.watched.outcome === 'timeout')
      .map((r) => r.jobName)
    // An Indexed Job is one Job for all its shards: delete it once.
    for (const job of new Set(givenUp)) {
      await k
        .delete({ apiVersion: 'batch/v1', kind: 'Job', name: job, namespace: inputs.namespace })
        .then(() => log.info(`Deleted Job ${job}, which could not finish`))
        .catch((e: Error) => log.warning(`Could not delete the Job ${job}: ${e.message}`))
    }
    return finish(watched.outcome === 'succeeded' ? 'failed' : d.status)
  } catch (e) {
    report.headline = (e as Error).message
    if (kube) report.details.push(...(await warningEvents(kube, inputs.namespace)))
    return finish('error')
  } finally {
    if (kube && secretName) {
      await kube
        .delete({ apiVersion: 'v1', kind: 'Secret', name: secretName, namespace: inputs.namespace })
        .catch((e: Error) => log.warning(`Could not delete the Secret ${secretName}: ${e.message}`))
    }
  }

  function finish(status: RunStatus): RunReport {
    report.status = status
    report.durationMs = clock.now() - started
    report.timings = timer.list()
    report.coverageGate = gate(report.run?.coverage, inputs.minCoverage)
    const results = path.join(inputs.outputDir, 'results.json')
    const junit = path.join(inputs.outputDir, 'junit.xml')
    report.files = { ...report.files, results, junit }
    fs.writeFileSync(results, resultsJson(report))
    fs.writeFileSync(junit, junitXml(report))
    return report
  }
}

/** Runs both, and if one fails still waits for the other, so nothing runs on unobserved. */
async function both<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b])
  if (ra.status === 'rejected') throw ra.reason
  if (rb.status === 'rejected') throw rb.reason
  return [ra.value, rb.value]
}

/**
 * An Exec whose output goes to a file instead of the live log: stages running alongside others
 * would interleave. The file is shown in one group when they are all done.
 */
function quietExec(exec: Exec, file: string): Exec {
  fs.writeFileSync(file, '')
  return {
    run: async (c, a, o) => {
      const r = await exec.run(c, a, { ...o, silent: true })
      fs.appendFileSync(file, `$ ${c} ${a.join(' ')}\n${r.stdout}${r.stderr}`)
      return r
    }
  }
}

/** A Logger writing info lines to a file (warnings and errors still go to the live log). */
function bufferedLogger(log: Logger, file: string): Logger {
  return { ...log, info: (line) => fs.appendFileSync(file, `${line}\n`) }
}

async function showFile(log: Logger, title: string, file: string): Promise<void> {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trimEnd() : ''
  if (!text) return
  await log.group(title, async () => {
    for (const line of text.split('\n').slice(-200)) log.info(line)
  })
}

async function buildTestImage(inputs: Inputs, quiet: Exec, log: Logger): Promise<string> {
  if (inputs.prebuiltImage) return inputs.prebuiltImage
  return buildImage(
    {
      dockerfile: inputs.dockerfile,
      context: inputs.context,
      buildArgs: inputs.buildArgs,
      repository: inputs.imageRepository,
      workDir: inputs.outputDir
    },
    quiet,
    log
  )
}

async function warningEvents(kube: Kube, namespace: string): Promise<string[]> {
  try {
    return (await kube.listEvents(namespace))
      .filter((e) => e.type === 'Warning')
      .slice(-10)
      .map(
        (e) =>
          `Event ${e.reason ?? ''} on ${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}: ${e.message ?? ''}`
      )
  } catch {
    return []
  }
}

/** Test durations of an earlier run, to balance the shards by time instead of count. */
function previousDurations(inputs: Inputs, log: Logger): Map<string, number> {
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

function lastLines(text: string, n: number): string[] {
  return text.trimEnd().split('\n').slice(-n)
}

/** Go files of the repository, for mapping printed test file names to paths on the diff. */
async function listGoFiles(workspace: string, exec: Exec): Promise<string[]> {
  const r = await exec.run(
    'git',
    ['-C', workspace, 'ls-files', '--cached', '--others', '--exclude-standard', '--', '*.go'],
    { silent: true }
  )
  if (r.exitCode === 0) return r.stdout.split('\n').filter(Boolean)
  return walk(workspace, '', 20_000)
}

function walk(root: string, rel: string, budget: number): string[] {
  const out: string[] = []
  const stack = [rel]
  while (stack.length > 0 && out.length < budget) {
    const dir = stack.pop() as string
    let entries: fs.Dirent[]
    try {
      entries = fs.readdirSync(path.join(root, dir), { withFileTypes: true })
    } catch {
      continue
    }
    for (const e of entries) {
      const p = dir ? `${dir}/${e.name}` : e.name
      if (e.isDirectory() && !['node_modules', '.git', 'vendor', 'dist'].includes(e.name))
        stack.push(p)
      else if (e.isFile() && e.name.endsWith('.go')) out.push(p)
    }
  }
  return out
}
