/**
 * Command-line parsing for `in-cluster-test`: every action input is a `--flag` of the same name,
 * so a workflow step and a terminal command read the same.
 */
import { INPUT_NAMES } from '../inputs/table.js'

export type CliCommand =
  | { command: 'run'; inputs: Record<string, string> }
  | { command: 'report'; log: string; json: boolean; coverprofile?: string; source: string }
  | { command: 'help' }

/** Inputs that take one entry per line: their flag may be given once per entry. */
const REPEATABLE = new Set([
  'env',
  'secret-env',
  'build-args',
  'manifests',
  'load-images',
  'env-from-secrets',
  'test-args',
  'go-build-flags'
])

export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export const USAGE = `Usage:
  in-cluster-test run [--input-name value ...]   run the pipeline (flags are the action's inputs)
  in-cluster-test report --log FILE [--source DIR] [--json] [--coverprofile OUT]
                                                 parse a saved test log and print the results;
                                                 DIR is the checkout the tests were built from
                                                 (default: the current directory), read to
                                                 place each failure at its failing check; OUT
                                                 gets its (merged) cover profile
  in-cluster-test --help

Examples:
  in-cluster-test run --cluster existing --kubeconfig ~/.kube/config --context example \\
    --image-load 'docker save {image} | ctr -n k8s.io images import -'
  in-cluster-test report --log /tmp/in-cluster-test/tests.log --json

Inputs (see README.md for defaults):
  ${INPUT_NAMES.map((n) => `--${n}`).join(' ')}
`

/** `--name value`, `--name=value`; a flag given twice is an error rather than a silent override. */
export function parseCli(argv: string[]): CliCommand {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    return { command: 'help' }
  }
  if (command !== 'run' && command !== 'report') {
    throw new UsageError(`unknown command '${command}': use run, report or --help`)
  }
  const flags: Record<string, string> = {}
  const booleans = new Set(command === 'report' ? ['json'] : [])
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]
    if (arg === '--help' || arg === '-h') return { command: 'help' }
    if (!arg.startsWith('--'))
      throw new UsageError(`unexpected argument '${arg}': flags look like --name value`)
    const eq = arg.indexOf('=')
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq)
    let value: string
    if (booleans.has(name)) {
      value = eq === -1 ? 'true' : arg.slice(eq + 1)
    } else if (eq !== -1) {
      value = arg.slice(eq + 1)
    } else {
      if (i + 1 >= rest.length) throw new UsageError(`--${name} needs a value`)
      value = rest[++i]
    }
    if (name in flags) {
      if (!REPEATABLE.has(name))
        throw new UsageError(`--${name} is given twice: it takes one value`)
      // As the action takes them: one line per entry.
      flags[name] = `${flags[name]}\n${value}`
      continue
    }
    flags[name] = value
  }
  if (command === 'report') {
    for (const name of Object.keys(flags)) {
      if (!['log', 'json', 'coverprofile', 'source'].includes(name))
        throw new UsageError(`report has no --${name} flag`)
    }
    if (!flags.log) throw new UsageError('report needs --log FILE')
    return {
      command: 'report',
      log: flags.log,
      json: flags.json === 'true',
      coverprofile: flags.coverprofile,
      source: flags.source ?? '.'
    }
  }
  for (const name of Object.keys(flags)) {
    if (!(INPUT_NAMES as readonly string[]).includes(name)) {
      throw new UsageError(`unknown flag --${name}; the flags are the action's inputs (see --help)`)
    }
  }
  return { command: 'run', inputs: flags }
}
