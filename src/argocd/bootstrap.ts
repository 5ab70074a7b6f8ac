/**
 * Installs ArgoCD core from its install manifest and waits until it can deploy: CRDs Established,
 * then the controller, repo-server and redis rolled out, and the `default` AppProject present.
 */
import { createHash } from 'node:crypto'
import type { Clock, Logger } from '../ports.js'
import type { KubeObject } from '../k8s/types.js'
import { deployManifests, type DeployPort, type StuckCheck } from '../k8s/wait.js'
import type { Wakeup } from '../k8s/poll.js'
import { parseManifests, withDefaultNamespace } from '../k8s/manifests.js'
import {
  ARGOCD_NAMESPACE,
  PINNED_CORE_INSTALL,
  coreInstallUrl,
  defaultAppProject,
  overrideImages,
  type ImageOverrides
} from './manifest.js'

export const APPLICATION_CRD = 'applications.argoproj.io'

export interface BootstrapOptions extends ImageOverrides {
  version: string
  /** A path or URL replacing the release's core-install.yaml. */
  manifest?: string
  timeoutSeconds: number
}

export interface InstallManifest {
  /** The argocd Namespace and the CRDs: applied and waited for first. */
  first: KubeObject[]
  /** Everything else, namespaced into argocd. */
  rest: KubeObject[]
  source: string
  /** sha256 of the manifest when it was checked against a pinned value. */
  verified?: string
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

/**
 * Parses and adjusts the install manifest. The release's own manifest is refused when it differs
 * from the pinned sha256; a manifest the user names is theirs to trust.
 */
export function prepareInstall(
  text: string,
  source: string,
  options: Pick<BootstrapOptions, 'version' | 'manifest' | 'argocd' | 'redis'>
): InstallManifest {
  const pinned = PINNED_CORE_INSTALL[options.version]
  const actual = sha256(text)
  if (!options.manifest && pinned && actual !== pinned) {
    throw new Error(
      `The ArgoCD ${options.version} manifest from ${source} has sha256 ${actual}, expected ${pinned}: refusing to apply it`
    )
  }
  // A mirror of the release's manifest (argocd-manifest) is recognised as such.
  const verified = pinned === actual ? actual : undefined
  const objects = withDefaultNamespace(
    overrideImages(parseManifests(text, source), {
      argocd: options.argocd,
      redis: options.redis
    }),
    ARGOCD_NAMESPACE
  )
  const namespace: KubeObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: ARGOCD_NAMESPACE }
  }
  const isFirst = (o: KubeObject) => o.kind === 'CustomResourceDefinition' || o.kind === 'Namespace'
  const first = [namespace, ...objects.filter((o) => isFirst(o) && !sameObject(o, namespace))]
  return { first, rest: objects.filter((o) => !isFirst(o)), source, verified }
}

function sameObject(a: KubeObject, b: KubeObject): boolean {
  return a.kind === b.kind && a.metadata?.name === b.metadata?.name
}

/** The source of the manifest for these options: the user's, or the release's core install. */
export function manifestSource(options: Pick<BootstrapOptions, 'version' | 'manifest'>): string {
  return options.manifest ?? coreInstallUrl(options.version)
}

export async function bootstrapArgocd(
  install: InstallManifest,
  timeoutSeconds: number,
  port: DeployPort,
  clock: Clock,
  log: Logger,
  stuck?: StuckCheck,
  wakeup?: Wakeup
): Promise<void> {
  log.info(
    `Installing ArgoCD from ${install.source}${install.verified ? ` (sha256 ${install.verified.slice(0, 12)}… as pinned)` : ''}`
  )
  const deadline = clock.now() + timeoutSeconds * 1000
  const left = () => Math.max(1, Math.round((deadline - clock.now()) / 1000))
  // Custom resources (the AppProject) can only be applied once their CRD is served.
  await deployManifests(install.first, left(), port, clock, log, { stuck, wakeup })
  const project = defaultAppProject()
  const rest = [...install.rest]
  if (!(await port.get(project))) {
    // Only argocd-server creates it, and the core install has no server.
    rest.push(project)
  }
  await deployManifests(rest, left(), port, clock, log, { stuck, wakeup })
  log.info('ArgoCD is ready')
}
