// First: it must be in place before the Kubernetes client loads.
import './quiet-deprecations.js'
import * as core from '@actions/core'
import { actionsLogger } from './deps.js'
import { defaultDeps } from './default-deps.js'
import { getInputs, readEnvironment } from './inputs/index.js'
import { guardLogger } from './logs/untrusted.js'
import { reportToPullRequest } from './report/pr-comment.js'
import { publish } from './publish.js'
import { run } from './run.js'
import { SecretValues } from './secrets/secrets.js'
import { startStateSession, stateDir, type StateStore } from './state.js'

const environment = readEnvironment()
// Before anything prints: the state lives in a file named by a random id, so a test that prints
// ::save-state can neither forge nor hide what the post step cleans up.
const actionState: StateStore = { save: core.saveState, get: core.getState }
const state = environment.runnerTemp
  ? startStateSession(actionState, stateDir(environment.runnerTemp))
  : actionState
// Everything the run echoes (test output, build output, what the cluster says) is printed inside
// ::stop-commands:: blocks; our own commands close the block first.
const guard = guardLogger(actionsLogger, { infoIsUntrusted: true })
const log = guard.log
const secrets = new SecretValues(log)
const setFailed = (message: string) => {
  guard.close()
  core.setFailed(message)
}

// Whether the outputs are set: a run that stops before (bad input) still tells later steps why.
let published = false
try {
  const inputs = getInputs((name) => core.getInput(name), environment, secrets)
  const report = await run(inputs, defaultDeps(log, state, secrets, guard.echo))
  // Later steps reach the same cluster with a plain kubectl (kubectl is on PATH already).
  if (report.kubeconfig) core.exportVariable('KUBECONFIG', report.kubeconfig)
  await publish(
    report,
    inputs.report,
    log,
    {
      setOutput: core.setOutput,
      writeSummary: async (md) => void (await core.summary.addRaw(md).write()),
      setFailed
    },
    secrets.redactor
  )
  published = true
  if (inputs.report.commentOnPr) {
    // Loaded only here: @actions/github and @actions/cache (with Azure's storage client) are
    // large, and a run that does not comment should not hold them in memory.
    const { cacheBaselines, commentPort, pullRequestContext } = await import('./github.js')
    const ctx = pullRequestContext()
    if (!ctx.pullRequest)
      log.info(
        'comment-on-pr: this is not a pull_request event, so there is no pull request to comment on'
      )
    const comments =
      ctx.pullRequest && inputs.report.githubToken
        ? commentPort(inputs.report.githubToken, ctx.pullRequest.number)
        : undefined
    await reportToPullRequest(report, ctx, comments, cacheBaselines(), log, secrets.redactor)
  }
} catch (e) {
  const message = secrets.redactor.redact((e as Error).message)
  if (!published) {
    // An `if: always()` step reads status and diagnosis like after any run that did not pass.
    core.setOutput('status', 'error')
    core.setOutput('diagnosis', message)
  }
  setFailed(message)
} finally {
  guard.close()
}
// Streams and keep-alive sockets must not hold the runner: the report is written, we are done.
process.exit()
