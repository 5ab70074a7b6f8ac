/**
 * Splitting a Go test binary's tests over N Jobs and putting the results back together. Pure.
 *
 * How a pod gets its share. Kubernetes' Indexed Job (`completionMode: Indexed`) gives each pod
 * its index (the `batch.kubernetes.io/job-completion-index` annotation, `JOB_COMPLETION_INDEX` in
 * the env, the `<job>-<index>` hostname), but every pod has the same args and env: the API has no
 * per-index args. `$(VAR)` expansion in args is one pass over names written in the spec, so
 * `-test.run=$(SHARD_$(JOB_COMPLETION_INDEX))` stays literal; a ConfigMap or `subPathExpr` can put
 * a per-index file in the pod, but Go's testing reads no flag from a file or the environment. So
 * a pre-compiled test binary on `FROM scratch`, with no shell to turn an index into a `-test.run`,
 * cannot pick its shard. Default: N Jobs, each with its own anchored `-test.run` (any image, any
 * Go version). For images whose TestMain does pick its shard from the index (see
 * `indexedShardJob` in jobs.ts), one Indexed Job carries every shard's pattern in its env.
 */
import type { TestCase, TestRun } from '../results/types.js'

const TEST_NAME = /^(Test|Example|Fuzz)[\p{L}\p{N}_]*$/u
/** A test name at the end of a line something else printed into without a newline. */
const GLUED_NAME = /(?:Test|Example|Fuzz)[\p{L}\p{N}_]*$/u

/**
 * Top-level tests as `-test.list .` prints them (benchmarks do not run as tests). Go prints one
 * name a line, but what a package printed before without a newline (an init's "disabling MySQL
 * tests") ends up in front of the first name: that name is taken from the line's end, or it would
 * run in no shard.
 */
export function parseTestList(output: string): string[] {
  const names: string[] = []
  for (const raw of output.split(/\r?\n/)) {
    const l = raw.trim()
    if (TEST_NAME.test(l)) names.push(l)
    else if (!/^Benchmark/.test(l)) {
      const glued = GLUED_NAME.exec(l)?.[0]
      if (glued) names.push(glued)
    }
  }
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
 * N groups of about equal run time: longest first, each onto the least loaded group (LPT), ties
 * to the group with fewer tests. Tests without a known duration count as the median known one;
 * every test counts at least 1 ms (Go rounds fast tests to 0.00s), so without history, or with a
 * history of fast tests only, the split is by count. Deterministic: ties go by name, then group
 * index. Groups that would be empty are dropped.
 */
export function splitTests(
  names: string[],
  n: number,
  durations: Map<string, number> = new Map()
): string[][] {
  const known = [...durations.values()].sort((a, b) => a - b)
  const fallback = known.length > 0 ? known[Math.floor(known.length / 2)] : 1
  const cost = (t: string) => Math.max(1, durations.get(t) ?? fallback)
  const order = [...new Set(names)].sort(
    (a, b) => cost(b) - cost(a) || (a < b ? -1 : a > b ? 1 : 0)
  )
  const groups = Array.from({ length: Math.max(1, n) }, () => ({ tests: [] as string[], load: 0 }))
  for (const t of order) {
    let best = groups[0]
    for (const g of groups)
      if (g.load < best.load || (g.load === best.load && g.tests.length < best.tests.length))
        best = g
    best.tests.push(t)
    best.load += cost(t)
  }
  return groups.map((g) => g.tests.sort()).filter((g) => g.length > 0)
}

/** `^(TestA|TestB)$`: exactly these top-level tests, their subtests included. */
export function runPattern(names: string[]): string {
  return `^(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`
}

const RUN = /^--?test\.run(=|$)/
const SKIP = /^--?test\.skip(=|$)/
const LIST = /^--?test\.list(=|$)/
const COVERPROFILE = /^--?test\.coverprofile(=|$)/

/**
 * Takes the flags matching `flag` out of `args` (`-test.run=X` or `-test.run X`); returns the
 * other args and the last value given (Go's flag package keeps the last one too).
 */
function takeFlag(args: string[], flag: RegExp): { rest: string[]; value?: string } {
  const rest: string[] = []
  let value: string | undefined
  for (let i = 0; i < args.length; i++) {
    const m = flag.exec(args[i])
    if (!m) rest.push(args[i])
    else if (m[1] === '=') value = args[i].slice(args[i].indexOf('=') + 1)
    else value = args[++i]
  }
  return { rest, value }
}

/** The `-test.run` and `-test.skip` values of `args`, and the args without them. */
export function takeRunAndSkip(args: string[]): { rest: string[]; run?: string; skip?: string } {
  const { rest: others, value: run } = takeFlag(args, RUN)
  const { rest, value: skip } = takeFlag(others, SKIP)
  return { rest, run, skip }
}

/**
 * Splits a `-test.run`/`-test.skip` pattern as Go's testing does: into alternatives at unbracketed
 * `|`, each into path elements at unbracketed `/` (one per subtest level).
 */
export function splitRunPattern(pattern: string): string[][] {
  const alternatives: string[][] = []
  let elements: string[] = []
  let brackets = 0
  let parens = 0
  let start = 0
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]
    if (c === '\\') i++
    else if (c === '[') brackets++
    else if (c === ']') brackets = Math.max(0, brackets - 1)
    else if (c === '(' && brackets === 0) parens++
    else if (c === ')' && brackets === 0) parens--
    else if ((c === '/' || c === '|') && brackets === 0 && parens === 0) {
      elements.push(pattern.slice(start, i))
      start = i + 1
      if (c === '|') {
        alternatives.push(elements)
        elements = []
      }
    }
  }
  elements.push(pattern.slice(start))
  alternatives.push(elements)
  return alternatives
}

