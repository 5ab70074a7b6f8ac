/**
 * Every input of the action in one table: its name, the stage group it belongs to, its default
 * and its parser. INPUT_NAMES, DEFAULTS, the CLI's flags and getInputs derive from it, and a unit
 * test holds it equal to action.yml (names and defaults), from which the README's table is made.
 * A new input is one row here, one in action.yml, and a field in its group (types.ts).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { parseDeploySecrets, parseSecretEnv, SecretInputError } from '../secrets/parse.js'
import {
  argList,
  artifactName,
  bool,
  dnsLabel,
  dnsSubdomain,
  duration,
  expandHome,
  helmValues,
  imageLoad,
  InputError,
  integer,
  lines,
  mustBeFile,
  oneOf,
  parseImage,
  percentage,
  quantity,
  parseJobTemplateFile,
  registryPrefix,
  stringMap,
  toolPath,
  version
} from './parse.js'

/** The parts of the process environment the inputs depend on. */
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

export type Group = 'run' | 'cluster' | 'image' | 'deploy' | 'job' | 'report'

export interface ParseContext {
  environment: Environment
  /** A path as given, made absolute against the workspace. */
  resolve(p: string): string
}

export interface InputDef<T> {
  group: Group
  /** As in action.yml; undefined where action.yml has none (or an expression the runner fills). */
  default?: string
  /** The raw value (the default when empty, else '') to its typed value; throws InputError. */
  parse(value: string, ctx: ParseContext, name: string): T
  /** Given as written, not trimmed: indentation is part of the value (secret blocks). */
  untrimmed?: boolean
}

// Small parser builders, so most rows are one line.
const text = (v: string) => v
const optional =
  <T>(p: (v: string, c: ParseContext, n: string) => T) =>
  (v: string, c: ParseContext, n: string): T | undefined =>
    v === '' ? undefined : p(v, c, n)
const enumOf =
  <T extends string>(allowed: readonly T[]) =>
  (v: string, _c: ParseContext, n: string) =>
    oneOf(n, v, allowed)
const file = (what: string) => (v: string, c: ParseContext, n: string) => {
  const p = c.resolve(expandHome(v))
  mustBeFile(n, p, what)
  return p
}
const resolved = (v: string, c: ParseContext) => c.resolve(v)
const seconds = (v: string, _c: ParseContext, n: string) => duration(n, v)
const boolean = (v: string, _c: ParseContext, n: string) => bool(n, v)
const map = (v: string, _c: ParseContext, n: string) => stringMap(n, v)
const args = (v: string, _c: ParseContext, n: string) => argList(n, v)
const releaseVersion = (v: string, _c: ParseContext, n: string) => version(n, v)
const binary = (v: string, c: ParseContext, n: string) => toolPath(n, v, c.resolve)
const label = (v: string, _c: ParseContext, n: string) => dnsLabel(n, v)
const k8sQuantity = (v: string, _c: ParseContext, n: string) => quantity(n, v)
/** An image used as it is: it must carry a tag or digest. */
const pinnedImage = (v: string, _c: ParseContext, n: string) => {
  if (!parseImage(v, n).prebuilt)
    throw new InputError(n, `'${v}' needs a tag or digest: it is used as it is`)
  return v
}

