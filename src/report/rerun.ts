/**
 * The way back to a laptop: one `in-cluster-test run` command, for the job summary, that runs the
 * failed tests again with the same image, namespace, env and Job shape against any kubeconfig.
 * Pure. Test names come from the test binary's output (the pull request's code), so only names a
 * Go test function can have reach the command, and every word is quoted for a POSIX shell: a
 * hostile name is dropped, never pasted into someone's terminal.
 */
import * as path from 'node:path'
import type { Inputs } from '../inputs/types.js'
import type { TestRun } from '../results/types.js'
import { reportableFailures } from '../results/gotest.js'
import { shardArgs } from '../shard/shard.js'

/** What the command needs of the run's inputs: never a secret value. */
export interface RerunInputs {
  namespace: string
  testArgs: string[]
  /** The env input: plain values, written into the workflow. */
  env: Record<string, string>
  /** Names only: on the laptop each value comes from the variable of the same name. */
  secretEnvNames: string[]
  envFromSecrets: string[]
  memoryLimit?: string
  cpuLimit?: string
  /** Relative to the repository when it is inside it. */
  jobTemplate?: string
}

export function rerunInputs(inputs: Inputs): RerunInputs {
  const template = inputs.job.template?.path
  const relative = template && path.relative(inputs.workspace, template)
  return {
    namespace: inputs.namespace,
    testArgs: [...inputs.job.testArgs],
    env: { ...inputs.job.env },
    secretEnvNames: Object.keys(inputs.job.secretEnv),
    envFromSecrets: [...inputs.job.envFromSecrets],
    memoryLimit: inputs.job.memoryLimit,
    cpuLimit: inputs.job.cpuLimit,
    jobTemplate:
      relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : template
  }
}

/**
 * A top-level Go test, example or fuzz target: `Test`, `Example` or `Fuzz` and then letters,
 * digits and `_` (Go's identifier characters). Nothing a shell or a regexp treats specially.
 */
const GO_TEST_NAME = /^(?:Test|Example|Fuzz)[\p{L}\p{Nd}_]*$/u

/** A word any POSIX shell takes as it is. */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/

/** One shell word: as it is when plain, else in single quotes (a `'` inside as `'\''`). */
export function shellQuote(word: string): string {
  if (PLAIN.test(word)) return word
  return `'${word.replace(/'/g, `'\\''`)}'`
}

/** A shell variable name, so `"$NAME"` expands it (secret-env names may also hold `-` and `.`). */
const SHELL_VAR = /^[A-Za-z_][A-Za-z0-9_]*$/

export interface RerunTests {
  /** Top-level tests to run again; empty: the whole suite. */
  tests: string[]
  /** Failed tests left out because their names are not Go test names. */
  dropped: string[]
}

/**
 * The failed tests' top-level names: `-test.run` splits its pattern at `/`, one part per subtest
 * level, so `TestA/case_1` runs again as `TestA` (with all its subtests).
 */
export function testsToRerun(run: TestRun | undefined): RerunTests {
  const tests: string[] = []
  const dropped: string[] = []
  for (const t of run ? reportableFailures(run) : []) {
    const top = t.name.split('/')[0]
    if (!GO_TEST_NAME.test(top)) {
      if (!dropped.includes(t.name)) dropped.push(t.name)
    } else if (!tests.includes(top)) tests.push(top)
  }
  return { tests, dropped }
}

/** `--flag word` for each word, or one flag with a YAML list when words hold white space. */
function listFlag(flag: string, words: string[]): string[] {
  // The CLI joins a repeated flag's values with newlines and splits them at white space, or
  // reads a YAML list when the value starts with `[` or `- `.
  if (words.some((w) => /\s/.test(w) || w === '') || /^(\[|- )/.test(words[0] ?? ''))
    return [`${flag} ${shellQuote(JSON.stringify(words))}`]
  return words.map((w) => `${flag} ${shellQuote(w)}`)
}

function envFlags(env: Record<string, string>): string[] {
  const entries = Object.entries(env)
  if (entries.length === 0) return []
  // `NAME=value` lines are read trimmed, one per line; other values go as one YAML (JSON) map.
  if (entries.every(([, v]) => !/[\r\n]/.test(v) && v === v.trim()))
    return entries.map(([k, v]) => `--env ${shellQuote(`${k}=${v}`)}`)
  return [`--env ${shellQuote(JSON.stringify(env))}`]
}

/**
 * The command, one flag group per line. `image` is the run's test image: the kubelet on the
 * other cluster must find it (pushed to a registry it pulls from, or loaded onto its nodes).
 */
export function rerunCommand(image: string, inputs: RerunInputs, run: TestRun | undefined): string {
  const { tests } = testsToRerun(run)
  let testArgs = inputs.testArgs
  if (tests.length > 0) {
    // As a shard narrows its args (shard.ts): the user's other flags and subtest filter stay.
    const failed = new Set(tests)
    const others = [
      ...new Set((run?.tests ?? []).map((t) => t.name.split('/')[0]).filter((n) => !failed.has(n)))
    ].filter((n) => GO_TEST_NAME.test(n))
    testArgs = shardArgs(inputs.testArgs, tests, others)
  }
  const lines = [
    'npx in-cluster-test run --cluster existing --kubeconfig ~/.kube/config',
    `--image ${shellQuote(image)} --namespace ${shellQuote(inputs.namespace)}`,
    ...envFlags(inputs.env),
    ...inputs.secretEnvNames.map((n) =>
      SHELL_VAR.test(n)
        ? `--secret-env "${n}=$${n}"`
        : `--secret-env ${shellQuote(`${n}=<value of ${n}>`)}`
    ),
    ...inputs.envFromSecrets.map((s) => `--env-from-secrets ${shellQuote(s)}`),
    ...(inputs.memoryLimit ? [`--memory-limit ${shellQuote(inputs.memoryLimit)}`] : []),
    ...(inputs.cpuLimit ? [`--cpu-limit ${shellQuote(inputs.cpuLimit)}`] : []),
    ...(inputs.jobTemplate ? [`--job-template ${shellQuote(inputs.jobTemplate)}`] : []),
    ...(testArgs.length > 0 ? [listFlag('--test-args', testArgs).join(' ')] : [])
  ]
  return lines.join(' \\\n  ')
}

/** A fence no backtick run in `text` can close. */
function fence(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length))
  return '`'.repeat(Math.max(3, longest + 1))
}

/** The summary's section: the command in a code block, and what it runs. */
export function rerunSection(image: string, inputs: RerunInputs, run: TestRun | undefined): string {
  const { tests, dropped } = testsToRerun(run)
  const command = rerunCommand(image, inputs, run)
  const what =
    tests.length > 0
      ? `the ${tests.length === 1 ? 'failed test' : `${tests.length} failed tests`} again`
      : 'the whole suite again (no failed test was named)'
  const left =
    dropped.length > 0
      ? ` ${dropped.length} failed test name${dropped.length === 1 ? ' is' : 's are'} left out: not a Go test name, so not pasted into a shell.`
      : ''
  const f = fence(command)
  return [
    '### Run it again from a terminal',
    '',
    `Runs ${what} with the same image, namespace and env, against the cluster of your kubeconfig (the service under test deployed there, the image pullable by its nodes).${inputs.secretEnvNames.length > 0 ? ' Values of secret-env come from your environment, by name.' : ''}${left}`,
    '',
    `${f}sh`,
    command,
    f
  ].join('\n')
}
