/**
 * The ArgoCD install manifest: fetched at run time (never committed), verified against a pinned
 * sha256, and adjusted as objects for clusters without registry access.
 */
import type { KubeObject } from '../k8s/types.js'

export const ARGOCD_NAMESPACE = 'argocd'

/** sha256 of `manifests/core-install.yaml` at a release tag (same bytes as in the Go module zip). */
export const PINNED_CORE_INSTALL: Readonly<Record<string, string>> = {
  // v3.2.12 is not the default: its Go module does not compile (controller/cache/info.go calls
  // settings.ValidateExternalURL, which the tagged tree lacks), so no local image can match it.
  'v3.2.11': 'a48ce0ab6ff5f7aac90a8bd0374434f4d15edeaa85f774672c8692c9819d2ae8',
  'v3.2.12': '8c8107eb77dc535f1a42cf54203d7052400fb95c8ec27d04d1fc7f2d5ba559ef'
}

/** Core install: controller, repo-server, redis, CRDs. No server, no UI, no login needed in CI. */
export function coreInstallUrl(version: string): string {
  return `https://raw.githubusercontent.com/argoproj/argo-cd/${version}/manifests/core-install.yaml`
}

export interface ImageOverrides {
  /** Replaces every argocd image (controller, repo-server, init containers). */
  argocd?: string
  /** Replaces the redis image. */
  redis?: string
}

interface Container {
  image?: string
  imagePullPolicy?: string
}

function podSpecOf(
  obj: KubeObject
): { containers?: Container[]; initContainers?: Container[] } | undefined {
  const template = (obj.spec as { template?: { spec?: object } } | undefined)?.template
  return template?.spec as { containers?: Container[]; initContainers?: Container[] } | undefined
}

/**
 * Points the workloads at locally loaded images and keeps the kubelet from pulling them. Only
 * images are touched; everything else stays as upstream wrote it.
 */
export function overrideImages(objects: KubeObject[], o: ImageOverrides): KubeObject[] {
  if (!o.argocd && !o.redis) return objects
  return objects.map((obj) => {
    const pod = podSpecOf(obj)
    if (!pod) return obj
    const copy = structuredClone(obj)
    const spec = podSpecOf(copy)!
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      const image = c.image ?? ''
      if (o.argocd && /(^|\/)argocd(:|@|$)/.test(image)) {
        c.image = o.argocd
        c.imagePullPolicy = 'IfNotPresent'
      } else if (o.redis && /(^|\/)redis(:|@|$)/.test(image)) {
        c.image = o.redis
        c.imagePullPolicy = 'IfNotPresent'
      }
    }
    return copy
  })
}

/** The project every Application names by default; only argocd-server creates it, and core has none. */
export function defaultAppProject(): KubeObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: 'default', namespace: ARGOCD_NAMESPACE },
    spec: {
      sourceRepos: ['*'],
      destinations: [{ server: '*', namespace: '*' }],
      clusterResourceWhitelist: [{ group: '*', kind: '*' }]
    }
  }
}
