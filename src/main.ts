// First: it must be in place before the Kubernetes client loads.
import './quiet-deprecations.js'
import * as core from '@actions/core'
import { actionsLogger } from './deps.js'
import { defaultDeps } from './default-deps.js'
import { getInputs, readEnvironment } from './inputs/index.js'
import { cacheBaselines, commentPort, pullRequestContext } from './github.js'
import { reportToPullRequest } from './report/pr-comment.js'
import { publish } from './publish.js'
import { run } from './run.js'

try {
  const inputs = getInputs((name) => core.getInput(name), readEnvironment())
  const report = await run(
    inputs,
    defaultDeps(actionsLogger, { save: core.saveState, get: core.getState })
  )
  await publish(report, inputs.report, actionsLogger, {
    setOutput: core.setOutput,
    writeSummary: async (md) => void (await core.summary.addRaw(md).write()),
    setFailed: core.setFailed
  })
  if (inputs.report.commentOnPr) {
    const ctx = pullRequestContext()
    if (!ctx.pullRequest)
      core.info(
        'comment-on-pr: this is not a pull_request event, so there is no pull request to comment on'
      )
    const comments =
      ctx.pullRequest && inputs.report.githubToken
        ? commentPort(inputs.report.githubToken, ctx.pullRequest.number)
        : undefined
    await reportToPullRequest(report, ctx, comments, cacheBaselines(), actionsLogger)
  }
} catch (e) {
  core.setFailed((e as Error).message)
}
// Streams and keep-alive sockets must not hold the runner: the report is written, we are done.
process.exit()
