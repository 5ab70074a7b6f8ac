import * as core from '@actions/core'
import { actionsArtifactUploader } from './artifact.js'
import { postCleanup } from './cleanup/cleanup.js'
import { actionsLogger, realExec } from './deps.js'
import { stateDir } from './state.js'
import { locateInstalledTools } from './tools.js'

try {
  // The entry point reads the runner directories it needs; everything after takes them.
  const runnerTemp = process.env.RUNNER_TEMP
  const workspace = process.env.GITHUB_WORKSPACE
  const installed = await locateInstalledTools(
    { kind: core.getInput('kind-path'), kubectl: core.getInput('kubectl-path') },
    workspace || process.cwd(),
    realExec
  )
  await postCleanup(
    { save: core.saveState, get: core.getState },
    runnerTemp ? stateDir(runnerTemp) : undefined,
    {
      toolCacheDir: process.env.RUNNER_TOOL_CACHE,
      installed,
      runnerTemp,
      workspace,
      home: process.env.HOME
    },
    realExec,
    actionsLogger,
    // Only here: the artifact client stays out of the main and CLI bundles.
    actionsArtifactUploader
  )
} catch (e) {
  core.warning(`Cleanup failed: ${(e as Error).message}`)
}
// Nothing the post step started may keep the runner waiting.
process.exit(0)
