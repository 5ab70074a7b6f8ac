// The fault suite: the real action against real faults on the local cluster. Each case checks
// the status output, the diagnosis headline, that the log written so far is kept, and that the
// post step (cleanup) ran. Prints a table: fault → status → headline → log kept → cleanup.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { exampleEnv, exampleInputs } from './lib/example-inputs.mjs'
import { runAction } from './lib/run-action.mjs'

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const work = path.join(root, '.e2e', 'faults')
fs.rmSync(work, { recursive: true, force: true })

const base = { ...exampleInputs('fault-suite-jwt-secret-0123456789'), timeout: '2m' }
const env = exampleEnv

const cases = [
  {
    fault: 'test binary exceeds its memory limit',
    inputs: {
      env: env('EXAMPLE_OOM: "1"'),
      'memory-limit': '96Mi',
      'test-args': '-test.v -test.run TestDeliberateMemoryHog'
    },
    status: 'error',
    headline: /^Tests were killed: out of memory \(limit 96Mi\)/,
    log: /holding \d+ MiB/
  },
  {
    fault: 'Job deadline exceeded',
    inputs: {
      env: env('EXAMPLE_HANG: "1"'),
      timeout: '20s',
      'test-args': '-test.v -test.run TestDeliberateHang'
    },
    status: 'timeout',
    headline: /^Tests did not finish within the timeout \(20s\)/,
    log: /waiting forever/
  },
  {
    fault: 'a test panics',
    inputs: {
      env: env('EXAMPLE_PANIC: "1"'),
      'test-args': '-test.v -test.run TestDeliberatePanic'
    },
    status: 'failed',
    headline: /^A test panicked: runtime error: invalid memory address or nil pointer dereference/,
    log: /goroutine \d+ \[running\]/
  },
  {
    fault: 'missing Secret',
    inputs: { env: env(''), 'env-from-secrets': 'postgres-credentials\ndoes-not-exist' },
    status: 'error',
    headline: /^The test container could not start: secret "does-not-exist" not found/,
    log: /^$/
  },
  {
    fault: 'image not loaded',
    inputs: { env: env(''), image: 'example/never-loaded:v1', 'image-load': 'none' },
    status: 'error',
    headline:
      /^The test image example\/never-loaded:v1 could not be pulled \((ErrImagePull|ImagePullBackOff)\)/,
    log: /^$/
  }
]

const rows = []
let failed = 0
for (const c of cases) {
  const name = c.fault.replace(/\W+/g, '-')
  const r = await runAction({
    node: process.env.NODE24,
    root,
    workspace: root,
    workDir: path.join(work, name),
    inputs: { ...base, ...c.inputs }
  })
  const logFile = r.outputs['log-file']
  const logText = logFile && fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : undefined
  const checks = {
    status: r.outputs.status === c.status,
    headline: c.headline.test(r.outputs.diagnosis ?? ''),
    'log kept': logText !== undefined && c.log.test(logText.trim()),
    cleanup: r.post.code === 0 && r.main.code !== 0
  }
  const ok = Object.values(checks).every(Boolean)
  if (!ok) failed++
  rows.push([
    c.fault,
    r.outputs.status,
    (r.outputs.diagnosis ?? '').slice(0, 110),
    checks['log kept'] ? 'yes' : 'NO',
    checks.cleanup ? 'yes' : 'NO',
    ok ? 'ok' : 'FAIL'
  ])
  console.log(
    `${ok ? 'ok  ' : 'FAIL'} ${c.fault} (${(r.mainMs / 1000).toFixed(1)}s): ${JSON.stringify(checks)}`
  )
  if (!ok) console.log(`     outputs: ${JSON.stringify(r.outputs)}`)
}
console.log(
  '\n| fault | status | headline | logs kept | cleanup | result |\n| --- | --- | --- | --- | --- | --- |'
)
for (const row of rows) console.log(`| ${row.join(' | ')} |`)
if (failed > 0) {
  console.error(`\nfaults: ${failed} case(s) failed`)
  process.exit(1)
}
console.log(`\nfaults: ${cases.length} passed, 0 failed`)
