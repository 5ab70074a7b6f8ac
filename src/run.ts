/**
 * The pipeline, top to bottom: prepare → (cluster ∥ test image) → deploy → tests → outcome →
 * artifacts. Each stage is a module in stages/ with a typed input and result; this file only
 * passes data between them. Whatever happens, the run ends with a RunReport, which the entry
 * points turn into outputs, annotations and the summary.
 */
import type { Inputs } from './inputs/index.js'
import type { Clock, Exec, Logger, ToolCache } from './ports.js'
import type { StateStore } from './state.js'
import type { SecretValues } from './secrets/secrets.js'
import type { Platform } from './tools.js'
import type { Kube } from './k8s/kube.js'
import { warningEvents } from './k8s/events.js'
import { StageTimer } from './timing.js'
import { prepareStage } from './stages/prepare.js'
import { clusterStage, type Cluster } from './stages/cluster.js'
import { TestImageStage, type TestImage } from './stages/image.js'
import { deployStage, type Deployed } from './stages/deploy.js'
import { testJobName, testsStage } from './stages/tests.js'
import { outcomeStage } from './stages/outcome.js'
import { diagnosticsStage, type DiagnosticsContext } from './stages/diagnostics.js'
import { loadImages, type LoadContext } from './image/load.js'
import { nodeArchitecture } from './k8s/nodes.js'
import { coverageByPackage } from './results/cover-profile.js'
import { writeCoverProfile } from './report/artifacts.js'
import type { RunReport, RunStatus } from './report/report.js'
import { closeReport, openReport } from './report/assemble.js'
import { CreatedObjects } from './cleanup/created.js'

export interface Deps {
  exec: Exec
  /** Every secret value of the run, masked as it becomes known; redacts what the run writes. */
  secrets: SecretValues
  toolCache: ToolCache
  log: Logger
  clock: Clock
  state: StateStore
  platform: Platform
  templatesDir: string
  connect(kubeconfigPath: string): Kube
}

export async function run(inputs: Inputs, deps: Deps): Promise<RunReport> {
  const { log, clock } = deps
  const { outputDir, namespace } = inputs
  const timer = new StageTimer(clock)
  const prepared = await prepareStage(inputs, deps)
  const report = openReport(inputs, prepared)
  // What the diagnostics of a run that did not pass can reach, once there is a cluster.
  const reach: Omit<DiagnosticsContext, 'status'> = {}
  const finish = async (status: RunStatus) => {
    const exported = await diagnosticsStage(
      inputs.cluster,
      { status, ...reach },
      { ...deps, timer, redactor: deps.secrets.redactor }
    )
    return closeReport(report, status, { inputs, timer, exported: exported.length > 0 }, deps)
  }
  const created = new CreatedObjects(deps.state)
  let kube: Kube | undefined
  try {
    // The test image builds (and then loads) while the cluster comes up and the service deploys:
    // those stages depend on each other, the image on none of them until it is loaded.
    const image = new TestImageStage(inputs.image, inputs, { ...deps, timer })
    const { cluster, kube: k } = await clusterStage(inputs.cluster, inputs.workDir, {
      ...deps,
      timer,
      stuckTimeoutSeconds: inputs.stuckTimeoutSeconds
    }).catch(async (e: unknown) => {
      await image.settled()
      throw e
    })
    kube = k
    Object.assign(reach, { cluster, kube: k })
    report.kubeconfig = cluster.kubeconfigPath
    const loadContext = loadContextOf(cluster, inputs.workDir, k)
    let deployed: Deployed
    let testImage: TestImage
    try {
      ;[deployed, testImage] = await both(
        deployStage(inputs.deploy, inputs, {
          ...deps,
          kube: k,
          kubectl: cluster.kubectl,
          timer,
          loadImages: (imgs) => loadImages(imgs, inputs.image.load, loadContext, deps.exec, log),
          created: (ref) => created.add(ref)
        }),
        image.load(loadContext)
      )
    } finally {
      await image.show()
    }
    report.image = testImage.image
    if (deployed.failure) {
      Object.assign(report, deployed.failure)
      return await finish('error')
    }

    const testsStarted = clock.now()
    const name = testJobName(report.image, clock)
    report.jobName = name
    const tests = await testsStage(
      inputs.job,
      {
        ...inputs,
        logFile: prepared.logFile,
        image: report.image,
        command: testImage.command,
        name,
        registry: inputs.image.registry
      },
      {
        ...deps,
        kube: k,
        timer,
        created: (ref) => created.add(ref),
        secretValues: (values) => deps.secrets.add(values),
        source: prepared.source
      }
    )
    if (tests.error) {
      report.run = tests.runs[0].run
      report.headline = tests.error
      return await finish('error')
    }

    const { status, profile, ...outcome } = await outcomeStage(
      tests,
      { ...inputs.job, failOnFlaky: inputs.report.failOnFlaky },
      {
        namespace,
        jobName: name,
        image: report.image,
        service: {
          namespaces: deployed.namespaces,
          sinceMs: testsStarted,
          outputDir,
          redact: (text) => deps.secrets.redactor.redact(text),
          collect: inputs.report.serviceLogs
        }
      },
      { kube: k, log, clock, timer }
    )
    Object.assign(report, outcome)
    if (profile) {
      report.files = { ...report.files, coverprofile: writeCoverProfile(outputDir, profile) }
      report.packages = coverageByPackage(profile)
    }
    return await finish(status)
  } catch (e) {
    report.headline = (e as Error).message
    if (kube) report.details.push(...(await warningEvents(kube, namespace)))
    return await finish('error')
  } finally {
    // The secret-env Secret now; Jobs stay for their TTL (their logs), and the post step deletes
    // whatever is still recorded.
    if (kube) await created.deleteSecrets(kube, log)
  }
}

function loadContextOf(
  cluster: Pick<Cluster, 'kind' | 'name'>,
  workDir: string,
  k: Kube
): LoadContext {
  return {
    kind: cluster.kind,
    clusterName: cluster.name,
    workDir,
    // Asked once, and only if an image goes through an archive (docker save --platform).
    nodeArch: once(() => nodeArchitecture(k))
  }
}

/** A function's first result, shared by every later call. */
function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined
  return () => (result ??= fn())
}

/** Runs both, and if one fails still waits for the other, so nothing runs on unobserved. */
async function both<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b])
  if (ra.status === 'rejected') throw ra.reason
  if (rb.status === 'rejected') throw rb.reason
  return [ra.value, rb.value]
}
