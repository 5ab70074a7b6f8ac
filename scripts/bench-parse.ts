// Parser benchmark (prints figures; not a test). Each case runs in its own child process, so its
// peak RSS (VmHWM from /proc/self/status) is its own:
// - small: a generated 100,000-line log with 5,000 tests, parsed from a string, 5 times;
// - large: a generated 1 GiB log streamed from a file (a log over 512 MiB cannot be one string),
//   printed as `large log: N MiB in S s, peak RSS R MiB`;
// - long-line: 64 MB without a newline inside a test, from a file and from a string, and through
//   the log follower's LineSplitter in 64 KiB chunks;
// - failures: 100,000 failing tests (testify output), from a string.
// Target: peak RSS under 200 MB, time linear in size. Run: npm run bench
// (BENCH_LARGE_MIB=256 for a quicker large case.)
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { createRequire } from 'node:module'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseTestLog, parseTestLogFile } from '../src/results/gotest.js'
import { LineSplitter } from '../src/logs/lines.js'
import type { TestRun } from '../src/results/types.js'

const MiB = 1024 * 1024

function peakRssMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))
  return m ? Number(m[1]) / 1024 : process.memoryUsage().rss / MiB
}

function testLines(i: number, noise: number): string[] {
  const name = `TestGenerated${i}`
  const out = [`=== RUN   ${name}`]
  const kind = i % 10
  if (kind === 0)
    out.push(
      `    gen_test.go:${(i % 900) + 10}: `,
      `        \tError Trace:\t/src/tests/gen_test.go:${(i % 900) + 10}`,
      `        \tError:      \tNot equal: `,
      `        \t            \texpected: ${i}`,
      `        \t            \tactual  : ${i + 1}`,
      `        \tTest:       \t${name}`
    )
  if (kind === 1) out.push(`=== RUN   ${name}/sub`, `--- PASS: ${name}/sub (0.00s)`)
  for (let b = 0; b < noise; b++)
    out.push(`2026/11/25 04:00:00 request ${i}.${b} handled in 3ms by worker ${b % 16} of the pool`)
  out.push(
    kind === 0
      ? `--- FAIL: ${name} (0.01s)`
      : kind === 2
        ? `--- SKIP: ${name} (0.00s)`
        : `--- PASS: ${name} (0.00s)`
  )
  return out
}

function generateSmall(tests: number, targetLines: number): string {
  const out: string[] = []
  const perTest = Math.floor(targetLines / tests)
  for (let i = 0; i < tests; i++) out.push(...testLines(i, Math.max(0, perTest - 3)))
  out.push('FAIL', 'coverage: 61.3% of statements')
  return out.join('\n') + '\n'
}

/** Writes tests until the file has `bytes`; never the whole log in memory. */
function generateLarge(file: string, bytes: number): number {
  const fd = fs.openSync(file, 'w')
  let written = 0
  let i = 0
  try {
    while (written < bytes) {
      const parts: string[] = []
      let size = 0
      while (size < 4 * MiB) {
        const s = testLines(i++, 100).join('\n') + '\n'
        parts.push(s)
        size += s.length
      }
      written += fs.writeSync(fd, parts.join(''))
    }
    written += fs.writeSync(fd, 'FAIL\ncoverage: 61.3% of statements\n')
  } finally {
    fs.closeSync(fd)
  }
  return i
}

function generateLongLine(file: string, bytes: number): void {
  const fd = fs.openSync(file, 'w')
  fs.writeSync(fd, '=== RUN   TestHuge\n')
  const block = Buffer.alloc(MiB, 'x')
  for (let n = 0; n < bytes; n += block.length) fs.writeSync(fd, block)
  fs.writeSync(fd, '--- PASS: TestHuge (0.10s)\nPASS\n')
  fs.closeSync(fd)
}

function generateFailures(n: number): string {
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    const name = `TestFail${i}`
    out.push(
      `=== RUN   ${name}`,
      `    x_test.go:${(i % 500) + 1}: got ${i}, want ${i + 1}`,
      `--- FAIL: ${name} (0.00s)`
    )
  }
  out.push('FAIL')
  return out.join('\n') + '\n'
}

function brief(r: TestRun): string {
  return `${r.tests.length} tests (${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped)`
}

