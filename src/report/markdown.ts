/** Escaping for text that goes into GitHub markdown tables and the summary. */

/** One table cell: no pipes, no raw HTML, no line breaks that would end the row. */
export function cell(text: string, max = 300): string {
  let t = text.trim().replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  t = t.replace(/\|/g, '\\|').replace(/`/g, '\\`').replace(/\r?\n/g, '<br>')
  return t.length > max ? t.slice(0, max - 1) + '…' : t
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
