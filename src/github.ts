/**
 * Binds the PR-comment and baseline ports to @actions/github and @actions/cache. Only the action
 * entry imports this: the CLI has no workflow context.
 */
import * as cache from '@actions/cache'
import * as github from '@actions/github'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { BaselineStore, CommentPort, PullRequestContext } from './report/pr-comment.js'

export function pullRequestContext(): PullRequestContext {
  const ctx = github.context
  const pr = ctx.payload.pull_request as { number: number; base?: { sha?: string } } | undefined
  const repo = ctx.payload.repository as { default_branch?: string } | undefined
  const onDefault =
    ctx.eventName === 'push' &&
    repo?.default_branch &&
    ctx.ref === `refs/heads/${repo.default_branch}`
  return {
    workflow: ctx.workflow || undefined,
    job: ctx.job || undefined,
    pullRequest: pr?.base?.sha ? { number: pr.number, baseSha: pr.base.sha } : undefined,
    defaultBranchSha: onDefault || ctx.eventName === 'schedule' ? ctx.sha : undefined,
    runUrl: ctx.runId
      ? `${ctx.serverUrl}/${ctx.repo.owner}/${ctx.repo.repo}/actions/runs/${ctx.runId}`
      : undefined
  }
}

export function commentPort(token: string, issueNumber: number): CommentPort {
  const octokit = github.getOctokit(token)
  const { owner, repo } = github.context.repo
  return {
    list: async () =>
      (
        await octokit.paginate(octokit.rest.issues.listComments, {
          owner,
          repo,
          issue_number: issueNumber,
          per_page: 100
        })
      ).map((c) => ({
        id: c.id,
        body: c.body ?? undefined,
        author: c.user?.login,
        authorType: c.user?.type
      })),
    // A personal token can ask who it is; a GITHUB_TOKEN or app token cannot (403), and the
    // comment is then matched on a bot author.
    whoami: async () => {
      try {
        return (await octokit.rest.users.getAuthenticated()).data.login
      } catch {
        return undefined
      }
    },
    create: async (body) =>
      void (await octokit.rest.issues.createComment({
        owner,
        repo,
        issue_number: issueNumber,
        body
      })),
    update: async (id, body) =>
      void (await octokit.rest.issues.updateComment({ owner, repo, comment_id: id, body }))
  }
}

/** A baseline is one small file cached under a key per commit: never pushed to the repository. */
export function cacheBaselines(): BaselineStore | undefined {
  if (!cache.isFeatureAvailable()) return undefined
  const dir = path.join(os.tmpdir(), 'in-cluster-test-baseline')
  const file = path.join(dir, 'coverage.json')
  const key = (sha: string) => `in-cluster-test-coverage-${sha}`
  return {
    async get(sha) {
      fs.rmSync(dir, { recursive: true, force: true })
      fs.mkdirSync(dir, { recursive: true })
      const hit = await cache.restoreCache([dir], key(sha))
      if (!hit || !fs.existsSync(file)) return undefined
      const value = (JSON.parse(fs.readFileSync(file, 'utf8')) as { coverage?: unknown }).coverage
      return typeof value === 'number' ? value : undefined
    },
    async put(sha, coverage) {
      fs.mkdirSync(dir, { recursive: true })
      fs.writeFileSync(file, JSON.stringify({ coverage }))
      await cache.saveCache([dir], key(sha))
    }
  }
}
