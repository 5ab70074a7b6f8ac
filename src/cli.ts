#!/usr/bin/env node
/**
 * `in-cluster-test`: the action's pipeline from a terminal, against any kubeconfig, with flags
 * named like the inputs; and `report`, which reads a saved test log.
 */
// First: it must be in place before the Kubernetes client loads.
import './quiet-deprecations.js'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { cleanup, registryLogout } from './cleanup/cleanup.js'
import { cleanupOnSignal } from './cleanup/signals.js'
import { SecretValues } from './secrets/secrets.js'
import { parseCli, USAGE, UsageError } from './cli/args.js'
import { consoleLogger } from './cli/console-logger.js'
import { realExec } from './deps.js'
import { defaultDeps } from './default-deps.js'
import { getInputs, readEnvironment } from './inputs/index.js'
import { publish } from './publish.js'
import { formatProfile } from './results/cover-profile.js'
import { parseLogFile } from './shard/merge.js'
import { checkoutSource, listGoFiles } from './results/source-files.js'
import { locateFile } from './results/locate.js'
import { resultsJson, textReport, type RunReport } from './report/report.js'
import { run } from './run.js'
import { createdObjects, loadCleanupState, memoryStateStore } from './state.js'

async function main(argv: string[]): Promise<number> {
  const cmd = parseCli(argv)
  if (cmd.command === 'help') {
    process.stdout.write(USAGE)
    return 0
  }
  if (cmd.command === 'report') {
    // The checkout the tests were built from, as the action's workspace: which printed lines are
    // failing checks, and the repository paths annotations would name.
    if (!fs.statSync(cmd.source, { throwIfNoEntry: false })?.isDirectory())
      throw new Error(
        `--source ${cmd.source} is not a folder: give the checkout the tests were built from`
      )
    const files = await listGoFiles(cmd.source, realExec)
    const source = checkoutSource(cmd.source, files)
    // Streamed (a log may be larger than a string can be); a sharded log is merged by shard.
    const { run: testRun, profile } = await parseLogFile(cmd.log, { source })
    if (cmd.coverprofile) {
      if (!profile)
        throw new Error(`${cmd.log} holds no cover profile to write to ${cmd.coverprofile}`)
      fs.writeFileSync(cmd.coverprofile, formatProfile(profile))
    }
    // The same report as a run's, so --json is results.json's shape.
    const report: RunReport = {
      status: testRun.status,
      headline: '',
      details: [],
      run: testRun,
      durationMs: 0,
      timings: [],
      locate: (printed, pkg) => locateFile(printed, files, pkg)
    }
    process.stdout.write((cmd.json ? resultsJson(report) : textReport(report)) + '\n')
    return testRun.status === 'passed' ? 0 : 1
  }

  const log = consoleLogger()
  const state = memoryStateStore()
  const exec = realExec
  const secrets = new SecretValues(log)
  const inputs = getInputs((name) => cmd.inputs[name] ?? '', readEnvironment(), secrets)
  if (inputs.report.uploadArtifact)
    log.info(
      `upload-artifact is the GitHub Action's post step: the files stay in ${inputs.outputDir}`
    )
  // What the post step does on GitHub: also on Ctrl-C and SIGTERM, so nothing is left behind.
  const cleanUp = async () => {
    await registryLogout(state, exec, log)
    await cleanup(loadCleanupState(state), exec, log, createdObjects(state).objects)
  }
  const removeHandlers = cleanupOnSignal(cleanUp, log)
  try {
    const report = await run(inputs, defaultDeps(log, state, secrets))
    const summaryFile = path.join(inputs.outputDir, 'summary.md')
    const failure = await publish(
      report,
      inputs.report,
      log,
      {
        setOutput: (name, value) => log.info(`output ${name}=${value}`),
        writeSummary: async (md) => fs.writeFileSync(summaryFile, md),
        setFailed: (m) => log.error(m)
      },
      secrets.redactor
    )
    log.info(`\n${secrets.redactor.redact(textReport(report))}\nsummary: ${summaryFile}`)
    return failure ? 1 : 0
  } finally {
    removeHandlers()
    await cleanUp()
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`in-cluster-test: ${(e as Error).message}\n`)
    if (e instanceof UsageError) process.stderr.write(USAGE)
    process.exit(2)
  }
)
