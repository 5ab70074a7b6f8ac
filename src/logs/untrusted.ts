/**
 * Echoing untrusted text (the test log, the build log, anything read from the cluster) so the
 * runner takes none of it for a workflow command. The runner honours `::cmd::` at the start of a
 * line (after blanks) and the legacy `##[cmd]` anywhere in a line, for every line a step prints;
 * `::stop-commands::<token>` turns that off until a line `::<token>::`. A test printing
 * `::save-state …` could otherwise choose what the post step runs.
 *
 * The token is random per block, so text printed inside cannot end the block: it would have to
 * know the token before it was printed.
 */
import { randomBytes } from 'node:crypto'
import type { Exec, Logger } from '../ports.js'

export function stopToken(): string {
  return `ict-${randomBytes(16).toString('hex')}`
}

/**
 * Prints untrusted lines through `write` (a raw line printer: core.info), opening a
 * stop-commands block before the first one and resuming commands on close(). Lines may come one
 * by one over a long time (a streamed log); the block stays open between them.
 */
export class UntrustedEcho {
  private token: string | undefined

  constructor(
    private readonly write: (line: string) => void,
    private readonly newToken: () => string = stopToken
  ) {}

  get open(): boolean {
    return this.token !== undefined
  }

  line(text: string): void {
    if (this.token === undefined) {
      this.token = this.newToken()
      this.write(`::stop-commands::${this.token}`)
    }
    this.write(text)
  }

  close(): void {
    if (this.token === undefined) return
    const token = this.token
    this.token = undefined
    this.write(`::${token}::`)
  }
}

export interface GuardedLog {
  /** The logger to use from now on: it ends an open block before any workflow command of ours. */
  log: Logger
  /** Prints one untrusted line (a test log line, a build log line, an event message). */
  echo(line: string): void
  /** Ends the open block; call in `finally` and before the step ends. */
  close(): void
}

export interface GuardOptions {
  /**
   * Treat every info line as untrusted (opening a block for it): then the pipeline needs no
   * change to echo test output safely, since all of it goes through `log.info`.
   */
  infoIsUntrusted?: boolean
  newToken?: () => string
}

/**
 * Wraps a Logger so untrusted lines can be echoed through it. While a block is open the runner
 * ignores every command, ours too: a warning, an error annotation, a group or an add-mask
 * (setSecret!) would be lost, so each of those closes the block first. Plain info lines stay in
 * an open block (they are text either way, and may quote the cluster), and with infoIsUntrusted
 * open one. Commands printed by other means (core.setFailed) need close() first.
 */
export function guardLogger(log: Logger, options: GuardOptions = {}): GuardedLog {
  const block = new UntrustedEcho((l) => log.info(l), options.newToken ?? stopToken)
  const close = () => block.close()
  const guarded: Logger = {
    info: (m) => (options.infoIsUntrusted || block.open ? block.line(m) : log.info(m)),
    debug: (m) => (close(), log.debug(m)),
    warning: (m, p) => (close(), log.warning(m, p)),
    error: (m, p) => (close(), log.error(m, p)),
    setSecret: (v) => (close(), log.setSecret(v)),
    group: (name, fn) => {
      close()
      return log.group(name, async () => {
        try {
          return await fn()
        } finally {
          // `::endgroup::` must not land inside a block.
          close()
        }
      })
    }
  }
  return { log: guarded, echo: (l) => block.line(l), close }
}

/**
 * An Exec whose echoed output (kubectl, kind, docker: text from the cluster and the pull request)
 * is printed through `echo`, inside a block, instead of straight to stdout as @actions/exec does.
 * Calls that asked for silence stay silent; the caller's line listeners still get every line.
 */
export function guardExec(exec: Exec, echo: (line: string) => void): Exec {
  return {
    run: (command, args, options = {}) => {
      if (options.silent) return exec.run(command, args, options)
      echo(`[command]${[command, ...args].join(' ')}`)
      return exec.run(command, args, {
        ...options,
        silent: true,
        onStdoutLine: (l) => {
          echo(l)
          options.onStdoutLine?.(l)
        },
        onStderrLine: (l) => {
          echo(l)
          options.onStderrLine?.(l)
        }
      })
    }
  }
}

/** Prints a whole untrusted text (a build log replayed at the end) as one block. */
export function printUntrusted(
  write: (line: string) => void,
  lines: Iterable<string>,
  newToken: () => string = stopToken
): void {
  const block = new UntrustedEcho(write, newToken)
  try {
    for (const l of lines) block.line(l)
  } finally {
    block.close()
  }
}

// ---------------------------------------------------------------------------------------------
// A model of how the GitHub runner reads a step's output (actions/runner: OutputManager,
// ActionCommandManager.TryProcessCommand, ActionCommand.TryParseV2 and TryParse), for tests and
// the security suite: which lines would it have taken as commands?

/** Commands the runner knows (the stop token is added while commands are stopped). */
export const RUNNER_COMMANDS = [
  'set-env',
  'set-output',
  'save-state',
  'add-mask',
  'add-path',
  'add-matcher',
  'remove-matcher',
  'debug',
  'warning',
  'error',
  'notice',
  'group',
  'endgroup',
  'echo',
  'stop-commands'
] as const

