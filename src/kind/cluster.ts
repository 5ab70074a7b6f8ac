/** Creates, reuses and deletes kind clusters through the kind CLI. */
import * as fs from 'node:fs'
import type { Exec, Logger } from '../ports.js'
import { lastLines } from '../text.js'
import {
  createClusterArgs,
  deleteClusterArgs,
  exportLogsArgs,
  getClustersArgs,
  kubeconfigArgs
} from './argv.js'

export interface KindCluster {
  name: string
  kubeconfigPath: string
  /** False when a cluster of that name already existed: the post step must not delete it. */
  created: boolean
}

export interface EnsureClusterOptions {
  kind: string
  name: string
  configPath: string
  kubeconfigPath: string
  nodeImage?: string
  waitSeconds?: number
  /** Called right before `kind create`, once we know the cluster will be ours. */
  onCreating?: () => void
}

/** Creates the cluster, or reuses one of the same name (a local re-run), and writes its kubeconfig. */
export async function ensureKindCluster(
  o: EnsureClusterOptions,
  exec: Exec,
  log: Logger
): Promise<KindCluster> {
  const existing = await exec.run(o.kind, getClustersArgs(), { silent: true })
  const names = existing.exitCode === 0 ? existing.stdout.split(/\r?\n/).map((l) => l.trim()) : []
  if (names.includes(o.name)) {
    log.info(`Reusing the existing kind cluster '${o.name}' (it will not be deleted afterwards)`)
    const kc = await exec.run(o.kind, kubeconfigArgs(o.name), { silent: true })
    if (kc.exitCode !== 0)
      throw new Error(`kind get kubeconfig --name ${o.name} failed: ${kc.stderr.trim()}`)
    fs.writeFileSync(o.kubeconfigPath, kc.stdout, { mode: 0o600 })
    return { name: o.name, kubeconfigPath: o.kubeconfigPath, created: false }
  }
  const args = createClusterArgs({
    name: o.name,
    configPath: o.configPath,
    kubeconfigPath: o.kubeconfigPath,
    nodeImage: o.nodeImage,
    waitSeconds: o.waitSeconds ?? 120
  })
  o.onCreating?.()
  const result = await exec.run(o.kind, args)
  if (result.exitCode !== 0) {
    throw new Error(
      `kind create cluster failed (exit ${result.exitCode}): ${lastLines(result.stderr)}. ` +
        'Check that Docker runs on this runner, and the node-image and kind-config inputs.'
    )
  }
  return { name: o.name, kubeconfigPath: o.kubeconfigPath, created: true }
}

export async function deleteKindCluster(kind: string, name: string, exec: Exec): Promise<void> {
  const r = await exec.run(kind, deleteClusterArgs(name))
  if (r.exitCode !== 0)
    throw new Error(`kind delete cluster --name ${name} failed: ${lastLines(r.stderr)}`)
}

export async function exportKindLogs(
  kind: string,
  name: string,
  dir: string,
  exec: Exec
): Promise<void> {
  const r = await exec.run(kind, exportLogsArgs(name, dir))
  if (r.exitCode !== 0) throw new Error(`kind export logs failed: ${lastLines(r.stderr)}`)
}
