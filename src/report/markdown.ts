/**
 * Escaping for text from test output (names, messages, log lines) that goes into the job summary
 * and the PR comment. That text comes from the pull request, so it must render as the characters
 * it is and nothing more: no link, image, HTML, @mention, issue reference or broken-out code span.
 *
 * How GitHub turns text live, and what stops each (checked against cmark-gfm's autolink.c):
 * - Markdown links, images, emphasis, code spans, table pipes, HTML: every character that starts
 *   one is written as an HTML entity (`[` → `&#91;`). Entities render as the character but are
 *   never parsed as Markdown.
 * - Autolinks (`https://…`, `www.…`, `a@b.c`) are matched on the raw characters `:` (followed
 *   by `//`), `w` and `@`: `://` is written `&#58;//`, `www.` `www&#46;`, `@` `&#64;`.
 * - @mentions and #123 references are linked later, on the rendered HTML's text, except inside
 *   `<code>`. Outside code an invisible WORD JOINER (U+2060) follows `@` and `#`, so no name or
 *   number follows them directly; code() needs none.
 * Code spans are `<code>` elements with entities, not backticks: a backtick in the text cannot
 * end them.
 */

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
  '\\': '&#92;',
  '[': '&#91;',
  ']': '&#93;',
  '*': '&#42;',
  _: '&#95;',
  '~': '&#126;',
  '|': '&#124;',
  '@': '&#64;',
  '#': '&#35;'
}
const SPECIAL = /[&<>"'`\\[\]*_~|@#]/g
const WORD_JOINER = '&#8288;'

function entities(text: string, joiner: boolean): string {
  return text
    .replace(SPECIAL, (c) => ENTITIES[c] + (joiner && (c === '@' || c === '#') ? WORD_JOINER : ''))
    .replace(/:(?=\/\/)/g, '&#58;')
    .replace(/www\./gi, (m) => `${m.slice(0, 3)}&#46;`)
}

function truncate(text: string, max: number): string {
  // Cut before escaping, so no entity is cut in half.
  return text.length > max ? text.slice(0, max - 1) + '…' : text
}

/** Inert inline text: one table cell or one line; line breaks become `<br>`. */
export function cell(text: string, max = 300): string {
  return entities(truncate(text.trim(), max), true).replace(/\r?\n/g, '<br>')
}

/** Inert text in code font (a test name, an image, a log line); one line. */
export function code(text: string, max = 300): string {
  return `<code>${entities(truncate(text.trim(), max), false).replace(/\r?\n/g, ' ⏎ ')}</code>`
}

export function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`)
  ].join('\n')
}

export function ms(n: number | undefined): string {
  if (n === undefined) return ''
  return n >= 60_000
    ? `${Math.floor(n / 60_000)}m${Math.round((n % 60_000) / 1000)}s`
    : `${(n / 1000).toFixed(n < 10_000 ? 2 : 1)}s`
}
