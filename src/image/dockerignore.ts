/**
 * Whether a context's .dockerignore excludes itself, by docker's own rules (its patternmatcher:
 * `*` and `?` within a path segment, `**` across them, `!` to take back, the last match wins).
 *
 * It matters for a Dockerfile given on stdin without BuildKit: the docker CLI adds it to the
 * context under a random name and appends that name to the context's .dockerignore. A
 * .dockerignore that excludes itself is dropped by the daemon; one that does not is in the context
 * with a new line every build, so `COPY . .` copies a changed file and the layer cache never hits.
 */

/** The patterns of a .dockerignore as docker reads them: trimmed, cleaned, `!` kept in front. */
export function dockerignorePatterns(text: string): Array<{ pattern: string; negated: boolean }> {
  const out: Array<{ pattern: string; negated: boolean }> = []
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('#')) continue
    let pattern = line.trim()
    if (pattern === '') continue
    const negated = pattern.startsWith('!')
    if (negated) pattern = pattern.slice(1).trim()
    pattern = clean(pattern)
    if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1)
    out.push({ pattern, negated })
  }
  return out
}

/** filepath.Clean for what a pattern can hold: `./`, doubled and trailing slashes. */
function clean(p: string): string {
  const abs = p.startsWith('/')
  const parts: string[] = []
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..' && parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop()
    else parts.push(part)
  }
  const joined = parts.join('/')
  return abs ? `/${joined}` : joined || '.'
}

/** A pattern as the regular expression docker compiles it to. */
function patternRegex(pattern: string): RegExp {
  let re = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++
        if (pattern[i + 1] === '/') i++
        re += i + 1 >= pattern.length ? '.*' : '(.*/)?'
      } else re += '[^/]*'
    } else if (c === '?') re += '[^/]'
    else if (c === '\\') {
      i++
      if (i < pattern.length) re += escape(pattern[i])
    } else if ('.+()|{}$'.includes(c)) re += `\\${c}`
    else re += c
  }
  try {
    return new RegExp(`^${re}$`)
  } catch {
    // docker refuses such a pattern itself; it excludes nothing here.
    return /$^/
  }
}

const escape = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

/** Whether `.dockerignore` is among the files the patterns exclude. */
export function excludesItself(text: string): boolean {
  let excluded = false
  for (const { pattern, negated } of dockerignorePatterns(text))
    if (patternRegex(pattern).test('.dockerignore')) excluded = !negated
  return excluded
}
