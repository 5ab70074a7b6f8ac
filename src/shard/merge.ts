/**
 * The shards' logs made into one result, as if one Job had run them all: tests side by side,
 * counts added up, failures kept, cover profiles merged (`set`: a block is covered when any shard
 * covered it; `count`/`atomic`: hits add up) and the coverage recomputed from the merged profile.
 * Pure.
 */
import {
  mergeProfiles,
  totalCoverage,
  profileFromLog,
  type CoverProfile
} from '../results/cover-profile.js'
import { parseTestLog } from '../results/gotest.js'
import type { TestRun } from '../results/types.js'
import { mergeRuns } from './shard.js'

export interface MergedShards {
  run: TestRun
  /** The merged profile; undefined when no shard printed one. */
  profile?: CoverProfile
  /** Per shard, in order: its own parsed run and profile (for per-shard reporting). */
  shards: Array<{ run: TestRun; profile?: CoverProfile }>
}

/**
 * Parses and merges the shards' logs (each as its Job printed it, with the cover profile inside:
 * `-test.coverprofile=/dev/stdout`). One log gives exactly what parsing it alone gives.
 *
 * Coverage: with several shards, `run.coverage` is the merged profile's statement coverage, and
 * undefined when a shard printed no profile (it panicked or was killed): a partial merge would
 * understate it, and a single Job cut off the same way prints no coverage either. The merged
 * `profile` holds what there is, for the per-package table.
 */
export function mergeShardLogs(logs: string[]): MergedShards {
  return mergeShards(
    logs.map((text) => ({ run: parseTestLog(text), profile: profileFromLog(text) }))
  )
}

/** The same, for shards parsed already (each log parsed once, where it was read). */
export function mergeShards(shards: Array<{ run: TestRun; profile?: CoverProfile }>): MergedShards {
  if (shards.length === 1) return { run: shards[0].run, profile: shards[0].profile, shards }
  const run = mergeRuns(shards.map((s) => s.run))
  const profiles = shards.flatMap((s) => (s.profile ? [s.profile] : []))
  const profile = mergeProfiles(profiles)
  if (profile && profiles.length === shards.length) run.coverage = totalCoverage(profile).percent
  return { run, profile, shards }
}

/** One log for the log file: each shard's under a `### shard i/N` header line. */
export function combinedLog(logs: Array<{ name: string; text: string }>): string {
  return logs
    .map((l, i) => `### shard ${i + 1}/${logs.length} (Job ${l.name})\n${l.text}`)
    .join('\n')
}
