/**
 * Binds the ports in ports.ts to the real libraries. The only module (with k8s/client.ts) that
 * imports @actions/exec and @actions/tool-cache, so every stage stays testable with fakes.
 */
import * as core from '@actions/core'
import * as actionsExec from '@actions/exec'
import * as tc from '@actions/tool-cache'
import type { Clock, Exec, ExecOptions, ExecResult, Logger, ToolCache } from './ports.js'

export const realExec: Exec = {
  async run(command: string, args: string[], options: ExecOptions = {}): Promise<ExecResult> {
    const result = await actionsExec.getExecOutput(command, args, {
      cwd: options.cwd,
      env: options.env ? { ...(process.env as Record<string, string>), ...options.env } : undefined,
      silent: options.silent ?? false,
      input: options.input === undefined ? undefined : Buffer.from(options.input),
      ignoreReturnCode: true,
      listeners: {
        stdline: options.onStdoutLine,
        errline: options.onStderrLine
      }
    })
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr }
  }
}

export const realToolCache: ToolCache = {
  find: (tool, version) => tc.find(tool, version),
  download: (url) => tc.downloadTool(url),
  extractTar: (file) => tc.extractTar(file),
  cacheFile: (source, targetName, tool, version) => tc.cacheFile(source, targetName, tool, version),
  cacheDir: (source, tool, version) => tc.cacheDir(source, tool, version),
  addPath: (dir) => core.addPath(dir)
}

/** Logs through @actions/core: workflow commands under Actions, plain lines in a terminal. */
export const actionsLogger: Logger = {
  info: (m) => core.info(m),
  debug: (m) => core.debug(m),
  warning: (m, p) => core.warning(m, p),
  error: (m, p) => core.error(m, p),
  group: (name, fn) => core.group(name, fn),
  setSecret: (v) => core.setSecret(v)
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve()
      const timer = setTimeout(done, ms)
      function done(): void {
        clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        resolve()
      }
      signal?.addEventListener('abort', done, { once: true })
    })
}
