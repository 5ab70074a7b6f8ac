/**
 * The diagnostics stage: when a run does not pass and export-logs names a folder, the cluster's
 * logs and state go there before the step ends, so the job's next step (an artifact upload, on
 * failure()) finds them. The post step, which exported a kind cluster's logs until now, runs
 * after every step; it still does when the run passed, and skips what main did (state).
 */
import type { ClusterInputs } from '../inputs/types.js'
import type { Exec, Logger } from '../ports.js'
import type { Kube } from '../k8s/kube.js'
import type { RunStatus } from '../report/report.js'
import type { Redactor } from '../secrets/redact.js'
import type { StageTimer } from '../timing.js'
import { markLogsExported, type StateStore } from '../state.js'
import { exportDiagnostics } from '../cluster/diagnostics.js'

export interface DiagnosticsContext {
  status: RunStatus
  /** Unset when the run ended before it had a cluster; `kind` is set for a kind cluster. */
  cluster?: { kind?: string; name: string }
  kube?: Kube
}

export interface DiagnosticsDeps {
  exec: Exec
  log: Logger
  state: StateStore
  timer: StageTimer
  redactor: Redactor
}

/** The files written (relative to the folder); none when there was nothing to do or it failed. */
export async function diagnosticsStage(
  inputs: Pick<ClusterInputs, 'exportLogs'>,
  c: DiagnosticsContext,
  d: DiagnosticsDeps
): Promise<string[]> {
  const dir = inputs.exportLogs
  if (!dir || c.status === 'passed' || !c.cluster) return []
  const { kind, name } = c.cluster
  return d.timer.time('cluster diagnostics', () =>
    d.log.group(`Cluster diagnostics (export-logs: ${dir})`, async () => {
      try {
        const files = await exportDiagnostics(
          { dir, kind: kind ? { path: kind, clusterName: name } : undefined, redactor: d.redactor },
          { kube: c.kube, exec: d.exec, log: d.log }
        )
        markLogsExported(d.state)
        d.log.info(
          `${kind ? 'kind export logs' : 'Read through the Kubernetes API'}: ${files.length} file(s) in ${dir}`
        )
        return files
      } catch (e) {
        d.log.warning(`Could not export the cluster's logs to ${dir}: ${(e as Error).message}`)
        return []
      }
    })
  )
}
