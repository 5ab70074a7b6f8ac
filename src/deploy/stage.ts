/**
 * The deploy stage: plain manifests, then ArgoCD (installed when needed) and the Application that
 * deploys the service under test. Returns a DeployError instead of throwing it, so the pipeline
 * can report the resources that are not ready as a diagnosis.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Inputs } from '../inputs.js'
import type { Clock, Exec, Logger, ToolCache } from '../ports.js'
import type { Kube } from '../k8s/kube.js'
import { refOf } from '../k8s/kube.js'
import type { StageTimer } from '../timing.js'
import { DeployError, deployManifests, type DeployPort, type StuckCheck } from './deploy.js'
import { formatPodProblem, podProblems, STUCK_REASONS } from '../diagnosis/pods.js'
import { ARGOCD_NAMESPACE } from '../argocd/manifest.js'
import { loadManifests, withDefaultNamespace } from './manifests.js'
import {
  APPLICATION_CRD,
  bootstrapArgocd,
  manifestSource,
  prepareInstall
} from '../argocd/bootstrap.js'
import { applicationFromFile, deployApplication, renderApplication } from '../argocd/deploy-app.js'

export interface DeployStageDeps {
  kube: Kube
  kubectl: string
  exec: Exec
  toolCache: ToolCache
  clock: Clock
  log: Logger
  timer: StageTimer
  templatesDir: string
}

type DeployInputs = Pick<
  Inputs,
  | 'manifests'
  | 'namespace'
  | 'argocd'
  | 'application'
  | 'deployTimeoutSeconds'
  | 'stuckTimeoutSeconds'
  | 'workspace'
>

export async function deployStage(
  inputs: DeployInputs,
  d: DeployStageDeps
): Promise<DeployError | undefined> {
  const { kube, log, clock, timer } = d
  const port: DeployPort = { apply: (o) => kube.apply(o), get: (o) => kube.get(refOf(o)) }
  const timeout = inputs.deployTimeoutSeconds
  // The namespaces whose pods can explain a deploy that does not finish.
  const namespaces = new Set([inputs.namespace])
  const stuck = stuckPods(kube, () => [...namespaces], clock, inputs.stuckTimeoutSeconds * 1000)
  try {
    if (inputs.manifests.length > 0) {
      await timer.time('deploy', () =>
        log.group('Deploy manifests', async () => {
          const objects = withDefaultNamespace(
            await loadManifests(inputs.manifests, d.kubectl, d.exec),
            inputs.namespace
          )
          for (const o of objects) if (o.metadata?.namespace) namespaces.add(o.metadata.namespace)
          await deployManifests(objects, timeout, port, clock, log, { stuck })
        })
      )
    }
    const app = inputs.application
    if (await shouldInstallArgocd(inputs, kube, log)) {
      namespaces.add(ARGOCD_NAMESPACE)
      await timer.time('argocd install', () =>
        log.group('Install ArgoCD', async () => {
          const source = manifestSource(inputs.argocd)
          const text = await readManifest(source, d.toolCache)
          const install = prepareInstall(text, source, {
            version: inputs.argocd.version,
            manifest: inputs.argocd.manifest,
            argocd: inputs.argocd.image,
            redis: inputs.argocd.redisImage
          })
          await bootstrapArgocd(install, timeout, port, clock, log, stuck)
        })
      )
    }
    if (app) {
      namespaces.add(app.namespace)
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
                  revision: app.revision ?? (await checkedOutCommit(inputs.workspace, d.exec)),
                  namespace: app.namespace
                }
              )
          await deployApplication(object, timeout, port, clock, log, { stuck })
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
  }
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
  if (inputs.argocd.install === 'true') return true
  if (inputs.argocd.install === 'false' || !inputs.application) return false
  const crd = await kube.get({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    name: APPLICATION_CRD
  })
  if (crd) log.info(`ArgoCD is already installed (${APPLICATION_CRD} is served): using it as it is`)
  return !crd
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