export interface RunnerCommand {
  /** As written (the runner compares names ignoring case). */
  command: string
  properties: Record<string, string>
  data: string
  /** 1-based line of the output, counting lines as the runner splits them (\n, \r\n and \r). */
  lineNumber: number
  line: string
  form: '::' | '##['
}

// .NET's Char.IsWhiteSpace: what String.TrimStart() removes before `::`.
const DOTNET_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/
// The runner searches `::` and `##[` with culture-sensitive string functions, which skip
// characters such as a soft hyphen or a zero-width space. Dropping them before parsing finds
// at least every command the runner would: the model errs on the side of reporting.
const IGNORABLE = new RegExp(
  // Each is one code point: none combines with the one before it here.
  // eslint-disable-next-line no-misleading-character-class
  '[\\u00ad\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180b-\\u180f\\u200b-\\u200f\\u202a-\\u202e' +
    '\\u2060-\\u206f\\u3164\\ufe00-\\ufe0f\\ufeff\\uffa0]',
  'g'
)

function replaceAll(s: string, pairs: Array<[string, string]>): string {
  for (const [from, to] of pairs) s = s.split(from).join(to)
  return s
}
const unescapeV2Data = (s: string) =>
  replaceAll(s, [
    ['%0D', '\r'],
    ['%0A', '\n'],
    ['%25', '%']
  ])
const unescapeV2Property = (s: string) =>
  replaceAll(s, [
    ['%0D', '\r'],
    ['%0A', '\n'],
    ['%3A', ':'],
    ['%2C', ','],
    ['%25', '%']
  ])
const unescapeLegacy = (s: string) =>
  replaceAll(s, [
    ['%3B', ';'],
    ['%0D', '\r'],
    ['%0A', '\n'],
    ['%5D', ']'],
    ['%25', '%']
  ])

function properties(text: string, separator: string, unescape: (s: string) => string) {
  const out: Record<string, string> = {}
  for (const part of text.split(separator).filter((p) => p !== '')) {
    const p = part.replace(/^=+/, '')
    const eq = p.indexOf('=')
    if (eq > 0 && eq < p.length - 1) out[p.slice(0, eq)] = unescape(p.slice(eq + 1))
  }
  return out
}

type Parsed = Omit<RunnerCommand, 'lineNumber' | 'line'>

function parseV2(line: string, registered: Set<string>): Parsed | undefined {
  const message = line.replace(DOTNET_SPACE, '')
  if (!message.startsWith('::')) return undefined
  const end = message.indexOf('::', 2)
  if (end < 0) return undefined
  const info = message.slice(2, end)
  const space = info.indexOf(' ')
  const command = space < 0 ? info : info.slice(0, space)
  if (!registered.has(command.toLowerCase())) return undefined
  return {
    command,
    properties: space > 0 ? properties(info.slice(space + 1).trim(), ',', unescapeV2Property) : {},
    data: unescapeV2Data(message.slice(end + 2)),
    form: '::'
  }
}

function parseLegacy(line: string, registered: Set<string>): Parsed | undefined {
  const prefix = line.indexOf('##[')
  if (prefix < 0) return undefined
  const rb = line.indexOf(']', prefix)
  if (rb < 0) return undefined
  const info = line.slice(prefix + 3, rb)
  const space = info.indexOf(' ')
  const command = space < 0 ? info : info.slice(0, space)
  if (!registered.has(command.toLowerCase())) return undefined
  return {
    command,
    properties: space > 0 ? properties(info.slice(space + 1), ';', unescapeLegacy) : {},
    data: unescapeLegacy(line.slice(rb + 1)),
    form: '##['
  }
}

/**
 * Every line of `stdout` the runner would process as a command, in order, with the
 * stop-commands state applied: a stop and its resume are listed (the runner consumes them),
 * anything between them is not.
 */
export function runnerCommands(stdout: string): RunnerCommand[] {
  const registered = new Set<string>(RUNNER_COMMANDS)
  let stopped = false
  let token = ''
  const out: RunnerCommand[] = []
  const lines = stdout.split(/\r\n|\r|\n/)
  if (lines[lines.length - 1] === '') lines.pop()
  lines.forEach((raw, i) => {
    const line = raw.replace(IGNORABLE, '')
    if (line === '' || (!line.includes('##[') && !line.includes('::'))) return
    const parsed = parseV2(line, registered) ?? parseLegacy(line, registered)
    if (!parsed) return
    const name = parsed.command.toLowerCase()
    if (stopped) {
      if (token !== '' && name === token) {
        out.push({ ...parsed, lineNumber: i + 1, line: raw })
        registered.delete(token)
        stopped = false
        token = ''
      }
      return
    }
    if (name === 'stop-commands') {
      stopped = true
      token = parsed.data.toLowerCase()
      registered.add(token)
    }
    out.push({ ...parsed, lineNumber: i + 1, line: raw })
  })
  return out
}

/** The lines of `stdout` the runner would honour as workflow commands (see runnerCommands). */
export function honouredCommands(stdout: string): string[] {
  return runnerCommands(stdout).map((c) => c.line)
}
