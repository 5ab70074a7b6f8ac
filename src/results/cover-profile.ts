/**
 * Go cover profiles (`mode: set|count|atomic`, then `file:l.c,l.c statements count` lines):
 * parsing, merging several runs (a block counts once; counts add up, `set` ORs), and statement
 * coverage per file and per package. Also finds profiles printed into a test log, which is how a
 * binary in a pod hands its profile over: `-test.coverprofile=/dev/stdout`.
 */

export type CoverMode = 'set' | 'count' | 'atomic'

export interface CoverProfile {
  mode: CoverMode
  /** `file:start,end` → statements and hit count. */
  blocks: Map<string, { file: string; statements: number; count: number }>
}

export interface CoverageSummary {
  percent: number
  statements: number
  covered: number
}

const MODE = /^mode: (set|count|atomic)$/
const BLOCK = /^(.+\.go):(\d+\.\d+,\d+\.\d+) (\d+) (\d+)$/

export function parseCoverProfile(text: string): CoverProfile {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '')
  const mode = MODE.exec(lines[0] ?? '')
  if (!mode)
    throw new Error('not a Go cover profile: the first line must be "mode: set|count|atomic"')
  const profile: CoverProfile = { mode: mode[1] as CoverMode, blocks: new Map() }
  for (const line of lines.slice(1)) {
    const m = BLOCK.exec(line)
    if (!m) throw new Error(`not a cover profile line: ${line.slice(0, 120)}`)
    addBlock(profile, m[1], m[2], Number(m[3]), Number(m[4]))
  }
  return profile
}

function addBlock(
  p: CoverProfile,
  file: string,
  range: string,
  statements: number,
  count: number
): void {
  const key = `${file}:${range}`
  const seen = p.blocks.get(key)
  if (!seen) p.blocks.set(key, { file, statements, count })
  else seen.count = p.mode === 'set' ? Math.max(seen.count, count > 0 ? 1 : 0) : seen.count + count
}

/** Merges profiles of the same mode, e.g. from several shards or runs. */
export function mergeProfiles(profiles: CoverProfile[]): CoverProfile | undefined {
  if (profiles.length === 0) return undefined
  const mode = profiles[0].mode
  if (profiles.some((p) => p.mode !== mode)) {
    throw new Error(
      `cannot merge cover profiles of different modes: ${[...new Set(profiles.map((p) => p.mode))].join(', ')}`
    )
  }
  const merged: CoverProfile = { mode, blocks: new Map() }
  for (const p of profiles)
    for (const [key, b] of p.blocks)
      addBlock(merged, b.file, key.slice(b.file.length + 1), b.statements, b.count)
  return merged
}

function summarize(blocks: Iterable<{ statements: number; count: number }>): CoverageSummary {
  let statements = 0
  let covered = 0
  for (const b of blocks) {
    statements += b.statements
    if (b.count > 0) covered += b.statements
  }
  return {
    statements,
    covered,
    percent: statements === 0 ? 0 : Math.round((covered / statements) * 1000) / 10
  }
}

export function totalCoverage(p: CoverProfile): CoverageSummary {
  return summarize(p.blocks.values())
}

/** Coverage per package (the file's directory in its import path), sorted by package. */
export function coverageByPackage(p: CoverProfile): Array<{ package: string } & CoverageSummary> {
  const groups = new Map<string, Array<{ statements: number; count: number }>>()
  for (const b of p.blocks.values()) {
    const pkg = b.file.slice(0, b.file.lastIndexOf('/'))
    groups.set(pkg, [...(groups.get(pkg) ?? []), b])
  }
  return [...groups]
    .map(([pkg, blocks]) => ({ package: pkg, ...summarize(blocks) }))
    .sort((a, b) => a.package.localeCompare(b.package))
}

/** The profiles a binary printed into its log (`-test.coverprofile=/dev/stdout`), merged. */
export function profileFromLog(log: string): CoverProfile | undefined {
  const found: CoverProfile[] = []
  let current: CoverProfile | undefined
  for (const raw of log.split('\n')) {
    const line = raw.replace(/\r$/, '')
    const mode = MODE.exec(line)
    if (mode) {
      current = { mode: mode[1] as CoverMode, blocks: new Map() }
      found.push(current)
      continue
    }
    const m = current ? BLOCK.exec(line) : null
    if (m && current) addBlock(current, m[1], m[2], Number(m[3]), Number(m[4]))
    else current = undefined
  }
  return mergeProfiles(found.filter((p) => p.blocks.size > 0))
}

export function formatProfile(p: CoverProfile): string {
  const lines = [`mode: ${p.mode}`]
  for (const [key, b] of p.blocks) lines.push(`${key} ${b.statements} ${b.count}`)
  return lines.join('\n') + '\n'
}
