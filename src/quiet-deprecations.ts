/**
 * @kubernetes/client-node 1.x sends its requests through node-fetch v2, which calls url.parse
 * (DEP0169) and loads the punycode builtin through whatwg-url (DEP0040). On Node 22 and later
 * every run printed both warnings in the user's log, neither ours to fix: client-node 2.x drops
 * node-fetch but needs Node >= 22.19, and the CLI still supports Node 20. Only these two codes are
 * dropped; any other warning still prints. Imported first by the entry points, before the client.
 */
const QUIETED = new Set(['DEP0040', 'DEP0169'])

type EmitWarning = (warning: string | Error, ...rest: unknown[]) => void

/** The code of a process.emitWarning call, in any of its forms (code argument, options, Error). */
export function warningCode(warning: string | Error, rest: unknown[]): string | undefined {
  if (warning instanceof Error && 'code' in warning) return String(warning.code)
  const [typeOrOptions, code] = rest
  if (typeof typeOrOptions === 'object' && typeOrOptions !== null && 'code' in typeOrOptions)
    return String(typeOrOptions.code)
  return typeof code === 'string' ? code : undefined
}

export function quietDependencyDeprecations(proc: { emitWarning: EmitWarning }): void {
  const emit = proc.emitWarning.bind(proc)
  proc.emitWarning = (warning, ...rest) => {
    if (QUIETED.has(warningCode(warning, rest) ?? '')) return
    emit(warning, ...rest)
  }
}

quietDependencyDeprecations(process as unknown as { emitWarning: EmitWarning })
