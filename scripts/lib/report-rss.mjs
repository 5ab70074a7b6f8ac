// Preloaded into the action's node processes by the benchmark (NODE_OPTIONS=--import): writes the
// process's peak resident set size (KiB, getrusage's ru_maxrss, the same figure as VmHWM in
// /proc/<pid>/status) and how long after the process started (node's time origin) the action
// opened its first log group, i.e. began its first stage, when it exits. The main and the post
// step both run with it, so each writes its own file: $BENCH_RSS_FILE.main, $BENCH_RSS_FILE.post
// (named after the bundle's folder, dist/main or dist/post).
import * as fs from 'node:fs'
import * as path from 'node:path'
import { performance } from 'node:perf_hooks'

let firstGroupMs
const write = process.stdout.write.bind(process.stdout)
process.stdout.write = (chunk, ...rest) => {
  if (firstGroupMs === undefined && String(chunk).includes('::group::'))
    firstGroupMs = Math.round(performance.now())
  return write(chunk, ...rest)
}

// Where the memory is at the resident peak, sampled: V8's heap, or buffers outside it.
// Sampled once more at exit, so a process shorter than one interval (bad input) has a breakdown.
let atPeak = {}
const sample = () => {
  const m = process.memoryUsage()
  if (m.rss >= (atPeak.rss ?? 0)) atPeak = m
}
setInterval(sample, 100).unref()

process.on('exit', () => {
  if (!process.env.BENCH_RSS_FILE) return
  sample()
  const kib = process.resourceUsage().maxRSS
  const step = path.basename(path.dirname(process.argv[1] ?? 'node'))
  fs.writeFileSync(
    `${process.env.BENCH_RSS_FILE}.${step}`,
    JSON.stringify({
      maxRssKiB: kib,
      firstGroupMs,
      atPeakMiB: Object.fromEntries(
        Object.entries(atPeak).map(([k, v]) => [k, Math.round(v / 1048576)])
      )
    })
  )
})
