/**
 * Deploys the service under test through an ArgoCD Application: renders or reads it, applies it,
 * and waits until it is Synced and Healthy at the expected revision, or says which resources are
 * not and why.
 */
import { parse as parseYaml } from 'yaml'
import type { Clock, Logger } from '../ports.js'
import { describeObject, readiness, WAITED_KINDS } from '../k8s/readiness.js'
import type { KubeObject } from '../k8s/types.js'
import { DeployError, type DeployPort, type NotReady } from '../k8s/wait.js'
import { poll, type StuckCheck, type Wakeup } from '../k8s/poll.js'
import { parseManifests } from '../k8s/manifests.js'
import { ARGOCD_NAMESPACE } from './manifest.js'
import { APPLICATION_CRD } from './bootstrap.js'
import { evaluateApplication, unhealthyResources, type ApplicationLike } from './application.js'

/** How long a Degraded app or an error condition may last before it counts as a failure. */
export const DEGRADED_GRACE_MS = 30_000

export interface TemplateValues {
  name: string
  repo: string
  path: string
  revision: string
  namespace: string
  /** spec.source.helm: value files (relative to path) and inline values; unset leaves none. */
  helm?: { valueFiles: string[]; valuesObject?: Record<string, unknown> }
}

interface Source {
  repoURL?: string
  path?: string
  targetRevision?: string
  helm?: { valueFiles?: string[]; valuesObject?: Record<string, unknown> }
}

type AppObject = KubeObject & {
  metadata: { name?: string; namespace?: string; annotations?: Record<string, string> }
  spec: { source?: Source; sources?: Source[]; destination?: { namespace?: string } }
}

/** Fills the built-in template (templates/argocd-application.yaml). */
export function renderApplication(template: string, source: string, v: TemplateValues): KubeObject {
  const app = parseYaml(template) as AppObject
  if (app?.kind !== 'Application' || !app.spec) {
    throw new Error(`${source} is not an ArgoCD Application`)
  }
  app.metadata = { ...app.metadata, name: v.name }
  app.spec.source = {
    ...app.spec.source,
    repoURL: v.repo,
    path: v.path,
    targetRevision: v.revision
  }
  // Only what was given: an empty helm section would make ArgoCD treat any source as a chart.
  const helm = {
    ...(v.helm?.valueFiles.length ? { valueFiles: v.helm.valueFiles } : {}),
    ...(v.helm?.valuesObject ? { valuesObject: v.helm.valuesObject } : {})
  }
  if (Object.keys(helm).length > 0) app.spec.source.helm = { ...app.spec.source.helm, ...helm }
  app.spec.destination = { ...app.spec.destination, namespace: v.namespace }
  return withRefresh(app)
}

/**
 * A user's Application manifest, in the argocd namespace unless it says otherwise; a revision
 * given to the action replaces its targetRevision (of every source of a multi-source app).
 */
export function applicationFromFile(text: string, source: string, revision?: string): KubeObject {
  const objects = parseManifests(text, source)
  const apps = objects.filter((o) => o.kind === 'Application')
  if (objects.length !== 1 || apps.length !== 1) {
    throw new Error(
      `${source} must contain exactly one ArgoCD Application (found ${objects.map((o) => o.kind).join(', ') || 'nothing'})`
    )
  }
  const app = structuredClone(apps[0]) as AppObject
  app.metadata.namespace ??= ARGOCD_NAMESPACE
  if (revision) {
    if (app.spec?.source) app.spec.source.targetRevision = revision
    for (const s of app.spec?.sources ?? []) s.targetRevision = revision
  }
  return withRefresh(app)
}

/** The namespace an Application deploys into, when it names one. */
export function applicationDestination(app: KubeObject): string | undefined {
  return (app as AppObject).spec?.destination?.namespace || undefined
}

/** Asks the controller to compare with git now instead of at its next periodic reconcile. */
function withRefresh(app: AppObject): KubeObject {
  app.metadata.annotations = { ...app.metadata.annotations, 'argocd.argoproj.io/refresh': 'normal' }
  return app
}

/** The revision to wait for: a commit SHA in targetRevision (branches and tags move). */
export function expectedRevision(app: KubeObject): string | undefined {
  const spec = (app as AppObject).spec
  const revisions = [spec?.source, ...(spec?.sources ?? [])].map((s) => s?.targetRevision ?? '')
  return revisions.find((r) => /^[0-9a-f]{7,40}$/.test(r))
}

export function describeApp(app: KubeObject): string {
  return `Application ${app.metadata?.name ?? '?'} in ${app.metadata?.namespace ?? ARGOCD_NAMESPACE}`
}

/** The resources ArgoCD reports as not Healthy or not Synced, as rows for the log and summary. */
export function unhealthyRows(app: ApplicationLike | undefined): NotReady[] {
  if (!app) return []
  return unhealthyResources(app).map((r) => ({
    resource: r.resource,
    state: [r.health, r.sync].filter(Boolean).join('/') || 'unknown',
    message: r.message
  }))
}

