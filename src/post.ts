import * as core from '@actions/core'
import { cleanup } from './cleanup/cleanup.js'
import { actionsLogger, realExec } from './deps.js'
import { loadCleanupState } from './state.js'

try {
  await cleanup(
    loadCleanupState({ save: core.saveState, get: core.getState }),
    realExec,
    actionsLogger
  )
} catch (e) {
  core.warning(`Cleanup failed: ${(e as Error).message}`)
}
// Nothing the post step started may keep the runner waiting.
process.exit(0)
