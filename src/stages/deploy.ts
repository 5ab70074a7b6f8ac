/**
 * The deploy stage: the manifests rendered (kustomize, helm) before anything else, the service's
 * images loaded, the namespace and the deploy Secrets created, the manifests applied, then ArgoCD (installed when needed) and the Application that deploys
 * the service under test. A deploy that does not become ready is returned as a failure (headline
 * and details) rather than thrown, so the pipeline reports it as a diagnosis.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { DeployInputs, HelmInputs } from '../inputs/types.js'
import type { Clock, Exec, Logger, ToolCache } from '../ports.js'
import type { Kube } from '../k8s/kube.js'
import type { KubeObject } from '../k8s/types.js'
import { FIELD_MANAGER, refOf, type ObjectRef } from '../k8s/kube.js'
import type { StageTimer } from '../timing.js'
import {
  DeployError,
  deployManifests,
  notReadyTable,
  type DeployPort,
  type StuckCheck
} from '../k8s/wait.js'
import { warningEvents } from '../k8s/events.js'
import { ChangeWatch } from '../k8s/changes.js'
import { namespaceObject } from '../k8s/namespaces.js'
import { Wakeup } from '../k8s/poll.js'
import { renderSecret } from '../job/render.js'
import { formatPodProblem, podProblems, STUCK_REASONS } from '../diagnosis/pods.js'
import { ARGOCD_NAMESPACE } from '../argocd/manifest.js'
import { loadManifests, withDefaultNamespace } from '../k8s/manifests.js'
import { installTool, type Platform } from '../tools.js'
import {
  APPLICATION_CRD,
  bootstrapArgocd,
  manifestSource,
  prepareInstall
} from '../argocd/bootstrap.js'
import {
  applicationDestination,
  applicationFromFile,
  deployApplication,
  renderApplication
} from '../argocd/deploy-app.js'
import { repositorySecret } from '../argocd/repo-secret.js'

export interface DeployStageDeps {
  kube: Kube
  kubectl: string
  exec: Exec
  toolCache: ToolCache
  clock: Clock
  log: Logger
  timer: StageTimer
  templatesDir: string
  /** For the helm that renders a chart in manifests, when helm-path does not give one. */
  platform: Platform
  /** Loads images into the cluster's nodes, as image-load says. */
  loadImages(images: string[]): Promise<void>
  /** Told the objects the stage creates that the run must remove (the built-in Application). */
  created?(ref: ObjectRef): void
}

export interface DeployContext {
  namespace: string
  stuckTimeoutSeconds: number
  workspace: string
}

/** Why the deploy did not become ready: a headline and one line per resource or pod. */
export interface DeployFailure {
  headline: string
  details: string[]
}

export interface Deployed {
  /** Set when the deploy did not become ready. */
  failure?: DeployFailure
  /** Where the service under test runs: the test namespace and those deployed into. */
  namespaces: string[]
}

