/**
 * Turns the run's report into what GitHub shows: outputs, annotations, the job summary, and the
 * step's success or failure. The CLI prints the same things instead.
 */
import type { ReportInputs } from './inputs/types.js'
import { reportableFailures } from './results/gotest.js'
import type { Logger } from './ports.js'
import type { Redactor } from './secrets/redact.js'
import {
  annotations,
  FLAKY_REASON,
  flakyEntry,
  flakyList,
  MAX_ANNOTATIONS,
  outputs,
  summary,
  type RunReport
} from './report/report.js'

export interface Publisher {
  setOutput(name: string, value: string): void
  writeSummary(markdown: string): Promise<void>
  setFailed(message: string): void
}

/** Returns the message the step failed with, or undefined when it succeeded. */
export async function publish(
  unredacted: RunReport,
  inputs: Pick<ReportInputs, 'failOnTestFailure' | 'failOnFlaky'>,
  log: Logger,
  out: Publisher,
  /** Secret values to keep out of outputs, annotations and the summary (none are masked there). */
  redactor?: Redactor
): Promise<string | undefined> {
  // The data first, so no escaping can hide a value from the redactor; then the rendered text.
  const report = redactor ? redactor.redactDeep(unredacted) : unredacted
  const clean = (s: string) => (redactor ? redactor.redact(s) : s)
  for (const [name, value] of Object.entries(outputs(report))) out.setOutput(name, clean(value))
  const { shown, omitted } = annotations(report)
  for (const a of shown)
    log.error(clean(a.message), {
      ...a.properties,
      title: a.properties.title && clean(a.properties.title)
    })
  // A flaky test passed, but its first failure is still worth a look where it happened.
  const passedOnRerun = report.run
    ? flakyList(report.run).filter((f) => f.kind !== 'repetition')
    : []
  for (const f of passedOnRerun.slice(0, MAX_ANNOTATIONS)) {
    const e = flakyEntry(f, report.locate)
    log.warning(clean(e.message || `${f.name} ${FLAKY_REASON[f.kind]}`), {
      title: clean(`${e.test} ${FLAKY_REASON[f.kind]}`),
      ...(e.file ? { file: e.file, startLine: e.line ?? undefined } : {})
    })
  }
  if (omitted > 0)
    log.warning(
      `${omitted} more failing check(s) are in the job summary and results.json (GitHub shows 10 annotations per step)`
    )
  const markdown = clean(summary(report))
  try {
    await out.writeSummary(markdown)
  } catch (e) {
    log.warning(`Could not write the job summary: ${(e as Error).message}`)
  }

  let failure: string | undefined
  if (report.status === 'error') failure = report.headline || 'The tests could not run'
  else if (report.status === 'failed' && !inputs.failOnFlaky && onlyFlaky(report)) {
    log.warning(
      `Only flaky tests failed (fail-on-flaky is false): ${(report.run?.flaky ?? []).join(', ')}`
    )
  } else if (report.status !== 'passed') {
    if (inputs.failOnTestFailure) failure = report.headline || `Tests ${report.status}`
    else log.warning(`Tests ${report.status} (fail-on-test-failure is false): ${report.headline}`)
  }
  if (!failure && report.coverageGate && !report.coverageGate.passed)
    failure = report.coverageGate.message
  if (report.coverageGate?.passed) log.info(report.coverageGate.message)
  if (failure) out.setFailed(failure)
  return failure
}

/** Every failing test also passed in another repetition: the run failed only through flakes. */
function onlyFlaky(report: RunReport): boolean {
  const flaky = new Set(report.run?.flaky ?? [])
  const failed = report.run ? reportableFailures(report.run) : []
  return flaky.size > 0 && failed.length > 0 && failed.every((t) => flaky.has(t.name))
}
