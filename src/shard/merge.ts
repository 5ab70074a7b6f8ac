/**
 * The shards' logs made into one result, as if one Job had run them all: tests side by side,
 * counts added up, failures kept, cover profiles merged (`set`: a block is covered when any shard
 * covered it; `count`/`atomic`: hits add up) and the coverage recomputed from the merged profile,
 * never from a profile known to be cut short. Pure.
 */
import { mergeProfiles, totalCoverage, type CoverProfile } from '../results/cover-profile.js'
import { parseTestLogWithProfile, TestLogParser, type ParseOptions } from '../results/gotest.js'
import { forEachLineOfFile } from '../results/log-lines.js'
import type { TestRun } from '../results/types.js'
import { mergeRuns } from './shard.js'
import { withReruns } from './rerun-failed.js'

export interface MergedShards {
  run: TestRun
  /** The merged profile; undefined when no shard printed one. `incomplete` when one was cut. */
  profile?: CoverProfile
  /** Per shard, in order: its own parsed run and profile (for per-shard reporting). */
  shards: Array<{ run: TestRun; profile?: CoverProfile }>
  /** Shards whose profile is known to be cut short, and why (1-based shard numbers). */
  incomplete?: Array<{ shard: number; reason: string }>
}

/**
 * Parses and merges the shards' logs (each as its Job printed it, with the cover profile inside:
 * `-test.coverprofile=/dev/stdout`). One log gives exactly what parsing it alone gives.
 */
export function mergeShardLogs(logs: string[]): MergedShards {
  return mergeShards(logs.map((text) => parseTestLogWithProfile(text)))
}

/**
 * The same, for shards parsed already (each log parsed once, where it was read).
 *
 * Coverage: with several shards, `run.coverage` is the merged profile's statement coverage, and
 * only when every shard printed a whole profile. Otherwise it is undefined and
 * `run.coverageNote` says why:
 * - a shard printed no profile (it panicked or was killed; a single Job cut off the same way
 *   prints no coverage either), or none did (no `-test.coverprofile` in the args): each shard's
 *   `coverage:` line covers its own tests only, and no figure made of them is the run's (the
 *   union of what the shards covered lies between the largest and the sum; an average is below
 *   the truth whenever shards cover different code). `withCoverProfile` (shard.ts) adds the flag.
 * - a profile is incomplete (cut short, see ProfileCollector, or with fewer blocks than the
 *   other shards' profiles of the same binary): merged it would understate the coverage without a
 *   word (84.0 % instead of 87.5 % in the issue). The merged `profile` is still returned, marked
 *   `incomplete`, for a per-package table that says so.
 */
export function mergeShards(shards: Array<{ run: TestRun; profile?: CoverProfile }>): MergedShards {
  if (shards.length === 1) return { run: shards[0].run, profile: shards[0].profile, shards }
  const run = mergeRuns(shards.map((s) => s.run))
  const profiles = shards.flatMap((s) => (s.profile ? [s.profile] : []))
  const incomplete: Array<{ shard: number; reason: string }> = []
  // Every shard runs the same binary: its profile lists every block, hit or not.
  const most = Math.max(0, ...profiles.map((p) => p.blocks.size))
  shards.forEach((s, i) => {
    if (!s.profile) return
    if (s.profile.incomplete) incomplete.push({ shard: i + 1, reason: s.profile.incomplete })
    else if (s.profile.blocks.size < most)
      incomplete.push({
        shard: i + 1,
        reason: `it has ${s.profile.blocks.size} blocks, another shard's has ${most}`
      })
  })
  const profile = mergeProfiles(profiles)
  const missing = shards.flatMap((s, i) => (s.profile ? [] : [i + 1]))
  if (profile && incomplete.length > 0) {
    profile.incomplete = incomplete.map((x) => `shard ${x.shard}: ${x.reason}`).join('; ')
    run.coverageNote = `no coverage: the cover profile of ${plural(incomplete.map((x) => x.shard))} is incomplete (${profile.incomplete})`
  } else if (profile && missing.length === 0) {
    run.coverage = totalCoverage(profile).percent
  } else {
    const printed = shards.map((s) => s.run.coverage)
    run.coverageNote =
      profiles.length === 0 && printed.every((c) => c !== undefined)
        ? `no coverage for the whole run: each shard printed only its own (${printed.map((c) => `${c}%`).join(', ')}), and shards' figures do not add up; run the binary with -test.coverprofile=/dev/stdout to merge their profiles`
        : `no coverage for the whole run: ${plural(missing)} printed no cover profile`
  }
  const merged: MergedShards = { run, profile, shards }
  if (incomplete.length > 0) merged.incomplete = incomplete
  return merged
}

function plural(shards: number[]): string {
  return shards.length === 1 ? `shard ${shards[0]}` : `shards ${shards.join(', ')}`
}

/** One log for the log file: each shard's under a `### shard i/N` header line. */
export function combinedLog(logs: Array<{ name: string; text: string }>): string {
  return logs.map((l, i) => `${shardHeader(i, logs.length, l.name)}\n${l.text}`).join('\n')
}

/** The header line before shard i's log in the combined log (parseLogFile splits at it). */
export function shardHeader(i: number, n: number, name: string): string {
  return `### shard ${i + 1}/${n} (Job ${name})`
}

const SHARD_HEADER = /^### shard (\d+)\/(\d+) \(Job (.+)\)$/

/** The header line before a rerun's log (rerun-failed), after the run's own in tests.log. */
export function rerunHeader(attempt: number, attempts: number, job: string): string {
  return `### rerun ${attempt}/${attempts} (Job ${job})`
}

const RERUN_HEADER = /^### rerun (\d+)\/(\d+) \(Job (.+)\)$/

/**
 * Reads a tests.log as a stream (any size) and gives what the run gave: a sharded run's log
 * (`combinedLog`) is split at its `### shard i/N` headers and its shards merged, so the coverage
 * is the run's, not the last shard's `coverage:` line; any other log is parsed whole. The reruns
 * after their `### rerun k/N` headers are applied to it as the run applied them.
 */
export async function parseLogFile(path: string, options?: ParseOptions): Promise<MergedShards> {
  const parsers: TestLogParser[] = []
  const reruns: TestLogParser[] = []
  let current: TestLogParser | undefined
  await forEachLineOfFile(path, (line) => {
    const shard = line.startsWith('### shard ') && SHARD_HEADER.test(line)
    const rerun = line.startsWith('### rerun ') && RERUN_HEADER.test(line)
    if (shard || rerun) {
      current = new TestLogParser(options)
      ;(rerun ? reruns : parsers).push(current)
      return
    }
    if (!current) {
      current = new TestLogParser(options)
      parsers.push(current)
    }
    current.push(line)
  })
  if (parsers.length === 0) parsers.push(new TestLogParser(options))
  const parsed = (p: TestLogParser) => ({ run: p.finish(), profile: p.profile() })
  return withReruns(mergeShards(parsers.map(parsed)), reruns.map(parsed))
}