export async function deployStage(
  inputs: DeployInputs,
  c: DeployContext,
  d: DeployStageDeps
): Promise<Deployed> {
  const { kube, log, timer } = d
  // Rendered before the cluster is touched: a chart or overlay that does not render is an error
  // with its renderer's message, and nothing has been applied.
  const objects =
    inputs.manifests.length > 0
      ? withDefaultNamespace(
          await loadManifests(inputs.manifests, d.kubectl, d.exec, {
            helm: once(() => helmBinary(inputs.helm, d)),
            // The built-in Application's name, which ArgoCD uses as the release name: a chart
            // renders the same whichever way it is deployed.
            release: applicationName(c.namespace),
            namespace: c.namespace,
            valueFiles: inputs.helm.valueFiles,
            values: inputs.helm.values
          }),
          c.namespace
        )
      : []
  // Deploying through ArgoCD, only ArgoCD's own images are needed before its install: the
  // service's load beside the install (whose wait for ArgoCD's pods leaves the machine idle), and
  // the Application waits for them. Otherwise all of them first.
  const own = new Set([inputs.argocd.image, inputs.argocd.redisImage])
  const first = inputs.application ? inputs.loadImages.filter((i) => own.has(i)) : inputs.loadImages
  const beside = inputs.loadImages.filter((i) => !first.includes(i))
  if (first.length > 0)
    await timer.time('service images load', () =>
      log.group('Load service images into the cluster', () => d.loadImages(first))
    )
  const loaded =
    beside.length > 0
      ? timer.time('service images load (beside ArgoCD)', async () => {
          log.info(`Loading ${beside.join(', ')} into the cluster while ArgoCD installs`)
          await d.loadImages(beside)
        })
      : Promise.resolve()
  // Awaited where the service needs them; a failure is thrown there, never left unobserved.
  loaded.catch(() => undefined)
  let failed: DeployError | undefined
  const service = new Set([c.namespace])
  try {
    await kube.apply([namespaceObject(c.namespace)])
    await createDeploySecrets(inputs, c.namespace, kube, log)
    failed = await deployService(inputs, objects, c, d, service, loaded)
  } finally {
    await loaded.catch(() => undefined)
  }
  const namespaces = [...service]
  if (!failed) return { namespaces }
  const details = [
    ...notReadyTable(failed.notReady)
      .slice(1)
      .map((r) => r.filter(Boolean).join(': ')),
    ...failed.pods
  ]
  // The pods usually say why in a way the workload's status does not.
  const headline =
    failed.pods.length > 0 && !failed.message.includes('Pod ')
      ? `${failed.message} ${failed.pods[0]}`
      : failed.message
  for (const line of details) log.error(line)
  const events = await warningEvents(kube, c.namespace)
  return { failure: { headline, details: [...details, ...events] }, namespaces }
}

/** The Secrets the service needs, in their namespaces (the Application's by default). */
async function createDeploySecrets(
  inputs: DeployInputs,
  namespace: string,
  kube: Kube,
  log: Logger
): Promise<void> {
  if (inputs.secrets.length === 0) return
  const secrets = inputs.secrets.map((s) =>
    renderSecret(s.name, s.namespace ?? inputs.application?.namespace ?? namespace, s.data)
  )
  const namespaces = [...new Set(secrets.map((s) => s.metadata?.namespace ?? ''))]
  await kube.apply(namespaces.map(namespaceObject))
  await kube.apply(secrets)
  log.info(
    `Created ${secrets.map((s) => `Secret/${s.metadata?.name} in ${s.metadata?.namespace}`).join(', ')}`
  )
}

/** ArgoCD's release manifest, applied as it is and waited for (shouldInstallArgocd said so). */
function installArgocd(
  argocd: DeployInputs['argocd'],
  timeout: number,
  port: DeployPort,
  d: DeployStageDeps,
  stuck: StuckCheck,
  wakeup: Wakeup
): Promise<void> {
  const { kube, log, clock } = d
  return log.group('Install ArgoCD', async () => {
    const source = manifestSource(argocd)
    const text = await readManifest(source, d.toolCache)
    const install = prepareInstall(text, source, {
      version: argocd.version,
      manifest: argocd.manifest,
      argocd: argocd.image,
      redis: argocd.redisImage
    })
    // Never taking over fields another manager owns: a conflict is an error, not a takeover.
    const own: DeployPort = { ...port, apply: (o) => kube.apply(o, { force: false }) }
    await bootstrapArgocd(install, timeout, own, clock, log, stuck, wakeup)
  })
}

