import { describe, expect, it } from '@jest/globals'
import { publish } from '../src/publish.js'
import { parseTestLog } from '../src/results/gotest.js'
import type { RunReport } from '../src/report/report.js'
import { Redactor } from '../src/secrets/redact.js'
import { FakeLogger } from '../__fixtures__/fake-logger.js'

const SECRET = 'p@ss|w<rd`1'

describe('publish', () => {
  it('keeps secret values out of outputs, annotations, the summary and the failure message', async () => {
    const log = `=== RUN   TestDB\n    db_test.go:9: dial postgres://app:${SECRET}@db: refused\n--- FAIL: TestDB (0.10s)\nFAIL\n`
    const report: RunReport = {
      status: 'failed',
      headline: `1 test failed: TestDB (password ${SECRET})`,
      details: [`env DB_PASSWORD=${SECRET}`],
      run: parseTestLog(log),
      durationMs: 1,
      timings: [],
      locate: () => 'db_test.go'
    }
    const outputs: Record<string, string> = {}
    let markdown = ''
    let failedWith = ''
    const logger = new FakeLogger()
    await publish(
      report,
      { failOnTestFailure: true, failOnFlaky: true },
      logger,
      {
        setOutput: (k, v) => void (outputs[k] = v),
        writeSummary: async (md) => void (markdown = md),
        setFailed: (m) => void (failedWith = m)
      },
      Redactor.from([SECRET])
    )
    const everything = [
      JSON.stringify(outputs),
      markdown,
      failedWith,
      JSON.stringify(logger.lines)
    ].join('\n')
    expect(everything).not.toContain('p@ss')
    expect(outputs.diagnosis).toBe('1 test failed: TestDB (password ***)')
    expect(logger.lines.find((l) => l.level === 'error')?.message).toBe(
      'dial postgres://app:***@db: refused'
    )
    expect(failedWith).toBe('1 test failed: TestDB (password ***)')
    // The caller's report is left as it was.
    expect(report.headline).toContain(SECRET)
  })
})
