/**
 * A Dockerfile with BuildKit cache mounts (`RUN --mount=type=cache,...`) for a Docker without
 * BuildKit (a CLI 23+ without the buildx plugin, or BuildKit turned off): the legacy builder
 * refuses `--mount`, but a cache mount only ever makes a RUN faster (its content is never
 * guaranteed, so a correct Dockerfile cannot depend on it), so dropping it builds the same image,
 * cold. Any other BuildKit-only RUN flag changes what the RUN sees and is refused with the fix.
 */

export interface LegacyDockerfile {
  text: string
  /** How many cache mounts were dropped; 0 means the text is unchanged. */
  droppedCacheMounts: number
}

const FIX =
  'Install the Docker buildx plugin on the runner (GitHub-hosted runners have it), or use the go-package input, which needs no Docker'

/** The escape character from a `# escape=` parser directive; `\` unless set. */
function escapeCharacter(lines: string[]): string {
  for (const line of lines) {
    const directive = /^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$/.exec(line.trim())
    if (!directive) break
    if (directive[1].toLowerCase() === 'escape') return directive[2]
  }
  return '\\'
}

/** Drops every `--mount=type=cache,…` flag of RUN instructions. */
export function withoutCacheMounts(dockerfile: string): LegacyDockerfile {
  const lines = dockerfile.split('\n')
  const escape = escapeCharacter(lines)
  const continues = (line: string): boolean => line.trimEnd().endsWith(escape)
  const out: string[] = []
  let dropped = 0
  for (let i = 0; i < lines.length; i++) {
    const run = /^(\s*RUN)(?=\s)/i.exec(lines[i])
    if (!run) {
      out.push(lines[i])
      continue
    }
    // The instruction's flags may span continuation lines; flags come before the command.
    let text = lines[i]
    while (continues(lines[i]) && i + 1 < lines.length) text += '\n' + lines[++i]
    const separator = new RegExp(
      `^(?:\\s|${escape.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}\\r?\\n)*`
    )
    let rest = text.slice(run[1].length)
    let touched = false
    for (;;) {
      const afterSeparator = rest.slice(separator.exec(rest)?.[0].length ?? 0)
      const flag = /^--([a-zA-Z-]+)(?:=(\S*))?/.exec(afterSeparator)
      if (!flag) break
      const [whole, name, value = ''] = flag
      if (name === 'mount' && /(^|,)type=cache(,|$)/.test(value)) {
        dropped++
        touched = true
        rest = afterSeparator.slice(whole.length)
        continue
      }
      throw new Error(
        `the Dockerfile's 'RUN ${whole}' needs BuildKit, which this Docker does not have. ${FIX}`
      )
    }
    if (!touched) {
      out.push(text)
      continue
    }
    const command = rest.slice(separator.exec(rest)?.[0].length ?? 0)
    if (command.startsWith('<<'))
      throw new Error(`the Dockerfile's RUN here-document needs BuildKit. ${FIX}`)
    out.push(`${run[1]} ${command}`)
  }
  return { text: out.join('\n'), droppedCacheMounts: dropped }
}
