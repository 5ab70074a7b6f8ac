/**
 * The RunReport a run builds up: opened before the first stage, closed once the run's outcome
 * is known with its closing figures (duration, stage timings, the coverage gate), the run's files
 * redacted (no runner masks files), results.json and junit.xml written from redacted data, and
 * only then the post step allowed to upload them.
 */
import type { Inputs } from '../inputs/index.js'
import type { Logger } from '../ports.js'
import type { SecretValues } from '../secrets/secrets.js'
import { redactDirectory } from '../secrets/redact.js'
import { updateUploadState, type StateStore } from '../state.js'
import type { StageTimer } from '../timing.js'
import { writeResults } from './artifacts.js'
import { gate, type RunReport, type RunStatus } from './report.js'
import { rerunInputs } from './rerun.js'

/** The report of a run that has not got anywhere yet: an error until a stage says otherwise. */
export function openReport(
  inputs: Inputs,
  prepared: Pick<RunReport, 'logFile' | 'locate'>
): RunReport {
  return {
    status: 'error',
    headline: '',
    details: [],
    durationMs: 0,
    timings: [],
    logFile: prepared.logFile,
    locate: prepared.locate,
    rerun: rerunInputs(inputs)
  }
}

export async function closeReport(
  report: RunReport,
  status: RunStatus,
  c: {
    inputs: Pick<Inputs, 'outputDir' | 'report' | 'cluster'>
    timer: StageTimer
    /** Whether the diagnostics stage exported the cluster's logs (to export-logs). */
    exported: boolean
  },
  d: { secrets: SecretValues; log: Logger; state: StateStore }
): Promise<RunReport> {
  const { inputs, timer } = c
  report.status = status
  report.durationMs = timer.elapsed()
  report.timings = timer.list()
  report.startedAt = timer.startedAt
  report.coverageGate = gate(
    report.run?.coverage,
    inputs.report.minCoverage,
    report.run?.coverageNote
  )
  const redactor = d.secrets.redactor
  const redacted = await redactDirectory(inputs.outputDir, redactor).then(
    () => true,
    (e: Error) => {
      d.log.warning(`Could not redact the files in ${inputs.outputDir}: ${e.message}`)
      return false
    }
  )
  // Results from redacted data: a secret inside a number must not break results.json.
  report.files = { ...report.files, ...writeResults(inputs.outputDir, redactor.redactDeep(report)) }
  // Only now may the post step upload them, with the diagnostics main exported (redacted too);
  // not a kind export the post step makes of a run that passed, which nothing redacts.
  if (redacted)
    updateUploadState(d.state, {
      redacted: true,
      exportLogsDir: c.exported ? inputs.cluster.exportLogs : undefined
    })
  return report
}
