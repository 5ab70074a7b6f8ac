/**
 * Rerunning the failed tests alone (the rerun-failed input, like gotestsum's --rerun-fails), and
 * the first run and its reruns made into one result. Pure.
 *
 * A rerun runs whole top-level tests: a failed subtest's parent runs again with every subtest,
 * because subtests share their parent's setup, and a single Job would run them that way too. The
 * user's own subtest filter (`-test.run=TestX/fast`) is kept (see `shardArgs`).
 *
 * A test that failed and then passed counts as passed and is listed as flaky with its first
 * failure. In a sharded run it is a `shard-conflict`: it failed beside other shards and passed
 * alone, which is what tests sharing a database across shards do, not a flake of the test itself.
 */
import { mergeProfiles, totalCoverage, type CoverProfile } from '../results/cover-profile.js'
import { reportableFailures } from '../results/gotest.js'
import type { FlakyTest, TestCase, TestRun } from '../results/types.js'
import type { MergedShards } from './merge.js'
import { shardArgs } from './shard.js'

/** `TestA` of `TestA/sub/case`: what `-test.run` can select on its own. */
export function topLevel(name: string): string {
  const i = name.indexOf('/')
  return i < 0 ? name : name.slice(0, i)
}

/** A rerun's parsed log. */
export interface Rerun {
  run: TestRun
  profile?: CoverProfile
}

/**
 * Why the failures of a run cannot be told apart by running them again, or undefined when they
 * can: only tests that ended with a verdict are rerun. After a panic, a -test.timeout or a killed
 * binary the tests after it never ran, so running the failed ones again says nothing of the rest.
 */
export function notRerunnable(
  shards: Array<{ run: TestRun }>,
  jobsEnded: boolean
): string | undefined {
  if (!jobsEnded) return 'a test Job did not end on its own (stuck, past its deadline, or gone)'
  for (const { run } of shards) {
    if (run.panic) return 'the test binary panicked, so the tests after the panic never ran'
    if (run.timedOut) return 'the test binary hit its -test.timeout'
    // A shard that ran no test at all (its TestMain failed beside the others' — migrations racing
    // in one database) reruns its whole share; see `diedBeforeTests`.
    if (shards.length > 1 && run.tests.length === 0) continue
    if (run.ending || !run.verdict)
      return 'the test binary ended without printing its verdict (killed or exited)'
  }
  return undefined
}

/**
 * The shards that ran no test at all, by number (1-based), with the tests they were given: their
 * binary ended before its first test (a TestMain that failed, e.g. creating tables another shard
 * was creating). Only for a sharded run whose groups are known.
 */
export function diedBeforeTests(
  first: MergedShards,
  groups: string[][] | undefined
): Array<{ shard: number; tests: string[] }> {
  if (!groups || first.shards.length < 2) return []
  return first.shards.flatMap((s, i) =>
    s.run.tests.length === 0 && groups[i]?.length ? [{ shard: i + 1, tests: groups[i] }] : []
  )
}

/** The top-level tests to run again: each with a failure of its own or of a subtest. */
export function rerunTargets(run: TestRun): string[] {
  return [...new Set(reportableFailures(run).map((t) => topLevel(t.name)))]
}

/**
 * What the next rerun runs: the tests still failing, and those of a shard that died before its
 * tests (`diedBeforeTests`) that no rerun has reported yet.
 */
export function pendingReruns(first: MergedShards, reruns: Rerun[], groups?: string[][]): string[] {
  const reported = new Set(reruns.flatMap((r) => r.run.tests.map((t) => topLevel(t.name))))
  const unrun = diedBeforeTests(first, groups).flatMap((d) => d.tests)
  return [
    ...new Set([
      ...rerunTargets(withReruns(first, reruns, groups).run),
      ...unrun.filter((n) => !reported.has(n))
    ])
  ]
}

/**
 * The rerun's args: the run's own, with an anchored, escaped `-test.run` of exactly `names`
 * (`^(TestA|TestB)$`, the user's subtest part kept). `ran` is every test the run reported, for the
 * one case where `-test.skip` must leave the others out (see `shardArgs`).
 */
export function rerunArgs(args: string[], names: string[], ran: string[]): string[] {
  const wanted = new Set(names)
  const others = [...new Set(ran.map(topLevel))].filter((n) => !wanted.has(n))
  return shardArgs(args, [...wanted].sort(), others)
}

const failing = (t: TestCase) => t.status === 'fail' || t.status === 'interrupted'

/**
 * The first run with its reruns applied, in order: each top-level test a rerun reported replaces
 * every case of that test (itself, its subtests, its repetitions) where the first run had them,
 * so the counts are those of the last time each test ran. A test that failed and ends passing is
 * flaky (`run.flakyTests`, `run.flaky`); one that fails in every rerun stays failed. Cover
 * profiles of whole reruns are merged in, so the coverage is both runs'.
 */
