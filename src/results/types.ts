/** What a test log says, in one shape for every producer (go test -v text, test2json). */

export type TestStatus = 'pass' | 'fail' | 'skip' | 'interrupted'

/**
 * How a place was found: `source`, the call on that line of the checkout is a failing check;
 * `trace`, the output marks it (testify's Error Trace, want/got-style words, a stack frame);
 * `last-line`, nothing marks it: the test's last `file:line:` output, a guess.
 */
export type Found = 'source' | 'trace' | 'last-line'

/** One failing check of a test (or, with how `last-line`, its last output line). */
export interface Check {
  /** As printed: a base name (`x_test.go`), an in-image absolute path or, from a binary built
   * with -trimpath, a module path (`example.com/svc/x_test.go`); see locate.ts. */
  file: string
  line: number
  /** Its text, with its continuation lines (testify: the Error and Messages fields). */
  message: string
  how: Found
  /** The workspace file the source was read from, when it was. */
  path?: string
}

export interface Failure {
  /** The failure: the test's first failing check; with none, how it ended (`kind`) or, failing
   * without a place, its output. checksOf() (failure-source.ts) lists its checks. */
  message: string
  /** As printed (see Check.file). */
  file?: string
  line?: number
  how?: Found
  path?: string
  /** Set when the failure is how the test ended rather than a check. */
  kind?: 'panic' | 'timeout' | 'interrupted'
  /** Every failing check, in order, when there are two or more (the first is the failure). One
   * failure of 100,000 tests costs a little: a single check is the failure itself. */
  checks?: Check[]
  /** How a test whose failure is a check then ended: its panic, timeout or interruption. */
  ended?: Failure
}

export interface TestCase {
  name: string
  package?: string
  status: TestStatus
  durationMs?: number
  /** The n-th run of this name (-test.count=N), from 2 on; absent for the first. */
  repetition?: number
  /** The test's own output lines, markers removed; capped (see gotest.ts), and dropped for
   * passing tests once a log has kept a lot of output. */
  output: string[]
  failure?: Failure
  /** True for a parent that failed (or was cut off) only because a subtest did. */
  failedByChildren?: boolean
  /** Still running when the binary's -test.timeout fired: the timeout's cause. */
  timedOut?: boolean
  /** Cut off without being the cause: paused or finished-but-unreported at a timeout. */
  bystander?: boolean
}

export interface TestRun {
  tests: TestCase[]
  passed: number
  failed: number
  skipped: number
  interrupted: number
  /** Statement coverage in percent, from the last `coverage:` line. */
  coverage?: number
  /** Why `coverage` is missing or not to be trusted (e.g. a shard's profile was cut). */
  coverageNote?: string
  panic?: Failure & { test?: string }
  timedOut?: string
  /** The binary's own final word: PASS, FAIL, or nothing when it was cut off. */
  verdict?: 'PASS' | 'FAIL'
  status: 'passed' | 'failed'
  /** Names that failed in one repetition and passed in another (-test.count=N), and those that
   * failed and then passed when run again alone (rerun-failed). */
  flaky?: string[]
  /** What is known of each rerun-failed flaky test (see shard/rerun-failed.ts). */
  flakyTests?: FlakyTest[]
  /** How the binary ended when it printed no verdict: killed, SIGQUIT dump, os.Exit. */
  ending?: 'killed' | 'sigquit' | 'exited'
}

/**
 * A test that both failed and passed in one run:
 * - `repetition`: in one -test.count repetition and not in another;
 * - `rerun`: it failed, then passed when run again alone (rerun-failed);
 * - `shard-conflict`: the same in a sharded run: it failed only beside other shards, which is
 *   what tests sharing state across shards (a table, a row, a lock) do.
 */
export interface FlakyTest {
  /** The top-level test (what a rerun runs). */
  name: string
  kind: 'repetition' | 'rerun' | 'shard-conflict'
  /** Its first failure, and the failing test's name when that was a subtest. */
  failure?: Failure
  failedTest?: string
  package?: string
  /** The shard (1-based) it failed in. */
  shard?: number
  /** The rerun it passed in (1-based). */
  rerun?: number
}
