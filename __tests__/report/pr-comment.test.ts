import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import { parseTestLog } from '../../src/results/gotest.js'
import {
  commentMarker,
  coverageDelta,
  isOwnComment,
  MARKER,
  renderComment,
  reportToPullRequest,
  upsertComment,
  type BaselineStore,
  type CommentPort,
  type IssueComment
} from '../../src/report/pr-comment.js'
import type { RunReport } from '../../src/report/report.js'
import { FakeLogger } from '../../__fixtures__/fake-logger.js'
import { Redactor } from '../../src/secrets/redact.js'

const report = (log: string, status: RunReport['status']): RunReport => ({
  status,
  headline: status === 'passed' ? '' : '1 test failed: TestDeliberateFailure.',
  details: [],
  run: parseTestLog(fs.readFileSync(`__fixtures__/gotest/${log}`, 'utf8')),
  durationMs: 1000,
  timings: [],
  locate: () => undefined
})

function comments(
  existing: IssueComment[] = []
): CommentPort & { created: string[]; updated: Array<[number, string]> } {
  const created: string[] = []
  const updated: Array<[number, string]> = []
  return {
    created,
    updated,
    list: async () => existing,
    create: async (b) => void created.push(b),
    update: async (id, b) => void updated.push([id, b])
  }
}

function baselines(
  values: Record<string, number> = {}
): BaselineStore & { saved: Record<string, number> } {
  const saved: Record<string, number> = {}
  return { saved, get: async (sha) => values[sha], put: async (sha, c) => void (saved[sha] = c) }
}

describe('PR comment', () => {
  it('shows the coverage delta against the base commit', () => {
    expect(coverageDelta(80.1, 78.6)).toBe('80.1% (+1.5 vs base 78.6%)')
    expect(coverageDelta(70, 78.6)).toBe('70% (−8.6 vs base 78.6%)')
    expect(coverageDelta(70, 70)).toBe('70% (±0 vs base 70%)')
    expect(coverageDelta(70, undefined)).toBe('70%')
    expect(coverageDelta(undefined, 70)).toBe('no coverage line in the log')
  })

  it('renders the result with the hidden marker and the failures', () => {
    const body = renderComment(
      report('example-fail.txt', 'failed'),
      80,
      'https://github.com/o/r/actions/runs/1'
    )
    expect(body.startsWith(MARKER + '\n### ❌ In-cluster tests failed')).toBe(true)
    expect(body).toContain('| 11 | 1 | 0 | 76.1% (−3.9 vs base 80%) |')
    expect(body).toContain('- <code>TestDeliberateFailure</code>: Not equal:')
    expect(body).toContain('[Run details](https://github.com/o/r/actions/runs/1)')
  })

  it('updates its own comment instead of adding another', async () => {
    const port = comments([
      { id: 1, body: 'someone else', author: 'octocat', authorType: 'User' },
      { id: 7, body: `${MARKER}\nold`, author: 'github-actions[bot]', authorType: 'Bot' }
    ])
    expect(await upsertComment(port, 'new')).toBe('updated')
    expect(port.updated).toEqual([[7, 'new']])
    const fresh = comments([{ id: 1, body: 'someone else' }])
    expect(await upsertComment(fresh, 'new')).toBe('created')
    expect(fresh.created).toEqual(['new'])
  })

  it('finds its comment by author and a marker per workflow and job, not by the marker alone', async () => {
    const marker = commentMarker('CI / tests', 'e2e-->')
    expect(marker).toBe('<!-- in-cluster-test workflow=CI%20%2F%20tests job=e2e%2D%2D%3E -->')
    expect(commentMarker()).toBe(MARKER)
    const forged = {
      id: 1,
      body: `${marker}\n[click](https://evil)`,
      author: 'mallory',
      authorType: 'User'
    }
    const otherJob = {
      id: 2,
      body: `${commentMarker('CI / tests', 'unit')}\nold`,
      author: 'github-actions[bot]',
      authorType: 'Bot'
    }
    const quoted = { id: 3, body: `> ${marker}`, author: 'github-actions[bot]', authorType: 'Bot' }
    const ours = { id: 9, body: `${marker}\nold`, author: 'github-actions[bot]', authorType: 'Bot' }

    const port = comments([forged, otherJob, quoted, ours])
    expect(await upsertComment(port, 'new', marker)).toBe('updated')
    expect(port.updated).toEqual([[9, 'new']])

    // Only the forged one: a new comment, the forged one left alone.
    const alone = comments([forged, otherJob])
    expect(await upsertComment(alone, 'new', marker)).toBe('created')
    expect(alone.updated).toEqual([])

    // A token that can say who it is: only that login's comment.
    expect(isOwnComment(ours, marker, 'ci-user')).toBe(false)
    expect(
      isOwnComment({ ...ours, author: 'ci-user', authorType: 'User' }, marker, 'ci-user')
    ).toBe(true)
    const pat = comments([{ ...ours, author: 'ci-user', authorType: 'User' }])
    pat.whoami = async () => 'ci-user'
    expect(await upsertComment(pat, 'new', marker)).toBe('updated')
  })

  it('keeps secrets out of the comment (the REST API is not masked)', async () => {
    const port = comments()
    const r = report('example-fail.txt', 'failed')
    r.headline = 'connecting with password hunter2-pw failed'
    await reportToPullRequest(
      r,
      { pullRequest: { number: 3, baseSha: 'b' }, workflow: 'CI', job: 'tests' },
      port,
      undefined,
      new FakeLogger(),
      Redactor.from(['hunter2-pw'])
    )
    expect(port.created[0]).toContain('password &#42;&#42;&#42; failed')
    expect(port.created[0]).not.toContain('hunter2-pw')
    expect(port.created[0].startsWith(commentMarker('CI', 'tests') + '\n')).toBe(true)
  })

  it('records a baseline on the default branch and uses it on pull requests', async () => {
    const store = baselines({ base123: 70 })
    await reportToPullRequest(
      report('example-pass.txt', 'passed'),
      { defaultBranchSha: 'main456' },
      undefined,
      store,
      new FakeLogger()
    )
    expect(store.saved.main456).toBeGreaterThan(50)

    const port = comments()
    await reportToPullRequest(
      report('example-pass.txt', 'passed'),
      { pullRequest: { number: 3, baseSha: 'base123' } },
      port,
      store,
      new FakeLogger()
    )
    expect(port.created[0]).toMatch(/vs base 70%\)/)
  })

  it('only warns when a fork token may not comment', async () => {
    const port = comments()
    port.create = async () => {
      throw Object.assign(new Error('Resource not accessible by integration'), { status: 403 })
    }
    const log = new FakeLogger()
    await expect(
      reportToPullRequest(
        report('example-pass.txt', 'passed'),
        { pullRequest: { number: 3, baseSha: 'b' } },
        port,
        undefined,
        log
      )
    ).resolves.toBeUndefined()
    expect(log.text('warning')).toBe(
      'Could not comment on pull request #3 (a pull request from a fork gets a read-only token): Resource not accessible by integration'
    )
  })
})
