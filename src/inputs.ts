/**
 * The one place where inputs are read, validated and typed. Everything after this module works
 * with `Inputs` and never looks at `core.getInput` or `process.env`, so the same pipeline runs
 * under GitHub Actions (INPUT_* variables) and from the CLI (flags).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { parse as parseYaml } from 'yaml'
import { parseJobTemplate } from './job/render.js'

export type ClusterMode = 'kind' | 'existing'
export type ImageLoad =
  | { mode: 'kind' }
  | { mode: 'none' }
  /** A shell command; `{image}` is replaced by a quoted reference to the built image. */
  | { mode: 'command'; command: string }

/** Whether the action installs ArgoCD: `auto` installs it when an Application is deployed and the
 * cluster does not serve ArgoCD's Application type yet, so an existing installation is used as is. */
export type ArgocdInstall = 'auto' | 'true' | 'false'

export interface ArgocdInputs {
  install: ArgocdInstall
  version: string
  /** A path or https URL replacing the pinned core-install manifest of `version`. */
  manifest?: string
  image?: string
  redisImage?: string
}

export interface ApplicationInputs {
  /** An Application manifest given by the user; otherwise the template is rendered. */
  file?: string
  repo?: string
  path?: string
  /** The revision to deploy and to wait for; undefined means the commit checked out. */
  revision?: string
  /** Where the Application deploys to. */
  namespace: string
}

export interface Inputs {
  cluster: ClusterMode
  kubeconfig?: string
  kindVersion: string
  kubectlVersion: string
  kindConfig?: string
  nodeImage?: string
  clusterName: string
  namespace: string
  dockerfile: string
  context: string
  buildArgs: Record<string, string>
  /** Repository of the test image; the tag comes from the build's content. */
  imageRepository: string
  /** Set when `image` carries a tag or digest: the image is used as it is, nothing is built. */
  prebuiltImage?: string
  imageLoad: ImageLoad
  jobTemplate?: string
  testArgs: string[]
  env: Record<string, string>
  secretEnv: Record<string, string>
  envFromSecrets: string[]
  memoryLimit?: string
  cpuLimit?: string
  timeoutSeconds: number
  /** How long a pod may wait on an image, a Secret or the scheduler before we give up on it. */
  stuckTimeoutSeconds: number
  /** Parallel Jobs the tests are split over (1: one Job, no listing). */
  shards: number
  /** `jobs`: a Job per shard; `indexed`: one Indexed Job whose image picks its shard. */
  shardMode: 'jobs' | 'indexed'
  /** A results.json of an earlier run, whose test durations balance the shards. */
  previousResults?: string
  loadImages: string[]
  manifests: string[]
  /** Secrets the deployed service needs, created (masked) before anything is deployed. */
  deploySecrets: Array<{ name: string; namespace?: string; data: Record<string, string> }>
  argocd: ArgocdInputs
  /** Set when an ArgoCD Application deploys the service (`application` or `app-path`). */
  application?: ApplicationInputs
  deployTimeoutSeconds: number
  keepCluster: boolean
  exportLogs?: string
  failOnTestFailure: boolean
  minCoverage?: number
  commentOnPr: boolean
  githubToken: string
  outputDir: string
  workspace: string
}

/** Where raw input values come from: `core.getInput` in the action, parsed flags in the CLI. */
export type InputSource = (name: string) => string

/** The parts of the process environment the pipeline needs, read once here. */
export interface Environment {
  workspace: string
  runnerTemp?: string
  /** True when running as a GitHub Action (the runner sets GITHUB_ACTIONS=true). */
  inActions: boolean
  /** The commit under test (GITHUB_SHA). */
  sha?: string
  /** The repository's clone URL on GitHub, from GITHUB_SERVER_URL and GITHUB_REPOSITORY. */
  repositoryUrl?: string
}

export class InputError extends Error {
  constructor(
    readonly input: string,
    message: string
  ) {
    super(`Input '${input}': ${message}`)
    this.name = 'InputError'
  }
}

/** Every input of action.yml; the CLI accepts each as a --flag. Kept equal to action.yml by a test. */
export const INPUT_NAMES = [
  'cluster',
  'kubeconfig',
  'kind-version',
  'kubectl-version',
  'kind-config',
  'node-image',
  'cluster-name',
  'namespace',
  'load-images',
  'manifests',
  'deploy-secrets',
  'argocd',
  'argocd-version',
  'argocd-manifest',
  'argocd-image',
  'argocd-redis-image',
  'application',
  'app-repo',
  'app-path',
  'app-revision',
  'app-namespace',
  'deploy-timeout',
  'dockerfile',
  'context',
  'build-args',
  'image',
  'image-load',
  'job-template',
  'test-args',
  'env',
  'secret-env',
  'env-from-secrets',
  'memory-limit',
  'cpu-limit',
  'timeout',
  'stuck-timeout',
  'shards',
  'shard-mode',
  'previous-results',
  'fail-on-test-failure',
  'min-coverage',
  'comment-on-pr',
  'github-token',
  'output-dir',
  'keep-cluster',
  'export-logs'
] as const