/**
 * Args of the listing run: `-test.list` with the top-level part of the user's `-test.run` (so a
 * filtered suite is sharded, not the whole one), after the user's other args minus what does not
 * apply to a listing (`-test.run`, `-test.skip`, `-test.coverprofile`): a TestMain may need the
 * user's own flags before `m.Run` lists the tests.
 */
export function listArgs(testArgs: string[]): string[] {
  const { rest: others, value: run } = takeFlag(testArgs, RUN)
  const rest = takeFlag(takeFlag(takeFlag(others, SKIP).rest, LIST).rest, COVERPROFILE).rest
  const alternatives = run ? splitRunPattern(run) : []
  const top =
    alternatives.length === 0
      ? '.'
      : alternatives.length === 1
        ? alternatives[0][0] || '.'
        : alternatives.map((a) => `(?:${a[0] || '.*'})`).join('|')
  return [...rest, `-test.list=${top}`]
}

/**
 * The test args with `-test.coverprofile=/dev/stdout` added, so that every shard prints its
 * cover profile into its log and the run's coverage can be merged (shard `coverage:` lines do
 * not add up). Only for a binary built with -cover: any other exits 2 on that flag ("cannot use
 * -test.coverprofile because test binary was not built with coverage enabled"). The listing Job's
 * output tells: a -cover binary of Go 1.20+ ends it with the coverage runtime's GOCOVERDIR
 * warning. A value the user gave is kept.
 */
export function withCoverProfile(args: string[], listingOutput: string): string[] {
  if (takeFlag(args, COVERPROFILE).value !== undefined) return [...args]
  if (!/^warning: GOCOVERDIR not set, no coverage data emitted\s*$/m.test(listingOutput))
    return [...args]
  return [...args, '-test.coverprofile=/dev/stdout']
}

/**
 * The test args for one shard: the user's, with `-test.run` set to the shard's tests. The names
 * come from `listArgs`'s listing, so they already match the top level of the user's `-test.run`;
 * what the user's pattern says below the top level is kept:
 * - no `-test.run`, or no subtest part: `-test.run=^(TestA|TestB)$`;
 * - one alternative with a subtest part, `-test.run=TestX/fast`: `-test.run=^(TestA|TestB)$/fast`;
 * - several alternatives with subtest parts (`A/x|B/y`): the user's `-test.run` stays as it is and
 *   `-test.skip` leaves out the other shards' tests (`^(TestC|TestD)$`, after the user's own
 *   `-test.skip`, if any); `-test.skip` needs a test binary of Go 1.20 or later.
 * `others` is every listed test not in this shard (only needed for the last case).
 */
export function shardArgs(args: string[], names: string[], others: string[] = []): string[] {
  const { rest, value: run } = takeFlag(args, RUN)
  const alternatives = run ? splitRunPattern(run) : [['']]
  if (alternatives.length === 1 || alternatives.every((a) => a.length === 1)) {
    const below = alternatives.length === 1 ? alternatives[0].slice(1) : []
    return [...rest, `-test.run=${[runPattern(names), ...below].join('/')}`]
  }
  if (others.length === 0) return [...args]
  const { rest: kept, value: skip } = takeFlag(rest, SKIP)
  const ours = runPattern(others)
  return [...kept, `-test.run=${run}`, `-test.skip=${skip ? `${skip}|${ours}` : ours}`]
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
  const flaky = runs.flatMap((r) => r.flaky ?? [])
  const ending = runs.find((r) => r.ending)?.ending
  return {
    ...(flaky.length > 0 ? { flaky } : {}),
    ...(ending ? { ending } : {}),
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

/** Every shard's args at once (`shardArgs` with the other shards' tests filled in). */
export function shardArgList(testArgs: string[], groups: string[][]): string[][] {
  return groups.map((g, i) => shardArgs(testArgs, g, groups.filter((_, j) => j !== i).flat()))
}
