/**
 * The post step: delete what the run created in the cluster (Secret, Jobs, the built-in
 * Application) when the cluster itself stays, export logs when asked, then delete the cluster
 * this run created, and last upload the run's files when upload-artifact named an artifact
 * (upload.ts). It runs on every path (post-if: always()) and never fails the job: a failed
 * cleanup or upload only warns, because the test result is what the job's status must show.
 */
import type { ArtifactUploader, Exec, Logger } from '../ports.js'
import {
  createdObjects,
  rawCleanupState,
  rawUploadState,
  recordRegistryLogin,
  registryLogins,
  resumeStateSessions,
  validateCleanupState,
  validateUploadState,
  type CleanupState,
  type CreatedKind,
  type CreatedObject,
  type PostEnvironment,
  type StateStore
} from '../state.js'
import { deleteKindCluster, exportKindLogs } from '../kind/cluster.js'
import { lastLines } from '../text.js'
import { uploadRunArtifact } from './upload.js'

/** kubectl's resource names, fully qualified so a CRD of the same short name cannot be meant. */
const RESOURCE: Record<CreatedKind, string> = {
  Application: 'applications.argoproj.io',
  Job: 'jobs.batch',
  Secret: 'secrets'
}
/** The Application first (its controller would otherwise sync again), the Secret last. */
const ORDER: CreatedKind[] = ['Application', 'Job', 'Secret']

export function deleteObjectArgs(o: CreatedObject, kubeconfig?: string): string[] {
  return [
    ...(kubeconfig ? ['--kubeconfig', kubeconfig] : []),
    'delete',
    RESOURCE[o.kind],
    o.name,
    '--namespace',
    o.namespace,
    '--ignore-not-found',
    // The post step must not wait on finalizers (an Application pruning what it deployed).
    '--wait=false',
    '--request-timeout=30s'
  ]
}

/** Deletes each object with kubectl; one failure does not stop the others. */
export async function deleteCreatedObjects(
  objects: CreatedObject[],
  kubectl: { path: string; kubeconfig?: string },
  exec: Exec,
  log: Logger
): Promise<void> {
  const sorted = [...objects].sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind))
  for (const o of sorted) {
    const what = `${o.kind} ${o.namespace}/${o.name}`
    const r = await exec.run(kubectl.path, deleteObjectArgs(o, kubectl.kubeconfig), {
      silent: true
    })
    if (r.exitCode === 0) log.info(`Deleted ${what}, which the run created`)
    else log.warning(`Could not delete ${what}: ${lastLines(r.stderr)}. Delete it by hand.`)
  }
}

export async function cleanup(
  state: CleanupState | undefined,
  exec: Exec,
  log: Logger,
  objects: CreatedObject[] = []
): Promise<void> {
  if (!state && objects.length === 0) {
    log.info('Nothing to clean up: this run created no cluster (an existing one is left as it is)')
    return
  }
  const { kindPath, clusterName } = state ?? {}
  const deletesCluster = !!(state?.clusterCreated && !state.keepCluster && kindPath && clusterName)
  // Deleting the cluster takes its objects with it.
  if (objects.length > 0 && !deletesCluster) {
    await deleteCreatedObjects(
      objects,
      { path: state?.kubectlPath ?? 'kubectl', kubeconfig: state?.kubeconfigPath },
      exec,
      log
    )
  }
  if (!state) return
  if (state.exportLogsDir && state.logsExported) {
    // The run did not pass: main exported them, for the job's later steps to upload.
    log.info(`Cluster logs were exported to ${state.exportLogsDir} by the main step`)
  } else if (state.exportLogsDir && kindPath && clusterName) {
    try {
      await exportKindLogs(kindPath, clusterName, state.exportLogsDir, exec)
      log.info(`Cluster logs exported to ${state.exportLogsDir}`)
    } catch (e) {
      log.warning(`Could not export the cluster's logs: ${(e as Error).message}`)
    }
  }
  if (!state.clusterCreated || !kindPath || !clusterName) return
  if (state.keepCluster) {
    log.info(`keep-cluster is true: the kind cluster '${clusterName}' is left running`)
    return
  }
  try {
    await deleteKindCluster(kindPath, clusterName, exec)
    log.info(`Deleted the kind cluster '${clusterName}'`)
  } catch (e) {
    log.warning(`Could not delete the kind cluster '${clusterName}': ${(e as Error).message}`)
  }
}

/** Logs the runner's Docker out of the registries main logged in to and did not log out of. */
export async function registryLogout(store: StateStore, exec: Exec, log: Logger): Promise<void> {
  const { hosts, refused } = registryLogins(store)
  for (const r of refused) log.warning(`Post step: refused to log out of ${r}: not a registry host`)
  for (const host of hosts) {
    const r = await exec.run('docker', ['logout', host], { silent: true })
    if (r.exitCode === 0) {
      recordRegistryLogin(store, host, false)
      log.info(`Logged out of ${host}, which the run logged in to`)
    } else
      log.warning(
        `Could not log out of ${host}: ${lastLines(r.stderr)}. Run docker logout ${host}.`
      )
  }
}

/**
 * The whole post step: finds main's state (resumeStateSessions), accepts only what main could
 * have written (validateCleanupState, parseCreatedObjects, validateUploadState), cleans up each
 * run found and then uploads its files (with `uploader`; the CLI has none).
 * Refused parts are named in warnings and never used.
 */
export async function postCleanup(
  actionState: StateStore,
  dir: string | undefined,
  env: PostEnvironment,
  exec: Exec,
  log: Logger,
  uploader?: ArtifactUploader
): Promise<void> {
  let stores: Array<StateStore & { remove?(): void }> = []
  if (dir) {
    const resumed = resumeStateSessions(actionState, dir)
    if (resumed.warning) log.warning(resumed.warning)
    stores = resumed.stores
  }
  // A main step from before the state file kept its state in the action state itself.
  if (stores.length === 0) stores = [actionState]
  for (const store of stores) {
    const { state, problems } = validateCleanupState(rawCleanupState(store), env)
    const { objects, refused } = createdObjects(store)
    for (const p of problems) log.warning(`Post step: ${p}`)
    for (const r of refused)
      log.warning(`Post step: refused to delete ${r}: not an object it creates`)
    await registryLogout(store, exec, log)
    await cleanup(state, exec, log, objects)
    if (uploader) {
      const upload = validateUploadState(rawUploadState(store))
      for (const p of upload.problems) log.warning(`Post step: ${p}`)
      const exclude = [state?.kubeconfigPath, dir].filter((p): p is string => !!p)
      await uploadRunArtifact(upload.state, { env, exclude }, uploader, log)
    }
    // Done with it: another step's post step, falling back to every file, must not redo it.
    store.remove?.()
  }
}