export const INPUTS = {
  cluster: { group: 'cluster', default: 'kind', parse: enumOf(['kind', 'existing'] as const) },
  kubeconfig: { group: 'cluster', parse: optional(file('a kubeconfig file')) },
  'kind-version': { group: 'cluster', default: 'v0.32.0', parse: releaseVersion },
  'kubectl-version': { group: 'cluster', default: 'v1.35.5', parse: releaseVersion },
  'kind-path': { group: 'cluster', parse: optional(binary) },
  'kubectl-path': { group: 'cluster', parse: optional(binary) },
  'kind-config': { group: 'cluster', parse: optional(file('a kind cluster configuration')) },
  'node-image': { group: 'cluster', parse: optional(text) },
  'cluster-name': { group: 'cluster', default: 'in-cluster-test', parse: label },
  namespace: { group: 'run', default: 'in-cluster-test', parse: label },
  'load-images': {
    group: 'deploy',
    parse: (v: string, _c: ParseContext, n: string) =>
      lines(v).map((ref) => (parseImage(ref, n), ref))
  },
  manifests: {
    group: 'deploy',
    parse: (v: string, c: ParseContext, n: string) => lines(v).map((m) => existing(n, c.resolve(m)))
  },
  'deploy-secrets': {
    group: 'deploy',
    untrimmed: true,
    parse: (v: string, _c: ParseContext, n: string) => secretInput(() => parseDeploySecrets(v, n))
  },
  argocd: {
    group: 'deploy',
    default: 'auto',
    parse: enumOf(['auto', 'true', 'false', 'force'] as const)
  },
  'argocd-version': { group: 'deploy', default: 'v3.2.11', parse: releaseVersion },
  'argocd-manifest': { group: 'deploy', parse: optional(manifestSource) },
  'argocd-image': { group: 'deploy', parse: optional(pinnedImage) },
  'argocd-redis-image': { group: 'deploy', parse: optional(pinnedImage) },
  application: {
    group: 'deploy',
    parse: optional(file('an ArgoCD Application manifest (YAML)'))
  },
  'app-repo': { group: 'deploy', parse: optional(text) },
  'app-repo-username': { group: 'deploy', parse: optional(text) },
  // Masked before any input is parsed (getInputs); never logged nor written.
  'app-repo-password': { group: 'deploy', parse: optional(text) },
  'app-path': { group: 'deploy', parse: optional(text) },
  'app-revision': {
    group: 'deploy',
    parse: optional((v: string, _c: ParseContext, n: string) => {
      if (/\s/.test(v)) throw new InputError(n, `'${v}' is not a git revision`)
      return v
    })
  },
  'app-namespace': { group: 'deploy', parse: optional(label) },
  // Checked to exist where the action renders the chart itself (inputs/index.ts): in app-repo
  // they are ArgoCD's to read.
  'helm-value-files': {
    group: 'deploy',
    parse: (v: string, c: ParseContext) => lines(v).map((f) => c.resolve(f))
  },
  'helm-values': {
    group: 'deploy',
    parse: optional((v: string, _c: ParseContext, n: string) => helmValues(n, v))
  },
  'helm-version': { group: 'deploy', default: 'v3.18.4', parse: releaseVersion },
  'helm-path': { group: 'deploy', parse: optional(file('a helm binary')) },
  'deploy-timeout': { group: 'deploy', default: '5m', parse: seconds },
  dockerfile: { group: 'image', default: 'Dockerfile.test', parse: text },
  context: { group: 'image', default: '.', parse: resolved },
  'build-args': { group: 'image', parse: map },
  'build-secrets': {
    group: 'image',
    untrimmed: true,
    parse: (v: string, _c: ParseContext, n: string) => secretInput(() => parseSecretEnv(v, n))
  },
  'go-package': {
    group: 'image',
    parse: optional((v: string, _c: ParseContext, n: string) => {
      if (/\s/.test(v))
        throw new InputError(n, `'${v}' is not one Go package (e.g. ./tests/integration)`)
      return v
    })
  },
  'go-cover-flags': { group: 'image', default: '-covermode=atomic -coverpkg=./...', parse: args },
  'go-build-flags': { group: 'image', default: '-ldflags=-w -vet=off', parse: args },
  image: {
    group: 'image',
    default: 'in-cluster-test/tests',
    parse: (v: string, _c: ParseContext, n: string) => parseImage(v, n)
  },
  'image-load': { group: 'image', default: 'kind', parse: (v: string) => imageLoad(v) },
  registry: {
    group: 'image',
    parse: optional((v: string, _c: ParseContext, n: string) => registryPrefix(n, v))
  },
  'registry-username': { group: 'image', parse: optional(text) },
  // Masked by getInputs before anything could print it.
  'registry-password': { group: 'image', parse: optional(text) },
  'job-template': {
    group: 'job',
    parse: optional((v: string, c: ParseContext, n: string) =>
      parseJobTemplateFile(n, file('a Job template (YAML)')(v, c, n))
    )
  },
  'test-args': { group: 'job', default: '-test.v', parse: args },
  env: { group: 'job', parse: map },
  'secret-env': {
    group: 'job',
    untrimmed: true,
    parse: (v: string, _c: ParseContext, n: string) => secretInput(() => parseSecretEnv(v, n))
  },
  'env-from-secrets': {
    group: 'job',
    parse: (v: string, _c: ParseContext, n: string) => lines(v).map((s) => dnsSubdomain(n, s))
  },
  'memory-limit': { group: 'job', parse: optional(k8sQuantity) },
  'cpu-limit': { group: 'job', parse: optional(k8sQuantity) },
  timeout: { group: 'job', default: '15m', parse: seconds },
  'stuck-timeout': { group: 'run', default: '1m', parse: seconds },
  shards: {
    group: 'job',
    default: '1',
    parse: (v: string, _c: ParseContext, n: string) => integer(n, v, 1, 64)
  },
  'shard-mode': { group: 'job', default: 'jobs', parse: enumOf(['jobs', 'indexed'] as const) },
  'previous-results': { group: 'job', parse: optional(resolved) },
  'rerun-failed': {
    group: 'job',
    default: '0',
    parse: (v: string, _c: ParseContext, n: string) => integer(n, v, 0, 5)
  },
  'fail-on-test-failure': { group: 'report', default: 'true', parse: boolean },
  'fail-on-flaky': { group: 'report', parse: optional(boolean) },
  'service-logs': { group: 'report', default: 'true', parse: boolean },
  'min-coverage': {
    group: 'report',
    parse: optional((v: string, _c: ParseContext, n: string) => percentage(n, v))
  },
  'comment-on-pr': { group: 'report', default: 'false', parse: boolean },
  // action.yml's default is `${{ github.token }}`, which only the runner can fill in.
  'github-token': { group: 'report', parse: text },
  'output-dir': {
    group: 'run',
    parse: (v: string, c: ParseContext) =>
      v
        ? c.resolve(v)
        : path.join(
            c.environment.runnerTemp ?? path.join(c.environment.workspace, '.in-cluster-test'),
            'in-cluster-test'
          )
  },
  'keep-cluster': { group: 'cluster', default: 'false', parse: boolean },
  'export-logs': { group: 'cluster', parse: optional(resolved) },
  'upload-artifact': {
    group: 'report',
    parse: optional((v: string, _c: ParseContext, n: string) => artifactName(n, v))
  }
} satisfies Record<string, InputDef<unknown>>

