/** What a test log says, in one shape for every producer (go test -v text, test2json). */

export type TestStatus = 'pass' | 'fail' | 'skip' | 'interrupted'

export interface Location {
  /** As printed: a base name (`x_test.go`), an in-image absolute path or, from a binary built
   * with -trimpath, a module path (`example.com/svc/x_test.go`); see locate.ts. */
  file: string
  line: number
  /** The first line of what was printed there. */
  message: string
}

export interface Failure {
  message: string
  /** As printed: a base name (`x_test.go`) or an in-image absolute path. */
  file?: string
  line?: number
  /** Every place the test reported a failure at, in order (the chosen one included). */
  locations?: Location[]
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
  /** Names that failed in one repetition and passed in another (-test.count=N). */
  flaky?: string[]
  /** How the binary ended when it printed no verdict: killed, SIGQUIT dump, os.Exit. */
  ending?: 'killed' | 'sigquit' | 'exited'
}