/** Manifests, ArgoCD and the Application; a DeployError is returned with the pods' story. */
async function deployService(
  inputs: DeployInputs,
  /** The manifests input, rendered. */
  objects: KubeObject[],
  c: DeployContext,
  d: DeployStageDeps,
  /** Filled with the namespaces the service is deployed into. */
  service: Set<string>,
  /** The service images loaded (see deployStage): the service's deploy waits for them. */
  imagesLoaded: Promise<void>
): Promise<DeployError | undefined> {
  const { kube, log, clock, timer } = d
  const port: DeployPort = { apply: (o) => kube.apply(o), get: (o) => kube.get(refOf(o)) }
  const timeout = inputs.timeoutSeconds
  // The namespaces whose pods can explain a deploy that does not finish.
  const namespaces = new Set([c.namespace])
  const stuck = stuckPods(kube, () => [...namespaces], clock, c.stuckTimeoutSeconds * 1000)
  // Each wait below reads again as soon as a workload or pod of these namespaces changes.
  const wakeup = new Wakeup()
  const changes = new ChangeWatch(kube, () => wakeup.wake())
  const watch = (ns: string, extra: string[] = []) => changes.namespace(ns, extra)
  try {
    if (inputs.manifests.length > 0) {
      await imagesLoaded
      await timer.time('deploy', () =>
        log.group('Deploy manifests', async () => {
          for (const o of objects) {
            if (!o.metadata?.namespace) continue
            namespaces.add(o.metadata.namespace)
            service.add(o.metadata.namespace)
          }
          namespaces.forEach((ns) => watch(ns))
          // A re-run on the same cluster may change what cannot change (a Job's template): the
          // user's own objects are replaced then. Foreground, so the old Job's pods go first.
          const replacing: DeployPort = {
            ...port,
            delete: (o) => kube.delete(refOf(o), { propagation: 'Foreground' })
          }
          await deployManifests(objects, timeout, replacing, clock, log, { stuck, wakeup })
        })
      )
    }
    const app = inputs.application
    if (await shouldInstallArgocd(inputs, kube, log)) {
      namespaces.add(ARGOCD_NAMESPACE)
      watch(ARGOCD_NAMESPACE)
      await timer.time('argocd install', () =>
        installArgocd(inputs.argocd, timeout, port, d, stuck, wakeup)
      )
    }
    if (app) {
      namespaces.add(app.namespace)
      service.add(app.namespace)
      watch(app.namespace)
      // The Application's own status (sync, health) moves the wait too.
      watch(ARGOCD_NAMESPACE, [
        `/apis/argoproj.io/v1alpha1/namespaces/${ARGOCD_NAMESPACE}/applications`
      ])
      await imagesLoaded
      await timer.time('deploy (argocd)', () =>
        log.group('Deploy through ArgoCD', async () => {
          const object = app.file
            ? applicationFromFile(fs.readFileSync(app.file, 'utf8'), app.file, app.revision)
            : renderApplication(
                fs.readFileSync(path.join(d.templatesDir, 'argocd-application.yaml'), 'utf8'),
                'templates/argocd-application.yaml',
                {
                  name: applicationName(app.namespace),
                  repo: app.repo ?? '',
                  path: app.path ?? '.',
                  revision: app.revision ?? (await checkedOutCommit(c.workspace, d.exec)),
                  namespace: app.namespace,
                  helm: app.helm
                }
              )
          // The built-in Application (prune, self-heal) would keep this commit deployed after the
          // run: the post step deletes it. A user's own Application is theirs to keep.
          if (!app.file)
            d.created?.({
              ...refOf(object),
              namespace: object.metadata?.namespace ?? ARGOCD_NAMESPACE
            })
          // ArgoCD's credentials for a private app-repo: recorded before they exist, so main's end
          // and the post step delete them on every path (a missing object is no error there).
          const credentials =
            !app.file && app.credentials
              ? repositorySecret(app.repo ?? '', app.credentials)
              : undefined
          if (credentials) {
            log.info(
              `ArgoCD logs in to ${app.repo} as ${app.credentials!.username} with ${app.credentials!.from === 'github-token' ? "the workflow's token (github-token)" : 'app-repo-password'}`
            )
            d.created?.(refOf(credentials))
          }
          // ArgoCD syncs into the destination: one still terminating (an earlier run's) is
          // waited out and the namespace created before the Application exists.
          const destination = applicationDestination(object)
          if (destination) await kube.apply([namespaceObject(destination)])
          await deployApplication(object, timeout, port, clock, log, {
            stuck,
            wakeup,
            repositorySecret: credentials
          })
        })
      )
    }
    return undefined
  } catch (e) {
    if (!(e instanceof DeployError)) throw e
    const pods = await Promise.all(
      [...namespaces].map((ns) => kube.listPods(ns, '').catch(() => []))
    )
    e.pods = podProblems(pods.flat()).map(formatPodProblem)
    return e
  } finally {
    changes.stop()
  }
}

