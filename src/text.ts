/** Small text helpers that every layer may use: a leaf module, it imports nothing. */

/** The last `n` lines of a command's output as one line, for an error message. */
export function lastLines(text: string, n = 5): string {
  return text.trim().split(/\r?\n/).slice(-n).join(' | ') || '(no output)'
}
