// Preloaded into the action's node process by the benchmark (NODE_OPTIONS=--import): writes the
// process's peak resident set size (KiB) and its start time to $BENCH_RSS_FILE when it exits.
import * as fs from 'node:fs'
process.on('exit', () => {
  if (!process.env.BENCH_RSS_FILE) return
  const kib = process.resourceUsage().maxRSS
  fs.writeFileSync(process.env.BENCH_RSS_FILE, JSON.stringify({ maxRssKiB: kib }))
})
