/**
 * What an API error says, as one short line. @kubernetes/client-node 1.x throws an ApiException
 * whose own message is a dump (`HTTP-Code: 422\nMessage: Unknown API Status Code!\nBody: "{…}"\n
 * Headers: {…}`): the server's words are inside the Body, as a JSON string of a Status. Pure and
 * duck-typed (no import of the client), so it is tested on the Status bodies a real API server sent
 * (__fixtures__/k8s/status-*.json) and works whichever copy of the client threw.
 */

/** The part of a meta/v1 Status an error message needs. */
export interface ApiStatus {
  kind?: string
  status?: string
  message?: string
  reason?: string
  code?: number
  details?: {
    name?: string
    group?: string
    kind?: string
    causes?: Array<{ reason?: string; message?: string; field?: string }>
  }
}

/**
 * Long enough for a validation message naming a few fields (the API's own for an invalid Job is
 * about 500 characters), short enough for a headline and an annotation.
 */
export const MAX_API_MESSAGE = 1000

/** An ApiException's shape: a numeric HTTP code, the body, and the dump as its message. */
interface ApiExceptionLike {
  code: number
  body?: unknown
  message: string
}

function isApiException(e: unknown): e is ApiExceptionLike {
  const x = e as Partial<ApiExceptionLike> | null | undefined
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof x.code === 'number' &&
    typeof x.message === 'string' &&
    x.message.startsWith('HTTP-Code: ')
  )
}

/**
 * The Status an error carries: an ApiException's body (a JSON string or already parsed), or the
 * `status` our own errors keep (describeApiError); undefined when the server sent none.
 */
export function apiStatus(e: unknown): ApiStatus | undefined {
  if (e === null || typeof e !== 'object') return undefined
  if (!isApiException(e)) {
    const kept = (e as { status?: unknown }).status
    return isStatus(kept) ? kept : undefined
  }
  let body = e.body
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body) as unknown
    } catch {
      return undefined
    }
  }
  return isStatus(body) ? body : undefined
}

function isStatus(v: unknown): v is ApiStatus {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false
  const s = v as ApiStatus
  return s.kind === 'Status' || typeof s.message === 'string'
}

/**
 * The server's message with its reason and code, e.g. `Job.batch "db-setup" is invalid:
 * spec.template: Invalid value: …: field is immutable (422 Invalid)`; for an error without a
 * Status, what it says without the dump. Never longer than `max` characters.
 */
export function apiErrorMessage(e: unknown, max = MAX_API_MESSAGE): string {
  if (!isApiException(e)) {
    const message = e instanceof Error ? e.message : String(e)
    // Our own errors (describeApiError) are already short; an unknown dump still gets cut.
    return truncate(oneLine(compactGoValues(message)), max)
  }
  const status = apiStatus(e)
  const said = status ? statusText(status) : bodyText(e.body)
  // The log endpoint throws with no body: the exception's Message line is all there is.
  const text = said || (/^Message: (.*)$/m.exec(e.message)?.[1] ?? '')
  const reason = status?.reason
  const suffix = reason ? ` (${e.code} ${reason})` : ` (HTTP ${e.code})`
  return truncate(oneLine(text || 'no message'), max - suffix.length) + suffix
}

/** The Status's message, or its causes when it has none. */
function statusText(s: ApiStatus): string {
  if (s.message) return compactGoValues(s.message)
  const causes = s.details?.causes ?? []
  return compactGoValues(
    causes
      .map((c) => [c.field, c.message].filter(Boolean).join(': '))
      .filter(Boolean)
      .join(', ')
  )
}

/**
 * The server quotes a refused value in Go syntax, and for a changed Job template that is the
 * whole template (`Invalid value: core.PodTemplateSpec{ObjectMeta:v1.ObjectMeta{Name:"", …}}:
 * field is immutable`, thousands of characters): cut to its type, so what follows (why it was
 * refused) survives the truncation.
 */
export function compactGoValues(message: string): string {
  const start = /Invalid value: [\w.*[\]()]+\{/g
  let out = ''
  let from = 0
  for (let m = start.exec(message); m; m = start.exec(message)) {
    const open = m.index + m[0].length - 1
    const close = closingBrace(message, open)
    if (close < 0) break
    out += `${message.slice(from, open)}{…}`
    from = close + 1
    start.lastIndex = from
  }
  return out + message.slice(from)
}

/** The index of the brace closing the one at `open`, skipping quoted strings; -1 if none. */
function closingBrace(s: string, open: number): number {
  let depth = 0
  for (let i = open; i < s.length; i++) {
    const c = s[i]
    if (c === '"') {
      // A Go-quoted string: braces inside are text.
      for (i++; i < s.length && s[i] !== '"'; i++) if (s[i] === '\\') i++
    } else if (c === '{') depth++
    else if (c === '}' && --depth === 0) return i
  }
  return -1
}

/** A body that is not a Status (a proxy's HTML page, plain text): its text, tags dropped. */
function bodyText(body: unknown): string {
  if (typeof body !== 'string') return ''
  return body.replace(/<[^>]*>/g, ' ')
}

/**
 * Whether the server refused a change to a field that cannot change once set (a Job's template,
 * a Deployment's selector): the object must be deleted and created again.
 */
export function isImmutableFieldError(e: unknown): boolean {
  const s = apiStatus(e)
  if (!s || (s.code ?? (e as { code?: number }).code) !== 422) return false
  const texts = [s.message ?? '', ...(s.details?.causes ?? []).map((c) => c.message ?? '')]
  return texts.some((t) => t.includes('field is immutable'))
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim()
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}…`
}
