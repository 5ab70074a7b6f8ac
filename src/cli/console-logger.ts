import type { AnnotationProperties, Logger } from '../ports.js'

/** A Logger for a terminal: plain lines, groups as headings, secrets masked like on GitHub. */
export function consoleLogger(
  write: (line: string) => void = (l) => process.stdout.write(l + '\n')
): Logger {
  const secrets: string[] = []
  const mask = (s: string) => secrets.reduce((acc, v) => acc.split(v).join('***'), s)
  const where = (p?: AnnotationProperties) =>
    p?.file ? ` (${p.file}${p.startLine ? `:${p.startLine}` : ''})` : ''
  return {
    info: (m) => write(mask(m)),
    debug: (m) => {
      if (process.env.IN_CLUSTER_TEST_DEBUG) write(mask(`debug: ${m}`))
    },
    warning: (m, p) => write(mask(`warning${where(p)}: ${m}`)),
    error: (m, p) => write(mask(`error${p?.title ? ` ${p.title}` : ''}${where(p)}: ${m}`)),
    group: async (name, fn) => {
      write(mask(`\n▶ ${name}`))
      return fn()
    },
    setSecret: (v) => {
      if (v && !secrets.includes(v)) secrets.push(v)
    }
  }
}
