import { describe, expect, it } from '@jest/globals'
import { cell, code } from '../../src/report/markdown.js'
import { summary, type RunReport } from '../../src/report/report.js'
import { renderComment } from '../../src/report/pr-comment.js'
import { parseTestLog } from '../../src/results/gotest.js'

const HOSTILE = [
  '[x](https://evil)',
  '![i](https://evil/p.png)',
  '@octocat and @org/team',
  'mail me: a@evil.com',
  '<img src=x onerror=alert(1)>',
  '<a href="https://evil">x</a>',
  'back`tick``s ``` and \\` escaped',
  'pipe | in | table',
  'new\nline\r\nand more',
  'bare https://evil.example/x and HTTP://EVIL.example and www.evil.example',
  '<https://evil>',
  '*bold* _em_ ~~strike~~ **x**',
  '#1 and GH-1 refs',
  '[ref]: https://evil',
  '&lt;script&gt; already escaped &amp;'
]

const ENTITY = /&(#\d+|[a-z]+);/g
const OUR_TAGS = /<\/?code>|<br>/g

/** What is left once our own tags and entities are removed: must be inert plain characters. */
function residue(rendered: string): string {
  return rendered.replace(OUR_TAGS, '').replace(ENTITY, '')
}

function decode(rendered: string): string {
  return rendered
    .replace(OUR_TAGS, ' ')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
}

describe('inert Markdown', () => {
  it.each(HOSTILE)('cell and code leave nothing live in %j', (text) => {
    for (const rendered of [cell(text), code(text)]) {
      // No character that starts Markdown or HTML, no autolink trigger, one line.
      expect(residue(rendered)).not.toMatch(/[[\]<>`|*_~\\"'@#\n\r]/)
      expect(rendered).not.toMatch(/:\/\/|www\./i)
      expect(rendered.match(/<code>/g)?.length ?? 0).toBe(rendered.startsWith('<code>') ? 1 : 0)
    }
    // Outside code, no name or number directly after @ or # once rendered (mentions, refs).
    expect(decode(cell(text))).not.toMatch(/[@#][A-Za-z0-9]/)
  })

  it('renders as the same characters', () => {
    expect(decode(cell('[x](https://evil) @octocat #1')).replace(/\u2060/g, '')).toBe(
      '[x](https://evil) @octocat #1'
    )
    expect(decode(code('a`b|c')).trim()).toBe('a`b|c')
    expect(cell('a\nb')).toBe('a<br>b')
    expect(code('a\nb')).toBe('<code>a ⏎ b</code>')
  })

  it('truncates before escaping, so no entity is cut', () => {
    expect(cell('<<<<<<', 4)).toBe('&lt;&lt;&lt;…')
    expect(code('@@@@@@', 3)).toBe('<code>&#64;&#64;…</code>')
  })

  it('keeps hostile test names and messages inert in the summary and the PR comment', () => {
    const log = HOSTILE.map(
      (h, i) =>
        `=== RUN   Test${i}_${h.replace(/\s/g, '_')}\n    x_test.go:${i + 1}: ${h.replace(/\n/g, ' ')}\n--- FAIL: Test${i}_${h.replace(/\s/g, '_')} (0.10s)`
    ).join('\n')
    const run = parseTestLog(log + '\nFAIL\n')
    expect(run.tests.length).toBe(HOSTILE.length)
    const r: RunReport = {
      status: 'failed',
      headline: `${HOSTILE.length} tests failed: ${run.tests.map((t) => t.name).join(', ')}`,
      details: HOSTILE,
      run,
      durationMs: 1,
      timings: [],
      locate: () => undefined
    }
    for (const md of [
      summary(r),
      renderComment(r, undefined, 'https://github.com/o/r/actions/runs/1')
    ]) {
      const ours = md
        .replace('[Run details](https://github.com/o/r/actions/runs/1)', '')
        .replace(/<\/?(details|summary)>/g, '')
        .replace('<!-- in-cluster-test -->', '')
      expect(ours).not.toMatch(/\]\(|<img|<a |<https|https?:\/\/|www\./i)
      expect(ours.replace(/<\/?code>|<br>/g, '')).not.toMatch(/</)
      expect(decode(ours.replace(/<code>.*?<\/code>/g, ''))).not.toMatch(/@[A-Za-z0-9]/)
      // Every table row keeps its cells (4 in failures, 3 in slowest tests): no pipe broke out.
      const rows = ours.split('\n').filter((l) => l.startsWith('| <code>Test'))
      expect(rows.length >= HOSTILE.length || !md.includes('### Failed tests')).toBe(true)
      for (const row of rows) expect([4, 5]).toContain(row.split('|').length - 1)
    }
  })
})
