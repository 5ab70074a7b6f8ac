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
  /** Why this profile is known to be incomplete (cut short): never to be merged silently. */
  incomplete?: string
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

/** A line of a profile cut short: a path, maybe a range and numbers, but not a whole block. */
const PARTIAL_BLOCK = /^[\w./@+~-]+\.go:[\d.,]*( \d*( \d*)?)?$/
const PATH_PREFIX = /^[\w./@+~-]+$/

/**
 * Finds the profiles a binary prints into its log (`-test.coverprofile=/dev/stdout`), line by
 * line as the log streams by, and checks each: a profile whose last line is cut, or whose
 * statements do not give the `coverage:` percentage the same binary printed, is marked
 * `incomplete` (the percentage is the binary's own checksum of what it wrote).
 */
export class ProfileCollector {
  private readonly found: Array<{ profile: CoverProfile; coverage?: number }> = []
  private current?: { profile: CoverProfile; coverage?: number }
  private coverage?: number
  private pending?: { profile: CoverProfile; reason: string }

  push(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    const mode = line.startsWith('mode: ') ? MODE.exec(line) : null
    if (mode) {
      this.current = {
        profile: { mode: mode[1] as CoverMode, blocks: new Map() },
        coverage: this.coverage
      }
      this.found.push(this.current)
      return
    }
    if (line.startsWith('coverage: ')) {
      const m = /^coverage: ([\d.]+)% of statements/.exec(line)
      if (m) this.coverage = Number(m[1])
    }
    this.pending = undefined
    if (!this.current) return
    const m = BLOCK.exec(line)
    if (m) {
      addBlock(this.current.profile, m[1], m[2], Number(m[3]), Number(m[4]))
      return
    }
    const cutAt = `its line ${this.current.profile.blocks.size + 1} is cut short: "${line.slice(0, 120)}"`
    if (PARTIAL_BLOCK.test(line)) this.current.profile.incomplete = cutAt
    // A bare path could be any output line, unless the log ends with it.
    else if (PATH_PREFIX.test(line)) this.pending = { profile: this.current.profile, reason: cutAt }
    this.current = undefined
  }

  /** The profiles found, merged; `incomplete` if any of them is. */
  finish(): CoverProfile | undefined {
    if (this.pending) this.pending.profile.incomplete = this.pending.reason
    const profiles: CoverProfile[] = []
    const problems: string[] = []
    for (const f of this.found) {
      if (f.profile.blocks.size === 0 && !f.profile.incomplete) continue
      // The coverage line comes before the profile when written to /dev/stdout, after it when
      // a later run prints one: either is the same binary's figure.
      const printed = f.coverage ?? this.coverage
      if (!f.profile.incomplete && printed !== undefined) {
        const own = totalCoverage(f.profile).percent
        if (Math.abs(own - printed) > 0.1)
          f.profile.incomplete = `its ${f.profile.blocks.size} blocks give ${own}% of statements, but the binary printed ${printed}%`
      }
      if (f.profile.incomplete) problems.push(f.profile.incomplete)
      profiles.push(f.profile)
    }
    const merged = mergeProfiles(profiles)
    if (merged && problems.length > 0) merged.incomplete = problems.join('; ')
    return merged
  }
}

/** The profiles a binary printed into its log (`-test.coverprofile=/dev/stdout`), merged. */
export function profileFromLog(log: string): CoverProfile | undefined {
  const c = new ProfileCollector()
  let start = 0
  while (start < log.length) {
    let end = log.indexOf('\n', start)
    if (end === -1) end = log.length
    c.push(log.slice(start, end))
    start = end + 1
  }
  return c.finish()
}

export function formatProfile(p: CoverProfile): string {
  const lines = [`mode: ${p.mode}`]
  for (const [key, b] of p.blocks) lines.push(`${key} ${b.statements} ${b.count}`)
  return lines.join('\n') + '\n'
}
