/**
 * The post step: export the cluster's logs when asked, then delete the cluster this run created.
 * It runs on every path (post-if: always()) and never fails the job: a failed cleanup only warns,
 * because the test result is what the job's status must show.
 */
import type { Exec, Logger } from '../ports.js'
import type { CleanupState } from '../state.js'
import { deleteKindCluster, exportKindLogs } from '../kind/cluster.js'

export async function cleanup(
  state: CleanupState | undefined,
  exec: Exec,
  log: Logger
): Promise<void> {
  if (!state) {
    log.info('Nothing to clean up: this run created no cluster (an existing one is left as it is)')
    return
  }
  const { kindPath, clusterName } = state
  if (state.exportLogsDir && kindPath && clusterName) {
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
