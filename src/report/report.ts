/**
 * Everything a reviewer sees, rendered from the run's data by pure functions: step outputs,
 * annotations (ranked and capped: GitHub keeps 10 errors per step), the job summary (capped under
 * GitHub's 1 MiB), results.json and JUnit XML. No I/O here.
 */
import type { AnnotationProperties } from '../ports.js'
import type { StageTiming } from '../timing.js'
import { failedThrough, reportableFailures } from '../results/gotest.js'
import type { Check, Failure, FlakyTest, Found, TestCase, TestRun } from '../results/types.js'
import { cell, code, ms, table } from './markdown.js'
import { stageChart } from './gantt.js'
import { checksOf } from '../results/failure-source.js'
import type { ServiceSnapshot } from '../service/snapshot.js'
import { serviceSection } from './service.js'
import { rerunSection, type RerunInputs } from './rerun.js'

export type RunStatus = 'passed' | 'failed' | 'timeout' | 'error'

export interface RunReport {
  status: RunStatus
  /** One line saying why the run did not pass; empty when it passed. */
  headline: string
  details: string[]
  run?: TestRun
  image?: string
  jobName?: string
  exitCode?: number
  logFile?: string
  durationMs: number
  timings: StageTiming[]
  /** When the run started (ms since the epoch): the stage chart's time axis. */
  startedAt?: number
  /** Maps a printed file name to a repository path (see results/locate.ts). */
  locate: (printed: string, pkg?: string) => string | undefined
  coverageGate?: { min: number; passed: boolean; message: string }
  /** Files written next to the log. */
  files?: { results?: string; junit?: string; coverprofile?: string }
  /** The service under test, collected when the run did not pass. */
  service?: ServiceSnapshot
  /** The kubeconfig of the cluster the run used, for later steps. */
  kubeconfig?: string
  /** What a command to run the tests again from a terminal needs (never a secret value). */
  rerun?: RerunInputs
  /** Per-package coverage, when the binary printed its cover profile (-test.coverprofile=/dev/stdout). */
  packages?: Array<{ package: string; percent: number; statements: number; covered: number }>
}

export interface Annotation {
  message: string
  properties: AnnotationProperties
}

export const MAX_ANNOTATIONS = 10
export const SUMMARY_LIMIT = 1024 * 1024 - 16 * 1024

/** A place as the diff knows it: the workspace file read for it, or the printed name mapped. */
function placed(
  at: { file?: string; line?: number; path?: string },
  pkg: string | undefined,
  locate: RunReport['locate']
): { file?: string; line?: number } {
  const file = at.path ?? (at.file ? locate(at.file, pkg) : undefined)
  return { file, line: file ? at.line : undefined }
}

export function locatedFailure(t: TestCase, locate: RunReport['locate']) {
  const f = t.failure
  return { ...placed(f ?? {}, t.package, locate), message: f?.message ?? '' }
}

/** What the summary adds to a place found other than in the source: never more than is known. */
const HOW: Record<Found, string> = {
  source: '',
  trace: '',
  'last-line': ' (its last output line: the failing check is not known)'
}

/** A failed test's annotations, in order: its failure, its other checks, how it ended. */
function annotationsOf(t: TestCase, locate: RunReport['locate']): Annotation[] {
  const f: Failure = t.failure ?? { message: '' }
  const checks = checksOf(f)
  // A test cut off after a failed check failed there; one without says how it ended.
  const title = `${t.name} ${f.kind && !checks.length ? FIRST[f.kind] : 'failed'}`
  const one = (at: Partial<Check> & { message: string }, name: string): Annotation => {
    const where = placed(at, t.package, locate)
    return {
      message: truncate(at.message || `${t.name} failed`, 4000),
      properties: {
        title: `${name}${at.how ? HOW[at.how] : ''}`,
        ...(where.file ? { file: where.file, startLine: where.line } : {})
      }
    }
  }
  // The failure is the first check when there is one.
  const out = [one(f, checks.length > 1 ? `${title} (check 1 of ${checks.length})` : title)]
  checks.slice(1).forEach((c, i) => {
    out.push(one(c, `${t.name} failed (check ${i + 2} of ${checks.length})`))
  })
  if (f.ended) out.push(one(f.ended, `${t.name} ${ENDED[f.ended.kind ?? 'interrupted']}`))
  return out
}

const ENDED: Record<NonNullable<Failure['kind']>, string> = {
  panic: 'panicked',
  timeout: 'timed out',
  interrupted: 'was cut off'
}
const FIRST = { ...ENDED, interrupted: 'was interrupted' }

