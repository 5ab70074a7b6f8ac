/**
 * One sticky pull-request comment with the result and coverage, found again by its author (the
 * token's user, e.g. github-actions[bot]) and a hidden marker naming the workflow and job, and
 * updated in place; and a coverage baseline per base commit for the delta. Anyone can post a
 * comment holding the marker, so the marker alone would let a commenter have their comment
 * overwritten with ours, or ours hidden. Both talk to GitHub through small ports (bound in
 * github.ts), and every failure degrades to a warning: a fork's read-only token must not turn a
 * passing test run red.
 */
import type { Logger } from '../ports.js'
import type { Redactor } from '../secrets/redact.js'
import { reportableFailures } from '../results/gotest.js'
import type { RunReport } from './report.js'
import { cell, code } from './markdown.js'

/** The marker of a comment when the workflow and job are not known (and of older versions). */
export const MARKER = '<!-- in-cluster-test -->'

/**
 * The hidden marker of this workflow's and job's comment: two workflows (or two jobs) of one pull
 * request each keep their own comment. Names are percent-encoded so none can end the HTML comment.
 */
export function commentMarker(workflow?: string, job?: string): string {
  if (!workflow && !job) return MARKER
  const enc = (s?: string) =>
    encodeURIComponent(s ?? '').replace(
      /[-!'()*~]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`
    )
  return `<!-- in-cluster-test workflow=${enc(workflow)} job=${enc(job)} -->`
}

export interface IssueComment {
  id: number
  body?: string
  /** The author's login and account type ('Bot', 'User'), as the REST API gives them. */
  author?: string
  authorType?: string
}

export interface CommentPort {
  list(): Promise<IssueComment[]>
  create(body: string): Promise<void>
  update(id: number, body: string): Promise<void>
  /** The login the token acts as, when GitHub tells (a GITHUB_TOKEN may not ask). */
  whoami?(): Promise<string | undefined>
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

export function renderComment(
  r: RunReport,
  baseline: number | undefined,
  runUrl?: string,
  marker = MARKER
): string {
  const run = r.run
  const lines = [
    marker,
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

/**
 * Whether a comment is the one this action left: the marker on a line of its own, written by the
 * token's user. When GitHub does not say who that is (a GITHUB_TOKEN or an app token cannot ask),
 * a bot's comment is accepted: a person cannot post as a bot.
 */
export function isOwnComment(c: IssueComment, marker: string, author?: string): boolean {
  if (!c.body || !c.body.split(/\r?\n/).includes(marker)) return false
  return author !== undefined ? c.author === author : c.authorType === 'Bot'
}

/** Creates the comment, or updates the one this action left before. */
export async function upsertComment(
  port: CommentPort,
  body: string,
  marker = MARKER
): Promise<'created' | 'updated'> {
  const author = await port.whoami?.().catch(() => undefined)
  const mine = (await port.list()).find((c) => isOwnComment(c, marker, author))
  if (mine) {
    await port.update(mine.id, body)
    return 'updated'
  }
  await port.create(body)
  return 'created'
}

export interface PullRequestContext {
  /** The workflow's name and the job's id, for the comment's marker. */
  workflow?: string
  job?: string
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
  log: Logger,
  /** Secret values to keep out of the comment: the REST API is not masked by the runner. */
  redactor?: Redactor
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
    const marker = commentMarker(ctx.workflow, ctx.job)
    const report = redactor ? redactor.redactDeep(r) : r
    let body = renderComment(report, baseline, ctx.runUrl, marker)
    if (redactor) body = redactor.redact(body)
    const what = await upsertComment(comments, body, marker)
    log.info(`PR comment ${what}`)
  } catch (e) {
    const status = (e as { status?: number }).status
    const hint = status === 403 ? ' (a pull request from a fork gets a read-only token)' : ''
    log.warning(
      `Could not comment on pull request #${ctx.pullRequest.number}${hint}: ${(e as Error).message}`
    )
  }
}
