// Preloaded into the action's node process by the benchmark (NODE_OPTIONS=--import): writes the
// process's peak resident set size (KiB, getrusage's ru_maxrss, the same figure as VmHWM in
// /proc/<pid>/status) and how long after the process started (node's time origin) the action
// opened its first log group, i.e. began its first stage, to $BENCH_RSS_FILE when it exits.
import * as fs from 'node:fs'
import { performance } from 'node:perf_hooks'

let firstGroupMs
const write = process.stdout.write.bind(process.stdout)
process.stdout.write = (chunk, ...rest) => {
  if (firstGroupMs === undefined && String(chunk).includes('::group::'))
    firstGroupMs = Math.round(performance.now())
  return write(chunk, ...rest)
}

process.on('exit', () => {
  if (!process.env.BENCH_RSS_FILE) return
  const kib = process.resourceUsage().maxRSS
  fs.writeFileSync(process.env.BENCH_RSS_FILE, JSON.stringify({ maxRssKiB: kib, firstGroupMs }))
})
