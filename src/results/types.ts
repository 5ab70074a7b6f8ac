/** What a test log says, in one shape for every producer (go test -v text, test2json). */

export type TestStatus = 'pass' | 'fail' | 'skip' | 'interrupted'

export interface Failure {
  message: string
  /** As printed: a base name (`x_test.go`) or an in-image absolute path. */
  file?: string
  line?: number
}

export interface TestCase {
  name: string
  package?: string
  status: TestStatus
  durationMs?: number
  /** The test's own output lines, markers removed. */
  output: string[]
  failure?: Failure
  /** True for a parent that failed only because a subtest did. */
  failedByChildren?: boolean
}

export interface TestRun {
  tests: TestCase[]
  passed: number
  failed: number
  skipped: number
  interrupted: number
  /** Statement coverage in percent, from the last `coverage:` line. */
  coverage?: number
  panic?: Failure & { test?: string }
  timedOut?: string
  /** The binary's own final word: PASS, FAIL, or nothing when it was cut off. */
  verdict?: 'PASS' | 'FAIL'
  status: 'passed' | 'failed'
}
