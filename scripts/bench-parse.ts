// Parser benchmark (prints figures; not a test): a generated 100,000-line log with 5,000 tests
// (passes, testify failures, skips, subtests, unrelated log noise), parsed in one process.
// Target: under 1 s and under 150 MB on one core. Run: npm run bench
import { parseTestLog } from '../src/results/gotest.js'

function generate(tests: number, targetLines: number): string {
  const out: string[] = []
  const perTest = Math.floor(targetLines / tests)
  for (let i = 0; i < tests; i++) {
    const name = `TestGenerated${i}`
    out.push(`=== RUN   ${name}`)
    const kind = i % 10
    let body = 2
    if (kind === 0) {
      out.push(
        `    gen_test.go:${i + 10}: `,
        `        \tError Trace:\t/src/tests/gen_test.go:${i + 10}`,
        `        \tError:      \tNot equal: `
      )
      out.push(
        `        \t            \texpected: ${i}`,
        `        \t            \tactual  : ${i + 1}`,
        `        \tTest:       \t${name}`
      )
      body += 6
    }
    if (kind === 1) {
      out.push(`=== RUN   ${name}/sub`, `--- PASS: ${name}/sub (0.00s)`)
      body += 2
    }
    for (; body < perTest; body++)
      out.push(`2026/11/25 04:00:00 request ${i}.${body} handled in 3ms`)
    out.push(
      kind === 0
        ? `--- FAIL: ${name} (0.01s)`
        : kind === 2
          ? `--- SKIP: ${name} (0.00s)`
          : `--- PASS: ${name} (0.00s)`
    )
  }
  out.push('FAIL', 'coverage: 61.3% of statements')
  return out.join('\n') + '\n'
}

const log = generate(5000, 100_000)
const lines = log.split('\n').length - 1
const gc = (globalThis as { gc?: () => void }).gc
const runs: number[] = []
let peakRss = process.memoryUsage().rss
let result = parseTestLog(log)
for (let i = 0; i < 5; i++) {
  gc?.()
  const t = process.hrtime.bigint()
  result = parseTestLog(log)
  runs.push(Number(process.hrtime.bigint() - t) / 1e6)
  peakRss = Math.max(peakRss, process.memoryUsage().rss)
}
runs.sort((a, b) => a - b)
const median = runs[Math.floor(runs.length / 2)]
console.log(
  `log: ${lines} lines, ${(log.length / 1e6).toFixed(1)} MB, ${result.tests.length} tests (${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped), coverage ${result.coverage}%`
)
console.log(
  `parse: median ${median.toFixed(1)} ms of 5 runs (min ${runs[0].toFixed(1)}, max ${runs.at(-1)!.toFixed(1)}), ${Math.round(lines / (median / 1000)).toLocaleString('en')} lines/s`
)
console.log(
  `memory: peak RSS ${(peakRss / 1e6).toFixed(0)} MB, heap used ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`
)
