/**
 * The one place where inputs are read, validated and typed. Everything after this module works
 * with `Inputs` and never looks at `core.getInput` or `process.env`, so the same pipeline runs
 * under GitHub Actions (INPUT_* variables) and from the CLI (flags). Each input is parsed by its
 * row of the table (table.ts); the checks that span several inputs are made here, per group.
 */
import * as path from 'node:path'
import { InputError, isChart, isDirectory, mustBeFile } from './parse.js'
import {
  DEFAULTS,
  INPUT_NAMES,
  INPUTS,
  type Environment,
  type InputDef,
  type InputName,
  type InputValues,
  type ParseContext
} from './table.js'
import type {
  ApplicationHelm,
  ApplicationInputs,
  HelmInputs,
  Inputs,
  Registry,
  RepoCredentials
} from './types.js'

export * from './types.js'
export { InputError, parseDuration } from './parse.js'
export { DEFAULTS, INPUT_NAMES, type Environment, type InputName } from './table.js'

/** Where raw input values come from: `core.getInput` in the action, parsed flags in the CLI. */
export type InputSource = (name: string) => string

/** What getInputs tells of secrets: secrets/secrets.ts's SecretValues. */
export interface SecretSink {
  addRawInput(text: string): unknown
  add(values: Iterable<string>): unknown
}

/** `user:password` in base64: the `auth` of a Docker config, which a pull Secret holds. */
export function basicAuth(c: { username: string; password: string }): string {
  return Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')
}

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
export function getInputs(
  source: InputSource,
  environment: Environment,
  /** Told the secret inputs' raw text (masked before parsing) and then their values. */
  secrets?: SecretSink
): Inputs {
  for (const name of ['secret-env', 'deploy-secrets', 'build-secrets'] as const)
    secrets?.addRawInput(source(name))
  // The passwords, each one value masked whole before anything is parsed, so no error message
  // can show them.
  secrets?.add(
    [source('registry-password'), source('app-repo-password').trim()].filter((v) => v !== '')
  )
  const raw = (name: InputName): string => {
    const value = (INPUTS[name] as InputDef<unknown>).untrimmed ? source(name) : source(name).trim()
    return value.trim() === '' ? (DEFAULTS[name] ?? '') : value
  }
  const ctx: ParseContext = {
    environment,
    resolve: (p) => path.resolve(environment.workspace, p)
  }
  const v = {} as Record<InputName, unknown>
  for (const name of INPUT_NAMES)
    v[name] = (INPUTS[name] as InputDef<unknown>).parse(raw(name), ctx, name)
  const values = v as InputValues

  const { dockerfile, goPackage, load } = checkCombinations(values)
  const { repository, prebuilt } = values.image
  const registry = registryOf(values)
  const credentials = registry?.credentials
  const app = application(values, environment)
  checkHelm(values, app, environment)
  secrets?.add([
    ...Object.values(values['secret-env']),
    ...Object.values(values['build-secrets']),
    ...values['deploy-secrets'].flatMap((s) => Object.values(s.data)),
    // What the pull Secret holds: base64 of user:password, as good as the password.
    ...(credentials ? [credentials.password, basicAuth(credentials)] : []),
    // The workflow's token too when ArgoCD logs in with it: the runner masks it in the log, but
    // only our redactor keeps it out of the files the run writes.
    ...(app?.credentials ? [app.credentials.password] : [])
  ])

  return {
    namespace: values.namespace,
    stuckTimeoutSeconds: values['stuck-timeout'],
    outputDir: values['output-dir'],
    workDir: path.join(
      environment.runnerTemp ?? path.join(environment.workspace, '.in-cluster-test'),
      'in-cluster-test-work'
    ),
    workspace: environment.workspace,
    cluster: clusterInputs(values),
    image: {
      dockerfile,
      context: values.context,
      buildArgs: values['build-args'],
      buildSecrets: values['build-secrets'],
      repository,
      prebuilt,
      goPackage: goPackage
        ? {
            pkg: goPackage,
            coverFlags: values['go-cover-flags'],
            buildFlags: values['go-build-flags']
          }
        : undefined,
      load,
      registry
    },
    deploy: {
      loadImages: values['load-images'],
      manifests: values.manifests,
      secrets: values['deploy-secrets'],
      argocd: {
        install: values.argocd,
        version: values['argocd-version'],
        manifest: values['argocd-manifest'],
        image: values['argocd-image'],
        redisImage: values['argocd-redis-image']
      },
      application: app,
      helm: helmInputs(values),
      timeoutSeconds: values['deploy-timeout']
    },
    job: {
      template: values['job-template'],
      testArgs: values['test-args'],
      env: values.env,
      secretEnv: values['secret-env'],
      envFromSecrets: values['env-from-secrets'],
      memoryLimit: values['memory-limit'],
      cpuLimit: values['cpu-limit'],
      timeoutSeconds: values.timeout,
      shards: values.shards,
      shardMode: values['shard-mode'],
      previousResults: values['previous-results'],
      rerunFailed: values['rerun-failed']
    },
    report: {
      failOnTestFailure: values['fail-on-test-failure'],
      failOnFlaky: values['fail-on-flaky'] ?? values['rerun-failed'] === 0,
      serviceLogs: values['service-logs'],
      minCoverage: values['min-coverage'],
      commentOnPr: values['comment-on-pr'],
      githubToken: values['github-token'],
      uploadArtifact: values['upload-artifact']
    }
  }
}