export const DEFAULTS = {
  cluster: 'kind',
  'kind-version': 'v0.32.0',
  'kubectl-version': 'v1.35.5',
  'cluster-name': 'in-cluster-test',
  namespace: 'in-cluster-test',
  dockerfile: 'Dockerfile.test',
  context: '.',
  image: 'in-cluster-test/tests',
  'image-load': 'kind',
  'test-args': '-test.v',
  timeout: '15m',
  'stuck-timeout': '1m',
  shards: '1',
  'shard-mode': 'jobs',
  'deploy-timeout': '5m',
  argocd: 'auto',
  'argocd-version': 'v3.2.11',
  'keep-cluster': 'false',
  'fail-on-test-failure': 'true',
  'comment-on-pr': 'false'
} as const

/** Reads the environment the pipeline depends on. The only `process.env` access in src/. */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env): Environment {
  return {
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    runnerTemp: env.RUNNER_TEMP || undefined,
    inActions: env.GITHUB_ACTIONS === 'true',
    sha: env.GITHUB_SHA || undefined,
    repositoryUrl:
      env.GITHUB_REPOSITORY && env.GITHUB_SERVER_URL
        ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}.git`
        : undefined
  }
}

/**
 * Reads and validates every input. Throws one InputError naming the first bad input, before any
 * cluster work starts. Paths are resolved against the workspace and checked to exist.
 */
export function getInputs(source: InputSource, environment: Environment): Inputs {
  const raw = (name: string): string => {
    const value = source(name).trim()
    if (value !== '') return value
    return (DEFAULTS as Record<string, string>)[name] ?? ''
  }
  const ws = environment.workspace
  const resolve = (p: string): string => path.resolve(ws, p)

  const cluster = oneOf('cluster', raw('cluster'), ['kind', 'existing'] as const)

  let kubeconfig: string | undefined
  if (raw('kubeconfig')) {
    kubeconfig = resolve(expandHome(raw('kubeconfig')))
    mustBeFile('kubeconfig', kubeconfig, 'a kubeconfig file')
  } else if (cluster === 'existing') {
    throw new InputError(
      'kubeconfig',
      "is required when cluster is 'existing': give the path of a kubeconfig file for the cluster"
    )
  }

  const kindConfig = raw('kind-config') ? resolve(raw('kind-config')) : undefined
  if (kindConfig) mustBeFile('kind-config', kindConfig, 'a kind cluster configuration')

  const image = raw('image')
  const { repository, prebuilt } = parseImage(image)

  const context = resolve(raw('context'))
  if (!prebuilt && !isDirectory(context)) {
    throw new InputError('context', `${context} is not a directory`)
  }
  // Relative to the context, where `docker build` looks for its Dockerfile by default.
  const dockerfile = path.resolve(context, raw('dockerfile'))
  if (!prebuilt) mustBeFile('dockerfile', dockerfile, 'a Dockerfile')

  const jobTemplate = raw('job-template') ? resolve(raw('job-template')) : undefined
  if (jobTemplate) {
    mustBeFile('job-template', jobTemplate, 'a Job template (YAML)')
    // Checked now, so a bad template fails before a cluster is made, not after.
    try {
      parseJobTemplate(fs.readFileSync(jobTemplate, 'utf8'), jobTemplate)
    } catch (e) {
      throw new InputError('job-template', (e as Error).message)
    }
  }

  const manifests = lines(raw('manifests')).map((m) => {
    const p = resolve(m)
    if (!fs.existsSync(p)) {
      throw new InputError(
        'manifests',
        `${p} does not exist: give files, folders or a kustomize directory`
      )
    }
    return p
  })

  const secretEnv = stringMap('secret-env', raw('secret-env'))
  const env = stringMap('env', raw('env'))
  for (const name of Object.keys(secretEnv)) {
    if (name in env) {
      throw new InputError('secret-env', `${name} is also set in 'env'; give each variable once`)
    }
  }

  const namespace = dnsLabel('namespace', raw('namespace'))
  const argocd = argocdInputs(raw, resolve)
  const application = applicationInputs(raw, resolve, environment, namespace)

  const minCoverage = raw('min-coverage')
    ? percentage('min-coverage', raw('min-coverage'))
    : undefined

  return {
    cluster,
    kubeconfig,
    kindVersion: version('kind-version', raw('kind-version')),
    kubectlVersion: version('kubectl-version', raw('kubectl-version')),
    kindConfig,
    nodeImage: raw('node-image') || undefined,
    clusterName: dnsLabel('cluster-name', raw('cluster-name')),
    namespace,
    dockerfile,
    context,
    buildArgs: stringMap('build-args', raw('build-args')),
    imageRepository: repository,
    prebuiltImage: prebuilt,
    imageLoad: imageLoad(raw('image-load')),
    jobTemplate,
    testArgs: argList('test-args', raw('test-args')),
    env,
    secretEnv,
    envFromSecrets: lines(raw('env-from-secrets')).map((s) => dnsSubdomain('env-from-secrets', s)),
    memoryLimit: raw('memory-limit') ? quantity('memory-limit', raw('memory-limit')) : undefined,
    cpuLimit: raw('cpu-limit') ? quantity('cpu-limit', raw('cpu-limit')) : undefined,
    timeoutSeconds: duration('timeout', raw('timeout')),
    stuckTimeoutSeconds: duration('stuck-timeout', raw('stuck-timeout')),
    shards: integer('shards', raw('shards'), 1, 64),
    shardMode: oneOf('shard-mode', raw('shard-mode'), ['jobs', 'indexed'] as const),
    previousResults: raw('previous-results') ? resolve(raw('previous-results')) : undefined,
    loadImages: lines(raw('load-images')).map((ref) => {
      parseImage(ref, 'load-images')
      return ref
    }),
    manifests,
    deploySecrets: deploySecrets(raw('deploy-secrets')),
    argocd,
    application,
    deployTimeoutSeconds: duration('deploy-timeout', raw('deploy-timeout')),
    keepCluster: bool('keep-cluster', raw('keep-cluster')),
    exportLogs: raw('export-logs') ? resolve(raw('export-logs')) : undefined,
    failOnTestFailure: bool('fail-on-test-failure', raw('fail-on-test-failure')),
    minCoverage,
    commentOnPr: bool('comment-on-pr', raw('comment-on-pr')),
    githubToken: raw('github-token'),
    outputDir: raw('output-dir')
      ? resolve(raw('output-dir'))
      : path.join(environment.runnerTemp ?? path.join(ws, '.in-cluster-test'), 'in-cluster-test'),
    workspace: ws
  }
}

/**
 * `name:` (or `namespace/name:`) then a map of keys to values, per Secret. Values are strings as
 * written; a nested map or list is refused, like in secret-env.
 */
function deploySecrets(value: string): Inputs['deploySecrets'] {
  if (value === '') return []
  let parsed: unknown
  try {
    parsed = parseYaml(value)
  } catch (e) {
    // The message of a YAML error can quote the text: never the values.
    throw new InputError('deploy-secrets', `is not valid YAML (${(e as Error).name})`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InputError(
      'deploy-secrets',
      'must be a YAML map of Secret names to maps of KEY: value'
    )
  }
  return Object.entries(parsed as Record<string, unknown>).map(([ref, data]) => {
    const [namespace, name] = ref.includes('/') ? ref.split('/', 2) : [undefined, ref]
    if (namespace !== undefined) dnsLabel('deploy-secrets', namespace)
    dnsSubdomain('deploy-secrets', name)
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw new InputError('deploy-secrets', `${ref} must be a map of KEY: value`)
    }
    const out: Record<string, string> = {}
    for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
      if (!/^[-._a-zA-Z0-9]+$/.test(k)) {
        throw new InputError('deploy-secrets', `'${k}' in ${ref} is not a valid Secret key`)
      }
      if (v !== null && typeof v === 'object') {
        throw new InputError('deploy-secrets', `the value of ${k} in ${ref} must be a string`)
      }
      out[k] = v === null || v === undefined ? '' : String(v)
    }
    return { name, namespace, data: out }
  })
}

function argocdInputs(raw: (n: string) => string, resolve: (p: string) => string): ArgocdInputs {
  let manifest: string | undefined
  const m = raw('argocd-manifest')
  if (/^https?:\/\//.test(m)) {
    if (!m.startsWith('https://')) {
      throw new InputError('argocd-manifest', `'${m}' must be an https URL or a file path`)
    }
    manifest = m
  } else if (m) {
    manifest = resolve(m)
    mustBeFile('argocd-manifest', manifest, 'an ArgoCD install manifest (YAML)')
  }
  const image = (input: string) => {
    const v = raw(input)
    if (!v) return undefined
    if (!parseImage(v, input).prebuilt)
      throw new InputError(input, `'${v}' needs a tag or digest: it is used as it is`)
    return v
  }
  return {
    install: oneOf('argocd', raw('argocd'), ['auto', 'true', 'false'] as const),
    version: version('argocd-version', raw('argocd-version')),
    manifest,
    image: image('argocd-image'),
    redisImage: image('argocd-redis-image')
  }
}

function applicationInputs(
  raw: (n: string) => string,
  resolve: (p: string) => string,
  environment: Environment,
  namespace: string
): ApplicationInputs | undefined {
  const file = raw('application') ? resolve(raw('application')) : undefined
  if (file) mustBeFile('application', file, 'an ArgoCD Application manifest (YAML)')
  const appPath = raw('app-path')
  if (!file && !appPath) {
    for (const input of ['app-repo', 'app-revision']) {
      if (raw(input)) {
        throw new InputError(input, "needs 'app-path' (or an 'application' manifest) to deploy")
      }
    }
    return undefined
  }
  if (file && appPath) {
    throw new InputError(
      'app-path',
      "is for the built-in Application template; it cannot be combined with 'application'"
    )
  }
  const repo = raw('app-repo') || (file ? undefined : environment.repositoryUrl)
  if (!file && !repo) {
    throw new InputError(
      'app-repo',
      'is required outside GitHub Actions: give the git URL ArgoCD should deploy from'
    )
  }
  const revision = raw('app-revision') || (file ? undefined : environment.sha)
  if (revision !== undefined && /\s/.test(revision)) {
    throw new InputError('app-revision', `'${revision}' is not a git revision`)
  }
  return {
    file,
    repo,
    path: appPath ? appPath.replace(/^\.?\/+/, '').replace(/\/+$/, '') || '.' : undefined,
    revision,
    namespace: raw('app-namespace') ? dnsLabel('app-namespace', raw('app-namespace')) : namespace
  }
}

function oneOf<T extends string>(input: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new InputError(input, `'${value}' is not one of: ${allowed.join(', ')}`)
}

function bool(input: string, value: string): boolean {
  // The same words core.getBooleanInput accepts (YAML 1.2 core schema), and nothing else.
  if (['true', 'True', 'TRUE'].includes(value)) return true
  if (['false', 'False', 'FALSE'].includes(value)) return false
  throw new InputError(input, `'${value}' is not a boolean: use true or false`)
}

const DURATION_PART = /(\d+(?:\.\d+)?)(h|m|s)/g

/** `90`, `90s`, `15m`, `1h30m` → seconds. */
export function parseDuration(value: string): number | undefined {
  if (/^\d+$/.test(value)) return Number(value)
  if (!/^(\d+(\.\d+)?(h|m|s))+$/.test(value)) return undefined
  let seconds = 0
  for (const [, n, unit] of value.matchAll(DURATION_PART)) {
    seconds += Number(n) * (unit === 'h' ? 3600 : unit === 'm' ? 60 : 1)
  }
  return Math.round(seconds)
}

function duration(input: string, value: string): number {
  const seconds = parseDuration(value)
  if (seconds === undefined || seconds <= 0) {
    throw new InputError(input, `'${value}' is not a duration: use e.g. 90s, 15m or 1h30m`)
  }
  return seconds
}

function integer(input: string, value: string, min: number, max: number): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new InputError(input, `'${value}' is not a whole number from ${min} to ${max}`)
  }
  return n
}

function percentage(input: string, value: string): number {
  const n = Number(value.replace(/%$/, ''))
  if (!Number.isFinite(n) || n < 0 || n > 100) {
    throw new InputError(input, `'${value}' is not a percentage between 0 and 100`)
  }
  return n
}

function version(input: string, value: string): string {
  if (!/^v\d+\.\d+\.\d+$/.test(value)) {
    throw new InputError(input, `'${value}' is not a release version like v1.2.3`)
  }
  return value
}

const QUANTITY = /^\d+(\.\d+)?(m|k|Ki|M|Mi|G|Gi|T|Ti|P|Pi|E|Ei)?$/

function quantity(input: string, value: string): string {
  if (!QUANTITY.test(value)) {
    throw new InputError(
      input,
      `'${value}' is not a Kubernetes quantity like 512Mi, 2Gi, 500m or 2`
    )
  }
  return value
}

function dnsLabel(input: string, value: string): string {
  if (value.length > 63 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value)) {
    throw new InputError(
      input,
      `'${value}' is not a valid name: lower-case letters, digits and '-', at most 63 characters`
    )
  }
  return value
}

function dnsSubdomain(input: string, value: string): string {
  if (value.length > 253 || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(value)) {
    throw new InputError(input, `'${value}' is not a valid Secret name`)
  }
  return value
}

// A Docker repository: optional registry host[:port], then lower-case path components.
const REPOSITORY =
  /^(?:(?:[a-zA-Z0-9-]+\.)*[a-zA-Z0-9-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/

function parseImage(value: string, input = 'image'): { repository: string; prebuilt?: string } {
  const [nameAndTag, digest] = value.split('@', 2)
  // A tag is a ':' after the last '/', so a registry port (localhost:5000/x) is not taken for one.
  const colon = nameAndTag.lastIndexOf(':')
  const hasTag = colon > nameAndTag.lastIndexOf('/')
  const repository = hasTag ? nameAndTag.slice(0, colon) : nameAndTag
  const tag = hasTag ? nameAndTag.slice(colon + 1) : undefined
  if (!REPOSITORY.test(repository)) {
    throw new InputError(
      input,
      `'${value}' is not a valid image repository like my-org/service-tests`
    )
  }
  if (tag !== undefined && !/^[\w][\w.-]{0,127}$/.test(tag)) {
    throw new InputError(input, `'${tag}' is not a valid image tag`)
  }
  if (digest !== undefined && !/^sha256:[a-f0-9]{64}$/.test(digest)) {
    throw new InputError(input, `'${digest}' is not a valid image digest (sha256:<64 hex>)`)
  }
  if (tag === 'latest') {
    throw new InputError(
      input,
      "':latest' is refused: the kubelet would try to pull it. Leave the tag out and the action tags the build by its content"
    )
  }
  const prebuilt = tag !== undefined || digest !== undefined
  return { repository, prebuilt: prebuilt ? value : undefined }
}

function imageLoad(value: string): ImageLoad {
  if (value === 'kind' || value === 'none') return { mode: value }
  if (!value.includes('{image}')) {
    throw new InputError(
      'image-load',
      `'${value}' is neither 'kind', 'none' nor a command containing {image} (e.g. docker save {image} | ctr -n k8s.io images import -)`
    )
  }
  return { mode: 'command', command: value }
}

function lines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/

/** A YAML map of scalar values (`KEY: value`), or `KEY=value` lines. Values become strings. */
function stringMap(input: string, value: string): Record<string, string> {
  if (value === '') return {}
  let parsed: unknown
  const looksLikeAssignments = lines(value).every((l) => /^[^:=\s]+=/.test(l))
  if (looksLikeAssignments) {
    parsed = Object.fromEntries(
      lines(value).map((l) => {
        const i = l.indexOf('=')
        return [l.slice(0, i), l.slice(i + 1)]
      })
    )
  } else {
    try {
      parsed = parseYaml(value)
    } catch (e) {
      throw new InputError(input, `is not valid YAML: ${(e as Error).message.split('\n')[0]}`)
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InputError(input, 'must be a YAML map of NAME: value (or NAME=value lines)')
  }
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (!ENV_NAME.test(k)) {
      throw new InputError(input, `'${k}' is not a valid variable name`)
    }
    if (v !== null && typeof v === 'object') {
      throw new InputError(
        input,
        `the value of ${k} must be a string, number or boolean, not a ${Array.isArray(v) ? 'list' : 'map'}`
      )
    }
    out[k] = v === null || v === undefined ? '' : String(v)
  }
  return out
}

/** A YAML list of strings, or words separated by white space (quotes are not interpreted). */
function argList(input: string, value: string): string[] {
  const trimmed = value.trim()
  if (trimmed.startsWith('[') || trimmed.startsWith('- ')) {
    let parsed: unknown
    try {
      parsed = parseYaml(trimmed)
    } catch (e) {
      throw new InputError(
        input,
        `is not a valid YAML list: ${(e as Error).message.split('\n')[0]}`
      )
    }
    if (!Array.isArray(parsed) || parsed.some((a) => a !== null && typeof a === 'object')) {
      throw new InputError(input, 'must be a list of strings')
    }
    return parsed.map((a) => String(a))
  }
  return trimmed.split(/\s+/).filter((a) => a !== '')
}

function expandHome(p: string): string {
  return p.startsWith('~/') ? path.join(process.env.HOME ?? '', p.slice(2)) : p
}

function mustBeFile(input: string, p: string, what: string): void {
  if (!fs.statSync(p, { throwIfNoEntry: false })?.isFile())
    throw new InputError(input, `${p} is not a file: it should be ${what}`)
}

function isDirectory(p: string): boolean {
  return fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false
}