/**
 * Every failing check at its own line. GitHub shows 10 error annotations per step, so the first
 * of each failed test comes before the second of any; located ones first within each round.
 */
export function annotations(r: RunReport): { shown: Annotation[]; omitted: number } {
  const failures = r.run ? reportableFailures(r.run) : []
  const rounds: Annotation[][] = []
  for (const t of failures) annotationsOf(t, r.locate).forEach((a, i) => (rounds[i] ??= []).push(a))
  const score = (a: Annotation) => (a.properties.file ? 2 : 0) + (a.message ? 1 : 0)
  const ranked = rounds.flatMap((round) => [...round].sort((a, b) => score(b) - score(a)))
  const shown = ranked.slice(0, MAX_ANNOTATIONS)
  return { shown, omitted: ranked.length - shown.length }
}

export function outputs(r: RunReport): Record<string, string> {
  const failed = r.run ? reportableFailures(r.run).map((t) => t.name) : []
  return {
    status: r.status,
    'exit-code': r.exitCode === undefined ? '' : String(r.exitCode),
    'job-name': r.jobName ?? '',
    image: r.image ?? '',
    'log-file': r.logFile ?? '',
    'duration-seconds': String(Math.round(r.durationMs / 1000)),
    'tests-passed': String(r.run?.passed ?? 0),
    'tests-failed': String(r.run ? r.run.failed + r.run.interrupted : 0),
    'tests-skipped': String(r.run?.skipped ?? 0),
    coverage: r.run?.coverage === undefined ? '' : String(r.run.coverage),
    'failed-tests': JSON.stringify(failed),
    'flaky-tests': JSON.stringify(
      r.run ? flakyList(r.run).map((f) => flakyEntry(f, r.locate)) : []
    ),
    diagnosis: r.status === 'passed' ? '' : r.headline,
    'results-file': r.files?.results ?? '',
    'junit-file': r.files?.junit ?? '',
    'coverprofile-file': r.files?.coverprofile ?? '',
    kubeconfig: r.kubeconfig ?? ''
  }
}

const ICON: Record<RunStatus, string> = { passed: '✅', failed: '❌', timeout: '⏱️', error: '⚠️' }

export function summary(r: RunReport): string {
  const run = r.run
  const parts: string[] = []
  const counts = run
    ? `${run.passed} passed, ${run.failed + run.interrupted} failed, ${run.skipped} skipped`
    : 'no test results'
  const cov = run?.coverage !== undefined ? `, coverage ${run.coverage}%` : ''
  parts.push(`## ${ICON[r.status]} In-cluster tests ${r.status}: ${counts}${cov}`)
  if (r.status !== 'passed' && r.headline) parts.push(`> ${cell(r.headline, 2000)}`)
  if (r.coverageGate && !r.coverageGate.passed)
    parts.push(`> ${cell(r.coverageGate.message, 1000)}`)
  if (run && run.tests.length === 0 && r.status === 'passed') {
    parts.push(
      '> No test ran: check test-args (-test.run) and that the image holds the test binary.'
    )
  }
  if (run?.coverageNote) parts.push(`> ${cell(run.coverageNote, 1000)}`)

  if (run) {
    const section = failedSection(run, r.locate)
    if (section) parts.push(section)
    const flaky = flakySection(run, r.locate)
    if (flaky) parts.push(flaky)
  }

  if (r.status !== 'passed' && r.image && r.rerun) parts.push(rerunSection(r.image, r.rerun, run))

  if (run && run.tests.length > 0) {
    // Tests that ran: a skipped one's 0.00s says nothing about speed.
    const slow = [...run.tests]
      .filter((t) => t.durationMs !== undefined && !t.name.includes('/') && t.status !== 'skip')
      .sort((a, b) => (b.durationMs ?? 0) - (a.durationMs ?? 0))
      .slice(0, 10)
    if (slow.length > 0) {
      parts.push(
        `<details><summary>Slowest tests</summary>\n\n${table(
          ['test', 'duration', 'result'],
          slow.map((t) => [code(t.name, 200), ms(t.durationMs), t.status])
        )}\n\n</details>`
      )
    }
  }

  if (r.packages && r.packages.length > 0) {
    const rows = r.packages.map((p) => [
      code(p.package),
      `${p.percent}%`,
      `${p.covered}/${p.statements}`
    ])
    parts.push(
      `<details><summary>Coverage by package</summary>\n\n${table(['package', 'coverage', 'statements'], rows)}\n\n</details>`
    )
  }

  if (r.service) {
    const section = serviceSection(r.service)
    if (section) parts.push(section)
  }

  if (r.details.length > 0) {
    parts.push(
      `<details><summary>Diagnosis details</summary>\n\n${r.details.map((d) => `- ${cell(d, 1000)}`).join('\n')}\n\n</details>`
    )
  }

  if (r.timings.length > 0) {
    // In start order, with the start offset: stages that ran alongside others show as overlapping.
    const rows = [...r.timings]
      .sort((a, b) => a.startMs - b.startMs)
      .map((t) => [cell(t.stage), `+${(t.startMs / 1000).toFixed(1)}s`, ms(t.ms)])
    rows.push(['**total**', '', `**${ms(r.durationMs)}**`])
    parts.push(
      `**Stages** (${ms(r.durationMs)} in all; side by side where they overlap)\n\n${stageChart(r.timings, r.startedAt)}\n\n<details><summary>Stage timings</summary>\n\n${table(['stage', 'started', 'took'], rows)}\n\n</details>`
    )
  }
  const meta = [
    r.image && `image ${code(r.image)}`,
    r.jobName && `job ${code(r.jobName)}`,
    r.logFile && `log ${code(r.logFile)}`
  ]
  parts.push(meta.filter(Boolean).join(' · '))
  return capSummary(parts.join('\n\n') + '\n')
}