function clusterInputs(values: InputValues): Inputs['cluster'] {
  return {
    mode: values.cluster,
    kubeconfig: values.kubeconfig,
    kindVersion: values['kind-version'],
    kubectlVersion: values['kubectl-version'],
    kindPath: values['kind-path'],
    kubectlPath: values['kubectl-path'],
    kindConfig: values['kind-config'],
    nodeImage: values['node-image'],
    name: values['cluster-name'],
    keepCluster: values['keep-cluster'],
    exportLogs: values['export-logs']
  }
}

/** The checks that span several inputs; the values they derive. */
function checkCombinations(values: InputValues) {
  if (values.cluster === 'existing' && !values.kubeconfig)
    throw new InputError(
      'kubeconfig',
      "is required when cluster is 'existing': give the path of a kubeconfig file for the cluster"
    )

  const { prebuilt } = values.image
  const goPackage = values['go-package']
  if (!prebuilt && !isDirectory(values.context))
    throw new InputError('context', `${values.context} is not a directory`)
  // Relative to the context, where `docker build` looks for its Dockerfile by default.
  const dockerfile = path.resolve(values.context, values.dockerfile)
  if (!prebuilt && !goPackage) mustBeFile('dockerfile', dockerfile, 'a Dockerfile')
  if (goPackage && prebuilt)
    throw new InputError('go-package', `cannot be combined with a prebuilt image (${prebuilt})`)
  const load = values['image-load']
  if (load.mode === 'command' && !load.command.includes('{image}') && !goPackage)
    throw new InputError('image-load', '{archive} is only given with go-package: use {image}')
  if (goPackage && load.mode === 'none')
    throw new InputError(
      'image-load',
      "'none' cannot work with go-package: its image is a file no registry has. Use 'kind' or a command with {archive}"
    )

  checkRegistry(values)

  for (const name of Object.keys(values['secret-env'])) {
    if (name in values.env)
      throw new InputError('secret-env', `${name} is also set in 'env'; give each variable once`)
  }
  return { dockerfile, goPackage, load }
}

/**
 * How the image reaches an existing cluster, checked before any work: kind cannot load into it,
 * `push` needs a registry, and registry inputs are refused where nothing would use them.
 */
function checkRegistry(values: InputValues): void {
  const load = values['image-load']
  const loadsSomething = !values.image.prebuilt || values['load-images'].length > 0
  if (values.cluster === 'existing' && load.mode === 'kind' && loadsSomething)
    throw new InputError(
      'image-load',
      "'kind' only loads into a kind cluster: with cluster 'existing' set image-load: push and registry (e.g. ghcr.io/acme), or an image-load command"
    )
  if (load.mode === 'push' && !values.registry)
    throw new InputError(
      'registry',
      "is required with image-load 'push': give the repository prefix to push the test image under (e.g. ghcr.io/acme or 10.200.0.1:5000/tests)"
    )
  if (load.mode !== 'push') {
    for (const name of ['registry', 'registry-username', 'registry-password'] as const)
      if (values[name])
        throw new InputError(
          name,
          `is only used with image-load 'push': set image-load: push, or leave ${name} empty`
        )
  }
  if (load.mode === 'push' && values['load-images'].length > 0)
    throw new InputError(
      'load-images',
      "cannot be used with image-load 'push': the manifests name those images as they are. Push them to a registry the cluster can pull from and leave load-images empty"
    )
  if (values['registry-password'] && !values['registry-username'])
    throw new InputError('registry-password', "needs 'registry-username' too")
  if (values['registry-username'] && !values['registry-password'])
    throw new InputError('registry-username', "needs 'registry-password' too")
}

/** The registry of image-load `push`, with its credentials when given (checked by checkRegistry). */
function registryOf(values: InputValues): Registry | undefined {
  if (values['image-load'].mode !== 'push' || !values.registry) return undefined
  const username = values['registry-username']
  const password = values['registry-password']
  return {
    ...values.registry,
    credentials: username && password ? { username, password } : undefined
  }
}

