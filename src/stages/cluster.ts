/**
 * Gets a cluster to test in: a kind cluster created (or reused) on the runner, or the user's
 * cluster from a kubeconfig. Records what the post step must clean up as soon as it exists.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { ClusterInputs } from '../inputs/types.js'
import type { Kube } from '../k8s/kube.js'
import type { StageTimer } from '../timing.js'
import type { Clock, Exec, Logger, ToolCache } from '../ports.js'
import { waitingOutNamespaces } from '../k8s/namespaces.js'
import { saveCleanupState, type StateStore } from '../state.js'
import { installTool, useInstalledTool, type Platform, type Tool } from '../tools.js'
import { ensureKindCluster } from '../kind/cluster.js'

export interface Cluster {
  kubeconfigPath: string
  /** Absolute path of kind when the cluster is a kind cluster. */
  kind?: string
  kubectl: string
  name: string
  created: boolean
}

export interface ProvisionDeps {
  exec: Exec
  toolCache: ToolCache
  log: Logger
  state: StateStore
  platform: Platform
  templatesDir: string
}

/**
 * The cluster stage: a cluster, a client for it, and proof that its API answers. Every write of
 * the client waits out a namespace still terminating (an earlier run's), up to stuck-timeout, and
 * creates the namespace again before anything goes into it (k8s/namespaces.ts).
 */
export async function clusterStage(
  inputs: ClusterInputs,
  workDir: string,
  deps: ProvisionDeps & {
    connect(kubeconfigPath: string): Kube
    timer: StageTimer
    clock: Clock
    stuckTimeoutSeconds: number
  }
): Promise<{ cluster: Cluster; kube: Kube }> {
  const { log, timer } = deps
  const cluster = await timer.time('cluster', () =>
    log.group('Cluster', () => provisionCluster(inputs, workDir, deps))
  )
  const kube = waitingOutNamespaces(deps.connect(cluster.kubeconfigPath), {
    clock: deps.clock,
    log,
    timeoutSeconds: deps.stuckTimeoutSeconds
  })
  log.info(`Cluster API answers: Kubernetes ${await timer.time('api check', () => kube.version())}`)
  return { cluster, kube }
}

export async function provisionCluster(
  inputs: ClusterInputs,
  workDir: string,
  deps: ProvisionDeps
): Promise<Cluster> {
  const { exec, log } = deps
  if (inputs.mode === 'existing') {
    const kubeconfigPath = inputs.kubeconfig as string
    const kubectl = await kubectlFor(inputs, deps)
    // Nothing to delete of the cluster; the objects the run creates in it are, with this kubectl
    // (one from PATH is looked up again by the post step, which accepts only tool-cache paths
    // and what kubectl-path names).
    saveCleanupState(deps.state, {
      clusterCreated: false,
      keepCluster: true,
      kubeconfigPath,
      kubectlPath: kubectl.installed || inputs.kubectlPath ? kubectl.path : undefined
    })
    return {
      kubeconfigPath,
      kubectl: kubectl.path,
      name: path.basename(kubeconfigPath),
      created: false
    }
  }
  const [kind, kubectl] = await Promise.all([
    toolFor('kind', inputs.kindPath, inputs.kindVersion, deps),
    toolFor('kubectl', inputs.kubectlPath, inputs.kubectlVersion, deps)
  ])
  // Not in output-dir: users upload that folder, and this is the cluster's admin credential.
  fs.mkdirSync(workDir, { recursive: true })
  const kubeconfigPath = path.join(workDir, 'kubeconfig')
  const save = (created: boolean) =>
    saveCleanupState(deps.state, {
      kindPath: kind,
      clusterName: inputs.name,
      clusterCreated: created,
      keepCluster: inputs.keepCluster,
      exportLogsDir: inputs.exportLogs,
      kubectlPath: kubectl,
      kubeconfigPath
    })
  const cluster = await ensureKindCluster(
    {
      kind,
      name: inputs.name,
      configPath: inputs.kindConfig ?? path.join(deps.templatesDir, 'kind-config.yaml'),
      kubeconfigPath,
      nodeImage: inputs.nodeImage,
      // Saved before creating: if the run is cancelled mid-create, the post step still cleans up.
      onCreating: () => save(true)
    },
    exec,
    log
  )
  save(cluster.created)
  return { kubeconfigPath, kind, kubectl, name: inputs.name, created: cluster.created }
}

/** The runner's own binary when its `<tool>-path` input names one, else the verified download. */
function toolFor(
  tool: Tool,
  spec: string | undefined,
  version: string,
  deps: ProvisionDeps
): Promise<string> {
  return spec
    ? useInstalledTool(tool, spec, version, deps.exec, deps.log)
    : installTool(tool, version, deps.platform, deps.toolCache, deps.log)
}

/**
 * kubectl-path when given; else a kubectl already on PATH is used as it is (it talks to that
 * cluster every day); else install.
 */
async function kubectlFor(
  inputs: ClusterInputs,
  deps: ProvisionDeps
): Promise<{ path: string; installed: boolean }> {
  if (inputs.kubectlPath) {
    const p = await useInstalledTool(
      'kubectl',
      inputs.kubectlPath,
      inputs.kubectlVersion,
      deps.exec,
      deps.log
    )
    return { path: p, installed: false }
  }
  const found = await deps.exec.run('bash', ['-c', 'command -v kubectl'], { silent: true })
  if (found.exitCode === 0 && found.stdout.trim())
    return { path: found.stdout.trim(), installed: false }
  const installed = await installTool(
    'kubectl',
    inputs.kubectlVersion,
    deps.platform,
    deps.toolCache,
    deps.log
  )
  return { path: installed, installed: true }
}