/**
 * One row per listed failure: where (and how that was found, when not from the source), its
 * message, and how many more checks failed; then the parents counted as failed only through
 * them, so the list and the counts agree.
 */
function failedSection(run: TestRun, locate: RunReport['locate']): string | undefined {
  const failures = reportableFailures(run)
  if (failures.length === 0) return undefined
  const rows = failures.map((t) => {
    const loc = locatedFailure(t, locate)
    const f = t.failure
    const where = loc.file
      ? `${cell(loc.file)}:${loc.line ?? ''}`
      : f?.file
        ? cell(`${f.file}:${f.line ?? ''}`)
        : ''
    const more = checksOf(f).length - 1
    // A check the output marks (testify's trace, want/got text) was not read from the source.
    const note = f?.how === 'trace' && !f.kind ? ' (from the output)' : f?.how ? HOW[f.how] : ''
    const how = where && note ? ` ${cell(note)}` : ''
    const status = t.status === 'interrupted' ? ' (interrupted)' : ''
    return [
      code(t.name, 200) + status,
      where + how,
      cell(loc.message, 500) +
        (more > 0 ? `<br>_and ${more} more failed check${more > 1 ? 's' : ''}_` : '') +
        (f?.ended ? `<br>_then: ${cell(f.ended.message, 300)}_` : ''),
      ms(t.durationMs)
    ]
  })
  const parents = failedThrough(run)
  const note =
    parents.length > 0
      ? `\n\n${parents.length} more counted as failed only through the tests above: ${parents
          .slice(0, 20)
          .map((t) => code(t.name, 200))
          .join(', ')}${parents.length > 20 ? ` and ${parents.length - 20} more` : ''}`
      : ''
  return `### Failed tests (${failures.length})\n\n${table(['test', 'location', 'message', 'duration'], rows)}${note}`
}

/** What happened to a flaky test, in words. */
export const FLAKY_REASON: Record<FlakyTest['kind'], string> = {
  repetition: 'failed in one repetition (-test.count) and passed in another',
  rerun: 'failed, then passed when run again alone',
  'shard-conflict':
    'failed only beside other shards (shared state?), then passed when run again alone'
}

/** Where shard conflicts come from and what to do, under the list (see the README). */
export const SHARD_CONFLICT_HINT =
  'Tests that fail only beside other shards share state across shards (a table, rows, a lock): give each shard its own schema or database, named by IN_CLUSTER_TEST_SHARD_INDEX (see "Shards that share a database" in the README).'

/**
 * Every flaky test with its first failure: the reruns' as they were found, the -test.count ones
 * from their first failing repetition.
 */
export function flakyList(run: TestRun): FlakyTest[] {
  const listed = run.flakyTests ?? []
  const known = new Set(listed.map((f) => f.name))
  const repeated = (run.flaky ?? [])
    .filter((name) => !known.has(name))
    .map((name): FlakyTest => {
      const t = run.tests.find((x) => x.name === name && x.status === 'fail')
      return {
        name,
        kind: 'repetition',
        ...(t?.failure ? { failure: t.failure } : {}),
        ...(t?.package ? { package: t.package } : {})
      }
    })
  return [...listed, ...repeated]
}