export type InputName = keyof typeof INPUTS

/** The parsed value of every input, by name. */
export type InputValues = { [K in InputName]: ReturnType<(typeof INPUTS)[K]['parse']> }

/** Every input of action.yml, in its order; the CLI accepts each as a --flag. */
export const INPUT_NAMES = Object.keys(INPUTS) as InputName[]

export const DEFAULTS: Partial<Record<InputName, string>> = Object.fromEntries(
  Object.entries(INPUTS as Record<string, InputDef<unknown>>).flatMap(([name, d]) =>
    d.default === undefined ? [] : [[name, d.default]]
  )
)

/** Secret inputs are read byte-exact (secrets/parse.ts); their errors become InputErrors. */
function secretInput<T>(parse: () => T): T {
  try {
    return parse()
  } catch (e) {
    if (e instanceof SecretInputError) throw new InputError(e.input, e.detail)
    throw e
  }
}

function existing(input: string, p: string): string {
  if (!fs.existsSync(p))
    throw new InputError(
      input,
      `${p} does not exist: give files, folders, kustomize directories or Helm charts`
    )
  return p
}

function manifestSource(v: string, c: ParseContext, n: string): string {
  if (/^https?:\/\//.test(v)) {
    if (!v.startsWith('https://'))
      throw new InputError(n, `'${v}' must be an https URL or a file path`)
    return v
  }
  return file('an ArgoCD install manifest (YAML)')(v, c, n)
}