export function withReruns(
  first: MergedShards,
  reruns: Rerun[],
  /** The shards' tests, when known: a shard that ran none had them fail without running. */
  groups?: string[][]
): MergedShards {
  if (reruns.length === 0) return first
  const sharded = first.shards.length > 1
  // Where each top-level test first failed: its first failing case, and its shard.
  const firstFailure = new Map<string, { test: TestCase; shard?: number }>()
  first.shards.forEach((s, i) => {
    for (const t of reportableFailures(s.run)) {
      const top = topLevel(t.name)
      if (!firstFailure.has(top))
        firstFailure.set(top, { test: t, shard: sharded ? i + 1 : undefined })
    }
  })
  for (const { shard, tests } of diedBeforeTests(first, groups))
    for (const name of tests)
      if (!firstFailure.has(name))
        firstFailure.set(name, {
          test: {
            name,
            status: 'fail',
            output: [],
            failure: {
              message: `did not run: shard ${shard}'s test binary ended before its first test (its TestMain failed?), beside the other shards; see its log`
            }
          },
          shard
        })

  let tests = first.run.tests
  const passedIn = new Map<string, number>()
  reruns.forEach((r, i) => {
    const byTop = new Map<string, TestCase[]>()
    for (const t of r.run.tests) {
      const top = topLevel(t.name)
      byTop.set(top, [...(byTop.get(top) ?? []), t])
    }
    const placed = new Set<string>()
    const next: TestCase[] = []
    for (const t of tests) {
      const top = topLevel(t.name)
      const again = byTop.get(top)
      if (!again) next.push(t)
      else if (!placed.has(top)) {
        placed.add(top)
        next.push(...again)
      }
    }
    for (const [top, again] of byTop) if (!placed.has(top)) next.push(...again)
    tests = next
    for (const [top, again] of byTop) {
      if (again.some(failing)) passedIn.delete(top)
      else if (firstFailure.has(top) && !passedIn.has(top)) passedIn.set(top, i + 1)
    }
  })

  const flakyTests: FlakyTest[] = []
  // In the order they first failed.
  for (const [name, at] of firstFailure) {
    const rerun = passedIn.get(name)
    if (rerun === undefined) continue
    flakyTests.push({
      name,
      kind: sharded ? 'shard-conflict' : 'rerun',
      ...(at.test.failure ? { failure: at.test.failure } : {}),
      ...(at.test.name !== name ? { failedTest: at.test.name } : {}),
      ...(at.test.package ? { package: at.test.package } : {}),
      ...(at.shard ? { shard: at.shard } : {}),
      rerun
    })
  }
  const run = summed(first.run, tests, flakyTests)
  const profile = mergedProfile(first.profile, reruns)
  // Shards that died before their tests printed no profile; their reruns did, so the coverage is
  // whole again when they were the only ones without one.
  const dead = new Set(diedBeforeTests(first, groups).map((d) => d.shard - 1))
  const profileless = first.shards.flatMap((s, i) => (s.profile ? [] : [i]))
  const restored =
    run.coverage === undefined &&
    !first.incomplete &&
    profileless.length > 0 &&
    profileless.every((i) => dead.has(i)) &&
    reruns.every((r) => r.profile && !r.profile.incomplete)
  if (profile && profile !== first.profile && (run.coverage !== undefined || restored)) {
    run.coverage = totalCoverage(profile).percent
    delete run.coverageNote
  }
  return { ...first, run, profile }
}

/** The run's counts, status and flaky lists, from its tests as they ended. */
function summed(first: TestRun, tests: TestCase[], flakyTests: FlakyTest[]): TestRun {
  const count = (s: TestCase['status']) => tests.filter((t) => t.status === s).length
  const failed = count('fail')
  const interrupted = count('interrupted')
  const bad = failed + interrupted > 0
  const recovered = new Set(flakyTests.map((f) => f.name))
  // A -test.count flake that failed again in every rerun is still one.
  const flaky = [
    ...new Set([...(first.flaky ?? []).filter((n) => !recovered.has(topLevel(n))), ...recovered])
  ]
  const run: TestRun = {
    ...first,
    tests,
    passed: count('pass'),
    failed,
    skipped: count('skip'),
    interrupted,
    verdict: bad ? 'FAIL' : 'PASS',
    status: bad ? 'failed' : 'passed'
  }
  delete run.flaky
  delete run.flakyTests
  if (flaky.length > 0) run.flaky = flaky
  if (flakyTests.length > 0) run.flakyTests = flakyTests
  return run
}

/**
 * The first run's profile with the whole profiles of the reruns merged in (`set`: a block covered
 * by either; `count`/`atomic`: hits added). Without a whole first profile, the first run's coverage
 * stands: it ran every test once.
 */
function mergedProfile(base: CoverProfile | undefined, reruns: Rerun[]): CoverProfile | undefined {
  if (!base || base.incomplete) return base
  const whole = reruns.flatMap((r) => (r.profile && !r.profile.incomplete ? [r.profile] : []))
  return whole.length === 0 ? base : mergeProfiles([base, ...whole])
}
