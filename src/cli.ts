#!/usr/bin/env node
/**
 * `in-cluster-test`: the action's pipeline from a terminal, against any kubeconfig, with flags
 * named like the inputs; and `report`, which reads a saved test log.
 */
// First: it must be in place before the Kubernetes client loads.
import './quiet-deprecations.js'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { cleanup } from './cleanup/cleanup.js'
import { parseCli, USAGE, UsageError } from './cli/args.js'
import { consoleLogger } from './cli/console-logger.js'
import { realClock, realExec, realToolCache } from './deps.js'
import { getInputs, readEnvironment } from './inputs.js'
import { createKube } from './k8s/client.js'
import { publish } from './publish.js'
import { parseTestLog, reportableFailures } from './results/gotest.js'
import { textReport } from './report/report.js'
import { run } from './run.js'
import { loadCleanupState, memoryStateStore } from './state.js'
import { platformOf } from './tools.js'

const templatesDir = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'templates'
)

async function main(argv: string[]): Promise<number> {
  const cmd = parseCli(argv)
  if (cmd.command === 'help') {
    process.stdout.write(USAGE)
    return 0
  }
  if (cmd.command === 'report') {
    const testRun = parseTestLog(fs.readFileSync(cmd.log, 'utf8'))
    if (cmd.json) {
      const json = {
        status: testRun.status,
        passed: testRun.passed,
        failed: testRun.failed + testRun.interrupted,
        skipped: testRun.skipped,
        coverage: testRun.coverage ?? null,
        failures: reportableFailures(testRun).map((t) => ({
          test: t.name,
          file: t.failure?.file ?? null,
          line: t.failure?.line ?? null,
          message: t.failure?.message ?? ''
        }))
      }
      process.stdout.write(JSON.stringify(json, null, 2) + '\n')
    } else {
      process.stdout.write(
        textReport({
          status: testRun.status,
          headline: '',
          run: testRun,
          locate: () => undefined
        }) + '\n'
      )
    }
    return testRun.status === 'passed' ? 0 : 1
  }

  const log = consoleLogger()
  const state = memoryStateStore()
  const exec = realExec
  const inputs = getInputs((name) => cmd.inputs[name] ?? '', readEnvironment())
  try {
    const report = await run(inputs, {
      exec,
      toolCache: realToolCache,
      log,
      clock: realClock,
      state,
      platform: platformOf(process.platform, process.arch),
      templatesDir,
      connect: createKube
    })
    const summaryFile = path.join(inputs.outputDir, 'summary.md')
    const failure = await publish(report, inputs, log, {
      setOutput: (name, value) => log.info(`output ${name}=${value}`),
      writeSummary: async (md) => fs.writeFileSync(summaryFile, md),
      setFailed: (m) => log.error(m)
    })
    log.info(`\n${textReport(report)}\nsummary: ${summaryFile}`)
    return failure ? 1 : 0
  } finally {
    // What the post step does on GitHub.
    await cleanup(loadCleanupState(state), exec, log)
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
