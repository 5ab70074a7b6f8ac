/**
 * Renders the test Job from its template as objects, never as text: a user value such as
 * `x\n  command: [sh]` stays one string and cannot add a field.
 */
import type { EnvVar, JobObject, KubeObject } from '../k8s/types.js'
import { CONTAINER, testContainer } from '../k8s/job-template.js'

export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'in-cluster-test' }

export interface JobRenderOptions {
  name: string
  namespace: string
  image: string
  /**
   * The test container's command, for an image without ENTRYPOINT (image/config.ts); a command
   * the template sets is kept.
   */
  command?: string[]
  args: string[]
  env: Record<string, string>
  /** Keys of the Secret the action created from secret-env; values never reach the Job. */
  secretEnv?: { secretName: string; keys: string[] }
  envFromSecrets: string[]
  /** Secrets the kubelet pulls the image with (the registry's, image-load push); added to the template's. */
  imagePullSecrets?: string[]
  memoryLimit?: string
  cpuLimit?: string
  deadlineSeconds: number
  labels?: Record<string, string>
}

/**
 * Fills in the run's values. The test container is the one named `tests`, or the only one, which
 * is then named `tests`: the log follower, the watch and the shards find it by that name.
 * Template env entries stay unless the same name is set by the action.
 */
export function renderJob(template: JobObject, o: JobRenderOptions): JobObject {
  const job = structuredClone(template)
  const labels = { ...MANAGED_BY, ...(o.labels ?? {}) }
  job.metadata = {
    ...job.metadata,
    name: o.name,
    namespace: o.namespace,
    labels: {
      ...((job.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {}),
      ...labels
    }
  } as KubeObject['metadata']
  job.spec.activeDeadlineSeconds = o.deadlineSeconds
  job.spec.template.metadata = {
    ...job.spec.template.metadata,
    labels: { ...(job.spec.template.metadata?.labels ?? {}), ...labels }
  }
  if (o.imagePullSecrets?.length) {
    const pod = job.spec.template.spec
    const ours = new Set(o.imagePullSecrets)
    pod.imagePullSecrets = [
      ...(pod.imagePullSecrets ?? []).filter((s) => !ours.has(s.name)),
      ...o.imagePullSecrets.map((name) => ({ name }))
    ]
  }
  const c = testContainer(job)
  // The follower, the watch and the shards look for the test container by this name.
  c.name = CONTAINER
  c.image = o.image
  c.imagePullPolicy = 'IfNotPresent'
  if (o.command && o.command.length > 0 && !(c.command && c.command.length > 0))
    c.command = [...o.command]
  c.args = [...o.args]

  const ours: EnvVar[] = Object.entries(o.env).map(([name, value]) => ({
    name,
    value: String(value)
  }))
  for (const key of o.secretEnv?.keys ?? []) {
    ours.push({ name: key, valueFrom: { secretKeyRef: { name: o.secretEnv!.secretName, key } } })
  }
  const names = new Set(ours.map((e) => e.name))
  c.env = [...(c.env ?? []).filter((e) => !names.has(e.name)), ...ours]
  if (o.envFromSecrets.length > 0) {
    c.envFrom = [...(c.envFrom ?? []), ...o.envFromSecrets.map((name) => ({ secretRef: { name } }))]
  }
  if (o.memoryLimit || o.cpuLimit) {
    const limits = { ...(c.resources?.limits ?? {}) }
    const requests = { ...(c.resources?.requests ?? {}) }
    if (o.memoryLimit) {
      limits.memory = o.memoryLimit
      // A request above the new limit is invalid; the limit is what the user asked for.
      if (!requests.memory || exceeds(requests.memory, o.memoryLimit))
        requests.memory = o.memoryLimit
    }
    if (o.cpuLimit) {
      limits.cpu = o.cpuLimit
      if (!requests.cpu || exceeds(requests.cpu, o.cpuLimit)) requests.cpu = o.cpuLimit
    }
    c.resources = { ...c.resources, limits, requests }
  }
  return job
}

const UNITS: Record<string, number> = {
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60
}

/** Compares two Kubernetes quantities (e.g. 512Mi vs 1Gi). */
export function quantityValue(q: string): number {
  const m = q.match(/^(\d+(?:\.\d+)?)([a-zA-Z]*)$/)
  if (!m || !(m[2] in UNITS)) return Number.NaN
  return Number(m[1]) * UNITS[m[2]]
}

function exceeds(a: string, b: string): boolean {
  return quantityValue(a) > quantityValue(b)
}

/**
 * The Secret holding secret-env values; referenced by key from the Job, deleted after the run.
 * With `owners` (the Jobs that read it, once created and given a uid) Kubernetes also deletes it
 * with the last of them (the Job's ttlSecondsAfterFinished), so a run that dies before its
 * cleanup does not leave the values in the cluster for long.
 */
export function renderSecret(
  name: string,
  namespace: string,
  data: Record<string, string>,
  labels = {},
  owners: Array<{ name: string; uid: string }> = []
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace,
      labels: { ...MANAGED_BY, ...labels },
      ...(owners.length > 0
        ? {
            ownerReferences: owners.map((o) => ({
              apiVersion: 'batch/v1',
              kind: 'Job',
              name: o.name,
              uid: o.uid
            }))
          }
        : {})
    } as KubeObject['metadata'],
    type: 'Opaque',
    stringData: { ...data }
  } as KubeObject
}

/**
 * The Secret the kubelet pulls a pushed test image with (image-load push with credentials):
 * `config` is a Docker config JSON (image/push.ts's dockerConfigJson). Owned, deleted, like
 * renderSecret's.
 */
export function renderPullSecret(
  name: string,
  namespace: string,
  config: string,
  labels = {},
  owners: Array<{ name: string; uid: string }> = []
): KubeObject {
  return {
    ...renderSecret(name, namespace, { '.dockerconfigjson': config }, labels, owners),
    type: 'kubernetes.io/dockerconfigjson'
  } as KubeObject
}

/** A created Job as an owner for renderSecret; undefined until the API server gave it a uid. */
export function jobOwner(job: {
  metadata?: { name?: string; uid?: string }
}): { name: string; uid: string } | undefined {
  const { name, uid } = job.metadata ?? {}
  return name && uid ? { name, uid } : undefined
}

/** A DNS-1123 Job name from a prefix and a unique suffix, at most 63 characters. */
export function jobName(prefix: string, unique: string): string {
  const clean = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
  const suffix = clean(unique).slice(0, 20)
  return `${clean(prefix).slice(0, 62 - suffix.length)}-${suffix}`.replace(/-+/g, '-')
}
