// First: it must be in place before the Kubernetes client loads.
import './quiet-deprecations.js'
import * as core from '@actions/core'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { actionsLogger, realClock, realExec, realToolCache } from './deps.js'
import { getInputs, readEnvironment } from './inputs.js'
import { cacheBaselines, commentPort, pullRequestContext } from './github.js'
import { createKube } from './k8s/client.js'
import { reportToPullRequest } from './report/pr-comment.js'
import { publish } from './publish.js'
import { run } from './run.js'
import { platformOf } from './tools.js'

// dist/main/index.js → <action root>/templates
const templatesDir = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'templates'
)

try {
  const inputs = getInputs((name) => core.getInput(name), readEnvironment())
  const report = await run(inputs, {
    exec: realExec,
    toolCache: realToolCache,
    log: actionsLogger,
    clock: realClock,
    state: { save: core.saveState, get: core.getState },
    platform: platformOf(process.platform, process.arch),
    templatesDir,
    connect: createKube
  })
  await publish(report, inputs, actionsLogger, {
    setOutput: core.setOutput,
    writeSummary: async (md) => void (await core.summary.addRaw(md).write()),
    setFailed: core.setFailed
  })
  if (inputs.commentOnPr) {
    const ctx = pullRequestContext()
    if (!ctx.pullRequest)
      core.info(
        'comment-on-pr: this is not a pull_request event, so there is no pull request to comment on'
      )
    const comments =
      ctx.pullRequest && inputs.githubToken
        ? commentPort(inputs.githubToken, ctx.pullRequest.number)
        : undefined
    await reportToPullRequest(report, ctx, comments, cacheBaselines(), actionsLogger)
  }
} catch (e) {
  core.setFailed((e as Error).message)
}
// Streams and keep-alive sockets must not hold the runner: the report is written, we are done.
process.exit()
