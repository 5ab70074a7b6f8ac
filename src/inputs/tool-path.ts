/**
 * What the post step needs of the input parsers as well, kept free of the others' imports (yaml,
 * the Job template) so the post bundle stays small: InputError, `~/`, and the `<tool>-path` inputs.
 */
import * as path from 'node:path'

export class InputError extends Error {
  constructor(
    readonly input: string,
    message: string
  ) {
    super(`Input '${input}': ${message}`)
    this.name = 'InputError'
  }
}

export function expandHome(p: string): string {
  return p.startsWith('~/') ? path.join(process.env.HOME ?? '', p.slice(2)) : p
}

/**
 * A `<tool>-path` input: a bare command name, looked up on PATH when it is used, or a path to
 * the binary (with a slash or `~/`), made absolute against the workspace.
 */
export function toolPath(input: string, value: string, resolve: (p: string) => string): string {
  if (/[\r\n\0]/.test(value)) throw new InputError(input, 'must be one command name or path')
  if (value.includes('/')) return resolve(expandHome(value))
  if (!/^[\w.+-]+$/.test(value))
    throw new InputError(
      input,
      `'${value}' is neither a command name (looked up on PATH, e.g. kind) nor a path (e.g. /usr/local/bin/kind)`
    )
  return value
}