/** A flaky test as the flaky-tests output and results.json give it. */
export function flakyEntry(f: FlakyTest, locate: RunReport['locate']) {
  const where = placed(f.failure ?? {}, f.package, locate)
  return {
    name: f.name,
    kind: f.kind,
    reason: FLAKY_REASON[f.kind],
    test: f.failedTest ?? f.name,
    file: where.file ?? f.failure?.file ?? null,
    line: where.line ?? f.failure?.line ?? null,
    message: f.failure?.message ?? '',
    ...(f.shard ? { shard: f.shard } : {}),
    ...(f.rerun ? { rerun: f.rerun } : {})
  }
}

/** The flaky tests, each with what happened and its first failure; shard conflicts explained. */
function flakySection(run: TestRun, locate: RunReport['locate']): string | undefined {
  const flaky = flakyList(run)
  if (flaky.length === 0) return undefined
  const rows = flaky.slice(0, 50).map((f) => {
    const e = flakyEntry(f, locate)
    const happened =
      FLAKY_REASON[f.kind] +
      (f.shard ? ` (shard ${f.shard})` : '') +
      (f.rerun ? ` (rerun ${f.rerun})` : '')
    return [
      code(f.name, 200) + (e.test !== f.name ? `<br>${code(e.test, 200)}` : ''),
      cell(happened),
      e.file ? cell(`${e.file}:${e.line ?? ''}`) : '',
      cell(e.message, 500)
    ]
  })
  const more = flaky.length > 50 ? `\n\n${flaky.length - 50} more in results.json` : ''
  const hint = flaky.some((f) => f.kind === 'shard-conflict') ? `\n\n> ${SHARD_CONFLICT_HINT}` : ''
  return `### Flaky tests (${flaky.length})\n\n${table(['test', 'what happened', 'first failure', 'message'], rows)}${more}${hint}`
}

/** Keeps the summary under GitHub's limit, cutting at a line and saying so. */
export function capSummary(text: string, limit = SUMMARY_LIMIT): string {
  if (Buffer.byteLength(text) <= limit) return text
  const note =
    '\n\n_Summary truncated to stay under GitHub’s 1 MiB limit: see results.json and the log._\n'
  let cut = text.slice(0, limit - note.length)
  while (Buffer.byteLength(cut) > limit - note.length)
    cut = cut.slice(0, Math.floor(cut.length * 0.95))
  return cut.slice(0, cut.lastIndexOf('\n')) + note
}

export function resultsJson(r: RunReport): string {
  const run = r.run
  return JSON.stringify(
    {
      status: r.status,
      headline: r.headline,
      passed: run?.passed ?? 0,
      failed: run ? run.failed + run.interrupted : 0,
      skipped: run?.skipped ?? 0,
      coverage: run?.coverage ?? null,
      durationMs: r.durationMs,
      image: r.image ?? null,
      job: r.jobName ?? null,
      failures: (run ? reportableFailures(run) : []).map((t) => {
        const loc = locatedFailure(t, r.locate)
        const at = (c: { file?: string; line?: number; path?: string; how?: Found }) => {
          const where = placed(c, t.package, r.locate)
          return {
            file: where.file ?? c.file ?? null,
            line: where.line ?? c.line ?? null,
            how: c.how ?? null
          }
        }
        return {
          test: t.name,
          package: t.package ?? null,
          status: t.status,
          ...at(t.failure ?? {}),
          message: loc.message,
          // Every failing check, each with the way its place was found.
          checks: checksOf(t.failure).map((c) => ({ ...at(c), message: c.message })),
          ended: t.failure?.ended
            ? { ...at(t.failure.ended), message: t.failure.ended.message }
            : null
        }
      }),
      flaky: (run ? flakyList(run) : []).map((f) => flakyEntry(f, r.locate)),
      tests: (run?.tests ?? []).map((t) => ({
        name: t.name,
        status: t.status,
        durationMs: t.durationMs ?? null
      })),
      timings: r.timings
    },
    null,
    2
  )
}

const xml = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
    // Characters XML 1.0 cannot hold at all (a test may print control bytes).
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')

