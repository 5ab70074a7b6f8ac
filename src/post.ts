import * as core from '@actions/core'
import { postCleanup } from './cleanup/cleanup.js'
import { actionsLogger, realExec } from './deps.js'
import { stateDir } from './state.js'

try {
  // The entry point reads the two runner directories it needs; everything after takes them.
  const runnerTemp = process.env.RUNNER_TEMP
  await postCleanup(
    { save: core.saveState, get: core.getState },
    runnerTemp ? stateDir(runnerTemp) : undefined,
    { toolCacheDir: process.env.RUNNER_TOOL_CACHE },
    realExec,
    actionsLogger
  )
} catch (e) {
  core.warning(`Cleanup failed: ${(e as Error).message}`)
}
// Nothing the post step started may keep the runner waiting.
process.exit(0)