/**
 * Rows for the resources that are not ready. ArgoCD keeps per-resource health out of the
 * Application (in its resource tree) unless told otherwise, so workloads are also judged from
 * their live objects with the same rules as `manifests`.
 */
export async function notReadyResources(
  app: ApplicationLike | undefined,
  port: Pick<DeployPort, 'get'>
): Promise<NotReady[]> {
  const rows = unhealthyRows(app)
  const named = new Set(rows.map((r) => r.resource))
  for (const r of app?.status?.resources ?? []) {
    if (r.health?.status || !WAITED_KINDS.has(r.kind ?? '')) continue
    const ref: KubeObject = {
      apiVersion: r.group ? `${r.group}/${r.version ?? 'v1'}` : (r.version ?? 'v1'),
      kind: r.kind,
      metadata: { name: r.name, namespace: r.namespace }
    }
    if (named.has(describeObject(ref))) continue
    const live = await port.get(ref).catch(() => undefined)
    if (!live) {
      rows.push({ resource: describeObject(ref), state: 'missing', message: 'not in the cluster' })
      continue
    }
    const ready = readiness(live)
    if (ready.state !== 'ready') {
      rows.push({ resource: describeObject(ref), state: ready.state, message: ready.message })
    }
  }
  return rows
}

export async function deployApplication(
  app: KubeObject,
  timeoutSeconds: number,
  port: DeployPort,
  clock: Clock,
  log: Logger,
  options: {
    graceMs?: number
    pollMs?: number
    stuck?: StuckCheck
    /** Ends the sleep between reads when the API reports a change. */
    wakeup?: Wakeup
    /** ArgoCD's credentials for the Application's repository (repo-secret.ts), applied first. */
    repositorySecret?: KubeObject
  } = {}
): Promise<{ revision?: string }> {
  const graceMs = options.graceMs ?? DEGRADED_GRACE_MS
  const crd = await port.get({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: APPLICATION_CRD }
  })
  if (!crd) {
    throw new DeployError(
      `ArgoCD is not installed in this cluster (no ${APPLICATION_CRD} CRD): set argocd to 'auto' or 'true' to install it, or deploy with manifests`,
      []
    )
  }
  const what = describeApp(app)
  const expected = expectedRevision(app)
  if (options.repositorySecret) {
    // Before the Application, so its first comparison with git already has the credentials.
    await port.apply([options.repositorySecret])
    log.info(
      `Applied the repository Secret ${options.repositorySecret.metadata?.name} in ${ARGOCD_NAMESPACE}: ArgoCD's credentials for the Application's repoURL`
    )
  }
  await port.apply([app])
  log.info(`Applied ${what}${expected ? `; waiting for revision ${expected.slice(0, 12)}` : ''}`)

  let troubledSince: number | undefined
  let live: ApplicationLike | undefined
  const outcome = await poll<string | undefined>(
    async () => {
      live = (await port.get(app)) as ApplicationLike | undefined
      const now = clock.now()
      const verdict = live
        ? evaluateApplication(
            live,
            expected,
            troubledSince === undefined ? 0 : now - troubledSince,
            graceMs
          )
        : ({ state: 'waiting', message: 'not found after apply', troubled: false } as const)
      if (verdict.state === 'ready') return { done: verdict.revision }
      if (verdict.state === 'failed') {
        const rows = await notReadyResources(live, port)
        throw new DeployError(`ArgoCD ${what} failed: ${verdict.message}${first(rows)}`, rows)
      }
      if (verdict.troubled) troubledSince ??= now
      else troubledSince = undefined
      return { waiting: verdict.message }
    },
    {
      clock,
      timeoutMs: timeoutSeconds * 1000,
      intervalMs: options.pollMs,
      stuck: options.stuck,
      wakeup: options.wakeup,
      onChange: (message) => log.info(`${what}: ${message}`)
    }
  )
  if (outcome.state === 'done') {
    const revision = outcome.value
    log.info(`${what} is Synced and Healthy${revision ? ` at ${revision.slice(0, 12)}` : ''}`)
    return { revision }
  }
  const rows = await notReadyResources(live, port)
  if (outcome.state === 'stuck')
    throw new DeployError(`ArgoCD ${what} cannot become Healthy: ${outcome.reason}`, rows)
  throw new DeployError(
    `ArgoCD ${what} was not Synced and Healthy after ${timeoutSeconds}s: ${outcome.message}${first(rows)}. Raise deploy-timeout or look at the resources below.`,
    rows
  )
}

function first(rows: NotReady[]): string {
  return rows.length > 0 ? ` (${rows[0].resource}: ${rows[0].message})` : ''
}
