/**
 * Splitting a Go test binary's tests over N Jobs and putting the results back together. Pure.
 *
 * Why N Jobs and not one Indexed Job: an Indexed Job gives each pod JOB_COMPLETION_INDEX, but
 * every pod gets the same args, and a pre-compiled test binary on `FROM scratch` has no shell to
 * turn an index into a `-test.run` pattern (Go's testing reads no environment variable for it).
 * N Jobs, each with its own anchored `-test.run`, work with any test image.
 */
import type { TestCase, TestRun } from '../results/types.js'

/** Top-level tests as `-test.list .` prints them (benchmarks do not run as tests). */
export function parseTestList(output: string): string[] {
  const names = output
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => /^(Test|Example|Fuzz)[\p{L}\p{N}_]*$/u.test(l))
  return [...new Set(names)]
}

/** Test durations (top-level tests only) from a results.json an earlier run wrote. */
export function durationsFromResults(json: string): Map<string, number> {
  const parsed = JSON.parse(json) as {
    tests?: Array<{ name?: string; durationMs?: number | null }>
  }
  const out = new Map<string, number>()
  for (const t of parsed.tests ?? []) {
    if (!t.name || t.name.includes('/') || typeof t.durationMs !== 'number') continue
    out.set(t.name, t.durationMs)
  }
  return out
}

/**
 * N groups of about equal run time: longest first, each onto the least loaded group (LPT).
 * Tests without a known duration count as the median known one (or 1 when none is known), so
 * without history the split is by count. Deterministic: ties go by name, then group index.
 * Groups that would be empty are dropped.
 */
export function splitTests(
  names: string[],
  n: number,
  durations: Map<string, number> = new Map()
): string[][] {
  const known = [...durations.values()].sort((a, b) => a - b)
  const fallback = known.length > 0 ? known[Math.floor(known.length / 2)] : 1
  const cost = (t: string) => durations.get(t) ?? fallback
  const order = [...names].sort((a, b) => cost(b) - cost(a) || (a < b ? -1 : a > b ? 1 : 0))
  const groups = Array.from({ length: Math.max(1, n) }, () => ({ tests: [] as string[], load: 0 }))
  for (const t of order) {
    let best = groups[0]
    for (const g of groups) if (g.load < best.load) best = g
    best.tests.push(t)
    best.load += cost(t)
  }
  return groups.map((g) => g.tests.sort()).filter((g) => g.length > 0)
}

/** `^(TestA|TestB)$`: exactly these top-level tests, their subtests included. */
export function runPattern(names: string[]): string {
  return `^(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`
}

/** The test args for one shard: the user's, with any -test.run replaced by the shard's. */
export function shardArgs(args: string[], names: string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    if (/^--?test\.run=/.test(a)) continue
    if (/^--?test\.run$/.test(a)) {
      i++
      continue
    }
    out.push(a)
  }
  return [...out, `-test.run=${runPattern(names)}`]
}

/**
 * One run out of the shards' runs: tests side by side, counts added up, failed if any failed.
 * Coverage is left to the caller: percentages of different runs do not add up; merged cover
 * profiles do.
 */
export function mergeRuns(runs: TestRun[]): TestRun {
  const tests: TestCase[] = runs.flatMap((r) => r.tests)
  const sum = (k: 'passed' | 'failed' | 'skipped' | 'interrupted') =>
    runs.reduce((n, r) => n + r[k], 0)
  const failed = runs.some((r) => r.status === 'failed')
  return {
    tests,
    passed: sum('passed'),
    failed: sum('failed'),
    skipped: sum('skipped'),
    interrupted: sum('interrupted'),
    coverage: runs.length === 1 ? runs[0].coverage : undefined,
    panic: runs.find((r) => r.panic)?.panic,
    timedOut: runs.find((r) => r.timedOut)?.timedOut,
    verdict: runs.every((r) => r.verdict === 'PASS') ? 'PASS' : failed ? 'FAIL' : undefined,
    status: failed ? 'failed' : 'passed'
  }
}
