/**
 * What the inputs become: one typed group per stage, so a stage takes its group and not every
 * input. A leaf module: stages import these types, and nothing here imports a stage.
 */
import type { JobObject } from '../k8s/types.js'

export type ClusterMode = 'kind' | 'existing'
export type ImageLoad =
  | { mode: 'kind' }
  | { mode: 'none' }
  /** A shell command; `{image}` is replaced by a quoted reference to the built image. */
  | { mode: 'command'; command: string }
  /** Pushed to `registry` and pulled by the cluster, by digest (ImageInputs.registry is set). */
  | { mode: 'push' }

/** Where image-load `push` pushes the test image, and how the cluster pulls it back. */
export interface Registry {
  /** The repository prefix the image is pushed under: `ghcr.io/acme`, `10.200.0.1:5000/tests`. */
  prefix: string
  /** Its host[:port], which docker login and the pull Secret name; `docker.io` for Docker Hub. */
  host: string
  /** For docker login and the pull Secret (kubernetes.io/dockerconfigjson); the password is masked. */
  credentials?: { username: string; password: string }
}

/** Whether the action installs ArgoCD: `auto` installs it when an Application is deployed and the
 * cluster does not serve ArgoCD's Application type yet, so an existing installation is used as is;
 * `true` installs it, but refuses to overwrite an installation it did not make; `force` does. */
export type ArgocdInstall = 'auto' | 'true' | 'false' | 'force'

export interface ArgocdInputs {
  install: ArgocdInstall
  version: string
  /** A path or https URL replacing the pinned core-install manifest of `version`. */
  manifest?: string
  image?: string
  redisImage?: string
}

/**
 * What ArgoCD logs in to the built-in Application's repository with: a repository Secret made
 * from it is created before the Application and deleted at the end of the run. The password is a
 * secret (masked and redacted like the other secret inputs).
 */
export interface RepoCredentials {
  username: string
  password: string
  /** Where the password comes from: the input, or the workflow's token for this repository. */
  from: 'app-repo-password' | 'github-token'
}

export interface ApplicationInputs {
  /** An Application manifest given by the user; otherwise the template is rendered. */
  file?: string
  repo?: string
  /** Set for the built-in Application of a repository that needs them (never with `file`). */
  credentials?: RepoCredentials
  path?: string
  /** The revision to deploy and to wait for; undefined means the commit checked out. */
  revision?: string
  /** Where the Application deploys to. */
  namespace: string
  /** spec.source.helm of the built-in Application; unset without helm inputs (or with `file`). */
  helm?: ApplicationHelm
}

/** What the built-in Application's spec.source.helm carries. */
export interface ApplicationHelm {
  /** Relative to the Application's path, as ArgoCD reads them. */
  valueFiles: string[]
  valuesObject?: Record<string, unknown>
}

/** How a chart in `manifests` is rendered: the values and the helm that renders it. */
export interface HelmInputs {
  /** Absolute paths in the workspace, in the order given (later ones win). */
  valueFiles: string[]
  /** Inline values, over the files. */
  values?: Record<string, unknown>
  version: string
  /** A helm on the runner to use instead of installing `version`. */
  path?: string
}

import type { DeploySecret } from '../secrets/parse.js'
export type { DeploySecret }

export interface ClusterInputs {
  mode: ClusterMode
  kubeconfig?: string
  kindVersion: string
  kubectlVersion: string
  /** kind-path: the runner's own kind (a command name or an absolute path) instead of a download. */
  kindPath?: string
  /** kubectl-path: the same for kubectl, with either cluster mode. */
  kubectlPath?: string
  kindConfig?: string
  nodeImage?: string
  name: string
  keepCluster: boolean
  exportLogs?: string
}

export interface ImageInputs {
  dockerfile: string
  context: string
  buildArgs: Record<string, string>
  /** BuildKit secrets of the build, by id (masked; never in argv, a layer or a log). */
  buildSecrets: Record<string, string>
  /** Repository of the test image; the tag comes from the build's content. */
  repository: string
  /** Set when `image` carries a tag or digest: the image is used as it is, nothing is built. */
  prebuilt?: string
  /** Set to compile the tests on the runner and pack them without Docker (instead of dockerfile). */
  goPackage?: { pkg: string; coverFlags: string[]; buildFlags: string[] }
  load: ImageLoad
  /** Set exactly when `load` is `push`. */
  registry?: Registry
}

export interface DeployInputs {
  loadImages: string[]
  manifests: string[]
  /** Secrets the deployed service needs, created (masked) before anything is deployed. */
  secrets: DeploySecret[]
  argocd: ArgocdInputs
  /** Set when an ArgoCD Application deploys the service (`application` or `app-path`). */
  application?: ApplicationInputs
  helm: HelmInputs
  timeoutSeconds: number
}

export interface JobInputs {
  /** The user's job-template, parsed and checked when the inputs are read. */
  template?: { path: string; job: JobObject }
  testArgs: string[]
  env: Record<string, string>
  secretEnv: Record<string, string>
  envFromSecrets: string[]
  memoryLimit?: string
  cpuLimit?: string
  timeoutSeconds: number
  /** Parallel Jobs the tests are split over (1: one Job, no listing). */
  shards: number
  /** `jobs`: a Job per shard; `indexed`: one Indexed Job whose image picks its shard. */
  shardMode: 'jobs' | 'indexed'
  /** A results.json of an earlier run, whose test durations balance the shards. */
  previousResults?: string
  /** How many times the failed tests run again, alone, while some still fail (0: never). */
  rerunFailed: number
}

export interface ReportInputs {
  failOnTestFailure: boolean
  /** False: a run whose only failures are flaky tests passes (with a warning). Unset, it is true
   * without rerun-failed and false with it: asking for reruns is asking that a pass on rerun pass. */
  failOnFlaky: boolean
  /** Collect the service's logs and state when a run does not pass. */
  serviceLogs: boolean
  minCoverage?: number
  commentOnPr: boolean
  githubToken: string
  /** The artifact the post step uploads output-dir and the exported diagnostics as; unset: none. */
  uploadArtifact?: string
}

/** Every input, by the stage that uses it; what several stages share is at the top. */
export interface Inputs {
  /** Where the tests run, and where the deploy creates its Secrets unless told otherwise. */
  namespace: string
  /** How long a pod may wait on an image, a Secret or the scheduler before we give up on it. */
  stuckTimeoutSeconds: number
  outputDir: string
  /** For what the run needs on disk but nobody should upload: image archives, the test binary. */
  workDir: string
  workspace: string
  cluster: ClusterInputs
  image: ImageInputs
  deploy: DeployInputs
  job: JobInputs
  report: ReportInputs
}