/** helm-path as it is, or the pinned helm-version through the tool cache (sha256-verified). */
async function helmBinary(helm: HelmInputs, d: DeployStageDeps): Promise<string> {
  if (helm.path) {
    d.log.info(`Rendering charts with ${helm.path} (helm-path)`)
    return helm.path
  }
  return installTool('helm', helm.version, d.platform, d.toolCache, d.log)
}

/** A function's first result, shared by every later call (helm is installed once). */
function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined
  return () => (result ??= fn())
}

/** The built-in Application's name: one per target namespace, so a re-run updates it. */
export function applicationName(namespace: string): string {
  return `in-cluster-test-${namespace}`.slice(0, 63).replace(/-+$/, '')
}

async function shouldInstallArgocd(
  inputs: DeployInputs,
  kube: Kube,
  log: Logger
): Promise<boolean> {
  const install = inputs.argocd.install
  if (install === 'false' || (install === 'auto' && !inputs.application)) return false
  if (install === 'force') return true
  const crd = await kube.get<
    KubeObject & { metadata?: { managedFields?: Array<{ manager?: string }> } }
  >({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    name: APPLICATION_CRD
  })
  if (!crd) return true
  const ours = (crd.metadata?.managedFields ?? []).some((f) => f.manager === FIELD_MANAGER)
  if (install === 'true' && !ours)
    throw new Error(
      `Input 'argocd': ArgoCD is installed in this cluster already, and not by this action: 'true' would overwrite it with v${inputs.argocd.version.replace(/^v/, '')}. Use 'auto' to deploy with it as it is, or 'force' to apply the pinned install over it`
    )
  if (install === 'auto')
    log.info(`ArgoCD is already installed (${APPLICATION_CRD} is served): using it as it is`)
  return install === 'true'
}

async function readManifest(source: string, toolCache: ToolCache): Promise<string> {
  if (!/^https:\/\//.test(source)) return fs.readFileSync(source, 'utf8')
  try {
    return fs.readFileSync(await toolCache.download(source), 'utf8')
  } catch (e) {
    throw new Error(
      `Could not download the ArgoCD manifest ${source}: ${(e as Error).message}. Give argocd-manifest a file path on runners without access to GitHub`,
      { cause: e }
    )
  }
}

async function checkedOutCommit(workspace: string, exec: Exec): Promise<string> {
  const r = await exec.run('git', ['-C', workspace, 'rev-parse', 'HEAD'], { silent: true })
  const sha = r.stdout.trim()
  if (r.exitCode !== 0 || !/^[0-9a-f]{40}$/.test(sha)) {
    throw new Error(
      `Input 'app-revision': no commit to deploy (git rev-parse HEAD in ${workspace} failed); give app-revision`
    )
  }
  return sha
}

/**
 * Gives up on a deploy whose pod has waited on an image pull or a missing Secret for graceMs
 * (the stuck-timeout input): that will not fix itself before the deadline. Crash loops are left to the deadline, since a
 * service often restarts a few times while its database starts.
 */
export function stuckPods(
  kube: Pick<Kube, 'listPods'>,
  namespaces: () => string[],
  clock: Clock,
  graceMs: number
): StuckCheck {
  const firstSeen = new Map<string, number>()
  return async () => {
    const pods = await Promise.all(namespaces().map((ns) => kube.listPods(ns, '').catch(() => [])))
    const now = clock.now()
    const seen = new Set<string>()
    let verdict: string | undefined
    for (const p of podProblems(pods.flat())) {
      if (!STUCK_REASONS.has(p.reason)) continue
      const key = `${p.pod}/${p.reason}`
      seen.add(key)
      const since = firstSeen.get(key) ?? now
      firstSeen.set(key, since)
      if (!verdict && now - since >= graceMs) verdict = formatPodProblem(p)
    }
    for (const key of [...firstSeen.keys()]) if (!seen.has(key)) firstSeen.delete(key)
    return verdict
  }
}