export function junitXml(r: RunReport, suiteName = 'in-cluster-test'): string {
  const tests = r.run?.tests ?? []
  const byPkg = new Map<string, TestCase[]>()
  for (const t of tests) {
    const k = t.package ?? suiteName
    byPkg.set(k, [...(byPkg.get(k) ?? []), t])
  }
  const suites = [...byPkg].map(([pkg, ts]) => {
    const failures = ts.filter((t) => t.status === 'fail' || t.status === 'interrupted').length
    const skipped = ts.filter((t) => t.status === 'skip').length
    const time =
      ts.filter((t) => !t.name.includes('/')).reduce((a, t) => a + (t.durationMs ?? 0), 0) / 1000
    const cases = ts.map((t) => {
      const attrs = `name="${xml(t.name)}" classname="${xml(pkg)}" time="${((t.durationMs ?? 0) / 1000).toFixed(3)}"`
      if (t.status === 'skip') return `    <testcase ${attrs}><skipped/></testcase>`
      if (t.status === 'pass') return `    <testcase ${attrs}/>`
      const f = t.failure
      const where = (c: { file?: string; line?: number; path?: string; how?: Found }) => {
        const p = placed(c, t.package, r.locate)
        const file = p.file ?? c.file
        return file ? `${file}:${p.line ?? c.line ?? ''}${c.how ? ` (${c.how})` : ''}` : ''
      }
      // Every failing check, then how the test ended, then its output.
      const checks = checksOf(f).map((c) => `${where(c)}: ${c.message}`)
      const lines = checks.length > 0 ? checks : [f ? where(f) : '']
      if (f?.ended) lines.push(`${where(f.ended)}${where(f.ended) ? ': ' : ''}${f.ended.message}`)
      return `    <testcase ${attrs}><failure message="${xml(truncate(f?.message ?? '', 1000))}" type="${t.status}">${xml([...lines, ...t.output].filter(Boolean).join('\n'))}</failure></testcase>`
    })
    return `  <testsuite name="${xml(pkg)}" tests="${ts.length}" failures="${failures}" skipped="${skipped}" time="${time.toFixed(3)}">\n${cases.join('\n')}\n  </testsuite>`
  })
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${xml(suiteName)}">\n${suites.join('\n')}\n</testsuites>\n`
}

/** Plain text for the CLI's `report` command and the end of the log. */
export function textReport(r: Pick<RunReport, 'status' | 'headline' | 'run' | 'locate'>): string {
  const run = r.run
  const lines = [
    `status: ${r.status}`,
    `tests: ${run?.passed ?? 0} passed, ${run ? run.failed + run.interrupted : 0} failed, ${run?.skipped ?? 0} skipped`,
    `coverage: ${run?.coverage !== undefined ? `${run.coverage}%` : 'none found'}`
  ]
  if (r.status !== 'passed' && r.headline) lines.push(`why: ${r.headline}`)
  for (const t of run ? reportableFailures(run) : []) {
    const loc = locatedFailure(t, r.locate)
    const where = loc.file
      ? `${loc.file}:${loc.line}`
      : t.failure?.file
        ? `${t.failure.file}:${t.failure.line}`
        : ''
    lines.push(
      `FAIL ${t.name}${where ? ` (${where}${t.failure?.how === 'last-line' ? ', its last output line' : ''})` : ''}: ${(loc.message.split('\n')[0] ?? '').slice(0, 200)}`
    )
    for (const c of checksOf(t.failure).slice(1)) {
      const p = placed(c, t.package, r.locate)
      lines.push(
        `  also ${p.file ?? c.file}:${p.line ?? c.line}: ${c.message.split('\n')[0].slice(0, 200)}`
      )
    }
    if (t.failure?.ended)
      lines.push(`  then: ${t.failure.ended.message.split('\n')[0].slice(0, 200)}`)
  }
  return lines.join('\n')
}

export function gate(
  coverage: number | undefined,
  min: number | undefined,
  /** Why the run has no coverage although the binary printed some (a shard's profile cut, say). */
  note?: string
): RunReport['coverageGate'] {
  if (min === undefined) return undefined
  if (coverage === undefined) {
    return {
      min,
      passed: false,
      message: note
        ? `min-coverage is ${min}%, but the run's coverage is unknown: ${note}`
        : `min-coverage is ${min}%, but the log has no "coverage:" line: build the test binary with go test -c -cover`
    }
  }
  return coverage >= min
    ? { min, passed: true, message: `Coverage ${coverage}% meets min-coverage ${min}%` }
    : { min, passed: false, message: `Coverage ${coverage}% is below min-coverage ${min}%` }
}

function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s
}
