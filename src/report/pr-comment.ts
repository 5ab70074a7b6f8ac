/**
 * One sticky pull-request comment with the result and coverage, found again by a hidden marker
 * and updated in place, and a coverage baseline per base commit for the delta. Both talk to
 * GitHub through small ports (bound in github.ts), and every failure degrades to a warning: a
 * fork's read-only token must not turn a passing test run red.
 */
import type { Logger } from '../ports.js'
import { reportableFailures } from '../results/gotest.js'
import type { RunReport } from './report.js'
import { cell, code } from './markdown.js'

export const MARKER = '<!-- in-cluster-test -->'

export interface CommentPort {
  list(): Promise<Array<{ id: number; body?: string }>>
  create(body: string): Promise<void>
  update(id: number, body: string): Promise<void>
}

export interface BaselineStore {
  /** Coverage recorded for a commit of the base branch, if any run saved one. */
  get(sha: string): Promise<number | undefined>
  put(sha: string, coverage: number): Promise<void>
}

const ICON = { passed: '✅', failed: '❌', timeout: '⏱️', error: '⚠️' } as const

export function coverageDelta(coverage: number | undefined, baseline: number | undefined): string {
  if (coverage === undefined) return 'no coverage line in the log'
  if (baseline === undefined) return `${coverage}%`
  const d = Math.round((coverage - baseline) * 10) / 10
  const sign = d > 0 ? '+' : d < 0 ? '−' : '±'
  return `${coverage}% (${sign}${Math.abs(d)} vs base ${baseline}%)`
}

export function renderComment(r: RunReport, baseline: number | undefined, runUrl?: string): string {
  const run = r.run
  const lines = [
    MARKER,
    `### ${ICON[r.status]} In-cluster tests ${r.status}`,
    '',
    '| passed | failed | skipped | coverage |',
    '| --- | --- | --- | --- |',
    `| ${run?.passed ?? 0} | ${run ? run.failed + run.interrupted : 0} | ${run?.skipped ?? 0} | ${cell(coverageDelta(run?.coverage, baseline))} |`
  ]
  if (r.status !== 'passed' && r.headline) lines.push('', `> ${cell(r.headline, 1000)}`)
  const failures = run ? reportableFailures(run) : []
  if (failures.length > 0) {
    lines.push('', '<details><summary>Failed tests</summary>', '')
    for (const t of failures.slice(0, 20)) {
      lines.push(`- ${code(t.name, 200)}: ${cell((t.failure?.message ?? '').split('\n')[0], 200)}`)
    }
    if (failures.length > 20) lines.push(`- … and ${failures.length - 20} more`)
    lines.push('', '</details>')
  }
  if (runUrl) lines.push('', `[Run details](${runUrl})`)
  return lines.join('\n') + '\n'
}

/** Creates the comment, or updates the one this action left before. */
export async function upsertComment(
  port: CommentPort,
  body: string
): Promise<'created' | 'updated'> {
  const mine = (await port.list()).find((c) => c.body?.includes(MARKER))
  if (mine) {
    await port.update(mine.id, body)
    return 'updated'
  }
  await port.create(body)
  return 'created'
}

export interface PullRequestContext {
  /** Set on pull_request events. */
  pullRequest?: { number: number; baseSha: string }
  /** The pushed commit, on pushes to the default branch (to record a baseline). */
  defaultBranchSha?: string
  runUrl?: string
}

/** Records a baseline on the default branch; comments with the delta on a pull request. */
export async function reportToPullRequest(
  r: RunReport,
  ctx: PullRequestContext,
  comments: CommentPort | undefined,
  baselines: BaselineStore | undefined,
  log: Logger
): Promise<void> {
  const coverage = r.run?.coverage
  if (ctx.defaultBranchSha && coverage !== undefined && baselines) {
    await baselines
      .put(ctx.defaultBranchSha, coverage)
      .catch((e: Error) => log.warning(`Could not record the coverage baseline: ${e.message}`))
  }
  if (!ctx.pullRequest || !comments) return
  let baseline: number | undefined
  if (baselines) {
    baseline = await baselines.get(ctx.pullRequest.baseSha).catch((e: Error) => {
      log.warning(`No coverage baseline: ${e.message}`)
      return undefined
    })
  }
  try {
    const what = await upsertComment(comments, renderComment(r, baseline, ctx.runUrl))
    log.info(`PR comment ${what}`)
  } catch (e) {
    const status = (e as { status?: number }).status
    const hint = status === 403 ? ' (a pull request from a fork gets a read-only token)' : ''
    log.warning(
      `Could not comment on pull request #${ctx.pullRequest.number}${hint}: ${(e as Error).message}`
    )
  }
}