function line(label: string, bytes: number, seconds: number, extra = ''): string {
  const mb = bytes / 1e6
  return `${label}: ${(bytes / MiB).toFixed(0)} MiB in ${seconds.toFixed(2)} s (${(mb / seconds).toFixed(0)} MB/s), peak RSS ${peakRssMiB().toFixed(0)} MiB${extra}`
}

const time = async <T>(f: () => T | Promise<T>): Promise<[T, number]> => {
  const t = process.hrtime.bigint()
  const r = await f()
  return [r, Number(process.hrtime.bigint() - t) / 1e9]
}

/** One case, in this (child) process. */
async function runCase(name: string, file: string): Promise<void> {
  if (name === 'small') {
    const log = generateSmall(5000, 100_000)
    const runs: number[] = []
    let result = parseTestLog(log)
    for (let i = 0; i < 5; i++) {
      const [r, s] = await time(() => parseTestLog(log))
      result = r
      runs.push(s)
    }
    runs.sort((a, b) => a - b)
    console.log(
      line('small log (100k lines, median of 5)', log.length, runs[2], `; ${brief(result)}`)
    )
  } else if (name === 'large') {
    const [{ run }, s] = await time(() => parseTestLogFile(file))
    const size = fs.statSync(file).size
    console.log(
      `large log: ${(size / MiB).toFixed(0)} MiB in ${s.toFixed(1)} s, peak RSS ${peakRssMiB().toFixed(0)} MiB`
    )
    console.log(`  ${(size / 1e6 / s).toFixed(0)} MB/s; ${brief(run)}`)
  } else if (name === 'long-line-file') {
    const [{ run }, s] = await time(() => parseTestLogFile(file))
    console.log(line('64 MB line, from the file', fs.statSync(file).size, s, `; ${brief(run)}`))
  } else if (name === 'long-line-string') {
    const text = fs.readFileSync(file, 'utf8')
    const [run, s] = await time(() => parseTestLog(text))
    console.log(line('64 MB line, from a string', text.length, s, `; ${brief(run)}`))
  } else if (name === 'long-line-follow') {
    const text = fs.readFileSync(file, 'utf8')
    const [lines, s] = await time(() => {
      const sp = new LineSplitter()
      let n = 0
      for (let i = 0; i < text.length; i += 64 * 1024)
        n += sp.push(text.slice(i, i + 64 * 1024)).length
      return n + sp.flush().length
    })
    console.log(
      line('64 MB line, follower LineSplitter in 64 KiB chunks', text.length, s, `; ${lines} lines`)
    )
  } else if (name === 'failures') {
    const log = generateFailures(100_000)
    const [run, s] = await time(() => parseTestLog(log))
    console.log(line('100k failing tests', log.length, s, `; ${brief(run)}`))
  }
}

async function main(): Promise<void> {
  const [, , mode, name, file] = process.argv
  if (mode === '--case') return runCase(name, file)
  const self = fileURLToPath(import.meta.url)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-parse-'))
  // The children run this script bundled with ncc on plain node, as the action runs its dist/:
  // tsx's loader alone adds about 48 MiB to the peak RSS.
  const out = path.join(dir, 'bundle')
  const ncc = createRequire(import.meta.url).resolve('@vercel/ncc/dist/ncc/cli.js')
  const built = spawnSync(process.execPath, [ncc, 'build', self, '-o', out, '-q', '--no-cache'], {
    stdio: 'inherit'
  })
  if (built.status !== 0) throw new Error(`ncc could not bundle ${self} (${built.status})`)
  const bundle = path.join(out, 'index.js')
  const child = (c: string, f = '') => {
    const r = spawnSync(process.execPath, [bundle, '--case', c, f], { stdio: 'inherit' })
    if (r.status !== 0) throw new Error(`case ${c} failed (${r.status ?? r.signal})`)
  }
  try {
    child('small')
    child('failures')
    const long = path.join(dir, 'long-line.log')
    generateLongLine(long, 64 * 1e6)
    child('long-line-file', long)
    child('long-line-string', long)
    child('long-line-follow', long)
    fs.rmSync(long)
    const large = path.join(dir, 'large.log')
    const mib = Number(process.env.BENCH_LARGE_MIB ?? 1024)
    const t = Date.now()
    const tests = generateLarge(large, mib * MiB)
    console.log(
      `(generated ${mib} MiB, ${tests} tests, in ${((Date.now() - t) / 1000).toFixed(1)} s)`
    )
    child('large', large)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

await main()
