/**
 * The summary's "Service under test" section: a table of the service's pods and, for each
 * container that restarted or logged at error level in the test window, its last lines. Log text
 * comes from the cluster and is inert here: table cells are escaped and log lines sit in a code
 * fence longer than any run of backticks they hold.
 */
import type { ServiceSnapshot } from '../service/snapshot.js'
import { cell, table } from './markdown.js'

/** A fenced code block that no line of `text` can close. */
export function codeBlock(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length))
  const fence = '`'.repeat(Math.max(3, longest + 1))
  return `${fence}text\n${text}\n${fence}`
}

export function serviceSection(s: ServiceSnapshot, maxPods = 30): string {
  if (s.pods.length === 0) return ''
  const rows = s.pods.slice(0, maxPods).map((p) => {
    const restarted = p.containers.filter((c) => c.endedInWindow)
    const last = restarted.length
      ? restarted
          .map((c) => {
            const t = c.lastTermination
            const verb = c.endedInWindow === 'previous' ? 'restarted' : 'exited'
            return `${verb}: ${t?.reason ?? '?'} (exit ${t?.exitCode ?? '?'})${c.memoryLimit && t?.reason === 'OOMKilled' ? `, limit ${c.memoryLimit}` : ''}`
          })
          .join('; ')
      : p.unreadyInWindow
        ? 'went unready'
        : p.containers.map((c) => c.state).join('; ') || p.phase
    return [`\`${cell(`${p.namespace}/${p.name}`, 120)}\``, p.ready, String(p.restarts), cell(last)]
  })
  const parts = [
    `### Service under test\n\n${table(['pod', 'ready', 'restarts', 'last state'], rows)}`
  ]
  if (s.pods.length > maxPods)
    parts.push(`(${s.pods.length - maxPods} more pods in service/state.json)`)
  for (const p of s.pods) {
    for (const c of p.containers) {
      if (!c.endedInWindow && c.errorLines === 0) continue
      if (c.lastLines.length === 0) continue
      const what = [
        c.endedInWindow &&
          `${c.endedInWindow === 'previous' ? 'restarted' : 'exited'} (${c.lastTermination?.reason ?? '?'}): its last lines before that`,
        c.errorLines > 0 && `${c.errorLines} error line(s) in the window`
      ]
        .filter(Boolean)
        .join(' · ')
      parts.push(
        `<details><summary>${cell(`${p.name}/${c.name}`, 120)}: ${cell(what)}</summary>\n\n${codeBlock(c.lastLines.map((l) => l.slice(0, 500)).join('\n'))}\n\n</details>`
      )
    }
  }
  if (s.truncated)
    parts.push('Some service logs were cut at the collection cap (see output-dir/service/).')
  return parts.join('\n\n')
}