/** The Application to deploy: a user's manifest, or the built-in template at `app-path`. */
function application(v: InputValues, environment: Environment): ApplicationInputs | undefined {
  const file = v.application
  const appPath = v['app-path']
  if (!appPath) {
    for (const input of ['app-repo-username', 'app-repo-password'] as const) {
      if (v[input])
        throw new InputError(
          input,
          file
            ? "is for the built-in Application (app-path): an 'application' manifest's repositories need their own ArgoCD repository Secrets"
            : "needs 'app-path' to deploy"
        )
    }
  }
  if (!file && !appPath) {
    for (const input of ['app-repo', 'app-revision'] as const) {
      if (v[input])
        throw new InputError(input, "needs 'app-path' (or an 'application' manifest) to deploy")
    }
    return undefined
  }
  if (file && appPath) {
    throw new InputError(
      'app-path',
      "is for the built-in Application template; it cannot be combined with 'application'"
    )
  }
  const repo = v['app-repo'] || (file ? undefined : environment.repositoryUrl)
  if (!file && !repo) {
    throw new InputError(
      'app-repo',
      'is required outside GitHub Actions: give the git URL ArgoCD should deploy from'
    )
  }
  return {
    file,
    repo,
    credentials: file ? undefined : repoCredentials(v, repo ?? '', environment),
    path: appPath ? appPath.replace(/^\.?\/+/, '').replace(/\/+$/, '') || '.' : undefined,
    revision: v['app-revision'] || (file ? undefined : environment.sha),
    namespace: v['app-namespace'] ?? v.namespace
  }
}

function helmInputs(v: InputValues): HelmInputs {
  return {
    valueFiles: v['helm-value-files'],
    values: v['helm-values'],
    version: v['helm-version'],
    path: v['helm-path']
  }
}

/**
 * Where the helm inputs go: a chart in `manifests` and the built-in Application. A user's
 * `application` is applied as it is (its spec.source.helm is the user's), so values given only
 * for it would be silently ignored: refused instead. Value files the action renders with itself,
 * or that the default app-repo (this repository) holds, must exist in the workspace now.
 */
function checkHelm(
  v: InputValues,
  app: ApplicationInputs | undefined,
  environment: Environment
): void {
  const files = v['helm-value-files']
  const given = (['helm-value-files', 'helm-values'] as const).filter((n) =>
    n === 'helm-values' ? v[n] !== undefined : v[n].length > 0
  )
  if (given.length === 0) return
  const chartHere = v.manifests.some(isChart)
  const builtIn = app !== undefined && !app.file
  if (!chartHere && !builtIn)
    throw new InputError(
      given[0],
      app?.file
        ? "is for a chart in 'manifests' or the built-in Application (app-path): an 'application' manifest is applied as it is, so set its spec.source.helm there"
        : "needs a chart to render: a folder with Chart.yaml in 'manifests', or app-path"
    )
  if (chartHere || (builtIn && !v['app-repo']))
    for (const f of files) mustBeFile('helm-value-files', f, 'a Helm values file')
  if (builtIn && app) app.helm = applicationHelm(v, app.path ?? '.', environment)
}

/** Value files relative to the Application's path (how ArgoCD reads them), with the inline values. */
function applicationHelm(
  v: InputValues,
  appPath: string,
  environment: Environment
): ApplicationHelm {
  const valueFiles = v['helm-value-files'].map((f) => {
    const inRepo = path.relative(environment.workspace, f).split(path.sep).join('/')
    if (inRepo.startsWith('../') || path.isAbsolute(inRepo))
      throw new InputError(
        'helm-value-files',
        `${f} is outside the repository: give paths from the repository root for ArgoCD to read in app-repo`
      )
    return path.posix.relative(appPath, inRepo)
  })
  return { valueFiles, valuesObject: v['helm-values'] }
}

/** The user name ArgoCD gives with a token (GitHub accepts any name; this is the one it documents). */
export const TOKEN_USERNAME = 'x-access-token'

/**
 * ArgoCD's credentials for the built-in Application's repository: app-repo-password when given;
 * otherwise the workflow's token when the repository is this one (the default app-repo), which
 * needs `contents: read`. A public repository needs none, but a token does no harm there.
 */
function repoCredentials(
  v: InputValues,
  repo: string,
  environment: Environment
): RepoCredentials | undefined {
  const username = v['app-repo-username']
  const password = v['app-repo-password']
  if (username && !password)
    throw new InputError('app-repo-username', "needs 'app-repo-password' (a password or token)")
  if (password) return { username: username || TOKEN_USERNAME, password, from: 'app-repo-password' }
  const token = v['github-token']
  if (token && environment.repositoryUrl && sameRepository(repo, environment.repositoryUrl))
    return { username: TOKEN_USERNAME, password: token, from: 'github-token' }
  return undefined
}

/** The same repository URL, up to case, a trailing slash and `.git`. */
function sameRepository(a: string, b: string): boolean {
  const norm = (u: string) =>
    u
      .trim()
      .toLowerCase()
      .replace(/\/+$/, '')
      .replace(/\.git$/, '')
  return norm(a) === norm(b)
}
