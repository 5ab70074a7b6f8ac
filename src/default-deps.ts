/**
 * The one wiring of the real ports for a run, used by the action (main.ts) and the CLI (cli.ts);
 * they differ only in where the log and the state go. Apart from deps.ts so the post step, which
 * needs exec and the logger but never the Kubernetes client, does not bundle the client.
 */
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { realClock, realExec, realToolCache } from './deps.js'
import { createKube } from './k8s/client.js'
import { guardExec } from './logs/untrusted.js'
import type { Logger } from './ports.js'
import type { Deps } from './run.js'
import type { SecretValues } from './secrets/secrets.js'
import type { StateStore } from './state.js'
import { platformOf } from './tools.js'

/** dist/<entry>/index.js → <action root>/templates (the same from every bundle). */
const templatesDir = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'templates'
)

export function defaultDeps(
  log: Logger,
  state: StateStore,
  secrets: SecretValues,
  /** Where untrusted output goes (inside stop-commands blocks); commands' output too. */
  echo?: (line: string) => void
): Deps {
  return {
    exec: echo ? guardExec(realExec, echo) : realExec,
    secrets,
    toolCache: realToolCache,
    log,
    clock: realClock,
    state,
    platform: platformOf(process.platform, process.arch),
    templatesDir,
    connect: createKube
  }
}
